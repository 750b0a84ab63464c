//! Starts the real app on a free port against a fresh database seeded like the demo.
//! Seeding (all admin units) is done once into a template; each test gets a copy
//! (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL).

use hoctap_store::{Engine, Store};
use hoctap_web::AppState;
use reqwest::StatusCode;
use serde_json::Value;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::PathBuf;

pub const PASSWORD: &str = "hoctap-2025";

/// The public address the test servers are configured with: not the address they listen on,
/// so a test sees that credentials and QR codes name the configuration, never the request.
pub const PUBLIC_URL: &str = "https://hoctap.test";

/// The deployment key of this test process: a temporary key file, made as `serve` makes it.
/// The seeded templates hold no signing key (no decision), so each process may have its own.
pub fn deployment_key() -> hoctap_domain::credential::DeploymentKey {
    static KEY: std::sync::OnceLock<hoctap_domain::credential::DeploymentKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("hoctap-test-{}.key", std::process::id()));
        let (key, _) = hoctap::commands::load_or_create_key(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        key
    })
    .clone()
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub engine: Engine,
    pub client: reqwest::Client,
    pub csrf: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A key that changes when the schema, the shipped data or the demo seed changes.
fn template_key() -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // Everything the seed's data depends on: a change in the store's code can change what a
    // seeded database holds (e.g. the re-basing map written with each village).
    for dir in [
        "crates/store/migrations/sqlite",
        "crates/store/migrations/postgres",
        "data/admin-units",
        "crates/store/src",
        "data/criteria",
        "data/plans",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(repo().join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            std::fs::read(&f).unwrap().hash(&mut h);
        }
    }
    std::fs::read(repo().join("crates/cli/src/commands/demo.rs")).unwrap().hash(&mut h);
    std::fs::read(repo().join("crates/store/src/admin_data.rs")).unwrap().hash(&mut h);
    format!("{:016x}", h.finish())
}

async fn sqlite_db() -> String {
    let dir = repo().join("target/test-dbs");
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join(format!("template-{}.db", template_key()));
    if !template.exists() {
        let tmp = dir.join(format!("building-{}-{}.db", std::process::id(), hoctap_app::secret::random_token(6)));
        let _ = std::fs::remove_file(&tmp);
        let store = Store::connect(&format!("sqlite://{}", tmp.display())).await.unwrap();
        store.migrate().await.unwrap();
        hoctap::commands::demo::seed(&store).await.unwrap();
        sqlx_checkpoint(&store).await;
        store.close().await;
        std::fs::rename(&tmp, &template).unwrap();
    }
    let name = dir.join(format!("t-{}-{}.db", std::process::id(), hoctap_app::secret::random_token(6)));
    std::fs::copy(&template, &name).unwrap();
    format!("sqlite://{}", name.display())
}

/// Folds the WAL into the main file so a plain copy of the file is complete.
async fn sqlx_checkpoint(store: &Store) {
    store.checkpoint().await.unwrap();
}

async fn postgres_db(admin_url: &str) -> String {
    let key = template_key();
    let tpl = format!("hoctap_tpl_{key}");
    let admin = Store::connect_with(admin_url, Some(1)).await.unwrap();
    // One process at a time builds the template or copies it.
    admin.exec_raw("SELECT pg_advisory_lock(74201)").await.unwrap();
    if !admin.database_exists(&tpl).await.unwrap() {
        let building = format!("{tpl}_building");
        admin.exec_raw(&format!("DROP DATABASE IF EXISTS {building}")).await.unwrap();
        admin.exec_raw(&format!("CREATE DATABASE {building}")).await.unwrap();
        let store = Store::connect(&replace_db(admin_url, &building)).await.unwrap();
        store.migrate().await.unwrap();
        hoctap::commands::demo::seed(&store).await.unwrap();
        store.close().await;
        admin.exec_raw(&format!("ALTER DATABASE {building} RENAME TO {tpl}")).await.unwrap();
    }
    let name = format!("t_{}", hoctap_app::secret::random_token(8));
    admin.exec_raw(&format!("CREATE DATABASE {name} TEMPLATE {tpl}")).await.unwrap();
    admin.exec_raw("SELECT pg_advisory_unlock(74201)").await.unwrap();
    admin.close().await;
    replace_db(admin_url, &name)
}

fn replace_db(url: &str, db: &str) -> String {
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    format!("{base}/{db}")
}

/// The engines to test on.
pub fn engines() -> Vec<Engine> {
    let mut v = vec![Engine::Sqlite];
    if std::env::var("HOCTAP_TEST_DATABASE_URL").is_ok_and(|s| !s.is_empty()) {
        v.push(Engine::Postgres);
    }
    v
}

/// The URL of a fresh copy of the seeded database.
pub async fn fresh_url(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => sqlite_db().await,
        Engine::Postgres => postgres_db(&std::env::var("HOCTAP_TEST_DATABASE_URL").unwrap()).await,
    }
}

/// The URL of a new database with nothing in it (not even the schema): where a backup is restored.
pub async fn empty_url(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => {
            let dir = repo().join("target/test-dbs");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("e-{}-{}.db", std::process::id(), hoctap_app::secret::random_token(6))).display())
        }
        Engine::Postgres => {
            let admin_url = std::env::var("HOCTAP_TEST_DATABASE_URL").unwrap();
            let admin = Store::connect_with(&admin_url, Some(1)).await.unwrap();
            let name = format!("e_{}", hoctap_app::secret::random_token(8));
            admin.exec_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await;
            replace_db(&admin_url, &name)
        }
    }
}

pub async fn fresh_store(engine: Engine) -> Store {
    let url = fresh_url(engine).await;
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

impl TestApp {
    pub async fn start(engine: Engine) -> TestApp {
        Self::start_with(engine, false).await
    }

    /// The app as served behind HTTPS (`secure`: Secure cookies, HSTS) or plain HTTP.
    pub async fn start_with(engine: Engine, secure: bool) -> TestApp {
        let store = fresh_store(engine).await;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = AppState {
            store: store.clone(),
            secure_cookies: secure,
            trust_proxy: false,
            public_url: hoctap_web::PublicUrl::parse(PUBLIC_URL).unwrap(),
            deployment_key: deployment_key(),
        };
        tokio::spawn(async move {
            hoctap_web::serve(state, "127.0.0.1:0".parse().unwrap(), |addr| {
                let _ = tx.send(addr);
            })
            .await
            .unwrap();
        });
        let addr = rx.await.unwrap();
        let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { addr, store, engine, client, csrf: String::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Logs in through the API; keeps the session cookie and CSRF token.
    pub async fn login(&mut self, username: &str) {
        let res = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login {username} on {:?}", self.engine);
        let v: Value = res.json().await.unwrap();
        self.csrf = v["csrf_token"].as_str().unwrap().to_string();
        // A new account must change its temporary password before anything else (the server
        // enforces it); tests keep the same one, as the policy allows.
        if v["user"]["must_change_password"] == true {
            let (s, e) = self.post("/api/v1/me/password", serde_json::json!({"current": PASSWORD, "new_password": PASSWORD})).await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
            Box::pin(self.login(username)).await;
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path)).header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn post_bytes(&self, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let res = self.client.post(self.url(path)).header("x-csrf-token", &self.csrf).body(body).send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Posts an HTML form with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &self.csrf));
        let res = self.client.post(self.url(path)).form(&form).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// Id of the unit valid today with this code.
    pub async fn unit_id(&self, code: &str) -> i64 {
        self.store.unit_by_code(code, hoctap_store::today()).await.unwrap().id
    }

    /// The demo commune (the one the commune users belong to).
    pub async fn demo_commune(&self) -> i64 {
        self.store.user_by_username("xa.canbo").await.unwrap().unwrap().unit_id
    }

    /// A session of `xa.khac`, an officer the administrator creates for another commune of the
    /// demo province: someone who must see nothing of the demo commune.
    pub async fn other_commune_officer(&self) -> TestApp {
        let mut admin = TestApp {
            addr: self.addr,
            store: self.store.clone(),
            engine: self.engine,
            client: reqwest::Client::builder().cookie_store(true).build().unwrap(),
            csrf: String::new(),
        };
        admin.login("quantri").await;
        let province = admin.unit_id("20").await;
        let demo = admin.demo_commune().await;
        let other = admin.store.children(province, hoctap_store::today()).await.unwrap().into_iter().find(|c| c.id != demo).unwrap();
        let (s, v) = admin.post("/api/v1/users", serde_json::json!({"username": "xa.khac", "full_name": "Cán Bộ Khác", "role": "unit_officer", "unit_code": other.code, "password": PASSWORD})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let mut stranger = TestApp { client: reqwest::Client::builder().cookie_store(true).build().unwrap(), csrf: String::new(), ..admin };
        stranger.login("xa.khac").await;
        stranger
    }
}
