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

/// How many logins are checked at once: argon2 takes a core and 19 MiB for tens of
/// milliseconds, so a flood of logins must queue here, not on the runtime's threads that
/// serve the pages of logged-in users (hashing runs on the blocking pool).
fn login_gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        tokio::sync::Semaphore::new((cores / 2).clamp(1, 8))
    })
}

/// How long a login waits for its turn before answering 503.
const LOGIN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A source address as throttling keys and the audit log name it: a hash, never the address.
/// An IPv6 address counts by its /64 (one subscriber's network), so rotating through the
/// addresses one line holds neither escapes the limit nor writes new audit rows.
fn address_id(addr: std::net::IpAddr) -> String {
    let source = match addr {
        std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        std::net::IpAddr::V4(v4) => v4.to_string(),
    };
    sha256_hex(&format!("hoctap-login:{source}")).chars().take(16).collect()
}

/// The throttling keys of one attempt (see `access::MAX_FAILURES` and the two after it).
struct LoginKeys {
    address: String,
    pair: String,
    account: String,
    known: String,
}

impl LoginKeys {
    fn new(name: &str, addr: std::net::IpAddr) -> Self {
        // A name longer than any username counts under one key: no unbounded keys.
        let name: String = if name.len() <= 64 { name.to_string() } else { format!("#{}", &sha256_hex(name)[..16]) };
        let a = address_id(addr);
        LoginKeys { address: format!("a:{a}"), pair: format!("p:{name}|{a}"), account: format!("u:{name}"), known: format!("k:{name}|{a}") }
    }
}

fn locked_for(row: Option<&hoctap_store::ThrottleRow>, now: jiff::Timestamp) -> Option<i64> {
    let until = row?.locked_until.parse::<jiff::Timestamp>().ok()?;
    (until > now).then(|| until.duration_since(now).as_secs().max(1))
}

/// The count after one more failure: a run older than `FORGET_AFTER_SECONDS` starts again.
fn next_count(key: &str, row: Option<&hoctap_store::ThrottleRow>, limit: u32, now: jiff::Timestamp) -> hoctap_store::ThrottleRow {
    use hoctap_domain::access::{FORGET_AFTER_SECONDS, backoff_seconds};
    let fresh = row
        .and_then(|r| r.last_failure.parse::<jiff::Timestamp>().ok())
        .is_some_and(|t| now.duration_since(t).as_secs() < FORGET_AFTER_SECONDS);
    let failures = if fresh { row.map_or(0, |r| r.failures).saturating_add(1) } else { 1 };
    let lock = backoff_seconds(failures, limit);
    let locked_until = if lock > 0 {
        now.checked_add(jiff::SignedDuration::from_secs(lock)).map(|t| t.to_string()).unwrap_or_default()
    } else {
        String::new()
    };
    hoctap_store::ThrottleRow { key: key.to_string(), failures, locked_until, last_failure: now.to_string() }
}

/// Refuses (429) when the address, the account from this address, or the account from an
/// address it never logged in from is locked.
fn refuse_if_locked(rows: &[hoctap_store::ThrottleRow], keys: &LoginKeys, now: jiff::Timestamp) -> Result<(), WebError> {
    let row = |k: &str| rows.iter().find(|r| r.key == k);
    let known = row(&keys.known).is_some();
    for (key, applies) in [(&keys.address, true), (&keys.pair, true), (&keys.account, !known)] {
        if applies && let Some(secs) = locked_for(row(key), now) {
            return Err(WebError::Throttled(secs));
        }
    }
    Ok(())
}

/// Checks a username and password from a source address, throttling included.
pub async fn authenticate(state: &AppState, addr: std::net::IpAddr, username: &str, password: &str) -> Result<UserRow, WebError> {
    use hoctap_domain::access::{MAX_ACCOUNT_FAILURES, MAX_ADDRESS_FAILURES, MAX_FAILURES, audit_failure};
    let name = username.trim().to_lowercase();
    let keys = LoginKeys::new(&name, addr);
    let store = &state.store;
    let keys_list = [keys.address.as_str(), keys.pair.as_str(), keys.account.as_str(), keys.known.as_str()];
    // A locked key refuses without counting and without queueing: waiting it out is the only
    // way on, and a locked attacker never takes a turn from real users at the gate below.
    refuse_if_locked(&store.throttle_rows(&keys_list).await?, &keys, jiff::Timestamp::now())?;
    let _turn = tokio::time::timeout(LOGIN_WAIT, login_gate().acquire()).await.map_err(|_| WebError::Busy)?.map_err(WebError::internal)?;
    // Read again with the turn held: counts written meanwhile are not lost.
    let rows = store.throttle_rows(&keys_list).await?;
    let now = jiff::Timestamp::now();
    refuse_if_locked(&rows, &keys, now)?;
    let row = |k: &str| rows.iter().find(|r| r.key == k);
    let user = store.user_by_username(&name).await?;
    let hash = user.as_ref().map_or_else(|| dummy_hash().to_string(), |u| u.password_hash.clone());
    let given = password.to_string();
    // Unknown names spend the same time on a hash that never verifies.
    let verified = tokio::task::spawn_blocking(move || verify_password(&hash, &given)).await.map_err(WebError::internal)?;
    match user {
        Some(u) if verified && u.active => {
            let actor = Actor { user_id: Some(u.id), username: u.username.clone(), unit_id: Some(u.unit_id) };
            store.record_login_success(&actor, &[&keys.pair], &keys.known).await?;
            Ok(u)
        }
        other => {
            let counts = vec![
                next_count(&keys.address, row(&keys.address), MAX_ADDRESS_FAILURES, now),
                next_count(&keys.pair, row(&keys.pair), MAX_FAILURES, now),
                next_count(&keys.account, row(&keys.account), MAX_ACCOUNT_FAILURES, now),
            ];
            let mut audits = Vec::new();
            if let Some(a) = counts.first().filter(|c| audit_failure(c.failures)) {
                audits.push(hoctap_store::FailedLoginAudit {
                    actor: Actor { user_id: None, username: String::new(), unit_id: None },
                    entity_id: a.key.clone(),
                    failures: a.failures,
                    counted_by: "address",
                });
            }
            if let (Some(u), Some(c)) = (&other, counts.get(2).filter(|c| audit_failure(c.failures))) {
                audits.push(hoctap_store::FailedLoginAudit {
                    actor: Actor { user_id: Some(u.id), username: u.username.clone(), unit_id: Some(u.unit_id) },
                    entity_id: u.username.clone(),
                    failures: c.failures,
                    counted_by: "account",
                });
            }
            let forgotten = now.checked_sub(jiff::SignedDuration::from_secs(hoctap_domain::access::FORGET_AFTER_SECONDS)).unwrap_or(now);
            store.record_login_failure(&counts, &audits, &forgotten.to_string()).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_counts_as_one_source_and_no_address_is_kept_in_the_clear() {
        let a: std::net::IpAddr = "2001:db8:1:2::1".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        let b: std::net::IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        let c: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        assert_eq!(address_id(a), address_id(b));
        assert_ne!(address_id(a), address_id(c));
        let v4: std::net::IpAddr = "203.0.113.9".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        let mapped: std::net::IpAddr = "::ffff:203.0.113.9".parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        assert_eq!(address_id(v4), address_id(mapped));
        assert!(address_id(v4).len() == 16 && address_id(v4).chars().all(|c| c.is_ascii_hexdigit()));
    }
}
