//! The integration tests that need the real app (HTTP, the `hoctap` command), in one binary
//! (link time matters on two cores). Every test is two cases, `name::sqlite` and
//! `name::postgres` (`per_engine!`, harness.rs); the PostgreSQL case runs when
//! `HOCTAP_TEST_DATABASE_URL` is set (`.ci/run` sets it after starting a throwaway server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod accounts;
mod authz;
mod backup;
mod boards;
mod bulk;
mod citizen;
mod citizen_api;
mod cli;
mod credentials;
mod criteria;
mod dashboard;
mod demo_data;
mod demo_years;
#[path = "../../../store/tests/it/engines.rs"]
mod engines;
mod errors;
mod figures;
mod funds;
mod r#gen;
mod harness;
mod home;
mod http;
mod language;
mod learning;
mod learning_centres;
mod lineage;
mod movement;
mod notify_events;
mod offline;
mod offline_evidence;
mod offline_roll;
mod read_pages;
mod registries;
mod replicas;
mod sites;
mod sites_centres;
mod smtp_sink;
mod stats;
mod uploads;
mod workflow;
mod year_tasks;
