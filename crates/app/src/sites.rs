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
    let bad = |m: &str| AppError::invalid("cover", m.to_string());
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(bad("Ảnh bìa lớn quá 10 MB"));
    }
    let decoded = match hoctap_docs::sniff::sniff(bytes) {
        Ok(hoctap_docs::sniff::FileKind::Jpeg) => decode_jpeg(bytes),
        Ok(hoctap_docs::sniff::FileKind::Png) => decode_png(bytes),
        _ => return Err(bad("Ảnh bìa phải là ảnh JPEG hoặc PNG")),
    };
    let picture = decoded.ok_or_else(|| bad("Ảnh bìa hỏng hoặc quá lớn (tối đa 8000 × 8000 điểm ảnh)"))?;
    let size = |w: u32| -> AppResult<(Vec<u8>, &'static str, u32, u32)> {
        let scaled = picture.scaled(w as usize)?;
        let (width, height) =
            (u32::try_from(scaled.width).map_err(AppError::internal)?, u32::try_from(scaled.height).map_err(AppError::internal)?);
        // A picture with transparency stays PNG (JPEG has none).
        let (out, mime) = if scaled.alpha { (scaled.png()?, "image/png") } else { (scaled.jpeg()?, "image/jpeg") };
        Ok((out, mime, width, height))
    };
    Ok([size(COVER_WIDTH)?, size(THUMB_WIDTH)?])
}

/// The largest side of an uploaded picture, in pixels.
const MAX_IMAGE_SIDE: usize = 8000;

/// A decoded picture: 8-bit RGB, or RGBA when its file has transparency.
#[derive(Clone)]
struct Picture {
    width: usize,
    height: usize,
    alpha: bool,
    pixels: Vec<u8>,
}

/// A PNG of any colour type and depth as 8-bit RGB(A); None if damaged or over the limits
/// (checked from the header, before the pixels are allocated).
fn decode_png(bytes: &[u8]) -> Option<Picture> {
    let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), png::Limits { bytes: 256 * 1024 * 1024 });
    // Palettes and low depths expanded, 16 bits cut to 8: what is left is grey or RGB, with or without alpha.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let (width, height) = reader.info().size();
    let (width, height) = (usize::try_from(width).ok()?, usize::try_from(height).ok()?);
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return None;
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut buf).ok()?;
    buf.truncate(frame.buffer_size());
    let (alpha, pixels) = match frame.color_type {
        png::ColorType::Rgb => (false, buf),
        png::ColorType::Rgba => (true, buf),
        png::ColorType::Grayscale => (false, grey_to_rgb(&buf)),
        png::ColorType::GrayscaleAlpha => (true, buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect()),
        png::ColorType::Indexed => return None,
    };
    (pixels.len() == width * height * if alpha { 4 } else { 3 }).then_some(Picture { width, height, alpha, pixels })
}

/// A JPEG (grey, YCbCr, CMYK) as 8-bit RGB; None if damaged or over the limits.
fn decode_jpeg(bytes: &[u8]) -> Option<Picture> {
    use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default().set_strict_mode(false).set_max_width(MAX_IMAGE_SIDE).set_max_height(MAX_IMAGE_SIDE);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().ok()?;
    // Grey comes out grey and is widened here; every other colour space is converted to RGB.
    let grey = matches!(decoder.input_colorspace()?, ColorSpace::Luma | ColorSpace::LumaA);
    decoder.set_options(decoder.options().jpeg_set_out_colorspace(if grey { ColorSpace::Luma } else { ColorSpace::RGB }));
    let decoded = decoder.decode().ok()?;
    let (width, height) = decoder.dimensions()?;
    let pixels = if grey { grey_to_rgb(&decoded) } else { decoded };
    (pixels.len() == width * height * 3).then_some(Picture { width, height, alpha: false, pixels })
}

/// Grey samples as RGB, each repeated three times.
fn grey_to_rgb(grey: &[u8]) -> Vec<u8> {
    grey.iter().flat_map(|&g| [g, g, g]).collect()
}

impl Picture {
    /// At most `width` pixels wide, the proportions kept (bilinear, as browsers scale); a
    /// picture already narrow enough is itself, not a copy.
    fn scaled(&self, width: usize) -> AppResult<std::borrow::Cow<'_, Picture>> {
        use rgb::FromSlice;
        if self.width <= width {
            return Ok(std::borrow::Cow::Borrowed(self));
        }
        // Rounded to the nearest pixel, at least one.
        let height = ((self.height * width * 2 + self.width) / (2 * self.width)).max(1);
        let mut pixels = vec![0; width * height * if self.alpha { 4 } else { 3 }];
        if self.alpha {
            // Premultiplied while resampling, so transparent pixels lend no colour to their neighbours.
            resize::new(self.width, self.height, width, height, resize::Pixel::RGBA8P, resize::Type::Triangle)
                .and_then(|mut r| r.resize(self.pixels.as_rgba(), pixels.as_rgba_mut()))
                .map_err(AppError::internal)?;
        } else {
            resize::new(self.width, self.height, width, height, resize::Pixel::RGB8, resize::Type::Triangle)
                .and_then(|mut r| r.resize(self.pixels.as_rgb(), pixels.as_rgb_mut()))
                .map_err(AppError::internal)?;
        }
        Ok(std::borrow::Cow::Owned(Picture { width, height, alpha: self.alpha, pixels }))
    }

    fn png(&self) -> AppResult<Vec<u8>> {
        let mut out = Vec::new();
        let side = |n: usize| u32::try_from(n).map_err(AppError::internal);
        let mut encoder = png::Encoder::new(&mut out, side(self.width)?, side(self.height)?);
        encoder.set_color(if self.alpha { png::ColorType::Rgba } else { png::ColorType::Rgb });
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(AppError::internal)?;
        writer.write_image_data(&self.pixels).map_err(AppError::internal)?;
        writer.finish().map_err(AppError::internal)?;
        Ok(out)
    }

    /// Quality 82, as the covers were encoded before.
    fn jpeg(&self) -> AppResult<Vec<u8>> {
        let mut out = Vec::new();
        let side = |n: usize| u16::try_from(n).map_err(AppError::internal);
        jpeg_encoder::Encoder::new(&mut out, 82)
            .encode(&self.pixels, side(self.width)?, side(self.height)?, jpeg_encoder::ColorType::Rgb)
            .map_err(AppError::internal)?;
        Ok(out)
    }
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
    let (width, height) = (width as usize, height as usize);
    let picture = Picture { width, height, alpha: false, pixels: rgb.repeat(width * height) };
    // Encoding a plain image in memory does not fail; an empty answer would be refused on upload.
    picture.png().unwrap_or_default()
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
        let out = web_image_now(&solid_png(2000, 1000, [200, 10, 10]));
        let Ok([(big, m, w, h), (small, _, tw, th)]) = out else { panic!("not resized") };
        assert_eq!((m, w, h, tw, th), ("image/jpeg", COVER_WIDTH, 600, THUMB_WIDTH, 200));
        assert!(big.starts_with(&[0xFF, 0xD8, 0xFF]));
        // The JPEG made is itself a cover that decodes, at its size and colour.
        let again = decode_jpeg(&small).expect("our JPEG decodes");
        assert_eq!((again.width, again.height, again.alpha), (400, 200, false));
        let centre = (100 * 400 + 200) * 3;
        let pixel = &again.pixels[centre..centre + 3];
        assert!(pixel[0] > 180 && pixel[1] < 40 && pixel[2] < 40, "{pixel:?}");
        assert!(web_image_now(b"%PDF-1.4 not an image").is_err());
    }

    /// A PNG of `width` × `height` in a colour type and depth, every sample `sample`.
    fn png_of(width: u32, height: u32, color: png::ColorType, depth: png::BitDepth, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        if color == png::ColorType::Indexed {
            encoder.set_palette(vec![0, 0, 0, 10, 200, 30]);
        }
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn every_kind_of_png_and_jpeg_is_read() {
        // Transparency stays PNG, scaled with its proportions.
        let rgba = png_of(1600, 800, png::ColorType::Rgba, png::BitDepth::Eight, &[0, 128, 255, 100].repeat(1600 * 800));
        let Ok([(cover, m, w, h), _]) = web_image_now(&rgba) else { panic!("RGBA refused") };
        assert_eq!((m, w, h), ("image/png", COVER_WIDTH, 600));
        let back = decode_png(&cover).unwrap();
        assert!(back.alpha && back.pixels[..4] == [0, 128, 255, 100], "{:?}", &back.pixels[..4]);
        // Grey with alpha, grey at 16 bits, a palette: all become RGB(A) of the same colour.
        let grey_alpha = decode_png(&png_of(3, 2, png::ColorType::GrayscaleAlpha, png::BitDepth::Eight, &[90, 255].repeat(6))).unwrap();
        assert_eq!((grey_alpha.alpha, &grey_alpha.pixels[..4]), (true, &[90, 90, 90, 255][..]));
        let grey16 = decode_png(&png_of(3, 2, png::ColorType::Grayscale, png::BitDepth::Sixteen, &[0x50, 0x00].repeat(6))).unwrap();
        assert_eq!((grey16.alpha, grey16.pixels.len(), &grey16.pixels[..3]), (false, 18, &[0x50, 0x50, 0x50][..]));
        let indexed = decode_png(&png_of(4, 1, png::ColorType::Indexed, png::BitDepth::Eight, &[1, 1, 1, 1])).unwrap();
        assert_eq!(&indexed.pixels[..3], &[10, 200, 30]);
        // A grey JPEG (as scanners make) and a colour one of an odd size.
        let mut grey_jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut grey_jpeg, 90).encode(&[120; 37 * 19], 37, 19, jpeg_encoder::ColorType::Luma).unwrap();
        let Ok([(_, m, w, h), _]) = web_image_now(&grey_jpeg) else { panic!("grey JPEG refused") };
        assert_eq!((m, w, h), ("image/jpeg", 37, 19));
        let grey = decode_jpeg(&grey_jpeg).unwrap();
        assert!(grey.pixels.len() == 37 * 19 * 3 && grey.pixels[..3].iter().all(|&v| v.abs_diff(120) <= 2), "{:?}", &grey.pixels[..3]);
        let mut colour = Vec::new();
        jpeg_encoder::Encoder::new(&mut colour, 90).encode(&[30, 60, 220].repeat(2401 * 7), 2401, 7, jpeg_encoder::ColorType::Rgb).unwrap();
        let Ok([(_, _, w, h), (_, _, tw, th)]) = web_image_now(&colour) else { panic!("JPEG refused") };
        assert_eq!((w, h, tw, th), (COVER_WIDTH, 3, THUMB_WIDTH, 1));
    }

    #[test]
    fn damaged_and_oversized_pictures_are_refused_by_name() {
        let message = |bytes: &[u8]| match web_image_now(bytes) {
            Err(AppError::Invalid { field, message }) => format!("{field}: {message}"),
            other => panic!("not refused: {:?}", other.map(|_| ())),
        };
        // Declared 9000 pixels wide: refused from the header, before its pixels are allocated.
        let wide = png_of(9000, 1, png::ColorType::Grayscale, png::BitDepth::Eight, &[0; 9000]);
        assert!(message(&wide).starts_with("cover: Ảnh bìa hỏng hoặc quá lớn"));
        // A PNG cut short, a JPEG with only its first bytes.
        let whole = solid_png(50, 50, [1, 2, 3]);
        assert!(message(&whole[..whole.len() / 2]).starts_with("cover: Ảnh bìa hỏng"));
        assert!(message(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F']).starts_with("cover: Ảnh bìa hỏng"));
        assert_eq!(message(b"GIF89a"), "cover: Ảnh bìa phải là ảnh JPEG hoặc PNG");
    }
}
