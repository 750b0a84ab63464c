//! `hoctap bench public`: the public pages at national scale. A fresh database gets today's
//! units, a site for every province and commune (half as Hội Khuyến học sites, half as units'
//! sites) with `--posts` published items each (news, documents, training materials), written
//! in bulk SQL; then the server runs in this process and `--clients` visitors request the
//! national portal, a site's home, an item, a section, the search and a revalidation (304),
//! each `--requests` times. Prints p50/p95/p99 per page (the goal: p95 ≤ 20 ms for a home
//! page). The table goes to docs/PERFORMANCE.md.

use hoctap_store::Store;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-public.db")]
    pub database_url: String,
    /// Số bài đã đăng của mỗi trang (ít nhất 1: có bài để đo trang bài).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub posts: u32,
    /// Số yêu cầu mỗi loại trang.
    #[arg(long, default_value_t = 1000)]
    pub requests: usize,
    /// Số người xem đồng thời.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
}

/// Activities of each centre's programme in the bench's year.
const CENTRE_ACTIVITIES: i64 = 8;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Sites for every province and commune of today's tree and their items, in a few statements.
async fn build(store: &Store, posts: u32) -> Result<(i64, i64), Box<dyn std::error::Error>> {
    let today = hoctap_store::today().to_string();
    let now = hoctap_store::stored_time(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1));
    store
        .exec_raw(&format!(
            "INSERT INTO sites (kind, branch_id, unit_id, slug, name, created_at) \
             SELECT CASE WHEN u.id % 2 = 0 THEN 'hoi' ELSE 'don-vi' END, NULL, u.id, \
             CASE WHEN u.id % 2 = 0 THEN 'hoi-khuyen-hoc-' || u.code ELSE u.code END, 'Hội Khuyến học ' || u.name, '{now}' \
             FROM units u WHERE u.kind IN ('province', 'commune') AND u.valid_from <= '{today}' AND u.valid_to > '{today}'"
        ))
        .await?;
    let body = "Nội dung bài viết với **chữ đậm** và một danh sách:\n\n- ý thứ nhất\n- ý thứ hai";
    let html = hoctap_app::sites::render_markdown(body);
    let html = html.replace('\'', "''");
    store
        .exec_raw(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {posts}) \
             INSERT INTO site_posts (site_id, kind, slug, title, summary, body_md, body_html, topic, video_url, status, publish_at, \
             search_text, version, created_by, created_at, updated_at) \
             SELECT s.id, CASE WHEN n.i % 3 = 0 THEN 'tin-tuc' WHEN n.i % 3 = 1 THEN 'van-ban' ELSE 'tai-lieu' END, 'bai-so-' || n.i, \
             'Bài số ' || n.i || ' của ' || s.name, 'Tóm tắt bài ' || n.i, '{body}', '{html}', CASE WHEN n.i % 3 = 2 THEN 'Chủ đề ' || (n.i % 4) ELSE '' END, '', \
             'published', '{now}', 'bai so ' || n.i || ' hoc tap suot doi ' || s.slug, 1, 'bench', '{now}', '{now}' FROM sites s CROSS JOIN n"
        ))
        .await?;
    // A learning centre in every commune with a year's programme (the homes' "centres of the
    // area" section reads their public programme).
    store
        .exec_raw(&format!(
            "INSERT INTO reg_learning_centres (unit_id, province_code, search_key, code, name, commune, uses_it, valid_from, valid_to) \
             SELECT u.id, u.province_code, 'tt-' || u.code, 'TT-' || u.code, 'Trung tâm học tập cộng đồng ' || u.name, u.id, 1, '{today}', '9999-12-31' \
             FROM units u WHERE u.kind = 'commune' AND u.valid_from <= '{today}' AND u.valid_to > '{today}'"
        ))
        .await?;
    let centres = store.learning_centres(None, hoctap_store::today()).await?;
    store.learning_generate(&centres, hoctap_store::today().year(), CENTRE_ACTIVITIES, 1, 1).await?;
    let sites = store.scalar_i64("SELECT COUNT(*) FROM sites").await?;
    let items = store.scalar_i64("SELECT COUNT(*) FROM site_posts").await?;
    Ok((sites, items))
}

pub async fn run(a: Args, web: crate::Web) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let Some(path) = a.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let store = Store::connect(&a.database_url).await?;
    store.migrate().await?;
    store.load_admin_units().await?;
    let started = Instant::now();
    let (sites, items) = build(&store, a.posts).await?;
    // Statistics of the bulk-written tables, as autovacuum gives a production database.
    if store.engine() == hoctap_store::Engine::Postgres {
        store.exec_raw("VACUUM ANALYZE").await?;
    }
    println!(
        "{sites} trang, {items} bài, một trung tâm học tập cộng đồng mỗi xã với {CENTRE_ACTIVITIES} hoạt động ({:.1} giây).",
        started.elapsed().as_secs_f64()
    );
    let hoi = store.site_by_slug(hoctap_store::SITE_HOI, "hoi-khuyen-hoc-20").await?;
    let hoi_path = match hoi {
        Some(s) => s.path(),
        None => {
            let slug: Vec<String> = store.sites(Some(hoctap_store::SITE_HOI), "", None, 1).await?.into_iter().map(|s| s.path()).collect();
            slug.first().cloned().ok_or("không có trang hội")?
        }
    };
    let unit_path =
        store.sites(Some(hoctap_store::SITE_UNIT), "", None, 1).await?.first().map(|s| s.path()).ok_or("không có trang đơn vị")?;

    let key_path = std::env::temp_dir().join(format!("hoctap-bench-public-{}.key", std::process::id()));
    let (deployment_key, _) = super::load_or_create_key(&key_path)?;
    let _ = std::fs::remove_file(&key_path);
    let state = hoctap_http::AppState {
        store: store.clone(),
        secure_cookies: false,
        trust_proxy: false,
        public_url: hoctap_http::PublicUrl::parse("https://hoctap.bench").map_err(|e| e.to_string())?,
        deployment_key,
    };
    let addr = web.spawn_on_loopback(state).await?;
    let client = reqwest::Client::builder().build()?;
    let base = format!("http://{addr}");
    let etag =
        client.get(format!("{base}{hoi_path}")).send().await?.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let pages: Vec<(&str, String, Option<String>)> = vec![
        ("Cổng thông tin /", "/".into(), None),
        ("Trang chủ hội /hoi/{slug}", hoi_path.clone(), None),
        ("Trang chủ đơn vị /don-vi/{code}/trang", unit_path.clone(), None),
        // The third post, or the last one when there are fewer.
        ("Bài /hoi/{slug}/bai/{bai}", format!("{hoi_path}/bai/bai-so-{}", a.posts.min(3)), None),
        ("Mục tài liệu /hoi/{slug}/tai-lieu", format!("{hoi_path}/tai-lieu"), None),
        ("Tìm kiếm /tim-kiem?q=…", "/tim-kiem?q=hoc+tap+suot+doi+bai+so+7".into(), None),
        ("Trang chủ hội, 304 (If-None-Match)", hoi_path.clone(), Some(etag)),
    ];
    println!("| Trang | Yêu cầu | p50 (ms) | p95 (ms) | p99 (ms) | Lỗi |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, path, tag) in pages {
        let url = format!("{base}{path}");
        // Warm up.
        for _ in 0..20 {
            let _ = client.get(&url).send().await?.bytes().await;
        }
        let mut set = tokio::task::JoinSet::new();
        let per = a.requests.div_ceil(a.clients.max(1));
        for _ in 0..a.clients.max(1) {
            let client = client.clone();
            let url = url.clone();
            let tag = tag.clone();
            set.spawn(async move {
                let mut times = Vec::with_capacity(per);
                let mut errors = 0usize;
                for _ in 0..per {
                    let t = Instant::now();
                    let mut req = client.get(&url);
                    if let Some(e) = &tag {
                        req = req.header("if-none-match", e);
                    }
                    match req.send().await {
                        Ok(r) if r.status().is_success() || r.status() == reqwest::StatusCode::NOT_MODIFIED => {
                            let _ = r.bytes().await;
                        }
                        _ => errors += 1,
                    }
                    times.push(t.elapsed());
                }
                (times, errors)
            });
        }
        let mut all = Vec::new();
        let mut errors = 0;
        while let Some(r) = set.join_next().await {
            let (t, e) = r?;
            all.extend(t);
            errors += e;
        }
        all.sort();
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {errors} |",
            all.len(),
            percentile(&all, 0.5),
            percentile(&all, 0.95),
            percentile(&all, 0.99)
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
