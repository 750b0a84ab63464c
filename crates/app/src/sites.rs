//! Public sites of the Hội Khuyến học and the units: who edits which site (association
//! officers the association's sites, unit officers the units' sites, in their scope;
//! administrators all), items saved as drafts, previewed, published now or at a time,
//! unpublished, each save a version with its audit entry; Markdown rendered to HTML by
//! pulldown-cmark and sanitised by ammonia (no home-made sanitiser); cover images resized to
//! web sizes by the `image` crate; attachments known by their bytes (`docs::sniff`). Public
//! reads: a site by its address, the title lookup by name with its rate limit.

use crate::{AppError, AppResult, CurrentUser};
use hoctap_domain::access::Role;
use hoctap_domain::site::{PostInput, PostKind, PostState, Status, parse_publish_at};
use hoctap_store::{PostContent, PostRow, PostVersionRow, SITE_HOI, SITE_UNIT, SiteRow, Store, stored_time};

/// The largest image an editor may upload (before resizing).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Web sizes: the cover as shown on an item's page, and the thumbnail of lists.
pub const COVER_WIDTH: u32 = 1200;
pub const THUMB_WIDTH: u32 = 400;

/// Markdown to HTML that cannot run anything: pulldown-cmark renders (raw HTML in the text
/// included), then ammonia keeps only its allow-list of tags, attributes and URL schemes: no
/// `<script>`, no `on…` handlers, no `javascript:` links, links get `rel="noopener noreferrer"`.
pub fn render_markdown(md: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(md.len() * 2);
    html::push_html(&mut raw, Parser::new_ext(md, opts));
    ammonia::Builder::default().url_schemes(["http", "https", "mailto", "tel"].into()).clean(&raw).to_string()
}

/// The folded text search reads: title, summary and body, no diacritics, lower case.
pub fn search_text(title: &str, summary: &str, body: &str, topic: &str) -> String {
    hoctap_domain::text::fold(&format!("{title} {summary} {topic} {body}"))
}

/// A cover image in its two web sizes, each encoded as JPEG (or PNG when the image has
/// transparency): (bytes, mime, width, height) for the cover and the thumbnail.
pub type WebImage = [(Vec<u8>, &'static str, u32, u32); 2];

/// Decodes an uploaded image (JPEG or PNG, known by its bytes, within size limits) and makes
/// its web sizes; runs on the blocking pool.
#[inline(never)]
pub fn web_image<'fut>(bytes: Vec<u8>) -> crate::BoxFut<'fut, AppResult<WebImage>> {
    Box::pin(async move { tokio::task::spawn_blocking(move || web_image_now(&bytes)).await.map_err(AppError::internal)? })
}

fn web_image_now(bytes: &[u8]) -> AppResult<WebImage> {
    use image::{ImageFormat, ImageReader, Limits};
    let bad = |m: &str| AppError::invalid("cover", m.to_string());
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(bad("Ảnh bìa lớn quá 10 MB"));
    }
    let format = match hoctap_docs::sniff::sniff(bytes) {
        Ok(hoctap_docs::sniff::FileKind::Jpeg) => ImageFormat::Jpeg,
        Ok(hoctap_docs::sniff::FileKind::Png) => ImageFormat::Png,
        _ => return Err(bad("Ảnh bìa phải là ảnh JPEG hoặc PNG")),
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(8000);
    limits.max_image_height = Some(8000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| bad("Ảnh bìa hỏng hoặc quá lớn (tối đa 8000 × 8000 điểm ảnh)"))?;
    let alpha = img.color().has_alpha();
    let size = |w: u32| -> AppResult<(Vec<u8>, &'static str, u32, u32)> {
        let scaled = if img.width() > w { img.resize(w, u32::MAX, image::imageops::FilterType::Triangle) } else { img.clone() };
        let mut out = std::io::Cursor::new(Vec::new());
        let mime = if alpha {
            scaled.write_to(&mut out, ImageFormat::Png).map_err(AppError::internal)?;
            "image/png"
        } else {
            let rgb = image::DynamicImage::ImageRgb8(scaled.to_rgb8());
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).encode_image(&rgb).map_err(AppError::internal)?;
            "image/jpeg"
        };
        Ok((out.into_inner(), mime, scaled.width(), scaled.height()))
    };
    Ok([size(COVER_WIDTH)?, size(THUMB_WIDTH)?])
}

/// Whether the role edits sites at all (403 before any lookup): the association's officers
/// and the units' officers, each in their scope, and administrators.
pub fn role_edits(user: &CurrentUser) -> bool {
    matches!(user.user.role, Role::SystemAdmin | Role::AssociationOfficer | Role::UnitOfficer)
}

/// Refuses (403) a role that edits no site.
pub fn require_some_editor(user: &CurrentUser) -> AppResult<()> {
    if role_edits(user) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A site the user edits: the role for its kind (403), then its unit in scope (404).
#[inline(never)]
pub fn site_for_edit<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    site_id: i64,
) -> crate::BoxFut<'fut, AppResult<SiteRow>> {
    Box::pin(async move {
        require_some_editor(user)?;
        let site = store.site(site_id).await?;
        user.require_sees(store, site.unit_id, "trang thông tin").await?;
        Ok(site)
    })
}

/// An item the user edits, with its site.
#[inline(never)]
pub fn post_for_edit<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    post_id: i64,
) -> crate::BoxFut<'fut, AppResult<(SiteRow, PostRow)>> {
    Box::pin(async move {
        require_some_editor(user)?;
        let post = store.post(post_id).await.map_err(|_| AppError::NotFound("bài"))?;
        let site = store.site(post.site_id).await?;
        user.require_sees(store, site.unit_id, "bài").await?;
        Ok((site, post))
    })
}

/// The sites the user edits: the association's in scope (made for every branch first), the
/// user's own unit's site first (made on the first visit), and the other units' sites made
/// before in scope.
#[inline(never)]
pub fn editable_sites<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
) -> crate::BoxFut<'fut, AppResult<Vec<SiteRow>>> {
    Box::pin(async move {
        require_some_editor(user)?;
        store.sync_branch_sites().await?;
        let unit = store.unit(user.user.unit_id).await?;
        let own = store.ensure_unit_site(unit.id, &unit.code, &unit.name).await?;
        let mut out = vec![own.clone()];
        out.extend(store.sites(Some(SITE_HOI), "", user.scope(), 500).await?);
        out.extend(store.sites(Some(SITE_UNIT), "", user.scope(), 500).await?.into_iter().filter(|s| s.id != own.id));
        Ok(out)
    })
}

/// What an editor's form sends: the text fields and, maybe, a cover image and an attachment.
#[derive(Debug, Default, Clone)]
pub struct PostForm {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub topic: String,
    pub video_url: String,
    /// The version the editor started from (updates only).
    pub version: i64,
    pub cover: Option<Vec<u8>>,
    pub file: Option<(String, Vec<u8>)>,
}

async fn content(
    store: &Store,
    f: &PostForm,
) -> AppResult<(PostInput, String, String, Option<(String, String)>, Option<(String, String, String)>)> {
    let input = PostInput::parse(&f.kind, &f.title, &f.summary, &f.body, &f.topic, &f.video_url)
        .map_err(|(field, e)| AppError::invalid(field, crate::capitalise(&e.to_string())))?;
    let html = render_markdown(&input.body);
    let search = search_text(&input.title, &input.summary, &input.body, &input.topic);
    let file = match &f.file {
        Some((name, bytes)) if !bytes.is_empty() => {
            let kind = hoctap_docs::sniff::sniff(bytes).map_err(|e| AppError::invalid("file", format!("Tệp đính kèm: {e}")))?;
            let sha = store.site_file_put(bytes, kind.mime(), 0, 0).await?;
            let name: String = name.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '/' | '\\')).take(200).collect();
            Some((sha, if name.is_empty() { "tep".into() } else { name }, kind.mime().to_string()))
        }
        _ => None,
    };
    let cover = match &f.cover {
        Some(bytes) if !bytes.is_empty() => {
            let [(big, m1, w1, h1), (small, m2, w2, h2)] = web_image(bytes.clone()).await?;
            let a = store.site_file_put(&big, m1, w1, h1).await?;
            let b = store.site_file_put(&small, m2, w2, h2).await?;
            Some((a, b))
        }
        _ => None,
    };
    Ok((input, html, search, cover, file))
}

/// Creates an item as a draft.
#[inline(never)]
pub fn create_post<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    site_id: i64,
    f: &'l3 PostForm,
) -> crate::BoxFut<'fut, AppResult<PostRow>> {
    Box::pin(async move {
        let site = site_for_edit(store, user, site_id).await?;
        write_post(store, &user.actor(), &site, f).await
    })
}

/// Writes a draft for the system (the demo, the command line): no role to check.
#[inline(never)]
pub fn write_post<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
    store: &'l1 Store,
    actor: &'l2 hoctap_store::Actor,
    site: &'l3 SiteRow,
    f: &'l4 PostForm,
) -> crate::BoxFut<'fut, AppResult<PostRow>> {
    Box::pin(async move {
        let (i, html, search, cover, file) = content(store, f).await?;
        let c = PostContent {
            kind: i.kind,
            title: &i.title,
            summary: &i.summary,
            body_md: &i.body,
            body_html: &html,
            topic: &i.topic,
            video_url: &i.video_url,
            search_text: &search,
            cover,
            file,
        };
        Ok(store.post_create(actor, site, &c).await?)
    })
}

/// Saves an item's new content (its state does not change: a published item stays published).
#[inline(never)]
pub fn update_post<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    post_id: i64,
    f: &'l3 PostForm,
) -> crate::BoxFut<'fut, AppResult<PostRow>> {
    Box::pin(async move {
        let (site, _) = post_for_edit(store, user, post_id).await?;
        let (i, html, search, cover, file) = content(store, f).await?;
        let c = PostContent {
            kind: i.kind,
            title: &i.title,
            summary: &i.summary,
            body_md: &i.body,
            body_html: &html,
            topic: &i.topic,
            video_url: &i.video_url,
            search_text: &search,
            cover,
            file,
        };
        Ok(store.post_update(&user.actor(), &site, post_id, f.version, &c).await?)
    })
}

/// Publishes now, or at a time typed in Vietnam's time (hẹn giờ); a time in the past publishes now.
#[inline(never)]
pub fn publish<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    post_id: i64,
    at: &'l3 str,
) -> crate::BoxFut<'fut, AppResult<PostRow>> {
    Box::pin(async move {
        let (site, _) = post_for_edit(store, user, post_id).await?;
        let at = parse_publish_at(at).map_err(|e| AppError::invalid("publish_at", crate::capitalise(&e.to_string())))?;
        let at = at.filter(|t| *t > jiff::Timestamp::now()).map(stored_time);
        Ok(store.post_set_status(&user.actor(), &site, post_id, Status::Published, at.as_deref()).await?)
    })
}

/// Takes an item off the public site (gỡ bài).
#[inline(never)]
pub fn unpublish<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    post_id: i64,
) -> crate::BoxFut<'fut, AppResult<PostRow>> {
    Box::pin(async move {
        let (site, _) = post_for_edit(store, user, post_id).await?;
        Ok(store.post_set_status(&user.actor(), &site, post_id, Status::Unpublished, None).await?)
    })
}

/// An item's saved versions, newest first.
#[inline(never)]
pub fn versions<'fut, 'l1: 'fut, 'l2: 'fut>(
    store: &'l1 Store,
    user: &'l2 CurrentUser,
    post_id: i64,
) -> crate::BoxFut<'fut, AppResult<(SiteRow, PostRow, Vec<PostVersionRow>)>> {
    Box::pin(async move {
        let (site, post) = post_for_edit(store, user, post_id).await?;
        let v = store.post_versions(post_id).await?;
        Ok((site, post, v))
    })
}

/// An item's state now.
pub fn state(p: &PostRow) -> PostState {
    let status = Status::parse(&p.status).unwrap_or(Status::Draft);
    let at = p.publish_at.as_deref().and_then(|t| t.parse().ok());
    PostState::of(status, at, jiff::Timestamp::now())
}

/// Now as the store compares publication times.
pub fn now_stored() -> String {
    stored_time(jiff::Timestamp::now())
}

/// An association's site by its address; a branch registered since the last visit gets its
/// site on the way.
#[inline(never)]
pub fn public_hoi<'fut, 'l1: 'fut, 'l2: 'fut>(store: &'l1 Store, slug: &'l2 str) -> crate::BoxFut<'fut, AppResult<SiteRow>> {
    Box::pin(async move {
        if !hoctap_domain::site::is_slug(slug) {
            return Err(AppError::NotFound("trang thông tin"));
        }
        if let Some(s) = store.site_by_slug(SITE_HOI, slug).await? {
            return Ok(s);
        }
        // At most once per change of the branches: an unknown address asked again and again
        // does not compare every branch with the sites each time.
        store.sync_branch_sites_once().await?;
        store.site_by_slug(SITE_HOI, slug).await?.ok_or(AppError::NotFound("trang thông tin"))
    })
}

/// How many title lookups by name one address may make in ten minutes.
pub const LOOKUPS_PER_10_MIN: i64 = 20;

/// Counts a title lookup by name from an address (by the hash of its address, as logins are
/// counted) and refuses it (429) past [`LOOKUPS_PER_10_MIN`] in ten minutes.
#[inline(never)]
pub fn lookup_allowed<'fut, 'l1: 'fut>(store: &'l1 Store, addr: std::net::IpAddr) -> crate::BoxFut<'fut, AppResult<()>> {
    Box::pin(async move {
        let key = format!("lookup:{}", crate::login::address_id(addr));
        let since = stored_time(jiff::Timestamp::now() - jiff::SignedDuration::from_mins(10));
        let n = store.public_lookup_count(&key, &since).await?;
        if n > LOOKUPS_PER_10_MIN { Err(AppError::Throttled(600)) } else { Ok(()) }
    })
}

/// A plain picture of one colour, as PNG: what the demo and the tests upload as a cover.
pub fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding a plain image in memory does not fail; an empty answer would be refused on upload.
    let _ = image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// Every kind of item, for forms.
pub fn kinds() -> Vec<(&'static str, &'static str)> {
    PostKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

/// A learning centre of a site's area as its home page shows it: the centre, the first
/// activities of its public programme this year (no learner), and how many there are.
pub struct AreaCentre {
    pub id: i64,
    pub name: String,
    pub commune: String,
    pub activities: Vec<crate::learning::PublicActivity>,
    pub total: usize,
}

/// How many centres and activities per centre a site's home page shows (the rest behind links).
pub const AREA_CENTRES: usize = 12;
pub const AREA_ACTIVITIES: usize = 3;

/// The learning centres of a unit's area with their public programme of `year`, through
/// `learning::public_activity` (as the page every centre has shows them), by name.
#[inline(never)]
pub fn area_centres<'fut, 'l1: 'fut>(store: &'l1 Store, unit_id: i64, year: i16) -> crate::BoxFut<'fut, AppResult<Vec<AreaCentre>>> {
    Box::pin(async move {
        let mut centres = store.learning_centres(Some(unit_id), hoctap_store::today()).await?;
        centres.truncate(AREA_CENTRES);
        let ids: Vec<i64> = centres.iter().map(|c| c.id).collect();
        let mut programmes = store.centres_activities(&ids, year).await?;
        Ok(centres
            .into_iter()
            .map(|c| {
                let list = programmes.remove(&c.id).unwrap_or_default();
                let total = list.len();
                let activities = list.into_iter().take(AREA_ACTIVITIES).map(crate::learning::public_activity).collect();
                AreaCentre { id: c.id, name: c.name, commune: c.unit_name, activities, total }
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_sanitised() {
        let html = render_markdown(
            "# Tin\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[bấm](javascript:alert(1)) \
             <a href=\"https://hoctap.vn\" onclick=\"x()\">đây</a>\n\n**đậm**",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror") && !html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("<strong>đậm</strong>") && html.contains("<h1>Tin</h1>"), "{html}");
        assert!(html.contains("href=\"https://hoctap.vn\""), "{html}");
    }

    #[test]
    fn images_come_out_in_web_sizes() {
        let img = image::RgbImage::from_pixel(2000, 1000, image::Rgb([200, 10, 10]));
        let mut png = std::io::Cursor::new(Vec::new());
        assert!(image::DynamicImage::ImageRgb8(img).write_to(&mut png, image::ImageFormat::Png).is_ok());
        let out = web_image_now(&png.into_inner());
        let Ok([(big, m, w, h), (_, _, tw, _)]) = out else { panic!("not resized") };
        assert_eq!((m, w, h, tw), ("image/jpeg", COVER_WIDTH, 600, THUMB_WIDTH));
        assert!(big.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(web_image_now(b"%PDF-1.4 not an image").is_err());
    }
}
