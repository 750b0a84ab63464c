//! Emulation movements and rewards (thi đua, khen thưởng): the movement as data (plan, period,
//! phases with their preliminary and final reviews, contents, the criteria set of every actor
//! type), the actor types of the Bình Dương plan, the reward forms with the authority that
//! grants each and the review chain a nomination follows upward (commune → province →
//! ministry). Nominations reuse [`crate::workflow::Dossier`]: the same states, four eyes and
//! returns with a comment per criterion as an assessment.

use crate::criteria::{CriteriaSet, SubjectKind};
use crate::workflow::ReviewStep;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who takes part in a movement, as Kế hoạch 151/KH-UBND (mục III.1) lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    /// a) Cấp tỉnh.
    Tinh,
    /// b) Ủy ban MTTQ Việt Nam tỉnh, tổ chức chính trị - xã hội, xã hội nghề nghiệp, tổ chức xã hội.
    MttqDoanThe,
    /// c) Sở, ban, ngành, cơ quan, đơn vị cấp tỉnh.
    SoNganh,
    /// d) Cấp huyện (until 30/06/2025).
    Huyen,
    /// đ) Cấp xã.
    Xa,
    /// e) Hộ gia đình, dòng họ.
    HoGiaDinhDongHo,
    /// g) Doanh nghiệp (tập đoàn kinh tế, tổng công ty nhà nước, doanh nghiệp, hợp tác xã).
    DoanhNghiep,
    /// h) Cá nhân.
    CaNhan,
}

impl ActorType {
    pub const ALL: [ActorType; 8] =
        [Self::Tinh, Self::MttqDoanThe, Self::SoNganh, Self::Huyen, Self::Xa, Self::HoGiaDinhDongHo, Self::DoanhNghiep, Self::CaNhan];

    pub fn code(self) -> &'static str {
        match self {
            Self::Tinh => "tinh",
            Self::MttqDoanThe => "mttq_doan_the",
            Self::SoNganh => "so_nganh",
            Self::Huyen => "huyen",
            Self::Xa => "xa",
            Self::HoGiaDinhDongHo => "ho_gia_dinh_dong_ho",
            Self::DoanhNghiep => "doanh_nghiep",
            Self::CaNhan => "ca_nhan",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Tinh => "Cấp tỉnh",
            Self::MttqDoanThe => "Mặt trận Tổ quốc, tổ chức chính trị - xã hội",
            Self::SoNganh => "Sở, ban, ngành, cơ quan cấp tỉnh",
            Self::Huyen => "Cấp huyện (trước 01/07/2025)",
            Self::Xa => "Cấp xã",
            Self::HoGiaDinhDongHo => "Hộ gia đình, dòng họ",
            Self::DoanhNghiep => "Doanh nghiệp, hợp tác xã",
            Self::CaNhan => "Cá nhân",
        }
    }

    pub fn parse(code: &str) -> Option<ActorType> {
        Self::ALL.into_iter().find(|a| a.code() == code.trim())
    }

    /// The subject kind the actor's criteria set evaluates.
    pub fn subject(self) -> SubjectKind {
        match self {
            Self::Tinh => SubjectKind::Province,
            Self::MttqDoanThe | Self::SoNganh | Self::DoanhNghiep => SubjectKind::Organisation,
            Self::Huyen => SubjectKind::District,
            Self::Xa => SubjectKind::Commune,
            Self::HoGiaDinhDongHo => SubjectKind::Household,
            Self::CaNhan => SubjectKind::Citizen,
        }
    }
}

/// Marks a criteria set as the emulation criteria of one actor type in a movement; such a set
/// recognises nobody and is never chosen for an assessment ([`crate::criteria::select_applicable`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmulationScope {
    /// Movement code, e.g. `qd1315`.
    pub movement: String,
    pub actor: ActorType,
}

/// The reward forms (hình thức khen thưởng) of the sơ kết and tổng kết (mục III.2.b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardForm {
    /// Bằng khen của Thủ tướng Chính phủ.
    BangKhenThuTuong,
    /// Bằng khen cấp bộ, ban, ngành, tỉnh, đoàn thể Trung ương.
    BangKhen,
    /// Giấy khen.
    GiayKhen,
}

/// Order of the levels a review chain climbs.
const LEVELS: [&str; 4] = ["village", "commune", "province", "national"];

impl RewardForm {
    pub const ALL: [RewardForm; 3] = [Self::BangKhenThuTuong, Self::BangKhen, Self::GiayKhen];

    pub fn code(self) -> &'static str {
        match self {
            Self::BangKhenThuTuong => "bang_khen_ttg",
            Self::BangKhen => "bang_khen",
            Self::GiayKhen => "giay_khen",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::BangKhenThuTuong => "Bằng khen của Thủ tướng Chính phủ",
            Self::BangKhen => "Bằng khen của bộ, ban, ngành, tỉnh, đoàn thể Trung ương",
            Self::GiayKhen => "Giấy khen",
        }
    }

    /// The title printed on the certificate.
    pub fn printed_title(self) -> &'static str {
        match self {
            Self::BangKhenThuTuong | Self::BangKhen => "BẰNG KHEN",
            Self::GiayKhen => "GIẤY KHEN",
        }
    }

    /// Who grants it (Luật Thi đua, khen thưởng 2022, Điều 78–79; the software's reading).
    pub fn authority(self) -> &'static str {
        match self {
            Self::BangKhenThuTuong => "Thủ tướng Chính phủ",
            Self::BangKhen => {
                "Bộ trưởng, Thủ trưởng cơ quan ngang bộ; Chủ tịch Ủy ban nhân dân cấp tỉnh; người đứng đầu đoàn thể Trung ương"
            }
            Self::GiayKhen => "Chủ tịch Ủy ban nhân dân cấp xã; thủ trưởng cơ quan, đơn vị",
        }
    }

    /// The level that decides: `commune`, `province` or `national`.
    pub fn decided_at(self) -> &'static str {
        match self {
            Self::BangKhenThuTuong => "national",
            Self::BangKhen => "province",
            Self::GiayKhen => "commune",
        }
    }

    pub fn parse(code: &str) -> Option<RewardForm> {
        Self::ALL.into_iter().find(|f| f.code() == code.trim())
    }

    /// The review chain of a nomination made at `from` (the level of the proposing unit):
    /// each level between it and the deciding one reviews, and none below it.
    pub fn chain(self, from: &str) -> Vec<ReviewStep> {
        let step = |name: &str, level: &str| ReviewStep { name: name.to_string(), level: level.to_string() };
        let all = [
            step("Hội đồng Thi đua - Khen thưởng cấp xã xét, đề nghị", "commune"),
            step("Sở Nội vụ (Ban Thi đua - Khen thưởng) thẩm định", "province"),
            step("Bộ Giáo dục và Đào tạo thẩm định, trình Thủ tướng Chính phủ", "national"),
        ];
        let rank = |l: &str| LEVELS.iter().position(|x| *x == l).unwrap_or(0);
        let start = rank(from).max(1);
        let end = rank(self.decided_at());
        all.into_iter().filter(|s| (start..=end).contains(&rank(&s.level))).collect()
    }
}

/// A phase of a movement, ending with its review (sơ kết or tổng kết).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub name: String,
    pub from: i16,
    pub to: i16,
    /// `so_ket` (preliminary review) or `tong_ket` (final review).
    pub review: String,
    pub review_name: String,
    pub review_year: i16,
}

/// When and to whom the yearly report goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementReport {
    pub day: i8,
    pub month: i8,
    pub to: String,
    pub text: String,
}

/// A recognition from the learning-model workflow that proves one emulation criterion: a
/// recognition from set `set` makes its holder a participant of type `actor`, and answers
/// `indicator` with the recognition as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecognitionLink {
    pub set: String,
    pub actor: ActorType,
    pub indicator: String,
}

/// A period of the movement in years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearSpan {
    pub from: i16,
    pub to: i16,
}

/// An emulation movement as a province implements it (`data/movements/*.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Movement {
    pub id: String,
    /// The national movement's code, e.g. `qd1315`.
    pub movement: String,
    pub title: String,
    /// The act that launched the national movement.
    pub launched_by: String,
    /// The provincial plan that implements it.
    pub plan: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// Province code (GSO) of the plan.
    pub unit: String,
    pub period: YearSpan,
    pub report: MovementReport,
    pub confidence: crate::criteria::Confidence,
    pub contents: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub phases: Vec<Phase>,
    /// Actor type code → criteria set id.
    pub criteria: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recognitions: Vec<RecognitionLink>,
}

/// Why a movement file is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MovementError {
    #[error("tệp phong trào không đọc được: {0}")]
    Toml(String),
    #[error("phong trào {movement}: {what}")]
    Invalid { movement: String, what: String },
}

impl Movement {
    /// Whether a province launching this movement needs a plan of its own: every province but
    /// the one whose plan the template records (a decision of Lạng Sơn never cites Bình Dương's
    /// plan).
    pub fn needs_own_plan(&self, province_code: &str) -> bool {
        self.unit != province_code
    }

    /// The movement as a province implements it: its own plan is the one every document of the
    /// movement cites.
    pub fn implemented_by(mut self, province_code: &str, own_plan: &crate::citation::Citation) -> Movement {
        self.plan = own_plan.words("Kế hoạch");
        self.plan_id = None;
        self.unit = province_code.to_string();
        self
    }

    pub fn parse_toml(text: &str) -> Result<Movement, MovementError> {
        let m: Movement = toml::from_str(text).map_err(|e| MovementError::Toml(e.to_string()))?;
        let bad = |what: String| MovementError::Invalid { movement: m.id.clone(), what };
        for key in m.criteria.keys() {
            if ActorType::parse(key).is_none() {
                return Err(bad(format!("đối tượng thi đua \"{key}\" không có")));
            }
        }
        if m.period.from > m.period.to || m.phases.iter().any(|p| p.from > p.to || p.from < m.period.from || p.to > m.period.to) {
            return Err(bad("giai đoạn nằm ngoài thời gian của phong trào".into()));
        }
        Ok(m)
    }

    /// The criteria set id for an actor type.
    pub fn criteria_for(&self, actor: ActorType) -> Option<&str> {
        self.criteria.get(actor.code()).map(String::as_str)
    }

    /// The phase a year belongs to.
    pub fn phase_of(&self, year: i16) -> Option<&Phase> {
        self.phases.iter().find(|p| p.from <= year && year <= p.to)
    }

    /// How a recognition from `set_id` feeds the movement, if it does.
    pub fn recognition_link(&self, set_id: &str) -> Option<&RecognitionLink> {
        self.recognitions.iter().find(|r| r.set == set_id)
    }

    /// Checks the movement against the criteria sets: every actor's set exists, is marked as
    /// this movement's criteria for that actor and evaluates the actor's subject kind; every
    /// recognition link names an indicator of its actor's set.
    pub fn check_sets(&self, sets: &[CriteriaSet]) -> Vec<String> {
        let mut errors = Vec::new();
        for (actor_code, set_id) in &self.criteria {
            let Some(actor) = ActorType::parse(actor_code) else { continue };
            match sets.iter().find(|s| &s.id == set_id) {
                None => errors.push(format!("{actor_code}: không có bộ tiêu chí {set_id}")),
                Some(s) => {
                    if s.emulation.as_ref().is_none_or(|e| e.actor != actor || e.movement != self.movement) {
                        errors.push(format!("{set_id}: không phải tiêu chí thi đua của {actor_code} trong {}", self.movement));
                    }
                    if s.subject != actor.subject() {
                        errors.push(format!("{set_id}: đối tượng {} khác {}", s.subject.code(), actor.subject().code()));
                    }
                }
            }
        }
        for link in &self.recognitions {
            let set = self.criteria_for(link.actor).and_then(|id| sets.iter().find(|s| s.id == id));
            if set.is_none_or(|s| s.indicator(&link.indicator).is_none()) {
                errors.push(format!("{}: chỉ tiêu {} không có trong tiêu chí của {}", link.set, link.indicator, link.actor.code()));
            }
            if !sets.iter().any(|s| s.id == link.set) {
                errors.push(format!("không có bộ tiêu chí {}", link.set));
            }
        }
        errors
    }
}

/// `(file name, TOML text)` of every shipped movement.
pub const SHIPPED_MOVEMENTS: &[(&str, &str)] =
    &[("qd1315-binh-duong.toml", include_str!("../../../data/movements/qd1315-binh-duong.toml"))];

/// Parses the shipped movements.
pub fn shipped_movements() -> Result<Vec<Movement>, MovementError> {
    SHIPPED_MOVEMENTS.iter().map(|(_, text)| Movement::parse_toml(text)).collect()
}

/// The day the year's report is due (it ends at 23:59:59 local time).
pub fn report_due(m: &Movement, year: i16) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(year, m.report.month, m.report.day).ok()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;
    use crate::criteria::{Answers, shipped_sets};

    #[test]
    fn another_province_cites_its_own_plan_never_the_templates() {
        let m = shipped_movements().unwrap().remove(0);
        assert!(!m.needs_own_plan("74"), "Bình Dương launches on its own plan");
        assert!(m.needs_own_plan("20"));
        let plan =
            crate::citation::Citation::parse("30/KH-UBND", "20/02/2024", "Ủy ban nhân dân tỉnh Lạng Sơn", jiff::civil::date(2026, 1, 1))
                .unwrap();
        let own = m.clone().implemented_by("20", &plan);
        assert_eq!(own.plan, "Kế hoạch số 30/KH-UBND ngày 20 tháng 02 năm 2024 của Ủy ban nhân dân tỉnh Lạng Sơn");
        assert!(!own.plan.contains("Bình Dương") && own.plan_id.is_none() && own.unit == "20");
        assert_eq!((own.title, own.phases), (m.title, m.phases), "the movement itself is the same");
    }

    #[test]
    fn the_binh_duong_movement_has_a_set_per_actor_type_that_matches_it() {
        let m = shipped_movements().unwrap().remove(0);
        let sets = shipped_sets().unwrap();
        assert_eq!(m.check_sets(&sets), Vec::<String>::new());
        for a in ActorType::ALL {
            assert!(m.criteria_for(a).is_some(), "{a:?}");
        }
        assert_eq!(m.phase_of(2025).unwrap().review, "so_ket");
        assert_eq!(m.phase_of(2026).unwrap().review_year, 2030);
        assert_eq!(report_due(&m, 2025), Some(jiff::civil::date(2025, 11, 20)));
    }

    #[test]
    fn every_actor_type_set_evaluates_met_only_when_every_criterion_is_met() {
        let m = shipped_movements().unwrap().remove(0);
        let sets = shipped_sets().unwrap();
        let on = jiff::civil::date(2025, 11, 1);
        for a in ActorType::ALL {
            let set = sets.iter().find(|s| Some(s.id.as_str()) == m.criteria_for(a)).unwrap();
            let ids: Vec<&str> = set.indicators().map(|(_, i)| i.id.as_str()).collect();
            assert!(set.indicators().all(|(_, i)| !i.evidence.is_empty()), "{}: every criterion lists its evidence", set.id);
            let all = ids.iter().fold(Answers::new(), |x, id| x.yes_no(id, true));
            let e = set.evaluate(&all, on).unwrap();
            assert!(e.passed, "{}", set.id);
            assert_eq!(e.level.as_deref(), Some("dat"));
            let one_missing = ids.iter().enumerate().fold(Answers::new(), |x, (i, id)| x.yes_no(id, i != ids.len() - 1));
            let e = set.evaluate(&one_missing, on).unwrap();
            assert!(!e.passed, "{}: {}", set.id, e.summary);
        }
    }

    #[test]
    fn a_nomination_climbs_from_its_level_to_the_deciding_one() {
        let levels = |f: RewardForm, from: &str| f.chain(from).into_iter().map(|s| s.level).collect::<Vec<_>>();
        assert_eq!(levels(RewardForm::GiayKhen, "village"), ["commune"]);
        assert_eq!(levels(RewardForm::BangKhen, "commune"), ["commune", "province"]);
        assert_eq!(levels(RewardForm::BangKhenThuTuong, "commune"), ["commune", "province", "national"]);
        assert_eq!(levels(RewardForm::BangKhen, "province"), ["province"]);
        assert!(RewardForm::GiayKhen.chain("province").is_empty());
    }
}
