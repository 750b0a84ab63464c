//! Users, sessions and login throttling. Passwords arrive here already hashed (argon2id,
//! in the web crate); session ids arrive hashed (SHA-256), so a stolen database holds
//! neither passwords nor usable session cookies.

use crate::audit::{AuditEntry, record};
use crate::db::Row;
use crate::{Actor, Result, Store, StoreError, date_text, now_text};
use hoctap_domain::access::{Role, Username};
use jiff::civil::Date;
use serde::Serialize;

/// A user as stored (the hash never leaves the store except for verification).
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_code: String,
    pub active: bool,
    pub must_change_password: bool,
}

/// A live session with its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: UserRow,
    /// Unread notifications (the bell in every page's header).
    pub unread: i64,
    pub csrf_token: String,
    pub expires_at: String,
}

const USER_COLS: &str = "s.id, s.username, s.full_name, s.password_hash, s.role, s.unit_id, s.active, s.must_change_password, u.name AS unit_name, u.code AS unit_code";

fn user_from_row(r: &Row) -> Result<UserRow> {
    let role: String = r.try_get("role")?;
    Ok(UserRow {
        id: r.i64("id")?,
        username: r.try_get("username")?,
        full_name: r.try_get("full_name")?,
        password_hash: r.try_get("password_hash")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("vai trò {role}")))?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        unit_code: r.try_get("unit_code")?,
        active: r.i64("active")? != 0,
        must_change_password: r.i64("must_change_password")? != 0,
    })
}

/// A login-throttling count: failures in a row under a key, until when the key is locked
/// ("" when not), and the last failure ("" when none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: u32,
    pub locked_until: String,
    pub last_failure: String,
}

/// One aggregated audit row for failed logins: who it concerns (the account when it exists,
/// else nobody), the key counted (`entity_id`, never a password or a raw address), and the
/// count reached.
#[derive(Debug, Clone)]
pub struct FailedLoginAudit {
    pub actor: Actor,
    pub entity_id: String,
    pub failures: u32,
    pub counted_by: &'static str,
}

/// What is needed to create a user.
pub struct NewUser<'a> {
    pub username: &'a Username,
    pub full_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub unit_id: i64,
    pub must_change_password: bool,
}

impl Store {
    #[inline(never)]
    pub fn create_user<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        u: NewUser<'l1>,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let full_name =
                hoctap_domain::text::line(u.full_name, 100).map_err(|e| StoreError::invalid("full_name", format!("họ và tên {e}")))?;
            if full_name.is_empty() {
                return Err(StoreError::invalid("full_name", "họ và tên không được để trống"));
            }
            self.unit(u.unit_id).await?;
            let mut tx = self.begin().await?;
            let now = now_text();
            let res = crate::db::query(
            "INSERT INTO users (username, full_name, password_hash, role, unit_id, active, must_change_password, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7) RETURNING id",
        )
        .bind(u.username.as_str())
        .bind(&full_name)
        .bind(u.password_hash)
        .bind(u.role.code())
        .bind(u.unit_id)
        .bind(i64::from(u.must_change_password))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await;
            let row =
                res.map_err(|e| StoreError::unique_as(e, "username", || format!("tên đăng nhập \"{}\" đã có người dùng", u.username)))?;
            let id = row.i64("id")?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(u.unit_id),
                action: "user.create",
                entity: "user",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({"username": u.username.as_str(), "full_name": full_name, "role": u.role.code(), "unit_id": u.unit_id})),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    #[inline(never)]
    pub fn user_by_username<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, username: &'l2 str) -> crate::BoxFut<'fut, Result<Option<UserRow>>> {
        Box::pin(async move {
            let sql = format!("SELECT {USER_COLS} FROM users s JOIN units u ON u.id = s.unit_id WHERE s.username = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(username.trim().to_lowercase()).fetch_optional(self.pool()).await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    #[inline(never)]
    pub fn user<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<UserRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {USER_COLS} FROM users s JOIN units u ON u.id = s.unit_id WHERE s.id = $1");
            let row = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
            row.as_ref().map(user_from_row).transpose()?.ok_or(StoreError::NotFound("người dùng"))
        })
    }

    /// Users whose unit is in the subtree of `scope` as at `on` (all users when None).
    #[inline(never)]
    pub fn users<'fut, 'l1: 'fut>(&'l1 self, scope: Option<i64>, on: Date) -> crate::BoxFut<'fut, Result<Vec<UserRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {USER_COLS} FROM users s JOIN units u ON u.id = s.unit_id \
             WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = $1 AND c.descendant_id = s.unit_id AND c.valid_from <= $2 AND c.valid_to > $2)) \
             ORDER BY s.username"
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// Replaces a password hash (own change or an admin's reset) and ends the user's sessions.
    #[inline(never)]
    pub fn set_password_hash<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        user_id: i64,
        hash: &'l3 str,
        must_change: bool,
        action: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let user = self.user(user_id).await?;
            let mut tx = self.begin().await?;
            crate::db::query("UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
                .bind(hash)
                .bind(i64::from(must_change))
                .bind(now_text())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            crate::db::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(user.unit_id),
                    action,
                    entity: "user",
                    entity_id: user_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"username": user.username, "must_change_password": must_change})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Activates or deactivates an account (deactivation ends its sessions).
    #[inline(never)]
    pub fn set_user_active<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        user_id: i64,
        active: bool,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let user = self.user(user_id).await?;
            let mut tx = self.begin().await?;
            crate::db::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
                .bind(i64::from(active))
                .bind(now_text())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if !active {
                crate::db::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(user.unit_id),
                    action: if active { "user.activate" } else { "user.deactivate" },
                    entity: "user",
                    entity_id: user_id.to_string(),
                    before: Some(serde_json::json!({"active": user.active})),
                    after: Some(serde_json::json!({"active": active})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The throttling rows of these keys (absent keys have no failures).
    #[inline(never)]
    pub fn throttle_rows<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        keys: &'l2 [&'l3 str],
    ) -> crate::BoxFut<'fut, Result<Vec<ThrottleRow>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(keys.len());
            // One statement per key keeps the SQL the same on both engines; four keys at most.
            for key in keys {
                let row =
                    crate::db::query("SELECT login_key, failures, locked_until, last_failure FROM login_throttle WHERE login_key = $1")
                        .bind(*key)
                        .fetch_optional(self.pool())
                        .await?;
                if let Some(r) = row {
                    out.push(ThrottleRow {
                        key: r.try_get("login_key")?,
                        failures: u32::try_from(r.i64("failures")?).unwrap_or(u32::MAX),
                        locked_until: r.try_get("locked_until")?,
                        last_failure: r.try_get("last_failure")?,
                    });
                }
            }
            Ok(out)
        })
    }

    /// Writes a failed login's new counts and, for the counts the domain says are audited
    /// (`access::audit_failure`), one aggregated audit row each, in one transaction.
    /// When it audits, it also drops the counts whose run is over (`forgotten_before`: last
    /// failure before it, lock ended), so a flood of made-up names leaves no rows behind.
    #[inline(never)]
    pub fn record_login_failure<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        counts: &'l2 [ThrottleRow],
        audits: &'l3 [FailedLoginAudit],
        forgotten_before: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            if !audits.is_empty() {
                crate::db::query("DELETE FROM login_throttle WHERE login_key NOT LIKE 'k:%' AND last_failure <> '' AND last_failure < $1 AND locked_until < $2")
                .bind(forgotten_before)
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
            }
            for c in counts {
                crate::db::query(
                "INSERT INTO login_throttle (login_key, failures, locked_until, last_failure) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (login_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, last_failure = excluded.last_failure",
            )
            .bind(&c.key)
            .bind(i64::from(c.failures))
            .bind(&c.locked_until)
            .bind(&c.last_failure)
            .execute(&mut *tx)
            .await?;
            }
            for a in audits {
                record(
                    &mut tx,
                    &a.actor,
                    AuditEntry {
                        unit_id: a.actor.unit_id,
                        action: "auth.login_failed",
                        entity: "session",
                        entity_id: a.entity_id.clone(),
                        before: None,
                        after: Some(serde_json::json!({"failures": a.failures, "counted_by": a.counted_by})),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// After a successful login: forgets the failures of these keys and marks `known` (the
    /// account's address), in one transaction with the audit row.
    #[inline(never)]
    pub fn record_login_success<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        clear: &'l3 [&'l4 str],
        known: &'l5 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            for key in clear {
                crate::db::query("DELETE FROM login_throttle WHERE login_key = $1").bind(*key).execute(&mut *tx).await?;
            }
            crate::db::query(
                "INSERT INTO login_throttle (login_key, failures, locked_until, last_failure) VALUES ($1, 0, '', $2) \
             ON CONFLICT (login_key) DO UPDATE SET last_failure = excluded.last_failure",
            )
            .bind(known)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: actor.unit_id,
                    action: "auth.login",
                    entity: "session",
                    entity_id: actor.username.clone(),
                    before: None,
                    after: None,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    #[inline(never)]
    pub fn create_session<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        id_hash: &'l2 str,
        user_id: i64,
        csrf: &'l3 str,
        expires_at: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            crate::db::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id_hash)
                .bind(user_id)
                .bind(csrf)
                .bind(now_text())
                .bind(expires_at)
                .execute(self.pool())
                .await?;
            Ok(())
        })
    }

    /// The live session with this id hash, if not expired and the user is active.
    #[inline(never)]
    pub fn session<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, id_hash: &'l2 str) -> crate::BoxFut<'fut, Result<Option<SessionRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {USER_COLS}, x.csrf_token, x.expires_at, \
             (SELECT COUNT(*) FROM notifications n WHERE n.user_id = s.id AND n.read_at = '') AS unread FROM sessions x JOIN users s ON s.id = x.user_id JOIN units u ON u.id = s.unit_id \
             WHERE x.id_hash = $1 AND x.expires_at > $2 AND s.active = 1"
            );
            let row = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(id_hash).bind(now_text()).fetch_optional(self.pool()).await?;
            row.map(|r| {
                Ok(SessionRow {
                    user: user_from_row(&r)?,
                    unread: r.i64("unread")?,
                    csrf_token: r.try_get("csrf_token")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .transpose()
        })
    }

    #[inline(never)]
    pub fn delete_session<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, id_hash: &'l2 str) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            crate::db::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(self.pool()).await?;
            Ok(())
        })
    }
}
