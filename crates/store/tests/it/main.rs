//! The store's integration tests on both engines, with no server: every test is two cases,
//! `name::sqlite` and `name::postgres` (`per_engine!`, engines.rs); the PostgreSQL case runs
//! when `HOCTAP_TEST_DATABASE_URL` is set. Tests that need HTTP or the `hoctap` command are in
//! `crates/cli/tests/it`, which shares engines.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod connect;
mod criteria;
mod engines;
mod funds;
mod harness;
mod registries;
mod stats;
mod units;
