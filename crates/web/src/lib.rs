//! The HTTP server of Hoctap: Vietnamese server-rendered pages, the JSON API under
//! `/api/v1` (documented at `/api/openapi.json`), sessions, CSRF and scope checks.
//! Every handler checks the role, then the unit scope, before it reads or writes.

pub use hoctap_api as api;
pub use hoctap_app::format;
pub use hoctap_http::{AppState, ClientAddr, PublicUrl, SessionLookup, auth, error, routes};
pub use hoctap_pages as pages;

use axum::Router;
use axum::http::Method;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use routes::{Routes, get};
use std::net::SocketAddr;

/// Every route of the application, recorded as it is registered.
fn routes() -> Routes {
    Routes::new()
        .route("/healthz", get(healthz))
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
    error::set_error_page(pages::error_page);
    routes()
        .into_router()
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_read_scope))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session_gate))
        .layer(axum::middleware::from_fn(refuse_unholdable_text))
        .layer(axum::middleware::from_fn(error_shape))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(axum::middleware::from_fn(trace_request))
        .layer(axum::extract::DefaultBodyLimit::max(error::MAX_BODY_BYTES))
        .with_state(state)
}

/// The primary's state, and each standby's lag and whether it serves reads. A standby that is
/// down or lagging is reported, not an error: its reads go to the primary.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    let replicas = state.store.replica_status().await;
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, axum::Json(serde_json::json!({"status": "ok", "replicas": replicas}))),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "database unavailable", "replicas": replicas})),
        ),
    }
}

/// The cookie holding the session's last commit position on the primary (not personal data:
/// a WAL position), so that any application server sends its next reads to a standby only
/// once that standby has replayed it.
pub const READ_AFTER_COOKIE: &str = "hoctap_lsn";

/// Runs the request in one read scope (the read generation read once). With standbys
/// configured, its reads go to a standby that has replayed the session's last commit (else the
/// primary) and, after a write, the session gets the primary's new position.
async fn request_read_scope(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !state.store.has_replicas() {
        return hoctap_store::read_scope(None, next.run(req)).await.0;
    }
    let after = auth::cookie(req.headers(), READ_AFTER_COOKIE).and_then(|v| u64::from_str_radix(&v, 16).ok()).map(hoctap_store::Lsn);
    let (mut response, wrote) = hoctap_store::read_scope(after, next.run(req)).await;
    if wrote {
        match state.store.commit_position().await {
            Ok(Some(lsn)) => {
                let cookie = auth::set_cookie(READ_AFTER_COOKIE, &format!("{:x}", lsn.0), auth::SESSION_HOURS * 3600, state.secure_cookies);
                if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(None) => {}
            // Without the position the session's next reads could miss its write: they go to the primary.
            Err(e) => {
                tracing::warn!(error = %e, "không đọc được vị trí WAL sau khi ghi");
                let cookie = auth::set_cookie(READ_AFTER_COOKIE, "ffffffffffffffff", 60, state.secure_cookies);
                if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
        }
    }
    response
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

async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    error::respond(uri.path(), error::WebError::NotFound("đường dẫn"))
}

/// One error contract for everything the framework answers by itself: a body announced larger
/// than the limit is refused before it is read, and any plain-text or empty 4xx the framework
/// made (an extractor's rejection, 405) becomes the JSON shape or the HTML page in Vietnamese.
async fn error_shape(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let announced = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > error::MAX_BODY_BYTES as u64) {
        return error::respond(&path, error::WebError::TooLarge);
    }
    let res = next.run(req).await;
    let status = res.status();
    let plain = match res.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v.to_str().is_ok_and(|v| v.starts_with("text/plain")),
    };
    if !status.is_client_error() || !plain || status == axum::http::StatusCode::UNAUTHORIZED && !error::is_api(&path) {
        return res;
    }
    let e = match status {
        axum::http::StatusCode::METHOD_NOT_ALLOWED => error::WebError::MethodNotAllowed(method.to_string()),
        other => error::WebError::from_status(other, "body"),
    };
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut out = error::respond(&path, e);
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}

async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
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
    // Pages, exports and API answers may show personal data: no browser or proxy keeps a
    // copy. Only what sets its own policy (the static CSS and script) is cached.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

fn client_addr(trust_proxy: bool, req: &axum::extract::Request) -> ClientAddr {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    // Only the last entry: the one the proxy appended; a client can forge all before it.
    let forwarded = || {
        let last = req.headers().get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
        last.rsplit(',').next()?.trim().parse().ok()
    };
    if trust_proxy && let Some(addr) = forwarded() {
        return ClientAddr(addr);
    }
    ClientAddr(peer)
}

/// Looks the session up, and while the user must change the password lets through only
/// the password change, logging out and what those pages need: every other page sends to
/// the change form, every other API call answers 403.
async fn session_gate(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let addr = client_addr(state.trust_proxy, &req);
    req.extensions_mut().insert(addr);
    let user = match auth::current_user(&state, req.headers()).await {
        Ok(u) => u,
        Err(e) => return error::respond(req.uri().path(), e),
    };
    if let Some(u) = &user
        && u.user.must_change_password
        && !open_while_password_must_change(req.method(), req.uri().path())
    {
        return error::respond(req.uri().path(), error::WebError::MustChangePassword);
    }
    req.extensions_mut().insert(SessionLookup(user));
    next.run(req).await
}

/// What a user who must change the password may still reach.
pub fn open_while_password_must_change(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    let read = method == Method::GET || method == Method::HEAD;
    match path {
        "/doi-mat-khau" => read || method == Method::POST,
        "/dang-xuat" | "/api/v1/me/password" => method == Method::POST,
        "/api/v1/session" => read || method == Method::DELETE,
        "/dang-nhap" => true,
        "/healthz" => read,
        p => read && p.starts_with("/static/"),
    }
}

/// Refuses, before any handler, a form or JSON body with a character that XML cannot hold
/// or another control character (tab and line breaks pass): every free text enters through
/// one of these, and a stored one would break each DOCX that shows it. The message names
/// the field (form name or JSON path); length limits are the domain parsers' own.
async fn refuse_unholdable_text(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let form = kind.starts_with("application/x-www-form-urlencoded");
    let json = kind.starts_with("application/json");
    if !(form || json) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, hoctap_docs::table::MAX_UPLOAD_BYTES + 1024 * 1024).await {
        Ok(b) => b,
        // Over the limit (a body whose length was announced is refused earlier, by `error_shape`);
        // a stream cut short has nobody left to read the answer.
        Err(_) => return error::respond(&path, error::WebError::TooLarge),
    };
    let refused = if form {
        form_urlencoded::parse(&bytes).find_map(|(k, v)| hoctap_domain::text::check_chars(&v, true).err().map(|e| (k.into_owned(), e)))
    } else {
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| first_unholdable(&v, String::new()))
    };
    if let Some((field, e)) = refused {
        return error::respond(&path, error::WebError::invalid(&field, format!("Trường \"{field}\" {e}")));
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

fn first_unholdable(v: &serde_json::Value, path: String) -> Option<(String, hoctap_domain::text::TextError)> {
    use serde_json::Value;
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match v {
        Value::String(s) => {
            hoctap_domain::text::check_chars(s, true).err().map(|e| (if path.is_empty() { "body".into() } else { path.clone() }, e))
        }
        // The same path notation as the API's own errors (`a.b[0]`, serde_path_to_error's).
        Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| first_unholdable(x, format!("{path}[{i}]"))),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            hoctap_domain::text::check_chars(k, false).err().map(|e| (join(k), e)).or_else(|| first_unholdable(x, join(k)))
        }),
        _ => None,
    }
}

/// Serves on a bound listener until Ctrl-C. Not generic, so that the server's connection code
/// is compiled here once, not in each caller.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_forwarded_for_counts_only_behind_a_trusted_proxy_and_only_its_last_entry() {
        let req = |xff: Option<&str>| {
            let mut b = axum::http::Request::builder().uri("/dang-nhap");
            if let Some(v) = xff {
                b = b.header("x-forwarded-for", v);
            }
            let mut r = b.body(axum::body::Body::empty()).unwrap_or_default();
            r.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 5000))));
            r
        };
        let peer = ClientAddr([10, 0, 0, 1].into());
        assert_eq!(client_addr(false, &req(Some("203.0.113.9"))), peer, "not configured: the header is anyone's");
        assert_eq!(client_addr(true, &req(None)), peer);
        assert_eq!(
            client_addr(true, &req(Some("1.2.3.4, 203.0.113.9"))),
            ClientAddr([203, 0, 113, 9].into()),
            "forged entries before the proxy's"
        );
        assert_eq!(client_addr(true, &req(Some("rác"))), peer);
    }

    #[test]
    fn only_the_password_change_and_logging_out_stay_open() {
        use axum::http::Method;
        assert!(open_while_password_must_change(&Method::POST, "/doi-mat-khau"));
        assert!(open_while_password_must_change(&Method::POST, "/api/v1/me/password"));
        assert!(open_while_password_must_change(&Method::DELETE, "/api/v1/session"));
        assert!(open_while_password_must_change(&Method::GET, "/static/app.css"));
        assert!(!open_while_password_must_change(&Method::GET, "/"));
        assert!(!open_while_password_must_change(&Method::POST, "/static/app.css"));
        assert!(!open_while_password_must_change(&Method::GET, "/api/v1/users"));
    }
}
