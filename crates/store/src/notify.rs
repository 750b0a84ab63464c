//! Notifications (thông báo) and the mail queue. A notification is written in the transaction
//! of its event; when its user wants mail at once, its message joins `mail_outbox` in that same
//! transaction, so a mail is never lost nor sent for an event that did not happen. Senders claim
//! due messages with a lease (a second sender, or the same one after a restart, skips them until
//! the lease ends) and only the lease's holder marks a message sent; a failure is retried later.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, now_text};
use serde::Serialize;

/// A notification to write: whom, what kind (`returned`, `deadline`, `report`, `decision`,
/// `correction`, `task`), a subject without personal data, a body, a link inside the app, and
/// a key that makes a reminder once per user.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: i64,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub dedup_key: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

/// A user's notification choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationPrefs {
    pub email: String,
    /// `immediate`, `digest` (one mail a day) or `off`.
    pub mode: String,
    /// Kinds never sent by mail.
    pub kinds_off: Vec<String>,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self { email: String::new(), mode: "immediate".into(), kinds_off: Vec::new() }
    }
}

/// A queued mail.
#[derive(Debug, Clone, Serialize)]
pub struct MailRow {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub sent_at: String,
    pub last_error: String,
}

/// What a user's daily digest holds.
#[derive(Debug, Clone)]
pub struct Digest {
    pub user_id: i64,
    pub email: String,
    pub items: Vec<NotificationRow>,
}

fn notification_from(r: &crate::db::Row) -> Result<NotificationRow> {
    let read_at: String = r.try_get("read_at")?;
    Ok(NotificationRow {
        id: r.i64("id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        created_at: r.try_get("created_at")?,
        read: !read_at.is_empty(),
    })
}

fn mail_from(r: &crate::db::Row) -> Result<MailRow> {
    Ok(MailRow {
        id: r.i64("id")?,
        to_addr: r.try_get("to_addr")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        attempts: r.i64("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        sent_at: r.try_get("sent_at")?,
        last_error: r.try_get("last_error")?,
    })
}

async fn prefs_in(conn: &mut crate::db::Conn, user_id: i64) -> Result<NotificationPrefs> {
    let row = crate::db::query("SELECT email, mode, kinds_off FROM notification_prefs WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => NotificationPrefs {
            email: r.try_get("email")?,
            mode: r.try_get("mode")?,
            kinds_off: r.try_get::<String, _>("kinds_off")?.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect(),
        },
        None => NotificationPrefs::default(),
    })
}

pub(crate) async fn enqueue_mail(conn: &mut crate::db::Conn, user_id: Option<i64>, to: &str, subject: &str, body: &str) -> Result<()> {
    let now = now_text();
    crate::db::query(
        "INSERT INTO mail_outbox (user_id, to_addr, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(&now)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes notifications inside the caller's transaction; a reminder already given (same user
/// and key) is skipped. Returns how many were written.
pub(crate) async fn insert_in(conn: &mut crate::db::Conn, notes: &[NewNotification]) -> Result<usize> {
    let mut written = 0;
    for n in notes {
        let done = crate::db::query(
            "INSERT INTO notifications (user_id, kind, subject, body, link, dedup_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (user_id, dedup_key) DO NOTHING",
        )
        .bind(n.user_id)
        .bind(&n.kind)
        .bind(&n.subject)
        .bind(&n.body)
        .bind(&n.link)
        .bind(n.dedup_key.as_deref())
        .bind(now_text())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if done == 0 {
            continue;
        }
        written += 1;
        let prefs = prefs_in(conn, n.user_id).await?;
        if prefs.mode == "immediate" && !prefs.email.is_empty() && !prefs.kinds_off.contains(&n.kind) {
            let body = if n.link.is_empty() { n.body.clone() } else { format!("{}\n\nXem: {}", n.body, n.link) };
            enqueue_mail(conn, Some(n.user_id), &prefs.email, &n.subject, &body).await?;
        }
    }
    Ok(written)
}

impl Store {
    /// Writes notifications in a transaction of their own (events whose writes are done).
    #[inline(never)]
    pub fn notify<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, notes: &'l2 [NewNotification]) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            if notes.is_empty() {
                return Ok(0);
            }
            let mut tx = self.begin().await?;
            let n = insert_in(&mut tx, notes).await?;
            tx.commit().await?;
            Ok(n)
        })
    }

    /// A user's notifications, newest first.
    #[inline(never)]
    pub fn notifications<'fut, 'l1: 'fut>(&'l1 self, user_id: i64, limit: i64) -> crate::BoxFut<'fut, Result<Vec<NotificationRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT id, kind, subject, body, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(notification_from).collect()
        })
    }

    #[inline(never)]
    pub fn unread_count<'fut, 'l1: 'fut>(&'l1 self, user_id: i64) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at = ''")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?;
            r.i64("n")
        })
    }

    /// Marks one of the user's notifications read (`None`: all); returns how many changed.
    /// Another user's id changes nothing.
    #[inline(never)]
    pub fn mark_read<'fut, 'l1: 'fut>(&'l1 self, user_id: i64, id: Option<i64>) -> crate::BoxFut<'fut, Result<u64>> {
        Box::pin(async move {
            let done =
                crate::db::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = '' AND ($3 = 0 OR id = $3)")
                    .bind(now_text())
                    .bind(user_id)
                    .bind(id.unwrap_or(0))
                    .execute(self.pool())
                    .await?;
            Ok(done.rows_affected())
        })
    }

    #[inline(never)]
    pub fn notification_prefs<'fut, 'l1: 'fut>(&'l1 self, user_id: i64) -> crate::BoxFut<'fut, Result<NotificationPrefs>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            prefs_in(&mut conn, user_id).await
        })
    }

    /// Saves a user's choices, audited (the address is personal data: the audit keeps whether
    /// there is one, not the address).
    #[inline(never)]
    pub fn set_notification_prefs<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        user_id: i64,
        p: &'l3 NotificationPrefs,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let before = prefs_in(&mut tx, user_id).await?;
            crate::db::query(
                "INSERT INTO notification_prefs (user_id, email, mode, kinds_off) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, mode = excluded.mode, kinds_off = excluded.kinds_off",
            )
            .bind(user_id)
            .bind(&p.email)
            .bind(&p.mode)
            .bind(p.kinds_off.join(","))
            .execute(&mut *tx)
            .await?;
            let shown = |p: &NotificationPrefs| serde_json::json!({"email": !p.email.is_empty(), "mode": p.mode, "kinds_off": p.kinds_off});
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: actor.unit_id,
                    action: "notification.prefs",
                    entity: "user",
                    entity_id: user_id.to_string(),
                    before: Some(shown(&before)),
                    after: Some(shown(p)),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Claims up to `limit` due mails for `owner` until `lease_until`: mails not sent, due at
    /// `now`, and not under another sender's lease. The conditions are repeated on the
    /// updated rows, so two senders never hold the same mail.
    #[inline(never)]
    pub fn mail_claim<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        owner: &'l2 str,
        now: &'l3 str,
        lease_until: &'l4 str,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<MailRow>>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            crate::db::query(
                "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE sent_at = '' AND next_attempt_at <= $3 AND lease_until <= $3 AND id IN \
             (SELECT id FROM mail_outbox WHERE sent_at = '' AND next_attempt_at <= $3 AND lease_until <= $3 ORDER BY id LIMIT $4)",
            )
            .bind(owner)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .execute(&mut *tx)
            .await?;
            let rows = crate::db::query(
                "SELECT id, to_addr, subject, body, attempts, next_attempt_at, sent_at, last_error FROM mail_outbox \
             WHERE lease_owner = $1 AND lease_until = $2 AND sent_at = '' ORDER BY id",
            )
            .bind(owner)
            .bind(lease_until)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter().map(mail_from).collect()
        })
    }

    /// Marks a claimed mail sent; false when the lease was lost meanwhile.
    #[inline(never)]
    pub fn mail_sent<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, id: i64, owner: &'l2 str) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let done = crate::db::query(
            "UPDATE mail_outbox SET sent_at = $1, lease_owner = '', lease_until = '' WHERE id = $2 AND lease_owner = $3 AND sent_at = ''",
        )
        .bind(now_text())
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Gives a claimed mail back after a failure, to be tried again from `next_attempt_at`.
    #[inline(never)]
    pub fn mail_failed<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        id: i64,
        owner: &'l2 str,
        error: &'l3 str,
        next_attempt_at: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            crate::db::query(
            "UPDATE mail_outbox SET lease_owner = '', lease_until = '', last_error = $1, next_attempt_at = $2 WHERE id = $3 AND lease_owner = $4",
        )
        .bind(error.chars().take(500).collect::<String>())
        .bind(next_attempt_at)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
            Ok(())
        })
    }

    /// The queue, oldest first (operators and tests).
    #[inline(never)]
    pub fn mail_outbox<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<Vec<MailRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT id, to_addr, subject, body, attempts, next_attempt_at, sent_at, last_error FROM mail_outbox ORDER BY id",
            )
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(mail_from).collect()
        })
    }

    /// The digests due on `day` (ISO date): users in digest mode with an address, not served
    /// yet that day, with notifications newer than their last digest.
    #[inline(never)]
    pub fn digests_due<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, day: &'l2 str) -> crate::BoxFut<'fut, Result<Vec<Digest>>> {
        Box::pin(async move {
            let users = crate::db::query(
            "SELECT user_id, email, digest_last_id FROM notification_prefs WHERE mode = 'digest' AND email <> '' AND digest_on <> $1 ORDER BY user_id",
        )
        .bind(day)
        .fetch_all(self.pool())
        .await?;
            let mut out = Vec::new();
            for u in &users {
                let user_id = u.i64("user_id")?;
                let rows = crate::db::query(
                "SELECT id, kind, subject, body, link, created_at, read_at FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT 200",
            )
            .bind(user_id)
            .bind(u.i64("digest_last_id")?)
            .fetch_all(self.pool())
            .await?;
                if !rows.is_empty() {
                    out.push(Digest {
                        user_id,
                        email: u.try_get("email")?,
                        items: rows.iter().map(notification_from).collect::<Result<_>>()?,
                    });
                }
            }
            Ok(out)
        })
    }

    /// Queues a digest and moves the user's digest mark, in one transaction; false when another
    /// sender served the day meanwhile.
    #[inline(never)]
    pub fn digest_enqueue<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        d: &'l2 Digest,
        day: &'l3 str,
        subject: &'l4 str,
        body: &'l5 str,
    ) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            let last = d.items.iter().map(|i| i.id).max().unwrap_or(0);
            let mut tx = self.begin().await?;
            let moved = crate::db::query(
                "UPDATE notification_prefs SET digest_on = $1, digest_last_id = $2 WHERE user_id = $3 AND digest_on <> $1",
            )
            .bind(day)
            .bind(last)
            .bind(d.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Ok(false);
            }
            enqueue_mail(&mut tx, Some(d.user_id), &d.email, subject, body).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The active accounts of a unit with one of these roles (who an event of the unit concerns).
    #[inline(never)]
    pub fn users_of_unit<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        unit_id: i64,
        roles: &'l2 [&'l3 str],
    ) -> crate::BoxFut<'fut, Result<Vec<i64>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT id, role FROM users WHERE unit_id = $1 AND active = 1 ORDER BY id")
                .bind(unit_id)
                .fetch_all(self.pool())
                .await?;
            let mut out = Vec::new();
            for r in &rows {
                let role: String = r.try_get("role")?;
                if roles.contains(&role.as_str()) {
                    out.push(r.i64("id")?);
                }
            }
            Ok(out)
        })
    }
}

impl Store {
    /// The active accounts with a role in a unit's subtree as at `on` (the citizens of a
    /// campaign's area).
    #[inline(never)]
    pub fn users_in_subtree<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        unit_id: i64,
        role: &'l2 str,
        on: jiff::civil::Date,
    ) -> crate::BoxFut<'fut, Result<Vec<i64>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT s.id FROM users s WHERE s.role = $1 AND s.active = 1 AND EXISTS (SELECT 1 FROM unit_closure c \
             WHERE c.ancestor_id = $2 AND c.descendant_id = s.unit_id AND c.valid_from <= $3 AND c.valid_to > $3) ORDER BY s.id",
            )
            .bind(role)
            .bind(unit_id)
            .bind(crate::date_text(on))
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(|r| r.i64("id")).collect()
        })
    }
}

impl Store {
    /// The units that have an active account with this role (whose annual reports the
    /// reminders follow: a unit without an officer has nobody to tell).
    #[inline(never)]
    pub fn units_with_role<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, role: &'l2 str) -> crate::BoxFut<'fut, Result<Vec<i64>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT DISTINCT unit_id FROM users WHERE role = $1 AND active = 1 ORDER BY unit_id")
                .bind(role)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(|r| r.i64("unit_id")).collect()
        })
    }
}
