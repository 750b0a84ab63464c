//! The yearly evaluation workflow (quy trình đánh giá, công nhận) as a pure state machine:
//! draft → submitted → in review at step n → (returned for correction → resubmitted) →
//! approved → recognised, or rejected. Every transition names its actor; the reviewer of a
//! step is never the person who submitted the dossier (nguyên tắc bốn mắt).

use crate::access::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a dossier (hồ sơ) stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Bản nháp: the subject or its officer is filling it in.
    Draft,
    /// Đã nộp, chờ thẩm định bước đầu.
    Submitted,
    /// Đang thẩm định ở bước `step` (0-based) of the review chain.
    InReview { step: usize },
    /// Trả lại để bổ sung, sửa: only the commented indicators are unlocked.
    Returned { step: usize, comments: BTreeMap<String, String> },
    /// Đã được thẩm định đủ các bước, chờ quyết định.
    Approved,
    /// Đã có quyết định công nhận.
    Recognised { decision_id: i64 },
    /// Không công nhận.
    Rejected { reason: String },
}

/// Every state's code with its label (the state of a dossier in a step shows the step too,
/// see [`State::label`]): the one list pages, filters and audit entries read.
pub const STATE_LABELS: [(&str, &str); 7] = [
    ("draft", "Bản nháp"),
    ("submitted", "Đã nộp, chờ thẩm định"),
    ("in_review", "Đang thẩm định"),
    ("returned", "Trả lại để bổ sung"),
    ("approved", "Đã thẩm định, chờ quyết định"),
    ("recognised", "Đã công nhận"),
    ("rejected", "Không công nhận"),
];

/// The states of a dossier still in the cycle (not yet recognised or refused). Queries name
/// them (`state IN (…)`), never the final ones with `NOT IN`, so an index on the state reads
/// only the few open dossiers among a commune's years of decided ones.
pub const OPEN_STATES: [&str; 5] = ["draft", "submitted", "in_review", "returned", "approved"];

/// A state code's label, if it is one.
pub fn state_label(code: &str) -> Option<&'static str> {
    STATE_LABELS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

impl State {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::InReview { .. } => "in_review",
            Self::Returned { .. } => "returned",
            Self::Approved => "approved",
            Self::Recognised { .. } => "recognised",
            Self::Rejected { .. } => "rejected",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::InReview { step } => format!("Đang thẩm định (bước {})", step + 1),
            other => state_label(other.code()).unwrap_or_default().to_string(),
        }
    }

    /// Whether an answer may be changed: everything in a draft, only the commented
    /// indicators when returned, nothing otherwise.
    pub fn may_edit(&self, indicator: &str) -> bool {
        match self {
            Self::Draft => true,
            Self::Returned { comments, .. } => comments.contains_key(indicator),
            _ => false,
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(self, Self::Recognised { .. } | Self::Rejected { .. })
    }
}

/// One step of a review chain, e.g. "Trưởng thôn xác nhận" at village level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStep {
    pub name: String,
    /// Level of the unit whose reviewer acts: `village`, `commune`, `province`.
    pub level: String,
}

impl ReviewStep {
    /// Who holds the step at its level: a chi hội's confirmation belongs to the association's
    /// officers (Chi hội khuyến học), every other step to the level's reviewers, officers and
    /// association officers. Read from the step's name so campaigns stored before keep working.
    pub fn holders(&self) -> &'static [Role] {
        if self.name.starts_with("Chi hội") {
            &[Role::AssociationOfficer]
        } else {
            &[Role::Reviewer, Role::UnitOfficer, Role::AssociationOfficer]
        }
    }

    /// The level whose reviewers may act for a step that has nobody (cấp trên thay).
    pub fn level_above(&self) -> Option<&'static str> {
        match self.level.as_str() {
            "village" => Some("commune"),
            "commune" => Some("province"),
            "province" => Some("national"),
            _ => None,
        }
    }
}

/// Whether an approval that makes a dossier "approved" may go ahead: a dossier whose result
/// does not pass needs an explicit override with a reason (the decision shows it). Returns the
/// override's reason when one is used.
pub fn check_approval(passed: bool, override_reason: &str) -> Result<Option<String>, WorkflowError> {
    match (passed, override_reason.trim()) {
        (true, _) => Ok(None),
        (false, "") => Err(WorkflowError::NeedsOverride),
        (false, reason) => Ok(Some(reason.to_string())),
    }
}

/// The review chain a subject's dossier follows after 01/07/2025 (procedures.md): who
/// confirms and who reviews before the recognising authority decides. Data, not rules: a
/// campaign stores its own copy and a province may change it.
pub fn default_chain(subject: crate::criteria::SubjectKind) -> Vec<ReviewStep> {
    use crate::criteria::SubjectKind as S;
    let step = |name: &str, level: &str| ReviewStep { name: name.to_string(), level: level.to_string() };
    match subject {
        S::Household => vec![step("Trưởng thôn xác nhận", "village"), step("Hội Khuyến học xã thẩm định", "commune")],
        S::Citizen => vec![step("Chi hội khuyến học xác nhận", "village"), step("Hội Khuyến học xã thẩm định", "commune")],
        S::Clan | S::Village | S::Organisation => vec![step("Hội Khuyến học xã thẩm định", "commune")],
        S::Commune | S::District => vec![step("Sở Giáo dục và Đào tạo thẩm định", "province")],
        S::Province => vec![step("Bộ Giáo dục và Đào tạo thẩm định", "national")],
    }
}

/// Who does something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
}

/// What someone asks to do with a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    Submit,
    /// The reviewer of the current step takes the dossier.
    StartReview,
    /// Return with a comment per indicator (at least one).
    Return {
        comments: BTreeMap<String, String>,
    },
    /// Pass the current step; the last step makes the dossier approved.
    Approve,
    Reject {
        reason: String,
    },
    /// A decision recognises the approved dossier.
    Recognise {
        decision_id: i64,
    },
}

/// Why a transition was refused. Messages are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("hồ sơ đang ở trạng thái \"{0}\": không thể {1}")]
    NotAllowed(String, &'static str),
    #[error("người nộp hồ sơ không được tự thẩm định (nguyên tắc bốn mắt)")]
    FourEyes,
    #[error("khi trả lại, cần ghi ý kiến cho ít nhất một chỉ tiêu")]
    NoComment,
    #[error("cần ghi lý do không công nhận")]
    NoReason,
    #[error("quy trình thẩm định chưa có bước nào")]
    EmptyChain,
    #[error("hồ sơ chưa đạt tiêu chí: chỉ thông qua được khi ghi rõ lý do thông qua ngoại lệ")]
    NeedsOverride,
}

/// A dossier's workflow facts: its state, who submitted it, the chain it follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub state: State,
    pub submitted_by: Option<i64>,
    pub chain: Vec<ReviewStep>,
}

impl Dossier {
    pub fn new(chain: Vec<ReviewStep>) -> Self {
        Self { state: State::Draft, submitted_by: None, chain }
    }

    /// Computes the next state, or why not. Pure: the caller stores the result and the
    /// transition (actor, time, reason) together.
    pub fn apply(&self, actor: &Person, cmd: &Command) -> Result<Dossier, WorkflowError> {
        let refuse = |what: &'static str| Err(WorkflowError::NotAllowed(self.state.label(), what));
        let mut next = self.clone();
        match (cmd, &self.state) {
            (Command::Submit, State::Draft) => {
                if self.chain.is_empty() {
                    return Err(WorkflowError::EmptyChain);
                }
                next.state = State::Submitted;
                next.submitted_by = Some(actor.user_id);
            }
            (Command::Submit, State::Returned { step, .. }) => {
                // Resubmission goes back to the step that returned it.
                next.state = State::InReview { step: *step };
            }
            (Command::Submit, _) => return refuse("nộp"),
            (Command::StartReview, State::Submitted) => {
                self.four_eyes(actor)?;
                next.state = State::InReview { step: 0 };
            }
            (Command::StartReview, _) => return refuse("bắt đầu thẩm định"),
            (Command::Return { comments }, State::InReview { step }) => {
                self.four_eyes(actor)?;
                if comments.values().all(|c| c.trim().is_empty()) {
                    return Err(WorkflowError::NoComment);
                }
                let comments =
                    comments.iter().filter(|(_, c)| !c.trim().is_empty()).map(|(k, c)| (k.clone(), c.trim().to_string())).collect();
                next.state = State::Returned { step: *step, comments };
            }
            (Command::Return { .. }, _) => return refuse("trả lại"),
            (Command::Approve, State::InReview { step }) => {
                self.four_eyes(actor)?;
                next.state = if step + 1 < self.chain.len() { State::InReview { step: step + 1 } } else { State::Approved };
            }
            (Command::Approve, _) => return refuse("thông qua"),
            (Command::Reject { reason }, State::InReview { .. } | State::Approved | State::Submitted) => {
                self.four_eyes(actor)?;
                if reason.trim().is_empty() {
                    return Err(WorkflowError::NoReason);
                }
                next.state = State::Rejected { reason: reason.trim().to_string() };
            }
            (Command::Reject { .. }, _) => return refuse("không công nhận"),
            (Command::Recognise { decision_id }, State::Approved) => {
                next.state = State::Recognised { decision_id: *decision_id };
            }
            (Command::Recognise { .. }, _) => return refuse("công nhận"),
        }
        Ok(next)
    }

    fn four_eyes(&self, actor: &Person) -> Result<(), WorkflowError> {
        if self.submitted_by == Some(actor.user_id) { Err(WorkflowError::FourEyes) } else { Ok(()) }
    }

    /// The step being reviewed, if any.
    pub fn current_step(&self) -> Option<&ReviewStep> {
        match &self.state {
            State::InReview { step } | State::Returned { step, .. } => self.chain.get(*step),
            State::Submitted => self.chain.first(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<ReviewStep> {
        (0..n).map(|i| ReviewStep { name: format!("Bước {i}"), level: "commune".into() }).collect()
    }

    fn p(id: i64) -> Person {
        Person { user_id: id, name: format!("Người {id}") }
    }

    #[test]
    fn a_dossier_goes_through_every_step_then_is_recognised() {
        let d = Dossier::new(chain(2));
        let d = d.apply(&p(1), &Command::Submit).unwrap();
        let d = d.apply(&p(2), &Command::StartReview).unwrap();
        assert_eq!(d.state, State::InReview { step: 0 });
        let d = d.apply(&p(2), &Command::Approve).unwrap();
        assert_eq!(d.state, State::InReview { step: 1 });
        let d = d.apply(&p(3), &Command::Approve).unwrap();
        assert_eq!(d.state, State::Approved);
        let d = d.apply(&p(4), &Command::Recognise { decision_id: 7 }).unwrap();
        assert!(d.state.is_final());
    }

    #[test]
    fn the_submitter_never_reviews_their_own_dossier() {
        let d = Dossier::new(chain(1)).apply(&p(1), &Command::Submit).unwrap();
        assert_eq!(d.apply(&p(1), &Command::StartReview), Err(WorkflowError::FourEyes));
        let d = d.apply(&p(2), &Command::StartReview).unwrap();
        assert_eq!(d.apply(&p(1), &Command::Approve), Err(WorkflowError::FourEyes));
    }

    #[test]
    fn a_returned_dossier_unlocks_only_commented_indicators_and_goes_back_to_its_step() {
        let d = Dossier::new(chain(2)).apply(&p(1), &Command::Submit).unwrap();
        let d = d.apply(&p(2), &Command::StartReview).unwrap().apply(&p(2), &Command::Approve).unwrap();
        let comments = BTreeMap::from([("TC1.1".to_string(), "Thiếu minh chứng".to_string())]);
        let d = d.apply(&p(3), &Command::Return { comments }).unwrap();
        assert!(d.state.may_edit("TC1.1"));
        assert!(!d.state.may_edit("TC1.2"));
        let d = d.apply(&p(1), &Command::Submit).unwrap();
        assert_eq!(d.state, State::InReview { step: 1 });
        assert_eq!(d.apply(&p(3), &Command::Return { comments: BTreeMap::new() }), Err(WorkflowError::NoComment));
    }

    #[test]
    fn a_failing_dossier_is_approved_only_with_a_reason_and_a_chi_hoi_step_is_the_associations() {
        assert_eq!(check_approval(true, ""), Ok(None));
        assert_eq!(check_approval(false, "  "), Err(WorkflowError::NeedsOverride));
        assert_eq!(check_approval(false, " Gia đình khó khăn đặc biệt "), Ok(Some("Gia đình khó khăn đặc biệt".into())));
        let citizen = default_chain(crate::criteria::SubjectKind::Citizen);
        assert_eq!(citizen.first().unwrap().holders(), &[Role::AssociationOfficer]);
        assert!(citizen.get(1).unwrap().holders().contains(&Role::Reviewer));
        let household = default_chain(crate::criteria::SubjectKind::Household);
        assert!(household.first().unwrap().holders().contains(&Role::Reviewer));
        assert_eq!(household.first().unwrap().level_above(), Some("commune"));
    }

    #[derive(Debug, Clone)]
    struct Step(i64, Command);

    fn command() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::Submit),
            Just(Command::StartReview),
            Just(Command::Approve),
            Just(Command::Return { comments: BTreeMap::from([("A".to_string(), "sửa".to_string())]) }),
            Just(Command::Reject { reason: "không đạt".into() }),
            Just(Command::Recognise { decision_id: 1 }),
        ]
    }

    proptest! {
        /// Whatever is tried, the submitter never moves a dossier forward in review, final
        /// states never change, and approval needs as many approvals as steps.
        #[test]
        fn random_commands_keep_the_rules(steps in proptest::collection::vec((1..4i64, command()).prop_map(|(a, c)| Step(a, c)), 1..30), n in 1..4usize) {
            let mut d = Dossier::new(chain(n));
            let mut approvals = 0;
            for Step(actor, cmd) in steps {
                let before = d.clone();
                if let Ok(next) = d.apply(&p(actor), &cmd) {
                    prop_assert!(!before.state.is_final());
                    if matches!(cmd, Command::StartReview | Command::Approve | Command::Return { .. } | Command::Reject { .. }) {
                        prop_assert_ne!(before.submitted_by, Some(actor));
                    }
                    if matches!(cmd, Command::Approve) { approvals += 1; }
                    if next.state == State::Approved { prop_assert!(approvals >= n); }
                    d = next;
                }
            }
        }
    }
}
