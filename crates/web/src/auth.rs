//! Authentication: argon2id password hashes, sessions in HttpOnly cookies (random 256-bit
//! id, stored hashed), CSRF tokens on every form post and API write, login throttling.

use crate::AppState;
use crate::error::WebError;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use hoctap_domain::access::{Action, NewPassword, Role};
use hoctap_store::{Actor, UserRow};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "hoctap_session";
pub const LOGIN_CSRF_COOKIE: &str = "hoctap_login_csrf";
/// Sessions last 12 hours: a working day, then log in again.
pub const SESSION_HOURS: i64 = 12;

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn hash_password(p: &NewPassword) -> Result<String, WebError> {
    Argon2::default().hash_password(p.expose().as_bytes()).map(|h| h.to_string()).map_err(WebError::internal)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash that never verifies, used to spend the same time on unknown usernames.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2a4kDkS5iu+gStXq6tO63o+4fdQ4hT2E4hxeGQnQSzM"
}

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

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub csrf: String,
    pub session_hash: String,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user.id), username: self.user.username.clone(), unit_id: Some(self.user.unit_id) }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::SystemAdmin
    }

    /// The subtree the user is limited to (None for the national roles: everything).
    pub fn scope(&self) -> Option<i64> {
        if self.user.role.national() { None } else { Some(self.user.unit_id) }
    }

    pub fn require(&self, action: Action) -> Result<(), WebError> {
        if self.user.role.may(action) { Ok(()) } else { Err(WebError::Forbidden) }
    }

    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) { Ok(()) } else { Err(WebError::Csrf) }
    }

    /// Whether a unit is inside the user's scope as at today.
    pub async fn sees(&self, state: &AppState, unit_id: i64) -> Result<bool, WebError> {
        match self.scope() {
            None => Ok(true),
            Some(scope) => Ok(state.store.in_scope(scope, unit_id, hoctap_store::today()).await?),
        }
    }

    /// Fails with 404 when the unit is outside the scope.
    pub async fn require_sees(&self, state: &AppState, unit_id: i64, what: &'static str) -> Result<(), WebError> {
        if self.sees(state, unit_id).await? { Ok(()) } else { Err(WebError::NotFound(what)) }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, WebError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = sha256_hex(&token);
    let Some(session) = state.store.session(&hash).await? else { return Ok(None) };
    // The request's span (lib.rs) names who acted, by id only.
    tracing::Span::current().record("user", session.user.id).record("unit", session.user.unit_id);
    Ok(Some(CurrentUser { user: session.user, csrf: session.csrf_token, session_hash: hash }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        current_user(state, &parts.headers).await?.ok_or(WebError::Unauthenticated)
    }
}

/// Outcome of checking a username and password, throttling included.
pub async fn authenticate(state: &AppState, username: &str, password: &str) -> Result<UserRow, WebError> {
    let key = format!("u:{}", username.trim().to_lowercase());
    let store = &state.store;
    let (failures, locked_until) = store.throttle(&key).await?;
    let now = jiff::Timestamp::now();
    if let Ok(until) = locked_until.parse::<jiff::Timestamp>()
        && until > now
    {
        return Err(WebError::Throttled(until.duration_since(now).as_secs().max(1)));
    }
    let user = store.user_by_username(username).await?;
    let ok = match &user {
        Some(u) => verify_password(&u.password_hash, password) && u.active,
        None => {
            verify_password(dummy_hash(), password);
            false
        }
    };
    match user {
        Some(u) if ok => {
            store.clear_login_failures(&key).await?;
            store
                .audit_login(
                    &Actor { user_id: Some(u.id), username: u.username.clone(), unit_id: Some(u.unit_id) },
                    Some(u.unit_id),
                    "auth.login",
                )
                .await?;
            Ok(u)
        }
        other => {
            let failures = failures.saturating_add(1);
            let lock = hoctap_domain::access::lockout_seconds(failures);
            let until = if lock > 0 {
                now.checked_add(jiff::SignedDuration::from_secs(lock)).map(|t| t.to_string()).unwrap_or_default()
            } else {
                String::new()
            };
            store.record_login_failure(&key, failures, &until).await?;
            let actor = Actor {
                user_id: other.as_ref().map(|u| u.id),
                username: username.trim().to_lowercase(),
                unit_id: other.as_ref().map(|u| u.unit_id),
            };
            store.audit_login(&actor, actor.unit_id, "auth.login_failed").await?;
            Err(WebError::invalid("password", "Tên đăng nhập hoặc mật khẩu không đúng"))
        }
    }
}

/// Starts a session; returns the cookie value to set and the CSRF token.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<(String, String), WebError> {
    let token = random_token(32);
    let csrf = random_token(32);
    let expires = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS)).map_err(WebError::internal)?;
    state.store.create_session(&sha256_hex(&token), user_id, &csrf, &expires.to_string()).await?;
    Ok((set_cookie(SESSION_COOKIE, &token, SESSION_HOURS * 3600, state.secure_cookies), csrf))
}
