//! Public sites and the public portal: the national home for visitors (`/`), every Hội
//! Khuyến học's site (`/hoi/{slug}`) and every unit's (`/don-vi/{code}/trang`) with news,
//! documents (the system's decisions and plans included), training materials, the area's
//! learning centres and results; Atom feeds, `sitemap.xml`, site-wide search ignoring
//! diacritics; the portal of results per province and commune (`/ket-qua/{code}`) and the
//! title lookup by name (`/tra-cuu-danh-hieu`). Public pages are the same for everyone (no
//! session shown), carry an ETag and Last-Modified and answer 304. The editors' pages
//! (`/trang-tin/…`) call `hoctap_app::sites`, which checks role and scope.

use super::{Chrome, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hoctap_app::sites as app;
use hoctap_domain::site::PostKind;
use hoctap_domain::unit::UnitKind;
use hoctap_http::AppState;
use hoctap_http::auth::{CsrfForm, CurrentUser};
use hoctap_http::error::{WebError, WebResult};
use hoctap_http::routes::{Routes, get, post};
use hoctap_store::{PostRow, PostVersionRow, PostWithSite, PublicDecision, PublicRecognition, SITE_HOI, SITE_UNIT, SiteRow};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .route("/hoi", get(hoi_index))
        .route("/hoi/{slug}", get(hoi_home))
        .route("/hoi/{slug}/feed.atom", get(hoi_feed))
        .route("/hoi/{slug}/bai/{post}", get(hoi_post))
        .route("/hoi/{slug}/{muc}", get(hoi_section))
        .route("/don-vi/{id}/trang", get(unit_home))
        .route("/don-vi/{id}/trang/feed.atom", get(unit_feed))
        .route("/don-vi/{id}/trang/bai/{post}", get(unit_post))
        .route("/don-vi/{id}/trang/{muc}", get(unit_section))
        .route("/tim-kiem", get(search))
        .route("/sitemap.xml", get(sitemap))
        .route("/tep/{sha}", get(file))
        .route("/ket-qua/{code}", get(results))
        .route("/tra-cuu-danh-hieu", get(lookup))
        .route("/trang-tin", get(my_sites))
        .route("/trang-tin/{site}", get(site_admin).post(create))
        .route("/trang-tin/bai/{post}", get(edit_form).post(save))
        .route("/trang-tin/bai/{post}/xem-truoc", get(preview))
        .route("/trang-tin/bai/{post}/dang", post(publish))
        .route("/trang-tin/bai/{post}/go", post(unpublish))
        .route("/trang-tin/bai/{post}/lich-su", get(history))
}

/// What search engines and link previews read: title, description, canonical address, image.
pub struct Meta {
    pub title: String,
    pub description: String,
    pub url: String,
    pub image: Option<String>,
    pub feed: Option<String>,
    pub kind: &'static str,
}

fn visitor(title: &str) -> Chrome {
    Chrome { title: title.to_string(), user: None, csrf: String::new() }
}

/// A public page: the same for every visitor, so a weak ETag of its bytes, Last-Modified when
/// known, and 304 when the browser already has it.
fn public_page(headers: &HeaderMap, content_type: &'static str, body: String, last_modified: Option<&str>) -> Response {
    use sha2::Digest;
    let etag = format!("W/\"{}\"", &hex::encode(sha2::Sha256::digest(body.as_bytes()))[..32]);
    let modified =
        last_modified.and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim() == etag || e.trim() == "*"));
    let unchanged = !headers.contains_key(header::IF_NONE_MATCH)
        && modified.as_deref().is_some_and(|m| headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) == Some(m));
    let mut res = if matches || unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(m) = modified.and_then(|m| HeaderValue::from_str(&m).ok()) {
        h.insert(header::LAST_MODIFIED, m);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    res
}

fn html_page(headers: &HeaderMap, t: &impl Template, last_modified: Option<&str>) -> WebResult<Response> {
    Ok(public_page(headers, "text/html; charset=utf-8", t.render()?, last_modified))
}

/// An item as lists and pages show it.
pub struct Item {
    pub title: String,
    pub summary: String,
    pub url: String,
    pub kind_label: &'static str,
    pub date: String,
    pub site_name: String,
    pub site_url: String,
    pub thumb: Option<String>,
    pub topic: String,
}

fn item(p: &PostRow, site_path: &str, site_name: &str) -> Item {
    Item {
        title: p.title.clone(),
        summary: p.summary.clone(),
        url: format!("{site_path}/bai/{}", p.slug),
        kind_label: PostKind::parse(&p.kind).map_or("", PostKind::label),
        date: p.publish_at.as_deref().map(hoctap_app::format::instant_vn).unwrap_or_default(),
        site_name: site_name.to_string(),
        site_url: site_path.to_string(),
        thumb: p.thumb_sha.as_ref().map(|s| format!("/tep/{s}")),
        topic: p.topic.clone(),
    }
}

fn item_of(p: &PostWithSite) -> Item {
    item(&p.post, &p.site_path, &p.site_name)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

// ---------------------------------------------------------------- the national portal

#[derive(Template)]
#[template(path = "sites/portal.html")]
struct PortalPage {
    chrome: Chrome,
    meta: Meta,
    latest: Vec<Item>,
    provinces: Vec<(String, String)>,
    sites: Vec<(String, String)>,
}

/// The home of a visitor: find your province, commune or association, the latest news, the
/// title lookup.
pub async fn portal_home(state: &AppState, headers: &HeaderMap) -> WebResult<Response> {
    let now = app::now_stored();
    let latest = state.store.latest_posts(None, &now, 12).await?;
    let provinces = state.store.provinces(hoctap_store::today()).await?.into_iter().map(|u| (u.code, u.name)).collect::<Vec<_>>();
    state.store.sync_branch_sites_once().await?;
    let sites = state.store.sites(Some(SITE_HOI), "", None, 30).await?.into_iter().map(|s| (s.path(), s.name)).collect();
    let last = state.store.posts_last_change(None, &now).await?;
    let page = PortalPage {
        chrome: visitor("Cổng thông tin xây dựng xã hội học tập"),
        meta: Meta {
            title: "Cổng thông tin xây dựng xã hội học tập".into(),
            description: "Tin tức, văn bản, tài liệu bồi dưỡng của Hội Khuyến học các cấp; kết quả xây dựng xã hội học tập theo tỉnh, xã; tra cứu danh hiệu."
                .into(),
            url: state.public_url.join("/"),
            image: None,
            feed: None,
            kind: "website",
        },
        latest: latest.iter().map(item_of).collect(),
        provinces,
        sites,
    };
    html_page(headers, &page, last.as_deref())
}

#[derive(Template)]
#[template(path = "sites/index.html")]
struct IndexPage {
    chrome: Chrome,
    meta: Meta,
    q: String,
    sites: Vec<(String, String)>,
}

async fn hoi_index(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> WebResult<Response> {
    state.store.sync_branch_sites_once().await?;
    let folded = hoctap_domain::text::fold(&q.q);
    let sites = state.store.sites(Some(SITE_HOI), &folded, None, 200).await?.into_iter().map(|s| (s.path(), s.name)).collect();
    let page = IndexPage {
        chrome: visitor("Trang thông tin Hội Khuyến học các cấp"),
        meta: Meta {
            title: "Trang thông tin Hội Khuyến học các cấp".into(),
            description: "Danh sách trang thông tin của Hội Khuyến học tỉnh, xã và chi hội.".into(),
            url: state.public_url.join("/hoi"),
            image: None,
            feed: None,
            kind: "website",
        },
        q: q.q,
        sites,
    };
    html_page(&headers, &page, None)
}

// ---------------------------------------------------------------- one site

/// A site as its public pages need it: the site row (None: a unit that has not written
/// anything yet), its unit, address and name.
struct PublicSite {
    site: Option<SiteRow>,
    unit: hoctap_store::UnitRow,
    path: String,
    name: String,
}

async fn hoi_site(state: &AppState, slug: &str) -> WebResult<PublicSite> {
    let site = app::public_hoi(&state.store, slug).await?;
    let unit = state.store.unit(site.unit_id).await?;
    Ok(PublicSite { path: site.path(), name: site.name.clone(), site: Some(site), unit })
}

async fn unit_site(state: &AppState, code: &str) -> WebResult<PublicSite> {
    if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebError::NotFound("trang thông tin"));
    }
    let unit = state.store.unit_by_code(code, hoctap_store::today()).await.map_err(|_| WebError::NotFound("trang thông tin"))?;
    let site = state.store.site_by_slug(SITE_UNIT, &unit.code).await?;
    Ok(PublicSite { path: format!("/don-vi/{}/trang", unit.code), name: unit.name.clone(), site, unit })
}

#[derive(Template)]
#[template(path = "sites/home.html")]
struct SiteHome {
    chrome: Chrome,
    meta: Meta,
    name: String,
    path: String,
    unit_name: String,
    results_url: Option<String>,
    news: Vec<Item>,
    documents: Vec<Item>,
    training: Vec<Item>,
    decisions: Vec<DecisionLine>,
    plans: Vec<(String, String, String)>,
    centres: Vec<app::AreaCentre>,
}

pub struct DecisionLine {
    pub number: String,
    pub date: String,
    pub title: String,
    pub authority: String,
}

fn decision_line(d: &PublicDecision) -> DecisionLine {
    DecisionLine {
        number: d.number.clone(),
        date: hoctap_app::format::iso_date_vn(&d.decided_on),
        title: d.title.clone(),
        authority: d.authority.clone(),
    }
}

fn results_url(unit: &hoctap_store::UnitRow) -> Option<String> {
    matches!(unit.kind, UnitKind::Province | UnitKind::Commune).then(|| format!("/ket-qua/{}", unit.code))
}

async fn site_home(state: &AppState, headers: &HeaderMap, s: PublicSite) -> WebResult<Response> {
    let now = app::now_stored();
    let (mut news, mut documents, mut training) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    if let Some(site) = &s.site {
        for p in state.store.posts_by_kind(site.id, &now, 6).await? {
            let list = match PostKind::parse(&p.kind).ok() {
                Some(PostKind::News) => &mut news,
                Some(PostKind::Document) => &mut documents,
                Some(PostKind::Training) => &mut training,
                None => continue,
            };
            list.push(item(&p, &s.path, &s.name));
        }
        last = state.store.posts_last_change(Some(site.id), &now).await?;
    }
    let decisions = state.store.public_decisions(s.unit.id, 10).await?.iter().map(decision_line).collect();
    let plans =
        state.store.public_plans(s.unit.id).await?.into_iter().map(|(n, d, t)| (n, hoctap_app::format::iso_date_vn(&d), t)).collect();
    // The centres of the area with their public programme (activities, never learners).
    let centres = app::area_centres(&state.store, s.unit.id, hoctap_store::today().year()).await?;
    let page = SiteHome {
        chrome: visitor(&s.name),
        meta: Meta {
            title: s.name.clone(),
            description: format!("Tin tức, văn bản, tài liệu bồi dưỡng và kết quả xây dựng xã hội học tập của {}.", s.name),
            url: state.public_url.join(&s.path),
            image: None,
            feed: Some(format!("{}/feed.atom", s.path)),
            kind: "website",
        },
        results_url: results_url(&s.unit),
        unit_name: s.unit.name.clone(),
        name: s.name,
        path: s.path,
        news,
        documents,
        training,
        decisions,
        plans,
        centres,
    };
    html_page(headers, &page, last.as_deref())
}

async fn hoi_home(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> WebResult<Response> {
    let s = hoi_site(&state, &slug).await?;
    site_home(&state, &headers, s).await
}

async fn unit_home(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> WebResult<Response> {
    let s = unit_site(&state, &code).await?;
    site_home(&state, &headers, s).await
}

#[derive(Template)]
#[template(path = "sites/section.html")]
struct SectionPage {
    chrome: Chrome,
    meta: Meta,
    name: String,
    path: String,
    label: &'static str,
    items: Vec<Item>,
    /// Training materials grouped by topic.
    topics: Vec<(String, Vec<Item>)>,
    decisions: Vec<DecisionLine>,
}

async fn section(state: &AppState, headers: &HeaderMap, s: PublicSite, muc: &str) -> WebResult<Response> {
    let kind = PostKind::parse(muc).map_err(|_| WebError::NotFound("mục"))?;
    let now = app::now_stored();
    let items: Vec<Item> = match &s.site {
        Some(site) => state.store.posts(site.id, Some(kind), Some(&now), 200).await?.iter().map(|p| item(p, &s.path, &s.name)).collect(),
        None => Vec::new(),
    };
    let mut topics: Vec<(String, Vec<Item>)> = Vec::new();
    let items = if kind == PostKind::Training {
        for i in items {
            let topic = if i.topic.is_empty() { "Chung".to_string() } else { i.topic.clone() };
            match topics.iter_mut().find(|(t, _)| *t == topic) {
                Some((_, v)) => v.push(i),
                None => topics.push((topic, vec![i])),
            }
        }
        topics.sort_by_key(|t| hoctap_domain::text::fold(&t.0));
        Vec::new()
    } else {
        items
    };
    let decisions = if kind == PostKind::Document {
        state.store.public_decisions(s.unit.id, 100).await?.iter().map(decision_line).collect()
    } else {
        Vec::new()
    };
    let last = match &s.site {
        Some(site) => state.store.posts_last_change(Some(site.id), &now).await?,
        None => None,
    };
    let page = SectionPage {
        chrome: visitor(&format!("{} – {}", kind.label(), s.name)),
        meta: Meta {
            title: format!("{} – {}", kind.label(), s.name),
            description: format!("{} của {}.", kind.label(), s.name),
            url: state.public_url.join(&format!("{}/{}", s.path, kind.code())),
            image: None,
            feed: Some(format!("{}/feed.atom", s.path)),
            kind: "website",
        },
        name: s.name,
        path: s.path,
        label: kind.label(),
        items,
        topics,
        decisions,
    };
    html_page(headers, &page, last.as_deref())
}

async fn hoi_section(State(state): State<AppState>, headers: HeaderMap, Path((slug, muc)): Path<(String, String)>) -> WebResult<Response> {
    let s = hoi_site(&state, &slug).await?;
    section(&state, &headers, s, &muc).await
}

async fn unit_section(State(state): State<AppState>, headers: HeaderMap, Path((code, muc)): Path<(String, String)>) -> WebResult<Response> {
    let s = unit_site(&state, &code).await?;
    section(&state, &headers, s, &muc).await
}

#[derive(Template)]
#[template(path = "sites/post.html")]
struct PostPage {
    chrome: Chrome,
    meta: Meta,
    name: String,
    path: String,
    item: Item,
    body_html: String,
    cover: Option<String>,
    file: Option<(String, String)>,
    video_url: String,
    /// Shown above an editor's preview.
    preview: Option<(i64, &'static str)>,
}

fn post_page(state: &AppState, s_name: &str, s_path: &str, p: &PostRow, preview: Option<(i64, &'static str)>) -> PostPage {
    let it = item(p, s_path, s_name);
    PostPage {
        chrome: visitor(&p.title),
        meta: Meta {
            title: p.title.clone(),
            description: if p.summary.is_empty() { format!("{} – {}", it.kind_label, s_name) } else { p.summary.clone() },
            url: state.public_url.join(&it.url),
            image: p.cover_sha.as_ref().map(|s| state.public_url.join(&format!("/tep/{s}"))),
            feed: Some(format!("{s_path}/feed.atom")),
            kind: "article",
        },
        name: s_name.to_string(),
        path: s_path.to_string(),
        body_html: p.body_html.clone(),
        cover: p.cover_sha.as_ref().map(|s| format!("/tep/{s}")),
        file: p.file_sha.as_ref().map(|s| (format!("/tep/{s}"), p.file_name.clone())),
        video_url: p.video_url.clone(),
        item: it,
        preview,
    }
}

async fn show_post(state: &AppState, headers: &HeaderMap, s: PublicSite, slug: &str) -> WebResult<Response> {
    let now = app::now_stored();
    let site = s.site.as_ref().ok_or(WebError::NotFound("bài"))?;
    if !hoctap_domain::site::is_slug(slug) {
        return Err(WebError::NotFound("bài"));
    }
    let p = state.store.post_by_slug(site.id, slug, &now).await?.ok_or(WebError::NotFound("bài"))?;
    let last = if p.publish_at.as_deref() > Some(p.updated_at.as_str()) { p.publish_at.clone() } else { Some(p.updated_at.clone()) };
    html_page(headers, &post_page(state, &s.name, &s.path, &p, None), last.as_deref())
}

async fn hoi_post(State(state): State<AppState>, headers: HeaderMap, Path((slug, post)): Path<(String, String)>) -> WebResult<Response> {
    let s = hoi_site(&state, &slug).await?;
    show_post(&state, &headers, s, &post).await
}

async fn unit_post(State(state): State<AppState>, headers: HeaderMap, Path((code, post)): Path<(String, String)>) -> WebResult<Response> {
    let s = unit_site(&state, &code).await?;
    show_post(&state, &headers, s, &post).await
}

// ---------------------------------------------------------------- feeds, sitemap, search, files

#[derive(Template)]
#[template(path = "sites/feed.xml")]
struct Feed {
    title: String,
    id: String,
    updated: String,
    entries: Vec<FeedEntry>,
}

struct FeedEntry {
    title: String,
    url: String,
    updated: String,
    summary: String,
}

async fn feed(state: &AppState, headers: &HeaderMap, s: PublicSite) -> WebResult<Response> {
    let now = app::now_stored();
    let posts = match &s.site {
        Some(site) => state.store.posts(site.id, None, Some(&now), 50).await?,
        None => Vec::new(),
    };
    let entries = posts
        .iter()
        .map(|p| FeedEntry {
            title: p.title.clone(),
            url: state.public_url.join(&format!("{}/bai/{}", s.path, p.slug)),
            updated: p.publish_at.clone().unwrap_or_else(|| p.updated_at.clone()),
            summary: p.summary.clone(),
        })
        .collect::<Vec<_>>();
    let updated = entries.first().map(|e| e.updated.clone()).unwrap_or_else(|| "2025-01-01T00:00:00Z".into());
    let f = Feed { title: s.name.clone(), id: state.public_url.join(&s.path), updated: updated.clone(), entries };
    Ok(public_page(headers, "application/atom+xml; charset=utf-8", f.render()?, Some(&updated)))
}

async fn hoi_feed(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> WebResult<Response> {
    let s = hoi_site(&state, &slug).await?;
    feed(&state, &headers, s).await
}

async fn unit_feed(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> WebResult<Response> {
    let s = unit_site(&state, &code).await?;
    feed(&state, &headers, s).await
}

#[derive(Template)]
#[template(path = "sites/sitemap.xml")]
struct Sitemap {
    urls: Vec<(String, String)>,
}

async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> WebResult<Response> {
    let now = app::now_stored();
    state.store.sync_branch_sites_once().await?;
    let mut urls = vec![(state.public_url.join("/"), String::new()), (state.public_url.join("/hoi"), String::new())];
    for s in state.store.sites(None, "", None, 5000).await? {
        urls.push((state.public_url.join(&s.path()), String::new()));
    }
    for p in state.store.sitemap_posts(&now, 40_000).await? {
        let lastmod = p.post.updated_at.get(..10).unwrap_or("").to_string();
        urls.push((state.public_url.join(&format!("{}/bai/{}", p.site_path, p.post.slug)), lastmod));
    }
    Ok(public_page(&headers, "application/xml; charset=utf-8", Sitemap { urls }.render()?, None))
}

#[derive(Template)]
#[template(path = "sites/search.html")]
struct SearchPage {
    chrome: Chrome,
    meta: Meta,
    q: String,
    searched: bool,
    items: Vec<Item>,
}

async fn search(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> WebResult<Response> {
    let words: Vec<String> = hoctap_domain::text::fold(&q.q).split_whitespace().take(8).map(str::to_string).collect();
    let items = if words.is_empty() {
        Vec::new()
    } else {
        state.store.search_posts(&words, None, &app::now_stored(), 50).await?.iter().map(item_of).collect()
    };
    let page = SearchPage {
        chrome: visitor("Tìm kiếm"),
        meta: Meta {
            title: "Tìm kiếm tin tức, văn bản, tài liệu".into(),
            description: "Tìm trong tin tức, văn bản và tài liệu bồi dưỡng của mọi trang thông tin, có dấu hay không dấu.".into(),
            url: state.public_url.join("/tim-kiem"),
            image: None,
            feed: None,
            kind: "website",
        },
        searched: !words.is_empty(),
        q: q.q,
        items,
    };
    html_page(&headers, &page, None)
}

/// A file of a visible item (images cached for a year: the address is the content's hash);
/// an unpublished item's files only for the editors of its site.
async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: hoctap_http::auth::MaybeUser,
    Path(sha): Path<String>,
) -> WebResult<Response> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        return Err(WebError::NotFound("tệp"));
    }
    let (visible, units) = state.store.site_file_users(&sha, &app::now_stored()).await?;
    if !visible {
        let mut editor = false;
        if let Some(u) = &user.0 {
            for unit in units {
                if app::role_edits(u) && u.sees(&state.store, unit).await? {
                    editor = true;
                    break;
                }
            }
        }
        if !editor {
            return Err(WebError::NotFound("tệp"));
        }
    }
    let etag = format!("\"{sha}\"");
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&etag)) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let f = state.store.site_file(&sha).await?;
    let cache = if visible { "public, max-age=31536000, immutable" } else { "private, no-store" };
    let disposition = if f.mime.starts_with("image/") || f.mime == "application/pdf" { "inline" } else { "attachment" };
    Ok((
        [
            (header::CONTENT_TYPE, f.mime),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::ETAG, etag),
            (header::CONTENT_DISPOSITION, disposition.to_string()),
        ],
        f.bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------- the portal of results

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    nam: Option<i16>,
}

#[derive(Template)]
#[template(path = "sites/results.html")]
struct ResultsPage {
    chrome: Chrome,
    meta: Meta,
    unit_name: String,
    year: i16,
    years: Vec<i16>,
    code: String,
    lines: Vec<hoctap_app::dashboard::IndicatorLine>,
    recognitions: Vec<(String, Vec<PublicRecognition>)>,
    decisions: Vec<DecisionLine>,
    children: Vec<(String, String)>,
}

/// A province's or commune's results for a year: the indicators against the plan's path (the
/// dashboard's own computation), the recognitions by the year's decisions (names and place),
/// the decisions issued.
async fn results(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebError::NotFound("đơn vị"));
    }
    let today = hoctap_store::today();
    let unit = state.store.unit_by_code(&code, today).await.map_err(|_| WebError::NotFound("đơn vị"))?;
    if !matches!(unit.kind, UnitKind::Province | UnitKind::Commune) {
        return Err(WebError::NotFound("đơn vị"));
    }
    let this_year = today.year();
    let year = q.nam.filter(|y| (2020..=this_year).contains(y)).unwrap_or(this_year);
    let level = hoctap_app::dashboard::level_of(Some(&unit));
    let indicators: Vec<_> = hoctap_domain::indicator::shipped_indicators()
        .map_err(WebError::internal)?
        .into_iter()
        .filter(|i| i.levels.contains(&level))
        .collect();
    let f = hoctap_app::dashboard::figures(&state.store, Some(&unit), year, hoctap_store::Basis::Rebased(today), &indicators).await?;
    let mut groups: Vec<(String, Vec<PublicRecognition>)> = Vec::new();
    for r in state.store.public_recognitions(unit.id, year, 2000).await? {
        let label = hoctap_domain::criteria::SubjectKind::parse(&r.subject_kind).map(|k| k.label().to_string()).unwrap_or_default();
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(r),
            None => groups.push((label, vec![r])),
        }
    }
    let decisions = state.store.public_decisions(unit.id, 50).await?.iter().map(decision_line).collect();
    let children = if unit.kind == UnitKind::Province {
        state.store.children(unit.id, today).await?.into_iter().filter(|c| c.kind == UnitKind::Commune).map(|c| (c.code, c.name)).collect()
    } else {
        Vec::new()
    };
    let page = ResultsPage {
        chrome: visitor(&format!("Kết quả xây dựng xã hội học tập – {}", unit.name)),
        meta: Meta {
            title: format!("Kết quả xây dựng xã hội học tập năm {year} – {}", unit.name),
            description: format!(
                "Chỉ số xã hội học tập so với lộ trình kế hoạch, danh sách được công nhận và quyết định năm {year} của {}.",
                unit.name
            ),
            url: state.public_url.join(&format!("/ket-qua/{}", unit.code)),
            image: None,
            feed: None,
            kind: "website",
        },
        unit_name: unit.name.clone(),
        year,
        years: (2023..=this_year).rev().collect(),
        code: unit.code.clone(),
        lines: f.lines,
        recognitions: groups,
        decisions,
        children,
    };
    html_page(&headers, &page, None)
}

#[derive(Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    ten: String,
    #[serde(default)]
    xa: String,
    #[serde(default)]
    nam: String,
}

pub struct LookupHit {
    pub name: String,
    pub title: String,
    pub level: String,
    pub from: String,
    pub decision: String,
    pub verify_url: String,
}

#[derive(Template)]
#[template(path = "sites/lookup.html")]
struct LookupPage {
    chrome: Chrome,
    meta: Meta,
    q: LookupQuery,
    searched: bool,
    error: Option<String>,
    hits: Vec<LookupHit>,
}

/// The title lookup by name + commune (its code) + year: only what the public decision shows
/// (name, title, level, from when, which decision); rate limited per address.
async fn lookup(State(state): State<AppState>, addr: hoctap_http::ClientAddr, Query(q): Query<LookupQuery>) -> WebResult<Response> {
    let meta = Meta {
        title: "Tra cứu danh hiệu".into(),
        description: "Tra cứu danh hiệu học tập theo họ tên, xã và năm công nhận, hoặc theo mã xác minh.".into(),
        url: state.public_url.join("/tra-cuu-danh-hieu"),
        image: None,
        feed: None,
        kind: "website",
    };
    let searched = !(q.ten.trim().is_empty() && q.xa.trim().is_empty() && q.nam.trim().is_empty());
    let mut error = None;
    let mut hits = Vec::new();
    if searched {
        app::lookup_allowed(&state.store, addr.0).await?;
        let name = hoctap_domain::text::fold(&q.ten);
        let year = q.nam.trim().parse::<i16>().ok().filter(|y| (2000..=2100).contains(y));
        let commune = state.store.unit_by_code(q.xa.trim(), hoctap_store::today()).await.ok().filter(|u| u.kind == UnitKind::Commune);
        match (name.is_empty(), commune, year) {
            (true, ..) => error = Some("Nhập họ tên hoặc tên hộ, dòng họ như trên quyết định".to_string()),
            (_, None, _) => error = Some("Mã xã không đúng: nhập mã xã, phường hiện hành (5 chữ số)".to_string()),
            (_, _, None) => error = Some("Năm công nhận phải là một năm, ví dụ 2026".to_string()),
            (false, Some(c), Some(y)) => {
                for (code, name, title, level, from, number, authority) in state.store.recognitions_by_name(&name, c.id, y).await? {
                    hits.push(LookupHit {
                        name,
                        title,
                        level,
                        from: hoctap_app::format::iso_date_vn(&from),
                        decision: format!("{number} của {authority}"),
                        verify_url: format!("/xac-minh/{code}"),
                    });
                }
            }
        }
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = LookupPage { chrome: visitor("Tra cứu danh hiệu"), meta, q, searched, error, hits };
    Ok((status, Html(page.render()?)).into_response())
}

// ---------------------------------------------------------------- editors

#[derive(Template)]
#[template(path = "sites/my_sites.html")]
struct MySites {
    chrome: Chrome,
    sites: Vec<SiteRow>,
}

async fn my_sites(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    let sites = app::editable_sites(&state.store, &user).await?;
    render(&MySites { chrome: Chrome::new("Trang thông tin", &user), sites })
}

/// An item in the editor's list.
pub struct EditLine {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub when: String,
    pub version: i64,
}

fn edit_line(p: &PostRow) -> EditLine {
    let st = app::state(p);
    EditLine {
        id: p.id,
        title: p.title.clone(),
        kind: PostKind::parse(&p.kind).map_or("", PostKind::label),
        state: st.label(),
        when: match st {
            hoctap_domain::site::PostState::Scheduled | hoctap_domain::site::PostState::Published => {
                p.publish_at.as_deref().map(hoctap_app::format::instant_vn).unwrap_or_default()
            }
            _ => hoctap_app::format::instant_vn(&p.updated_at),
        },
        version: p.version,
    }
}

#[derive(Template)]
#[template(path = "sites/site_admin.html")]
struct SiteAdmin {
    chrome: Chrome,
    site: SiteRow,
    posts: Vec<EditLine>,
    kinds: Vec<(&'static str, &'static str)>,
    form: app::PostForm,
    errors: Vec<super::FieldError>,
}

async fn site_admin_page(
    state: &AppState,
    user: &CurrentUser,
    site_id: i64,
    form: app::PostForm,
    errors: Vec<super::FieldError>,
) -> WebResult<SiteAdmin> {
    let site = app::site_for_edit(&state.store, user, site_id).await?;
    let posts = state.store.posts(site.id, None, None, 500).await?.iter().map(edit_line).collect();
    Ok(SiteAdmin { chrome: Chrome::new(format!("Quản trị {}", site.name), user), site, posts, kinds: app::kinds(), form, errors })
}

async fn site_admin(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, Path(site): Path<i64>) -> WebResult<Response> {
    let form = app::PostForm { kind: PostKind::News.code().into(), ..app::PostForm::default() };
    super::page_with_flash(&headers, |_| site_admin_page(&state, &user, site, form, Vec::new())).await
}

/// Reads the editor's multipart form: the text fields, the cover image and the attachment;
/// the CSRF token is checked before anything is used.
async fn read_post_form(user: &CurrentUser, mut mp: Multipart) -> WebResult<app::PostForm> {
    let mut f = app::PostForm::default();
    let mut csrf = String::new();
    while let Some(field) = mp.next_field().await? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "cover" => {
                let b = field.bytes().await?;
                f.cover = (!b.is_empty()).then(|| b.to_vec());
            }
            "file" => {
                let file_name = field.file_name().unwrap_or("tep").to_string();
                let b = field.bytes().await?;
                f.file = (!b.is_empty()).then(|| (file_name, b.to_vec()));
            }
            _ => {
                let text = field.text().await?;
                if let Err(e) = hoctap_domain::text::check_chars(&text, true) {
                    return Err(WebError::invalid(&name, format!("Trường \"{name}\" {e}")));
                }
                match name.as_str() {
                    "csrf" => csrf = text,
                    "kind" => f.kind = text,
                    "title" => f.title = text,
                    "summary" => f.summary = text,
                    "body" => f.body = text,
                    "topic" => f.topic = text,
                    "video_url" => f.video_url = text,
                    "version" => f.version = text.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
    }
    user.check_csrf(&csrf)?;
    Ok(f)
}

async fn create(State(state): State<AppState>, user: CurrentUser, Path(site): Path<i64>, mp: Multipart) -> WebResult<Response> {
    // Role and scope before the body is read.
    app::site_for_edit(&state.store, &user, site).await?;
    let f = read_post_form(&user, mp).await?;
    let result = app::create_post(&state.store, &user, site, &f).await.map_err(WebError::from);
    let result = result.map(|p| (format!("/trang-tin/bai/{}", p.id), "Đã lưu bản nháp. Xem trước rồi bấm Đăng để đưa lên trang."));
    super::after_post(&state, result, |errors| site_admin_page(&state, &user, site, f.clone(), errors)).await
}

#[derive(Template)]
#[template(path = "sites/edit_post.html")]
struct EditPost {
    chrome: Chrome,
    site: SiteRow,
    post: PostRow,
    state_label: &'static str,
    public_url: Option<String>,
    publish_at: String,
    kinds: Vec<(&'static str, &'static str)>,
    form: app::PostForm,
    errors: Vec<super::FieldError>,
    done: Option<String>,
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    post_id: i64,
    form: Option<app::PostForm>,
    errors: Vec<super::FieldError>,
    done: Option<String>,
) -> WebResult<EditPost> {
    let (site, post) = app::post_for_edit(&state.store, user, post_id).await?;
    let st = app::state(&post);
    let form = form.unwrap_or_else(|| app::PostForm {
        kind: post.kind.clone(),
        title: post.title.clone(),
        summary: post.summary.clone(),
        body: post.body_md.clone(),
        topic: post.topic.clone(),
        video_url: post.video_url.clone(),
        version: post.version,
        cover: None,
        file: None,
    });
    Ok(EditPost {
        chrome: Chrome::new(format!("Sửa bài: {}", post.title), user),
        public_url: st.public().then(|| format!("{}/bai/{}", site.path(), post.slug)),
        publish_at: post
            .publish_at
            .as_deref()
            .filter(|_| st == hoctap_domain::site::PostState::Scheduled)
            .map(hoctap_app::format::instant_vn)
            .unwrap_or_default(),
        state_label: st.label(),
        site,
        post,
        kinds: app::kinds(),
        form,
        errors,
        done,
    })
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, headers: HeaderMap, Path(post): Path<i64>) -> WebResult<Response> {
    super::page_with_flash(&headers, |done| edit_page(&state, &user, post, None, Vec::new(), done)).await
}

async fn save(State(state): State<AppState>, user: CurrentUser, Path(post): Path<i64>, mp: Multipart) -> WebResult<Response> {
    app::post_for_edit(&state.store, &user, post).await?;
    let f = read_post_form(&user, mp).await?;
    let result = app::update_post(&state.store, &user, post, &f).await.map_err(WebError::from);
    let result = result.map(|p| (format!("/trang-tin/bai/{}", p.id), "Đã lưu."));
    super::after_post(&state, result, |errors| edit_page(&state, &user, post, Some(f.clone()), errors, None)).await
}

async fn preview(State(state): State<AppState>, user: CurrentUser, Path(post): Path<i64>) -> WebResult<Response> {
    let (site, p) = app::post_for_edit(&state.store, &user, post).await?;
    let page = post_page(&state, &site.name, &site.path(), &p, Some((p.id, app::state(&p).label())));
    // The editor's view of a draft: never cached.
    render(&page)
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    publish_at: String,
}

async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(post): Path<i64>,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> WebResult<Response> {
    let result = app::publish(&state.store, &user, post, &f.publish_at).await.map_err(WebError::from);
    let result = result.map(|p| {
        let msg = if app::state(&p) == hoctap_domain::site::PostState::Scheduled {
            "Đã hẹn giờ đăng bài."
        } else {
            "Đã đăng bài lên trang."
        };
        (format!("/trang-tin/bai/{}", p.id), msg)
    });
    super::after_post(&state, result, |errors| edit_page(&state, &user, post, None, errors, None)).await
}

async fn unpublish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(post): Path<i64>,
    CsrfForm(_): CsrfForm<hoctap_http::auth::NoFields>,
) -> WebResult<Response> {
    let p = app::unpublish(&state.store, &user, post).await?;
    Ok(super::flash_redirect(&state, &format!("/trang-tin/bai/{}", p.id), "Đã gỡ bài khỏi trang."))
}

#[derive(Template)]
#[template(path = "sites/history.html")]
struct History {
    chrome: Chrome,
    site: SiteRow,
    post: PostRow,
    versions: Vec<(PostVersionRow, String, String)>,
}

async fn history(State(state): State<AppState>, user: CurrentUser, Path(post): Path<i64>) -> WebResult<Response> {
    let (site, post, versions) = app::versions(&state.store, &user, post).await?;
    let versions = versions
        .into_iter()
        .map(|v| {
            let label = match v.status.as_str() {
                "published" => "Đã đăng",
                "unpublished" => "Đã gỡ",
                _ => "Bản nháp",
            };
            let at = hoctap_app::format::instant_vn(&v.saved_at);
            (v, label.to_string(), at)
        })
        .collect();
    render(&History { chrome: Chrome::new(format!("Lịch sử: {}", post.title), &user), site, post, versions })
}
