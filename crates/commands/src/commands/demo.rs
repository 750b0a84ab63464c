//! `hoctap demo`: a fresh demo database on the real administrative units (Lạng Sơn as the
//! demo province), a few villages, one user per role, a Hội Khuyến học with members, officers
//! and a fund ledger, the province's steering board and KH 110's tasks, then the server.

use hoctap_domain::access::{NewPassword, Role, Username};
use hoctap_domain::area::AreaAttribute;
use hoctap_domain::date::Validity;
use hoctap_domain::fund::{Dong, EntryKind, NewEntry, OfficerRole};
use hoctap_domain::registry::cccd::Cccd;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, ASSOCIATION_MEMBERS, CITIZENS, Value, Values};
use hoctap_domain::registry::person::Sex;
use hoctap_domain::unit::UnitCode;
use hoctap_http::AppState;
use hoctap_store::{Actor, NewUser, Store};
use jiff::civil::date;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Cơ sở dữ liệu mẫu; tệp SQLite được tạo mới mỗi lần chạy.
    #[arg(long, default_value = "sqlite://hoctap-demo.db")]
    pub database_url: String,
    /// Chỉ tạo dữ liệu, không chạy máy chủ.
    #[arg(long)]
    pub no_serve: bool,
    /// Số xã (1–5) có dữ liệu sổ và công nhận mẫu cho trang tổng hợp, báo cáo.
    #[arg(long, default_value_t = 5)]
    pub stat_communes: usize,
    #[command(flatten)]
    pub deploy: super::DeployArgs,
}

pub const DEMO_PASSWORD: &str = "hoctap-2025";
pub const DEMO_PROVINCE: &str = "20";

/// The demo accounts: username, full name, role, at province (true) or commune level (a
/// ministry reviewer's unit only says where the account was made: the role is national).
pub const DEMO_USERS: &[(&str, &str, Role, bool)] = &[
    ("bo.thamdinh", "Trần Thị Bộ", Role::MinistryReviewer, true),
    ("quantri", "Quản trị hệ thống", Role::SystemAdmin, true),
    ("tinh.canbo", "Nguyễn Văn Tỉnh", Role::UnitOfficer, true),
    ("tinh.thamdinh", "Đinh Thị Sở", Role::Reviewer, true),
    ("tinh.lanhdao", "Hoàng Văn Tịnh", Role::Signer, true),
    ("xa.canbo", "Hoàng Thị Xã", Role::UnitOfficer, false),
    ("xa.thamdinh", "Lương Văn Thẩm", Role::Reviewer, false),
    ("xa.lanhdao", "Vi Văn Lãnh", Role::Signer, false),
    ("hkh.xa", "Nông Thị Hội", Role::AssociationOfficer, false),
    // The CCCD says a woman born in 1990 (century-and-sex digit 1): the name agrees.
    ("020190001234", "Lục Thị Dân", Role::Citizen, false),
];

/// Builds the demo data in a migrated store; returns (province, commune) ids.
pub async fn seed(store: &Store) -> Result<(i64, i64), Box<dyn std::error::Error>> {
    store.load_admin_units().await?;
    store.load_shipped_criteria(&Actor::system("dữ liệu mẫu")).await?;
    // The seed plans and the national targets (kế hoạch, chỉ tiêu).
    store.load_plans(&Actor::system("dữ liệu mẫu"), &hoctap_domain::plan::shipped_plans()?).await?;
    let today = hoctap_store::today();
    let province = store.unit_by_code(DEMO_PROVINCE, today).await?;
    let communes = store.children(province.id, today).await?;
    let commune = communes.first().ok_or("tỉnh mẫu không có xã")?.clone();
    let actor = Actor::system("dữ liệu mẫu");
    for (name, ty) in [("Thôn Nà Sla", "thôn"), ("Thôn Pò Mò", "thôn"), ("Bản Khòn Pát", "bản"), ("Tổ dân phố 1", "tổ dân phố")]
    {
        store.create_village(&actor, commune.id, name, ty, today).await?;
    }
    store.set_attribute(&actor, commune.id, AreaAttribute::MienNui, Validity::since(jiff::civil::date(2025, 7, 1)), "Dữ liệu mẫu").await?;
    let hash = hoctap_app::secret::hash_password(&NewPassword::parse(DEMO_PASSWORD)?).map_err(|e| e.to_string())?;
    for (username, full_name, role, at_province) in DEMO_USERS {
        let unit_id = if *at_province { province.id } else { commune.id };
        store
            .create_user(
                &actor,
                NewUser {
                    username: &Username::parse(username)?,
                    full_name,
                    password_hash: &hash,
                    role: *role,
                    unit_id,
                    must_change_password: false,
                },
            )
            .await?;
    }
    Ok((province.id, commune.id))
}

/// A day as (year, month, day).
type Ymd = (i16, i8, i8);

/// People of the demo association: name, sex, birth date, member since (None: not a member).
const DEMO_PEOPLE: &[(&str, Sex, Ymd, Option<Ymd>)] = &[
    ("Nông Thị Hội", Sex::Nu, (1972, 3, 8), Some((2015, 5, 1))),
    ("Hoàng Văn Khuyến", Sex::Nam, (1960, 9, 2), Some((2012, 1, 15))),
    ("Lộc Thị Học", Sex::Nu, (1985, 11, 20), Some((2019, 9, 5))),
    ("Vy Văn Tài", Sex::Nam, (1978, 6, 30), Some((2020, 3, 26))),
    ("Lương Thị Hiền", Sex::Nu, (1990, 2, 14), Some((2023, 10, 1))),
    ("Chu Văn Minh", Sex::Nam, (1995, 7, 7), None),
    ("Hà Thị Lan", Sex::Nu, (2001, 12, 1), None),
    ("Nông Văn Bình", Sex::Nam, (1969, 4, 19), None),
    ("Triệu Thị Mai", Sex::Nu, (2008, 8, 8), None),
    ("Lăng Văn Sơn", Sex::Nam, (2010, 1, 31), None),
];

/// The demo commune's Hội Khuyến học: citizens of one village (the population), members,
/// officers and two years of fund ledger with a reversal, so the association pages show
/// something. Kept out of [`seed`] so the test databases stay as the tests expect them.
pub async fn seed_association(store: &Store, commune: i64) -> Result<(), Box<dyn std::error::Error>> {
    let today = hoctap_store::today();
    let actor = Actor::system("dữ liệu mẫu");
    let commune_row = store.unit(commune).await?;
    let village = store.children(commune, today).await?.into_iter().next().ok_or("xã mẫu chưa có thôn")?;
    let text = |s: &str| Value::Text(s.to_string());
    let mut branch = Values::new();
    branch.insert("code", text("HKH-XA-MAU"));
    branch.insert("name", text(&format!("Hội Khuyến học {}", commune_row.name)));
    branch.insert("level", text("xa"));
    branch.insert("unit", Value::Unit(UnitCode::parse(&commune_row.code)?));
    branch.insert("host", text("Trụ sở UBND xã, Trung tâm học tập cộng đồng"));
    branch.insert("chair_name", text("Nông Thị Hội"));
    // Recorded today: the commune's code may have named another unit before 01/07/2025.
    store.registry_create(&actor, &ASSOCIATION_BRANCHES, branch, None, today).await?;
    for (i, (name, sex, (y, m, d), member_since)) in DEMO_PEOPLE.iter().enumerate() {
        let cccd = format!("020{}{:02}{:06}", Cccd::century_sex_digit(*y, *sex), y % 100, 900 + i);
        let mut c = Values::new();
        c.insert("cccd", text(&cccd));
        c.insert("full_name", text(name));
        c.insert("birth_date", Value::Date(date(*y, *m, *d)));
        c.insert("sex", text(sex.code()));
        c.insert("ethnicity", text("Tày"));
        c.insert("village", Value::Unit(UnitCode::parse(&village.code)?));
        store.registry_create(&actor, &CITIZENS, c, None, today).await?;
        if let Some((jy, jm, jd)) = member_since {
            let mut mbr = Values::new();
            mbr.insert("branch", text("HKH-XA-MAU"));
            mbr.insert("cccd", text(&cccd));
            mbr.insert("full_name", text(name));
            mbr.insert("joined_on", Value::Date(date(*jy, *jm, *jd)));
            mbr.insert("dues_per_year", Value::Int(24_000));
            store.registry_create(&actor, &ASSOCIATION_MEMBERS, mbr, None, date(*jy, *jm, *jd)).await?;
        }
    }
    let branch = store.branch_by_code("HKH-XA-MAU").await?;
    for (name, role) in
        [("Nông Thị Hội", OfficerRole::ChuTich), ("Hoàng Văn Khuyến", OfficerRole::PhoChuTich), ("Lộc Thị Học", OfficerRole::ThuQuy)]
    {
        store.officer_add(&actor, &branch, name, role, None, date(2021, 1, 1)).await?;
    }
    let year = today.year();
    // Kind, amount, donor or beneficiary, decision, posting date.
    type Line<'a> = (&'a str, i64, Option<&'a str>, Option<&'a str>, jiff::civil::Date);
    let entries: [Line; 8] = [
        ("thu_ung_ho", 5_000_000, Some("Công ty TNHH Hoa Hồng"), None, date(year - 1, 2, 10)),
        ("thu_hoi_phi", 120_000, Some("Hội viên nộp hội phí"), None, date(year - 1, 3, 1)),
        ("thu_ngan_sach", 3_000_000, Some("UBND xã"), Some("QĐ 45/QĐ-UBND"), date(year - 1, 4, 15)),
        ("chi_hoc_bong", 1_000_000, Some("Triệu Thị Mai"), Some("QĐ 07/QĐ-HKH về học bổng vượt khó"), date(year - 1, 9, 5)),
        ("chi_khen_thuong", 500_000, Some("Lăng Văn Sơn"), Some("QĐ 08/QĐ-HKH khen thưởng học sinh giỏi"), date(year - 1, 6, 1)),
        ("thu_ung_ho", 2_000_000, Some("Ông Hoàng Văn Khuyến"), None, date(year, 1, 20)),
        ("thu_ung_ho", 1_500_000, Some("Công ty TNHH Hoa Hồng"), None, date(year, 2, 2)),
        ("chi_ho_tro", 700_000, Some("Triệu Thị Mai"), Some("QĐ 02/QĐ-HKH hỗ trợ học sinh nghèo"), date(year, 2, 3).min(today)),
    ];
    for (kind, amount, who, decision, on) in entries {
        let entry = NewEntry {
            kind: EntryKind::parse(kind)?,
            amount: Dong::new(amount),
            counterparty: who.map(String::from),
            beneficiary_cccd: None,
            decision: decision.map(String::from),
        };
        store.fund_post(&actor, &branch, &entry, None, on.min(today), None).await?;
    }
    // A donation recorded twice by mistake, then reversed: the ledger keeps both lines.
    let twice = NewEntry {
        kind: EntryKind::parse("thu_ung_ho")?,
        amount: Dong::new(1_500_000),
        counterparty: Some("Công ty TNHH Hoa Hồng".into()),
        beneficiary_cccd: None,
        decision: None,
    };
    let dup = store.fund_post(&actor, &branch, &twice, None, date(year, 2, 2).min(today), None).await?;
    store.fund_reverse(&actor, &branch, &dup.entry_no, "ghi trùng phiếu thu", date(year, 2, 2).min(today), None).await?;
    Ok(())
}

/// The demo province's Ban chỉ đạo xây dựng xã hội học tập with a few members, and the tasks
/// of KH 110/KH-UBND (Lạng Sơn) laid out per year: this year's annual report task handed to
/// the Hội Khuyến học tỉnh with `tinh.canbo` reporting (one progress report), and a training
/// task handed to the demo commune (its officer `xa.canbo` sees it in "Việc của tôi"). Kept
/// out of [`seed`] like the association.
pub async fn seed_boards(store: &Store, province: i64, commune: i64) -> Result<(), Box<dyn std::error::Error>> {
    use hoctap_domain::board::{BoardKind, MemberRole, Progress, StatusReport, TaskStatus};
    use hoctap_store::{Assignment, NewBoard, NewMember, NewTaskReport, TaskFilter};
    let actor = Actor::system("dữ liệu mẫu");
    let today = hoctap_store::today();
    let board = NewBoard {
        unit_id: province,
        kind: BoardKind::XayDungXhht,
        name: "Ban Chỉ đạo xây dựng xã hội học tập tỉnh Lạng Sơn",
        decision: "QĐ 1520/QĐ-UBND (dữ liệu mẫu)",
        decision_on: Some(date(2022, 8, 1)),
        standing_agency: "Sở Giáo dục và Đào tạo",
        term: Validity::since(date(2022, 8, 1)),
    };
    let id = store.board_create(&actor, &board).await?;
    let board = store.board(id).await?;
    let tinh = store.user_by_username("tinh.canbo").await?.map(|u| u.id);
    for (name, position, role, user) in [
        ("Đoàn Thu Hà", "Phó Chủ tịch UBND tỉnh", MemberRole::TruongBan, None),
        ("Nguyễn Văn Tỉnh", "Giám đốc Sở Giáo dục và Đào tạo", MemberRole::PhoTruongBan, tinh),
        ("Hoàng Văn Khuyến", "Chủ tịch Hội Khuyến học tỉnh", MemberRole::PhoTruongBan, None),
        ("Lục Thị Thường", "Phó Giám đốc Sở Giáo dục và Đào tạo", MemberRole::UyVienThuongTruc, None),
        ("Vi Văn Tuyên", "Phó Giám đốc Sở Thông tin và Truyền thông", MemberRole::UyVien, None),
    ] {
        store
            .board_member_add(&actor, &board, &NewMember { full_name: name, position, role, user_id: user, from: date(2022, 8, 1) })
            .await?;
    }
    let Some(plan) = store.all_plans().await?.into_iter().find(|p| p.key == "lang-son-110-2022" && p.unit_id == province) else {
        return Ok(());
    };
    store.tasks_materialise(&actor, &plan).await?;
    let tasks = store.tasks(&TaskFilter { plan_id: Some(plan.id), ..TaskFilter::default() }).await?;
    // The yearly report (task 4, due 10/12) of the latest year of the plan, and the training (task 2).
    let year = today.year().min(plan.period.1);
    let commune_row = store.unit(commune).await?;
    if let Some(t) = tasks.iter().find(|t| t.task_no == 4 && t.year == year) {
        store.task_assign(&actor, t, &Assignment { agency: "Hội Khuyến học tỉnh".into(), unit_id: None, user_id: tinh }).await?;
        let t = store.task(t.id).await?;
        let report = StatusReport::new(
            TaskStatus::DangThucHien,
            Progress::new(40)?,
            "Đã gửi đề cương báo cáo tới các sở, ngành và UBND các xã; đang tổng hợp số liệu.",
        )?;
        let tinh_actor = Actor { user_id: tinh, username: "tinh.canbo".into(), unit_id: Some(province) };
        store.task_report_add(&tinh_actor, &t, &NewTaskReport { report: &report, reported_on: today, evidence: None }).await?;
    }
    if let Some(t) = tasks.iter().find(|t| t.task_no == 2 && t.year == year) {
        store
            .task_assign(&actor, t, &Assignment { agency: format!("UBND {}", commune_row.name), unit_id: Some(commune), user_id: None })
            .await?;
    }
    Ok(())
}

/// The emulation movement (QĐ 1315, criteria of Bình Dương's KH 151 as the template) launched
/// by the demo province, a household recognised "Gia đình học tập" two years ago through the
/// workflow (so it can be proposed for a reward in one click), and a few participants with an initiative. Returns the movement and
/// the recognition. Kept out of [`seed`] so the test databases stay as the tests expect them.
pub async fn seed_movement(
    store: &Store,
    province: i64,
    commune: i64,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<(i64, i64), Box<dyn std::error::Error>> {
    use hoctap_store::NewAchievement;
    let today = hoctap_store::today();
    let actor = Actor::system("dữ liệu mẫu");
    let movement = hoctap_domain::emulation::shipped_movements()?.into_iter().next().ok_or("không có phong trào mẫu")?;
    // The demo province runs it on a plan of its own (a sample number, marked as such).
    let province_row = store.unit(province).await?;
    let movement = if movement.needs_own_plan(&province_row.code) {
        let plan = hoctap_domain::citation::Citation::parse(
            "30/KH-UBND",
            "20/02/2024",
            &format!(
                "Ủy ban nhân dân {} (dữ liệu mẫu)",
                hoctap_domain::unit::name_in_sentence(&province_row.name, &province_row.unit_type)
            ),
            today,
        )?;
        movement.implemented_by(&province_row.code, &plan)
    } else {
        movement
    };
    let mid = store.movement_launch(&actor, &movement, province).await?;
    // A household of the first village with its head, recognised through the workflow by the
    // commune's campaigns: the head "Công dân học tập" first, as the family set requires.
    let village = store.children(commune, today).await?.into_iter().next().ok_or("xã mẫu chưa có thôn")?;
    let mut h = Values::new();
    h.insert("code", Value::Text("HGD-MAU-01".into()));
    h.insert("head_name", Value::Text("Hoàng Văn Học".into()));
    h.insert("village", Value::Unit(UnitCode::parse(&village.code)?));
    let household = store.registry_create(&actor, &hoctap_domain::registry::def::HOUSEHOLDS, h, None, today).await?;
    let mut c = Values::new();
    c.insert("cccd", Value::Text(format!("020{}75900777", Cccd::century_sex_digit(1975, Sex::Nam))));
    c.insert("full_name", Value::Text("Hoàng Văn Học".into()));
    c.insert("birth_date", Value::Date(date(1975, 4, 2)));
    c.insert("sex", Value::Text(Sex::Nam.code().into()));
    c.insert("ethnicity", Value::Text("Tày".into()));
    c.insert("village", Value::Unit(UnitCode::parse(&village.code)?));
    c.insert("household", Value::Text("HGD-MAU-01".into()));
    c.insert("relation", Value::Text("chu_ho".into()));
    let head = store.registry_create(&actor, &CITIZENS, c, None, today).await?;
    // Two years back: the statistics seed recognises families of the same commune every year.
    let year = today.year() - 2;
    let commune_row = store.unit(commune).await?;
    let recognised = super::demo_years::recognise_family(
        store,
        &commune_row,
        (household.id, "Gia đình ông Hoàng Văn Học", village.id),
        &[(head.id, "Hoàng Văn Học".into(), village.id)],
        year,
        keys,
    )
    .await?;
    if !recognised {
        return Err("gia đình mẫu không đạt bộ tiêu chí".into());
    }
    let rid = store.recognitions_of("household", household.id).await?.first().map(|r| r.id).ok_or("không có công nhận")?;
    let year = i64::from(year);
    // Participants of the commune, one with an initiative.
    let pid = store.participant_register(&actor, mid, "xa", &commune_row.name, commune, Some(("commune", commune))).await?;
    let p = store.participant(pid).await?;
    store
        .achievement_add(
            &actor,
            &p,
            &NewAchievement {
                year,
                kind: "sang_kien".into(),
                title: "Tủ sách cộng đồng ở nhà văn hóa các thôn".into(),
                evidence: "Quyết định công nhận sáng kiến số 05/QĐ-UBND".into(),
                recognition_id: None,
                file: None,
            },
        )
        .await?;
    store.participant_register(&actor, mid, "doanh_nghiep", "Hợp tác xã Chè Nà Sla", commune, None).await?;
    Ok((mid, rid))
}

/// The whole demo database in a migrated, empty store (as `hoctap demo` builds it); returns
/// (province, commune) ids.
pub async fn seed_all(
    store: &Store,
    stat_communes: usize,
    deployment_key: &hoctap_domain::credential::DeploymentKey,
) -> Result<(i64, i64), Box<dyn std::error::Error>> {
    let (province, commune) = seed(store).await?;
    seed_association(store, commune).await?;
    super::demo_sites::seed_sites(store, province).await?;
    let started = std::time::Instant::now();
    let stats = seed_statistics(store, stat_communes, deployment_key).await?;
    println!("Dữ liệu thống kê mẫu: {stats} ({:.1} giây).", started.elapsed().as_secs_f64());
    seed_boards(store, province, commune).await?;
    // After the statistics: their generator refuses a commune that already has households.
    seed_movement(store, province, commune, deployment_key).await?;
    // After the movement: the demo citizen belongs to its recognised household.
    super::demo_citizen::seed_citizen(store, commune).await?;
    // The commune's learning centre with this year's activities and roll calls (issue 16).
    super::demo_learning::seed_learning(store, commune).await?;
    Ok((province, commune))
}

pub async fn run(a: Args, web: crate::Web) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let Some(path) = a.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let store = Store::connect_serving(&a.database_url).await?;
    store.migrate().await?;
    let (public_url, deployment_key) = a.deploy.prepare(&store, a.bind).await?;
    println!("Đang tạo dữ liệu mẫu trên đơn vị hành chính thật…");
    let (province, commune) = seed_all(&store, a.stat_communes, &deployment_key).await?;
    let p = store.unit(province).await?;
    let c = store.unit(commune).await?;
    println!("\nTỉnh mẫu: {} ({}); xã mẫu: {} ({}).", p.name, p.code, c.name, c.code);
    println!("Tài khoản (mật khẩu chung: {DEMO_PASSWORD}):");
    for (username, full_name, role, at_province) in DEMO_USERS {
        let place = if role.national() {
            "cả nước"
        } else if *at_province {
            &p.name
        } else {
            &c.name
        };
        println!("  {username:<14} {:<34} {full_name} – {place}", role.label());
    }
    if a.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    web.bind_and_serve(AppState { store, secure_cookies: false, trust_proxy: false, public_url, deployment_key }, a.bind, |addr| {
        println!("\nMở http://{addr} trong trình duyệt. Nhấn Ctrl-C để dừng.");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Registries for a few communes (households, citizens, clans, organisations, centres,
/// association) and recognitions through the real workflow and decisions, so dashboards and
/// reports have numbers. Counters follow every write; a recount at the end must find nothing.
pub async fn seed_statistics(
    store: &Store,
    communes: usize,
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<String, Box<dyn std::error::Error>> {
    use super::demo_years::{FIRST_YEAR, RECORDED_ON, past_villages, seed_years};
    use crate::commands::r#gen::{Options, Scale, generate};
    let today = hoctap_store::today();
    let mut opts = Options::new(Scale::Commune, 2025);
    opts.communes = communes.clamp(1, super::demo_years::GDHT_SHARES.len());
    opts.villages_per_commune = 12;
    // The registries as first entered in January 2021, in the villages of the communes of then.
    opts.recorded_on = Some(date(RECORDED_ON.0, RECORDED_ON.1, RECORDED_ON.2));
    let province = store.unit_by_code(DEMO_PROVINCE, today).await?;
    let communes = store.children(province.id, today).await?;
    for commune in communes.iter().take(opts.communes) {
        past_villages(store, commune, opts.villages_per_commune).await?;
    }
    let summary = generate(store, &opts).await?;
    let mut years = super::demo_years::YearsSummary::default();
    for (k, commune) in communes.iter().take(opts.communes).enumerate() {
        let y = seed_years(store, commune, k, keys).await?;
        years.families += y.families;
        years.citizens += y.citizens;
        years.by_exception += y.by_exception;
        years.villages += y.villages;
        years.reports += y.reports;
    }
    let report = store.recount(false).await?;
    if !report.drift.is_empty() {
        return Err(format!("số liệu tổng hợp lệch {} bộ đếm", report.drift.len()).into());
    }
    Ok(format!(
        "{} xã có dữ liệu sổ từ năm {FIRST_YEAR} ({} hộ, {} công dân); qua quy trình: {} lượt gia đình được công nhận \
         (năm 2022 có {} lượt duyệt ngoại lệ vì chưa có bộ tiêu chí công dân học tập), {} công dân học tập, {} lượt thôn, tổ dân phố; {} báo cáo năm đã gửi; \
         số liệu tổng hợp khớp khi đếm lại",
        summary.communes,
        summary.rows_of(hoctap_domain::registry::def::RegistryKind::Households),
        summary.rows_of(hoctap_domain::registry::def::RegistryKind::Citizens),
        years.families,
        years.by_exception,
        years.citizens,
        years.villages,
        years.reports,
    ))
}

/// Takes households through the whole workflow of a campaign (answers, submission, both
/// review steps) and recognises them in one decision of the commune.
pub async fn recognise(
    store: &Store,
    commune: &hoctap_store::UnitRow,
    set: &hoctap_domain::criteria::CriteriaSet,
    year: i16,
    decided: jiff::civil::Date,
    subjects: &[(i64, String, i64)],
    keys: &hoctap_domain::credential::DeploymentKey,
) -> Result<usize, Box<dyn std::error::Error>> {
    use hoctap_domain::workflow::{Command, Person, State, default_chain};
    use hoctap_store::{Grant, NewCampaign, NewDecision};
    if subjects.is_empty() {
        return Ok(0);
    }
    let officer = Actor::system("dữ liệu mẫu: cán bộ xã");
    let reviewer = Actor::system("dữ liệu mẫu: người thẩm định");
    let (preparer, checker) = (Person { user_id: -1, name: "Cán bộ xã".into() }, Person { user_id: -2, name: "Người thẩm định".into() });
    let cid = store
        .create_campaign(
            &officer,
            NewCampaign {
                year: i64::from(year),
                set_id: set.id.clone(),
                set_version: set.version.clone(),
                unit_id: commune.id,
                title: format!("Gia đình học tập năm {year}"),
                self_assessment_closes: date(year + 1, 2, 28),
                dossier_due: date(year + 1, 2, 28),
                decision_due: date(year + 1, 3, 31),
                chain: default_chain(set.subject),
            },
        )
        .await?;
    let campaign = store.campaign(cid).await?;
    let answers = serde_json::json!({"answers": {"G1.CT1": true, "G2.CT1": "60", "G3.CT1": true, "G4.CT1": true}, "data": {}});
    let result = serde_json::json!({"summary": "Đạt", "passed": true, "level": "dat", "explanation": []});
    let mut approved = Vec::new();
    for (id, label, unit) in subjects {
        let aid = store.create_assessment(&officer, &campaign, "household", *id, label, *unit).await?;
        let mut a = store.assessment(aid).await?;
        store.save_answers(&officer, &a, &answers, &result, true, "dat").await?;
        a.level = "dat".into();
        let mut steps = vec![(&officer, &preparer, Command::Submit, "submit")];
        for _ in 0..a.dossier.chain.len() {
            steps.push((&reviewer, &checker, Command::StartReview, "start_review"));
            steps.push((&reviewer, &checker, Command::Approve, "approve"));
        }
        for (actor, person, cmd, action) in steps {
            if matches!(a.dossier.state, State::Approved) {
                break;
            }
            let Ok(next) = a.dossier.apply(person, &cmd) else { continue };
            store.transition(actor, &a, &next, action, serde_json::Value::Null).await?;
            a.dossier = next;
        }
        approved.push(a);
    }
    let grants: Vec<Grant> = approved
        .iter()
        .filter(|a| matches!(a.dossier.state, State::Approved))
        .filter_map(|a| {
            let next =
                a.dossier.apply(&Person { user_id: -3, name: "Chủ tịch UBND xã".into() }, &Command::Recognise { decision_id: 0 }).ok()?;
            Some(Grant {
                dossier: a,
                next,
                code: hoctap_domain::recognition::verification_code(rand::random()),
                subject_name: a.subject_label.clone(),
                level: "Đạt".into(),
                valid_until: hoctap_domain::recognition::valid_until(decided, set.timing.validity_months),
            })
        })
        .collect();
    let n = grants.len();
    let place = commune.name.split_once(' ').map(|(_, r)| r.to_string()).unwrap_or_else(|| commune.name.clone());
    let d = NewDecision {
        number: format!("{}/QĐ-UBND", 100 + year % 100),
        decided_on: decided,
        authority: format!("ỦY BAN NHÂN DÂN\n{}", commune.name.to_uppercase()),
        signer_name: "Chủ tịch UBND xã".into(),
        signer_title: "CHỦ TỊCH".into(),
        place,
        legal_basis: vec!["Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".into()],
        title: format!("Về việc công nhận danh hiệu \"Gia đình học tập\" năm {year}"),
    };
    store.issue_decision(&Actor::system("dữ liệu mẫu: chủ tịch UBND xã"), cid, commune.id, &d, "Gia đình học tập", &grants, keys).await?;
    Ok(n)
}
