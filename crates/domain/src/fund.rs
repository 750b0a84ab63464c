//! The Hội Khuyến học's books (quỹ khuyến học, khuyến tài): the rules of a fund ledger and of
//! the association's own indicators.
//!
//! A ledger belongs to one branch (hội, chi hội) at one level. Every entry is a receipt
//! (`thu_…`: donations, dues, budget support) or a payment (`chi_…`: scholarships, rewards,
//! support to poor learners, running costs); its amount is a positive whole number of đồng and
//! its kind gives the direction. A posted entry is never edited or deleted: a mistake is undone
//! by a **reversing entry** (bút toán đảo) that names it, repeats its kind and amount, and counts
//! with the opposite sign. An entry is reversed at most once, a reversal is never reversed, and
//! both belong to the same branch. So the balance is always the sum of the signed effects of
//! the entries, and a year's opening balance is the closing balance of the years before.
//!
//! The association's figures are not defined here: the membership rate and the fund per
//! inhabitant are the indicators `hkh_membership_rate` and `fund_per_capita`
//! (`data/indicators.toml`, with their formula and source), read from the statistics counters,
//! and their targets come only from a plan that sets one for the unit (Thái Bình's 40% and
//! 80,000đ are targets of CTHĐ 41 for Thái Bình, not rules of the association).

use crate::registry::cell::parse_money_cell;
use crate::registry::reference::FUND_ENTRY_KINDS;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Why an entry or an officer cannot be recorded. Messages are Vietnamese and name the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundError {
    #[error("Số tiền: {0}")]
    BadAmount(String),
    #[error("Nội dung: \"{0}\" không phải một loại thu, chi của sổ quỹ")]
    UnknownKind(String),
    #[error("Người nhận: khoản chi \"{0}\" phải ghi người thụ hưởng (họ tên hoặc CCCD)")]
    BeneficiaryMissing(&'static str),
    #[error("Quyết định: khoản chi \"{0}\" phải ghi quyết định, căn cứ chi")]
    DecisionMissing(&'static str),
    #[error("Đảo bút toán: bút toán {0} thuộc sổ quỹ của hội, chi hội khác")]
    OtherBranch(String),
    #[error("Đảo bút toán: bút toán {0} đã được đảo rồi; mỗi bút toán chỉ đảo một lần")]
    AlreadyReversed(String),
    #[error("Đảo bút toán: bút toán {0} là bút toán đảo, không đảo lại được")]
    ReversalOfReversal(String),
    #[error("Đảo bút toán: bút toán đảo phải cùng nội dung và số tiền với bút toán {0}")]
    NotTheOpposite(String),
    #[error(
        "Lý do chi vượt số dư: khoản chi {amount} làm quỹ âm (số dư hiện có {balance}); nếu vẫn chi (tạm ứng, chi trước thu sau), ghi lý do để xác nhận"
    )]
    WouldGoNegative { balance: Dong, amount: Dong },
    #[error("Chức vụ: \"{0}\" không có trong danh mục chức vụ của Hội")]
    UnknownRole(String),
    #[error("Chức vụ: hội, chi hội đã có {0} đương nhiệm; hãy kết thúc nhiệm kỳ người cũ trước")]
    RoleTaken(&'static str),
}

/// An exact amount of money in đồng. Amounts of entries are positive; balances may be negative
/// (a fund spent beyond what it received shows so, it is not hidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Dong(i64);

impl Dong {
    pub const ZERO: Dong = Dong(0);

    pub fn new(n: i64) -> Dong {
        Dong(n)
    }

    /// Reads the amount of an entry as an officer types it (`80.000`, `80000đ`, `80 000 VND`):
    /// whole đồng, more than zero.
    pub fn parse_amount(raw: &str) -> Result<Dong, FundError> {
        let n = parse_money_cell(raw).map_err(|e| FundError::BadAmount(e.to_string()))?;
        if n <= 0 {
            return Err(FundError::BadAmount("phải lớn hơn 0".into()));
        }
        Ok(Dong(n))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Groups of three digits with dots, as Vietnamese write money: `1.250.000`.
    pub fn grouped(self) -> String {
        crate::text::group_thousands(self.0)
    }
}

impl fmt::Display for Dong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} đ", self.grouped())
    }
}

impl std::ops::Add for Dong {
    type Output = Dong;
    fn add(self, o: Dong) -> Dong {
        Dong(self.0.saturating_add(o.0))
    }
}

impl std::ops::Sub for Dong {
    type Output = Dong;
    fn sub(self, o: Dong) -> Dong {
        Dong(self.0.saturating_sub(o.0))
    }
}

impl std::iter::Sum for Dong {
    fn sum<I: Iterator<Item = Dong>>(it: I) -> Dong {
        it.fold(Dong::ZERO, |a, b| a + b)
    }
}

/// Money coming in or going out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Receipt,
    Payment,
}

/// A kind of entry: one of the registry's `FUND_ENTRY_KINDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EntryKind(&'static str);

impl EntryKind {
    /// Every kind, receipts first, in the registry's order.
    pub fn all() -> impl Iterator<Item = EntryKind> {
        FUND_ENTRY_KINDS.iter().map(|(c, _)| EntryKind(c))
    }

    pub fn parse(code: &str) -> Result<EntryKind, FundError> {
        Self::all().find(|k| k.0 == code.trim()).ok_or_else(|| FundError::UnknownKind(code.trim().to_string()))
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    pub fn label(self) -> &'static str {
        FUND_ENTRY_KINDS.iter().find(|(c, _)| *c == self.0).map(|(_, l)| *l).unwrap_or(self.0)
    }

    pub fn direction(self) -> Direction {
        if self.0.starts_with("thu_") { Direction::Receipt } else { Direction::Payment }
    }

    /// Payments to learners (scholarships, rewards, support to poor pupils): they name their
    /// beneficiary and the decision they carry out, and make the lists the association publishes.
    pub fn is_to_learners(self) -> bool {
        matches!(self.0, "chi_hoc_bong" | "chi_khen_thuong" | "chi_ho_tro")
    }

    /// Donations, listed on the honour roll (sổ vàng).
    pub fn is_donation(self) -> bool {
        self.0 == "thu_ung_ho"
    }
}

/// What an entry does to the balance: + for a receipt, − for a payment, and the opposite for a
/// reversing entry.
pub fn effect(kind: EntryKind, amount: Dong, is_reversal: bool) -> Dong {
    let sign = match (kind.direction(), is_reversal) {
        (Direction::Receipt, false) | (Direction::Payment, true) => 1,
        (Direction::Payment, false) | (Direction::Receipt, true) => -1,
    };
    Dong(amount.0.saturating_mul(sign))
}

/// A new entry, before it is numbered and posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub amount: Dong,
    /// Donor, or beneficiary's name.
    pub counterparty: Option<String>,
    pub beneficiary_cccd: Option<String>,
    pub decision: Option<String>,
}

impl NewEntry {
    /// The rules of an entry on its own: a payment to a learner names who receives it and the
    /// decision it carries out.
    pub fn check(&self) -> Result<(), FundError> {
        if self.amount.0 <= 0 {
            return Err(FundError::BadAmount("phải lớn hơn 0".into()));
        }
        if self.kind.is_to_learners() {
            let named = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
            if !named(&self.counterparty) && !named(&self.beneficiary_cccd) {
                return Err(FundError::BeneficiaryMissing(self.kind.label()));
            }
            if !named(&self.decision) {
                return Err(FundError::DecisionMissing(self.kind.label()));
            }
        }
        Ok(())
    }
}

/// A posted entry as the rules need to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub branch: String,
    pub entry_no: String,
    pub kind: EntryKind,
    pub amount: Dong,
    /// The entry this one reverses, if it is a reversal.
    pub reverses: Option<String>,
}

/// Checks that `reversal` (kind and amount) may reverse `original` in `branch`, given whether
/// `original` already has a reversal.
pub fn check_reversal(branch: &str, original: &Posted, kind: EntryKind, amount: Dong, already_reversed: bool) -> Result<(), FundError> {
    if original.branch != branch {
        return Err(FundError::OtherBranch(original.entry_no.clone()));
    }
    if original.reverses.is_some() {
        return Err(FundError::ReversalOfReversal(original.entry_no.clone()));
    }
    if already_reversed {
        return Err(FundError::AlreadyReversed(original.entry_no.clone()));
    }
    if original.kind != kind || original.amount != amount {
        return Err(FundError::NotTheOpposite(original.entry_no.clone()));
    }
    Ok(())
}

/// The voucher number of the `seq`-th receipt (phiếu thu, `PT-2026-001`) or payment (phiếu chi,
/// `PC-2026-001`) of a ledger in `year`: receipts and payments are numbered in their own
/// sequences, starting again each year, as a cashier numbers them.
pub fn entry_no(direction: Direction, year: i16, seq: i64) -> String {
    format!("{}-{year}-{seq:03}", direction.prefix())
}

impl Direction {
    /// `PT` (phiếu thu) or `PC` (phiếu chi).
    pub fn prefix(self) -> &'static str {
        match self {
            Direction::Receipt => "PT",
            Direction::Payment => "PC",
        }
    }

    /// The voucher's title.
    pub fn voucher_title(self) -> &'static str {
        match self {
            Direction::Receipt => "PHIẾU THU",
            Direction::Payment => "PHIẾU CHI",
        }
    }
}

/// Checks that posting an entry that changes the balance by `effect` keeps the fund from going
/// negative, unless the poster confirms it with a reason (an advance, a payment before the
/// money comes in). `balance` is the ledger's balance before the entry.
pub fn check_balance(balance: Dong, effect: Dong, reason: Option<&str>) -> Result<(), FundError> {
    let after = balance + effect;
    let confirmed = reason.is_some_and(|r| !r.trim().is_empty());
    if effect < Dong::ZERO && after < Dong::ZERO && !confirmed {
        return Err(FundError::WouldGoNegative { balance, amount: Dong(effect.0.saturating_neg()) });
    }
    Ok(())
}

/// An amount in Vietnamese words, as a voucher writes it below the figures ("Viết bằng chữ"):
/// `1.500.000` → "Một triệu năm trăm nghìn đồng".
pub fn amount_in_words(amount: Dong) -> String {
    const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];
    // Three digits, `full` when a higher group came before (then "không trăm", "linh" are said).
    fn triple(n: u64, full: bool) -> Vec<&'static str> {
        let digit = |d: u64| DIGITS.get(usize::try_from(d).unwrap_or(0)).copied().unwrap_or("");
        let (h, t, u) = (n / 100 % 10, n / 10 % 10, n % 10);
        let mut w = Vec::new();
        if h > 0 || full {
            w.extend([digit(h), "trăm"]);
        }
        match t {
            0 if u > 0 && (h > 0 || full) => w.push("linh"),
            0 => {}
            1 => w.push("mười"),
            _ => w.extend([digit(t), "mươi"]),
        }
        match u {
            0 => {}
            1 if t > 1 => w.push("mốt"),
            4 if t > 1 => w.push("tư"),
            5 if t > 0 => w.push("lăm"),
            _ => w.push(digit(u)),
        }
        w
    }
    let n = amount.0.unsigned_abs();
    let mut words: Vec<&str> = Vec::new();
    if n == 0 {
        words.push("không");
    }
    let groups = [
        (1_000_000_000_000_000_000u64, "tỷ tỷ"),
        (1_000_000_000_000_000, "triệu tỷ"),
        (1_000_000_000_000, "nghìn tỷ"),
        (1_000_000_000, "tỷ"),
        (1_000_000, "triệu"),
        (1_000, "nghìn"),
        (1, ""),
    ];
    let mut started = false;
    for (size, name) in groups {
        let g = (n / size) % 1000;
        if g > 0 {
            words.extend(triple(g, started));
            if !name.is_empty() {
                words.push(name);
            }
            started = true;
        }
    }
    let text = format!("{}{} đồng", if amount.0 < 0 { "âm " } else { "" }, words.join(" "));
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A total of entries of one kind, split by whether they are reversals (what an SQL
/// `GROUP BY kind, reversal` returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindTotal {
    pub kind: EntryKind,
    pub is_reversal: bool,
    pub sum: Dong,
}

/// One line of a year's balance: a kind and its net amount (reversals deducted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindLine {
    pub kind: EntryKind,
    pub label: &'static str,
    pub amount: Dong,
}

/// The balance of a ledger for one year (báo cáo thu chi quỹ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearBalance {
    pub year: i16,
    pub opening: Dong,
    pub receipts: Vec<KindLine>,
    pub payments: Vec<KindLine>,
    pub total_receipts: Dong,
    pub total_payments: Dong,
    pub closing: Dong,
}

/// Net amount per kind: entries minus their reversals.
fn net_by_kind(totals: &[KindTotal]) -> BTreeMap<EntryKind, Dong> {
    let mut net: BTreeMap<EntryKind, Dong> = BTreeMap::new();
    for t in totals {
        let slot = net.entry(t.kind).or_default();
        *slot = if t.is_reversal { *slot - t.sum } else { *slot + t.sum };
    }
    net
}

/// The balance of `year` from the totals of the entries posted before it and in it.
pub fn year_balance(year: i16, before: &[KindTotal], within: &[KindTotal]) -> YearBalance {
    let opening = before.iter().map(|t| effect(t.kind, t.sum, t.is_reversal)).sum();
    let net = net_by_kind(within);
    let lines = |dir: Direction| -> Vec<KindLine> {
        EntryKind::all()
            .filter(|k| k.direction() == dir)
            .map(|k| KindLine { kind: k, label: k.label(), amount: net.get(&k).copied().unwrap_or_default() })
            .collect()
    };
    let receipts = lines(Direction::Receipt);
    let payments = lines(Direction::Payment);
    let total_receipts: Dong = receipts.iter().map(|l| l.amount).sum();
    let total_payments: Dong = payments.iter().map(|l| l.amount).sum();
    YearBalance { year, opening, closing: opening + total_receipts - total_payments, receipts, payments, total_receipts, total_payments }
}

/// Balances of every year that has entries, carried forward, from single entries
/// (year, kind, amount, is reversal); years without entries in between are shown too.
pub fn balances_by_year(entries: impl IntoIterator<Item = (i16, EntryKind, Dong, bool)>) -> Vec<YearBalance> {
    let mut by_year: BTreeMap<i16, Vec<KindTotal>> = BTreeMap::new();
    for (year, kind, sum, is_reversal) in entries {
        by_year.entry(year).or_default().push(KindTotal { kind, is_reversal, sum });
    }
    let (Some(first), Some(last)) = (by_year.keys().next().copied(), by_year.keys().last().copied()) else { return Vec::new() };
    let mut before: Vec<KindTotal> = Vec::new();
    let mut out = Vec::new();
    for year in first..=last {
        let within = by_year.remove(&year).unwrap_or_default();
        out.push(year_balance(year, &before, &within));
        before.extend(within);
    }
    out
}

/// Offices of a branch's committee (Ban Chấp hành, Ban Thường vụ) and of a chi hội.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficerRole {
    ChuTich,
    PhoChuTich,
    UyVienThuongVu,
    UyVienBanChapHanh,
    ChiHoiTruong,
    ChiHoiPho,
    ThuKy,
    ThuQuy,
    TruongBanKiemTra,
}

impl OfficerRole {
    pub const ALL: [OfficerRole; 9] = [
        Self::ChuTich,
        Self::PhoChuTich,
        Self::UyVienThuongVu,
        Self::UyVienBanChapHanh,
        Self::ChiHoiTruong,
        Self::ChiHoiPho,
        Self::ThuKy,
        Self::ThuQuy,
        Self::TruongBanKiemTra,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ChuTich => "chu_tich",
            Self::PhoChuTich => "pho_chu_tich",
            Self::UyVienThuongVu => "uy_vien_thuong_vu",
            Self::UyVienBanChapHanh => "uy_vien_bch",
            Self::ChiHoiTruong => "chi_hoi_truong",
            Self::ChiHoiPho => "chi_hoi_pho",
            Self::ThuKy => "thu_ky",
            Self::ThuQuy => "thu_quy",
            Self::TruongBanKiemTra => "truong_ban_kiem_tra",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ChuTich => "Chủ tịch",
            Self::PhoChuTich => "Phó Chủ tịch",
            Self::UyVienThuongVu => "Ủy viên Ban Thường vụ",
            Self::UyVienBanChapHanh => "Ủy viên Ban Chấp hành",
            Self::ChiHoiTruong => "Chi hội trưởng",
            Self::ChiHoiPho => "Chi hội phó",
            Self::ThuKy => "Thư ký",
            Self::ThuQuy => "Thủ quỹ",
            Self::TruongBanKiemTra => "Trưởng Ban Kiểm tra",
        }
    }

    /// Reads a code or a label, with or without diacritics.
    pub fn parse(raw: &str) -> Result<OfficerRole, FundError> {
        let pairs: Vec<(&'static str, &'static str)> = Self::ALL.iter().map(|r| (r.code(), r.label())).collect();
        let code = crate::registry::reference::parse_coded(&pairs, raw).ok_or_else(|| FundError::UnknownRole(raw.trim().to_string()))?;
        Self::ALL.into_iter().find(|r| r.code() == code).ok_or_else(|| FundError::UnknownRole(raw.trim().to_string()))
    }

    /// Offices only one person holds at a time in a branch.
    pub fn is_single(self) -> bool {
        matches!(self, Self::ChuTich | Self::ChiHoiTruong | Self::ThuQuy | Self::TruongBanKiemTra)
    }

    /// Order in lists: head first.
    pub fn rank(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(usize::MAX)
    }
}

/// Checks that `role` may be given to one more person while `current` are held.
pub fn check_officer(current: &[OfficerRole], role: OfficerRole) -> Result<(), FundError> {
    if role.is_single() && current.contains(&role) {
        return Err(FundError::RoleTaken(role.label()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kind(code: &str) -> EntryKind {
        EntryKind::parse(code).unwrap_or(EntryKind("thu_khac"))
    }

    #[test]
    fn receipts_add_and_payments_subtract_and_reversals_undo() {
        let d = Dong::new(500_000);
        assert_eq!(effect(kind("thu_ung_ho"), d, false), Dong::new(500_000));
        assert_eq!(effect(kind("chi_hoc_bong"), d, false), Dong::new(-500_000));
        assert_eq!(effect(kind("thu_ung_ho"), d, true), Dong::new(-500_000));
        assert_eq!(effect(kind("chi_hoc_bong"), d, true), Dong::new(500_000));
    }

    #[test]
    fn amounts_are_read_in_vietnamese_notation_and_must_be_positive() {
        assert_eq!(Dong::parse_amount("80.000đ"), Ok(Dong::new(80_000)));
        assert_eq!(Dong::parse_amount("1 250 000 VND"), Ok(Dong::new(1_250_000)));
        assert!(matches!(Dong::parse_amount("0"), Err(FundError::BadAmount(_))));
        assert!(matches!(Dong::parse_amount("-5"), Err(FundError::BadAmount(_))));
        assert!(Dong::parse_amount("năm trăm").is_err_and(|e| e.to_string().starts_with("Số tiền")));
        assert_eq!(Dong::new(1_250_000).to_string(), "1.250.000 đ");
        assert_eq!(Dong::new(-80_000).grouped(), "-80.000");
        assert_eq!(Dong::new(999).grouped(), "999");
    }

    #[test]
    fn a_scholarship_names_its_beneficiary_and_decision() {
        let mut e = NewEntry {
            kind: kind("chi_hoc_bong"),
            amount: Dong::new(1_000_000),
            counterparty: None,
            beneficiary_cccd: None,
            decision: Some("QĐ 05/QĐ-HKH".into()),
        };
        assert_eq!(e.check(), Err(FundError::BeneficiaryMissing("Chi học bổng")));
        e.counterparty = Some("Lục Thị Mai".into());
        assert_eq!(e.check(), Ok(()));
        e.decision = Some("  ".into());
        assert_eq!(e.check(), Err(FundError::DecisionMissing("Chi học bổng")));
        let running = NewEntry {
            kind: kind("chi_hoat_dong"),
            amount: Dong::new(300_000),
            counterparty: None,
            beneficiary_cccd: None,
            decision: None,
        };
        assert_eq!(running.check(), Ok(()));
    }

    #[test]
    fn a_reversal_is_for_the_same_branch_kind_and_amount_and_only_once() {
        let original = Posted {
            branch: "HKH-1".into(),
            entry_no: "PT-000001".into(),
            kind: kind("thu_ung_ho"),
            amount: Dong::new(2_000_000),
            reverses: None,
        };
        assert_eq!(check_reversal("HKH-1", &original, original.kind, original.amount, false), Ok(()));
        assert_eq!(
            check_reversal("HKH-2", &original, original.kind, original.amount, false),
            Err(FundError::OtherBranch("PT-000001".into()))
        );
        assert_eq!(
            check_reversal("HKH-1", &original, original.kind, original.amount, true),
            Err(FundError::AlreadyReversed("PT-000001".into()))
        );
        assert_eq!(
            check_reversal("HKH-1", &original, original.kind, Dong::new(1), false),
            Err(FundError::NotTheOpposite("PT-000001".into()))
        );
        let reversal = Posted { reverses: Some("PT-000001".into()), entry_no: "PT-000002".into(), ..original.clone() };
        assert_eq!(
            check_reversal("HKH-1", &reversal, original.kind, original.amount, false),
            Err(FundError::ReversalOfReversal("PT-000002".into()))
        );
    }

    #[test]
    fn vouchers_are_numbered_by_direction_and_year() {
        assert_eq!(entry_no(Direction::Receipt, 2026, 12), "PT-2026-012");
        assert_eq!(entry_no(Direction::Payment, 2026, 1), "PC-2026-001");
        assert_eq!(entry_no(Direction::Payment, 2026, 1234), "PC-2026-1234");
    }

    #[test]
    fn a_payment_beyond_the_balance_needs_a_reason() {
        let (balance, pay) = (Dong::new(500_000), Dong::new(-800_000));
        assert_eq!(check_balance(balance, pay, None), Err(FundError::WouldGoNegative { balance, amount: Dong::new(800_000) }));
        assert!(check_balance(balance, pay, Some("  ")).is_err());
        assert_eq!(check_balance(balance, pay, Some("Tạm ứng học bổng, chờ ngân sách")), Ok(()));
        assert_eq!(check_balance(balance, Dong::new(-500_000), None), Ok(()), "to zero is allowed");
        assert_eq!(check_balance(Dong::new(-100), Dong::new(50), None), Ok(()), "a receipt is never refused");
        let e = FundError::WouldGoNegative { balance, amount: Dong::new(800_000) }.to_string();
        assert!(e.starts_with("Lý do chi vượt số dư") && e.contains("800.000 đ") && e.contains("500.000 đ"), "{e}");
    }

    #[test]
    fn amounts_are_written_in_words() {
        let w = |n: i64| amount_in_words(Dong::new(n));
        assert_eq!(w(1_500_000), "Một triệu năm trăm nghìn đồng");
        assert_eq!(w(2_025_000), "Hai triệu không trăm hai mươi lăm nghìn đồng");
        assert_eq!(w(105), "Một trăm linh năm đồng");
        assert_eq!(w(21), "Hai mươi mốt đồng");
        assert_eq!(w(15), "Mười lăm đồng");
        assert_eq!(w(54), "Năm mươi tư đồng");
        assert_eq!(w(1_000_000_010), "Một tỷ không trăm mười đồng");
        assert_eq!(w(0), "Không đồng");
        assert_eq!(w(300_000), "Ba trăm nghìn đồng");
    }

    #[test]
    fn offices_held_by_one_person_are_not_given_twice() {
        assert_eq!(OfficerRole::parse("Chủ tịch"), Ok(OfficerRole::ChuTich));
        assert_eq!(OfficerRole::parse("chi hoi truong"), Ok(OfficerRole::ChiHoiTruong));
        assert!(OfficerRole::parse("giám đốc").is_err());
        assert_eq!(check_officer(&[OfficerRole::ChuTich], OfficerRole::ChuTich), Err(FundError::RoleTaken("Chủ tịch")));
        assert_eq!(check_officer(&[OfficerRole::PhoChuTich], OfficerRole::PhoChuTich), Ok(()));
    }

    #[test]
    fn a_year_balance_carries_the_years_before() {
        let b = balances_by_year([
            (2023, kind("thu_ung_ho"), Dong::new(1_000_000), false),
            (2025, kind("chi_hoc_bong"), Dong::new(300_000), false),
            (2025, kind("thu_hoi_phi"), Dong::new(50_000), false),
            (2025, kind("thu_hoi_phi"), Dong::new(50_000), true),
        ]);
        assert_eq!(b.iter().map(|y| y.year).collect::<Vec<_>>(), vec![2023, 2024, 2025]);
        assert_eq!(b.get(1).map(|y| (y.opening, y.closing)), Some((Dong::new(1_000_000), Dong::new(1_000_000))));
        let y = b.get(2).cloned().unwrap_or_else(|| year_balance(0, &[], &[]));
        assert_eq!(
            (y.opening, y.total_receipts, y.total_payments, y.closing),
            (Dong::new(1_000_000), Dong::ZERO, Dong::new(300_000), Dong::new(700_000))
        );
    }

    fn arb_entry() -> impl Strategy<Value = (i16, usize, i64, bool)> {
        (2020i16..2027, 0usize..FUND_ENTRY_KINDS.len(), 1i64..50_000_000, any::<bool>())
    }

    proptest! {
        /// Whatever the entries, the closing balance of the last year is the sum of their
        /// signed effects, and every year opens with the previous year's closing balance.
        #[test]
        fn the_balance_is_the_sum_of_the_entries(entries in proptest::collection::vec(arb_entry(), 0..60)) {
            let kinds: Vec<EntryKind> = EntryKind::all().collect();
            let typed: Vec<(i16, EntryKind, Dong, bool)> = entries
                .iter()
                .filter_map(|(y, k, a, r)| kinds.get(*k).map(|k| (*y, *k, Dong::new(*a), *r)))
                .collect();
            let sum: Dong = typed.iter().map(|(_, k, a, r)| effect(*k, *a, *r)).sum();
            let years = balances_by_year(typed.clone());
            prop_assert_eq!(years.last().map(|y| y.closing).unwrap_or_default(), sum);
            for pair in years.windows(2) {
                if let [a, b] = pair {
                    prop_assert_eq!(a.closing, b.opening);
                    prop_assert_eq!(b.year, a.year + 1);
                }
            }
            for y in &years {
                prop_assert_eq!(y.closing, y.opening + y.total_receipts - y.total_payments);
            }
        }

        /// An entry followed by its reversal leaves every balance line as it was.
        #[test]
        fn a_reversal_cancels_its_entry(entries in proptest::collection::vec(arb_entry(), 0..30), extra in arb_entry()) {
            let kinds: Vec<EntryKind> = EntryKind::all().collect();
            let base: Vec<(i16, EntryKind, Dong, bool)> = entries.iter().filter_map(|(y, k, a, _)| kinds.get(*k).map(|k| (*y, *k, Dong::new(*a), false))).collect();
            let Some(k) = kinds.get(extra.1).copied() else { return Ok(()) };
            let mut with = base.clone();
            with.push((extra.0, k, Dong::new(extra.2), false));
            with.push((extra.0, k, Dong::new(extra.2), true));
            let a = balances_by_year(base);
            let b = balances_by_year(with);
            let closing = |v: &[YearBalance]| v.last().map(|y| y.closing).unwrap_or_default();
            prop_assert_eq!(closing(&a), closing(&b));
        }

        #[test]
        fn grouping_reads_back(n in 0i64..1_000_000_000_000) {
            let g = Dong::new(n).grouped();
            prop_assert_eq!(Dong::parse_amount(&g).ok().map(Dong::get).unwrap_or(0), n);
        }
    }
}
