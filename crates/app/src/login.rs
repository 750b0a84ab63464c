//! Logging in: throttling per account × address, per address and per account, argon2id checks
//! behind a small gate on the blocking pool, sessions stored by the hash of their id.

use crate::secret::{dummy_hash, random_token, sha256_hex, verify_password};
use crate::{AppError, AppResult, CurrentUser};
use hoctap_store::{Actor, Store, UserRow};

/// Sessions last 12 hours: a working day, then log in again.
pub const SESSION_HOURS: i64 = 12;

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
pub(crate) fn address_id(addr: std::net::IpAddr) -> String {
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
fn refuse_if_locked(rows: &[hoctap_store::ThrottleRow], keys: &LoginKeys, now: jiff::Timestamp) -> Result<(), AppError> {
    let row = |k: &str| rows.iter().find(|r| r.key == k);
    let known = row(&keys.known).is_some();
    for (key, applies) in [(&keys.address, true), (&keys.pair, true), (&keys.account, !known)] {
        if applies && let Some(secs) = locked_for(row(key), now) {
            return Err(AppError::Throttled(secs));
        }
    }
    Ok(())
}

/// Checks a username and password from a source address, throttling included.
#[inline(never)]
pub fn authenticate<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    addr: std::net::IpAddr,
    username: &'l2 str,
    password: &'l3 str,
) -> crate::BoxFut<'fut, Result<UserRow, AppError>> {
    Box::pin(async move {
        use hoctap_domain::access::{MAX_ACCOUNT_FAILURES, MAX_ADDRESS_FAILURES, MAX_FAILURES, audit_failure};
        let name = username.trim().to_lowercase();
        let keys = LoginKeys::new(&name, addr);
        let keys_list = [keys.address.as_str(), keys.pair.as_str(), keys.account.as_str(), keys.known.as_str()];
        // A locked key refuses without counting and without queueing: waiting it out is the only
        // way on, and a locked attacker never takes a turn from real users at the gate below.
        refuse_if_locked(&store.throttle_rows(&keys_list).await?, &keys, jiff::Timestamp::now())?;
        let _turn =
            tokio::time::timeout(LOGIN_WAIT, login_gate().acquire()).await.map_err(|_| AppError::Busy)?.map_err(AppError::internal)?;
        // Read again with the turn held: counts written meanwhile are not lost.
        let rows = store.throttle_rows(&keys_list).await?;
        let now = jiff::Timestamp::now();
        refuse_if_locked(&rows, &keys, now)?;
        let row = |k: &str| rows.iter().find(|r| r.key == k);
        let user = store.user_by_username(&name).await?;
        let hash = user.as_ref().map_or_else(|| dummy_hash().to_string(), |u| u.password_hash.clone());
        let given = password.to_string();
        // Unknown names spend the same time on a hash that never verifies.
        let verified = tokio::task::spawn_blocking(move || verify_password(&hash, &given)).await.map_err(AppError::internal)?;
        // A citizen's first sign-in: the one-time code the commune's officer handed over, counted
        // by the same throttle as a password (spent on use; a password must be chosen next).
        let verified = verified
            || match &user {
                Some(u) if u.active && u.role == hoctap_domain::access::Role::Citizen => {
                    store.citizen_code_use(u, &crate::citizen::code_hash(u.id, password), &now.to_string()).await?
                }
                _ => false,
            };
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
                let forgotten =
                    now.checked_sub(jiff::SignedDuration::from_secs(hoctap_domain::access::FORGET_AFTER_SECONDS)).unwrap_or(now);
                store.record_login_failure(&counts, &audits, &forgotten.to_string()).await?;
                Err(AppError::invalid("password", "Tên đăng nhập hoặc mật khẩu không đúng"))
            }
        }
    })
}

/// Starts a session for 12 hours ([`SESSION_HOURS`]); returns the session id to send to the
/// browser (only its hash is stored) and the session's CSRF token.
#[inline(never)]
pub fn start_session<'fut, 'l1: 'fut>(store: &'l1 Store, user_id: i64) -> crate::BoxFut<'fut, AppResult<(String, String)>> {
    Box::pin(async move {
        let token = random_token(32);
        let csrf = random_token(32);
        let expires = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS)).map_err(AppError::internal)?;
        store.create_session(&sha256_hex(&token), user_id, &csrf, &expires.to_string()).await?;
        Ok((token, csrf))
    })
}

/// The user of a session id, if the session exists and has not expired.
#[inline(never)]
pub fn session_user<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, token: &'l2 str) -> crate::BoxFut<'fut, AppResult<Option<CurrentUser>>> {
    Box::pin(async move {
        let hash = sha256_hex(token);
        let Some(session) = store.session(&hash).await? else { return Ok(None) };
        Ok(Some(CurrentUser { user: session.user, csrf: session.csrf_token, session_hash: hash, unread: session.unread }))
    })
}

/// Ends the user's session.
#[inline(never)]
pub fn logout<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move { Ok(store.delete_session(&user.session_hash).await?) })
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
