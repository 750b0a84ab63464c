//! Accounts, roles and scope (tài khoản, vai trò, phạm vi). A user belongs to one unit and
//! acts only inside that unit's subtree as at today; the store answers "is X inside the
//! subtree", this module says which role may do what.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Roles. A user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống: everything, everywhere.
    SystemAdmin,
    /// Cán bộ phụ trách (đơn vị): keeps the registries of the unit.
    UnitOfficer,
    /// Người thẩm định: reviews dossiers.
    Reviewer,
    /// Lãnh đạo ký quyết định (UBND).
    Signer,
    /// Cán bộ Hội Khuyến học.
    AssociationOfficer,
    /// Công dân: assesses themselves.
    Citizen,
    /// Người thẩm định cấp Bộ (Bộ GDĐT): reviews, across the country, the steps the ministry
    /// holds (a province's dossier, a nomination for the Prime Minister's Bằng khen). Reads
    /// everything, writes no registry, never acts at a lower level.
    MinistryReviewer,
}

/// What a request wants to do; checked against the role before the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read local data (villages, audit, users of the subtree).
    ReadLocal,
    /// Add or change villages and area attributes.
    EditUnits,
    /// Reorganise the hierarchy, correct reference data.
    Reorganise,
    /// Create users and reset passwords.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Keep the registries of households, citizens, clans, organisations, centres.
    EditRegistries,
    /// Keep the Hội Khuyến học registries (branches, members, fund ledger).
    EditAssociation,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Self::SystemAdmin,
        Self::UnitOfficer,
        Self::Reviewer,
        Self::Signer,
        Self::AssociationOfficer,
        Self::Citizen,
        Self::MinistryReviewer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::UnitOfficer => "unit_officer",
            Self::Reviewer => "reviewer",
            Self::Signer => "signer",
            Self::AssociationOfficer => "association_officer",
            Self::Citizen => "citizen",
            Self::MinistryReviewer => "ministry_reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SystemAdmin => "Quản trị hệ thống",
            Self::UnitOfficer => "Cán bộ phụ trách đơn vị",
            Self::Reviewer => "Người thẩm định",
            Self::Signer => "Lãnh đạo ký quyết định",
            Self::AssociationOfficer => "Cán bộ Hội Khuyến học",
            Self::Citizen => "Công dân",
            Self::MinistryReviewer => "Người thẩm định cấp Bộ (Bộ GDĐT)",
        }
    }

    /// Whether the role may do the action at all (scope is checked separately).
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match self {
            Self::SystemAdmin => true,
            Self::UnitOfficer => matches!(action, ReadLocal | EditUnits | ManageUsers | ReadAudit | EditRegistries | EditAssociation),
            Self::Reviewer | Self::Signer => matches!(action, ReadLocal | ReadAudit),
            Self::AssociationOfficer => matches!(action, ReadLocal | EditAssociation),
            Self::MinistryReviewer => matches!(action, ReadLocal),
            Self::Citizen => false,
        }
    }

    /// Whether the role works across the whole country rather than inside its unit's subtree.
    pub fn national(self) -> bool {
        matches!(self, Self::SystemAdmin | Self::MinistryReviewer)
    }

    /// Whether the role works with full personal data (CCCD, dates of birth); others see
    /// them masked.
    pub fn sees_personal_data(self) -> bool {
        matches!(self, Self::SystemAdmin | Self::UnitOfficer | Self::AssociationOfficer)
    }

    /// Roles this role may hand out when creating users (never more than it has).
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Self::SystemAdmin => true,
            // A national role is given by the administrator only.
            Self::UnitOfficer => !other.national(),
            _ => false,
        }
    }

    /// Whether the role holds steps of review chains (thẩm định, ký quyết định): the second
    /// pair of eyes on what a unit officer prepares and submits.
    pub fn reviews(self) -> bool {
        matches!(self, Self::Reviewer | Self::Signer | Self::MinistryReviewer)
    }

    /// Whether this role may reset the password of an account holding `target` (and so could
    /// log in as it). Four eyes: a unit officer prepares and submits the dossiers and
    /// nominations that the reviewers and signers of the chain check, so an officer who could
    /// reset a reviewer's or signer's password could approve their own work. Only the
    /// administrator resets those accounts (and national ones); an officer resets the
    /// accounts of its subtree that hold no review step. Nobody resets their own password
    /// this way (changing it asks for the current one).
    pub fn may_reset_password(self, target: Role) -> bool {
        match self {
            Self::SystemAdmin => true,
            Self::UnitOfficer => self.may_grant(target) && !target.reviews() && target != Self::SystemAdmin,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A login name: 3–64 characters of a–z, 0–9, `.`, `_`, `-` (lower-cased), or a 12-digit CCCD.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("tên đăng nhập phải dài từ 3 đến 64 ký tự")]
    Length,
    #[error("tên đăng nhập chỉ gồm chữ không dấu, chữ số và các dấu . _ -")]
    Characters,
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let s = input.trim().to_lowercase();
        if !(3..=64).contains(&s.len()) {
            return Err(UsernameError::Length);
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)) {
            return Err(UsernameError::Characters);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy: at least 10 characters, not all of one class.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("mật khẩu phải có ít nhất 10 ký tự")]
    TooShort,
    #[error("mật khẩu dài quá 200 ký tự")]
    TooLong,
    #[error("mật khẩu phải có cả chữ và số (hoặc ký tự khác)")]
    TooSimple,
}

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let n = input.chars().count();
        if n < 10 {
            return Err(PasswordError::TooShort);
        }
        if n > 200 {
            return Err(PasswordError::TooLong);
        }
        let letters = input.chars().any(char::is_alphabetic);
        let others = input.chars().any(|c| !c.is_alphabetic());
        if !(letters && others) {
            return Err(PasswordError::TooSimple);
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Login throttling (chống dò mật khẩu). Failures are counted under three keys, and each
/// key is locked for a period that doubles with each further failure beyond its limit, up
/// to an hour:
/// - one account from one source address: [`MAX_FAILURES`] (the attacker's address is held
///   back, the real user elsewhere is not);
/// - one source address, all accounts: [`MAX_ADDRESS_FAILURES`] (guessing many names);
/// - one account, all addresses: [`MAX_ACCOUNT_FAILURES`] (guessing from many addresses);
///   this lock holds back only addresses the account has never logged in from, so nobody can
///   keep the signer out of their own office by failing on purpose.
///
/// A refused (locked) attempt counts nothing, and a run of failures is forgotten after
/// [`FORGET_AFTER_SECONDS`] without one.
pub const MAX_FAILURES: u32 = 5;
pub const MAX_ADDRESS_FAILURES: u32 = 20;
pub const MAX_ACCOUNT_FAILURES: u32 = 50;
pub const FORGET_AFTER_SECONDS: i64 = 24 * 3600;

/// Seconds of lock-out after `failures` consecutive failures for the account from one
/// address (0 while under the limit).
pub fn lockout_seconds(failures: u32) -> i64 {
    backoff_seconds(failures, MAX_FAILURES)
}

/// Seconds of lock-out after `failures` consecutive failures under a key whose limit is
/// `limit`: a minute at the limit, doubling, at most an hour.
pub fn backoff_seconds(failures: u32, limit: u32) -> i64 {
    if failures < limit {
        return 0;
    }
    let extra = (failures - limit).min(6);
    (60i64 << extra).min(3600)
}

/// Whether the failure numbered `failures` of a run goes into the audit log: the first and
/// then each doubling (1, 2, 4, 8, …), each row carrying the count. A flood of a million
/// failures writes twenty rows per key, not a million.
pub fn audit_failure(failures: u32) -> bool {
    failures.is_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizens_cannot_edit_and_officers_cannot_make_admins() {
        assert!(!Role::Citizen.may(Action::EditUnits));
        assert!(Role::UnitOfficer.may(Action::EditUnits));
        assert!(!Role::UnitOfficer.may(Action::Reorganise));
        assert!(!Role::UnitOfficer.may_grant(Role::SystemAdmin));
        assert!(Role::SystemAdmin.may_grant(Role::SystemAdmin));
    }

    #[test]
    fn a_ministry_reviewer_reads_the_country_writes_nothing_and_only_the_administrator_makes_one() {
        let r = Role::MinistryReviewer;
        assert!(r.national() && Role::SystemAdmin.national() && !Role::Reviewer.national());
        assert!(r.may(Action::ReadLocal));
        for a in
            [Action::EditUnits, Action::Reorganise, Action::ManageUsers, Action::ReadAudit, Action::EditRegistries, Action::EditAssociation]
        {
            assert!(!r.may(a), "{a:?}");
        }
        assert!(!r.sees_personal_data());
        assert!(!Role::UnitOfficer.may_grant(r) && Role::SystemAdmin.may_grant(r) && !r.may_grant(Role::Reviewer));
        assert_eq!(Role::parse("ministry_reviewer"), Some(r));
    }

    #[test]
    fn only_the_administrator_resets_a_reviewer_or_signer() {
        use Role::*;
        for target in Role::ALL {
            assert!(SystemAdmin.may_reset_password(target), "{target:?}");
        }
        // The officer's dossiers pass through these accounts' review steps.
        for target in [Reviewer, Signer, MinistryReviewer, SystemAdmin] {
            assert!(!UnitOfficer.may_reset_password(target), "{target:?}");
        }
        for target in [UnitOfficer, AssociationOfficer, Citizen] {
            assert!(UnitOfficer.may_reset_password(target), "{target:?}");
        }
        for actor in [Reviewer, Signer, MinistryReviewer, AssociationOfficer, Citizen] {
            for target in Role::ALL {
                assert!(!actor.may_reset_password(target), "{actor:?} → {target:?}");
            }
        }
        // Whoever may reset a reviewing account is never one whose work that account reviews.
        for actor in Role::ALL {
            for target in Role::ALL {
                if target.reviews() && actor.may_reset_password(target) {
                    assert_eq!(actor, SystemAdmin);
                }
            }
        }
    }

    #[test]
    fn usernames_and_passwords_follow_policy() {
        assert_eq!(Username::parse(" Admin ").map(|u| u.0), Ok("admin".into()));
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse("nguyễn"), Err(UsernameError::Characters));
        assert_eq!(NewPassword::parse("ngắn1"), Err(PasswordError::TooShort));
        assert_eq!(NewPassword::parse("chicochuthoi"), Err(PasswordError::TooSimple));
        assert!(NewPassword::parse("hoctap-2025").is_ok());
    }

    #[test]
    fn lockout_grows_and_is_capped() {
        assert_eq!(lockout_seconds(4), 0);
        assert_eq!(lockout_seconds(5), 60);
        assert_eq!(lockout_seconds(6), 120);
        assert_eq!(lockout_seconds(50), 3600);
        assert_eq!(backoff_seconds(19, MAX_ADDRESS_FAILURES), 0);
        assert_eq!(backoff_seconds(20, MAX_ADDRESS_FAILURES), 60);
    }

    #[test]
    fn failures_are_audited_once_per_doubling() {
        let rows = (1..=1_000_000u32).filter(|n| audit_failure(*n)).count();
        assert_eq!(rows, 20);
        assert!(audit_failure(1) && audit_failure(8) && !audit_failure(9));
    }
}
