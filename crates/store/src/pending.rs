//! Uploads checked and waiting to be applied (tệp đã kiểm tra, chờ ghi). A large import is
//! checked once, its file kept here for the user who uploaded it (by SHA-256, for a day),
//! and applied by reference: the page carries the hash, never the rows.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, now_text};
use sha2::{Digest, Sha256};

/// How long a checked upload waits to be applied.
pub const PENDING_HOURS: i64 = 24;

/// Checked uploads kept per user: older ones go first.
const PER_OWNER: i64 = 5;

/// A checked upload.
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub sha256: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub created_at: String,
}

fn expiry_text(hours: i64) -> String {
    let later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(hours)).unwrap_or_else(|_| jiff::Timestamp::now());
    later.round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
}

impl Store {
    /// Keeps a checked upload for its owner and returns its SHA-256 (the reference the page
    /// carries). Expired uploads of everyone, and this owner's oldest beyond the last few,
    /// are removed in the same transaction.
    #[inline(never)]
    pub fn pending_upload_save<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        purpose: &'l3 str,
        file_name: &'l4 str,
        bytes: &'l5 [u8],
    ) -> crate::BoxFut<'fut, Result<String>> {
        Box::pin(async move {
            let owner = actor.user_id.ok_or_else(|| StoreError::invalid("file", "Chỉ người dùng đã đăng nhập mới lưu được tệp chờ ghi"))?;
            let sha = hex::encode(Sha256::digest(bytes));
            let now = now_text();
            let mut tx = self.begin().await?;
            crate::db::query("DELETE FROM pending_uploads WHERE expires_at <= $1").bind(&now).execute(&mut *tx).await?;
            crate::db::query("DELETE FROM pending_uploads WHERE owner_id = $1 AND purpose = $2 AND sha256 = $3")
                .bind(owner)
                .bind(purpose)
                .bind(&sha)
                .execute(&mut *tx)
                .await?;
            crate::db::query(
                "DELETE FROM pending_uploads WHERE owner_id = $1 AND sha256 IN \
             (SELECT sha256 FROM pending_uploads WHERE owner_id = $1 ORDER BY created_at DESC, sha256 LIMIT 1000 OFFSET $2)",
            )
            .bind(owner)
            .bind(PER_OWNER - 1)
            .execute(&mut *tx)
            .await?;
            crate::db::query(
                "INSERT INTO pending_uploads (owner_id, purpose, sha256, file_name, size, bytes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(owner)
            .bind(purpose)
            .bind(&sha)
            .bind(file_name)
            .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
            .bind(bytes.to_vec())
            .bind(&now)
            .bind(expiry_text(PENDING_HOURS))
            .execute(&mut *tx)
            .await?;
            // The file may hold personal data: the log says who kept which file, never what it holds.
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: actor.unit_id,
                    action: "upload.pending",
                    entity: purpose,
                    entity_id: sha.clone(),
                    before: None,
                    after: Some(serde_json::json!({"bytes": bytes.len(), "hours": PENDING_HOURS})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(sha)
        })
    }

    /// The owner's checked upload with this hash, if it has not expired.
    #[inline(never)]
    pub fn pending_upload<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        purpose: &'l3 str,
        sha256: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<Option<PendingUpload>>> {
        Box::pin(async move {
            let Some(owner) = actor.user_id else { return Ok(None) };
            let row = crate::db::query(
                "SELECT sha256, file_name, bytes, created_at FROM pending_uploads \
             WHERE owner_id = $1 AND purpose = $2 AND sha256 = $3 AND expires_at > $4",
            )
            .bind(owner)
            .bind(purpose)
            .bind(sha256)
            .bind(now_text())
            .fetch_optional(self.pool())
            .await?;
            row.map(|r| -> Result<PendingUpload> {
                Ok(PendingUpload {
                    sha256: r.try_get("sha256")?,
                    file_name: r.try_get("file_name")?,
                    bytes: r.try_get("bytes")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .transpose()
        })
    }

    /// Forgets a checked upload (once applied).
    #[inline(never)]
    pub fn pending_upload_done<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        purpose: &'l3 str,
        sha256: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let Some(owner) = actor.user_id else { return Ok(()) };
            let mut tx = self.begin().await?;
            let n = crate::db::query("DELETE FROM pending_uploads WHERE owner_id = $1 AND purpose = $2 AND sha256 = $3")
                .bind(owner)
                .bind(purpose)
                .bind(sha256)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                record(
                    &mut tx,
                    actor,
                    AuditEntry {
                        unit_id: actor.unit_id,
                        action: "upload.done",
                        entity: purpose,
                        entity_id: sha256.to_string(),
                        before: None,
                        after: None,
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Checked uploads kept now (all owners), for tests and the health of the table.
    #[inline(never)]
    pub fn pending_upload_count<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT COUNT(*) AS n FROM pending_uploads").fetch_one(self.pool()).await?;
            row.i64("n")
        })
    }
}
