//! The HTTP server of Hoctap: Vietnamese server-rendered pages, the JSON API under
//! `/api/v1` (documented at `/api/openapi.json`), sessions, CSRF and scope checks.
//! Every handler checks the role, then the unit scope, before it reads or writes.

pub mod api;
pub mod auth;
pub mod error;
pub mod format;
pub mod pages;
pub mod routes;
pub mod upload;

use axum::Router;
use axum::http::Method;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use hoctap_store::Store;
use routes::{Routes, get};
use std::net::SocketAddr;
use std::sync::Arc;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Adds `Secure` to cookies (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The deployment's public address: credentials, key documents, status lists and QR codes
    /// name it. Configuration only, never the request's Host or X-Forwarded-* headers.
    pub public_url: PublicUrl,
    /// Seals and opens the units' signing keys (kept in a file, never in the database).
    pub deployment_key: hoctap_domain::credential::DeploymentKey,
}

/// An `http(s)://host[:port][/path]` address without query, fragment or trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(Arc<str>);

impl PublicUrl {
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let t = text.trim().trim_end_matches('/');
        let rest = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://"));
        let Some(rest) = rest else {
            return Err(format!("địa chỉ công khai phải bắt đầu bằng https:// hoặc http://: {text}"));
        };
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() || rest.contains(['?', '#', ' ', '@']) || host.contains(['\\', '"', '<', '>']) {
            return Err(format!("địa chỉ công khai không hợp lệ: {text} (ví dụ https://hoctap.tinh.gov.vn)"));
        }
        Ok(PublicUrl(t.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of a path of this site (`path` starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every route of the application, recorded as it is registered.
fn routes() -> Routes {
    Routes::new()
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/api/openapi.json", get(api::openapi))
}

/// Every (method, path pattern) the application answers, in axum's `{param}` syntax: the
/// authorisation matrix test walks it, so a new route fails the test until it has a row.
pub fn route_table() -> Vec<(Method, String)> {
    routes().table().to_vec()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    routes()
        .into_router()
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(trace_request))
        .layer(axum::extract::DefaultBodyLimit::max(hoctap_docs::table::MAX_UPLOAD_BYTES + 1024 * 1024))
        .with_state(state)
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, axum::Json(serde_json::json!({"status": "ok"}))),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "database unavailable"}))),
    }
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.js"),
    )
}

/// One span per request: method, route pattern (never the path itself or its query string, which may hold
/// names or codes typed into a search), the user and unit once the session is known (recorded by
/// [`auth::CurrentUser`]), then the status and duration in one closing line.
async fn trace_request(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use tracing::Instrument;
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route = route.as_deref().unwrap_or("-"),
        user = tracing::field::Empty,
        unit = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let _in = span.enter();
    if status >= 500 {
        tracing::error!(status, ms, "yêu cầu lỗi");
    } else {
        tracing::info!(status, ms, "yêu cầu");
    }
    res
}

async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    res
}

/// Serves until Ctrl-C. Calls `ready` with the bound address (port 0 picks a free one).
pub async fn serve(state: AppState, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    ready(listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
