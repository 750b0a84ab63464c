//! Evidence files (minh chứng) of dossiers: stored once by SHA-256, coded per dossier
//! (`TC1.CT2-01`), linked to the indicators they back.

use crate::audit::{AuditEntry, record};
use crate::{Actor, Result, Store, StoreError, now_text};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What describes an uploaded file.
pub struct NewEvidence<'a> {
    pub bytes: &'a [u8],
    pub mime: &'a str,
    pub file_name: &'a str,
    pub doc_type: &'a str,
    pub title: &'a str,
    pub issued_on: &'a str,
    pub issuer: &'a str,
    pub indicators: &'a [String],
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    pub id: i64,
    pub assessment_id: i64,
    pub sha256: String,
    pub code: String,
    pub doc_type: String,
    pub title: String,
    pub issued_on: String,
    pub issuer: String,
    pub file_name: String,
    pub indicators: Vec<String>,
}

/// Stores a file's bytes once, by SHA-256, and returns that hash.
pub(crate) async fn store_file(conn: &mut crate::db::Conn, bytes: &[u8], mime: &str) -> Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let exists = crate::db::query("SELECT COUNT(*) AS n FROM evidence_files WHERE sha256 = $1").bind(&sha).fetch_one(&mut *conn).await?;
    if exists.i64("n")? == 0 {
        crate::db::query("INSERT INTO evidence_files (sha256, size, mime, bytes, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&sha)
            .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
            .bind(mime)
            .bind(bytes.to_vec())
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
    }
    Ok(sha)
}

/// Describes a stored file for one dossier: its code after its first indicator with a
/// sequence per dossier (`TC1.CT2-01`), the row and its links to the indicators; returns
/// (id, code). One dossier's evidence and a file shared by many dossiers both write here.
pub(crate) async fn describe(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    assessment_id: i64,
    sha: &str,
    e: &NewEvidence<'_>,
) -> Result<(i64, String)> {
    let first = e.indicators.first().cloned().unwrap_or_default();
    let n = crate::db::query("SELECT COUNT(*) AS n FROM evidence WHERE assessment_id = $1 AND code LIKE $2")
        .bind(assessment_id)
        .bind(format!("{first}-%"))
        .fetch_one(&mut *conn)
        .await?
        .i64("n")?;
    let code = format!("{first}-{:02}", n + 1);
    let row = crate::db::query(
        "INSERT INTO evidence (assessment_id, sha256, code, doc_type, title, issued_on, issuer, file_name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(assessment_id)
    .bind(sha)
    .bind(&code)
    .bind(e.doc_type.trim())
    .bind(e.title.trim())
    .bind(e.issued_on.trim())
    .bind(e.issuer.trim())
    .bind(e.file_name)
    .bind(&actor.username)
    .bind(now_text())
    .fetch_one(&mut *conn)
    .await?;
    let id = row.i64("id")?;
    for ind in e.indicators {
        crate::db::query("INSERT INTO evidence_links (evidence_id, indicator_id) VALUES ($1, $2)")
            .bind(id)
            .bind(ind)
            .execute(&mut *conn)
            .await?;
    }
    Ok((id, code))
}

/// Stores a file once and describes it for a dossier, audited, inside the caller's transaction
/// (the upload form's, or a device's change in `sync`).
pub(crate) async fn add_evidence_in(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    assessment_id: i64,
    unit_id: i64,
    e: &NewEvidence<'_>,
) -> Result<EvidenceRow> {
    if e.indicators.is_empty() {
        return Err(StoreError::invalid("indicators", "chọn ít nhất một chỉ tiêu mà minh chứng này chứng minh"));
    }
    if e.title.trim().is_empty() {
        return Err(StoreError::invalid("title", "ghi tên minh chứng"));
    }
    let sha = store_file(&mut *conn, e.bytes, e.mime).await?;
    let (id, code) = describe(&mut *conn, actor, assessment_id, &sha, e).await?;
    record(
        &mut *conn,
        actor,
        AuditEntry {
            unit_id: Some(unit_id),
            action: "evidence.add",
            entity: "assessment",
            entity_id: assessment_id.to_string(),
            before: None,
            after: Some(serde_json::json!({"code": code, "sha256": sha, "indicators": e.indicators, "title": e.title})),
        },
    )
    .await?;
    Ok(EvidenceRow {
        id,
        assessment_id,
        sha256: sha,
        code,
        doc_type: e.doc_type.trim().into(),
        title: e.title.trim().into(),
        issued_on: e.issued_on.trim().into(),
        issuer: e.issuer.trim().into(),
        file_name: e.file_name.into(),
        indicators: e.indicators.to_vec(),
    })
}

impl Store {
    /// Stores a file once and describes it for a dossier, coding it after its first indicator.
    #[inline(never)]
    pub fn add_evidence<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        assessment_id: i64,
        unit_id: i64,
        e: NewEvidence<'l1>,
    ) -> crate::BoxFut<'fut, Result<EvidenceRow>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let row = add_evidence_in(&mut tx, actor, assessment_id, unit_id, &e).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    #[inline(never)]
    pub fn evidence_of<'fut, 'l1: 'fut>(&'l1 self, assessment_id: i64) -> crate::BoxFut<'fut, Result<Vec<EvidenceRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT id, assessment_id, sha256, code, doc_type, title, issued_on, issuer, file_name FROM evidence WHERE assessment_id = $1 ORDER BY code").bind(assessment_id).fetch_all(self.pool()).await?;
            let mut out = Vec::new();
            for r in &rows {
                let id = r.i64("id")?;
                let links = crate::db::query("SELECT indicator_id FROM evidence_links WHERE evidence_id = $1 ORDER BY indicator_id")
                    .bind(id)
                    .fetch_all(self.pool())
                    .await?;
                out.push(EvidenceRow {
                    id,
                    assessment_id: r.i64("assessment_id")?,
                    sha256: r.try_get("sha256")?,
                    code: r.try_get("code")?,
                    doc_type: r.try_get("doc_type")?,
                    title: r.try_get("title")?,
                    issued_on: r.try_get("issued_on")?,
                    issuer: r.try_get("issuer")?,
                    file_name: r.try_get("file_name")?,
                    indicators: links.iter().map(|l| l.try_get("indicator_id")).collect::<Result<_, _>>()?,
                });
            }
            Ok(out)
        })
    }

    /// The file of an evidence record: (assessment id, mime, file name, bytes).
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn evidence_file<'fut, 'l1: 'fut>(&'l1 self, evidence_id: i64) -> crate::BoxFut<'fut, Result<(i64, String, String, Vec<u8>)>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT e.assessment_id, e.file_name, f.mime, f.bytes FROM evidence e JOIN evidence_files f ON f.sha256 = e.sha256 WHERE e.id = $1")
            .bind(evidence_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("minh chứng"))?;
            Ok((r.i64("assessment_id")?, r.try_get("mime")?, r.try_get("file_name")?, r.try_get("bytes")?))
        })
    }
}
