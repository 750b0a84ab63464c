//! Public sites and the public portal (issue 17 §1–§2): editing and publishing rights by role
//! and scope, drafts, previews, schedules, unpublishing and versions; sanitised Markdown;
//! images in web sizes; ETag/304; feeds and sitemap that parse; search without diacritics;
//! the results portal and the rate-limited title lookup; no CCCD or birth date on any public
//! page of the demo.

use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::as_user;
use hoctap_domain::registry::def::{ASSOCIATION_BRANCHES, Value, Values};
use hoctap_domain::unit::UnitCode;
use hoctap_store::{Actor, Engine};
use reqwest::StatusCode;
use std::collections::{BTreeSet, VecDeque};

/// The demo's association and sites on the test database (the harness seeds less than `hoctap demo`).
async fn demo_sites(app: &TestApp) {
    let province = app.unit_id("20").await;
    let commune = app.demo_commune().await;
    hoctap_commands::commands::demo::seed_association(&app.store, commune).await.unwrap();
    hoctap_commands::commands::demo_sites::seed_sites(&app.store, province).await.unwrap();
}

async fn commune_site(app: &TestApp) -> hoctap_store::SiteRow {
    let b = app.store.branch_by_code("HKH-XA-MAU").await.unwrap();
    app.store.site_of_branch(b.id).await.unwrap()
}

fn anon() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get_text(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let res = client.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Posts an item through the editor's multipart form; returns the status, where it went and the body.
async fn write_item(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    cover: Option<Vec<u8>>,
    file: Option<(&str, Vec<u8>)>,
) -> (StatusCode, String, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf", app.csrf.clone());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(bytes) = cover {
        form = form.part("cover", reqwest::multipart::Part::bytes(bytes).file_name("anh.png"));
    }
    if let Some((name, bytes)) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    }
    let res = app.client.post(app.url(path)).multipart(form).send().await.unwrap();
    let loc = res.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (res.status(), loc, res.text().await.unwrap())
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

per_engine!(editing_and_publishing_follow_role_and_scope);
async fn editing_and_publishing_follow_role_and_scope(engine: Engine) {
    let app = TestApp::start(engine).await;
    demo_sites(&app).await;
    let site = commune_site(&app).await;
    let hkh = as_user(&app, "hkh.xa").await;
    let visitor = anon();

    // An association officer in scope writes a news item with a cover image and a PDF.
    let cover = hoctap_app::sites::solid_png(2000, 1000, [200, 40, 40]);
    let (s, loc, body) = write_item(
        &hkh,
        &format!("/trang-tin/{}", site.id),
        &[
            ("kind", "tin-tuc"),
            ("title", "Trao học bổng Khuyến học mùa thu"),
            ("summary", "Mười suất học bổng."),
            ("body", "Nội dung **đậm**."),
        ],
        Some(cover),
        Some(("ke-hoach.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{engine:?}: {body}");
    let post_id: i64 = loc.trim_start_matches("/trang-tin/bai/").parse().unwrap();
    let post = app.store.post(post_id).await.unwrap();
    assert_eq!(post.slug, "trao-hoc-bong-khuyen-hoc-mua-thu");
    let public = format!("{}/bai/{}", site.path(), post.slug);

    // A draft: the visitor does not see it; its editor previews it.
    assert_eq!(get_text(&visitor, &app.url(&public)).await.0, StatusCode::NOT_FOUND);
    let (s, page) = get_text(&hkh.client, &hkh.url(&format!("/trang-tin/bai/{post_id}/xem-truoc"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Xem trước") && page.contains("<strong>đậm</strong>"), "{page}");

    // Roles that edit no site: 403; an officer of another commune: 404; nothing written.
    let reviewer = as_user(&app, "xa.thamdinh").await;
    assert_eq!(get_text(&reviewer.client, &reviewer.url(&format!("/trang-tin/bai/{post_id}"))).await.0, StatusCode::FORBIDDEN);
    let (s, _, _) = write_item(&reviewer, &format!("/trang-tin/{}", site.id), &[("kind", "tin-tuc"), ("title", "X")], None, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let citizen = as_user(&app, "020190001234").await;
    assert_eq!(get_text(&citizen.client, &citizen.url("/trang-tin")).await.0, StatusCode::FORBIDDEN);
    let stranger = app.other_commune_officer().await;
    assert_eq!(get_text(&stranger.client, &stranger.url(&format!("/trang-tin/bai/{post_id}"))).await.0, StatusCode::NOT_FOUND);
    let (s, _, _) = crate::workflow::post(&stranger, &format!("/trang-tin/bai/{post_id}/dang"), &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = write_item(&stranger, &format!("/trang-tin/{}", site.id), &[("kind", "tin-tuc"), ("title", "X")], None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.store.post(post_id).await.unwrap().version, 1, "{engine:?}: a refused user changed the item");
    // The province's officer is in scope.
    let tinh = as_user(&app, "tinh.canbo").await;
    assert_eq!(get_text(&tinh.client, &tinh.url(&format!("/trang-tin/bai/{post_id}"))).await.0, StatusCode::OK);

    // Input is checked and named.
    let (s, _, body) = write_item(&hkh, &format!("/trang-tin/{}", site.id), &[("kind", "tin-tuc"), ("title", " ")], None, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Nhập tiêu đề"), "{body}");
    let (s, _, body) = write_item(
        &hkh,
        &format!("/trang-tin/{}", site.id),
        &[("kind", "tai-lieu"), ("title", "Giả PDF")],
        None,
        Some(("tai-lieu.pdf", b"MZ not a pdf".to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("Tệp đính kèm"), "{body}");

    // Scheduled: not yet visible.
    let (s, _, body) = crate::workflow::post(&hkh, &format!("/trang-tin/bai/{post_id}/dang"), &[("publish_at", "01/01/2099 08:00")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(get_text(&visitor, &app.url(&public)).await.0, StatusCode::NOT_FOUND);
    let (_, page) = get_text(&hkh.client, &hkh.url(&format!("/trang-tin/bai/{post_id}"))).await;
    assert!(page.contains("Hẹn giờ đăng") && page.contains("01/01/2099 08:00"), "{page}");

    // Published now: on the page, the site's home, the search without diacritics, the feed, the sitemap.
    let (s, _, _) = crate::workflow::post(&hkh, &format!("/trang-tin/bai/{post_id}/dang"), &[("publish_at", "")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page) = get_text(&visitor, &app.url(&public)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("<strong>đậm</strong>") && page.contains("og:title") && page.contains("Tải tệp đính kèm"), "{page}");
    let (_, home) = get_text(&visitor, &app.url(&site.path())).await;
    assert!(home.contains(&public), "{engine:?}: the site's home does not link the item");
    let (_, found) = get_text(&visitor, &app.url("/tim-kiem?q=HOC+BONG+mua+thu")).await;
    assert!(found.contains(&public), "{engine:?}: the search without diacritics does not find it");
    let (_, none) = get_text(&visitor, &app.url("/tim-kiem?q=khong+co+bai+nay")).await;
    assert!(!none.contains(&public));

    // The cover in web sizes, cached for a year; the thumbnail on lists.
    let post = app.store.post(post_id).await.unwrap();
    let thumb = format!("/tep/{}", post.thumb_sha.clone().unwrap());
    assert!(home.contains(&thumb), "{engine:?}: no thumbnail on the home page");
    let res = visitor.get(app.url(&format!("/tep/{}", post.cover_sha.clone().unwrap()))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let big = res.bytes().await.unwrap();
    assert!(big.starts_with(&[0xFF, 0xD8, 0xFF]) && big.len() < 200_000, "{} bytes", big.len());

    // An edit keeps it published and adds a version; unpublishing takes it off.
    let (s, _, body) = write_item(
        &hkh,
        &format!("/trang-tin/bai/{post_id}"),
        &[("kind", "tin-tuc"), ("title", "Trao học bổng Khuyến học mùa thu"), ("body", "Đã sửa."), ("version", &post.version.to_string())],
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, body) =
        write_item(&hkh, &format!("/trang-tin/bai/{post_id}"), &[("kind", "tin-tuc"), ("title", "Cũ"), ("version", "1")], None, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "a save over an old version: {body}");
    assert!(get_text(&visitor, &app.url(&public)).await.1.contains("Đã sửa."));
    let (s, _, _) = crate::workflow::post(&hkh, &format!("/trang-tin/bai/{post_id}/go"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(get_text(&visitor, &app.url(&public)).await.0, StatusCode::NOT_FOUND);
    let (s, history) = get_text(&hkh.client, &hkh.url(&format!("/trang-tin/bai/{post_id}/lich-su"))).await;
    assert_eq!(s, StatusCode::OK);
    let versions = app.store.post_versions(post_id).await.unwrap();
    assert_eq!(versions.len(), 5, "created, scheduled, published, edited, unpublished");
    assert!(history.contains("Đã gỡ") && history.contains("hkh.xa"), "{history}");
    // Every write audited, with the site's unit.
    let audit = app.store.audit(&hoctap_store::AuditFilter { limit: 200, ..Default::default() }, hoctap_store::today()).await.unwrap();
    let actions: Vec<&str> =
        audit.iter().filter(|a| a.entity_id == post_id.to_string() && a.entity == "site_post").map(|a| a.action.as_str()).collect();
    for a in ["site_post.create", "site_post.publish", "site_post.update", "site_post.unpublish"] {
        assert!(actions.contains(&a), "{engine:?}: {a} not audited: {actions:?}");
    }
    // A versions row is never changed.
    assert!(app.store.exec_raw(&format!("UPDATE site_post_versions SET title = 'x' WHERE post_id = {post_id}")).await.is_err());
}

per_engine!(markdown_is_rendered_without_scripts_handlers_or_javascript_links);
async fn markdown_is_rendered_without_scripts_handlers_or_javascript_links(engine: Engine) {
    let app = TestApp::start(engine).await;
    demo_sites(&app).await;
    let site = commune_site(&app).await;
    let hkh = as_user(&app, "hkh.xa").await;
    let body = "Xin chào <script>alert('x')</script>\n\n<img src=\"/tep/x\" onerror=\"alert(1)\">\n\n\
                [bấm vào đây](javascript:alert(2)) và <a href=\"https://hoctap.test/\" onclick=\"steal()\">trang chủ</a>\n\n\
                <iframe src=\"https://evil.example\"></iframe><style>body{display:none}</style>";
    let (s, loc, page) = write_item(
        &hkh,
        &format!("/trang-tin/{}", site.id),
        &[("kind", "tin-tuc"), ("title", "Bài thử lọc mã"), ("body", body)],
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let id: i64 = loc.trim_start_matches("/trang-tin/bai/").parse().unwrap();
    crate::workflow::post(&hkh, &format!("/trang-tin/bai/{id}/dang"), &[]).await;
    let post = app.store.post(id).await.unwrap();
    let (s, page) = get_text(&anon(), &app.url(&format!("{}/bai/{}", site.path(), post.slug))).await;
    assert_eq!(s, StatusCode::OK);
    let article = &page[page.find("<div class=\"body\">").unwrap()..];
    for bad in ["<script", "alert(", "onerror", "onclick", "javascript:", "<iframe", "<style"] {
        assert!(!article.contains(bad), "{engine:?}: {bad} survived: {article}");
    }
    assert!(article.contains("href=\"https://hoctap.test/\"") && article.contains("trang chủ"), "{article}");
}

per_engine!(public_pages_carry_an_etag_and_answer_304);
async fn public_pages_carry_an_etag_and_answer_304(engine: Engine) {
    let app = TestApp::start(engine).await;
    demo_sites(&app).await;
    let site = commune_site(&app).await;
    let client = anon();
    for path in [site.path(), "/".to_string(), format!("{}/feed.atom", site.path()), "/sitemap.xml".into()] {
        let res = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("public"), "{path}");
        let res2 = client.get(app.url(&path)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(res2.status(), StatusCode::NOT_MODIFIED, "{engine:?} {path}");
        assert!(res2.bytes().await.unwrap().is_empty());
        if path == site.path() {
            let modified = res.headers()["last-modified"].to_str().unwrap().to_string();
            assert!(modified.ends_with("GMT"), "{modified}");
            let res3 = client.get(app.url(&path)).header("if-modified-since", &modified).send().await.unwrap();
            assert_eq!(res3.status(), StatusCode::NOT_MODIFIED);
        }
    }
    // A new item changes the site's page and its ETag.
    let before = client.get(app.url(&site.path())).send().await.unwrap().headers()["etag"].clone();
    let hkh = as_user(&app, "hkh.xa").await;
    let (_, loc, _) =
        write_item(&hkh, &format!("/trang-tin/{}", site.id), &[("kind", "tin-tuc"), ("title", "Tin mới nhất")], None, None).await;
    crate::workflow::post(&hkh, &format!("{loc}/dang"), &[]).await;
    let res = client.get(app.url(&site.path())).header("if-none-match", before.clone()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{engine:?}: a changed page answered 304");
    assert_ne!(res.headers()["etag"], before);
}

/// Reads an XML document to its end; returns the names of its elements in order.
fn parse_xml(text: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut names = Vec::new();
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => {
                depth += 1;
                names.push(e.name().as_ref().to_string());
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Empty(e)) => names.push(e.name().as_ref().to_string()),
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not XML: {e}\n{text}"),
        }
    }
    assert_eq!(depth, 0, "unbalanced: {text}");
    names
}

per_engine!(feeds_and_the_sitemap_parse_and_list_only_what_is_published);
async fn feeds_and_the_sitemap_parse_and_list_only_what_is_published(engine: Engine) {
    let app = TestApp::start(engine).await;
    demo_sites(&app).await;
    let client = anon();
    let b = app.store.branch_by_code("HKH-TINH-MAU").await.unwrap();
    let tinh = app.store.site_of_branch(b.id).await.unwrap();
    let (s, feed) = get_text(&client, &app.url(&format!("{}/feed.atom", tinh.path()))).await;
    assert_eq!(s, StatusCode::OK);
    let names = parse_xml(&feed);
    assert_eq!(names.first().map(String::as_str), Some("feed"));
    // Three published; the scheduled one is not in the feed yet.
    assert_eq!(names.iter().filter(|n| *n == "entry").count(), 3, "{feed}");
    assert!(feed.contains("https://hoctap.test/hoi/") && !feed.contains("Tuần lễ học tập suốt đời"), "{feed}");
    let (s, map) = get_text(&client, &app.url("/sitemap.xml")).await;
    assert_eq!(s, StatusCode::OK);
    let names = parse_xml(&map);
    assert_eq!(names.first().map(String::as_str), Some("urlset"));
    assert!(map.contains(&format!("<loc>https://hoctap.test{}</loc>", tinh.path())), "{map}");
    assert!(map.contains("tai-lieu-tap-huan-ky-nang-so-cho-chi-hoi-truong") && !map.contains("ban-nhap"), "{map}");
    // A unit's site without items still has its feed.
    let code = app.store.unit(app.demo_commune().await).await.unwrap().code;
    let (s, feed) = get_text(&client, &app.url(&format!("/don-vi/{code}/trang/feed.atom"))).await;
    assert_eq!(s, StatusCode::OK);
    parse_xml(&feed);
    // Pages name themselves for search engines and link previews.
    let (_, page) = get_text(&client, &app.url(&tinh.path())).await;
    for tag in ["<meta name=\"description\"", "og:title", "og:url", "application/atom+xml", "<link rel=\"canonical\""] {
        assert!(page.contains(tag), "{engine:?}: {tag} missing");
    }
}

per_engine!(a_visitor_gets_the_portal_and_an_officer_the_work_home);
async fn a_visitor_gets_the_portal_and_an_officer_the_work_home(engine: Engine) {
    let app = TestApp::start(engine).await;
    demo_sites(&app).await;
    let (s, page) = get_text(&anon(), &app.url("/")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Cổng thông tin") && page.contains("Hội Khuyến học tỉnh tổng kết") && page.contains("/ket-qua/20"), "{page}");
    let officer = as_user(&app, "xa.canbo").await;
    let (_, page) = get_text(&officer.client, &officer.url("/")).await;
    assert!(page.contains("Xin chào"), "{page}");
    // The association index finds a site without diacritics.
    let b = app.store.branch_by_code("HKH-TINH-MAU").await.unwrap();
    let tinh = app.store.site_of_branch(b.id).await.unwrap();
    assert!(tinh.slug.starts_with("hoi-khuyen-hoc-") && tinh.slug.ends_with("lang-son"), "{}", tinh.slug);
    let (_, page) = get_text(&anon(), &app.url("/hoi?q=KHUYEN+HOC+lang+son")).await;
    assert!(page.contains(&format!("href=\"{}\"", tinh.path())), "{page}");
    let (_, page) = get_text(&anon(), &app.url("/hoi?q=khong+co+hoi+nay")).await;
    assert!(!page.contains(&tinh.path()), "{page}");
    // A branch registered after those visits has its site at the next visit (public pages make
    // the missing sites once per change of the branches, not on every request).
    let commune = app.store.unit(app.demo_commune().await).await.unwrap();
    let mut b = Values::new();
    b.insert("code", Value::Text("HKH-CHI-MOI".into()));
    b.insert("name", Value::Text("Chi hội Khuyến học Trường Mới".into()));
    b.insert("level", Value::Text("chi_hoi".into()));
    b.insert("unit", Value::Unit(UnitCode::parse(&commune.code).unwrap()));
    app.store.registry_create(&Actor::system("kiểm thử"), &ASSOCIATION_BRANCHES, b, None, hoctap_store::today()).await.unwrap();
    let (_, page) = get_text(&anon(), &app.url("/hoi?q=truong+moi")).await;
    assert!(page.contains("href=\"/hoi/chi-hoi-khuyen-hoc-truong-moi\""), "{page}");
    let (s, page) = get_text(&anon(), &app.url("/hoi/chi-hoi-khuyen-hoc-truong-moi")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    // An unknown address asked again stays unknown.
    for _ in 0..2 {
        assert_eq!(get_text(&anon(), &app.url("/hoi/khong-co-hoi-nay")).await.0, StatusCode::NOT_FOUND);
    }
}

per_engine!(the_results_portal_shows_indicators_and_recognitions_by_name_and_place_only);
async fn the_results_portal_shows_indicators_and_recognitions_by_name_and_place_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let province = app.unit_id("20").await;
    let commune = app.demo_commune().await;
    hoctap_commands::commands::demo::seed_movement(&app.store, province, commune, &crate::harness::deployment_key()).await.unwrap();
    let code = app.store.unit(commune).await.unwrap().code;
    let year = hoctap_store::today().year() - 2;
    let (s, page) = get_text(&anon(), &app.url(&format!("/ket-qua/{code}?nam={year}"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Gia đình ông Hoàng Văn Học") && page.contains("so với lộ trình"), "{page}");
    let (s, _) = get_text(&anon(), &app.url("/ket-qua/20")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(get_text(&anon(), &app.url("/ket-qua/99999")).await.0, StatusCode::NOT_FOUND);

    // The lookup by name, commune and year: what the decision shows, with diacritics or not.
    let client = anon();
    let url = app.url(&format!("/tra-cuu-danh-hieu?ten=gia+dinh+ong+hoang+van+hoc&xa={code}&nam={year}"));
    let (s, page) = get_text(&client, &url).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Gia đình ông Hoàng Văn Học") && page.contains("/xac-minh/"), "{page}");
    let (_, page) = get_text(&client, &app.url(&format!("/tra-cuu-danh-hieu?ten=Nguyen+Van+Khong&xa={code}&nam={year}"))).await;
    assert!(page.contains("Không có danh hiệu nào khớp"), "{page}");
    let (s, page) = get_text(&client, &app.url("/tra-cuu-danh-hieu?ten=A&xa=1&nam=2025")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Mã xã"), "{page}");
    // Rate limited per address.
    let mut last = StatusCode::OK;
    for _ in 0..hoctap_app::sites::LOOKUPS_PER_10_MIN {
        last = client.get(&url).send().await.unwrap().status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
}

/// Every word of exactly twelve digits: a CCCD-like number. A word is a run of ASCII letters and
/// digits, so digits inside a file's hex hash (`/tep/ab…12…cd`) are not a number shown.
fn twelve_digits(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 12 && w.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_cccd_is_found_between_tags_and_not_inside_a_hash() {
    assert_eq!(twelve_digits("<td>020190001234</td> 0201900012345 (020190001235)"), ["020190001234", "020190001235"]);
    assert!(twelve_digits("/tep/9ab932341746739cd0 img-932341746739x").is_empty());
}

per_engine!(no_public_page_of_the_demo_shows_a_cccd_or_a_birth_date);
async fn no_public_page_of_the_demo_shows_a_cccd_or_a_birth_date(engine: Engine) {
    let app = TestApp::start(engine).await;
    let province = app.unit_id("20").await;
    let commune = app.demo_commune().await;
    demo_sites(&app).await;
    hoctap_commands::commands::demo::seed_movement(&app.store, province, commune, &crate::harness::deployment_key()).await.unwrap();
    // Every citizen's birth date as pages would write it.
    let citizens = app
        .store
        .registry_list(
            &hoctap_domain::registry::def::CITIZENS,
            &hoctap_store::RegistryQuery { limit: 10_000, ..Default::default() },
            hoctap_store::today(),
        )
        .await
        .unwrap();
    assert!(!citizens.is_empty());
    let births: BTreeSet<String> = citizens
        .iter()
        .filter_map(|c| match c.values.get("birth_date") {
            Some(hoctap_domain::registry::def::Value::Date(d)) => Some(hoctap_domain::date::format_vn(*d)),
            _ => None,
        })
        .collect();
    // Start from every public page of the route table, then follow every link a visitor sees.
    let code = app.store.unit(commune).await.unwrap().code;
    let year = hoctap_store::today().year() - 2;
    let mut queue: VecDeque<String> = VecDeque::from([
        "/".to_string(),
        "/hoi".into(),
        "/tim-kiem?q=hoc".into(),
        format!("/ket-qua/{code}?nam={year}"),
        format!("/don-vi/{code}/trang"),
        format!("/tra-cuu-danh-hieu?ten=gia+dinh+ong+hoang+van+hoc&xa={code}&nam={year}"),
        "/sitemap.xml".into(),
    ]);
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let client = anon();
    let mut pages = 0;
    while let Some(path) = queue.pop_front() {
        if pages >= 150 {
            break;
        }
        let res = client.get(app.url(&path)).send().await.unwrap();
        let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        if res.status() != StatusCode::OK || !(kind.starts_with("text/html") || kind.contains("xml")) {
            continue;
        }
        let text = res.text().await.unwrap();
        pages += 1;
        let digits = twelve_digits(&text);
        assert!(digits.is_empty(), "{engine:?}: {path} shows a CCCD-like number {digits:?}");
        for b in &births {
            assert!(!text.contains(b.as_str()), "{engine:?}: {path} shows a birth date {b}");
        }
        for part in text.split("href=\"").skip(1) {
            let link = part.split('"').next().unwrap_or("").replace("&amp;", "&");
            let link = link.strip_prefix(crate::harness::PUBLIC_URL).unwrap_or(&link).to_string();
            // Public pages only: the login form and the editors' pages are not the public face.
            if link.starts_with('/')
                && !link.starts_with("//")
                && !link.starts_with("/dang-nhap")
                && !link.starts_with("/static")
                && seen.insert(link.clone())
            {
                queue.push_back(link);
            }
        }
    }
    assert!(pages > 25, "{engine:?}: only {pages} public pages reached");
}
