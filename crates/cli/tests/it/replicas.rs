//! Reads past one server, on a real PostgreSQL primary and streaming hot standby (`.ci/run`
//! starts both: `.ci/start-standby.sh`): reads served by the standby, a write visible to its
//! writer while replay is paused, the standby stopped with no failed request, and the standby
//! promoted and served from configuration. One test, in order: pausing, stopping and promoting
//! act on the whole standby.

use crate::harness::{PASSWORD, TestApp};
use hoctap_store::{Engine, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

struct Standby {
    /// postgres://user@host:port, without a database.
    url: String,
    /// The standby's directory (`data/` inside), for pg_ctl.
    dir: String,
}

fn standby() -> Option<Standby> {
    let url = std::env::var("HOCTAP_TEST_STANDBY_URL").ok().filter(|s| !s.is_empty());
    let dir = std::env::var("HOCTAP_TEST_STANDBY_PGTMP").ok().filter(|s| !s.is_empty());
    match (url, dir, crate::engines::postgres_admin_url()) {
        (Some(url), Some(dir), Some(_)) => Some(Standby { url, dir }),
        _ => {
            let required = std::env::var("HOCTAP_REQUIRE_STANDBY").is_ok_and(|s| !s.is_empty() && s != "0");
            assert!(!required, "HOCTAP_REQUIRE_STANDBY is set but HOCTAP_TEST_STANDBY_URL / _PGTMP / HOCTAP_TEST_DATABASE_URL are not");
            eprintln!("SKIPPED: no PostgreSQL standby (HOCTAP_TEST_STANDBY_URL, HOCTAP_TEST_STANDBY_PGTMP)");
            None
        }
    }
}

fn pg_bin(tool: &str) -> String {
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql").unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    dirs.sort();
    dirs.last().unwrap().join("bin").join(tool).display().to_string()
}

/// One value from psql.
fn psql(url: &str, sql: &str) -> String {
    let out = std::process::Command::new(pg_bin("psql")).args([url, "-XAtq", "-c", sql]).output().unwrap();
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn pg_ctl(dir: &str, args: &[&str]) {
    let data = format!("{dir}/data");
    let log = format!("{dir}/server.log");
    let mut cmd = std::process::Command::new("runuser");
    cmd.args(["-u", "postgres", "--", &pg_bin("pg_ctl"), "-D", &data, "-l", &log, "-w", "-t", "60"]).args(args);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Waits until the standby has replayed everything the primary has written so far.
async fn caught_up(primary: &str, standby: &str) {
    let target = psql(primary, "SELECT pg_current_wal_insert_lsn()");
    let started = Instant::now();
    while psql(standby, &format!("SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")) != "t" {
        assert!(started.elapsed() < Duration::from_secs(30), "the standby did not catch up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Another session of the same app: its own cookies.
async fn session(app: &TestApp, username: &str) -> reqwest::Client {
    let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let res = c.post(app.url("/api/v1/session")).json(&json!({"username": username, "password": PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    c
}

async fn household_codes(c: &reqwest::Client, app: &TestApp) -> Vec<String> {
    let res = c.get(app.url("/api/v1/registries/ho-gia-dinh?limit=1000")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v["records"].as_array().unwrap().iter().map(|r| r["values"]["code"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_standby_writers_read_their_writes_and_a_lost_standby_costs_no_request() {
    let Some(standby) = standby() else { return };
    let primary_url = crate::harness::fresh_url(Engine::Postgres).await;
    let db = primary_url.rsplit('/').next().unwrap().to_string();
    // A database copied from a template carries its sequences' pages with the count of values
    // the template had already logged ahead, so the primary hands those out without a WAL
    // record and a promoted standby would hand them out again. setval logs each sequence anew
    // (a database made with CREATE DATABASE alone, as in production, needs nothing of the sort).
    psql(
        &primary_url,
        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT schemaname, sequencename, last_value FROM pg_sequences \
         WHERE last_value IS NOT NULL LOOP PERFORM setval(format('%I.%I', r.schemaname, r.sequencename), r.last_value, true); \
         END LOOP; END $$",
    );
    let standby_url = format!("{}/{db}", standby.url);
    // A run that failed half-way may have left replay paused.
    psql(&format!("{}/postgres", standby.url), "SELECT pg_wal_replay_resume()");
    caught_up(&primary_url, &format!("{}/postgres", standby.url)).await;

    let store =
        Store::connect(&primary_url).await.unwrap().with_replicas(std::slice::from_ref(&standby_url), Duration::from_secs(30)).unwrap();
    let mut writer = TestApp::start_on(Engine::Postgres, store).await;
    writer.login("xa.canbo").await;
    let reader = session(&writer, "xa.canbo").await;
    let village = writer.store.villages(writer.demo_commune().await, hoctap_store::today()).await.unwrap()[0].code.clone();
    caught_up(&primary_url, &standby_url).await;

    // The health check names the standby and says it serves.
    let health: Value = writer.client.get(writer.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["replicas"][0]["serving"], json!(true), "{health}");
    assert!(!health.to_string().contains(PASSWORD));

    // Replay paused: the writer's household is on the primary only.
    psql(&standby_url, "SELECT pg_wal_replay_pause()");
    let (s, v) = writer
        .post("/api/v1/registries/ho-gia-dinh", json!({"code": "HG-REPLICA-1", "head_name": "Lục Văn Bản", "village": village}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The writer reads its own write (the standby has not replayed it: its reads go to the primary) …
    assert!(household_codes(&writer.client, &writer).await.contains(&"HG-REPLICA-1".to_string()), "the writer sees its write");
    // … while another session, which wrote nothing since, is served by the paused standby.
    assert!(
        !household_codes(&reader, &writer).await.contains(&"HG-REPLICA-1".to_string()),
        "the other session is served by the standby, which has not replayed the write yet"
    );
    psql(&standby_url, "SELECT pg_wal_replay_resume()");
    caught_up(&primary_url, &standby_url).await;
    assert!(household_codes(&reader, &writer).await.contains(&"HG-REPLICA-1".to_string()), "replayed, the standby serves it");

    // The standby stops: every request still answers, from the primary, and /healthz says so.
    pg_ctl(&standby.dir, &["-m", "immediate", "stop"]);
    for _ in 0..20 {
        let res = reader.get(writer.url("/api/v1/registries/ho-gia-dinh")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "no request fails while the standby is down");
        let res = reader.get(writer.url(&format!("/tong-hop/{}", writer.demo_commune().await))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "dashboards answer from the primary");
    }
    let health: Value = writer.client.get(writer.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], json!("ok"));
    assert_eq!(health["replicas"][0]["up"], json!(false), "{health}");

    // Back up, it catches up and serves again.
    pg_ctl(&standby.dir, &["start"]);
    caught_up(&primary_url, &standby_url).await;
    let started = Instant::now();
    loop {
        let health: Value = writer.client.get(writer.url("/healthz")).send().await.unwrap().json().await.unwrap();
        if health["replicas"][0]["serving"] == json!(true) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the standby serves again: {health}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Promoted (the primary is lost): the app configured with the new primary has every write
    // and takes new ones; the old app no longer reads from it (it is not a standby any more).
    pg_ctl(&standby.dir, &["promote"]);
    let started = Instant::now();
    while psql(&standby_url, "SELECT pg_is_in_recovery()") != "f" {
        assert!(started.elapsed() < Duration::from_secs(30), "promotion");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // /healthz asks a standby again after a quarter second.
    let started = Instant::now();
    loop {
        let health: Value = writer.client.get(writer.url("/healthz")).send().await.unwrap().json().await.unwrap();
        if health["replicas"][0]["serving"] == json!(false) {
            assert!(health["replicas"][0]["error"].as_str().is_some_and(|e| e.contains("không còn là bản sao")), "{health}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "a promoted server is no standby: {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut promoted = TestApp::start_on(Engine::Postgres, Store::connect(&standby_url).await.unwrap()).await;
    promoted.login("xa.canbo").await;
    assert!(household_codes(&promoted.client, &promoted).await.contains(&"HG-REPLICA-1".to_string()));
    let (s, v) = promoted
        .post("/api/v1/registries/ho-gia-dinh", json!({"code": "HG-REPLICA-2", "head_name": "Lục Văn Chính", "village": village}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "the new primary takes writes: {v}");
}
