//! Citizen self-service (công dân tự phục vụ): a citizen's own record and household, titles
//! and certificates, self-assessments with their review, correction requests of their registry
//! data answered by the commune's officer, and the one-time sign-in code an officer hands over.
//! A citizen is found in the citizens' registry by the CCCD they sign in with.

use crate::notify::{Event, notices};
use crate::secret::{random_token, sha256_hex};
use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::{Action, NewPassword, Role, Username};
use hoctap_domain::registry::def::{CITIZENS, FieldType, HOUSEHOLDS, Value, parse_typed_value};
use hoctap_store::{AssessmentRow, CorrectionRow, NewCorrection, RecognitionRow, RegistryQuery, RegistryRecord, Store};

/// The fields a citizen may ask to correct.
pub const CORRECTABLE: &[&str] = &["full_name", "birth_date", "household"];

/// How long a one-time sign-in code lasts.
pub const CODE_DAYS: i64 = 14;

fn require_citizen(user: &CurrentUser) -> AppResult<()> {
    if user.user.role == Role::Citizen { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The value of a field as the citizen sees it (their own data, unmasked).
pub fn shown(r: &RegistryRecord, column: &str) -> String {
    let ty = CITIZENS.fields.iter().find(|f| f.column == column).map_or(FieldType::Text { max: 0 }, |f| f.ty);
    r.values.get(column).map(|v| v.display(ty)).unwrap_or_default()
}

/// The signed-in citizen's record (422 naming the CCCD when it is not in the registry of their area).
#[inline(never)]
pub fn own_record<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<RegistryRecord>> {
    Box::pin(async move {
        require_citizen(user)?;
        let q = RegistryQuery {
            scope: Some(user.user.unit_id),
            limit: 1,
            filter: Some(("cccd", user.user.username.clone())),
            ..Default::default()
        };
        // Not in the registry is said on the citizen's own pages (their account exists, their record not yet).
        store.registry_list(&CITIZENS, &q, hoctap_store::today()).await?.into_iter().next().ok_or_else(|| {
            AppError::invalid("cccd", "Số CCCD của bạn chưa có trong sổ công dân của xã, phường; hãy liên hệ cán bộ phụ trách")
        })
    })
}

/// A self-assessment with its campaign and what the review said.
pub struct OwnDossier {
    pub dossier: AssessmentRow,
    pub campaign: String,
    /// The reviewer's comments when returned, the reason when not recognised.
    pub reasons: Vec<String>,
}

/// A household: its code, its head's name, and its members' names with their relation.
pub type Household = (String, String, Vec<(String, String)>);

/// Everything the citizen's page shows.
pub struct Profile {
    pub record: RegistryRecord,
    /// (label, value) of the record's fields.
    pub fields: Vec<(&'static str, String)>,
    pub household: Option<Household>,
    /// The citizen's own titles, then the household's.
    pub recognitions: Vec<RecognitionRow>,
    pub dossiers: Vec<OwnDossier>,
}

#[inline(never)]
pub fn profile<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser) -> crate::BoxFut<'fut, AppResult<Profile>> {
    Box::pin(async move {
        let record = own_record(store, user).await?;
        let today = hoctap_store::today();
        let fields = CITIZENS
            .fields
            .iter()
            .filter(|f| f.column != "village")
            .map(|f| (f.header, record.values.get(f.column).map(|v| v.display(f.ty)).unwrap_or_default()))
            .collect();
        let mut recognitions = store.recognitions_of("citizen", record.id).await?;
        let mut household = None;
        if let Some(Value::Text(code)) = record.values.get("household") {
            let scope = Some(user.user.unit_id);
            let hq = RegistryQuery { scope, limit: 1, filter: Some(("code", code.clone())), ..Default::default() };
            if let Some(h) = store.registry_list(&HOUSEHOLDS, &hq, today).await?.into_iter().next() {
                let mq =
                    RegistryQuery { scope, limit: 60, filter: Some(("household", code.clone())), by_label: true, ..Default::default() };
                let members = store
                    .registry_list(&CITIZENS, &mq, today)
                    .await?
                    .iter()
                    .map(|m| (shown(m, "full_name"), shown(m, "relation")))
                    .collect();
                let head = h.values.get("head_name").map(|v| v.display(FieldType::Text { max: 0 })).unwrap_or_default();
                recognitions.extend(store.recognitions_of("household", h.id).await?);
                household = Some((code.clone(), head, members));
            }
        }
        let mut dossiers = Vec::new();
        for c in store.campaigns(Some(user.user.unit_id), today).await? {
            for a in store.assessments(c.id, Some(user.user.unit_id), today).await? {
                if a.subject_kind != "citizen" || a.subject_id != record.id {
                    continue;
                }
                let reasons = match &a.dossier.state {
                    hoctap_domain::workflow::State::Returned { comments, .. } => {
                        comments.iter().map(|(k, v)| format!("{k}: {v}")).collect()
                    }
                    hoctap_domain::workflow::State::Rejected { reason } => vec![reason.clone()],
                    _ => Vec::new(),
                };
                dossiers.push(OwnDossier { dossier: a, campaign: c.title.clone(), reasons });
            }
        }
        Ok(Profile { record, fields, household, recognitions, dossiers })
    })
}

/// Files a correction request: the proposed name, birth date (dd/mm/yyyy) and household code,
/// each checked as the registry checks it; only the fields that change are kept.
#[inline(never)]
pub fn request_correction<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    proposed: &'l3 [(&'l4 str, &'l5 str)],
    note: &'l6 str,
) -> crate::BoxFut<'fut, AppResult<i64>> {
    Box::pin(async move {
        let record = own_record(store, user).await?;
        let note = hoctap_domain::text::line(note, 500).map_err(|e| AppError::invalid("note", format!("Lý do, ghi chú: {e}")))?;
        let mut current = serde_json::Map::new();
        let mut wanted = serde_json::Map::new();
        for (column, raw) in proposed {
            let Some(field) = CITIZENS.fields.iter().find(|f| f.column == *column && CORRECTABLE.contains(column)) else { continue };
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let value = parse_typed_value(field, raw)
                .map_err(|e| AppError::invalid(field.column, format!("{}: {}", field.header, crate::capitalise(&e))))?;
            let Some(value) = value else { continue };
            let now = record.values.get(field.column);
            if now == Some(&value) {
                continue;
            }
            current.insert(field.column.into(), serde_json::Value::String(now.map(|v| v.display(field.ty)).unwrap_or_default()));
            wanted.insert(field.column.into(), serde_json::Value::String(value.display(field.ty)));
        }
        if wanted.is_empty() {
            return Err(AppError::invalid("full_name", "Hãy ghi ít nhất một thông tin cần sửa khác với thông tin đang có trong sổ"));
        }
        Ok(store
            .correction_create(
                &user.actor(),
                &NewCorrection { citizen: &record, user_id: user.user.id, current, proposed: wanted, note: &note },
            )
            .await?)
    })
}

#[inline(never)]
pub fn own_corrections<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
) -> crate::BoxFut<'fut, AppResult<Vec<CorrectionRow>>> {
    Box::pin(async move {
        require_citizen(user)?;
        Ok(store.corrections_of_user(user.user.id).await?)
    })
}

/// The requests waiting in the officer's area, with the citizen's record.
#[inline(never)]
pub fn inbox<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
) -> crate::BoxFut<'fut, AppResult<Vec<(CorrectionRow, RegistryRecord)>>> {
    Box::pin(async move {
        user.require(Action::EditRegistries)?;
        let mut out = Vec::new();
        for r in store.corrections_pending(user.scope(), hoctap_store::today()).await? {
            if let Ok(rec) = store.registry_get(&CITIZENS, r.citizen_id).await {
                out.push((r, rec));
            }
        }
        Ok(out)
    })
}

/// A request the officer may answer: role (403), then scope (404).
#[inline(never)]
pub fn answerable<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<CorrectionRow>> {
    Box::pin(async move {
        user.require(Action::EditRegistries)?;
        let r = store.correction(id).await?;
        user.require_sees(store, r.unit_id, "yêu cầu đính chính").await?;
        Ok(r)
    })
}

/// Approves: the citizen's record takes the proposed values from today (history, audit) and
/// the citizen is told, in one transaction.
#[inline(never)]
pub fn approve<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, user: &'l2 CurrentUser, id: i64) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let req = answerable(store, user, id).await?;
        if req.state != "pending" {
            return Err(AppError::Conflict { field: "action".into(), message: "Yêu cầu này đã được trả lời".into() });
        }
        let before = store.registry_get(&CITIZENS, req.citizen_id).await?;
        let mut values = before.values.clone();
        for (column, raw) in &req.proposed {
            let Some(field) = CITIZENS.fields.iter().find(|f| f.column == column.as_str()) else { continue };
            let raw = raw.as_str().unwrap_or_default();
            match parse_typed_value(field, raw)
                .map_err(|e| AppError::invalid(field.column, format!("{}: {}", field.header, crate::capitalise(&e))))?
            {
                Some(v) => values.insert(field.column, v),
                None => values.remove(field.column),
            };
        }
        let notes = notices(store, &Event::CorrectionAnswered { request: &req, approved: true, reason: "" }).await?;
        Ok(store.correction_approve(&user.actor(), &req, &before, &values, hoctap_store::today(), &notes).await?)
    })
}

/// Rejects with a reason (required), the citizen told in the same transaction.
#[inline(never)]
pub fn reject<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
    reason: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let req = answerable(store, user, id).await?;
        let reason = hoctap_domain::text::line(reason, 500).map_err(|e| AppError::invalid("reason", format!("Lý do: {e}")))?;
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "Lý do không chấp nhận: không được để trống"));
        }
        if req.state != "pending" {
            return Err(AppError::Conflict { field: "action".into(), message: "Yêu cầu này đã được trả lời".into() });
        }
        let notes = notices(store, &Event::CorrectionAnswered { request: &req, approved: false, reason: &reason }).await?;
        Ok(store.correction_reject(&user.actor(), &req, &reason, &notes).await?)
    })
}

/// The hash a one-time code is kept under (salted with the account).
pub fn code_hash(user_id: i64, code: &str) -> String {
    sha256_hex(&format!("hoctap-citizen-code:{user_id}:{}", code.trim().to_uppercase()))
}

/// A printable slip: whom it is for and the code, shown once.
pub struct Slip {
    pub username: String,
    pub full_name: String,
    pub code: String,
    pub expires: jiff::civil::Date,
}

/// An officer hands a citizen of their area a one-time sign-in code: the account is created
/// when missing (CCCD as username, no usable password), the code kept hashed for
/// [`CODE_DAYS`] days; the citizen signs in with it once and chooses a password.
#[inline(never)]
pub fn issue_code<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    cccd: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<Slip>> {
    Box::pin(async move {
        user.require(Action::ManageUsers)?;
        let cccd = hoctap_domain::registry::cccd::Cccd::parse(cccd.trim())
            .map_err(|e| AppError::invalid("cccd", format!("Số CCCD: {}", crate::capitalise(&e.to_string()))))?;
        let cccd = cccd.as_str().to_string();
        let q = RegistryQuery { scope: user.scope(), limit: 1, filter: Some(("cccd", cccd.clone())), ..Default::default() };
        let today = hoctap_store::today();
        let record = store
            .registry_list(&CITIZENS, &q, today)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::invalid("cccd", "Số CCCD này chưa có trong sổ công dân của địa bàn bạn quản lý"))?;
        let full_name = shown(&record, "full_name");
        let account = match store.user_by_username(&cccd).await? {
            Some(u) if u.role == Role::Citizen => u,
            Some(_) => return Err(AppError::invalid("cccd", "Tên đăng nhập này đã dùng cho một tài khoản cán bộ")),
            None => {
                // The citizen's unit is the commune of the village the record is in.
                let commune = store
                    .ancestors(record.unit_id, today)
                    .await?
                    .into_iter()
                    .find(|u| u.kind == hoctap_domain::unit::UnitKind::Commune)
                    .map_or(record.unit_id, |u| u.id);
                let unusable = crate::secret::hash_password(&NewPassword::parse(&random_token(24)).map_err(AppError::internal)?)?;
                let username = Username::parse(&cccd).map_err(|e| AppError::invalid("cccd", e.to_string()))?;
                let id = store
                    .create_user(
                        &user.actor(),
                        hoctap_store::NewUser {
                            username: &username,
                            full_name: &full_name,
                            password_hash: &unusable,
                            role: Role::Citizen,
                            unit_id: commune,
                            must_change_password: true,
                        },
                    )
                    .await?;
                store.user(id).await?
            }
        };
        // Letters and digits that cannot be mistaken for each other on paper.
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let code: String = {
            use rand::Rng;
            let mut rng = rand::rng();
            (0..10).map(|_| char::from(ALPHABET.get(rng.random_range(0..ALPHABET.len())).copied().unwrap_or(b'A'))).collect()
        };
        let expires = today.checked_add(jiff::Span::new().days(CODE_DAYS)).unwrap_or(today);
        let expires_at =
            jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24 * CODE_DAYS)).map_err(AppError::internal)?;
        store.citizen_code_set(&user.actor(), account.id, record.unit_id, &code_hash(account.id, &code), &expires_at.to_string()).await?;
        Ok(Slip { username: cccd, full_name, code, expires })
    })
}
