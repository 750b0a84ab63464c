//! A campaign at the size of a commune (làm hàng loạt): laying for every subject of the
//! registries, the filtered and paged list with counts, a transition for everything a filter
//! shows, the tally sheet (bảng chấm) and the review steps without an account. Authorisation is
//! checked once before each loop; every dossier keeps its own log line and audit entry.

use crate::dossiers::{
    Capacity, answer_text, data_editable, decide, evaluate_answers, may_prepare, may_prepare_dossier, review_capacity, reviews,
    stored_answers, submit_ready,
};
use crate::{AppError, AppResult, CurrentUser, capitalise};
use hoctap_docs::tally_xlsx::{self, TallyColumn, TallyKind, TallyRow};
use hoctap_domain::access::{Action, Role};
use hoctap_domain::criteria::{AnswerValue, CriteriaSet, IndicatorKind, Number, SubjectKind};
use hoctap_domain::registry::def;
use hoctap_domain::workflow::{Command, Dossier, ReviewStep, State as WfState, check_approval};
use hoctap_store::Store;
use hoctap_store::{AssessmentRow, BatchAnswers, BatchTransition, CampaignRow, DossierFilter, LayReport, NewDossier, RegistryQuery};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Rows of a campaign page.
pub const PAGE: i64 = 50;

/// Capacities of the user at a step for a unit, looked up once per (step, unit) in a loop.
#[derive(Default)]
pub struct Capacities(HashMap<(usize, i64), Option<Capacity>>);

impl Capacities {
    async fn get(&mut self, store: &Store, user: &CurrentUser, index: usize, step: &ReviewStep, unit: i64) -> AppResult<Option<Capacity>> {
        if let Some(c) = self.0.get(&(index, unit)) {
            return Ok(*c);
        }
        let c = review_capacity(store, user, step, unit).await?;
        self.0.insert((index, unit), c);
        Ok(c)
    }
}

/// A transition checked for one dossier, ready to be written.
pub struct Checked {
    next: Dossier,
    action: &'static str,
    detail: serde_json::Value,
    override_reason: Option<String>,
}

impl Checked {
    pub(crate) fn batch(self, a: &AssessmentRow) -> BatchTransition<'_> {
        BatchTransition { from: a, next: self.next, action: self.action, detail: self.detail, override_reason: self.override_reason }
    }
}

pub fn step_index(d: &Dossier) -> Option<usize> {
    match &d.state {
        WfState::Submitted => Some(0),
        WfState::InReview { step } | WfState::Returned { step, .. } => Some(*step),
        _ => None,
    }
}

/// Who may give a command on a dossier, then what the domain says: the one check behind the
/// dossier page, the API and every bulk transition. A failing dossier is approved only with
/// an override's reason; a step acted on by the level above says so in its log line; the
/// signer of the recognising unit may refuse recognition (không công nhận) with reasons.
#[expect(clippy::too_many_arguments, reason = "the campaign, its set, the dossier, the command and its reason: each is needed")]
#[inline(never)]
pub fn check_command<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut, 'l7: 'fut, 'l8: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    set: &'l4 CriteriaSet,
    a: &'l5 AssessmentRow,
    cmd: &'l6 Command,
    override_reason: &'l7 str,
    caps: &'l8 mut Capacities,
) -> crate::BoxFut<'fut, AppResult<Checked>> {
    Box::pin(async move {
        let step = a.dossier.current_step().cloned();
        let capacity = match (&step, step_index(&a.dossier)) {
            (Some(s), Some(i)) => caps.get(store, user, i, s, a.unit_id).await?,
            _ => None,
        };
        let signer = user.is_admin() || (user.user.role == Role::Signer && user.user.unit_id == c.unit_id);
        let allowed = match cmd {
            Command::Submit => may_prepare_dossier(store, user, a).await?,
            Command::StartReview | Command::Approve | Command::Return { .. } => capacity.is_some() || (step.is_none() && user.is_admin()),
            Command::Reject { .. } => capacity.is_some() || signer,
            Command::Recognise { .. } => user.user.role == Role::Signer || user.is_admin(),
        };
        if !allowed {
            return Err(AppError::Forbidden);
        }
        if matches!(cmd, Command::Submit) {
            submit_ready(store, a, c, set).await?;
        }
        let (next, action, mut detail) = decide(user, &a.dossier, cmd, &a.answers)?;
        let mut override_used = None;
        if matches!(cmd, Command::Approve) && next.state == WfState::Approved {
            override_used =
                check_approval(a.passed, override_reason).map_err(|e| AppError::invalid("ly_do_ngoai_le", capitalise(&e.to_string())))?;
        }
        let mut note = |k: &str, v: String| {
            if !detail.is_object() {
                detail = serde_json::json!({});
            }
            detail[k] = serde_json::Value::String(v);
        };
        if capacity == Some(Capacity::Substitute)
            && let Some(s) = &step
        {
            note("thay_cho", format!("{}: bước chưa có tài khoản, cấp trên xử lý thay", s.name));
        }
        if let Some(r) = &override_used {
            note("ngoai_le", r.clone());
        }
        Ok(Checked { next, action, detail, override_reason: override_used })
    })
}

/// The registry a subject kind is laid from, if any.
pub fn registry_of(kind: SubjectKind) -> Option<&'static def::Registry> {
    match kind {
        SubjectKind::Household => Some(&def::HOUSEHOLDS),
        SubjectKind::Clan => Some(&def::CLANS),
        SubjectKind::Organisation => Some(&def::ORGANISATIONS),
        _ => None,
    }
}

/// Lays a dossier for every subject of the campaign's unit (or of the chosen villages) in the
/// user's scope that has none yet, pre-filled from the registries and evaluated, in one
/// transaction. Returns what was done and the steps that have nobody where they were laid.
#[inline(never)]
pub fn lay_all<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    villages: &'l4 [i64],
) -> crate::BoxFut<'fut, AppResult<(LayReport, Vec<String>)>> {
    Box::pin(async move {
        if !may_prepare(user) {
            return Err(AppError::Forbidden);
        }
        if c.closed {
            return Err(AppError::invalid("campaign", "Đợt đánh giá đã đóng"));
        }
        let today = hoctap_store::today();
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        for v in villages {
            let u = store.unit(*v).await.map_err(|_| AppError::invalid("villages", "Thôn đã chọn không tồn tại"))?;
            if u.kind != hoctap_domain::unit::UnitKind::Village
                || !user.sees(store, u.id).await?
                || !store.in_scope(c.unit_id, u.id, today).await?
            {
                return Err(AppError::invalid(
                    "villages",
                    format!("{} không thuộc địa bàn của đợt đánh giá trong phạm vi của bạn", u.name),
                ));
            }
        }
        // Where to look: the narrower of the user's scope and the campaign's unit.
        let within_campaign = user.sees(store, c.unit_id).await?;
        let areas: Vec<Option<i64>> =
            if villages.is_empty() { vec![within_campaign.then_some(c.unit_id)] } else { villages.iter().map(|v| Some(*v)).collect() };
        let existing = store.campaign_subjects(c.id).await?;
        // (subject id, label, unit)
        let mut subjects: Vec<(i64, String, i64)> = Vec::new();
        match (registry_of(set.subject), set.subject) {
            (Some(reg), _) => {
                let key = reg.key.first().copied().unwrap_or("code");
                for within in &areas {
                    let mut after = None;
                    loop {
                        let q = RegistryQuery { scope: user.scope(), within: *within, after, limit: 1_000, ..Default::default() };
                        let page = store.registry_list(reg, &q, today).await?;
                        for r in &page {
                            if !within_campaign && !store.in_scope(c.unit_id, r.unit_id, today).await? {
                                continue;
                            }
                            let text = |f: &str| r.values.get(f).map(|v| v.display(def::FieldType::Text { max: 0 })).unwrap_or_default();
                            subjects.push((r.id, format!("{} – {}", text(key), text(reg.label)), r.unit_id));
                        }
                        if page.len() < 1_000 {
                            break;
                        }
                        after = page.last().map(|r| r.id);
                    }
                }
            }
            (None, SubjectKind::Village) => {
                let units = if villages.is_empty() {
                    store.villages(c.unit_id, today).await?
                } else {
                    let mut v = Vec::new();
                    for id in villages {
                        v.push(store.unit(*id).await?);
                    }
                    v
                };
                for u in units {
                    if user.sees(store, u.id).await? {
                        subjects.push((u.id, format!("{} {}", u.code, u.name), u.id));
                    }
                }
            }
            _ => {
                return Err(AppError::invalid(
                    "campaign",
                    "Chỉ lập hồ sơ hàng loạt cho hộ gia đình, dòng họ, cơ quan, đơn vị và thôn; công dân tự lập hồ sơ của mình",
                ));
            }
        }
        let mut dossiers = Vec::new();
        let sourced: Vec<(&str, &hoctap_domain::criteria::DataSource)> =
            set.variables.iter().filter_map(|v| Some((v.id.as_str(), v.source.as_ref()?))).collect();
        let sources: Vec<_> = sourced.iter().map(|(_, s)| *s).collect();
        let year = i16::try_from(c.year).unwrap_or(2025);
        let mut skipped_before = 0;
        for (id, label, unit) in subjects {
            if existing.contains(&id) {
                skipped_before += 1;
                continue;
            }
            let mut answers = hoctap_domain::criteria::Answers::new();
            if !sources.is_empty() {
                let values = store.source_values(set.subject, id, year, &sources).await?;
                for ((var, _), v) in sourced.iter().zip(values) {
                    if let Some(v) = v {
                        answers.data.insert((*var).to_string(), Number::integer(v));
                    }
                }
            }
            let (answers_json, result, passed, level) = evaluate_answers(store, set.subject.code(), id, c, &set, &answers).await?;
            let evaluated = !answers.data.is_empty();
            dossiers.push(NewDossier {
                subject_id: id,
                subject_label: label,
                unit_id: unit,
                answers: answers_json,
                result: evaluated.then_some(result),
                passed,
                level,
            });
        }
        let mut report = store.lay_dossiers(&user.actor(), c, set.subject.code(), dossiers).await?;
        report.skipped += skipped_before;
        let gaps = gap_lines(store, user, c).await?.into_iter().map(|g| g.text).collect();
        Ok((report, gaps))
    })
}

/// A campaign the user may read (403 for the role first, 404 out of scope).
#[inline(never)]
pub fn visible_campaign<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    id: i64,
) -> crate::BoxFut<'fut, AppResult<CampaignRow>> {
    Box::pin(async move {
        user.require(Action::ReadLocal)?;
        let c = store.campaign(id).await?;
        let visible = user.sees(store, c.unit_id).await? || store.in_scope(c.unit_id, user.user.unit_id, hoctap_store::today()).await?;
        if !visible {
            return Err(AppError::NotFound("đợt đánh giá"));
        }
        Ok(c)
    })
}

pub struct GapLine {
    pub text: String,
    pub link: String,
}

/// "12 hồ sơ chờ Trưởng thôn xác nhận (Thôn Pò Mò): chưa có tài khoản", with where to create one.
#[inline(never)]
pub fn gap_lines<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
) -> crate::BoxFut<'fut, AppResult<Vec<GapLine>>> {
    Box::pin(async move {
        let gaps = store.step_gaps(c, user.scope(), hoctap_store::today()).await?;
        Ok(gaps
            .into_iter()
            .map(|g| {
                let above = g.level.as_str() != "national";
                GapLine {
                    text: format!(
                        "{} hồ sơ chờ {} ({}): chưa có tài khoản{}",
                        g.waiting,
                        g.step_name,
                        g.unit_name,
                        if above { "; cấp trên có thể xử lý thay" } else { "" }
                    ),
                    link: "/nguoi-dung".to_string(),
                }
            })
            .collect())
    })
}

/// The campaign page's filter as the address carries it.
#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct ListQuery {
    #[serde(default)]
    pub thon: String,
    #[serde(default)]
    pub trang_thai: String,
    #[serde(default)]
    pub ket_qua: String,
    #[serde(default)]
    pub nguoi: String,
    #[serde(default)]
    pub sau: String,
}

pub const STATES: [(&str, &str); 7] = hoctap_domain::workflow::STATE_LABELS;

pub const RESULTS: [(&str, &str); 3] = [("dat", "Đạt"), ("khong-dat", "Không đạt"), ("chua-du", "Chưa đủ số liệu")];

pub fn id_of(field: &str, raw: &str) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| AppError::invalid(field, "Giá trị lọc không hợp lệ"))
}

impl ListQuery {
    pub fn filter(&self) -> AppResult<DossierFilter> {
        let state = self.trang_thai.trim();
        if !state.is_empty() && !STATES.iter().any(|(c, _)| *c == state) {
            return Err(AppError::invalid("trang_thai", "Trạng thái lọc không hợp lệ"));
        }
        let result = self.ket_qua.trim();
        if !result.is_empty() && !RESULTS.iter().any(|(c, _)| *c == result) {
            return Err(AppError::invalid("ket_qua", "Kết quả lọc không hợp lệ"));
        }
        Ok(DossierFilter {
            village: id_of("thon", &self.thon)?,
            state: (!state.is_empty()).then(|| state.to_string()),
            result: (!result.is_empty()).then(|| result.to_string()),
            reviewer: id_of("nguoi", &self.nguoi)?,
        })
    }

    /// The filter as an address query (without the cursor).
    pub fn query_string(&self) -> String {
        let mut q = self.clone();
        q.sau = String::new();
        let pairs: Vec<String> = [("thon", &q.thon), ("trang_thai", &q.trang_thai), ("ket_qua", &q.ket_qua), ("nguoi", &q.nguoi)]
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", v.trim()))
            .collect();
        pairs.join("&")
    }
}

pub fn cursor_list(c: &CampaignRow) -> String {
    format!("dot-danh-gia:{}", c.id)
}

pub struct ListLine {
    pub id: i64,
    pub subject: String,
    pub village: String,
    pub state: String,
    pub result: String,
    pub can_approve: bool,
}

/// A choice of a filter with its count.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub count: i64,
    pub selected: bool,
}

/// What the campaign page shows of its dossiers.
pub struct ListView {
    pub lines: Vec<ListLine>,
    pub total: i64,
    pub states: Vec<Choice>,
    pub results: Vec<Choice>,
    pub villages: Vec<Choice>,
    pub reviewers: Vec<Choice>,
    pub query: ListQuery,
    /// The address of the next page, if any.
    pub next: Option<String>,
    pub any_approvable: bool,
    pub gaps: Vec<GapLine>,
    /// Villages the user may lay dossiers for (id, name).
    pub lay_villages: Vec<(i64, String)>,
    /// Whether the set's subjects can be laid in bulk (households, clans, organisations, villages).
    pub can_lay: bool,
    /// Indicators of the set (id, name) for a bulk return's comment and shared evidence.
    pub indicators: Vec<(String, String)>,
    /// What the campaign's set assesses (the page's hint for laying one dossier).
    pub subject: SubjectKind,
}

/// Labels of result and store groups, with their counts.
pub fn choices(all: &[(&str, &str)], counts: &[(String, i64)], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|(code, label)| Choice {
            code: (*code).to_string(),
            label: (*label).to_string(),
            count: counts.iter().find(|(c, _)| c == code).map(|(_, n)| *n).unwrap_or(0),
            selected: *code == selected,
        })
        .collect()
}

/// One page of the campaign's dossiers under the filter, with counts per group.
#[inline(never)]
pub fn list_view<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    q: &'l4 ListQuery,
) -> crate::BoxFut<'fut, AppResult<ListView>> {
    Box::pin(async move {
        let today = hoctap_store::today();
        let filter = q.filter()?;
        let after = if q.sau.trim().is_empty() { None } else { Some(crate::cursor::open(&cursor_list(c), &q.sau)?) };
        let rows = store.campaign_dossier_lines(c, user.scope(), today, &filter, after, Some(PAGE)).await?;
        // Counted over the campaign's dossiers in the scope (thousands in a commune's year), kept
        // per read generation: any change to a dossier or campaign counts again.
        let counts_key = format!("campaign-counts {} {:?} {today} {filter:?}", c.id, user.scope());
        // One read of the generation for the page's two kept values (each read is a statement).
        let generation = store.read_generation().await?;
        let counts = store.kept_at(generation, counts_key, store.campaign_counts(c.id, user.scope(), today, &filter)).await?;
        let names: HashMap<i64, String> = counts.by_village.iter().map(|(id, name, _)| (*id, name.clone())).collect();
        let mut caps = Capacities::default();
        let mut lines = Vec::new();
        for a in &rows {
            let can_approve = match (&a.dossier.state, a.dossier.current_step(), step_index(&a.dossier)) {
                (WfState::InReview { .. }, Some(s), Some(i)) => {
                    caps.get(store, user, i, s, a.unit_id).await?.is_some() && a.dossier.submitted_by != Some(user.user.id)
                }
                _ => false,
            };
            lines.push(ListLine {
                id: a.id,
                subject: a.subject_label.clone(),
                village: names.get(&a.unit_id).cloned().unwrap_or_default(),
                state: a.dossier.state.label(),
                result: a.summary.clone(),
                can_approve,
            });
        }
        let next = (i64::try_from(rows.len()).unwrap_or(0) == PAGE).then(|| {
            let qs = q.query_string();
            let sep = if qs.is_empty() { "" } else { "&" };
            format!(
                "/dot-danh-gia/{}?{qs}{sep}sau={}",
                c.id,
                rows.last().map(|a| crate::cursor::seal(&cursor_list(c), a.id)).unwrap_or_default()
            )
        });
        // Read over every transition of the campaign: kept per read generation (transitions are
        // watched, migration 0089).
        let reviewers = store
            .kept_at(generation, format!("campaign-reviewers {}", c.id), store.campaign_reviewers(c.id))
            .await?
            .iter()
            .map(|(id, name)| Choice { selected: q.nguoi.trim() == id.to_string(), code: id.to_string(), label: name.clone(), count: 0 })
            .collect();
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let lay_villages = if may_prepare(user) && !c.closed && registry_of(set.subject).is_some() {
            let villages = store.villages(c.unit_id, today).await.unwrap_or_default();
            // A scope holding the commune holds every village it has today: one check, not one each.
            let whole = user.sees(store, c.unit_id).await?;
            let mut v = Vec::new();
            for u in villages {
                if whole || user.sees(store, u.id).await? {
                    v.push((u.id, u.name));
                }
            }
            v
        } else {
            Vec::new()
        };
        Ok(ListView {
            any_approvable: lines.iter().any(|l| l.can_approve),
            lines,
            total: counts.total,
            states: choices(&STATES, &counts.by_state, q.trang_thai.trim()),
            results: choices(&RESULTS, &counts.by_result, q.ket_qua.trim()),
            villages: counts
                .by_village
                .iter()
                .map(|(id, name, n)| Choice {
                    code: id.to_string(),
                    label: name.clone(),
                    count: *n,
                    selected: q.thon.trim() == id.to_string(),
                })
                .collect(),
            reviewers,
            query: q.clone(),
            next,
            gaps: gap_lines(store, user, c).await?,
            lay_villages,
            can_lay: registry_of(set.subject).is_some() || set.subject == SubjectKind::Village,
            subject: set.subject,
            indicators: set.indicators().map(|(_, i)| (i.id.clone(), i.name.clone())).collect(),
        })
    })
}

/// A bulk transition asked for: the action, the filter it applies to, its texts.
#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct BulkAction {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub thon: String,
    #[serde(default)]
    pub trang_thai: String,
    #[serde(default)]
    pub ket_qua: String,
    #[serde(default)]
    pub nguoi: String,
    /// A return's indicator and comment.
    #[serde(default)]
    pub chi_tieu: String,
    #[serde(default)]
    pub y_kien: String,
    /// A non-recognition's reasons.
    #[serde(default)]
    pub ly_do: String,
    /// The reason failing dossiers are approved by exception.
    #[serde(default)]
    pub ly_do_ngoai_le: String,
    /// The count the user confirmed (empty: ask for the confirmation).
    #[serde(default)]
    pub so_luong: String,
}

impl BulkAction {
    pub fn query(&self) -> ListQuery {
        ListQuery {
            thon: self.thon.clone(),
            trang_thai: self.trang_thai.clone(),
            ket_qua: self.ket_qua.clone(),
            nguoi: self.nguoi.clone(),
            sau: String::new(),
        }
    }

    pub fn command(&self) -> AppResult<(Command, &'static str)> {
        Ok(match self.action.as_str() {
            "submit" => (Command::Submit, "nộp"),
            "take" => (Command::StartReview, "tiếp nhận"),
            "approve" => (Command::Approve, "thông qua"),
            "return" => {
                if self.chi_tieu.trim().is_empty() || self.y_kien.trim().is_empty() {
                    return Err(AppError::invalid("y_kien", "Khi trả lại, chọn chỉ tiêu và ghi ý kiến"));
                }
                (
                    Command::Return {
                        comments: BTreeMap::from([(self.chi_tieu.trim().to_string(), hoctap_domain::text::clean(&self.y_kien))]),
                    },
                    "trả lại",
                )
            }
            "reject" => (Command::Reject { reason: hoctap_domain::text::clean(&self.ly_do) }, "không công nhận"),
            _ => return Err(AppError::invalid("action", "Thao tác: nộp, tiếp nhận, thông qua, trả lại hoặc không công nhận")),
        })
    }
}

/// What a bulk transition did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct BulkOutcome {
    /// Dossiers the filter shows.
    pub matched: usize,
    /// Dossiers the transition applies to (written when confirmed).
    pub done: usize,
    /// Those it does not apply to, with why.
    pub refused: Vec<String>,
    pub written: bool,
}

/// Checks (no `confirmed` count) or writes a transition for every dossier the filter shows.
/// The role is checked once before the loop; each dossier's step by (step, unit); the writes
/// go in one transaction, each with its compare-and-set. A confirmed count that no longer
/// matches writes nothing (409).
#[inline(never)]
pub fn bulk_transition<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    b: &'l4 BulkAction,
    confirmed: Option<usize>,
) -> crate::BoxFut<'fut, AppResult<BulkOutcome>> {
    Box::pin(async move {
        let role = user.user.role;
        let (cmd, _) = b.command()?;
        let may_some = match cmd {
            Command::Submit => may_prepare(user),
            Command::Reject { .. } => reviews(role) || role == Role::Signer || role == Role::MinistryReviewer,
            _ => reviews(role) || role == Role::MinistryReviewer,
        };
        if !may_some {
            return Err(AppError::Forbidden);
        }
        let filter = b.query().filter()?;
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let rows = store.campaign_dossiers(c.id, user.scope(), hoctap_store::today(), &filter, None, None).await?;
        let mut caps = Capacities::default();
        let mut ready = Vec::new();
        let mut refused = Vec::new();
        for a in &rows {
            match check_command(store, user, c, &set, a, &cmd, &b.ly_do_ngoai_le, &mut caps).await {
                Ok(x) => ready.push(x.batch(a)),
                Err(e @ (AppError::Invalid { .. } | AppError::Forbidden | AppError::OutOfScope { .. } | AppError::Conflict { .. })) => {
                    refused.push(format!("{}: {}", a.subject_label, capitalise(&e.to_string())));
                }
                Err(e) => return Err(e),
            }
        }
        let mut out = BulkOutcome { matched: rows.len(), done: ready.len(), refused, written: false };
        if let Some(n) = confirmed {
            if n != ready.len() {
                return Err(AppError::Conflict {
                    field: "so_luong".into(),
                    message: format!("Số hồ sơ theo bộ lọc đã thay đổi ({n} → {}); không có gì được ghi, hãy xem lại", ready.len()),
                });
            }
            if ready.is_empty() {
                return Err(AppError::invalid("action", "Không có hồ sơ nào theo bộ lọc để chuyển"));
            }
            // Each dossier returned or refused tells its people, as a single transition does, in the batch's transaction.
            let notes = crate::notify::batch_notices(store, &ready).await?;
            store.transition_many_notifying(&user.actor(), &ready, &notes).await?;
            out.written = true;
        }
        Ok(out)
    })
}

/// The columns of a set's tally sheet: indicators answered by hand, then the data (số liệu)
/// the computed indicators read.
pub fn tally_columns(set: &CriteriaSet) -> Vec<TallyColumn> {
    let mut out: Vec<TallyColumn> = set
        .indicators()
        .filter(|(_, i)| i.formula.is_none())
        .map(|(_, i)| TallyColumn {
            key: format!("a:{}", i.id),
            id: i.id.clone(),
            header: tally_xlsx::header_of(&i.id, &i.name),
            kind: if i.kind == IndicatorKind::YesNo { TallyKind::YesNo } else { TallyKind::Number },
            hint: match &i.max_points {
                Some(m) => format!("{} (tối đa {m} điểm)", i.name),
                None => i.name.clone(),
            },
        })
        .collect();
    out.extend(set.variables.iter().map(|v| TallyColumn {
        key: format!("d:{}", v.id),
        id: v.id.clone(),
        header: tally_xlsx::header_of(&v.id, &v.name),
        kind: TallyKind::Number,
        hint: format!("Số liệu: {}{}", v.name, if v.source.is_some() { " (đã lấy sẵn từ sổ đăng ký)" } else { "" }),
    }));
    out.truncate(tally_xlsx::COLUMN_NAMES.len());
    out
}

/// A stored answer or datum as the sheet shows it.
pub fn cell_of(a: &AssessmentRow, col: &TallyColumn) -> String {
    let (group, id) = match col.key.split_once(':') {
        Some(("a", id)) => ("answers", id),
        Some((_, id)) => ("data", id),
        None => return String::new(),
    };
    match (a.answers[group].get(id), col.kind) {
        (Some(serde_json::Value::Bool(true)), _) => tally_xlsx::YES.into(),
        (Some(serde_json::Value::Bool(false)), _) => tally_xlsx::NO.into(),
        (Some(v), _) => answer_text(v),
        (None, _) => String::new(),
    }
}

/// The tally sheet of the campaign's dossiers in the user's scope, under a filter.
#[inline(never)]
pub fn tally_workbook<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    q: &'l4 ListQuery,
) -> crate::BoxFut<'fut, AppResult<Vec<u8>>> {
    Box::pin(async move {
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let columns = tally_columns(&set);
        let today = hoctap_store::today();
        let filter = q.filter()?;
        let rows = store.campaign_dossiers(c.id, user.scope(), today, &filter, None, None).await?;
        let counts = store.campaign_counts(c.id, user.scope(), today, &DossierFilter::default()).await?;
        let names: HashMap<i64, String> = counts.by_village.into_iter().map(|(id, name, _)| (id, name)).collect();
        let lines: Vec<TallyRow> = rows
            .iter()
            .map(|a| TallyRow {
                dossier: a.id,
                subject: a.subject_label.clone(),
                village: names.get(&a.unit_id).cloned().unwrap_or_default(),
                state: a.dossier.state.label(),
                values: columns.iter().map(|col| cell_of(a, col)).collect(),
            })
            .collect();
        tally_xlsx::template(&c.title, &columns, &lines).map_err(AppError::internal)
    })
}

/// A row's outcome in a tally check.
#[derive(Debug, Clone, Serialize)]
pub struct TallyLine {
    pub line: usize,
    pub status: &'static str,
    pub subject: String,
    pub detail: String,
    pub bad: bool,
}

/// What a tally sheet check or apply found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TallyReport {
    pub rows: usize,
    pub to_update: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub applied: bool,
    /// Rejected rows first, then the others.
    pub lines: Vec<TallyLine>,
}

pub fn yes_no(raw: &str) -> Option<bool> {
    match hoctap_domain::text::fold(raw).as_str() {
        "dat" | "co" | "1" | "x" | "true" | "yes" => Some(true),
        "khong dat" | "khong" | "0" | "false" | "no" | "chua dat" => Some(false),
        _ => None,
    }
}

/// Reads a tally sheet and checks every row (dry run), or applies it: all rows in one
/// transaction, or nothing when any row is refused.
#[inline(never)]
pub fn tally_import<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    c: &'l3 CampaignRow,
    bytes: Arc<[u8]>,
    dry_run: bool,
) -> crate::BoxFut<'fut, AppResult<TallyReport>> {
    Box::pin(async move {
        if !may_prepare(user) {
            return Err(AppError::Forbidden);
        }
        let set = store.criteria_set(&c.set_id, Some(&c.set_version)).await?.set;
        let columns = tally_columns(&set);
        let specs = tally_xlsx::column_specs(&columns);
        let rows = crate::upload::read_rows(bytes, specs, 20_000).await?;
        if rows.is_empty() {
            return Err(AppError::invalid("file", "Tệp không có dòng dữ liệu nào"));
        }
        let dossiers: HashMap<i64, AssessmentRow> = store
            .campaign_dossiers(c.id, user.scope(), hoctap_store::today(), &DossierFilter::default(), None, None)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let mut report = TallyReport { rows: rows.len(), ..Default::default() };
        let mut seen: HashMap<i64, usize> = HashMap::new();
        let mut bad = Vec::new();
        let mut good = Vec::new();
        let mut batch: Vec<(i64, serde_json::Value, serde_json::Value, bool, String)> = Vec::new();
        for row in &rows {
            let mut errors: Vec<String> = Vec::new();
            let mut err = |col: &str, m: String| errors.push(format!("Dòng {}, cột {col}: {m}", row.line));
            let raw_id = row.get(tally_xlsx::DOSSIER).trim().to_string();
            let Some(a) = raw_id.parse::<i64>().ok().and_then(|id| dossiers.get(&id)) else {
                err("Mã hồ sơ", format!("không có hồ sơ \"{raw_id}\" trong đợt này, trong phạm vi của bạn"));
                bad.push(TallyLine { line: row.line, status: "Lỗi", subject: String::new(), detail: errors.join("; "), bad: true });
                continue;
            };
            if let Some(first) = seen.insert(a.id, row.line) {
                err("Mã hồ sơ", format!("hồ sơ này đã có ở dòng {first}"));
            }
            let mut answers = stored_answers(&set, a);
            let mut changed: Vec<String> = Vec::new();
            for (col, name) in columns.iter().zip(tally_xlsx::COLUMN_NAMES) {
                let raw = row.get(name).trim();
                if let Some(why) = row.kind(name).refusal(raw) {
                    err(&col.id, why);
                    continue;
                }
                if raw.is_empty() {
                    continue;
                }
                let (group, id) = col.key.split_once(':').unwrap_or(("a", &col.key));
                if group == "a" {
                    let value = match col.kind {
                        TallyKind::YesNo => match yes_no(raw) {
                            Some(b) => AnswerValue::Bool(b),
                            None => {
                                err(&col.id, format!("\"{raw}\" không phải {} hay {}", tally_xlsx::YES, tally_xlsx::NO));
                                continue;
                            }
                        },
                        TallyKind::Number => match Number::parse(raw) {
                            Ok(n) => AnswerValue::Number(n),
                            Err(e) => {
                                err(&col.id, capitalise(&e.to_string()));
                                continue;
                            }
                        },
                    };
                    if answers.values.get(id) != Some(&value) {
                        if !a.dossier.state.may_edit(id) {
                            err(&col.id, format!("hồ sơ đang ở trạng thái \"{}\": chỉ tiêu này không sửa được", a.dossier.state.label()));
                            continue;
                        }
                        changed.push(id.to_string());
                        answers.values.insert(id.to_string(), value);
                    }
                } else {
                    match Number::parse(raw) {
                        Ok(n) => {
                            if answers.data.get(id) != Some(&n) {
                                if !data_editable(&set, a) {
                                    err(
                                        &col.id,
                                        format!("hồ sơ đang ở trạng thái \"{}\": số liệu không sửa được", a.dossier.state.label()),
                                    );
                                    continue;
                                }
                                changed.push(id.to_string());
                                answers.data.insert(id.to_string(), n);
                            }
                        }
                        Err(e) => err(&col.id, capitalise(&e.to_string())),
                    }
                }
            }
            if !errors.is_empty() {
                bad.push(TallyLine {
                    line: row.line,
                    status: "Lỗi",
                    subject: a.subject_label.clone(),
                    detail: errors.join("; "),
                    bad: true,
                });
                continue;
            }
            if changed.is_empty() {
                report.unchanged += 1;
                good.push(TallyLine {
                    line: row.line,
                    status: "Không đổi",
                    subject: a.subject_label.clone(),
                    detail: String::new(),
                    bad: false,
                });
                continue;
            }
            // Evaluated exactly as a saved form is: the result and its explanation.
            let (answers_json, result, passed, level) = evaluate_answers(store, &a.subject_kind, a.subject_id, c, &set, &answers).await?;
            let summary = result["summary"].as_str().unwrap_or_default().to_string();
            good.push(TallyLine {
                line: row.line,
                status: "Cập nhật",
                subject: a.subject_label.clone(),
                detail: format!("đổi: {}; kết quả: {summary}", changed.join(", ")),
                bad: false,
            });
            report.to_update += 1;
            batch.push((a.id, answers_json, result, passed, level));
        }
        report.rejected = bad.len();
        report.lines = bad.into_iter().chain(good).collect();
        if !dry_run && report.rejected == 0 && !batch.is_empty() {
            let items: Vec<BatchAnswers<'_>> = batch
                .into_iter()
                .filter_map(|(id, answers, result, passed, level)| {
                    Some(BatchAnswers { from: dossiers.get(&id)?, answers, result, passed, level })
                })
                .collect();
            store.save_answers_many(&user.actor(), &items).await?;
            report.applied = true;
        }
        Ok(report)
    })
}
