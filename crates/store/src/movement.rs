//! Emulation movements (phong trào thi đua): a movement launched by a unit from a shipped
//! definition, its participants with their achievements and initiatives, nominations for a
//! reward reviewed upward with the assessments' workflow ([`crate::review`]), reward decisions
//! and the rewards they grant (all in one transaction), and the statistics of rewards.

use crate::audit::{AuditEntry, record};
use crate::db::Row;
use crate::decisions::NewDecision;
use crate::review::{NOMINATION, transitions, write_transition};
use crate::{Actor, Result, Store, StoreError, TransitionRow, date_text, now_text, parse_date_col};
use hoctap_domain::emulation::Movement;
use hoctap_domain::workflow::{Dossier, ReviewStep, State};
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct MovementRow {
    pub id: i64,
    pub template_id: String,
    pub movement: Movement,
    pub unit_id: i64,
    pub unit_name: String,
    pub launched_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParticipantRow {
    pub id: i64,
    pub movement_id: i64,
    pub actor_type: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
}

/// An achievement, initiative or recognition a participant reports (thành tích, sáng kiến).
#[derive(Debug, Clone, Serialize)]
pub struct AchievementRow {
    pub id: i64,
    pub year: i64,
    /// `sang_kien` (initiative, solution), `thanh_tich` (achievement) or `cong_nhan` (a recognition).
    pub kind: String,
    pub title: String,
    /// What proves it: document number, link, or the recognition's decision.
    pub evidence: String,
    pub recognition_id: Option<i64>,
    pub recorded_by: String,
    /// The name of the attached proof file, if one was uploaded.
    pub file_name: Option<String>,
}

pub struct NewAchievement {
    pub year: i64,
    pub kind: String,
    pub title: String,
    pub evidence: String,
    pub recognition_id: Option<i64>,
    /// A scanned or photographed proof (already checked to be a PDF, image or office file).
    pub file: Option<AttachedFile>,
}

/// A proof file attached to a record.
pub struct AttachedFile {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NominationRow {
    pub id: i64,
    pub movement_id: i64,
    pub participant_id: i64,
    pub participant_name: String,
    pub actor_type: String,
    pub year: i64,
    pub form: String,
    pub set_id: String,
    pub set_version: String,
    pub unit_id: i64,
    pub dossier: Dossier,
    pub answers: serde_json::Value,
    pub result: Option<serde_json::Value>,
    pub passed: bool,
    pub recognition_id: Option<i64>,
    pub updated_at: String,
}

/// What a new nomination holds.
pub struct NewNomination {
    pub year: i64,
    pub form: String,
    pub set_id: String,
    pub set_version: String,
    pub chain: Vec<ReviewStep>,
    /// Answers carried in (e.g. the criterion a recognition proves), `{"answers": {...}, "evidence": {...}}`.
    pub answers: serde_json::Value,
    pub recognition_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RewardDecisionRow {
    pub id: i64,
    pub movement_id: i64,
    pub form: String,
    pub year: i64,
    pub unit_id: i64,
    #[serde(flatten)]
    pub content: NewDecision,
}

#[derive(Debug, Clone, Serialize)]
pub struct RewardRow {
    pub id: i64,
    pub decision_id: i64,
    pub nomination_id: i64,
    pub participant_id: i64,
    pub participant_name: String,
    pub actor_type: String,
    pub form: String,
    pub year: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub code: String,
}

/// One reward to grant: the approved nomination, its next state and the certificate code.
pub struct RewardGrant<'a> {
    pub nomination: &'a NominationRow,
    pub next: Dossier,
    pub code: String,
}

/// Rewards counted by year, form, actor type and unit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RewardCount {
    pub year: i64,
    pub form: String,
    pub actor_type: String,
    pub unit_name: String,
    pub count: i64,
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn movement_from(r: &Row) -> Result<MovementRow> {
    Ok(MovementRow {
        id: r.i64("id")?,
        template_id: r.try_get("template_id")?,
        movement: serde_json::from_str(&r.text("body_json")?).map_err(corrupt)?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        launched_by: r.try_get("launched_by")?,
    })
}

fn participant_from(r: &Row) -> Result<ParticipantRow> {
    Ok(ParticipantRow {
        id: r.i64("id")?,
        movement_id: r.i64("movement_id")?,
        actor_type: r.try_get("actor_type")?,
        name: r.try_get("name")?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.opt_i64("subject_id")?,
    })
}

const NOMINATION_COLS: &str = "n.id, n.movement_id, n.participant_id, p.name AS participant_name, p.actor_type, n.year, n.form, n.set_id, n.set_version, n.unit_id, \
     n.state_json, n.chain_json, n.submitted_by, n.answers_json, n.result_json, n.passed, n.recognition_id, n.updated_at";

fn nomination_from(r: &Row) -> Result<NominationRow> {
    let state: State = serde_json::from_str(&r.text("state_json")?).map_err(corrupt)?;
    let chain: Vec<ReviewStep> = serde_json::from_str(&r.text("chain_json")?).map_err(corrupt)?;
    let result: String = r.try_get("result_json")?;
    Ok(NominationRow {
        id: r.i64("id")?,
        movement_id: r.i64("movement_id")?,
        participant_id: r.i64("participant_id")?,
        participant_name: r.try_get("participant_name")?,
        actor_type: r.try_get("actor_type")?,
        year: r.i64("year")?,
        form: r.try_get("form")?,
        set_id: r.try_get("set_id")?,
        set_version: r.try_get("set_version")?,
        unit_id: r.i64("unit_id")?,
        dossier: Dossier { state, submitted_by: r.opt_i64("submitted_by")?, chain },
        answers: serde_json::from_str(&r.text("answers_json")?).map_err(corrupt)?,
        result: if result.is_empty() { None } else { serde_json::from_str(&result).ok() },
        passed: r.i64("passed")? != 0,
        recognition_id: r.opt_i64("recognition_id")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn reward_decision_from(r: &Row) -> Result<RewardDecisionRow> {
    Ok(RewardDecisionRow {
        id: r.i64("id")?,
        movement_id: r.i64("movement_id")?,
        form: r.try_get("form")?,
        year: r.i64("year")?,
        unit_id: r.i64("unit_id")?,
        content: NewDecision {
            number: r.try_get("number")?,
            decided_on: parse_date_col(&r.text("decided_on")?)?,
            authority: r.try_get("authority")?,
            signer_name: r.try_get("signer_name")?,
            signer_title: r.try_get("signer_title")?,
            place: r.try_get("place")?,
            legal_basis: serde_json::from_str(&r.text("legal_basis_json")?).unwrap_or_default(),
            title: r.try_get("title")?,
        },
    })
}

fn reward_from(r: &Row) -> Result<RewardRow> {
    Ok(RewardRow {
        id: r.i64("id")?,
        decision_id: r.i64("decision_id")?,
        nomination_id: r.i64("nomination_id")?,
        participant_id: r.i64("participant_id")?,
        participant_name: r.try_get("participant_name")?,
        actor_type: r.try_get("actor_type")?,
        form: r.try_get("form")?,
        year: r.i64("year")?,
        unit_id: r.i64("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        code: r.try_get("code")?,
    })
}

/// `$n IS NULL OR` the unit column is in the subtree of `$n` as at `$n+1`.
fn in_scope(col: &str, scope: usize) -> String {
    format!(
        "(${scope} IS NULL OR EXISTS (SELECT 1 FROM unit_closure x WHERE x.ancestor_id = ${scope} AND x.descendant_id = {col} AND x.valid_from <= ${d} AND x.valid_to > ${d}))",
        d = scope + 1
    )
}

/// Inserts a participant inside a transaction; returns its id.
async fn insert_participant(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    movement_id: i64,
    actor_type: &str,
    name: &str,
    unit: &crate::UnitRow,
    subject: Option<(&str, i64)>,
) -> Result<i64> {
    let res = crate::db::query(
        "INSERT INTO movement_participants (movement_id, actor_type, name, unit_id, province_code, subject_kind, subject_id, registered_by, registered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(movement_id)
    .bind(actor_type)
    .bind(name.trim())
    .bind(unit.id)
    .bind(&unit.province_code)
    .bind(subject.map(|s| s.0).unwrap_or_default())
    .bind(subject.map(|s| s.1))
    .bind(&actor.username)
    .bind(now_text())
    .fetch_one(&mut *conn)
    .await;
    let row = res.map_err(|e| StoreError::unique_as(e, "name", || format!("{} đã đăng ký tham gia phong trào", name.trim())))?;
    let id = row.i64("id")?;
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(unit.id),
            action: "movement.participant",
            entity: "participant",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"movement": movement_id, "actor_type": actor_type, "name": name.trim()})),
        },
    )
    .await?;
    Ok(id)
}

async fn insert_achievement(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    p: &ParticipantRow,
    province_code: &str,
    a: &NewAchievement,
) -> Result<i64> {
    if a.title.trim().is_empty() {
        return Err(StoreError::invalid("title", "ghi nội dung thành tích, sáng kiến"));
    }
    if a.evidence.trim().is_empty() && a.file.is_none() {
        return Err(StoreError::invalid(
            "evidence",
            "ghi minh chứng (số văn bản công nhận sáng kiến, quyết định, đường dẫn) hoặc đính kèm tệp",
        ));
    }
    let file_sha = match &a.file {
        Some(f) => Some(crate::evidence::store_file(conn, &f.bytes, &f.mime).await?),
        None => None,
    };
    let row = crate::db::query(
        "INSERT INTO movement_achievements (participant_id, province_code, year, kind, title, evidence, recognition_id, recorded_by, recorded_at, file_sha256, file_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(p.id)
    .bind(province_code)
    .bind(a.year)
    .bind(&a.kind)
    .bind(a.title.trim())
    .bind(a.evidence.trim())
    .bind(a.recognition_id)
    .bind(&actor.username)
    .bind(now_text())
    .bind(file_sha.as_deref())
    .bind(a.file.as_ref().map(|f| f.name.as_str()))
    .fetch_one(&mut *conn)
    .await?;
    let id = row.i64("id")?;
    let after = serde_json::json!({"year": a.year, "kind": a.kind, "title": a.title.trim(), "evidence": a.evidence.trim(), "file": a.file.as_ref().map(|f| f.name.as_str()), "sha256": file_sha});
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(p.unit_id),
            action: "movement.achievement",
            entity: "participant",
            entity_id: p.id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(id)
}

async fn insert_nomination(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    movement_id: i64,
    p: &ParticipantRow,
    province_code: &str,
    n: &NewNomination,
) -> Result<i64> {
    let dossier = Dossier::new(n.chain.clone());
    let now = now_text();
    let res = crate::db::query(
        "INSERT INTO nominations (movement_id, participant_id, year, form, set_id, set_version, unit_id, province_code, state, state_json, chain_json, answers_json, recognition_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(movement_id)
    .bind(p.id)
    .bind(n.year)
    .bind(&n.form)
    .bind(&n.set_id)
    .bind(&n.set_version)
    .bind(p.unit_id)
    .bind(province_code)
    .bind(dossier.state.code())
    .bind(serde_json::to_string(&dossier.state).unwrap_or_default())
    .bind(serde_json::to_string(&n.chain).unwrap_or_default())
    .bind(n.answers.to_string())
    .bind(n.recognition_id)
    .bind(&actor.username)
    .bind(&now)
    .fetch_one(&mut *conn)
    .await;
    let row = res.map_err(|e| StoreError::unique_as(e, "form", || format!("{} đã có đề nghị hình thức này năm {}", p.name, n.year)))?;
    let id = row.i64("id")?;
    record(
        conn,
        actor,
        AuditEntry {
            unit_id: Some(p.unit_id),
            action: "nomination.create",
            entity: "nomination",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({"participant": p.name, "year": n.year, "form": n.form, "recognition": n.recognition_id})),
        },
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Launches a movement for a unit from a definition (one per definition and unit).
    #[inline(never)]
    pub fn movement_launch<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        m: &'l3 Movement,
        unit_id: i64,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(unit_id).await?;
            let mut tx = self.begin().await?;
            let res = crate::db::query("INSERT INTO movements (template_id, body_json, title, unit_id, province_code, launched_by, launched_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(&m.id)
            .bind(serde_json::to_string(m).map_err(corrupt)?)
            .bind(&m.title)
            .bind(unit_id)
            .bind(&unit.province_code)
            .bind(&actor.username)
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await;
            let row = res.map_err(|e| StoreError::unique_as(e, "movement", || format!("{} đã triển khai phong trào này", unit.name)))?;
            let id = row.i64("id")?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "movement.launch",
                    entity: "movement",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"template": m.id, "title": m.title})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Movements a user is concerned by: launched in their subtree or by a unit above them.
    #[inline(never)]
    pub fn movements<'fut, 'l1: 'fut>(&'l1 self, scope: Option<i64>, on: Date) -> crate::BoxFut<'fut, Result<Vec<MovementRow>>> {
        Box::pin(async move {
            let rows = crate::db::query(
            "SELECT m.id, m.template_id, m.body_json, m.unit_id, u.name AS unit_name, m.launched_by FROM movements m JOIN units u ON u.id = m.unit_id \
             WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM unit_closure x WHERE x.valid_from <= $2 AND x.valid_to > $2 \
               AND ((x.ancestor_id = $1 AND x.descendant_id = m.unit_id) OR (x.ancestor_id = m.unit_id AND x.descendant_id = $1)))) ORDER BY m.id",
        )
        .bind(scope)
        .bind(date_text(on))
        .fetch_all(self.pool())
        .await?;
            rows.iter().map(movement_from).collect()
        })
    }

    #[inline(never)]
    pub fn movement<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<MovementRow>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT m.id, m.template_id, m.body_json, m.unit_id, u.name AS unit_name, m.launched_by FROM movements m JOIN units u ON u.id = m.unit_id WHERE m.id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("phong trào"))?;
            movement_from(&row)
        })
    }

    /// Registers a participant (tập thể, hộ gia đình, cá nhân) of a unit in a movement.
    #[inline(never)]
    pub fn participant_register<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        movement_id: i64,
        actor_type: &'l3 str,
        name: &'l4 str,
        unit_id: i64,
        subject: Option<(&'l5 str, i64)>,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            if name.trim().is_empty() {
                return Err(StoreError::invalid("name", "ghi tên tập thể, hộ gia đình hoặc cá nhân"));
            }
            let unit = self.unit(unit_id).await?;
            let mut tx = self.begin().await?;
            let id = insert_participant(&mut tx, actor, movement_id, actor_type, name, &unit, subject).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    #[inline(never)]
    pub fn participant<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<ParticipantRow>> {
        Box::pin(async move {
            let row = crate::db::query(
                "SELECT p.*, u.name AS unit_name FROM movement_participants p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
            )
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("người, tập thể tham gia"))?;
            participant_from(&row)
        })
    }

    /// Participants of a movement inside a scope, by name.
    #[inline(never)]
    pub fn participants<'fut, 'l1: 'fut>(
        &'l1 self,
        movement_id: i64,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<ParticipantRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT p.*, u.name AS unit_name FROM movement_participants p JOIN units u ON u.id = p.unit_id WHERE p.movement_id = $1 AND {} ORDER BY p.name, p.id",
                in_scope("p.unit_id", 2)
            );
            let rows =
                crate::db::query(sqlx::AssertSqlSafe(sql)).bind(movement_id).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(participant_from).collect()
        })
    }

    /// Records an achievement or initiative with what proves it.
    #[inline(never)]
    pub fn achievement_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        p: &'l3 ParticipantRow,
        a: &'l4 NewAchievement,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(p.unit_id).await?;
            let mut tx = self.begin().await?;
            let id = insert_achievement(&mut tx, actor, p, &unit.province_code, a).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    #[inline(never)]
    pub fn achievements<'fut, 'l1: 'fut>(&'l1 self, participant_id: i64) -> crate::BoxFut<'fut, Result<Vec<AchievementRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT * FROM movement_achievements WHERE participant_id = $1 ORDER BY year DESC, id")
                .bind(participant_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(AchievementRow {
                        id: r.i64("id")?,
                        year: r.i64("year")?,
                        kind: r.try_get("kind")?,
                        title: r.try_get("title")?,
                        evidence: r.try_get("evidence")?,
                        recognition_id: r.opt_i64("recognition_id")?,
                        recorded_by: r.try_get("recorded_by")?,
                        file_name: r.try_get("file_name")?,
                    })
                })
                .collect()
        })
    }

    /// The proof file of an achievement: (participant id, mime, file name, bytes).
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn achievement_file<'fut, 'l1: 'fut>(
        &'l1 self,
        achievement_id: i64,
    ) -> crate::BoxFut<'fut, Result<(i64, String, String, Vec<u8>)>> {
        Box::pin(async move {
            let r = crate::db::query("SELECT a.participant_id, a.file_name, f.mime, f.bytes FROM movement_achievements a JOIN evidence_files f ON f.sha256 = a.file_sha256 WHERE a.id = $1")
            .bind(achievement_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("tệp minh chứng"))?;
            Ok((r.i64("participant_id")?, r.try_get("mime")?, r.try_get("file_name")?, r.try_get("bytes")?))
        })
    }

    /// Opens a nomination (đề nghị khen thưởng) for a participant.
    #[inline(never)]
    pub fn nomination_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        p: &'l3 ParticipantRow,
        n: &'l4 NewNomination,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(p.unit_id).await?;
            let mut tx = self.begin().await?;
            let id = insert_nomination(&mut tx, actor, p.movement_id, p, &unit.province_code, n).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A recognition proposed for a reward in one step: the holder becomes a participant (or
    /// is found), the recognition is recorded as an achievement, and the nomination opens with
    /// the criterion it proves already answered; all in one transaction.
    #[inline(never)]
    pub fn nominate_recognition<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        movement_id: i64,
        actor_type: &'l3 str,
        rec: &'l4 crate::RecognitionRow,
        achievement: &'l5 NewAchievement,
        n: &'l6 NewNomination,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let unit = self.unit(rec.unit_id).await?;
            let mut tx = self.begin().await?;
            let existing = crate::db::query("SELECT p.*, u.name AS unit_name FROM movement_participants p JOIN units u ON u.id = p.unit_id WHERE p.movement_id = $1 AND p.subject_kind = $2 AND p.subject_id = $3")
            .bind(movement_id)
            .bind(&rec.subject_kind)
            .bind(rec.subject_id)
            .fetch_optional(&mut *tx)
            .await?;
            let p = match existing {
                Some(row) => participant_from(&row)?,
                None => {
                    let id = insert_participant(
                        &mut tx,
                        actor,
                        movement_id,
                        actor_type,
                        &rec.subject_name,
                        &unit,
                        Some((&rec.subject_kind, rec.subject_id)),
                    )
                    .await?;
                    let row = crate::db::query(
                        "SELECT p.*, u.name AS unit_name FROM movement_participants p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
                    )
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    participant_from(&row)?
                }
            };
            insert_achievement(&mut tx, actor, &p, &unit.province_code, achievement).await?;
            let id = insert_nomination(&mut tx, actor, movement_id, &p, &unit.province_code, n).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    #[inline(never)]
    pub fn nomination<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<NominationRow>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {NOMINATION_COLS} FROM nominations n JOIN movement_participants p ON p.id = n.participant_id WHERE n.id = $1"
            );
            let row = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("đề nghị khen thưởng"))?;
            nomination_from(&row)
        })
    }

    /// Nominations of a movement inside a scope (all participants when `participant` is none).
    #[inline(never)]
    pub fn nominations<'fut, 'l1: 'fut>(
        &'l1 self,
        movement_id: i64,
        participant: Option<i64>,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<NominationRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {NOMINATION_COLS} FROM nominations n JOIN movement_participants p ON p.id = n.participant_id \
             WHERE n.movement_id = $1 AND ($4 IS NULL OR n.participant_id = $4) AND {} ORDER BY n.year DESC, p.name, n.id",
                in_scope("n.unit_id", 2)
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(movement_id)
                .bind(scope)
                .bind(date_text(on))
                .bind(participant)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(nomination_from).collect()
        })
    }

    /// Saves the criteria answers and their evaluation (the caller checked the state allows it).
    #[inline(never)]
    pub fn nomination_save<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        n: &'l3 NominationRow,
        answers: &'l4 serde_json::Value,
        result: &'l5 serde_json::Value,
        passed: bool,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let done = crate::db::query(
            "UPDATE nominations SET answers_json = $1, result_json = $2, passed = $3, updated_at = $4 WHERE id = $5 AND state_json = $6",
        )
        .bind(answers.to_string())
        .bind(result.to_string())
        .bind(i64::from(passed))
        .bind(now_text())
        .bind(n.id)
        .bind(serde_json::to_string(&n.dossier.state).unwrap_or_default())
        .execute(&mut *tx)
        .await?
        .rows_affected();
            if done == 0 {
                return Err(StoreError::conflict("state", "đề nghị vừa được người khác thay đổi; hãy tải lại trang"));
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(n.unit_id),
                    action: "nomination.answers",
                    entity: "nomination",
                    entity_id: n.id.to_string(),
                    before: Some(n.answers.clone()),
                    after: Some(answers.clone()),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Writes a transition decided by the domain's workflow.
    #[inline(never)]
    pub fn nomination_transition<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        n: &'l3 NominationRow,
        next: &'l4 Dossier,
        action: &'l5 str,
        detail: serde_json::Value,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            write_transition(&mut tx, actor, &NOMINATION, n.id, n.unit_id, &n.dossier, next, action, detail).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    #[inline(never)]
    pub fn nomination_transitions<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<TransitionRow>>> {
        Box::pin(async move { transitions(self.pool(), &NOMINATION, id).await })
    }

    /// Issues a reward decision: the decision, a reward per approved nomination and each
    /// nomination's final state, in one transaction.
    #[expect(clippy::too_many_arguments, reason = "what the decision is for (movement, form, year, unit), its text and its grants")]
    #[inline(never)]
    pub fn reward_decision_issue<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        movement_id: i64,
        form: &'l4 str,
        year: i64,
        unit_id: i64,
        d: &'l5 NewDecision,
        grants: &'l6 [RewardGrant<'l1>],
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            if grants.is_empty() {
                return Err(StoreError::invalid("nominations", "chọn ít nhất một đề nghị đã được thẩm định"));
            }
            let unit = self.unit(unit_id).await?;
            let mut tx = self.begin().await?;
            let decision_id = crate::decisions::insert_decision_text(
                &mut tx,
                "reward_decisions",
                &["movement_id", "form", "year"],
                |q| q.bind(movement_id).bind(form).bind(year),
                &unit,
                actor,
                d,
            )
            .await?;
            for g in grants {
                let n = g.nomination;
                let province: String = crate::db::query("SELECT province_code FROM nominations WHERE id = $1")
                    .bind(n.id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("province_code")?;
                crate::db::query(
                "INSERT INTO rewards (decision_id, nomination_id, participant_id, participant_name, actor_type, form, year, unit_id, province_code, code) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(decision_id)
            .bind(n.id)
            .bind(n.participant_id)
            .bind(&n.participant_name)
            .bind(&n.actor_type)
            .bind(&n.form)
            .bind(n.year)
            .bind(n.unit_id)
            .bind(&province)
            .bind(&g.code)
            .execute(&mut *tx)
            .await?;
                let next = Dossier { state: State::Recognised { decision_id }, ..g.next.clone() };
                write_transition(
                    &mut tx,
                    actor,
                    &NOMINATION,
                    n.id,
                    n.unit_id,
                    &n.dossier,
                    &next,
                    "reward",
                    serde_json::json!({"decision": d.number.trim()}),
                )
                .await?;
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: "reward_decision.issue",
                    entity: "reward_decision",
                    entity_id: decision_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"number": d.number, "form": form, "rewards": grants.len()})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(decision_id)
        })
    }

    #[inline(never)]
    pub fn reward_decision<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<RewardDecisionRow>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT * FROM reward_decisions WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("quyết định khen thưởng"))?;
            reward_decision_from(&row)
        })
    }

    /// Reward decisions of a movement issued inside a scope or above it.
    #[inline(never)]
    pub fn reward_decisions<'fut, 'l1: 'fut>(&'l1 self, movement_id: i64) -> crate::BoxFut<'fut, Result<Vec<RewardDecisionRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT * FROM reward_decisions WHERE movement_id = $1 ORDER BY decided_on DESC, id DESC")
                .bind(movement_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(reward_decision_from).collect()
        })
    }

    #[inline(never)]
    pub fn rewards<'fut, 'l1: 'fut>(&'l1 self, decision_id: i64) -> crate::BoxFut<'fut, Result<Vec<RewardRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT r.*, u.name AS unit_name FROM rewards r JOIN units u ON u.id = r.unit_id WHERE r.decision_id = $1 ORDER BY r.participant_name, r.id")
            .bind(decision_id)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(reward_from).collect()
        })
    }

    #[inline(never)]
    pub fn reward<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<RewardRow>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT r.*, u.name AS unit_name FROM rewards r JOIN units u ON u.id = r.unit_id WHERE r.id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("khen thưởng"))?;
            reward_from(&row)
        })
    }

    /// Rewards of a movement inside a scope, counted by year, form, actor type and unit.
    #[inline(never)]
    pub fn reward_counts<'fut, 'l1: 'fut>(
        &'l1 self,
        movement_id: i64,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<RewardCount>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT r.year, r.form, r.actor_type, u.name AS unit_name, COUNT(*) AS n FROM rewards r JOIN reward_decisions d ON d.id = r.decision_id JOIN units u ON u.id = r.unit_id \
             WHERE d.movement_id = $1 AND {} GROUP BY r.year, r.form, r.actor_type, u.name ORDER BY r.year DESC, r.form, r.actor_type, u.name",
                in_scope("r.unit_id", 2)
            );
            let rows =
                crate::db::query(sqlx::AssertSqlSafe(sql)).bind(movement_id).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter()
                .map(|r| {
                    Ok(RewardCount {
                        year: r.i64("year")?,
                        form: r.try_get("form")?,
                        actor_type: r.try_get("actor_type")?,
                        unit_name: r.try_get("unit_name")?,
                        count: r.i64("n")?,
                    })
                })
                .collect()
        })
    }

    /// Achievements and initiatives of a movement's participants inside a scope, counted by
    /// year and kind, for the years `from..=to`.
    #[inline(never)]
    pub fn achievement_counts<'fut, 'l1: 'fut>(
        &'l1 self,
        movement_id: i64,
        scope: Option<i64>,
        on: Date,
        from: i64,
        to: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<(i64, String, i64)>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT a.year, a.kind, COUNT(*) AS n FROM movement_achievements a JOIN movement_participants p ON p.id = a.participant_id \
             WHERE p.movement_id = $1 AND a.year >= $4 AND a.year <= $5 AND {} GROUP BY a.year, a.kind ORDER BY a.year, a.kind",
                in_scope("p.unit_id", 2)
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql))
                .bind(movement_id)
                .bind(scope)
                .bind(date_text(on))
                .bind(from)
                .bind(to)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(|r| Ok((r.i64("year")?, r.try_get("kind")?, r.i64("n")?))).collect()
        })
    }

    /// The narrative sections of a movement's report (`kind`: `nam` or a phase id) of a unit.
    #[inline(never)]
    pub fn movement_report<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        movement_id: i64,
        unit_id: i64,
        kind: &'l2 str,
        year: i64,
    ) -> crate::BoxFut<'fut, Result<Option<MovementReportRow>>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT sections_json, updated_by, updated_at, submitted_at FROM movement_reports WHERE movement_id = $1 AND unit_id = $2 AND kind = $3 AND year = $4")
            .bind(movement_id)
            .bind(unit_id)
            .bind(kind)
            .bind(year)
            .fetch_optional(self.pool())
            .await?;
            row.map(|r| {
                Ok(MovementReportRow {
                    sections: serde_json::from_str(&r.text("sections_json")?).map_err(corrupt)?,
                    updated_by: r.try_get("updated_by")?,
                    updated_at: r.try_get("updated_at")?,
                    submitted_at: r.try_get("submitted_at")?,
                })
            })
            .transpose()
        })
    }

    /// Saves the narrative sections of a movement's report; `submit` sends it to the superior,
    /// after which it is not changed (it is what the superior received).
    #[inline(never)]
    pub fn movement_report_save<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        key: &'l4 MovementReportKey<'l1>,
        sections: &'l5 std::collections::BTreeMap<String, String>,
        submit: bool,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let MovementReportKey { movement_id, unit_id, kind, year } = *key;
            let mut tx = self.begin().await?;
            let stored = crate::db::query(
            "SELECT sections_json, submitted_at FROM movement_reports WHERE movement_id = $1 AND unit_id = $2 AND kind = $3 AND year = $4",
        )
        .bind(movement_id)
        .bind(unit_id)
        .bind(kind)
        .bind(year)
        .fetch_optional(&mut *tx)
        .await?;
            if let Some(r) = &stored
                && !r.text("submitted_at")?.is_empty()
            {
                return Err(StoreError::conflict("state", "báo cáo đã gửi cấp trên, không sửa được"));
            }
            let before =
                stored.map(|r| r.text("sections_json")).transpose()?.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
            crate::db::query(
            "INSERT INTO movement_reports (movement_id, unit_id, kind, year, sections_json, updated_by, updated_at, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (movement_id, unit_id, kind, year) DO UPDATE SET sections_json = excluded.sections_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
             submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at",
        )
        .bind(movement_id)
        .bind(unit_id)
        .bind(kind)
        .bind(year)
        .bind(serde_json::to_string(sections).map_err(corrupt)?)
        .bind(&actor.username)
        .bind(now_text())
        .bind(if submit { actor.username.clone() } else { String::new() })
        .bind(if submit { now_text() } else { String::new() })
        .execute(&mut *tx)
        .await?;
            let after = serde_json::to_value(sections).map_err(corrupt)?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(unit_id),
                    action: if submit { "movement.report.submit" } else { "movement.report" },
                    entity: "movement_report",
                    entity_id: format!("{movement_id}/{kind}/{year}"),
                    before,
                    after: Some(after),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Nominations whose current review step is at one of `levels` (unit kinds) and whose unit
    /// is inside `scope`, waiting to be taken or reviewed (the inbox narrows by the user).
    #[inline(never)]
    pub fn nominations_waiting<'fut, 'l1: 'fut>(
        &'l1 self,
        scope: Option<i64>,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<Vec<NominationRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {NOMINATION_COLS} FROM nominations n JOIN movement_participants p ON p.id = n.participant_id \
             WHERE n.state IN ('submitted', 'in_review') AND {} ORDER BY n.updated_at, n.id",
                in_scope("n.unit_id", 1)
            );
            let rows = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(scope).bind(date_text(on)).fetch_all(self.pool()).await?;
            rows.iter().map(nomination_from).collect()
        })
    }
}

/// The narrative sections of a movement's report.
#[derive(Debug, Clone, Serialize)]
pub struct MovementReportRow {
    pub sections: std::collections::BTreeMap<String, String>,
    pub updated_by: String,
    pub updated_at: String,
    /// When it was sent to the superior; empty while a draft.
    pub submitted_at: String,
}

/// Which report of a movement: a unit's annual report (`kind` "nam") or phase review.
#[derive(Debug, Clone, Copy)]
pub struct MovementReportKey<'a> {
    pub movement_id: i64,
    pub unit_id: i64,
    pub kind: &'a str,
    pub year: i64,
}
