//! Pure domain types and rules of Hoctap. No IO, no SQL, no HTTP (architecture invariant).
pub mod area;
