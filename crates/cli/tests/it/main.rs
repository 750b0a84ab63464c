//! All integration tests in one binary (link time matters on two cores). Every test runs
//! against SQLite, and also against PostgreSQL when `HOCTAP_TEST_DATABASE_URL` is set
//! (`.ci/run` sets it after starting a throwaway server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod accounts;
mod authz;
mod backup;
mod boards;
mod cli;
mod credentials;
mod criteria;
mod dashboard;
mod errors;
mod figures;
mod funds;
mod r#gen;
mod harness;
mod http;
mod language;
mod lineage;
mod movement;
mod registries;
mod stats;
mod store;
mod uploads;
mod workflow;
