//! `hoctap bench learning` (issue 16): a roll call of 60 learners saved through the use case
//! (one transaction with its counters and audit), p50/p95; and a province's yearly centre report
//! over 1,000 centres and 2 million attendance rows, generated first in a fresh database.

use hoctap_app::CurrentUser;
use hoctap_domain::learning::{ActivityKind, Funding, Hours, PartnerKind, PlaceKind, TopicCode};
use hoctap_domain::registry::def::{LEARNING_CENTRES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Learner, NewActivity, Store};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Cơ sở dữ liệu trống (SQLite: tệp sẽ bị xóa trước).
    #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-learning.db")]
    pub database_url: String,
    /// Số trung tâm của tỉnh.
    #[arg(long, default_value_t = 1000)]
    pub centres: usize,
    /// Hoạt động mỗi trung tâm, buổi mỗi hoạt động, người học mỗi hoạt động (mặc định 10 × 4 × 50: 2 triệu lượt điểm danh).
    #[arg(long, default_value_t = 10)]
    pub activities: i64,
    #[arg(long, default_value_t = 4)]
    pub sessions: i64,
    #[arg(long, default_value_t = 50)]
    pub learners: i64,
    /// Số lần đo mỗi phép.
    #[arg(long, default_value_t = 30)]
    pub repeat: usize,
}

fn pct(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    times.get(((times.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default().as_secs_f64() * 1e3
}

async fn user(store: &Store, name: &str) -> Result<CurrentUser, Box<dyn std::error::Error>> {
    let u = store.user_by_username(name).await?.ok_or("thiếu tài khoản mẫu")?;
    Ok(CurrentUser { user: u, csrf: String::new(), session_hash: String::new(), unread: 0 })
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let Some(path) = a.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{s}"));
        }
    }
    let store = Store::connect(&a.database_url).await?;
    store.migrate().await?;
    let (province, commune) = super::demo::seed(&store).await?;
    let today = hoctap_store::today();
    let year = today.year();
    let actor = Actor::system("đo hiệu năng");
    let communes = store.children(province, today).await?;

    // 1,000 centres spread over the province's communes.
    let started = Instant::now();
    for i in 0..a.centres {
        let c = &communes[i % communes.len()];
        let mut v = Values::new();
        v.insert("code", Value::Text(format!("TT-BENCH-{i:05}")));
        v.insert("name", Value::Text(format!("Trung tâm học tập cộng đồng số {i}")));
        v.insert("commune", Value::Unit(UnitCode::parse(&c.code)?));
        store.registry_create(&actor, &LEARNING_CENTRES, v, None, today).await?;
    }
    let centres = store.learning_centres(Some(province), today).await?;
    store.learning_generate(&centres, year, a.activities, a.sessions, a.learners).await?;
    let rows = centres.len() as i64 * a.activities * a.sessions * a.learners;
    println!(
        "{:?}: {} centres, {} activities, {} attendance rows generated in {:.1} s",
        store.engine(),
        centres.len(),
        centres.len() as i64 * a.activities,
        rows,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let recount = store.recount(true).await?;
    println!(
        "counters and the activities' kept figures rebuilt by the recount in {:.1} s ({} counters)",
        started.elapsed().as_secs_f64(),
        recount.counters
    );

    // The province's report, as its officer reads it.
    let officer = user(&store, "tinh.canbo").await?;
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..a.repeat.clamp(1, 10) {
        let t = Instant::now();
        report = Some(hoctap_app::learning::year_report(&store, &officer, province, None, year).await?);
        times.push(t.elapsed());
    }
    let r = report.ok_or("không có báo cáo")?;
    assert_eq!(r.attendances, rows, "the report counts every generated row");
    // The same report summed over the enrolment and session rows (the first version), once.
    let t = Instant::now();
    let from_rows = store.learning_year_report_from_rows(province, None, year, today).await?;
    println!("the same report summed over the rows (before the kept figures): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(serde_json::to_value(&from_rows)?, serde_json::to_value(&r)?, "the kept figures equal the rows'");
    println!(
        "province report ({} centres, {} activities, {} attendance rows, {} learner-hours): p50 {:.0} ms, max {:.0} ms",
        r.centres,
        r.activities,
        r.attendances,
        r.hours,
        pct(&mut times.clone(), 0.5),
        pct(&mut times, 1.0)
    );

    // A roll call of 60 learners, through the use case, again and again.
    let centre = store.learning_centres(Some(commune), today).await?.into_iter().next().ok_or("xã mẫu không có trung tâm")?;
    let id = store
        .activity_create(
            &actor,
            &centre,
            &NewActivity {
                kind: ActivityKind::KhoaHoc,
                title: "Lớp đo hiệu năng".into(),
                topic: TopicCode::parse("ky-nang-so")?,
                starts_on: today,
                ends_on: today,
                place_kind: PlaceKind::TaiTrungTam,
                place: String::new(),
                teacher: String::new(),
                partner_kind: PartnerKind::Khong,
                partner: String::new(),
                capacity: None,
                funding: Funding::NganSach,
                note: String::new(),
            },
        )
        .await?;
    let activity = store.activity(id).await?;
    let session = store.session_add(&actor, &activity, today, Hours(20), "").await?;
    let mut enrolled = Vec::new();
    for i in 0..60 {
        let w = Learner::WalkIn { full_name: format!("Người học {i}"), birth_year: 1980, sex: "nam".into(), village_id: None };
        enrolled.push(store.enrol(&actor, &activity, &w).await?);
    }
    let officer = user(&store, "xa.canbo").await?;
    let mut times = Vec::new();
    for n in 0..a.repeat.max(1) {
        // Alternate full and partial rolls so every save changes the counters.
        let present: Vec<i64> = enrolled.iter().copied().filter(|e| n % 2 == 0 || e % 3 != 0).collect();
        let t = Instant::now();
        hoctap_app::learning::roll_call(&store, &officer, session, &present).await?;
        times.push(t.elapsed());
    }
    println!(
        "roll call of 60 learners (use case, one transaction): p50 {:.1} ms, p95 {:.1} ms",
        pct(&mut times.clone(), 0.5),
        pct(&mut times, 0.95)
    );
    let drift = store.recount(false).await?.drift;
    println!("recount after the roll calls: {} drift", drift.len());
    Ok(ExitCode::SUCCESS)
}
