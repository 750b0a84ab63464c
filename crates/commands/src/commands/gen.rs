//! `hoctap gen`: consistent synthetic registries on the real administrative units, written
//! straight into the database in bulk (`Store::bulk_session`), for benchmarks and
//! demos (DESIGN §4).
//!
//! Scales, all derived from the national totals of DESIGN §4 divided per commune:
//! - `national`: every commune of the 34 provinces (~27 M households, ~100 M citizens);
//! - `province`: every commune of one province (default the demo province 20, Lạng Sơn);
//!   Lạng Sơn has 65 communes, so ~530 k households and ~2 M citizens;
//! - `commune`: the first commune of the province at a reduced density (~1,000 households,
//!   ~3,700 citizens), for tests and demos.
//!
//! The generator works commune by commune: one commune's records are built in memory on a
//! thread of their own while the previous commune is written, in batches of [`BATCH`] records,
//! then dropped, so memory stays bounded at national scale. A province's registries are written
//! in one transaction (`Store::bulk_session`) that ends with a `gen.province_done` audit entry,
//! so an interrupted run leaves whole provinces and `--resume` continues after them. Villages
//! are created first, before the province's transaction, through the audited
//! `Store::create_village` for communes that have none; communes that already have villages
//! keep theirs.
//!
//! Every value is valid by the domain's own parsers (names, codes, CCCDs consistent with
//! birth year and sex, coded lists); the integration test re-reads everything through them.

use super::DbArgs;
use hoctap_domain::registry::def::{
    ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, CITIZENS, CLAN_MEMBERS, CLANS, FUND_ENTRIES, HOUSEHOLDS, LEARNING_CENTRES, ORGANISATIONS,
    REGISTRIES, Registry, RegistryKind, Value, Values,
};
use hoctap_domain::registry::person::Sex;
use hoctap_domain::registry::reference::BIRTH_PROVINCES;
use hoctap_domain::unit::{UnitCode, UnitKind};
use hoctap_store::{Actor, AuditFilter, BulkRecord, Store, StoreError, UnitRow};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::{Date, date};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::ExitCode;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Scale: national totals (DESIGN §4) and what they give per commune.

pub const NATIONAL_PROVINCES: u64 = 34;
pub const NATIONAL_COMMUNES: u64 = 3_321;
pub const NATIONAL_VILLAGES: u64 = 100_000;
pub const NATIONAL_HOUSEHOLDS: u64 = 27_000_000;
pub const NATIONAL_CITIZENS: u64 = 100_000_000;
pub const NATIONAL_CLANS: u64 = 1_000_000;
pub const NATIONAL_ORGANISATIONS: u64 = 300_000;

/// ≈ 8,130 households in an average commune.
pub const HOUSEHOLDS_PER_COMMUNE: u64 = NATIONAL_HOUSEHOLDS / NATIONAL_COMMUNES;
/// ≈ 301 clans (dòng họ and their branches) whose home is an average commune.
pub const CLANS_PER_COMMUNE: u64 = NATIONAL_CLANS / NATIONAL_COMMUNES;
/// ≈ 90 organisations per commune.
pub const ORGANISATIONS_PER_COMMUNE: u64 = NATIONAL_ORGANISATIONS / NATIONAL_COMMUNES;
/// ≈ 30 villages per commune.
pub const VILLAGES_PER_COMMUNE: usize = (NATIONAL_VILLAGES / NATIONAL_COMMUNES) as usize;
/// The reduced commune of `--scale commune`.
pub const COMMUNE_SCALE_HOUSEHOLDS: u64 = 1_000;

/// Household sizes 1–9 and their weights (per mille). Mean 3.7 = 100 M citizens / 27 M
/// households; the shape follows the 2019 census (most households have 3–4 people).
const HOUSEHOLD_SIZES: [(usize, u32); 9] = [(1, 80), (2, 170), (3, 220), (4, 250), (5, 140), (6, 80), (7, 35), (8, 15), (9, 10)];

/// Share of adults who are members of their village's chi hội khuyến học: 40% at commune
/// and province scale. At national scale 40% would be ~28 M member rows, more than the
/// citizens' registry is worth for a benchmark, so the default there is a tenth of it (4%);
/// `--member-share` overrides both.
pub const MEMBER_SHARE: f64 = 0.4;
pub const NATIONAL_MEMBER_SHARE: f64 = 0.04;
/// Years of fund ledger per branch (the last three; one at national scale).
const FUND_YEARS: i16 = 3;
const NATIONAL_FUND_YEARS: i16 = 1;

/// Records per `BulkSession::insert` call (one `COPY` or multi-row statements).
pub const BATCH: usize = 10_000;

/// Share of people whose birth was registered in another province (migrants).
const MIGRANT_SHARE: f64 = 0.08;

/// The CCCD serial (6 digits) is `block` (1 digit, one per generator run on a database)
/// followed by a counter per (birth province, birth year, sex) (5 digits): unique within a
/// run by construction and across up to ten runs on the same database.
const SERIALS_PER_BLOCK: u32 = 100_000;
const ACTOR_PREFIX: &str = "hoctap gen, khối CCCD ";

// ---------------------------------------------------------------------------------------
// Command line.

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Cả nước: 34 tỉnh, 3.321 xã (~100 triệu công dân; PostgreSQL: ~49 GB, ~40 phút).
    National,
    /// Một tỉnh (mặc định tỉnh mẫu 20 Lạng Sơn).
    Province,
    /// Một xã (xã đầu tiên của tỉnh), ~1.000 hộ: cho kiểm thử và trình diễn.
    Commune,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Quy mô dữ liệu.
    #[arg(long, value_enum)]
    pub scale: Scale,
    /// Mã tỉnh (mặc định 20, Lạng Sơn); quy mô tỉnh nhận nhiều lần --province.
    #[arg(long)]
    pub province: Vec<String>,
    /// Hạt giống ngẫu nhiên: cùng hạt giống cho cùng dữ liệu.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    #[command(flatten)]
    pub db: DbArgs,
    /// Số thôn tạo cho mỗi xã chưa có thôn.
    #[arg(long, default_value_t = VILLAGES_PER_COMMUNE)]
    pub villages_per_commune: usize,
    /// Thêm vào dữ liệu đã có thay vì từ chối.
    #[arg(long)]
    pub append: bool,
    /// Tỷ lệ người lớn là hội viên khuyến học (0–1; mặc định 0,4, cả nước 0,04).
    #[arg(long)]
    pub member_share: Option<f64>,
    /// Quy mô xã: số xã đầu tiên của tỉnh được tạo dữ liệu.
    #[arg(long, default_value_t = 1)]
    pub communes: usize,
    /// Số hộ mỗi xã thay cho số của quy mô (dòng họ, tổ chức theo tỷ lệ): chạy thử nhẹ hơn.
    #[arg(long)]
    pub households_per_commune: Option<u64>,
    /// Tiếp tục lần chạy bị ngắt: bỏ qua các tỉnh đã xong (mỗi tỉnh ghi trong một giao dịch).
    #[arg(long)]
    pub resume: bool,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub scale: Scale,
    /// Province codes (several at province scale); none for the demo province.
    pub provinces: Vec<String>,
    /// Households per commune instead of the scale's (a lighter country, for tests and trials);
    /// clans and organisations follow in proportion.
    pub households_per_commune: Option<u64>,
    pub seed: u64,
    pub villages_per_commune: usize,
    pub append: bool,
    pub member_share: Option<f64>,
    /// The date records are entered and ages are counted on.
    pub on: Date,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// At commune scale, how many of the province's first communes (default 1).
    pub communes: usize,
    /// Continue an interrupted run: skip the provinces it finished, number on from it.
    pub resume: bool,
    /// Records entered on this earlier day (the demo's past years): only villages that existed
    /// then are filled, ages are counted then, members join on the association's yearly
    /// admission day (02/10) up to `on` and fund ledgers run from that year to `on`'s.
    pub recorded_on: Option<Date>,
}

impl Options {
    pub fn new(scale: Scale, seed: u64) -> Self {
        Self {
            scale,
            provinces: Vec::new(),
            households_per_commune: None,
            seed,
            villages_per_commune: VILLAGES_PER_COMMUNE,
            append: false,
            member_share: None,
            on: hoctap_store::today(),
            progress: false,
            communes: 1,
            resume: false,
            recorded_on: None,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Rows per registry, in menu order.
    pub rows: Vec<(&'static Registry, u64)>,
    pub communes: usize,
    pub villages_created: usize,
    pub elapsed: Duration,
    /// The first citizen's CCCD (the same for the same seed, scale and database).
    pub first_cccd: Option<String>,
    /// The CCCD serial block of this run (0–9).
    pub block: u32,
}

impl Summary {
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    pub fn rows_of(&self, kind: RegistryKind) -> u64 {
        self.rows.iter().find(|(r, _)| r.kind == kind).map_or(0, |(_, n)| *n)
    }

    pub fn rows_per_second(&self) -> f64 {
        self.total_rows() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The target already has households and `--append` was not given.
    #[error("{0}")]
    AlreadyGenerated(String),
    #[error("{0}")]
    Invalid(String),
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = a.db.open().await?;
    if !store.admin_units_loaded().await? {
        eprintln!("Đang nạp đơn vị hành chính lần đầu…");
        let r = store.load_admin_units().await?;
        eprintln!("Đã nạp {} đơn vị trong {:.1} giây.", r.units, r.seconds);
    }
    if a.scale == Scale::National {
        eprintln!(
            "Cảnh báo: quy mô cả nước tạo ~{} triệu công dân, ~{} triệu hộ và ~{} nghìn thôn (mỗi thôn ghi một lần, có nhật ký); \
             trên PostgreSQL cần khoảng 49 GB đĩa (chưa kể WAL và bản sao lưu) và khoảng 40 phút trên máy 2 lõi.",
            NATIONAL_CITIZENS / 1_000_000,
            NATIONAL_HOUSEHOLDS / 1_000_000,
            NATIONAL_VILLAGES / 1_000
        );
    }
    let opts = Options {
        scale: a.scale,
        provinces: a.province,
        households_per_commune: a.households_per_commune,
        seed: a.seed,
        villages_per_commune: a.villages_per_commune,
        append: a.append,
        member_share: a.member_share,
        on: hoctap_store::today(),
        progress: true,
        communes: a.communes,
        resume: a.resume,
        recorded_on: None,
    };
    let s = generate(&store, &opts).await?;
    println!(
        "Đã tạo dữ liệu tổng hợp cho {} xã ({} thôn mới), hạt giống {}, khối số CCCD {}:",
        s.communes, s.villages_created, opts.seed, s.block
    );
    for (reg, n) in &s.rows {
        println!("  {:<36} {:>12}", reg.title, group_thousands(*n));
    }
    println!("  {:<36} {:>12}", "Tổng số dòng", group_thousands(s.total_rows()));
    println!("Thời gian: {:.1} giây; {} dòng/giây.", s.elapsed.as_secs_f64(), group_thousands(s.rows_per_second().round() as u64));
    Ok(ExitCode::SUCCESS)
}

/// `1234567` → `1.234.567` (Vietnamese digit grouping).
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// The generator.

/// Generates the registries of the target communes. Refuses (`GenError::AlreadyGenerated`)
/// when the target already has households, unless `opts.append`.
pub async fn generate(store: &Store, opts: &Options) -> Result<Summary, GenError> {
    let started = Instant::now();
    let on = opts.on;
    if !(1..=999).contains(&opts.villages_per_commune) {
        return Err(GenError::Invalid("số thôn mỗi xã phải từ 1 đến 999".into()));
    }
    let member_share = opts.member_share.unwrap_or(if opts.scale == Scale::National { NATIONAL_MEMBER_SHARE } else { MEMBER_SHARE });
    if !(0.0..=1.0).contains(&member_share) {
        return Err(GenError::Invalid("tỷ lệ hội viên phải từ 0 đến 1".into()));
    }

    // The target: (province, its communes), and the unit whose households are counted.
    let mut targets: Vec<(UnitRow, Vec<UnitRow>)> = Vec::new();
    let (scope, scope_label) = match opts.scale {
        Scale::National => {
            for p in store.provinces(on).await? {
                let communes = communes_of(store, &p, on).await?;
                targets.push((p, communes));
            }
            (None, "Cả nước".to_string())
        }
        Scale::Province | Scale::Commune => {
            let mut codes: Vec<&str> = opts.provinces.iter().map(String::as_str).collect();
            if codes.is_empty() {
                codes.push(super::demo::DEMO_PROVINCE);
            }
            if opts.scale == Scale::Commune && codes.len() > 1 {
                return Err(GenError::Invalid("quy mô xã chỉ nhận một tỉnh".into()));
            }
            for code in codes {
                let p =
                    store.unit_by_code(code, on).await.map_err(|_| GenError::Invalid(format!("không có tỉnh mã {code} còn hiệu lực")))?;
                if p.kind != UnitKind::Province {
                    return Err(GenError::Invalid(format!("mã {code} là {}, không phải tỉnh", p.kind.label().to_lowercase())));
                }
                if targets.iter().any(|(t, _)| t.id == p.id) {
                    continue;
                }
                let mut communes = communes_of(store, &p, on).await?;
                if opts.scale == Scale::Commune {
                    communes.truncate(opts.communes.max(1));
                }
                if communes.is_empty() {
                    return Err(GenError::Invalid(format!("{} không có xã nào", p.name)));
                }
                targets.push((p, communes));
            }
            match (&targets[..], opts.scale) {
                ([(_, communes)], Scale::Commune) => (Some(communes[0].id), communes[0].name.clone()),
                ([(p, _)], _) => (Some(p.id), p.name.clone()),
                _ => (None, targets.iter().map(|(p, _)| p.name.as_str()).collect::<Vec<_>>().join(", ")),
            }
        }
    };
    // An earlier run's finished provinces (each committed with its marker) and its block.
    let finished = finished_provinces(store).await?;
    if opts.resume && finished.is_empty() {
        return Err(GenError::Invalid(
            "không có lần chạy hoctap gen nào đã xong một tỉnh để tiếp tục; hãy chạy lại không có --resume".into(),
        ));
    }
    if !opts.append && !opts.resume {
        // Several provinces have no single scope: their households are counted one by one.
        let existing = if scope.is_some() || opts.scale == Scale::National {
            store.registry_count(&HOUSEHOLDS, scope, on).await?
        } else {
            let mut n = 0;
            for (p, _) in &targets {
                n += store.registry_count(&HOUSEHOLDS, Some(p.id), on).await?;
            }
            n
        };
        if existing > 0 {
            let resume =
                if finished.is_empty() { "" } else { " Lần chạy trước bị ngắt thì dùng --resume để tiếp tục." };
            return Err(GenError::AlreadyGenerated(format!(
                "{scope_label} đã có {existing} hộ gia đình trong sổ; không tạo thêm để tránh dữ liệu trùng. \
                 Dùng --append để thêm vào dữ liệu đã có, hoặc một cơ sở dữ liệu mới.{resume}"
            )));
        }
    }
    let (block, done) = match finished.iter().map(|(_, b)| *b).max() {
        Some(last) if opts.resume => (last, finished.iter().filter(|(_, b)| *b == last).map(|(code, _)| code.clone()).collect()),
        _ => (free_block(store).await?, BTreeSet::new()),
    };
    let actor = Actor::system(&format!("{ACTOR_PREFIX}{block}"));

    let households = opts.households_per_commune.unwrap_or(match opts.scale {
        Scale::Commune => COMMUNE_SCALE_HOUSEHOLDS,
        Scale::Province | Scale::National => HOUSEHOLDS_PER_COMMUNE,
    });
    if households == 0 || households > 10 * HOUSEHOLDS_PER_COMMUNE {
        return Err(GenError::Invalid(format!("số hộ mỗi xã phải từ 1 đến {}", 10 * HOUSEHOLDS_PER_COMMUNE)));
    }
    let density = households as f64 / HOUSEHOLDS_PER_COMMUNE as f64;
    let (clans, organisations) =
        ((CLANS_PER_COMMUNE as f64 * density).round() as u64, (ORGANISATIONS_PER_COMMUNE as f64 * density).round() as u64);
    let sizes = Sizes {
        households,
        clans,
        organisations,
        member_share,
        fund_years: if opts.scale == Scale::National { NATIONAL_FUND_YEARS } else { FUND_YEARS },
    };

    let total_communes: usize = targets.iter().map(|(_, c)| c.len()).sum();
    let bar = if opts.progress { ProgressBar::new(total_communes as u64) } else { ProgressBar::hidden() };
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} xã (còn {eta}) {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(250));

    let mut progress = Progress { show_lines: opts.progress, counts: BTreeMap::new(), started, bar };
    let mut serials = if opts.resume {
        Serials::resume(block, &store.cccd_serials_in_block(block).await?)
    } else {
        Serials { block, next: HashMap::new() }
    };
    // A whole province's registries are committed together, with a marker, unless only some
    // of its communes are generated.
    let whole_provinces = opts.scale != Scale::Commune;
    let mut first_cccd = None;
    let mut villages_created = 0;
    // The whole country loads without the registries' per-row foreign-key checks (PostgreSQL's
    // advice for populating a database); they come back, checked over every row, at the end. A
    // run interrupted before then leaves them off until `--resume` finishes.
    let keys_suspended = opts.scale == Scale::National && store.suspend_registry_unit_keys().await?;
    for (province, communes) in &targets {
        if done.contains(&province.code) {
            progress.bar.inc(communes.len() as u64);
            progress.say(&format!("Tỉnh {} ({}) đã xong ở lần chạy trước: bỏ qua.", province.name, province.code));
            continue;
        }
        let province_started = Instant::now();
        let rows_before = progress.total();
        let profile = Profile::of(&province.code);
        let natives = native_birth_codes(store, province).await?;
        let slot = birth_slot(&province.code);
        // Villages first, each audited on its own: the province's registries then go in one
        // transaction (on SQLite it holds the write lock). A resumed run keeps them.
        let mut villages_of = Vec::with_capacity(communes.len());
        let villages_started = Instant::now();
        for commune in communes {
            let mut villages = store.villages(commune.id, on).await?;
            if let Some(then) = opts.recorded_on {
                villages.retain(|v| v.validity.contains(then));
            }
            if villages.is_empty() {
                let mut rng = Rng::for_unit(opts.seed ^ 0x7669_6c6c, &commune.code);
                for (name, ty) in village_names(&mut rng, commune, profile, opts.villages_per_commune) {
                    villages.push(store.create_village(&actor, commune.id, &name, ty, on).await?);
                    villages_created += 1;
                }
            }
            villages_of.push(villages);
        }
        let villages_took = villages_started.elapsed();
        // What each commune already holds, read before the province's transaction opens.
        let mut jobs = Vec::with_capacity(communes.len());
        for (commune, villages) in communes.iter().zip(villages_of) {
            // Without --append the target has no households (checked above), so there is
            // nothing to continue from; counting per commune would scan the growing tables.
            let existing = if opts.append {
                Existing::load(store, commune, on).await?
            } else {
                Existing { commune_branch: Existing::has_commune_branch(store, commune, on).await?, ..Existing::default() }
            };
            jobs.push((commune.clone(), villages, existing));
        }
        // One thread builds the communes in order (the CCCD numbering runs through them) while
        // this task writes the one before: building and the engine's loading overlap on the
        // two cores instead of taking turns.
        let (sent, mut built) = tokio::sync::mpsc::channel::<Result<(UnitRow, CommuneData), GenError>>(1);
        let builder = {
            let (province_code, seed, recorded_on, sizes) = (province.code.clone(), opts.seed, opts.recorded_on, sizes.clone());
            let mut serials = std::mem::take(&mut serials);
            std::thread::spawn(move || {
                for (commune, villages, existing) in jobs {
                    let ctx = CommuneCtx {
                        commune: &commune,
                        villages: &villages,
                        province_code: &province_code,
                        profile,
                        south: province_code.as_str() >= "48",
                        natives: &natives,
                        birth_slot: slot,
                        on: recorded_on.unwrap_or(on),
                        until: on,
                        existing,
                    };
                    let mut rng = Rng::for_unit(seed, &commune.code);
                    let data = build_commune(&ctx, &sizes, &mut rng, &mut serials);
                    let failed = data.is_err();
                    if sent.blocking_send(data.map(|d| (commune, d))).is_err() || failed {
                        break;
                    }
                }
                serials
            })
        };
        let mut session = store.bulk_session().await?;
        let written: Result<(), GenError> = async {
            while let Some(next) = built.recv().await {
                let (commune, data) = next?;
                progress.bar.set_message(format!("{} · {}", commune.name, progress.rate()));
                if first_cccd.is_none() {
                    first_cccd = data.citizens.first().and_then(|r| match r.values.get("cccd") {
                        Some(Value::Text(s)) => Some(s.clone()),
                        _ => None,
                    });
                }
                for (reg, records) in data.into_insert_order() {
                    // Records entered in the past start when they began (a member on joining, a
                    // fund entry in its posting's year and side of 01/07/2025), in batches by that day.
                    for (day, mut records) in entry_days(reg, records, opts.recorded_on, on) {
                        while !records.is_empty() {
                            let rest = records.split_off(records.len().min(BATCH));
                            let n = session.insert(reg, std::mem::replace(&mut records, rest), day).await?;
                            progress.add(reg.kind, n);
                        }
                    }
                }
                progress.bar.inc(1);
            }
            Ok(())
        }
        .await;
        // The builder stops when the writer stops listening.
        drop(built);
        serials = builder.join().map_err(|_| GenError::Invalid("luồng tạo dữ liệu dừng bất thường".into()))?;
        written?;
        let marker = whole_provinces.then(|| (PROVINCE_DONE, province.code.clone()));
        session.commit(&actor, marker).await?;
        if whole_provinces {
            progress.say(&format!(
                "Tỉnh {} ({}): {} dòng trong {:.0} giây (tạo thôn {:.0} giây); từ đầu: {}.",
                province.name,
                province.code,
                group_thousands(progress.total() - rows_before),
                province_started.elapsed().as_secs_f64(),
                villages_took.as_secs_f64(),
                progress.rate()
            ));
        }
    }
    if keys_suspended {
        let started = Instant::now();
        progress.say("Đang tạo lại khóa ngoại của các sổ đến đơn vị hành chính (kiểm tra mọi dòng)…");
        store.restore_registry_unit_keys().await?;
        progress.say(&format!("Đã tạo lại khóa ngoại trong {:.0} giây.", started.elapsed().as_secs_f64()));
    }
    progress.bar.finish_and_clear();
    Ok(Summary {
        rows: REGISTRIES.iter().map(|r| (*r, progress.counts.get(&r.kind).copied().unwrap_or(0))).collect(),
        communes: total_communes,
        villages_created,
        elapsed: started.elapsed(),
        first_cccd,
        block,
    })
}

/// The days records are entered on, with the records of each: all on `on`, or for records
/// entered from `recorded_on`, each member on the later of that day and joining, each fund
/// entry on the first posting day of its batch (a year; 2025 before and after the reorganisation
/// of 01/07/2025), so each counts in the units as they were then.
fn entry_days(reg: &Registry, records: Vec<BulkRecord>, recorded_on: Option<Date>, on: Date) -> Vec<(Date, Vec<BulkRecord>)> {
    let Some(first) = recorded_on else {
        return vec![(on, records)];
    };
    let mut by_day: BTreeMap<Date, Vec<BulkRecord>> = BTreeMap::new();
    match reg.kind {
        RegistryKind::AssociationMembers => {
            for r in records {
                let day = match r.values.get("joined_on") {
                    Some(Value::Date(d)) => (*d).max(first),
                    _ => first,
                };
                by_day.entry(day).or_default().push(r);
            }
        }
        RegistryKind::FundEntries => {
            let merger = date(2025, 7, 1);
            let mut batches: BTreeMap<(i16, bool), Vec<BulkRecord>> = BTreeMap::new();
            for r in records {
                let posted = match r.values.get("posted_on") {
                    Some(Value::Date(d)) => *d,
                    _ => first,
                };
                batches.entry((posted.year(), posted >= merger)).or_default().push(r);
            }
            for batch in batches.into_values() {
                let day = batch
                    .iter()
                    .filter_map(|r| match r.values.get("posted_on") {
                        Some(Value::Date(d)) => Some(*d),
                        _ => None,
                    })
                    .min()
                    .unwrap_or(first)
                    .max(first);
                by_day.entry(day).or_default().extend(batch);
            }
        }
        _ => {
            by_day.insert(first, records);
        }
    }
    by_day.into_iter().collect()
}

async fn communes_of(store: &Store, province: &UnitRow, on: Date) -> Result<Vec<UnitRow>, StoreError> {
    Ok(store.children(province.id, on).await?.into_iter().filter(|u| u.kind == UnitKind::Commune).collect())
}

/// The audit action that marks a province whose registries were committed whole.
const PROVINCE_DONE: &str = "gen.province_done";

/// Provinces an earlier run committed whole, with that run's CCCD serial block.
async fn finished_provinces(store: &Store) -> Result<Vec<(String, u32)>, GenError> {
    runs_entries(store, PROVINCE_DONE).await
}

/// The generator runs' audit entries of `action`, newest first, page by page: each entry's id
/// and the serial block of the run that wrote it.
async fn runs_entries(store: &Store, action: &str) -> Result<Vec<(String, u32)>, GenError> {
    let mut out = Vec::new();
    let mut before_id = None;
    loop {
        let filter = AuditFilter { action: Some(action.into()), before_id, limit: 500, ..AuditFilter::default() };
        let page = store.audit(&filter, hoctap_store::today()).await?;
        out.extend(page.iter().filter_map(|e| Some((e.entity_id.clone(), block_of(&e.username)?))));
        match page.last() {
            Some(last) if page.len() == 500 => before_id = Some(last.id),
            _ => break,
        }
    }
    Ok(out)
}

/// The serial block in a generator run's audit signature.
fn block_of(username: &str) -> Option<u32> {
    username.split(ACTOR_PREFIX).nth(1).and_then(|rest| rest.trim_end_matches(')').parse::<u32>().ok())
}

/// The smallest CCCD serial block no earlier run used on this database (runs sign their
/// audit entries with their block).
async fn free_block(store: &Store) -> Result<u32, GenError> {
    let used: BTreeSet<u32> = runs_entries(store, "registry.bulk_insert").await?.into_iter().map(|(_, b)| b).collect();
    (0..10).find(|b| !used.contains(b)).ok_or_else(|| {
        GenError::Invalid(
            "đã chạy hoctap gen 10 lần trên cơ sở dữ liệu này: hết khối số CCCD không trùng; hãy dùng một cơ sở dữ liệu mới".into(),
        )
    })
}

/// CCCD birth-province codes of people born in this province: the province and every
/// pre-2025 province merged into it, when they are in the CCCD list.
async fn native_birth_codes(store: &Store, province: &UnitRow) -> Result<Vec<&'static str>, StoreError> {
    let mut codes: Vec<&'static str> = Vec::new();
    let mut candidates = vec![province.code.clone()];
    candidates.extend(store.predecessors(province.id).await?.into_iter().map(|u| u.code));
    for c in candidates {
        if let Some((code, _)) = BIRTH_PROVINCES.iter().find(|(b, _)| b.get(1..) == Some(c.as_str()))
            && !codes.contains(code)
        {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        // Not a pre-2025 code: a stable valid code chosen from the province code.
        let h = province.code.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
        codes.push(BIRTH_PROVINCES.get(h % BIRTH_PROVINCES.len()).map_or("001", |(c, _)| c));
    }
    Ok(codes)
}

/// Index of a province in the CCCD list (for migrants' serial slots), by its code.
fn birth_slot(code: &str) -> usize {
    BIRTH_PROVINCES.iter().position(|(b, _)| b.get(1..) == Some(code)).unwrap_or(0)
}

struct Progress {
    /// Print the per-province lines (the command line; not the demo or tests).
    show_lines: bool,
    counts: BTreeMap<RegistryKind, u64>,
    started: Instant,
    bar: ProgressBar,
}

impl Progress {
    fn add(&mut self, kind: RegistryKind, n: usize) {
        *self.counts.entry(kind).or_default() += n as u64;
        self.bar.tick();
    }

    /// A line above the bar, or on stderr alone when there is no bar (not a terminal).
    fn say(&self, line: &str) {
        if self.bar.is_hidden() {
            if self.show_lines {
                eprintln!("{line}");
            }
        } else {
            self.bar.println(line);
        }
    }

    fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    fn rate(&self) -> String {
        let total = self.total();
        format!(
            "{} dòng, {} dòng/giây",
            group_thousands(total),
            group_thousands((total as f64 / self.started.elapsed().as_secs_f64().max(1e-3)) as u64)
        )
    }
}

/// Per-commune figures of the chosen scale.
#[derive(Clone)]
struct Sizes {
    households: u64,
    clans: u64,
    organisations: u64,
    member_share: f64,
    fund_years: i16,
}

/// What a commune already holds (for `--append`): numbering continues after it, and the
/// learning centre and HKH branches are created only once.
#[derive(Default)]
struct Existing {
    households: u64,
    clans: u64,
    organisations: u64,
    branch_codes: BTreeSet<String>,
    /// The commune already has its Hội Khuyến học (one association per commune).
    commune_branch: bool,
    centre: bool,
}

impl Existing {
    /// Whether the commune already has its Hội Khuyến học (one association per commune,
    /// whatever its code and whenever it was recorded).
    async fn has_commune_branch(store: &Store, commune: &UnitRow, on: Date) -> Result<bool, StoreError> {
        let q = hoctap_store::RegistryQuery { scope: Some(commune.id), limit: 10_000, ..Default::default() };
        let xa = Value::Text("xa".into());
        for day in [on, hoctap_store::today()] {
            if store.registry_list(&ASSOCIATION_BRANCHES, &q, day).await?.iter().any(|r| r.values.get("level") == Some(&xa)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn load(store: &Store, commune: &UnitRow, on: Date) -> Result<Self, StoreError> {
        let households = store.registry_count(&HOUSEHOLDS, Some(commune.id), on).await?;
        let q = hoctap_store::RegistryQuery { scope: Some(commune.id), limit: 10_000, ..Default::default() };
        let branch_codes = store
            .registry_list(&ASSOCIATION_BRANCHES, &q, on)
            .await?
            .into_iter()
            .filter_map(|r| match r.values.get("code") {
                Some(Value::Text(c)) => Some(c.clone()),
                _ => None,
            })
            .collect();
        let commune_branch = Self::has_commune_branch(store, commune, on).await?;
        let centre_code = format!("TT-{}", commune.code);
        let centre = store
            .registry_list(&LEARNING_CENTRES, &q, on)
            .await?
            .iter()
            .any(|r| r.values.get("code") == Some(&Value::Text(centre_code.clone())));
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(Self {
            households: count(households),
            clans: count(store.registry_count(&CLANS, Some(commune.id), on).await?),
            organisations: count(store.registry_count(&ORGANISATIONS, Some(commune.id), on).await?),
            branch_codes,
            commune_branch,
            centre,
        })
    }
}

struct CommuneCtx<'a> {
    commune: &'a UnitRow,
    villages: &'a [UnitRow],
    province_code: &'a str,
    profile: Profile,
    /// From Đà Nẵng southwards Hoàng is mostly Huỳnh and Vũ mostly Võ.
    south: bool,
    natives: &'a [&'static str],
    birth_slot: usize,
    /// The day records are entered (and ages counted).
    on: Date,
    /// The last day covered: members join and fund ledgers run up to it (`on` unless the
    /// records are entered in the past).
    until: Date,
    existing: Existing,
}

/// One commune's records.
#[derive(Default)]
struct CommuneData {
    clans: Vec<BulkRecord>,
    organisations: Vec<BulkRecord>,
    centres: Vec<BulkRecord>,
    branches: Vec<BulkRecord>,
    households: Vec<BulkRecord>,
    citizens: Vec<BulkRecord>,
    clan_members: Vec<BulkRecord>,
    members: Vec<BulkRecord>,
    funds: Vec<BulkRecord>,
}

impl CommuneData {
    /// Referenced records before the records that refer to them.
    fn into_insert_order(self) -> [(&'static Registry, Vec<BulkRecord>); 9] {
        [
            (&CLANS, self.clans),
            (&ORGANISATIONS, self.organisations),
            (&LEARNING_CENTRES, self.centres),
            (&ASSOCIATION_BRANCHES, self.branches),
            (&HOUSEHOLDS, self.households),
            (&CITIZENS, self.citizens),
            (&CLAN_MEMBERS, self.clan_members),
            (&ASSOCIATION_MEMBERS, self.members),
            (&FUND_ENTRIES, self.funds),
        ]
    }
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn unit_value(u: &UnitRow) -> Result<Value, GenError> {
    UnitCode::parse(&u.code).map(Value::Unit).map_err(|e| GenError::Invalid(format!("mã đơn vị {}: {e}", u.code)))
}

fn record(values: Values, unit_fields: &[(&'static str, i64)], scope_unit: i64, province_code: &str) -> BulkRecord {
    BulkRecord { values, unit_ids: unit_fields.iter().copied().collect(), scope_unit, province_code: province_code.to_string() }
}

/// A generated person.
#[derive(Clone)]
struct Person {
    name: String,
    family: &'static str,
    sex: Sex,
    birth: Date,
    ethnicity: &'static str,
    cccd: String,
}

impl Person {
    fn age(&self, on: Date) -> i16 {
        hoctap_domain::registry::person::age_on(self.birth, on)
    }
}

/// The CCCD serial counters of a run.
#[derive(Default)]
struct Serials {
    block: u32,
    /// The next counter per CCCD prefix (birth province, century and sex, year), the prefix
    /// read as a number.
    next: HashMap<u32, u32>,
}

impl Serials {
    /// Continues a run's numbering after the counters it already used (per prefix, the last).
    fn resume(block: u32, used: &[(String, u32)]) -> Self {
        let next = used.iter().filter_map(|(prefix, last)| Some((prefix.parse().ok()?, last + 1))).collect();
        Self { block, next }
    }

    /// A CCCD for a person born in `province` (index in BIRTH_PROVINCES) on `birth`.
    fn issue(&mut self, province: usize, birth: Date, sex: Sex) -> Result<String, GenError> {
        let century = hoctap_domain::registry::cccd::Cccd::century_sex_digit(birth.year(), sex);
        let code = BIRTH_PROVINCES.get(province).map_or("001", |(c, _)| c);
        let prefix = format!("{code}{century}{:02}", birth.year().rem_euclid(100));
        // Serials start at 1, as issued numbers do.
        let counter = self.next.entry(prefix.parse().unwrap_or(0)).or_insert(1);
        if *counter >= SERIALS_PER_BLOCK {
            return Err(GenError::Invalid(format!("hết số thứ tự CCCD cho năm sinh {} trong một lần chạy", birth.year())));
        }
        let serial = self.block * SERIALS_PER_BLOCK + *counter;
        *counter += 1;
        Ok(format!("{prefix}{serial:06}"))
    }
}

/// Builds everything of one commune.
fn build_commune(ctx: &CommuneCtx<'_>, sizes: &Sizes, rng: &mut Rng, serials: &mut Serials) -> Result<CommuneData, GenError> {
    let mut out = CommuneData::default();
    let c = ctx.commune;
    let commune_value = unit_value(c)?;
    let short = short_name(&c.name);
    let pc = ctx.province_code;
    let on = ctx.on;
    let mut people = PersonGen { ctx, rng, serials };

    // Clans: the commune's family names, some with several branches (chi).
    let mut clans_by_family: HashMap<&'static str, Vec<String>> = HashMap::new();
    for i in 0..sizes.clans {
        let n = ctx.existing.clans + i + 1;
        let code = format!("DH-{}-{n:04}", c.code);
        let ethnicity = people.ethnicity();
        let age = people.rng.range(50, 85) as i16;
        let head = people.person_with(None, Sex::Nam, age, ethnicity)?;
        let branches = clans_by_family.entry(head.family).or_default();
        let mut v = Values::new();
        v.insert("code", text(&code));
        v.insert("name", text(format!("Họ {}", head.family)));
        if !branches.is_empty() {
            v.insert("branch", text(format!("Chi {}", branches.len() + 1)));
        }
        v.insert("head_name", text(&head.name));
        v.insert("home_commune", commune_value.clone());
        branches.push(code);
        out.clans.push(record(v, &[("home_commune", c.id)], c.id, pc));
    }

    // Organisations: the commune's own bodies first, then schools and businesses.
    for i in 0..sizes.organisations {
        let n = ctx.existing.organisations + i + 1;
        let (name, kind, level, staff) = organisation(people.rng, &c.name, &short, i);
        let head = people.adult()?;
        let mut v = Values::new();
        v.insert("code", text(format!("TC-{}-{n:04}", c.code)));
        v.insert("name", text(name));
        v.insert("kind", text(kind));
        v.insert("management_level", text(level));
        v.insert("commune", commune_value.clone());
        v.insert("staff", Value::Int(staff));
        v.insert("head_name", text(head.name));
        v.insert("address", text(c.name.clone()));
        out.organisations.push(record(v, &[("commune", c.id)], c.id, pc));
    }

    // One learning centre and one HKH branch per commune, one chi hội per village.
    let scale_factor = sizes.households as f64 / HOUSEHOLDS_PER_COMMUNE as f64;
    if !ctx.existing.centre {
        let manager = people.adult()?;
        let mut v = Values::new();
        v.insert("code", text(format!("TT-{}", c.code)));
        v.insert("name", text(format!("Trung tâm học tập cộng đồng {short}")));
        v.insert("commune", commune_value.clone());
        v.insert("manager_name", text(manager.name));
        v.insert("manager_is_hkh_chair", Value::Bool(people.rng.chance(0.3)));
        v.insert("activities_per_year", Value::Int(people.rng.range(12, 60)));
        v.insert("learners", Value::Int((people.rng.range(1_500, 6_000) as f64 * scale_factor).round().max(50.0) as i64));
        v.insert("uses_it", Value::Bool(people.rng.chance(0.6)));
        out.centres.push(record(v, &[("commune", c.id)], c.id, pc));
    }
    let commune_branch = format!("CH-{}", c.code);
    let mut new_branches: Vec<(String, i64)> = Vec::new();
    if !ctx.existing.branch_codes.contains(&commune_branch) && !ctx.existing.commune_branch {
        let chair = people.adult()?;
        let mut v = Values::new();
        v.insert("code", text(&commune_branch));
        v.insert("name", text(format!("Hội Khuyến học {}", c.name)));
        v.insert("level", text("xa"));
        v.insert("unit", commune_value.clone());
        v.insert("host", text(format!("Trụ sở UBND {}", c.name)));
        v.insert("chair_name", text(chair.name));
        out.branches.push(record(v, &[("unit", c.id)], c.id, pc));
        new_branches.push((commune_branch.clone(), c.id));
    }
    for village in ctx.villages {
        let code = format!("CH-{}", village.code);
        if ctx.existing.branch_codes.contains(&code) {
            continue;
        }
        let chair = people.adult()?;
        let mut v = Values::new();
        v.insert("code", text(&code));
        // Named with its commune: villages' names repeat from commune to commune (Tổ dân phố 1),
        // and the portal lists every association by name.
        v.insert("name", text(format!("Chi hội khuyến học {}, {}", village.name, c.name)));
        v.insert("level", text("chi_hoi"));
        v.insert("unit", unit_value(village)?);
        v.insert("host", text(format!("Nhà văn hóa {}", village.name)));
        v.insert("chair_name", text(chair.name));
        out.branches.push(record(v, &[("unit", village.id)], village.id, pc));
        new_branches.push((code, village.id));
    }

    // Households village by village, with their members.
    let weights: Vec<u32> = ctx.villages.iter().map(|_| people.rng.range(50, 150) as u32).collect();
    let weight_sum: u64 = weights.iter().map(|w| u64::from(*w)).sum::<u64>().max(1);
    let mut assigned = 0u64;
    let mut household_no = ctx.existing.households;
    // Learners per branch code, for scholarship payments (a few are enough).
    let mut learners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (vi, village) in ctx.villages.iter().enumerate() {
        let count = if vi + 1 == ctx.villages.len() {
            sizes.households - assigned
        } else {
            (sizes.households * u64::from(weights.get(vi).copied().unwrap_or(100)) / weight_sum).min(sizes.households - assigned)
        };
        assigned += count;
        let village_value = unit_value(village)?;
        let branch = format!("CH-{}", village.code);
        let branch_is_new = new_branches.iter().any(|(b, _)| *b == branch);
        let village_branch_exists = branch_is_new || ctx.existing.branch_codes.contains(&branch);
        for _ in 0..count {
            household_no += 1;
            let hh_code = format!("HG-{}-{household_no:06}", c.code);
            let members = people.household()?;
            let Some((head, _)) = members.first() else { continue };
            let mut v = Values::new();
            v.insert("code", text(&hh_code));
            v.insert("head_name", text(&head.name));
            v.insert("head_cccd", text(&head.cccd));
            v.insert("address", text(format!("Số {}, {}", people.rng.range(1, 300), village.name)));
            v.insert("village", village_value.clone());
            v.insert("members", Value::Int(members.len() as i64));
            out.households.push(record(v, &[("village", village.id)], village.id, pc));

            // The household's clan: the one of its paternal family name, when the commune has it.
            let patriline =
                members.iter().find(|(p, r)| p.sex == Sex::Nam && matches!(*r, "chu_ho" | "chong")).map_or(head.family, |(p, _)| p.family);
            if let Some(codes) = clans_by_family.get(patriline)
                && people.rng.chance(0.7)
                && let Some(clan) = people.rng.pick(codes)
            {
                let mut v = Values::new();
                v.insert("clan", text(clan));
                v.insert("household", text(&hh_code));
                v.insert("joined_on", Value::Date(people.rng.date_between(date(2000, 1, 1), on)));
                out.clan_members.push(record(v, &[], c.id, pc));
            }

            for (p, relation) in &members {
                let age = p.age(on);
                let mut v = Values::new();
                v.insert("cccd", text(&p.cccd));
                v.insert("full_name", text(&p.name));
                v.insert("birth_date", Value::Date(p.birth));
                v.insert("sex", text(p.sex.code()));
                v.insert("ethnicity", text(p.ethnicity));
                if let Some(g) = people.occupation(age) {
                    v.insert("occupation_group", text(g));
                    if g == "N4" {
                        let list = learners.entry(branch.clone()).or_default();
                        if list.len() < 20 {
                            list.push(p.cccd.clone());
                        }
                    }
                }
                v.insert("household", text(&hh_code));
                v.insert("relation", text(*relation));
                v.insert("village", village_value.clone());
                out.citizens.push(record(v, &[("village", village.id)], village.id, pc));

                if age >= 18 && village_branch_exists && people.rng.chance(sizes.member_share) {
                    let adult_on = p.birth.checked_add(jiff::Span::new().years(18)).unwrap_or(p.birth);
                    let joined = people.rng.date_between(adult_on.max(date(2010, 1, 1)), ctx.until);
                    // Entered in the past: later members join on an admission day (02/10).
                    let joined = if joined > on {
                        let y = joined.year();
                        [date(y, 10, 2), date(y + 1, 10, 2), date(y - 1, 10, 2)]
                            .into_iter()
                            .find(|d| *d > on && *d <= ctx.until)
                            .unwrap_or(on)
                    } else {
                        joined
                    };
                    let mut v = Values::new();
                    v.insert("branch", text(&branch));
                    v.insert("cccd", text(&p.cccd));
                    v.insert("full_name", text(&p.name));
                    v.insert("joined_on", Value::Date(joined));
                    v.insert("dues_per_year", Value::Int(*people.rng.pick(&[20_000, 30_000, 50_000, 100_000]).unwrap_or(&50_000)));
                    out.members.push(record(v, &[], village.id, pc));
                }
            }
        }
    }

    // Fund ledgers of the branches created now (an existing branch keeps its own numbering).
    let all_learners: Vec<String> = learners.values().flatten().take(50).cloned().collect();
    for (branch, unit_id) in &new_branches {
        let beneficiaries = learners.get(branch).filter(|l| !l.is_empty()).unwrap_or(&all_learners);
        let commune_level = *branch == commune_branch;
        let years = if ctx.until > on { on.year()..=ctx.until.year() } else { (on.year() - sizes.fund_years + 1)..=on.year() };
        for year in years {
            let (mut receipts, mut payments) = (0, 0);
            let mut entries: Vec<FundLine> = Vec::new();
            entries.push(FundLine::new("thu_hoi_phi", people.rng.range(20, 200) * 50_000));
            for _ in 0..people.rng.range(1, 3) {
                let donor = if people.rng.chance(0.3) { people.company_name() } else { format!("Ông/Bà {}", people.adult()?.name) };
                entries.push(FundLine { counterparty: Some(donor), ..FundLine::new("thu_ung_ho", people.rng.range(1, 40) * 500_000) });
            }
            if commune_level {
                entries.push(FundLine {
                    counterparty: Some(format!("UBND {}", c.name)),
                    decision: Some(format!("Dự toán ngân sách năm {year}")),
                    ..FundLine::new("thu_ngan_sach", people.rng.range(10, 60) * 1_000_000)
                });
            }
            for k in 0..people.rng.range(1, 3) {
                entries.push(FundLine {
                    beneficiary: people.rng.pick(beneficiaries).cloned(),
                    decision: Some(format!("Quyết định số {}/QĐ-HKH năm {year}", k + 1)),
                    ..FundLine::new("chi_hoc_bong", people.rng.range(1, 6) * 500_000)
                });
            }
            entries.push(FundLine {
                counterparty: Some("Học sinh giỏi năm học".into()),
                ..FundLine::new("chi_khen_thuong", people.rng.range(2, 20) * 200_000)
            });
            entries.push(FundLine::new("chi_hoat_dong", people.rng.range(1, 10) * 300_000));
            for e in entries {
                let no = if e.kind.starts_with("thu_") {
                    receipts += 1;
                    format!("PT-{year}-{receipts:03}")
                } else {
                    payments += 1;
                    format!("PC-{year}-{payments:03}")
                };
                let last_day = if year == ctx.until.year() { ctx.until } else { date(year, 12, 31) };
                let mut v = Values::new();
                v.insert("branch", text(branch));
                v.insert("entry_no", text(no));
                v.insert("posted_on", Value::Date(people.rng.date_between(date(year, 1, 1), last_day)));
                v.insert("kind", text(e.kind));
                v.insert("amount", Value::Int(e.amount));
                if let Some(cp) = e.counterparty {
                    v.insert("counterparty", text(cp));
                }
                if let Some(b) = e.beneficiary {
                    v.insert("beneficiary_cccd", text(b));
                }
                if let Some(d) = e.decision {
                    v.insert("decision", text(d));
                }
                out.funds.push(record(v, &[], *unit_id, pc));
            }
        }
    }
    Ok(out)
}

/// One line of a fund ledger before it is numbered.
struct FundLine {
    kind: &'static str,
    amount: i64,
    counterparty: Option<String>,
    beneficiary: Option<String>,
    decision: Option<String>,
}

impl FundLine {
    fn new(kind: &'static str, amount: i64) -> Self {
        Self { kind, amount, counterparty: None, beneficiary: None, decision: None }
    }
}

/// "Xã Đông Kinh" → "Đông Kinh".
fn short_name(name: &str) -> String {
    for prefix in ["Xã ", "Phường ", "Đặc khu ", "Thị trấn "] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    name.to_string()
}

const COMPANY_WORDS: [&str; 16] = [
    "Thành Công",
    "Phú Thịnh",
    "Hoàng Long",
    "Minh Phát",
    "An Khang",
    "Đại Phát",
    "Tân Tiến",
    "Hưng Thịnh",
    "Việt Hưng",
    "Kim Long",
    "Bảo An",
    "Phúc Lộc",
    "Trường Sơn",
    "Hồng Hà",
    "Nam Việt",
    "Đông Á",
];

/// The i-th organisation of a commune: (name, kind, management level, staff).
fn organisation(rng: &mut Rng, commune: &str, short: &str, i: u64) -> (String, &'static str, &'static str, i64) {
    let fixed: [(String, &str, &str, (i64, i64)); 13] = [
        (format!("Ủy ban nhân dân {commune}"), "co_quan_nha_nuoc", "xa", (20, 45)),
        (format!("Trường Mầm non {short}"), "truong_hoc", "xa", (15, 40)),
        (format!("Trường Tiểu học {short}"), "truong_hoc", "xa", (20, 50)),
        (format!("Trường Trung học cơ sở {short}"), "truong_hoc", "xa", (25, 60)),
        (format!("Công an {commune}"), "luc_luong_vu_trang", "tinh", (8, 25)),
        (format!("Ban Chỉ huy quân sự {commune}"), "luc_luong_vu_trang", "xa", (3, 10)),
        (format!("Trạm Y tế {commune}"), "co_quan_nha_nuoc", "xa", (5, 15)),
        (format!("Ủy ban Mặt trận Tổ quốc Việt Nam {commune}"), "to_chuc_chinh_tri_xa_hoi", "xa", (3, 8)),
        (format!("Hội Liên hiệp Phụ nữ {commune}"), "to_chuc_chinh_tri_xa_hoi", "xa", (2, 6)),
        (format!("Hội Nông dân {commune}"), "to_chuc_chinh_tri_xa_hoi", "xa", (2, 6)),
        (format!("Đoàn Thanh niên Cộng sản Hồ Chí Minh {commune}"), "to_chuc_chinh_tri_xa_hoi", "xa", (2, 6)),
        (format!("Hội Cựu chiến binh {commune}"), "to_chuc_chinh_tri_xa_hoi", "xa", (2, 6)),
        (format!("Hợp tác xã nông nghiệp {short}"), "co_so_san_xuat", "xa", (5, 40)),
    ];
    if let Some((name, kind, level, (lo, hi))) = fixed.into_iter().nth(usize::try_from(i).unwrap_or(usize::MAX)) {
        return (name, kind, level, rng.range(lo, hi));
    }
    let word = rng.pick(&COMPANY_WORDS).copied().unwrap_or("Thành Công");
    if rng.chance(0.05) {
        return (format!("Trường Trung học phổ thông {short}"), "truong_hoc", "tinh", rng.range(40, 90));
    }
    if rng.chance(0.45) {
        let form = rng.pick(&["Công ty TNHH", "Công ty cổ phần", "Doanh nghiệp tư nhân"]).copied().unwrap_or("Công ty TNHH");
        let level = if rng.chance(0.2) { "tinh" } else { "xa" };
        return (format!("{form} {word}"), "doanh_nghiep", level, rng.range(5, 300));
    }
    let trade = rng
        .pick(&[
            "Cơ sở may",
            "Cơ sở chế biến gỗ",
            "Xưởng cơ khí",
            "Cửa hàng vật liệu xây dựng",
            "Cơ sở chế biến nông sản",
            "Cơ sở sửa chữa xe máy",
            "Trang trại",
        ])
        .copied()
        .unwrap_or("Cơ sở may");
    (format!("{trade} {word}"), "co_so_san_xuat", "xa", rng.range(2, 30))
}

/// Names and types of new villages of a commune, unique (folded) within it.
fn village_names(rng: &mut Rng, commune: &UnitRow, profile: Profile, n: usize) -> Vec<(String, &'static str)> {
    let ward = commune.unit_type == "phường";
    let ty = if ward {
        "tổ dân phố"
    } else {
        match profile {
            Profile::NorthWest => "bản",
            Profile::Mekong => "ấp",
            _ => "thôn",
        }
    };
    let label = match ty {
        "tổ dân phố" => "Tổ dân phố",
        "bản" => "Bản",
        "ấp" => "Ấp",
        _ => "Thôn",
    };
    let (first, second): (&[&str], &[&str]) = match profile {
        Profile::TayNung | Profile::NorthWest => (
            &["Nà", "Pò", "Khòn", "Khuổi", "Lũng", "Phai", "Cốc", "Nặm", "Pác", "Kéo", "Bó", "Slằng", "Co", "Hua"],
            &[
                "Sla", "Mò", "Pát", "Lừa", "Cáp", "Rặc", "Lẹng", "Khiêng", "Tổng", "Quang", "Piềng", "Hin", "Làng", "Đon", "Chang", "Mạ",
                "Pảng", "Nưa",
            ],
        ),
        _ => (
            &["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân", "An", "Phú", "Hòa", "Bình", "Xuân", "Mỹ"],
            &["Thịnh", "Lộc", "Hưng", "Yên", "Phúc", "Thuận", "Long", "Thành", "Đồng", "Lạc", "Hòa", "Lợi", "Tiến", "Quang", "Sơn", "Vinh"],
        ),
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for k in 1..=n {
        let mut name = String::new();
        if !ward {
            for _ in 0..8 {
                let candidate =
                    format!("{label} {} {}", rng.pick(first).copied().unwrap_or("Tân"), rng.pick(second).copied().unwrap_or("Lộc"));
                if !seen.contains(&hoctap_domain::text::fold(&candidate)) {
                    name = candidate;
                    break;
                }
            }
        }
        if name.is_empty() {
            name = format!("{label} {k}");
        }
        seen.insert(hoctap_domain::text::fold(&name));
        out.push((name, ty));
    }
    out
}

// ---------------------------------------------------------------------------------------
// People.

/// Regional mix of ethnicities, family names and occupations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// Cao Bằng, Lạng Sơn: Nùng and Tày majorities.
    TayNung,
    /// Northern mountains: Thái, H'Mông, Dao, Tày…
    NorthWest,
    /// Northern midlands: Kinh with Tày, Mường, Dao, Sán Dìu.
    Midland,
    /// Central Highlands: Kinh with Gia Rai, Ê Đê, Ba Na, Cơ Ho, Mnông.
    Highlands,
    /// Mekong delta: Kinh with Khmer, Hoa.
    Mekong,
    /// Large cities: Kinh with Hoa, mostly N2/N3 jobs.
    Urban,
    /// Delta and coast: almost all Kinh.
    Lowland,
}

impl Profile {
    fn of(province: &str) -> Self {
        match province {
            "04" | "20" => Self::TayNung,
            "08" | "11" | "12" | "14" | "15" => Self::NorthWest,
            "19" | "22" | "25" => Self::Midland,
            "52" | "66" | "68" => Self::Highlands,
            "80" | "82" | "86" | "91" | "96" => Self::Mekong,
            "01" | "31" | "48" | "79" | "92" => Self::Urban,
            _ => Self::Lowland,
        }
    }

    /// Ethnicities with weights (per mille), from the 2019 census shares of the region.
    fn ethnicities(self) -> &'static [(&'static str, u32)] {
        match self {
            Self::TayNung => &[("Nùng", 420), ("Tày", 350), ("Kinh", 160), ("Dao", 40), ("Sán Chay", 12), ("Hoa", 8), ("H'Mông", 10)],
            Self::NorthWest => &[
                ("Thái", 300),
                ("H'Mông", 250),
                ("Kinh", 200),
                ("Dao", 80),
                ("Tày", 70),
                ("Mường", 30),
                ("Khơ Mú", 25),
                ("Hà Nhì", 20),
                ("Giáy", 15),
                ("Nùng", 10),
            ],
            Self::Midland => &[("Kinh", 760), ("Tày", 80), ("Mường", 80), ("Nùng", 30), ("Dao", 25), ("Sán Dìu", 15), ("Sán Chay", 10)],
            Self::Highlands => {
                &[("Kinh", 680), ("Gia Rai", 100), ("Ê Đê", 80), ("Ba Na", 40), ("Cơ Ho", 40), ("Mnông", 30), ("Tày", 15), ("Nùng", 15)]
            }
            Self::Mekong => &[("Kinh", 920), ("Khmer", 62), ("Hoa", 15), ("Chăm", 3)],
            Self::Urban => &[("Kinh", 965), ("Hoa", 25), ("Tày", 4), ("Mường", 3), ("Khmer", 3)],
            Self::Lowland => &[("Kinh", 985), ("Mường", 5), ("Thái", 4), ("Hoa", 3), ("Tày", 3)],
        }
    }

    /// Occupation groups of adults (N1 farmers … N4 adult learners).
    fn adult_occupations(self) -> &'static [(&'static str, u32)] {
        match self {
            Self::TayNung | Self::NorthWest | Self::Highlands => &[("N1", 720), ("N2", 180), ("N3", 70), ("N4", 30)],
            Self::Urban => &[("N1", 80), ("N2", 600), ("N3", 260), ("N4", 60)],
            Self::Midland | Self::Mekong | Self::Lowland => &[("N1", 520), ("N2", 340), ("N3", 100), ("N4", 40)],
        }
    }
}

/// Kinh family names with their national frequencies (per ten thousand): Nguyễn ~38%,
/// Trần 11%, Lê 9.5%, Phạm 7%, Hoàng/Huỳnh 5%, Phan 4.5%, Vũ/Võ 3.9%, Đặng 2.1%, Bùi 2%,
/// Đỗ 1.4%, Hồ 1.3%, Ngô 1.3%, Dương 1%, Lý 0.5%, and a tail. In the South Hoàng is mostly
/// Huỳnh and Vũ mostly Võ.
const KINH_FAMILIES_NORTH: [(&str, u32); 22] = [
    ("Nguyễn", 3800),
    ("Trần", 1100),
    ("Lê", 950),
    ("Phạm", 700),
    ("Hoàng", 500),
    ("Phan", 450),
    ("Vũ", 390),
    ("Đặng", 210),
    ("Bùi", 200),
    ("Đỗ", 140),
    ("Hồ", 130),
    ("Ngô", 130),
    ("Dương", 100),
    ("Lý", 50),
    ("Đào", 60),
    ("Đinh", 60),
    ("Trương", 50),
    ("Lương", 40),
    ("Mai", 40),
    ("Cao", 30),
    ("Hà", 30),
    ("Tạ", 20),
];
const KINH_FAMILIES_SOUTH: [(&str, u32); 22] = [
    ("Nguyễn", 3800),
    ("Trần", 1100),
    ("Lê", 950),
    ("Phạm", 700),
    ("Huỳnh", 500),
    ("Phan", 450),
    ("Võ", 390),
    ("Đặng", 210),
    ("Bùi", 200),
    ("Đỗ", 140),
    ("Hồ", 130),
    ("Ngô", 130),
    ("Dương", 100),
    ("Lý", 50),
    ("Đào", 60),
    ("Đinh", 60),
    ("Trương", 50),
    ("Lâm", 40),
    ("Mai", 40),
    ("Cao", 30),
    ("Châu", 30),
    ("Tạ", 20),
];
/// Tày and Nùng (Lạng Sơn, Cao Bằng).
const TAY_NUNG_FAMILIES: [(&str, u32); 16] = [
    ("Hoàng", 180),
    ("Nông", 120),
    ("Lương", 80),
    ("Lục", 60),
    ("Vi", 70),
    ("Hà", 50),
    ("Triệu", 50),
    ("Chu", 40),
    ("Lăng", 30),
    ("Mã", 25),
    ("Đàm", 25),
    ("Lý", 40),
    ("Nguyễn", 80),
    ("Hứa", 25),
    ("Lâm", 20),
    ("Bế", 25),
];
const THAI_FAMILIES: [(&str, u32); 9] =
    [("Lò", 200), ("Lường", 150), ("Cầm", 120), ("Quàng", 90), ("Điêu", 60), ("Vì", 80), ("Hà", 90), ("Sầm", 40), ("Tòng", 60)];
const MONG_FAMILIES: [(&str, u32); 9] =
    [("Giàng", 180), ("Vàng", 170), ("Sùng", 140), ("Lý", 120), ("Mùa", 100), ("Thào", 100), ("Hầu", 60), ("Lầu", 60), ("Má", 40)];
const DAO_FAMILIES: [(&str, u32); 6] = [("Triệu", 250), ("Bàn", 200), ("Đặng", 200), ("Lý", 150), ("Phùng", 100), ("Chìu", 50)];
const MUONG_FAMILIES: [(&str, u32); 5] = [("Bùi", 350), ("Đinh", 250), ("Quách", 150), ("Hà", 150), ("Xa", 50)];
const KHMER_FAMILIES: [(&str, u32); 7] =
    [("Thạch", 300), ("Danh", 200), ("Sơn", 150), ("Kim", 100), ("Lâm", 80), ("Trà", 70), ("Chau", 100)];
const HOA_FAMILIES: [(&str, u32); 7] =
    [("Lý", 200), ("Trương", 180), ("Lâm", 160), ("Quách", 120), ("Mã", 100), ("Châu", 120), ("Tăng", 80)];
/// Central Highlands peoples write the family name last for Ê Đê, Mnông (Y Bih Niê), first
/// for Gia Rai, Ba Na, Cơ Ho (Ksor Phú).
const HIGHLAND_FAMILIES: [(&str, u32); 12] = [
    ("Niê", 100),
    ("Êban", 60),
    ("Mlô", 50),
    ("Byă", 40),
    ("Ksor", 120),
    ("Rơ Châm", 80),
    ("Siu", 70),
    ("Rah Lan", 50),
    ("Đinh", 60),
    ("K'Bră", 40),
    ("Liêng", 40),
    ("Bon", 30),
];

const MALE_MIDDLE: [(&str, u32); 12] = [
    ("Văn", 450),
    ("Đức", 80),
    ("Hữu", 60),
    ("Minh", 80),
    ("Quang", 50),
    ("Công", 50),
    ("Xuân", 40),
    ("Thành", 40),
    ("Ngọc", 30),
    ("Gia", 40),
    ("Anh", 30),
    ("Trọng", 30),
];
const FEMALE_MIDDLE: [(&str, u32); 11] = [
    ("Thị", 520),
    ("Ngọc", 80),
    ("Thu", 50),
    ("Thanh", 60),
    ("Minh", 40),
    ("Phương", 40),
    ("Bảo", 30),
    ("Khánh", 30),
    ("Hồng", 40),
    ("Kim", 40),
    ("Mai", 30),
];
const MALE_GIVEN: [&str; 40] = [
    "An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu", "Hùng", "Huy", "Khoa", "Khánh", "Long", "Minh", "Nam", "Phong", "Phúc",
    "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Kiên", "Lâm", "Hoàng", "Bảo", "Duy",
    "Hưng", "Lợi", "Thịnh", "Hòa", "Tâm", "Chiến",
];
const FEMALE_GIVEN: [&str; 40] = [
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My",
    "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thu", "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Hiền", "Thanh",
    "Nhi", "Vy", "Huệ", "Lụa", "Nhàn", "Duyên", "Diệp",
];
/// Given names of highland peoples (with Y for men and H' for women in Ê Đê and Mnông).
const HIGHLAND_GIVEN: [&str; 16] =
    ["Bih", "Moan", "Jú", "Kông", "Khuê", "Nun", "Ngơn", "Thuôn", "Blơ", "Hen", "Liên", "Yên", "Dơk", "Năm", "Phú", "Sương"];
/// Given names common among H'Mông and Thái.
const MOUNTAIN_GIVEN: [&str; 12] = ["Páo", "Chứ", "Sử", "Dế", "Mỷ", "Súa", "Dua", "Pằng", "Xuân", "Ún", "Sinh", "Chơ"];

fn family_names(ethnicity: &str, south: bool) -> &'static [(&'static str, u32)] {
    match ethnicity {
        "Tày" | "Nùng" | "Sán Chay" | "Giáy" => &TAY_NUNG_FAMILIES,
        "Thái" | "Khơ Mú" | "Hà Nhì" => &THAI_FAMILIES,
        "H'Mông" => &MONG_FAMILIES,
        "Dao" | "Sán Dìu" => &DAO_FAMILIES,
        "Mường" => &MUONG_FAMILIES,
        "Khmer" | "Chăm" => &KHMER_FAMILIES,
        "Hoa" => &HOA_FAMILIES,
        "Gia Rai" | "Ê Đê" | "Ba Na" | "Cơ Ho" | "Mnông" => &HIGHLAND_FAMILIES,
        _ if south => &KINH_FAMILIES_SOUTH,
        _ => &KINH_FAMILIES_NORTH,
    }
}

struct PersonGen<'a, 'c> {
    ctx: &'a CommuneCtx<'c>,
    rng: &'a mut Rng,
    serials: &'a mut Serials,
}

impl PersonGen<'_, '_> {
    fn ethnicity(&mut self) -> &'static str {
        self.rng.weighted(self.ctx.profile.ethnicities()).unwrap_or("Kinh")
    }

    /// A person of a given sex, age and ethnicity; `family` forces the family name.
    fn person_with(&mut self, family: Option<&'static str>, sex: Sex, age: i16, ethnicity: &'static str) -> Result<Person, GenError> {
        let on = self.ctx.on;
        let family = family.unwrap_or_else(|| self.rng.weighted(family_names(ethnicity, self.ctx.south)).unwrap_or("Nguyễn"));
        let birth = birth_date(self.rng, age.max(0), on);
        let name = self.full_name(family, sex, ethnicity, birth.year());
        let province = if self.rng.chance(MIGRANT_SHARE) {
            self.rng.below(BIRTH_PROVINCES.len() as u64) as usize
        } else {
            let code = self.rng.pick(self.ctx.natives).copied().unwrap_or("001");
            BIRTH_PROVINCES.iter().position(|(c, _)| *c == code).unwrap_or(self.ctx.birth_slot)
        };
        let cccd = self.serials.issue(province, birth, sex)?;
        Ok(Person { name, family, sex, birth, ethnicity, cccd })
    }

    fn full_name(&mut self, family: &'static str, sex: Sex, ethnicity: &str, born: i16) -> String {
        let male = sex == Sex::Nam;
        match ethnicity {
            "Ê Đê" | "Mnông" => {
                let given = self.rng.pick(&HIGHLAND_GIVEN).copied().unwrap_or("Bih");
                if male { format!("Y {given} {family}") } else { format!("H'{given} {family}") }
            }
            "Gia Rai" | "Ba Na" | "Cơ Ho" => {
                let given = self.rng.pick(&HIGHLAND_GIVEN).copied().unwrap_or("Phú");
                if male { format!("{family} {given}") } else { format!("{family} H'{given}") }
            }
            _ => {
                let given = if matches!(ethnicity, "H'Mông" | "Thái") && self.rng.chance(0.5) {
                    self.rng.pick(&MOUNTAIN_GIVEN).copied().unwrap_or("Páo")
                } else if male {
                    self.rng.pick(&MALE_GIVEN).copied().unwrap_or("An")
                } else {
                    self.rng.pick(&FEMALE_GIVEN).copied().unwrap_or("Lan")
                };
                // Văn and Thị grow rarer among the young.
                let middle = if born >= 2000 && self.rng.chance(0.5) {
                    let list: &[(&str, u32)] = if male { &MALE_MIDDLE[1..] } else { &FEMALE_MIDDLE[1..] };
                    self.rng.weighted(list).unwrap_or("Minh")
                } else {
                    self.rng.weighted(if male { &MALE_MIDDLE } else { &FEMALE_MIDDLE }).unwrap_or("Văn")
                };
                if middle == given { format!("{family} {given}") } else { format!("{family} {middle} {given}") }
            }
        }
    }

    fn adult(&mut self) -> Result<Person, GenError> {
        let sex = if self.rng.chance(0.6) { Sex::Nam } else { Sex::Nu };
        let age = self.rng.range(28, 62) as i16;
        let e = self.ethnicity();
        self.person_with(None, sex, age, e)
    }

    fn company_name(&mut self) -> String {
        format!("Công ty TNHH {}", self.rng.pick(&COMPANY_WORDS).copied().unwrap_or("Thành Công"))
    }

    fn occupation(&mut self, age: i16) -> Option<&'static str> {
        match age {
            ..6 => None,
            6..18 => Some("N4"),
            18..23 if self.rng.chance(0.5) => Some("N4"),
            _ => self.rng.weighted(self.ctx.profile.adult_occupations()),
        }
    }

    /// A household: the head first, then spouse, parents of the head, children and
    /// grandchildren, with their relation to the head.
    fn household(&mut self) -> Result<Vec<(Person, &'static str)>, GenError> {
        let size = self.rng.weighted(&HOUSEHOLD_SIZES).unwrap_or(4);
        let head_sex = if (size == 1 && self.rng.chance(0.5)) || self.rng.chance(0.25) { Sex::Nu } else { Sex::Nam };
        let head_age = self.rng.range(if size == 1 { 20 } else { 24 }, 82) as i16;
        let ethnicity = self.ethnicity();
        let head = self.person_with(None, head_sex, head_age, ethnicity)?;
        let mut out = vec![(head.clone(), "chu_ho")];
        let mut father = (head_sex == Sex::Nam).then(|| head.clone());
        let mut mother = (head_sex == Sex::Nu).then(|| head.clone());
        if size >= 2 && self.rng.chance(0.88) {
            let (sex, relation) = if head_sex == Sex::Nam { (Sex::Nu, "vo") } else { (Sex::Nam, "chong") };
            let age = (head_age + self.rng.range(-6, 4) as i16).max(20);
            let e = if self.rng.chance(0.85) { ethnicity } else { self.ethnicity() };
            let spouse = self.person_with(None, sex, age, e)?;
            if sex == Sex::Nam {
                father = Some(spouse.clone());
            } else {
                mother = Some(spouse.clone());
            }
            out.push((spouse, relation));
        }
        // The head's parents live with younger families now and then.
        if size >= 4 && head_age < 50 && self.rng.chance(0.25) {
            let age = (head_age + self.rng.range(22, 32) as i16).min(100);
            let p = self.person_with(Some(head.family), Sex::Nam, age, ethnicity)?;
            out.push((p, "cha"));
            if out.len() < size && self.rng.chance(0.8) {
                let age = age - self.rng.range(0, 5) as i16;
                let p = self.person_with(None, Sex::Nu, age, ethnicity)?;
                out.push((p, "me"));
            }
        }
        let child_family = father.as_ref().map_or(head.family, |f| f.family);
        let child_ethnicity = father.as_ref().map_or(ethnicity, |f| f.ethnicity);
        let youngest_parent_age =
            [father.as_ref(), mother.as_ref()].into_iter().flatten().map(|p| p.age(self.ctx.on)).min().unwrap_or(head_age);
        let older_generation = head_age >= 58 && size.saturating_sub(out.len()) >= 3;
        let mut child_age_cap = (youngest_parent_age - 18).max(0);
        let mut eldest_son: Option<Person> = None;
        while out.len() < size {
            if older_generation && eldest_son.is_none() {
                let age = (head_age - self.rng.range(22, 32) as i16).max(18);
                let son = self.person_with(Some(child_family), Sex::Nam, age, child_ethnicity)?;
                out.push((son.clone(), "con"));
                let wife_age = (age + self.rng.range(-4, 2) as i16).max(18);
                let wife = self.person_with(None, Sex::Nu, wife_age, ethnicity)?;
                out.push((wife, "con_dau"));
                child_age_cap = (age - 18).max(0);
                eldest_son = Some(son);
                continue;
            }
            let (relation, family) = match &eldest_son {
                Some(son) => ("chau", son.family),
                None => ("con", child_family),
            };
            let lo = (child_age_cap - 20).max(0);
            let age = self.rng.range(i64::from(lo), i64::from(child_age_cap)) as i16;
            let sex = if self.rng.chance(0.51) { Sex::Nam } else { Sex::Nu };
            let child = self.person_with(Some(family), sex, age, child_ethnicity)?;
            out.push((child, relation));
        }
        out.truncate(size.max(1));
        Ok(out)
    }
}

/// A birth date giving exactly `age` completed years on `on`.
fn birth_date(rng: &mut Rng, age: i16, on: Date) -> Date {
    let month = rng.range(1, 12) as i8;
    let day = rng.range(1, 28) as i8;
    let mut year = on.year() - age;
    if (month, day) > (on.month(), on.day()) {
        year -= 1;
    }
    Date::new(year, month, day).unwrap_or(on)
}

// ---------------------------------------------------------------------------------------
// Randomness.

/// SplitMix64 (Steele, Lea & Flood 2014), written out here rather than taken from `rand`:
/// the generated data must stay the same for a given `--seed` across dependency upgrades
/// (rand documents that `StdRng`'s algorithm may change between versions), and ten lines of
/// well-known code do not warrant a new dependency of the CLI crate.
struct Rng(u64);

impl Rng {
    /// A generator for one unit: the same seed and unit code give the same stream,
    /// whichever scale the unit is generated at.
    fn for_unit(seed: u64, code: &str) -> Self {
        let mut r = Rng(seed);
        for b in code.bytes() {
            r.0 ^= u64::from(b);
            r.next_u64();
        }
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2⁻³² for the small n used here).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut x = self.below(total.max(1));
        for (item, w) in items {
            if x < u64::from(*w) {
                return Some(*item);
            }
            x -= u64::from(*w);
        }
        items.last().map(|(i, _)| *i)
    }

    /// A date in `[from, to]` (`to` when the range is empty).
    fn date_between(&mut self, from: Date, to: Date) -> Date {
        let days = from.until(to).map(|s| s.get_days()).unwrap_or(0);
        if days <= 0 {
            return to;
        }
        let offset = self.range(0, i64::from(days));
        from.checked_add(jiff::Span::new().days(offset)).unwrap_or(to).min(to)
    }
}

/// Names and types of `n` new villages of a commune, as the generator makes them (the demo's
/// villages of the years before the 2025 reorganisation).
pub(crate) fn village_names_for(seed: u64, commune: &UnitRow, province_code: &str, n: usize) -> Vec<(String, &'static str)> {
    let mut rng = Rng::for_unit(seed ^ 0x7669_6c6c, &commune.code);
    village_names(&mut rng, commune, Profile::of(province_code), n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoctap_domain::registry::cccd::Cccd;

    #[test]
    fn scale_constants_follow_the_national_totals() {
        assert_eq!(HOUSEHOLDS_PER_COMMUNE, 8_130);
        assert_eq!(CLANS_PER_COMMUNE, 301);
        assert_eq!(ORGANISATIONS_PER_COMMUNE, 90);
        assert_eq!(VILLAGES_PER_COMMUNE, 30);
        let total: u32 = HOUSEHOLD_SIZES.iter().map(|(_, w)| w).sum();
        let mean = HOUSEHOLD_SIZES.iter().map(|(s, w)| *s as f64 * f64::from(*w)).sum::<f64>() / f64::from(total);
        let national = NATIONAL_CITIZENS as f64 / NATIONAL_HOUSEHOLDS as f64;
        assert!((mean - national).abs() < 0.05, "mean household size {mean} vs {national}");
        assert_eq!(NATIONAL_PROVINCES, 34);
    }

    #[test]
    fn the_generator_is_stable_for_a_seed() {
        let mut a = Rng::for_unit(7, "06433");
        let mut b = Rng::for_unit(7, "06433");
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(xs, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(Rng::for_unit(7, "06433").next_u64(), Rng::for_unit(7, "06434").next_u64());
        // SplitMix64's published first output for seed 0.
        assert_eq!(Rng(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut r = Rng(1);
        assert!((0..1000).map(|_| r.range(3, 5)).all(|x| (3..=5).contains(&x)));
    }

    #[test]
    fn issued_cccds_agree_with_birth_and_sex_and_never_repeat() {
        let mut s = Serials { block: 3, next: HashMap::new() };
        let mut seen = BTreeSet::new();
        for (i, (y, sex)) in [(1990, Sex::Nam), (1990, Sex::Nu), (2005, Sex::Nu), (1925, Sex::Nam), (2024, Sex::Nam)]
            .into_iter()
            .cycle()
            .take(50)
            .enumerate()
        {
            let birth = date(y, 5, 1 + (i % 28) as i8);
            let raw = s.issue(12, birth, sex).unwrap_or_default();
            let cccd = Cccd::parse(&raw);
            assert!(cccd.as_ref().is_ok_and(|c| c.check_against(birth, sex).is_ok()), "{raw}");
            assert!(raw.starts_with("020"), "{raw}");
            assert_eq!(raw.get(6..7), Some("3"), "block digit: {raw}");
            assert!(seen.insert(raw));
        }
    }

    #[test]
    fn digits_are_grouped_the_vietnamese_way() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1.000");
        assert_eq!(group_thousands(27_000_000), "27.000.000");
    }
}
