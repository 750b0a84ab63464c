//! Registries of everything evaluated (sổ theo dõi): households, citizens, clans,
//! organisations, learning centres, Hội Khuyến học branches and their members and funds.
pub mod cccd;
pub mod cell;
pub mod def;
pub mod person;
pub mod reference;
