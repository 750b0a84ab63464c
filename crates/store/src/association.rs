//! The Hội Khuyến học beyond its registries: posting to a branch's fund ledger (numbered on a
//! per-ledger sequence, so concurrent postings take turns and never lose or share a number),
//! reversing entries, balances by year from SQL aggregates, the donors' honour roll, payments
//! to learners, officers with their terms, and membership cards with a public code.
//!
//! Branches, members and entries themselves are the generic registries `hoi-khuyen-hoc`,
//! `hoi-vien` and `quy-khuyen-hoc`; the rules are `hoctap_domain::fund`.

use crate::audit::{AuditEntry, record};
use crate::db::{Conn, Row};
use crate::registry::{RegistryRecord, UnitCache, WriteRules, insert, place};
use crate::{Actor, Result, Store, StoreError, date_text, now_text, parse_date_col};
use hoctap_domain::date::{OPEN_END, Validity};
use hoctap_domain::fund::{
    Dong, EntryKind, FundError, KindTotal, NewEntry, OfficerRole, Posted, YearBalance, check_balance, check_officer, check_reversal,
    effect, entry_no, year_balance,
};
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, FUND_ENTRIES, RegistryKind, Value, Values};
use jiff::civil::{Date, date};
use serde::Serialize;

/// A branch (hội, chi hội) as the association pages need it.
#[derive(Debug, Clone, Serialize)]
pub struct BranchRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Label of the level (Cấp xã, Chi hội…).
    pub level: String,
    /// The unit the branch works in (its scope).
    pub unit_id: i64,
    pub host: String,
    pub chair_name: String,
}

impl BranchRow {
    fn from_record(r: &RegistryRecord) -> BranchRow {
        let text = |c: &str| {
            r.values
                .get(c)
                .map(|v| v.display(ASSOCIATION_BRANCHES.field(c).map(|f| f.ty).unwrap_or(hoctap_domain::registry::def::FieldType::Code)))
                .unwrap_or_default()
        };
        BranchRow {
            id: r.id,
            code: text("code"),
            name: text("name"),
            level: text("level"),
            unit_id: r.unit_id,
            host: text("host"),
            chair_name: text("chair_name"),
        }
    }
}

/// A posted entry of a fund ledger.
#[derive(Debug, Clone, Serialize)]
pub struct FundEntryRow {
    pub id: i64,
    pub entry_no: String,
    pub posted_on: Date,
    pub kind: EntryKind,
    pub amount: Dong,
    pub counterparty: Option<String>,
    pub beneficiary_cccd: Option<String>,
    pub decision: Option<String>,
    /// The entry this one reverses.
    pub reverses: Option<String>,
    /// The entry that reversed this one.
    pub reversed_by: Option<String>,
}

impl FundEntryRow {
    /// What the entry does to the balance.
    pub fn effect(&self) -> Dong {
        hoctap_domain::fund::effect(self.kind, self.amount, self.reverses.is_some())
    }
}

/// An officer of a branch and the term of office.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerRow {
    pub id: i64,
    pub branch_id: i64,
    pub full_name: String,
    pub role: OfficerRole,
    pub phone: Option<String>,
    pub term: Validity,
}

/// A donor on the honour roll (sổ vàng): net donations of the period.
#[derive(Debug, Clone, Serialize)]
pub struct Donor {
    pub name: String,
    pub total: Dong,
    pub gifts: i64,
}

/// A member's dues (hội phí) for a year: what the member owes and, once paid, the receipt.
#[derive(Debug, Clone, Serialize)]
pub struct DuesLine {
    pub member_id: i64,
    pub full_name: String,
    /// Hội phí mỗi năm as the member's record states it.
    pub due: Option<Dong>,
    /// Paid: (amount, receipt number, date).
    pub paid: Option<(Dong, String, Date)>,
}

/// What a membership card's public check shows.
#[derive(Debug, Clone, Serialize)]
pub struct CardCheck {
    pub full_name: String,
    pub branch_name: String,
    pub joined_on: Option<Date>,
    pub issued_on: Date,
    /// Still a member today.
    pub active: bool,
}

const ENTRY_COLUMNS: &str = "e.id, e.entry_no, e.posted_on, e.kind, e.amount, e.counterparty, e.beneficiary_cccd, e.decision, e.reverses, \
     (SELECT r.entry_no FROM reg_fund_entries r WHERE r.branch = e.branch AND r.reverses = e.entry_no) AS reversed_by";

fn entry_from_row(r: &Row) -> Result<FundEntryRow> {
    let kind: String = r.try_get("kind")?;
    Ok(FundEntryRow {
        id: r.i64("id")?,
        entry_no: r.opt_text("entry_no")?.unwrap_or_default(),
        posted_on: parse_date_col(&r.opt_text("posted_on")?.unwrap_or_default())?,
        kind: EntryKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        amount: Dong::new(r.opt_i64("amount")?.unwrap_or(0)),
        counterparty: r.try_get("counterparty")?,
        beneficiary_cccd: r.try_get("beneficiary_cccd")?,
        decision: r.try_get("decision")?,
        reverses: r.try_get("reverses")?,
        reversed_by: r.try_get("reversed_by")?,
    })
}

fn fund_error(e: FundError) -> StoreError {
    let field = match e {
        FundError::BadAmount(_) => "amount",
        FundError::UnknownKind(_) => "kind",
        FundError::BeneficiaryMissing(_) => "counterparty",
        FundError::DecisionMissing(_) => "decision",
        FundError::OtherBranch(_) | FundError::AlreadyReversed(_) | FundError::ReversalOfReversal(_) | FundError::NotTheOpposite(_) => {
            "reverses"
        }
        FundError::UnknownRole(_) | FundError::RoleTaken(_) => "role",
        FundError::WouldGoNegative { .. } => "overdraft_reason",
    };
    StoreError::invalid(field, e.to_string())
}

/// The first and the last day of a year, half-open: [1/1/year, 1/1/year+1).
fn year_bounds(year: i16) -> (String, String) {
    (date_text(date(year, 1, 1)), date_text(date(year.saturating_add(1), 1, 1)))
}

async fn entry_by_no(conn: &mut Conn, branch: &str, no: &str) -> Result<Option<FundEntryRow>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM reg_fund_entries e WHERE e.branch = $1 AND e.entry_no = $2");
    crate::db::query(sqlx::AssertSqlSafe(sql))
        .bind(branch)
        .bind(no)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(entry_from_row)
        .transpose()
}

/// Checks a fund entry against the ledger's rules inside the writing transaction: the entry on
/// its own, and a reversal against the entry it names. Used by postings and by the generic
/// registry (form, API, import), so no path can write an entry the rules refuse.
pub(crate) async fn check_entry(conn: &mut Conn, values: &Values) -> Result<()> {
    let text = |c: &str| match values.get(c) {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let kind = EntryKind::parse(&text("kind").unwrap_or_default()).map_err(fund_error)?;
    let amount = match values.get("amount") {
        Some(Value::Int(n)) => Dong::new(*n),
        _ => Dong::ZERO,
    };
    let Some(reverses) = text("reverses") else {
        return NewEntry {
            kind,
            amount,
            counterparty: text("counterparty"),
            beneficiary_cccd: text("beneficiary_cccd"),
            decision: text("decision"),
        }
        .check()
        .map_err(fund_error);
    };
    let branch = text("branch").unwrap_or_default();
    // The entry is looked up in any ledger: one of another branch is refused by name.
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, e.branch FROM reg_fund_entries e WHERE e.entry_no = $1 ORDER BY CASE WHEN e.branch = $2 THEN 0 ELSE 1 END"
    );
    let row = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(&reverses).bind(&branch).fetch_optional(&mut *conn).await?;
    let Some(row) = row else {
        return Err(StoreError::invalid("reverses", format!("Đảo bút toán: không có bút toán số {reverses} trong sổ quỹ")));
    };
    let original = entry_from_row(&row)?;
    let posted = Posted {
        branch: row.try_get("branch")?,
        entry_no: original.entry_no.clone(),
        kind: original.kind,
        amount: original.amount,
        reverses: original.reverses.clone(),
    };
    check_reversal(&branch, &posted, kind, amount, original.reversed_by.is_some()).map_err(fund_error)
}

impl Store {
    /// A branch by its internal id.
    #[inline(never)]
    pub fn branch<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<BranchRow>> {
        Box::pin(async move {
            let r = self.registry_get(&ASSOCIATION_BRANCHES, id).await.map_err(|_| StoreError::NotFound("hội, chi hội"))?;
            Ok(BranchRow::from_record(&r))
        })
    }

    /// A branch by its code.
    #[inline(never)]
    pub fn branch_by_code<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, code: &'l2 str) -> crate::BoxFut<'fut, Result<BranchRow>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT id FROM reg_association_branches WHERE code = $1")
                .bind(code.trim().to_ascii_uppercase())
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("hội, chi hội"))?;
            self.branch(row.i64("id")?).await
        })
    }

    /// Posts an entry to a branch's ledger (see [`Store::fund_post_confirmed`]); a payment that
    /// would make the fund negative is refused.
    #[inline(never)]
    pub fn fund_post<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        branch: &'l3 BranchRow,
        entry: &'l4 NewEntry,
        reverses: Option<&'l5 str>,
        posted_on: Date,
        scope: Option<i64>,
    ) -> crate::BoxFut<'fut, Result<FundEntryRow>> {
        Box::pin(async move { self.fund_post_confirmed(actor, branch, entry, reverses, posted_on, scope, None).await })
    }

    /// Posts an entry to a branch's ledger: the ledger's row is raised as the transaction's first
    /// write, so concurrent postings wait for each other; the voucher is numbered in its yearly
    /// sequence (`PT-2026-001`, `PC-2026-001`); a payment that would make the fund negative is
    /// refused unless `overdraft_reason` confirms it; the entry, its checks and its audit entry
    /// are one transaction.
    #[tracing::instrument(name = "store.fund_post", skip_all, fields(branch = branch.id))]
    #[expect(clippy::too_many_arguments, reason = "a posting's parts, named at every call")]
    #[inline(never)]
    pub fn fund_post_confirmed<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut, 'l6: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        branch: &'l3 BranchRow,
        entry: &'l4 NewEntry,
        reverses: Option<&'l5 str>,
        posted_on: Date,
        scope: Option<i64>,
        overdraft_reason: Option<&'l6 str>,
    ) -> crate::BoxFut<'fut, Result<FundEntryRow>> {
        Box::pin(async move {
            if reverses.is_none() {
                entry.check().map_err(fund_error)?;
            }
            let mut tx = self.begin().await?;
            let stored = post_in(&mut tx, actor, branch, entry, reverses, posted_on, scope, overdraft_reason).await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Reverses a posted entry: a new entry with the same kind and amount that counts the
    /// other way, naming the original; at most once per entry.
    #[inline(never)]
    pub fn fund_reverse<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        branch: &'l3 BranchRow,
        no: &'l4 str,
        reason: &'l5 str,
        posted_on: Date,
        scope: Option<i64>,
    ) -> crate::BoxFut<'fut, Result<FundEntryRow>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            let original = entry_by_no(&mut conn, &branch.code, no.trim()).await?.ok_or(StoreError::NotFound("bút toán"))?;
            drop(conn);
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(StoreError::invalid("reason", "Lý do đảo: không được để trống"));
            }
            let entry = NewEntry {
                kind: original.kind,
                amount: original.amount,
                counterparty: original.counterparty.clone(),
                beneficiary_cccd: original.beneficiary_cccd.clone(),
                decision: Some(format!("Đảo {}: {}", original.entry_no, reason).chars().take(200).collect()),
            };
            self.fund_post(actor, branch, &entry, Some(&original.entry_no), posted_on, scope).await
        })
    }

    /// A ledger's entries, in posting order, for one year or all.
    #[inline(never)]
    pub fn fund_entries<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        branch: &'l2 str,
        year: Option<i16>,
    ) -> crate::BoxFut<'fut, Result<Vec<FundEntryRow>>> {
        Box::pin(async move {
            let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM reg_fund_entries e WHERE e.branch = $1");
            if year.is_some() {
                sql.push_str(" AND e.posted_on >= $2 AND e.posted_on < $3");
            }
            sql.push_str(" ORDER BY e.posted_on, e.id");
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(branch);
            if let Some(y) = year {
                let (from, to) = year_bounds(y);
                q = q.bind(from).bind(to);
            }
            q.fetch_all(self.pool()).await?.iter().map(entry_from_row).collect()
        })
    }

    /// Totals by kind and reversal, posted in [from, to).
    async fn fund_totals(&self, branch: &str, from: Option<&str>, to: &str) -> Result<Vec<KindTotal>> {
        let mut conn = self.pool().acquire().await?;
        totals_in(&mut conn, branch, from, Some(to)).await
    }

    /// The balance of one year (sổ quỹ): opening, receipts and payments by kind, closing.
    #[inline(never)]
    pub fn fund_balance<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, branch: &'l2 str, year: i16) -> crate::BoxFut<'fut, Result<YearBalance>> {
        Box::pin(async move {
            let (from, to) = year_bounds(year);
            let before = self.fund_totals(branch, None, &from).await?;
            let within = self.fund_totals(branch, Some(&from), &to).await?;
            Ok(year_balance(year, &before, &within))
        })
    }

    /// The years that have entries, first to last.
    #[inline(never)]
    pub fn fund_years<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, branch: &'l2 str) -> crate::BoxFut<'fut, Result<Vec<i16>>> {
        Box::pin(async move {
            let row = crate::db::query("SELECT MIN(posted_on) AS first, MAX(posted_on) AS last FROM reg_fund_entries WHERE branch = $1")
                .bind(branch)
                .fetch_one(self.pool())
                .await?;
            let first: Option<String> = row.try_get("first")?;
            let last: Option<String> = row.try_get("last")?;
            match (first, last) {
                (Some(f), Some(l)) => Ok((parse_date_col(&f)?.year()..=parse_date_col(&l)?.year()).collect()),
                _ => Ok(Vec::new()),
            }
        })
    }

    /// The donors' honour roll (sổ vàng): donations net of reversals, largest first.
    #[inline(never)]
    pub fn fund_donors<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        branch: &'l2 str,
        year: Option<i16>,
    ) -> crate::BoxFut<'fut, Result<Vec<Donor>>> {
        Box::pin(async move {
            let mut sql =
            "SELECT e.counterparty AS name, CAST(SUM(CASE WHEN e.reverses IS NULL THEN e.amount ELSE -e.amount END) AS BIGINT) AS total, \
                       SUM(CASE WHEN e.reverses IS NULL THEN 1 ELSE -1 END) AS gifts \
                       FROM reg_fund_entries e WHERE e.branch = $1 AND e.kind = 'thu_ung_ho' AND e.counterparty IS NOT NULL"
                .to_string();
            if year.is_some() {
                sql.push_str(" AND e.posted_on >= $2 AND e.posted_on < $3");
            }
            sql.push_str(" GROUP BY e.counterparty ORDER BY total DESC, e.counterparty");
            let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(branch);
            if let Some(y) = year {
                let (from, to) = year_bounds(y);
                q = q.bind(from).bind(to);
            }
            let mut out = Vec::new();
            for r in q.fetch_all(self.pool()).await? {
                let total = Dong::new(r.i64("total")?);
                if total > Dong::ZERO {
                    out.push(Donor { name: r.try_get("name")?, total, gifts: r.i64("gifts")? });
                }
            }
            Ok(out)
        })
    }

    /// Payments to learners (scholarships, rewards, support) of a year that stand: neither
    /// reversed nor reversals.
    #[inline(never)]
    pub fn fund_learner_payments<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        branch: &'l2 str,
        year: i16,
    ) -> crate::BoxFut<'fut, Result<Vec<FundEntryRow>>> {
        Box::pin(async move {
            Ok(self
                .fund_entries(branch, Some(year))
                .await?
                .into_iter()
                .filter(|e| e.kind.is_to_learners() && e.reverses.is_none() && e.reversed_by.is_none())
                .collect())
        })
    }

    /// The members of a branch during `year` (joined before its end, not left before its start)
    /// with their dues for it, by name.
    #[inline(never)]
    pub fn dues<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, branch: &'l2 str, year: i16) -> crate::BoxFut<'fut, Result<Vec<DuesLine>>> {
        Box::pin(async move {
            let (from, to) = year_bounds(year);
            let rows = crate::db::query(
                "SELECT m.id, m.full_name, m.dues_per_year, d.amount, d.entry_no, d.paid_on FROM reg_association_members m \
             LEFT JOIN member_dues d ON d.member_id = m.id AND d.year = $2 \
             WHERE m.branch = $1 AND COALESCE(m.joined_on, m.valid_from) < $4 AND m.valid_to > $3 ORDER BY m.full_name, m.id",
            )
            .bind(branch)
            .bind(i64::from(year))
            .bind(&from)
            .bind(&to)
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|r| {
                    let paid = match (r.opt_i64("amount")?, r.opt_text("entry_no")?) {
                        (Some(a), Some(no)) => Some((Dong::new(a), no, parse_date_col(&r.opt_text("paid_on")?.unwrap_or_default())?)),
                        _ => None,
                    };
                    Ok(DuesLine {
                        member_id: r.i64("id")?,
                        full_name: r.try_get("full_name")?,
                        due: r.opt_i64("dues_per_year")?.map(Dong::new),
                        paid,
                    })
                })
                .collect()
        })
    }

    /// Records a member's dues for a year: a receipt (thu hội phí) of the branch's ledger and the
    /// dues row, in one transaction; a year's dues are paid once. The amount is the member's
    /// hội phí mỗi năm unless another is given.
    #[expect(clippy::too_many_arguments, reason = "a payment's parts, named at every call")]
    #[inline(never)]
    pub fn dues_pay<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        branch: &'l3 BranchRow,
        member_id: i64,
        year: i16,
        amount: Option<Dong>,
        posted_on: Date,
        scope: Option<i64>,
    ) -> crate::BoxFut<'fut, Result<FundEntryRow>> {
        Box::pin(async move {
            let line = self.dues(&branch.code, year).await?.into_iter().find(|l| l.member_id == member_id);
            let Some(line) = line else {
                return Err(StoreError::invalid(
                    "member_id",
                    format!("Hội viên: không phải hội viên của {} trong năm {year}", branch.name),
                ));
            };
            if let Some((_, no, _)) = &line.paid {
                return Err(StoreError::conflict(
                    "year",
                    format!("Hội phí: {} đã nộp hội phí năm {year} (phiếu thu {no})", line.full_name),
                ));
            }
            let Some(amount) = amount.or(line.due).filter(|a| *a > Dong::ZERO) else {
                return Err(StoreError::invalid("amount", "Số tiền: hội viên chưa có mức hội phí mỗi năm; hãy ghi số tiền"));
            };
            let entry = NewEntry {
                kind: EntryKind::parse("thu_hoi_phi").map_err(fund_error)?,
                amount,
                counterparty: Some(line.full_name.clone()),
                beneficiary_cccd: None,
                decision: Some(format!("Hội phí năm {year}")),
            };
            let mut tx = self.begin().await?;
            let stored = post_in(&mut tx, actor, branch, &entry, None, posted_on, scope, None).await?;
            crate::db::query(
                "INSERT INTO member_dues (member_id, year, branch, amount, entry_no, paid_on, province_code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, COALESCE((SELECT province_code FROM units WHERE id = $7), ''), $8)",
            )
            .bind(member_id)
            .bind(i64::from(year))
            .bind(&branch.code)
            .bind(amount.get())
            .bind(&stored.entry_no)
            .bind(date_text(posted_on))
            .bind(branch.unit_id)
            .bind(now_text())
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    StoreError::conflict("year", format!("Hội phí: hội viên đã nộp hội phí năm {year}"))
                } else {
                    e
                }
            })?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(branch.unit_id),
                    action: "association.dues.pay",
                    entity: ASSOCIATION_MEMBERS.slug,
                    entity_id: member_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"year": year, "amount": amount.get(), "entry_no": stored.entry_no})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Officers of a branch in office on `on`, head first.
    #[inline(never)]
    pub fn officers<'fut, 'l1: 'fut>(&'l1 self, branch_id: i64, on: Date) -> crate::BoxFut<'fut, Result<Vec<OfficerRow>>> {
        Box::pin(async move {
            let rows = crate::db::query("SELECT id, branch_id, full_name, role, phone, term_from, term_to FROM association_officers WHERE branch_id = $1 AND term_from <= $2 AND term_to > $2 ORDER BY id")
            .bind(branch_id)
            .bind(date_text(on))
            .fetch_all(self.pool())
            .await?;
            let mut out = rows
                .iter()
                .map(|r| {
                    let role: String = r.try_get("role")?;
                    Ok(OfficerRow {
                        id: r.i64("id")?,
                        branch_id: r.i64("branch_id")?,
                        full_name: r.try_get("full_name")?,
                        role: OfficerRole::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        phone: r.try_get("phone")?,
                        term: Validity { from: parse_date_col(&r.text("term_from")?)?, to: parse_date_col(&r.text("term_to")?)? },
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.sort_by_key(|o| o.role.rank());
            Ok(out)
        })
    }

    /// Gives an office to a person from `from` (the office must be free when it is held by one).
    #[inline(never)]
    pub fn officer_add<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        branch: &'l3 BranchRow,
        full_name: &'l4 str,
        role: OfficerRole,
        phone: Option<&'l5 str>,
        from: Date,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let name = hoctap_domain::registry::person::FullName::parse(full_name)
                .map_err(|e| StoreError::invalid("full_name", format!("Họ và tên: {e}")))?;
            let current: Vec<OfficerRole> = self.officers(branch.id, from).await?.into_iter().map(|o| o.role).collect();
            check_officer(&current, role).map_err(fund_error)?;
            let mut tx = self.begin().await?;
            let row = crate::db::query(
            "INSERT INTO association_officers (branch_id, unit_id, province_code, full_name, role, phone, term_from, term_to, created_at) \
             VALUES ($1, $2, COALESCE((SELECT province_code FROM units WHERE id = $2), ''), $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(branch.id)
        .bind(branch.unit_id)
        .bind(name.as_ref())
        .bind(role.code())
        .bind(phone.map(str::trim).filter(|p| !p.is_empty()))
        .bind(date_text(from))
        .bind(date_text(OPEN_END))
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
            let id = row.i64("id")?;
            record(
            &mut tx,
            actor,
            AuditEntry {
                unit_id: Some(branch.unit_id),
                action: "association.officer.add",
                entity: "association_officer",
                entity_id: id.to_string(),
                before: None,
                after: Some(
                    serde_json::json!({"branch": branch.code, "full_name": name.as_ref(), "role": role.label(), "from": date_text(from)}),
                ),
            },
        )
        .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Ends an officer's term on `on` (the office is free from that day).
    #[inline(never)]
    pub fn officer_end<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        branch: &'l3 BranchRow,
        officer_id: i64,
        on: Date,
    ) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            end_term(
                &mut tx,
                "association_officers",
                "branch_id",
                branch.id,
                officer_id,
                on,
                "Ngày kết thúc: phải sau ngày bắt đầu nhiệm kỳ, và nhiệm kỳ phải còn hiệu lực",
            )
            .await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(branch.unit_id),
                    action: "association.officer.end",
                    entity: "association_officer",
                    entity_id: officer_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"term_to": date_text(on)})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The public code of a member's card, issued (with `new_code`) on first use.
    #[inline(never)]
    pub fn member_card<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        member: &'l3 RegistryRecord,
        new_code: &'l4 str,
    ) -> crate::BoxFut<'fut, Result<String>> {
        Box::pin(async move {
            if let Some(r) = crate::db::query("SELECT code FROM association_cards WHERE member_id = $1")
                .bind(member.id)
                .fetch_optional(self.pool())
                .await?
            {
                return Ok(r.try_get("code")?);
            }
            let mut tx = self.begin().await?;
            // Two first prints at once: one card is issued (and audited), the other reads it.
            let inserted = crate::db::query("INSERT INTO association_cards (member_id, code, province_code, issued_on) VALUES ($1, $2, COALESCE((SELECT province_code FROM units WHERE id = $3), ''), $4) ON CONFLICT (member_id) DO NOTHING")
            .bind(member.id)
            .bind(new_code)
            .bind(member.unit_id)
            .bind(date_text(crate::today()))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                tx.rollback().await?;
                let r = crate::db::query("SELECT code FROM association_cards WHERE member_id = $1")
                    .bind(member.id)
                    .fetch_one(self.pool())
                    .await?;
                return Ok(r.try_get("code")?);
            }
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(member.unit_id),
                    action: "association.card.issue",
                    entity: ASSOCIATION_MEMBERS.slug,
                    entity_id: member.id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"code": new_code})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(new_code.to_string())
        })
    }

    /// What the public check of a card shows, by its code.
    #[inline(never)]
    pub fn card_check<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, code: &'l2 str) -> crate::BoxFut<'fut, Result<Option<CardCheck>>> {
        Box::pin(async move {
            let Some(r) = crate::db::query("SELECT member_id, issued_on FROM association_cards WHERE code = $1")
                .bind(code)
                .fetch_optional(self.pool())
                .await?
            else {
                return Ok(None);
            };
            let member = self.registry_get(&ASSOCIATION_MEMBERS, r.i64("member_id")?).await?;
            let branch_code = match member.values.get("branch") {
                Some(Value::Text(s)) => s.clone(),
                _ => String::new(),
            };
            let branch_name = self.branch_by_code(&branch_code).await.map(|b| b.name).unwrap_or(branch_code);
            Ok(Some(CardCheck {
                full_name: member
                    .values
                    .get("full_name")
                    .map(|v| v.display(hoctap_domain::registry::def::FieldType::Name))
                    .unwrap_or_default(),
                branch_name,
                joined_on: match member.values.get("joined_on") {
                    Some(Value::Date(d)) => Some(*d),
                    _ => None,
                },
                issued_on: parse_date_col(&r.text("issued_on")?)?,
                active: member.validity.contains(crate::today()),
            }))
        })
    }
}

/// Posts an entry inside a transaction (see [`Store::fund_post_confirmed`]).
#[expect(clippy::too_many_arguments, reason = "a posting's parts, named at every call")]
async fn post_in(
    tx: &mut Conn,
    actor: &Actor,
    branch: &BranchRow,
    entry: &NewEntry,
    reverses: Option<&str>,
    posted_on: Date,
    scope: Option<i64>,
    overdraft_reason: Option<&str>,
) -> Result<FundEntryRow> {
    crate::db::query("INSERT INTO fund_ledgers (branch, last_seq) VALUES ($1, 0) ON CONFLICT (branch) DO NOTHING")
        .bind(&branch.code)
        .execute(&mut *tx)
        .await?;
    crate::db::query("UPDATE fund_ledgers SET last_seq = last_seq + 1 WHERE branch = $1").bind(&branch.code).execute(&mut *tx).await?;
    // The balance is read after the ledger's row is raised: a concurrent payment is counted.
    let overdraft = if reverses.is_none() {
        let balance: Dong = totals_in(&mut *tx, &branch.code, None, None).await?.iter().map(|t| effect(t.kind, t.sum, t.is_reversal)).sum();
        let reason = overdraft_reason.map(str::trim).filter(|r| !r.is_empty());
        check_balance(balance, effect(entry.kind, entry.amount, false), reason).map_err(fund_error)?;
        (balance + effect(entry.kind, entry.amount, false) < Dong::ZERO).then(|| (balance, reason.unwrap_or_default().to_string()))
    } else {
        None
    };
    let direction = entry.kind.direction();
    let year = posted_on.year();
    crate::db::query("INSERT INTO fund_voucher_seqs (branch, year, direction, last_seq) VALUES ($1, $2, $3, 0) ON CONFLICT (branch, year, direction) DO NOTHING")
        .bind(&branch.code)
        .bind(i64::from(year))
        .bind(direction.prefix())
        .execute(&mut *tx)
        .await?;
    let row = crate::db::query(
        "UPDATE fund_voucher_seqs SET last_seq = last_seq + 1 WHERE branch = $1 AND year = $2 AND direction = $3 RETURNING last_seq",
    )
    .bind(&branch.code)
    .bind(i64::from(year))
    .bind(direction.prefix())
    .fetch_one(&mut *tx)
    .await?;
    let mut seq = row.i64("last_seq")?;
    // Entries imported with numbers of their own may already use a number of the sequence.
    let mut no = entry_no(direction, year, seq);
    while entry_by_no(&mut *tx, &branch.code, &no).await?.is_some() {
        seq += 1;
        no = entry_no(direction, year, seq);
    }
    crate::db::query("UPDATE fund_voucher_seqs SET last_seq = $1 WHERE branch = $2 AND year = $3 AND direction = $4")
        .bind(seq)
        .bind(&branch.code)
        .bind(i64::from(year))
        .bind(direction.prefix())
        .execute(&mut *tx)
        .await?;
    let mut values = Values::new();
    let mut put = |c: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|s| !s.trim().is_empty()) {
            values.insert(c, Value::Text(v.trim().to_string()));
        }
    };
    put("branch", Some(branch.code.clone()));
    put("entry_no", Some(no.clone()));
    put("kind", Some(entry.kind.code().to_string()));
    put("counterparty", entry.counterparty.clone());
    put("beneficiary_cccd", entry.beneficiary_cccd.clone());
    put("decision", entry.decision.clone());
    put("reverses", reverses.map(str::to_string));
    values.insert("posted_on", Value::Date(posted_on));
    values.insert("amount", Value::Int(entry.amount.get()));
    check_entry(&mut *tx, &values).await?;
    // The ledger is where its branch is today, whatever the posting date (a back-dated entry of
    // a commune formed on 01/07/2025 still belongs to it).
    let placement = place(&mut *tx, &FUND_ENTRIES, &values, scope, crate::today(), &mut UnitCache::default())
        .await
        .map_err(|(f, m)| StoreError::invalid(f, m))?;
    let id = insert(&mut *tx, &FUND_ENTRIES, &values, &placement, posted_on).await.map_err(|e| {
        if e.is_unique_violation() {
            StoreError::conflict("reverses", "Đảo bút toán: bút toán này vừa được đảo")
        } else {
            e
        }
    })?;
    crate::stats::add_deltas(&mut *tx, &crate::stats::change_deltas(&FUND_ENTRIES, None, Some((placement.scope_unit, &values)), posted_on))
        .await?;
    let mut after = crate::registry::audit_json(&FUND_ENTRIES, &values);
    if let Some((balance, reason)) = &overdraft {
        crate::db::query("INSERT INTO fund_overdrafts (branch, entry_no, balance_before, reason) VALUES ($1, $2, $3, $4)")
            .bind(&branch.code)
            .bind(&no)
            .bind(balance.get())
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        after["overdraft_reason"] = serde_json::Value::String(reason.clone());
    }
    record(
        &mut *tx,
        actor,
        AuditEntry {
            unit_id: Some(placement.scope_unit),
            action: if reverses.is_some() { "fund.reverse" } else { "fund.post" },
            entity: FUND_ENTRIES.slug,
            entity_id: format!("{}|{no}", branch.code),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    let stored = entry_by_no(&mut *tx, &branch.code, &no).await?.ok_or(StoreError::NotFound("bút toán"))?;
    debug_assert_eq!(stored.id, id);
    Ok(stored)
}

/// Totals by kind and reversal of a ledger's entries posted in [from, to) (either end open).
async fn totals_in(conn: &mut Conn, branch: &str, from: Option<&str>, to: Option<&str>) -> Result<Vec<KindTotal>> {
    let mut sql = "SELECT e.kind, CASE WHEN e.reverses IS NULL THEN 0 ELSE 1 END AS rev, CAST(SUM(e.amount) AS BIGINT) AS total \
         FROM reg_fund_entries e WHERE e.branch = $1"
        .to_string();
    let mut n = 1;
    for (bound, op) in [(from, ">="), (to, "<")] {
        if bound.is_some() {
            n += 1;
            sql.push_str(&format!(" AND e.posted_on {op} ${n}"));
        }
    }
    sql.push_str(" GROUP BY e.kind, CASE WHEN e.reverses IS NULL THEN 0 ELSE 1 END");
    let mut q = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(branch);
    for b in [from, to].into_iter().flatten() {
        q = q.bind(b);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(KindTotal {
                kind: EntryKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                is_reversal: r.i64("rev")? != 0,
                sum: Dong::new(r.i64("total")?),
            })
        })
        .collect()
}

/// Whether a registry's writes go through the fund rules.
/// The ledger's rules on the generic registry's new fund entries (balance, reversal), reached
/// by the registry through [`crate::WRITE_RULES`].
pub(crate) static LEDGER_RULES: WriteRules =
    WriteRules { kind: RegistryKind::FundEntries, check_new: |conn, values| Box::pin(check_entry(conn, values)) };

/// Ends a term (an association officer's, a board member's) on `on`: the row of `id` under
/// `owner_id` must have started before that day and still run; `refusal` says why not.
pub(crate) async fn end_term(
    conn: &mut crate::db::Conn,
    table: &str,
    owner_column: &str,
    owner_id: i64,
    id: i64,
    on: Date,
    refusal: &str,
) -> Result<()> {
    let sql = format!("UPDATE {table} SET term_to = $1 WHERE id = $2 AND {owner_column} = $3 AND term_from < $1 AND term_to > $1");
    let done = crate::db::query(sqlx::AssertSqlSafe(sql)).bind(date_text(on)).bind(id).bind(owner_id).execute(&mut *conn).await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::invalid("on", refusal));
    }
    Ok(())
}
