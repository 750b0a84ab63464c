//! The issuing units' signing keys (Ed25519) for credentials and status lists. A unit gets its
//! first key in the transaction of its first decision, never on a read; rotation adds a new
//! version and retires the old one, which stays published. Secrets are stored only sealed
//! under the deployment key (`DeploymentKey`), which the caller holds and the database never sees.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, now_text};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hoctap_domain::credential::{DeploymentKey, public_key};
use rand::RngCore;

/// A published key: the public half and when it was made and retired.
#[derive(Debug, Clone)]
pub struct PublicKeyRow {
    pub version: i64,
    pub public: [u8; 32],
    pub created_at: String,
    /// Empty while the key still signs.
    pub retired_at: String,
}

/// The key a unit signs with now.
pub struct IssuerKey {
    pub version: i64,
    pub secret: [u8; 32],
}

/// What `prepare_issuer_keys` did at start-up.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyUpgrade {
    /// Clear keys of units that issued, now sealed (same secret, version 1).
    pub sealed: usize,
    /// Clear keys of units that never issued (minted by a read), dropped.
    pub dropped: usize,
    /// Units that had issued without a key, given one.
    pub created: usize,
}

/// What the seal authenticates: a sealed secret copied to another unit or version does not open.
fn context(unit_id: i64, version: i64) -> String {
    format!("hoctap signing key: unit {unit_id} version {version}")
}

fn decode_public(b64: &str) -> Result<[u8; 32]> {
    URL_SAFE_NO_PAD
        .decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| StoreError::Corrupt("khóa công khai của đơn vị".into()))
}

/// Writes a key for `unit_id` with `secret` as `version`, sealed, and audits it. Returns false
/// when that version already exists (a concurrent issuer made it first).
async fn insert_key(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    unit_id: i64,
    version: i64,
    secret: &[u8; 32],
    keys: &DeploymentKey,
) -> Result<bool> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = keys.seal(secret, nonce, &context(unit_id, version));
    let public = URL_SAFE_NO_PAD.encode(public_key(secret));
    let n = crate::db::query(
        "INSERT INTO signing_keys (unit_id, version, public_key, sealed_secret, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (unit_id, version) DO NOTHING",
    )
    .bind(unit_id)
    .bind(version)
    .bind(&public)
    .bind(STANDARD.encode(sealed))
    .bind(now_text())
    .bind(&actor.username)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(unit_id),
            action: "signing_key.create",
            entity: "signing_key",
            entity_id: format!("{unit_id}#key-{version}"),
            before: None,
            after: Some(serde_json::json!({"version": version, "public_key": public})),
        },
    )
    .await?;
    Ok(true)
}

fn fresh_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// Gives the unit its first signing key, inside the issuing transaction, if it has none.
pub(crate) async fn ensure_issuer_key(conn: &mut crate::db::Conn, actor: &Actor, unit_id: i64, keys: &DeploymentKey) -> Result<()> {
    let has =
        crate::db::query("SELECT 1 AS x FROM signing_keys WHERE unit_id = $1").bind(unit_id).fetch_optional(&mut *conn).await?.is_some();
    if !has {
        insert_key(conn, actor, unit_id, 1, &fresh_secret(), keys).await?;
    }
    Ok(())
}

impl Store {
    /// Every key the unit has had, oldest first (empty: the unit never issued).
    #[inline(never)]
    pub fn issuer_public_keys<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64) -> crate::BoxFut<'fut, Result<Vec<PublicKeyRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
                "SELECT version, public_key, created_at, retired_at FROM signing_keys WHERE unit_id = $1 ORDER BY version",
            )
            .bind(unit_id)
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(PublicKeyRow {
                        version: r.i64("version")?,
                        public: decode_public(&r.text("public_key")?)?,
                        created_at: r.try_get("created_at")?,
                        retired_at: r.try_get("retired_at")?,
                    })
                })
                .collect()
        })
    }

    /// One published key, retired or not (verification of what it signed).
    #[inline(never)]
    pub fn issuer_public_key<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, version: i64) -> crate::BoxFut<'fut, Result<Option<[u8; 32]>>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT public_key FROM signing_keys WHERE unit_id = $1 AND version = $2")
                .bind(unit_id)
                .bind(version)
                .fetch_optional(self.pool())
                .await?;
            row.map(|r| decode_public(&r.text("public_key")?)).transpose()
        })
    }

    /// The stored form of a key's secret: sealed, never the secret itself (for checks).
    #[inline(never)]
    pub fn sealed_signing_key<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, version: i64) -> crate::BoxFut<'fut, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT sealed_secret FROM signing_keys WHERE unit_id = $1 AND version = $2")
                .bind(unit_id)
                .bind(version)
                .fetch_optional(self.pool())
                .await?;
            row.map(|r| STANDARD.decode(r.text("sealed_secret")?).map_err(|_| StoreError::Corrupt("khóa ký của đơn vị".into()))).transpose()
        })
    }

    /// The key the unit signs with now, opened with the deployment key; None if it never issued.
    #[inline(never)]
    pub fn issuer_signing_key<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        unit_id: i64,
        keys: &'l2 DeploymentKey,
    ) -> crate::BoxFut<'fut, Result<Option<IssuerKey>>> {
        Box::pin(async move {
            let row = crate::db::query(
            "SELECT version, sealed_secret, public_key FROM signing_keys WHERE unit_id = $1 AND retired_at = '' ORDER BY version DESC LIMIT 1",
        )
        .bind(unit_id)
        .fetch_optional(self.pool())
        .await?;
            let Some(row) = row else { return Ok(None) };
            let version = row.i64("version")?;
            let sealed = STANDARD.decode(row.text("sealed_secret")?).map_err(|_| StoreError::Corrupt("khóa ký của đơn vị".into()))?;
            let secret = keys.open(&sealed, &context(unit_id, version)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if public_key(&secret) != decode_public(&row.text("public_key")?)? {
                return Err(StoreError::Corrupt("khóa ký không khớp khóa công khai của đơn vị".into()));
            }
            Ok(Some(IssuerKey { version, secret }))
        })
    }

    /// A new signing key for a unit that has issued: the current one is retired (still
    /// published, so what it signed verifies) and the new one signs from now on. Audited.
    #[inline(never)]
    pub fn rotate_issuer_key<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        unit_id: i64,
        keys: &'l3 DeploymentKey,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let row =
                crate::db::query("SELECT MAX(version) AS v FROM signing_keys WHERE unit_id = $1").bind(unit_id).fetch_one(&mut *tx).await?;
            let current = row.opt_i64("v")?;
            let Some(current) = current else {
                return Err(StoreError::invalid("unit", "đơn vị chưa ban hành quyết định nào nên chưa có khóa ký để thay"));
            };
            let now = now_text();
            crate::db::query("UPDATE signing_keys SET retired_at = $1 WHERE unit_id = $2 AND retired_at = ''")
                .bind(&now)
                .bind(unit_id)
                .execute(&mut *tx)
                .await?;
            let version = current + 1;
            if !insert_key(&mut tx, actor, unit_id, version, &fresh_secret(), keys).await? {
                return Err(StoreError::conflict("unit", "khóa ký của đơn vị vừa được thay bởi người khác"));
            }
            tx.commit().await?;
            Ok(version)
        })
    }

    /// Re-seals every unit's signing keys from the `old` deployment key to `new` (the key file
    /// is being replaced), in one transaction: all or none. Returns the keys re-sealed.
    #[inline(never)]
    pub fn reseal_issuer_keys<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        old: &'l2 DeploymentKey,
        new: &'l3 DeploymentKey,
    ) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let rows = crate::db::query("SELECT unit_id, version, sealed_secret FROM signing_keys ORDER BY unit_id, version")
                .fetch_all(&mut *tx)
                .await?;
            for r in &rows {
                let (unit_id, version) = (r.i64("unit_id")?, r.i64("version")?);
                let sealed = STANDARD.decode(r.text("sealed_secret")?).map_err(|_| StoreError::Corrupt("khóa ký của đơn vị".into()))?;
                let secret = old.open(&sealed, &context(unit_id, version)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let mut nonce = [0u8; 12];
                rand::rng().fill_bytes(&mut nonce);
                crate::db::query("UPDATE signing_keys SET sealed_secret = $1 WHERE unit_id = $2 AND version = $3")
                    .bind(STANDARD.encode(new.seal(&secret, nonce, &context(unit_id, version))))
                    .bind(unit_id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
            }
            record(
                &mut tx,
                &Actor::system("hoctap keys reseal"),
                AuditEntry {
                    unit_id: None,
                    action: "signing_key.reseal",
                    entity: "signing_key",
                    entity_id: String::new(),
                    before: Some(serde_json::json!({"deployment_key": old.fingerprint()})),
                    after: Some(serde_json::json!({"deployment_key": new.fingerprint(), "keys": rows.len()})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(rows.len())
        })
    }

    /// At start-up: seals the clear keys of migration 0007 for units that issued (same secret,
    /// so their credentials still verify as `#key-1`), drops those a mere read had minted, and
    /// gives a key to any unit that issued without one. Then opens one key to make sure the
    /// deployment key is the one the keys were sealed with. One transaction.
    #[inline(never)]
    pub fn prepare_issuer_keys<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, keys: &'l2 DeploymentKey) -> crate::BoxFut<'fut, Result<KeyUpgrade>> {
        Box::pin(async move {
            let mut report = KeyUpgrade::default();
            let mut tx = self.begin().await?;
            let actor = Actor::system("khởi động: khóa ký");
            let legacy = crate::db::query(
            "SELECT k.unit_id, k.secret_b64, EXISTS (SELECT 1 FROM decisions d WHERE d.unit_id = k.unit_id) AS issued FROM unit_keys k ORDER BY k.unit_id",
        )
        .fetch_all(&mut *tx)
        .await?;
            for r in &legacy {
                let unit_id = r.i64("unit_id")?;
                let issued = r.try_get::<bool, _>("issued").or_else(|_| r.i64("issued").map(|v| v != 0))?;
                if issued {
                    let secret = STANDARD
                        .decode(r.text("secret_b64")?)
                        .ok()
                        .and_then(|v| <[u8; 32]>::try_from(v).ok())
                        .ok_or_else(|| StoreError::Corrupt("khóa cũ của đơn vị".into()))?;
                    if insert_key(&mut tx, &actor, unit_id, 1, &secret, keys).await? {
                        report.sealed += 1;
                    }
                } else {
                    report.dropped += 1;
                }
                crate::db::query("DELETE FROM unit_keys WHERE unit_id = $1").bind(unit_id).execute(&mut *tx).await?;
            }
            let missing = crate::db::query(
            "SELECT DISTINCT d.unit_id FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM signing_keys k WHERE k.unit_id = d.unit_id) ORDER BY d.unit_id",
        )
        .fetch_all(&mut *tx)
        .await?;
            for r in &missing {
                if insert_key(&mut tx, &actor, r.i64("unit_id")?, 1, &fresh_secret(), keys).await? {
                    report.created += 1;
                }
            }
            tx.commit().await?;
            let any =
                crate::db::query("SELECT unit_id FROM signing_keys WHERE retired_at = '' LIMIT 1").fetch_optional(self.pool()).await?;
            if let Some(r) = any {
                self.issuer_signing_key(r.i64("unit_id")?, keys).await?;
            }
            Ok(report)
        })
    }
}
