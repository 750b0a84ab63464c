//! What the pages and the JSON API share over HTTP: the server's state, the session and CSRF
//! extractors (`auth`), the one error type and its mapping to HTTP (`error`), the route table
//! builder (`routes`), and reading uploads and sending files (`files`). No page, template or
//! API handler lives here, so editing one rebuilds neither the other nor this crate.

pub mod auth;
pub mod error;
pub mod files;
pub mod routes;

use hoctap_store::Store;
use std::sync::Arc;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Served over HTTPS: adds `Secure` to cookies and sends HSTS.
    pub secure_cookies: bool,
    /// The deployment's public address: credentials, key documents, status lists and QR codes
    /// name it. Configuration only, never the request's Host or X-Forwarded-* headers.
    pub public_url: PublicUrl,
    /// Seals and opens the units' signing keys (kept in a file, never in the database).
    pub deployment_key: hoctap_domain::credential::DeploymentKey,
    /// Behind a reverse proxy: the client's address is the last one in `X-Forwarded-For`
    /// (never trusted otherwise: anyone can send the header).
    pub trust_proxy: bool,
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

/// The address a request comes from: the connection's peer, or behind a trusted proxy the
/// last address the proxy appended to `X-Forwarded-For` (set by the server's middleware).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The session of the request, looked up once for every extractor after it.
#[derive(Clone)]
pub struct SessionLookup(pub Option<auth::CurrentUser>);
