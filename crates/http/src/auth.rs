//! Authentication on the web side: the session cookie (HttpOnly, its id stored hashed by
//! `hoctap_app::login`), the extractors of the current user, and CSRF tokens on every form post
//! and API write ([`CsrfForm`]). Password hashes and the login's throttling are the app's.

use crate::AppState;
use crate::error::WebError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
pub use hoctap_app::CurrentUser;
pub use hoctap_app::login::SESSION_HOURS;
pub use hoctap_app::secret::{constant_time_eq, random_token, sha256_hex};

pub const SESSION_COOKIE: &str = "hoctap_session";
pub const LOGIN_CSRF_COOKIE: &str = "hoctap_login_csrf";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", if secure { "; Secure" } else { "" })
}

pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, WebError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let Some(user) = hoctap_app::login::session_user(&state.store, &token).await? else { return Ok(None) };
    // The request's span (lib.rs) names who acted, by id only.
    tracing::Span::current().record("user", user.user.id).record("unit", user.user.unit_id);
    Ok(Some(user))
}

/// The request's user: the one the session gate looked up (no second query), else looked up.
pub async fn request_user(state: &AppState, parts: &Parts) -> Result<Option<CurrentUser>, WebError> {
    match parts.extensions.get::<crate::SessionLookup>() {
        Some(found) => Ok(found.0.clone()),
        None => current_user(state, &parts.headers).await,
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        request_user(state, parts).await?.ok_or(WebError::Unauthenticated)
    }
}

/// The logged-in user if any, for pages that also serve visitors.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(request_user(state, parts).await?))
    }
}

impl FromRequestParts<AppState> for crate::ClientAddr {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<crate::ClientAddr>().copied().unwrap_or(crate::ClientAddr(std::net::Ipv4Addr::UNSPECIFIED.into())))
    }
}

/// A form posted by the logged-in user whose `csrf` field holds the session's token: the
/// user is looked up (401 without one), the token compared (403 `WebError::Csrf` when wrong
/// or missing), then the body is read into `T` (422 when it does not parse). Handlers take it
/// last, after the path, so the role and the scope they check come before the body is used.
pub struct CsrfForm<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let is_form = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(WebError::from_status(axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE, "body"));
        }
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state).await?;
        let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()).unwrap_or_default();
        user.check_csrf(&token)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|_| WebError::from_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "body"))
    }
}

/// A form with nothing but its CSRF token (logging out, a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Starts a session; returns the cookie to set and the CSRF token.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<(String, String), WebError> {
    let (token, csrf) = hoctap_app::login::start_session(&state.store, user_id).await?;
    Ok((set_cookie(SESSION_COOKIE, &token, SESSION_HOURS * 3600, state.secure_cookies), csrf))
}
