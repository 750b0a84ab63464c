//! Pure domain types and rules of Hoctap. No IO, no SQL, no HTTP (architecture invariant:
//! this crate depends on no async runtime, database or web crate).
pub mod access;
pub mod area;
pub mod board;
pub mod citation;
pub mod credential;
pub mod criteria;
pub mod date;
pub mod emulation;
pub mod fund;
pub mod hierarchy;
pub mod indicator;
pub mod learning;
pub mod plan;
pub mod recognition;
pub mod registry;
pub mod site;
pub mod stats;
pub mod text;
pub mod unit;
pub mod workflow;
