//! Learning itself (hoạt động học tập): a community learning centre's (TT HTCĐ) programme of
//! courses and one-off activities (chuyên đề) on a coded, extensible list of topics, their
//! sessions with the hours each credits, who attended, when a learner has completed, and what
//! a citizen's learning record says to the "Công dân học tập" self-assessment.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Why a learning input was refused; each names its field in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LearningError {
    #[error("Chủ đề: mã \"{0}\" chỉ gồm chữ thường không dấu, số và \"-\" (tối đa 32 ký tự)")]
    BadTopic(String),
    #[error("Loại hoạt động: chọn khóa học (lớp học nhiều buổi) hoặc chuyên đề (một buổi)")]
    BadKind,
    #[error("Địa điểm: chọn tại trung tâm, nhà văn hóa thôn, trực tuyến hoặc nơi khác")]
    BadPlace,
    #[error("Đơn vị phối hợp: chọn một loại trong danh sách")]
    BadPartner,
    #[error("Nguồn kinh phí: chọn một nguồn trong danh sách")]
    BadFunding,
    #[error("Số giờ: \"{0}\" không phải số giờ (ví dụ 2 hoặc 1,5), từ 0,5 đến 12 giờ một buổi")]
    BadHours(String),
    #[error("Năm sinh: {0} không hợp lệ (từ 1900 đến năm nay)")]
    BadBirthYear(i32),
    #[error("Ngày kết thúc trước ngày bắt đầu")]
    EndBeforeStart,
    #[error("Số chỗ: từ 1 đến 10.000")]
    BadCapacity,
    #[error("Người học: đã có mặt ở {0} buổi nên không xóa khỏi danh sách lớp được; bỏ đánh dấu có mặt ở các buổi đó trước")]
    AttendedAlready(i64),
}

/// A topic's code (mã chủ đề): the shipped ones and those a province adds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TopicCode(String);

impl TopicCode {
    pub fn parse(raw: &str) -> Result<Self, LearningError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(LearningError::BadTopic(crate::text::clean(raw).chars().take(40).collect()));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TopicCode {
    type Error = LearningError;
    fn try_from(s: String) -> Result<Self, LearningError> {
        Self::parse(&s)
    }
}

impl From<TopicCode> for String {
    fn from(t: TopicCode) -> String {
        t.0
    }
}

impl fmt::Display for TopicCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The topics shipped (code, name, whether it is a digital-skill topic: kỹ năng số counts for
/// the digital-skill indicators). More are added per deployment (`learning_topics`).
pub const SHIPPED_TOPICS: &[(&str, &str, bool)] = &[
    ("phap-luat", "Pháp luật", false),
    ("nong-nghiep", "Nông nghiệp, khuyến nông", false),
    ("ky-nang-so", "Kỹ năng số", true),
    ("ngoai-ngu", "Ngoại ngữ", false),
    ("van-hoa", "Văn hóa, văn nghệ, thể thao", false),
    ("suc-khoe", "Sức khỏe, dân số", false),
    ("nghe-nghiep", "Dạy nghề, việc làm", false),
    ("xoa-mu-chu", "Xóa mù chữ, sau biết chữ", false),
    ("moi-truong", "Môi trường, biến đổi khí hậu", false),
    ("gia-dinh", "Gia đình, trẻ em, bình đẳng giới", false),
];

/// Loại hoạt động.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivityKind {
    /// Lớp học, khóa học: several sessions.
    KhoaHoc,
    /// Chuyên đề, hoạt động một buổi.
    ChuyenDe,
}

/// Địa điểm tổ chức.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceKind {
    TaiTrungTam,
    NhaVanHoa,
    TrucTuyen,
    Khac,
}

/// Đơn vị phối hợp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartnerKind {
    Khong,
    Hoi,
    TruongHoc,
    KhuyenNong,
    DoanhNghiep,
    Khac,
}

/// Nguồn kinh phí.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Funding {
    NganSach,
    XaHoiHoa,
    HoiKhuyenHoc,
    DoanhNghiep,
    Khac,
}

macro_rules! coded {
    ($t:ty, $err:expr, [$(($v:ident, $code:literal, $label:literal)),+ $(,)?]) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            pub fn code(self) -> &'static str {
                match self { $(<$t>::$v => $code),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $(<$t>::$v => $label),+ }
            }
            pub fn parse(raw: &str) -> Result<Self, LearningError> {
                let s = raw.trim();
                Self::ALL.iter().copied().find(|k| k.code() == s).ok_or($err)
            }
        }
    };
}

coded!(ActivityKind, LearningError::BadKind, [(KhoaHoc, "khoa-hoc", "Khóa học, lớp học"), (ChuyenDe, "chuyen-de", "Chuyên đề, hoạt động")]);
coded!(
    PlaceKind,
    LearningError::BadPlace,
    [
        (TaiTrungTam, "tai-trung-tam", "Tại trung tâm"),
        (NhaVanHoa, "nha-van-hoa", "Nhà văn hóa thôn, tổ dân phố"),
        (TrucTuyen, "truc-tuyen", "Trực tuyến"),
        (Khac, "khac", "Nơi khác"),
    ]
);
coded!(
    PartnerKind,
    LearningError::BadPartner,
    [
        (Khong, "khong", "Không có"),
        (Hoi, "hoi-doan-the", "Hội, đoàn thể"),
        (TruongHoc, "truong-hoc", "Trường học"),
        (KhuyenNong, "khuyen-nong", "Trạm khuyến nông"),
        (DoanhNghiep, "doanh-nghiep", "Doanh nghiệp"),
        (Khac, "khac", "Khác"),
    ]
);
coded!(
    Funding,
    LearningError::BadFunding,
    [
        (NganSach, "ngan-sach", "Ngân sách nhà nước"),
        (XaHoiHoa, "xa-hoi-hoa", "Xã hội hóa"),
        (HoiKhuyenHoc, "hoi-khuyen-hoc", "Quỹ Hội Khuyến học"),
        (DoanhNghiep, "doanh-nghiep", "Doanh nghiệp tài trợ"),
        (Khac, "khac", "Nguồn khác"),
    ]
);

/// Hours credited, in tenths of an hour (1,5 giờ = 15): exact, no floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Hours(pub i64);

impl Hours {
    /// A session's hours as typed: "2", "1,5", "1.5"; 0,5 to 12.
    pub fn parse_session(raw: &str) -> Result<Self, LearningError> {
        let h = Self::parse_any(raw)?;
        if !(5..=120).contains(&h.0) {
            return Err(LearningError::BadHours(raw.trim().to_string()));
        }
        Ok(h)
    }

    /// Any non-negative number of hours with at most one decimal (other learning: up to 2.000).
    pub fn parse_total(raw: &str) -> Result<Self, LearningError> {
        let h = Self::parse_any(raw)?;
        if !(1..=20_000).contains(&h.0) {
            return Err(LearningError::BadHours(raw.trim().to_string()));
        }
        Ok(h)
    }

    fn parse_any(raw: &str) -> Result<Self, LearningError> {
        let s = raw.trim().replace(',', ".");
        let bad = || LearningError::BadHours(raw.trim().chars().take(20).collect());
        let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
        if whole.is_empty() || whole.len() > 5 || frac.len() != 1 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let w: i64 = whole.parse().map_err(|_| bad())?;
        let f: i64 = frac.parse().map_err(|_| bad())?;
        Ok(Self(w * 10 + f))
    }

    /// "18", "1,5" (Vietnamese decimal comma).
    pub fn display(self) -> String {
        let (w, f) = (self.0 / 10, self.0 % 10);
        let whole = crate::text::group_thousands(w);
        if f == 0 { whole } else { format!("{whole},{f}") }
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// A walk-in learner's year of birth (người học vãng lai): 1900 to the current year.
pub fn birth_year(year: i32, today: Date) -> Result<i16, LearningError> {
    if !(1900..=i32::from(today.year())).contains(&year) {
        return Err(LearningError::BadBirthYear(year));
    }
    Ok(i16::try_from(year).unwrap_or(1900))
}

/// An activity's dates: the end on or after the start.
pub fn check_dates(starts: Date, ends: Date) -> Result<(), LearningError> {
    if ends < starts { Err(LearningError::EndBeforeStart) } else { Ok(()) }
}

pub fn check_capacity(c: i64) -> Result<(), LearningError> {
    if (1..=10_000).contains(&c) { Ok(()) } else { Err(LearningError::BadCapacity) }
}

/// Hoàn thành: a learner completes an activity by attending at least 80% of its sessions
/// (every session of a one-off activity). A convention of this software, named on the pages;
/// none of the seed documents fixes a share.
pub fn completed(attended: i64, sessions: i64) -> bool {
    sessions > 0 && attended * 5 >= sessions * 4
}

/// Xóa người học khỏi lớp: only a learner never marked present (an enrolment made by mistake);
/// once attendance exists the hours are on the citizen's record and in the counters, so the
/// roll calls are corrected first.
pub fn may_unenrol(attended: i64) -> Result<(), LearningError> {
    if attended > 0 { Err(LearningError::AttendedAlready(attended)) } else { Ok(()) }
}

/// Nhóm tuổi of the yearly report (on 31/12 of the year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum AgeGroup {
    Under18,
    From18To35,
    From36To60,
    Over60,
    Unknown,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 5] = [Self::Under18, Self::From18To35, Self::From36To60, Self::Over60, Self::Unknown];

    pub fn of(birth_year: Option<i64>, year: i64) -> Self {
        match birth_year.map(|b| year - b) {
            None => Self::Unknown,
            Some(a) if a < 18 => Self::Under18,
            Some(a) if a <= 35 => Self::From18To35,
            Some(a) if a <= 60 => Self::From36To60,
            Some(_) => Self::Over60,
        }
    }

    /// The stable code the report's kept figures use (migration 0060 computes the same in SQL).
    pub fn code(self) -> &'static str {
        match self {
            Self::Under18 => "duoi-18",
            Self::From18To35 => "18-35",
            Self::From36To60 => "36-60",
            Self::Over60 => "tren-60",
            Self::Unknown => "chua-ro",
        }
    }

    pub fn from_code(code: &str) -> Self {
        Self::ALL.into_iter().find(|g| g.code() == code).unwrap_or(Self::Unknown)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Under18 => "Dưới 18 tuổi",
            Self::From18To35 => "Từ 18 đến 35 tuổi",
            Self::From36To60 => "Từ 36 đến 60 tuổi",
            Self::Over60 => "Trên 60 tuổi",
            Self::Unknown => "Chưa rõ năm sinh",
        }
    }
}

/// Một năm học tập of a citizen, as the record counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct YearTotals {
    pub year: i16,
    /// Activities attended at least once (hoạt động đã tham gia).
    pub attended: i64,
    pub completed: i64,
    pub hours: Hours,
    /// Completed activities on a digital-skill topic.
    pub digital_completed: i64,
    /// Other learning (học tập khác), confirmed by an officer.
    pub other_confirmed: i64,
    /// Other learning still self-declared (tự khai).
    pub other_declared: i64,
}

/// What the record says to one indicator of a self-assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prefill {
    pub indicator: &'static str,
    /// Suggested points (out of the indicator's maximum).
    pub points: i64,
    pub explanation: String,
}

/// Which indicators of which criteria set the learning record answers: (set, indicator, what).
/// NL1.3 of "Công dân học tập" is the learning activities (tham gia hoạt động ở nhà văn hóa,
/// câu lạc bộ, thư viện, hội thảo), NL2.1 the use of information technology.
pub const PREFILLED: &[(&str, &str, PrefillBasis)] =
    &[("cdht-congdan", "NL1.3", PrefillBasis::Activities), ("cdht-congdan", "NL2.1", PrefillBasis::DigitalSkills)];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PrefillBasis {
    Activities,
    DigitalSkills,
}

/// The suggested points of the record-sourced indicators of a set for a year, each explained
/// ("đã tham gia 4 chuyên đề, 18 giờ trong năm 2026"). The scale is this software's convention
/// (the set gives none): 10 points from 3 activities or 12 hours, 8 from 2, 6 from 1; for
/// digital skills 10 for a completed kỹ năng số activity. Nothing is suggested without a record.
pub fn prefill(set_id: &str, t: &YearTotals) -> Vec<Prefill> {
    PREFILLED
        .iter()
        .filter(|(s, ..)| *s == set_id)
        .filter_map(|(_, indicator, basis)| match basis {
            PrefillBasis::Activities => {
                let n = t.attended + t.other_confirmed;
                if n == 0 {
                    return None;
                }
                let points = if n >= 3 || t.hours.0 >= 120 {
                    10
                } else if n == 2 {
                    8
                } else {
                    6
                };
                let mut explanation = format!("đã tham gia {} chuyên đề, {} giờ trong năm {}", t.attended, t.hours, t.year);
                if t.other_confirmed > 0 {
                    explanation.push_str(&format!("; {} khóa học khác đã được xác nhận", t.other_confirmed));
                }
                Some(Prefill { indicator, points, explanation })
            }
            PrefillBasis::DigitalSkills => (t.digital_completed > 0).then(|| Prefill {
                indicator,
                points: 10,
                explanation: format!("đã hoàn thành {} chuyên đề kỹ năng số trong năm {}", t.digital_completed, t.year),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_groups_have_stable_codes_and_bounds() {
        for g in AgeGroup::ALL {
            assert_eq!(AgeGroup::from_code(g.code()), g);
        }
        let of = |b: i64| AgeGroup::of(Some(b), 2026);
        assert_eq!(
            [of(2009), of(2008), of(1991), of(1990), of(1966), of(1965)].map(AgeGroup::code),
            ["duoi-18", "18-35", "18-35", "36-60", "36-60", "tren-60"]
        );
        assert_eq!(AgeGroup::of(None, 2026), AgeGroup::Unknown);
    }

    #[test]
    fn a_learner_is_removed_from_a_class_only_before_any_attendance() {
        assert_eq!(may_unenrol(0), Ok(()));
        assert_eq!(may_unenrol(2), Err(LearningError::AttendedAlready(2)));
        let message = LearningError::AttendedAlready(2).to_string();
        assert!(message.starts_with("Người học: đã có mặt ở 2 buổi"), "{message}");
    }

    #[test]
    fn hours_are_exact_tenths_with_a_vietnamese_comma() {
        assert_eq!(Hours::parse_session("1,5"), Ok(Hours(15)));
        assert_eq!(Hours::parse_session("2"), Ok(Hours(20)));
        assert_eq!(Hours::parse_session(" 2.0 "), Ok(Hours(20)));
        assert!(Hours::parse_session("0").is_err());
        assert!(Hours::parse_session("13").is_err());
        assert!(Hours::parse_session("1,25").is_err());
        assert!(Hours::parse_session("abc").is_err());
        assert_eq!(Hours(185).display(), "18,5");
        assert_eq!(Hours(12_000).display(), "1.200");
    }

    #[test]
    fn codes_round_trip_and_refuse_others() {
        for k in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(k.code()), Ok(*k));
        }
        assert!(ActivityKind::parse("lop").is_err());
        assert!(TopicCode::parse("Kỹ năng số").is_err());
        assert_eq!(TopicCode::parse("ky-nang-so").map(|t| t.as_str().to_string()), Ok("ky-nang-so".to_string()));
    }

    #[test]
    fn completion_needs_four_fifths_of_the_sessions() {
        assert!(completed(3, 3));
        assert!(!completed(2, 3));
        assert!(completed(4, 5));
        assert!(!completed(0, 0));
        assert!(completed(1, 1));
    }

    #[test]
    fn the_record_prefills_learning_and_digital_skill_indicators_with_an_explanation() {
        let t = YearTotals { year: 2026, attended: 4, completed: 3, hours: Hours(180), digital_completed: 1, ..Default::default() };
        let p = prefill("cdht-congdan", &t);
        let shown: Vec<(&str, i64, &str)> = p.iter().map(|x| (x.indicator, x.points, x.explanation.as_str())).collect();
        assert_eq!(
            shown,
            vec![
                ("NL1.3", 10, "đã tham gia 4 chuyên đề, 18 giờ trong năm 2026"),
                ("NL2.1", 10, "đã hoàn thành 1 chuyên đề kỹ năng số trong năm 2026")
            ]
        );
        let none = prefill("cdht-congdan", &YearTotals { year: 2026, ..Default::default() });
        assert!(none.is_empty());
        assert!(prefill("gdht", &t).is_empty());
    }

    #[test]
    fn age_groups_on_the_year() {
        assert_eq!(AgeGroup::of(Some(2010), 2026), AgeGroup::Under18);
        assert_eq!(AgeGroup::of(Some(1995), 2026), AgeGroup::From18To35);
        assert_eq!(AgeGroup::of(Some(1966), 2026), AgeGroup::From36To60);
        assert_eq!(AgeGroup::of(Some(1950), 2026), AgeGroup::Over60);
        assert_eq!(AgeGroup::of(None, 2026), AgeGroup::Unknown);
    }
}
