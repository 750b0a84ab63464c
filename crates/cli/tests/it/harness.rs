//! Starts the real app on a free port against a fresh database seeded like the demo.
//! Seeding (all admin units, the demo's users) is done once into a template; each test gets a
//! copy (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL).
//!
//! Every test runs once per engine, as its own case (`crate::engines`, shared with the store's
//! tests in `crates/store/tests/it`):
//!
//! ```ignore
//! use crate::engines::per_engine;
//!
//! per_engine!(a_reviewer_sees_the_dossier);
//! async fn a_reviewer_sees_the_dossier(engine: Engine) {
//!     let mut app = TestApp::start(engine).await;
//!     …
//! }
//! ```
//!
//! makes `a_reviewer_sees_the_dossier::sqlite` and `…::postgres` (run one engine with
//! `cargo nextest run -p hoctap --test it -E 'test(/::postgres$/)'`). To convert a test written
//! as `for engine in engines() { body }`: drop `#[tokio::test]` and the loop, give the function
//! the parameter `engine: Engine` and put `per_engine!(name);` above it (`per_engine!(name,
//! flavor = "multi_thread")` keeps the runtime's arguments, `per_engine!(fn name)` a `#[test]`).
//! Tests that need only the `Store` belong in `crates/store/tests/it`.

use hoctap_store::{Engine, Store};
use hoctap_web::AppState;
use reqwest::StatusCode;
use serde_json::Value;
use std::net::SocketAddr;

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
        let (key, _) = hoctap_commands::commands::load_or_create_key(&path).unwrap();
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

/// The URL of a fresh copy of the seeded database (the demo's seed).
pub async fn fresh_url(engine: Engine) -> String {
    let key = crate::engines::template_key(&["crates/commands/src/commands/demo.rs"]);
    crate::engines::fresh_url(engine, "demo", &key, async |store: &Store| {
        hoctap_commands::commands::demo::seed(store).await.unwrap();
    })
    .await
}

pub use crate::engines::empty_url;

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
        Self::serve(engine, fresh_store(engine).await, secure).await
    }

    /// The app served on `store` (plain HTTP).
    pub async fn start_on(engine: Engine, store: Store) -> TestApp {
        Self::serve(engine, store, false).await
    }

    async fn serve(engine: Engine, store: Store, secure: bool) -> TestApp {
        let state = AppState {
            store: store.clone(),
            secure_cookies: secure,
            trust_proxy: false,
            public_url: hoctap_web::PublicUrl::parse(PUBLIC_URL).unwrap(),
            deployment_key: deployment_key(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { hoctap_web::serve(state, listener).await.unwrap() });
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
