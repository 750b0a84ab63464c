//! One test case per engine, and the fresh databases the cases run on. Shared by the two
//! integration-test binaries: `crates/store/tests/it` (the store alone) and `crates/cli/tests/it`
//! (the real app over HTTP), which includes this file with `#[path]`.
//!
//! A test is an ordinary function that takes the engine, and [`per_engine!`] makes its cases:
//!
//! ```ignore
//! per_engine!(merging_moves_villages);
//! async fn merging_moves_villages(engine: Engine) {
//!     let store = fresh_store(engine).await;
//!     …
//! }
//! ```
//!
//! gives the tests `merging_moves_villages::sqlite` and `merging_moves_villages::postgres`, so a
//! failure names its engine and `cargo nextest run -E 'test(/::postgres$/)'` runs one engine.
//! `per_engine!(name, flavor = "multi_thread", worker_threads = 2)` passes its arguments to
//! `#[tokio::test(…)]`; `per_engine!(fn name)` is for a synchronous `fn name(engine: Engine)`
//! (a test that builds its own runtime, e.g. around proptest).
//!
//! The PostgreSQL case runs when `HOCTAP_TEST_DATABASE_URL` is set; otherwise it passes at once
//! and says so on stderr, and the test `engines::whether_the_second_engine_runs` says it once per
//! binary in nextest's output (`.config/nextest.toml`); with `HOCTAP_REQUIRE_POSTGRES` set
//! (`.ci/run` sets it) it fails instead: CI cannot skip an engine.
//! A case that passes drops the databases it created (files on SQLite, databases on
//! PostgreSQL); a failing case leaves them for a look.

// Each binary uses part of this file (only the store's tests have synchronous cases, only the
// app's restore into an empty database).
#![allow(dead_code)]

use hoctap_store::{Engine, Store};
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Makes the cases `name::sqlite` and `name::postgres` of the test function `name(engine)`.
macro_rules! per_engine {
    (fn $name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                $crate::engines::case_blocking(::hoctap_store::Engine::Sqlite, super::$name)
            }
            #[test]
            fn postgres() {
                $crate::engines::case_blocking(::hoctap_store::Engine::Postgres, super::$name)
            }
        }
    };
    ($name:ident $(, $($arg:tt)+)?) => {
        mod $name {
            #[tokio::test $(($($arg)+))?]
            async fn sqlite() {
                $crate::engines::case(::hoctap_store::Engine::Sqlite, super::$name).await
            }
            #[tokio::test $(($($arg)+))?]
            async fn postgres() {
                $crate::engines::case(::hoctap_store::Engine::Postgres, super::$name).await
            }
        }
    };
}
pub(crate) use per_engine;

/// The server PostgreSQL test databases are made on (`HOCTAP_TEST_DATABASE_URL`), if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("HOCTAP_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty())
}

/// Whether a case on `engine` runs here; a PostgreSQL case without a server is skipped with a
/// line on stderr, or fails when `HOCTAP_REQUIRE_POSTGRES` says every engine must run.
pub fn runs_on(engine: Engine) -> bool {
    match engine {
        Engine::Sqlite => true,
        Engine::Postgres if postgres_admin_url().is_some() => true,
        Engine::Postgres => {
            let required = std::env::var("HOCTAP_REQUIRE_POSTGRES").is_ok_and(|s| !s.is_empty() && s != "0");
            assert!(!required, "HOCTAP_REQUIRE_POSTGRES is set but HOCTAP_TEST_DATABASE_URL is not: the PostgreSQL case cannot run");
            eprintln!("SKIPPED on PostgreSQL: HOCTAP_TEST_DATABASE_URL is not set");
            false
        }
    }
}

/// Says once per test binary whether the PostgreSQL cases run; nextest shows this test's output
/// even when it passes (`.config/nextest.toml`), so a run on SQLite alone is seen as one.
#[test]
fn whether_the_second_engine_runs() {
    if runs_on(Engine::Postgres) {
        println!("The PostgreSQL cases (name::postgres) run: HOCTAP_TEST_DATABASE_URL is set.");
    } else {
        println!("SKIPPED: the PostgreSQL cases (name::postgres) pass without running: HOCTAP_TEST_DATABASE_URL is not set.");
    }
}

/// Runs one async case; when it returns (the test passed), drops the databases it created.
pub async fn case<F: Future<Output = ()>>(engine: Engine, test: impl FnOnce(Engine) -> F) {
    if runs_on(engine) {
        test(engine).await;
        drop_created().await;
    }
}

/// Runs one synchronous case (it builds its own runtime); then the same clean-up as [`case`].
pub fn case_blocking(engine: Engine, test: impl FnOnce(Engine)) {
    if runs_on(engine) {
        test(engine);
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(drop_created());
    }
}

enum Created {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

thread_local! {
    /// The databases the case running on this thread created: a test's own future runs on the
    /// test's thread on every runtime flavour (`block_on`), and nextest or libtest gives each
    /// test its own thread. A database made in a task spawned on another worker is kept.
    static CREATED: RefCell<Vec<Created>> = const { RefCell::new(Vec::new()) };
}

fn record(c: Created) {
    CREATED.with(|v| v.borrow_mut().push(c));
}

/// Drops what this case created. PostgreSQL's `WITH (FORCE)` ends the connections a test's
/// server may still hold; on SQLite the files go (an open file on Unix stays readable).
async fn drop_created() {
    let created = CREATED.with(|v| std::mem::take(&mut *v.borrow_mut()));
    let mut admin: Option<(String, Store)> = None;
    for c in created {
        match c {
            Created::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Created::Postgres { admin_url, name } => {
                if admin.as_ref().is_none_or(|(url, _)| *url != admin_url) {
                    admin = Some((admin_url.clone(), Store::connect_with(&admin_url, Some(1)).await.unwrap()));
                }
                let store = &admin.as_ref().unwrap().1;
                store.exec_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
            }
        }
    }
    if let Some((_, store)) = admin {
        store.close().await;
    }
}

/// The workspace's root directory.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A random lower-case name part, safe in a file name and a PostgreSQL identifier.
pub fn random_token(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

/// The files under a folder and its subfolders (the store's `registry/`), in a stable order.
fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() { files.extend(files_under(&path)) } else { files.push(path) }
    }
    files.sort();
    files
}

/// A key that changes when the schema, the shipped data, the store's code or a seed's own
/// files (`extra`, relative to the workspace) change: a template is rebuilt when it would differ.
pub fn template_key(extra: &[&str]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for dir in [
        "crates/store/migrations/sqlite",
        "crates/store/migrations/postgres",
        "data/admin-units",
        "crates/store/src",
        "data/criteria",
        "data/plans",
    ] {
        for f in files_under(&repo().join(dir)) {
            std::fs::read(f).unwrap().hash(&mut h);
        }
    }
    for f in extra {
        std::fs::read(repo().join(f)).unwrap().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// The URL of a fresh copy of the template `kind` (filled by `seed` once, in a migrated store;
/// rebuilt when `key` changes): a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL.
pub async fn fresh_url(engine: Engine, kind: &str, key: &str, seed: impl AsyncFn(&Store)) -> String {
    match engine {
        Engine::Sqlite => sqlite_db(kind, key, seed).await,
        Engine::Postgres => postgres_db(&postgres_admin_url().unwrap(), kind, key, seed).await,
    }
}

fn test_dbs() -> PathBuf {
    let dir = repo().join("target/test-dbs");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn sqlite_db(kind: &str, key: &str, seed: impl AsyncFn(&Store)) -> String {
    let dir = test_dbs();
    let template = dir.join(format!("{kind}-{key}.db"));
    if !template.exists() {
        let tmp = dir.join(format!("building-{}-{}.db", std::process::id(), random_token(6)));
        let _ = std::fs::remove_file(&tmp);
        let store = Store::connect(&sqlite_url(&tmp)).await.unwrap();
        store.migrate().await.unwrap();
        seed(&store).await;
        // Folds the WAL into the main file so a plain copy of the file is complete.
        store.checkpoint().await.unwrap();
        store.close().await;
        std::fs::rename(&tmp, &template).unwrap();
    }
    let name = dir.join(format!("t-{}-{}.db", std::process::id(), random_token(6)));
    std::fs::copy(&template, &name).unwrap();
    record(Created::Sqlite(name.clone()));
    sqlite_url(&name)
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

async fn postgres_db(admin_url: &str, kind: &str, key: &str, seed: impl AsyncFn(&Store)) -> String {
    let tpl = format!("hoctap_{kind}_{key}");
    let admin = Store::connect_with(admin_url, Some(1)).await.unwrap();
    // One process at a time builds the template or copies it.
    admin.exec_raw("SELECT pg_advisory_lock(74201)").await.unwrap();
    if !admin.database_exists(&tpl).await.unwrap() {
        let building = format!("{tpl}_building");
        admin.exec_raw(&format!("DROP DATABASE IF EXISTS {building}")).await.unwrap();
        admin.exec_raw(&format!("CREATE DATABASE {building}")).await.unwrap();
        let store = Store::connect(&replace_db(admin_url, &building)).await.unwrap();
        store.migrate().await.unwrap();
        seed(&store).await;
        store.close().await;
        admin.exec_raw(&format!("ALTER DATABASE {building} RENAME TO {tpl}")).await.unwrap();
    }
    let name = format!("t_{}", random_token(8));
    admin.exec_raw(&format!("CREATE DATABASE {name} TEMPLATE {tpl}")).await.unwrap();
    admin.exec_raw("SELECT pg_advisory_unlock(74201)").await.unwrap();
    admin.close().await;
    record(Created::Postgres { admin_url: admin_url.to_string(), name: name.clone() });
    replace_db(admin_url, &name)
}

/// The URL of a new database with nothing in it (not even the schema): where a backup is restored.
pub async fn empty_url(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => {
            let path = test_dbs().join(format!("e-{}-{}.db", std::process::id(), random_token(6)));
            record(Created::Sqlite(path.clone()));
            sqlite_url(&path)
        }
        Engine::Postgres => {
            let admin_url = postgres_admin_url().unwrap();
            let admin = Store::connect_with(&admin_url, Some(1)).await.unwrap();
            let name = format!("e_{}", random_token(8));
            admin.exec_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await;
            record(Created::Postgres { admin_url: admin_url.clone(), name: name.clone() });
            replace_db(&admin_url, &name)
        }
    }
}

fn replace_db(url: &str, db: &str) -> String {
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    format!("{base}/{db}")
}
