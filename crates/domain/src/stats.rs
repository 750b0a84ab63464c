//! What each record adds to the statistics counters (số liệu tổng hợp), and when.
//!
//! Counters hold, per unit (commune or above) × year × metric, the *change* of a metric in
//! that year; a stock metric as at 31/12 of year Y is the sum of its changes up to Y, a flow
//! metric (money received in a year) is the change of Y alone. A version of a record valid over
//! `[from, to)` adds its contributions in `year(from)` and takes them back in `year(to)`, so a
//! household that moved village in 2026 counts in the old commune at the end of 2025 and in the
//! new one at the end of 2026. The store applies these deltas in the transaction that writes
//! the record, and `hoctap recount` rebuilds them from every version to prove no drift.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::date::OPEN_END as END_OF_TIME;
use crate::registry::def::{RegistryKind, Value, Values};

/// Whether a metric is a count as at 31/12 of the year or a sum over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Số liệu thời điểm: counted as at 31/12 of the year (units, people, recognitions in force).
    Stock,
    /// Số liệu phát sinh: summed over the calendar year (fund receipts and payments).
    Flow,
}

/// The metrics counted, with their Vietnamese names.
pub const METRICS: &[(&str, &str, MetricKind)] = &[
    ("households", "Số hộ gia đình", MetricKind::Stock),
    ("citizens", "Số công dân", MetricKind::Stock),
    ("citizens_n1", "Công dân nhóm N1 (nông dân, lao động nông thôn)", MetricKind::Stock),
    ("citizens_n2", "Công dân nhóm N2 (công nhân, lao động tự do)", MetricKind::Stock),
    ("citizens_n3", "Công dân nhóm N3 (cán bộ, công chức, viên chức, doanh nhân)", MetricKind::Stock),
    ("citizens_n4", "Công dân nhóm N4 (người học)", MetricKind::Stock),
    ("clans", "Số dòng họ", MetricKind::Stock),
    ("organisations", "Số cơ quan, đơn vị, doanh nghiệp", MetricKind::Stock),
    ("learning_centres", "Số trung tâm học tập cộng đồng", MetricKind::Stock),
    ("learning_centres_it", "TT HTCĐ ứng dụng CNTT trong quản lý, dạy học", MetricKind::Stock),
    ("learning_centres_hkh_chair", "TT HTCĐ có Chủ tịch Hội Khuyến học xã tham gia quản lý", MetricKind::Stock),
    ("association_members", "Số hội viên khuyến học", MetricKind::Stock),
    ("villages", "Số thôn, tổ dân phố", MetricKind::Stock),
    ("communes", "Số xã, phường, đặc khu", MetricKind::Stock),
    ("rec_gdht", "Hộ đạt \"Gia đình học tập\"", MetricKind::Stock),
    ("rec_dhht", "Dòng họ đạt \"Dòng họ học tập\"", MetricKind::Stock),
    ("rec_cdht_thon", "Thôn, tổ dân phố đạt \"Cộng đồng học tập\"", MetricKind::Stock),
    ("rec_dvht", "Đơn vị đạt \"Đơn vị học tập\"", MetricKind::Stock),
    ("rec_cdht", "Công dân đạt \"Công dân học tập\"", MetricKind::Stock),
    ("rec_cdht_n1", "Công dân học tập nhóm N1", MetricKind::Stock),
    ("rec_cdht_n2", "Công dân học tập nhóm N2", MetricKind::Stock),
    ("rec_cdht_n3", "Công dân học tập nhóm N3", MetricKind::Stock),
    ("rec_cdht_n4", "Công dân học tập nhóm N4", MetricKind::Stock),
    ("rec_cdht_xa", "Xã đạt \"Cộng đồng học tập\" cấp xã (mức độ 1 trở lên)", MetricKind::Stock),
    ("rec_cdht_xa_md2", "Xã đạt \"Cộng đồng học tập\" cấp xã mức độ 2", MetricKind::Stock),
    ("fund_receipts", "Thu quỹ khuyến học trong năm (đồng)", MetricKind::Flow),
    ("fund_payments", "Chi quỹ khuyến học trong năm (đồng)", MetricKind::Flow),
    // Hoạt động của TT HTCĐ ghi trên phần mềm (crate::learning), counted in the activity's year.
    ("learning_activities", "Số hoạt động học tập của TT HTCĐ trong năm", MetricKind::Flow),
    ("learning_sessions", "Số buổi học của TT HTCĐ trong năm", MetricKind::Flow),
    ("learning_enrolments", "Số lượt người học tại TT HTCĐ trong năm", MetricKind::Flow),
    ("learning_attendances", "Số lượt điểm danh có mặt tại TT HTCĐ trong năm", MetricKind::Flow),
    ("learning_centres_active", "TT HTCĐ quản lý hoạt động bằng phần mềm trong năm", MetricKind::Flow),
    ("learning_digital_completions", "Lượt người hoàn thành chuyên đề kỹ năng số tại TT HTCĐ trong năm", MetricKind::Flow),
];

/// Metrics counted from the unit tree itself (the number of units of a kind), not from
/// counters.
pub const UNIT_METRICS: &[(&str, &str)] = &[("villages", "village"), ("communes", "commune")];

/// The metric with this id: `(id, Vietnamese name, kind)`.
pub fn metric(id: &str) -> Option<(&'static str, &'static str, MetricKind)> {
    METRICS.iter().copied().find(|(m, _, _)| *m == id)
}

pub fn metric_kind(id: &str) -> Option<MetricKind> {
    metric(id).map(|(_, _, k)| k)
}

/// Whether counters hold the metric (not the unit tree).
pub fn is_counted(id: &str) -> bool {
    metric(id).is_some() && !UNIT_METRICS.iter().any(|(m, _)| *m == id)
}

/// One change of a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delta {
    pub year: i16,
    pub metric: &'static str,
    pub amount: i64,
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// What one version of a registry record counts for (metric, amount), stock metrics only.
/// Fund entries are flows: see [`fund_entry_deltas`].
pub fn registry_contributions(kind: RegistryKind, values: &Values) -> Vec<(&'static str, i64)> {
    match kind {
        RegistryKind::Households => vec![("households", 1)],
        RegistryKind::Citizens => {
            let mut out = vec![("citizens", 1)];
            if let Some(Value::Text(g)) = values.get("occupation_group")
                && let Some(metric) = group_metric("citizens_", g)
            {
                out.push((metric, 1));
            }
            out
        }
        RegistryKind::Clans => vec![("clans", 1)],
        RegistryKind::Organisations => vec![("organisations", 1)],
        RegistryKind::LearningCentres => {
            let mut out = vec![("learning_centres", 1)];
            if is_true(values.get("uses_it")) {
                out.push(("learning_centres_it", 1));
            }
            if is_true(values.get("manager_is_hkh_chair")) {
                out.push(("learning_centres_hkh_chair", 1));
            }
            out
        }
        RegistryKind::AssociationMembers => vec![("association_members", 1)],
        RegistryKind::ClanMembers | RegistryKind::AssociationBranches | RegistryKind::FundEntries => Vec::new(),
    }
}

/// The metric of an occupation group (`N1` → `citizens_n1` with prefix `citizens_`).
fn group_metric(prefix: &str, group: &str) -> Option<&'static str> {
    let id = format!("{prefix}{}", group.to_ascii_lowercase());
    METRICS.iter().map(|(m, ..)| *m).find(|m| *m == id)
}

/// The deltas of one version valid over `[from, to)` (`to` = [`END_OF_TIME`] while open).
pub fn version_deltas(contributions: &[(&'static str, i64)], from: Date, to: Date) -> Vec<Delta> {
    let mut out = Vec::new();
    for (metric, amount) in contributions {
        out.push(Delta { year: from.year(), metric, amount: *amount });
        if to != END_OF_TIME {
            out.push(Delta { year: to.year(), metric, amount: -amount });
        }
    }
    out
}

/// A fund entry's flow: its amount in the year it was posted, as a receipt (`thu_…`) or a
/// payment (`chi_…`); a reversing entry (it names the entry it reverses) counts negatively.
pub fn fund_entry_deltas(values: &Values) -> Vec<Delta> {
    let (Some(Value::Date(posted)), Some(Value::Text(kind)), Some(Value::Int(amount))) =
        (values.get("posted_on"), values.get("kind"), values.get("amount"))
    else {
        return Vec::new();
    };
    let metric = if kind.starts_with("thu") { "fund_receipts" } else { "fund_payments" };
    let reverses = matches!(values.get("reverses"), Some(Value::Text(t)) if !t.is_empty());
    vec![Delta { year: posted.year(), metric, amount: if reverses { -amount } else { *amount } }]
}

/// The metrics a recognition counts for, from the criteria set that granted it, its level
/// and, for a citizen, their occupation group.
pub fn recognition_metrics(set_id: &str, level: &str, citizen_group: Option<&str>) -> Vec<&'static str> {
    match set_id {
        "gdht" | "gdht-2015" => vec!["rec_gdht"],
        "dhht" => vec!["rec_dhht"],
        "cdht-thon" => vec!["rec_cdht_thon"],
        s if s.starts_with("dvht") => vec!["rec_dvht"],
        "cdht-congdan" => {
            let mut out = vec!["rec_cdht"];
            out.extend(citizen_group.and_then(|g| group_metric("rec_cdht_", g)));
            out
        }
        "cdht-xa" | "cdht-xa-tt44" => {
            let mut out = vec!["rec_cdht_xa"];
            if level == "md2" {
                out.push("rec_cdht_xa_md2");
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The period a recognition counts: from its start to the day after its last valid day, or
/// to its revocation, whichever is first (`[from, to)`).
pub fn recognition_period(valid_from: Date, valid_until: Option<Date>, revoked_on: Option<Date>) -> (Date, Date) {
    let expiry = valid_until.and_then(|u| u.tomorrow().ok()).unwrap_or(END_OF_TIME);
    let to = match revoked_on {
        Some(r) if r < expiry => r.max(valid_from),
        _ => expiry,
    };
    (valid_from, to)
}

/// Sums deltas by (year, metric), dropping zeros: the form both the counters and a recount
/// are compared in.
pub fn fold(deltas: impl IntoIterator<Item = Delta>) -> BTreeMap<(i16, &'static str), i64> {
    let mut out: BTreeMap<(i16, &'static str), i64> = BTreeMap::new();
    for d in deltas {
        *out.entry((d.year, d.metric)).or_default() += d.amount;
    }
    out.retain(|_, v| *v != 0);
    out
}

/// A stock metric as at 31/12 of `year` from its yearly changes; a flow metric's value in `year`.
pub fn value_at(kind: MetricKind, changes: &BTreeMap<i16, i64>, year: i16) -> i64 {
    match kind {
        MetricKind::Stock => changes.range(..=year).map(|(_, v)| v).sum(),
        MetricKind::Flow => changes.get(&year).copied().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn a_citizen_counts_in_their_group_and_a_centre_in_its_targets() {
        let mut v = Values::new();
        v.insert("occupation_group", Value::Text("N3".into()));
        assert_eq!(registry_contributions(RegistryKind::Citizens, &v), vec![("citizens", 1), ("citizens_n3", 1)]);
        let mut c = Values::new();
        c.insert("uses_it", Value::Bool(true));
        c.insert("manager_is_hkh_chair", Value::Bool(false));
        assert_eq!(registry_contributions(RegistryKind::LearningCentres, &c), vec![("learning_centres", 1), ("learning_centres_it", 1)]);
    }

    #[test]
    fn recognitions_count_for_their_title_and_level() {
        assert_eq!(recognition_metrics("cdht-xa", "md2", None), vec!["rec_cdht_xa", "rec_cdht_xa_md2"]);
        assert_eq!(recognition_metrics("cdht-congdan", "dat", Some("N2")), vec!["rec_cdht", "rec_cdht_n2"]);
        assert!(recognition_metrics("cdht-tinh", "md1", None).is_empty());
        // Valid through 30/03/2027: still counted at the end of 2026, not of 2027.
        let (from, to) = recognition_period(date(2026, 3, 31), Some(date(2027, 3, 30)), None);
        let d = fold(version_deltas(&[("rec_gdht", 1)], from, to));
        let by_year: BTreeMap<i16, i64> = d.iter().map(|((y, _), v)| (*y, *v)).collect();
        assert_eq!((value_at(MetricKind::Stock, &by_year, 2026), value_at(MetricKind::Stock, &by_year, 2027)), (1, 0));
        // Revoked in 2026: gone by the end of 2026.
        let (from, to) = recognition_period(date(2026, 3, 31), Some(date(2029, 3, 30)), Some(date(2026, 9, 1)));
        assert_eq!(to, date(2026, 9, 1));
        assert!(fold(version_deltas(&[("rec_gdht", 1)], from, to)).is_empty());
    }

    #[test]
    fn a_reversing_entry_takes_its_amount_back() {
        let mut v = Values::new();
        v.insert("posted_on", Value::Date(date(2026, 5, 2)));
        v.insert("kind", Value::Text("thu_ung_ho".into()));
        v.insert("amount", Value::Int(500_000));
        assert_eq!(fund_entry_deltas(&v), vec![Delta { year: 2026, metric: "fund_receipts", amount: 500_000 }]);
        v.insert("reverses", Value::Text("PT-01".into()));
        assert_eq!(fund_entry_deltas(&v)[0].amount, -500_000);
    }

    proptest! {
        /// Splitting a record's life into versions at any dates gives the same stock every year
        /// as one version over the whole life (an update that changes nothing counted changes
        /// nothing).
        #[test]
        fn versions_add_up_to_the_whole_life(start in 2015i16..2030, cuts in proptest::collection::btree_set(1u16..4000, 0..5), ends in proptest::bool::ANY) {
            let from = date(start, 1, 1) + jiff::Span::new().days(i64::from(start % 200));
            let mut bounds: Vec<Date> = vec![from];
            for c in &cuts {
                bounds.push(from + jiff::Span::new().days(i64::from(*c)));
            }
            let to = if ends { *bounds.last().unwrap_or(&from) + jiff::Span::new().days(30) } else { END_OF_TIME };
            bounds.push(to);
            let pieces: Vec<Delta> = bounds.windows(2).flat_map(|w| version_deltas(&[("households", 1)], w[0], w[1])).collect();
            prop_assert_eq!(fold(pieces), fold(version_deltas(&[("households", 1)], from, to)));
        }
    }
}
