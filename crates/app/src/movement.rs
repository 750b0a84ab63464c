//! Emulation movements (phong trào thi đua): who sees a movement, a participant, a nomination;
//! achievements with their proof; a nomination's workflow commands.

use crate::dossiers::{may_prepare, may_review};
use crate::{AppError, AppResult, CurrentUser, capitalise};
use hoctap_domain::access::Action;
use hoctap_domain::workflow::Command;
use hoctap_store::Store;
use hoctap_store::{MovementRow, NewAchievement, NominationRow, ParticipantRow};

pub fn parse_year(s: &str, field: &str) -> AppResult<i64> {
    s.trim().parse::<i64>().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(|| AppError::invalid(field, "Năm là một số như 2025"))
}

/// A movement the user may read: launched in their subtree or above them.
#[inline(never)]
pub fn visible_movement<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<MovementRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let m = store.movement(id).await?;
        let visible = user.scope().is_none() || store.movements(user.scope(), hoctap_store::today()).await?.iter().any(|x| x.id == id);
        if visible { Ok(m) } else { Err(AppError::NotFound("phong trào")) }
    })
}

#[inline(never)]
pub fn visible_participant<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<ParticipantRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let p = store.participant(id).await?;
        user.require_sees(store, p.unit_id, "người, tập thể tham gia").await?;
        Ok(p)
    })
}

/// A nomination is read inside the scope of its unit, and by reviewers of the levels above
/// while it is in their hands (a province reviewer sees the commune's nominations anyway).
#[inline(never)]
pub fn visible_nomination<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<NominationRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let n = store.nomination(id).await?;
        user.require_sees(store, n.unit_id, "đề nghị khen thưởng").await?;
        Ok(n)
    })
}

/// Records an achievement of a participant from a multipart form (page or API): year, kind,
/// title, evidence and an optional proof file whose type is read from its bytes.
/// The participant an achievement is recorded for: a preparing role (403 first), then the
/// participant inside the scope (404), before the form is read.
#[inline(never)]
pub fn achievement_target<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    participant: i64,
) -> crate::BoxFut<'fut, AppResult<ParticipantRow>> {
    Box::pin(async move {
        if !may_prepare(user) {
            return Err(AppError::Forbidden);
        }
        visible_participant(store, user, participant).await
    })
}

#[inline(never)]
pub fn record_achievement<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    participant: i64,
    upload: crate::upload::Upload,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        let p = achievement_target(store, user, participant).await?;
        let year = parse_year(upload.field("year"), "year")?;
        let kind = match upload.field("kind") {
            k @ ("sang_kien" | "thanh_tich") => k.to_string(),
            _ => return Err(AppError::invalid("kind", "Chọn loại: sáng kiến, giải pháp hoặc thành tích")),
        };
        let (title, evidence) = (upload.field("title").to_string(), upload.field("evidence").to_string());
        let file = if upload.bytes.is_empty() {
            None
        } else {
            // The type is read from the bytes, never trusted from the name.
            let sniffed = hoctap_docs::sniff::sniff(&upload.bytes).map_err(|e| AppError::invalid("file", capitalise(&e)))?;
            Some(hoctap_store::AttachedFile { mime: sniffed.mime().to_string(), name: upload.file_name, bytes: upload.bytes })
        };
        let a = NewAchievement { year, kind, title, evidence, recognition_id: None, file };
        Ok(store.achievement_add(&user.actor(), &p, &a).await?)
    })
}

/// Applies a workflow command to a nomination (shared with the tests through the pages).
#[inline(never)]
pub fn apply<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    n: &'l3 NominationRow,
    cmd: Command,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let allowed = match &cmd {
            Command::Submit => may_prepare(user),
            Command::StartReview | Command::Approve | Command::Return { .. } | Command::Reject { .. } => match n.dossier.current_step() {
                Some(s) => may_review(store, user, s, n.unit_id).await?,
                None => user.is_admin(),
            },
            Command::Recognise { .. } => false,
        };
        if !allowed {
            return Err(AppError::Forbidden);
        }
        if matches!(cmd, Command::Submit) {
            let set = store.criteria_set(&n.set_id, Some(&n.set_version)).await?.set;
            let unproved: Vec<String> = set
                .indicators()
                .filter(|(_, i)| {
                    n.answers["answers"][&i.id].as_bool() == Some(true)
                        && n.answers["evidence"][&i.id].as_str().is_none_or(|e| e.trim().is_empty())
                })
                .map(|(_, i)| i.id.clone())
                .collect();
            if !unproved.is_empty() {
                return Err(AppError::invalid("evidence", format!("Ghi minh chứng cho tiêu chí đạt: {}", unproved.join(", "))));
            }
            if !n.passed {
                let why = n.result.as_ref().and_then(|r| r["summary"].as_str()).unwrap_or("chưa đánh giá");
                return Err(AppError::invalid("action", format!("Chưa đạt tiêu chí thi đua, chưa thể nộp: {why}")));
            }
        }
        let (next, action, detail) = crate::dossiers::decide(user, &n.dossier, &cmd, &n.answers)?;
        store.nomination_transition(&user.actor(), n, &next, action, detail).await?;
        Ok(())
    })
}
