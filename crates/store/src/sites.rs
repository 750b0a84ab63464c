//! Public sites of the Hội Khuyến học and the units (trang thông tin điện tử): the sites, their
//! items with every saved version and its audit entry in the same transaction, the files they
//! show (stored once by SHA-256), the public reads (latest items, search on folded text, the
//! sitemap) and what the public portal of results reads (a unit's decisions and recognitions,
//! names and place only). Rules (slugs, states, checked input) are `hoctap_domain::site`.

use crate::audit::{AuditEntry, record};
use crate::db::{Conn, Row, query};
use crate::{Actor, Result, Store, StoreError, date_text, now_text};
use hoctap_domain::site::{PostKind, Status, slugify};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A site: of a branch of the association (`hoi`) or of a unit (`don-vi`).
#[derive(Debug, Clone, Serialize)]
pub struct SiteRow {
    pub id: i64,
    pub kind: String,
    pub branch_id: Option<i64>,
    /// The unit whose officers (in scope) edit it.
    pub unit_id: i64,
    pub slug: String,
    pub name: String,
}

impl SiteRow {
    /// The site's public address.
    pub fn path(&self) -> String {
        if self.kind == SITE_HOI { format!("/hoi/{}", self.slug) } else { format!("/don-vi/{}/trang", self.slug) }
    }
}

pub const SITE_HOI: &str = "hoi";
pub const SITE_UNIT: &str = "don-vi";

/// An item of a site as stored.
#[derive(Debug, Clone, Serialize)]
pub struct PostRow {
    pub id: i64,
    pub site_id: i64,
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub body_html: String,
    pub topic: String,
    pub video_url: String,
    pub cover_sha: Option<String>,
    pub thumb_sha: Option<String>,
    pub file_sha: Option<String>,
    pub file_name: String,
    pub file_mime: String,
    pub status: String,
    pub publish_at: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A listed item with its site (the national lists, search and sitemap).
#[derive(Debug, Clone, Serialize)]
pub struct PostWithSite {
    pub post: PostRow,
    pub site_name: String,
    pub site_path: String,
}

/// A saved version (lịch sử phiên bản).
#[derive(Debug, Clone, Serialize)]
pub struct PostVersionRow {
    pub version: i64,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: String,
    pub publish_at: Option<String>,
    pub saved_by: String,
    pub saved_at: String,
}

/// What an item is saved with: the checked text, its rendered and sanitised body, the folded
/// search text, and the files (already stored) it shows.
pub struct PostContent<'a> {
    pub kind: PostKind,
    pub title: &'a str,
    pub summary: &'a str,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub topic: &'a str,
    pub video_url: &'a str,
    pub search_text: &'a str,
    /// New cover (large, thumbnail) or None to keep the present one.
    pub cover: Option<(String, String)>,
    /// New attachment (sha, file name, mime) or None to keep the present one.
    pub file: Option<(String, String, String)>,
}

/// A stored file.
pub struct SiteFile {
    pub sha256: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// A published decision as the public pages list it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicDecision {
    pub id: i64,
    pub number: String,
    pub decided_on: String,
    pub title: String,
    pub authority: String,
}

/// A recognition as the decisions' annexes publish it: the name, the title and the place.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRecognition {
    pub subject_kind: String,
    pub subject_name: String,
    pub place: String,
    pub title: String,
    pub level: String,
    pub year: i32,
    pub decision_number: String,
}

const POST_COLS: &str = "p.id, p.site_id, p.kind, p.slug, p.title, p.summary, p.body_md, p.body_html, p.topic, p.video_url, \
     p.cover_sha, p.thumb_sha, p.file_sha, p.file_name, p.file_mime, p.status, p.publish_at, p.version, p.created_by, p.created_at, p.updated_at";

const SITE_COLS: &str = "s.id AS s_id, s.kind AS s_kind, s.branch_id AS s_branch, s.unit_id AS s_unit, s.slug AS s_slug, s.name AS s_name";

fn site_from(r: &Row) -> Result<SiteRow> {
    Ok(SiteRow {
        id: r.i64("s_id")?,
        kind: r.try_get("s_kind")?,
        branch_id: r.opt_i64("s_branch")?,
        unit_id: r.i64("s_unit")?,
        slug: r.try_get("s_slug")?,
        name: r.try_get("s_name")?,
    })
}

fn post_from(r: &Row) -> Result<PostRow> {
    Ok(PostRow {
        id: r.i64("id")?,
        site_id: r.i64("site_id")?,
        kind: r.try_get("kind")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        body_md: r.try_get("body_md")?,
        body_html: r.try_get("body_html")?,
        topic: r.try_get("topic")?,
        video_url: r.try_get("video_url")?,
        cover_sha: r.try_get("cover_sha")?,
        thumb_sha: r.try_get("thumb_sha")?,
        file_sha: r.try_get("file_sha")?,
        file_name: r.try_get("file_name")?,
        file_mime: r.try_get("file_mime")?,
        status: r.try_get("status")?,
        publish_at: r.try_get("publish_at")?,
        version: r.i64("version")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn with_site(r: &Row) -> Result<PostWithSite> {
    let site = site_from(r)?;
    Ok(PostWithSite { post: post_from(r)?, site_name: site.name.clone(), site_path: site.path() })
}

/// The condition of a visible item, `$1` being now. Publishing always sets `publish_at`
/// (`set_status`), so a range on it lets the `(status, publish_at)` index find the country's
/// newest items without reading the rest.
const VISIBLE: &str = "p.status = 'published' AND p.publish_at <= $1";

/// A time as stored: RFC 3339 in UTC, whole seconds cut down (text order is time order; an
/// item published "now" is never a fraction of a second in the future).
pub fn stored_time(t: jiff::Timestamp) -> String {
    let round = jiff::TimestampRound::new().smallest(jiff::Unit::Second).mode(jiff::RoundMode::Trunc);
    t.round(round).map(|t| t.to_string()).unwrap_or_default()
}

impl Store {
    /// Gives every branch of the association that has none its site, at an address made from
    /// its name (`hoi-khuyen-hoc-xa-…`, `-2` when taken); returns how many were made.
    #[inline(never)]
    pub fn sync_branch_sites<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<usize>> {
        Box::pin(async move {
            let rows = query(
                "SELECT b.id, b.name, b.unit_id FROM reg_association_branches b \
             WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.branch_id = b.id) ORDER BY b.id",
            )
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                return Ok(0);
            }
            let mut tx = self.begin().await?;
            for r in &rows {
                let name: String = r.try_get("name")?;
                let base = match slugify(&name) {
                    s if s.is_empty() => format!("hoi-{}", r.i64("id")?),
                    s => s,
                };
                let mut slug = base.clone();
                let mut n = 1;
                loop {
                    let taken = query("SELECT COUNT(*) AS n FROM sites WHERE kind = $1 AND slug = $2")
                        .bind(SITE_HOI)
                        .bind(&slug)
                        .fetch_one(&mut *tx)
                        .await?;
                    if taken.i64("n")? == 0 {
                        break;
                    }
                    n += 1;
                    slug = format!("{base}-{n}");
                }
                query("INSERT INTO sites (kind, branch_id, unit_id, slug, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(SITE_HOI)
                    .bind(r.i64("id")?)
                    .bind(r.i64("unit_id")?)
                    .bind(&slug)
                    .bind(&name)
                    .bind(now_text())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(rows.len())
        })
    }

    /// [`Store::sync_branch_sites`] at most once per read generation, which every new branch
    /// or site raises: public pages call this on every visit.
    #[inline(never)]
    pub fn sync_branch_sites_once<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            let generation = self.read_generation().await?;
            if self.cached::<()>(generation, "sites.branches_synced").is_some() {
                return Ok(());
            }
            // Sites made here raise the generation: the next visit checks again and finds none.
            self.sync_branch_sites().await?;
            self.cache(generation, "sites.branches_synced".into(), std::sync::Arc::new(()));
            Ok(())
        })
    }

    /// The site of a unit, made on its officers' first edit (a unit's public pages show the
    /// system's documents and results without one).
    #[inline(never)]
    pub fn ensure_unit_site<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        unit_id: i64,
        code: &'l2 str,
        name: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<SiteRow>> {
        Box::pin(async move {
            if let Some(s) = self.site_by_slug(SITE_UNIT, code).await? {
                return Ok(s);
            }
            query(
                "INSERT INTO sites (kind, branch_id, unit_id, slug, name, created_at) VALUES ($1, NULL, $2, $3, $4, $5) \
             ON CONFLICT (kind, slug) DO NOTHING",
            )
            .bind(SITE_UNIT)
            .bind(unit_id)
            .bind(code)
            .bind(name)
            .bind(now_text())
            .execute(self.pool())
            .await?;
            self.site_by_slug(SITE_UNIT, code).await?.ok_or(StoreError::NotFound("trang thông tin"))
        })
    }

    #[inline(never)]
    pub fn site_by_slug<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        kind: &'l2 str,
        slug: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<Option<SiteRow>>> {
        Box::pin(async move {
            let sql = format!("SELECT {SITE_COLS} FROM sites s WHERE s.kind = $1 AND s.slug = $2");
            let row = query(sqlx::AssertSqlSafe(sql)).bind(kind).bind(slug).fetch_optional(self.pool()).await?;
            row.as_ref().map(site_from).transpose()
        })
    }

    /// The site of a branch of the association, made if it has none yet.
    #[inline(never)]
    pub fn site_of_branch<'fut, 'l1: 'fut>(&'l1 self, branch_id: i64) -> crate::BoxFut<'fut, Result<SiteRow>> {
        Box::pin(async move {
            self.sync_branch_sites_once().await?;
            let sql = format!("SELECT {SITE_COLS} FROM sites s WHERE s.branch_id = $1");
            let row = query(sqlx::AssertSqlSafe(sql))
                .bind(branch_id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("trang thông tin"))?;
            site_from(&row)
        })
    }

    #[inline(never)]
    pub fn site<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<SiteRow>> {
        Box::pin(async move {
            let sql = format!("SELECT {SITE_COLS} FROM sites s WHERE s.id = $1");
            let row = query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("trang thông tin"))?;
            site_from(&row)
        })
    }

    /// Sites by kind, name order; `folded` (no diacritics, lower case) filters by name; with
    /// `scope`, only the sites whose unit is in that subtree today.
    #[inline(never)]
    pub fn sites<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        kind: Option<&'l2 str>,
        folded: &'l3 str,
        scope: Option<i64>,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<SiteRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {SITE_COLS} FROM sites s WHERE ($1 = '' OR s.kind = $1) \
             AND ($2 = 0 OR s.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $2 AND valid_from <= $3 AND valid_to > $3)) \
             ORDER BY s.name, s.id LIMIT $4"
            );
            let rows = query(sqlx::AssertSqlSafe(sql))
                .bind(kind.unwrap_or(""))
                .bind(scope.unwrap_or(0))
                .bind(date_text(crate::today()))
                .bind(limit * if folded.is_empty() { 1 } else { 50 })
                .fetch_all(self.pool())
                .await?;
            let mut out = Vec::new();
            for r in &rows {
                let s = site_from(r)?;
                if folded.is_empty() || hoctap_domain::text::fold(&s.name).contains(folded) {
                    out.push(s);
                }
                if out.len() as i64 >= limit {
                    break;
                }
            }
            Ok(out)
        })
    }

    /// Stores a file once by SHA-256 (a cover in web size, a thumbnail, an attachment); returns the hash.
    #[inline(never)]
    pub fn site_file_put<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        bytes: &'l2 [u8],
        mime: &'l3 str,
        width: u32,
        height: u32,
    ) -> crate::BoxFut<'fut, Result<String>> {
        Box::pin(async move {
            let sha = hex::encode(Sha256::digest(bytes));
            query(
                "INSERT INTO site_files (sha256, size, mime, width, height, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&sha)
            .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
            .bind(mime)
            .bind(i64::from(width))
            .bind(i64::from(height))
            .bind(bytes.to_vec())
            .bind(now_text())
            .execute(self.pool())
            .await?;
            Ok(sha)
        })
    }

    #[inline(never)]
    pub fn site_file<'fut, 'l1: 'fut, 'l2: 'fut>(&'l1 self, sha: &'l2 str) -> crate::BoxFut<'fut, Result<SiteFile>> {
        Box::pin(async move {
            let row = query("SELECT sha256, mime, bytes FROM site_files WHERE sha256 = $1")
                .bind(sha)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound("tệp"))?;
            Ok(SiteFile { sha256: row.try_get("sha256")?, mime: row.try_get("mime")?, bytes: row.try_get("bytes")? })
        })
    }

    /// The items showing a file: whether one is visible at `now`, and the units of the sites
    /// of the others (whose editors may see it before it is published).
    #[inline(never)]
    pub fn site_file_users<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        sha: &'l2 str,
        now: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<(bool, Vec<i64>)>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT s.unit_id, CASE WHEN {VISIBLE} THEN 1 ELSE 0 END AS visible FROM site_posts p JOIN sites s ON s.id = p.site_id \
             WHERE p.cover_sha = $2 OR p.thumb_sha = $2 OR p.file_sha = $2"
            );
            let rows = query(sqlx::AssertSqlSafe(sql)).bind(now).bind(sha).fetch_all(self.pool()).await?;
            let mut visible = false;
            let mut units = Vec::new();
            for r in &rows {
                visible |= r.i64("visible")? == 1;
                units.push(r.i64("unit_id")?);
            }
            Ok((visible, units))
        })
    }

    /// Creates an item as a draft (version 1), with its version row and audit entry.
    #[inline(never)]
    pub fn post_create<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        site: &'l4 SiteRow,
        c: &'l5 PostContent<'l1>,
    ) -> crate::BoxFut<'fut, Result<PostRow>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let base = match slugify(c.title) {
                s if s.is_empty() => c.kind.code().to_string(),
                s => s,
            };
            let mut slug = base.clone();
            let mut n = 1;
            loop {
                let taken = query("SELECT COUNT(*) AS n FROM site_posts WHERE site_id = $1 AND slug = $2")
                    .bind(site.id)
                    .bind(&slug)
                    .fetch_one(&mut *tx)
                    .await?;
                if taken.i64("n")? == 0 {
                    break;
                }
                n += 1;
                slug = format!("{base}-{n}");
            }
            let now = now_text();
            let (cover, thumb) = c.cover.clone().map_or((None, None), |(a, b)| (Some(a), Some(b)));
            let (file_sha, file_name, file_mime) = c.file.clone().map_or((None, String::new(), String::new()), |(a, b, m)| (Some(a), b, m));
            let row = query(
                "INSERT INTO site_posts (site_id, kind, slug, title, summary, body_md, body_html, topic, video_url, cover_sha, thumb_sha, \
             file_sha, file_name, file_mime, status, publish_at, search_text, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', NULL, $15, 1, $16, $17, $17) RETURNING id",
            )
            .bind(site.id)
            .bind(c.kind.code())
            .bind(&slug)
            .bind(c.title)
            .bind(c.summary)
            .bind(c.body_md)
            .bind(c.body_html)
            .bind(c.topic)
            .bind(c.video_url)
            .bind(cover)
            .bind(thumb)
            .bind(file_sha)
            .bind(file_name)
            .bind(file_mime)
            .bind(c.search_text)
            .bind(&actor.username)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
            let id = row.i64("id")?;
            let post = post_in(&mut tx, id).await?;
            write_version(&mut tx, &post, actor).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(site.unit_id),
                    action: "site_post.create",
                    entity: "site_post",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({"title": c.title, "kind": c.kind.label(), "status": Status::Draft.label()})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(post)
        })
    }

    /// Saves new content over version `expected` (another editor's save in between: 409).
    #[inline(never)]
    pub fn post_update<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut, 'l5: 'fut>(
        &'l2 self,
        actor: &'l3 Actor,
        site: &'l4 SiteRow,
        id: i64,
        expected: i64,
        c: &'l5 PostContent<'l1>,
    ) -> crate::BoxFut<'fut, Result<PostRow>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let before = post_in(&mut tx, id).await?;
            let cover = c.cover.clone().map_or((before.cover_sha.clone(), before.thumb_sha.clone()), |(a, b)| (Some(a), Some(b)));
            let file = c
                .file
                .clone()
                .map_or((before.file_sha.clone(), before.file_name.clone(), before.file_mime.clone()), |(a, b, m)| (Some(a), b, m));
            let done = query(
                "UPDATE site_posts SET kind = $1, title = $2, summary = $3, body_md = $4, body_html = $5, topic = $6, video_url = $7, \
             cover_sha = $8, thumb_sha = $9, file_sha = $10, file_name = $11, file_mime = $12, search_text = $13, \
             version = version + 1, updated_at = $14 WHERE id = $15 AND version = $16",
            )
            .bind(c.kind.code())
            .bind(c.title)
            .bind(c.summary)
            .bind(c.body_md)
            .bind(c.body_html)
            .bind(c.topic)
            .bind(c.video_url)
            .bind(cover.0)
            .bind(cover.1)
            .bind(file.0)
            .bind(file.1)
            .bind(file.2)
            .bind(c.search_text)
            .bind(now_text())
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict {
                    field: "version".into(),
                    message: "bài đã được người khác sửa trong lúc bạn soạn; hãy tải lại trang để xem bản mới nhất".into(),
                });
            }
            let post = post_in(&mut tx, id).await?;
            write_version(&mut tx, &post, actor).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(site.unit_id),
                    action: "site_post.update",
                    entity: "site_post",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"title": before.title, "version": before.version})),
                    after: Some(serde_json::json!({"title": post.title, "version": post.version})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(post)
        })
    }

    /// Publishes (now or at `publish_at`), unpublishes or returns to draft; a new version.
    #[inline(never)]
    pub fn post_set_status<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut, 'l4: 'fut>(
        &'l1 self,
        actor: &'l2 Actor,
        site: &'l3 SiteRow,
        id: i64,
        status: Status,
        publish_at: Option<&'l4 str>,
    ) -> crate::BoxFut<'fut, Result<PostRow>> {
        Box::pin(async move {
            let mut tx = self.begin().await?;
            let before = post_in(&mut tx, id).await?;
            let at = match status {
                Status::Published => Some(publish_at.map_or_else(|| stored_time(jiff::Timestamp::now()), str::to_string)),
                _ => before.publish_at.clone(),
            };
            query("UPDATE site_posts SET status = $1, publish_at = $2, version = version + 1, updated_at = $3 WHERE id = $4")
                .bind(status.code())
                .bind(&at)
                .bind(now_text())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let post = post_in(&mut tx, id).await?;
            write_version(&mut tx, &post, actor).await?;
            record(
                &mut tx,
                actor,
                AuditEntry {
                    unit_id: Some(site.unit_id),
                    action: match status {
                        Status::Published => "site_post.publish",
                        Status::Unpublished => "site_post.unpublish",
                        Status::Draft => "site_post.draft",
                    },
                    entity: "site_post",
                    entity_id: id.to_string(),
                    before: Some(serde_json::json!({"status": status_label(&before.status), "from": before.publish_at})),
                    after: Some(serde_json::json!({"title": post.title, "status": status_label(&post.status), "from": post.publish_at})),
                },
            )
            .await?;
            tx.commit().await?;
            Ok(post)
        })
    }

    #[inline(never)]
    pub fn post<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<PostRow>> {
        Box::pin(async move {
            let mut conn = self.pool().acquire().await?;
            post_in(&mut conn, id).await
        })
    }

    /// A visible item of a site by its address.
    #[inline(never)]
    pub fn post_by_slug<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        site_id: i64,
        slug: &'l2 str,
        now: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<Option<PostRow>>> {
        Box::pin(async move {
            let sql = format!("SELECT {POST_COLS} FROM site_posts p WHERE {VISIBLE} AND p.site_id = $2 AND p.slug = $3");
            let row = query(sqlx::AssertSqlSafe(sql)).bind(now).bind(site_id).bind(slug).fetch_optional(self.pool()).await?;
            row.as_ref().map(post_from).transpose()
        })
    }

    /// A site's items, newest first: visible ones (`now` given) or all (the editor's list).
    #[inline(never)]
    pub fn posts<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        site_id: i64,
        kind: Option<PostKind>,
        now: Option<&'l2 str>,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<PostRow>>> {
        Box::pin(async move {
            let visible = if now.is_some() { VISIBLE } else { "$1 = $1" };
            let sql = format!(
                "SELECT {POST_COLS} FROM site_posts p WHERE {visible} AND p.site_id = $2 AND ($3 = '' OR p.kind = $3) \
             ORDER BY COALESCE(p.publish_at, p.updated_at) DESC, p.id DESC LIMIT $4"
            );
            let rows = query(sqlx::AssertSqlSafe(sql))
                .bind(now.unwrap_or(""))
                .bind(site_id)
                .bind(kind.map_or("", PostKind::code))
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(post_from).collect()
        })
    }

    /// A site's newest visible items of each kind, at most `per_kind` of each, newest first, in
    /// one query (a site's home shows the news, documents and training materials).
    #[inline(never)]
    pub fn posts_by_kind<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        site_id: i64,
        now: &'l2 str,
        per_kind: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<PostRow>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT * FROM (SELECT {POST_COLS}, ROW_NUMBER() OVER (PARTITION BY p.kind ORDER BY p.publish_at DESC, p.id DESC) AS rn \
             FROM site_posts p WHERE {VISIBLE} AND p.site_id = $2) x WHERE x.rn <= $3 ORDER BY x.publish_at DESC, x.id DESC"
            );
            let rows = query(sqlx::AssertSqlSafe(sql)).bind(now).bind(site_id).bind(per_kind).fetch_all(self.pool()).await?;
            rows.iter().map(post_from).collect()
        })
    }

    /// The latest visible item of a site (its Last-Modified), or of every site.
    #[inline(never)]
    pub fn posts_last_change<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        site_id: Option<i64>,
        now: &'l2 str,
    ) -> crate::BoxFut<'fut, Result<Option<String>>> {
        Box::pin(async move {
            let Some(site_id) = site_id else {
                // Every site (the national portal): the newest publication and the newest edit of
                // a visible item, each the first row of an index read backwards (`site_posts_latest`,
                // `site_posts_changed`), not a MAX over every visible item of the country.
                let sql = format!(
                    "SELECT (SELECT p.publish_at FROM site_posts p WHERE {VISIBLE} ORDER BY p.publish_at DESC LIMIT 1) AS published, \
                 (SELECT p.updated_at FROM site_posts p WHERE {VISIBLE} ORDER BY p.updated_at DESC LIMIT 1) AS edited"
                );
                let row = query(sqlx::AssertSqlSafe(sql)).bind(now).fetch_one(self.pool()).await?;
                let published: Option<String> = row.try_get("published")?;
                let edited: Option<String> = row.try_get("edited")?;
                return Ok(published.max(edited));
            };
            // A site's own condition reads that site's items by its index.
            let sql = format!(
                "SELECT MAX(CASE WHEN p.publish_at > p.updated_at THEN p.publish_at ELSE p.updated_at END) AS at FROM site_posts p \
             WHERE p.site_id = $2 AND {VISIBLE}"
            );
            let row = query(sqlx::AssertSqlSafe(sql)).bind(now).bind(site_id).fetch_one(self.pool()).await?;
            Ok(row.try_get("at")?)
        })
    }

    /// The latest visible items of every site (the national portal), newest first.
    #[inline(never)]
    pub fn latest_posts<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        kind: Option<PostKind>,
        now: &'l2 str,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<PostWithSite>>> {
        Box::pin(async move {
            // The kind's condition only when asked (a generic plan of `$2 = '' OR …` reads every item).
            let kind_cond = if kind.is_some() { "p.kind = $2" } else { "$2 = ''" };
            let sql = format!(
                "SELECT {POST_COLS}, {SITE_COLS} FROM site_posts p JOIN sites s ON s.id = p.site_id \
             WHERE {VISIBLE} AND {kind_cond} ORDER BY p.publish_at DESC, p.id DESC LIMIT $3"
            );
            let rows =
                query(sqlx::AssertSqlSafe(sql)).bind(now).bind(kind.map_or("", PostKind::code)).bind(limit).fetch_all(self.pool()).await?;
            rows.iter().map(with_site).collect()
        })
    }

    /// Visible items whose folded text holds every folded word, newest first; with `site`,
    /// only that site's.
    #[inline(never)]
    pub fn search_posts<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        words: &'l2 [String],
        site: Option<i64>,
        now: &'l3 str,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<PostWithSite>>> {
        Box::pin(async move {
            // A site's condition written out only when asked (see `latest_posts`).
            let site_cond = if site.is_some() { "p.site_id = $2" } else { "$2 = 0" };
            let mut sql = format!(
                "SELECT {POST_COLS}, {SITE_COLS} FROM site_posts p JOIN sites s ON s.id = p.site_id WHERE {VISIBLE} AND {site_cond}"
            );
            for i in 0..words.len() {
                sql.push_str(&format!(" AND p.search_text LIKE ${}", i + 4));
            }
            sql.push_str(" ORDER BY p.publish_at DESC, p.id DESC LIMIT $3");
            let mut q = query(sqlx::AssertSqlSafe(sql)).bind(now).bind(site.unwrap_or(0)).bind(limit);
            for w in words {
                let escaped: String = w.chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect();
                q = q.bind(format!("%{escaped}%"));
            }
            let rows = q.fetch_all(self.pool()).await?;
            rows.iter().map(with_site).collect()
        })
    }

    /// Every visible item with its site (the sitemap), at most `limit`.
    #[inline(never)]
    pub fn sitemap_posts<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        now: &'l2 str,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<PostWithSite>>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {POST_COLS}, {SITE_COLS} FROM site_posts p JOIN sites s ON s.id = p.site_id WHERE {VISIBLE} ORDER BY p.id LIMIT $2"
            );
            let rows = query(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(self.pool()).await?;
            rows.iter().map(with_site).collect()
        })
    }

    #[inline(never)]
    pub fn post_versions<'fut, 'l1: 'fut>(&'l1 self, id: i64) -> crate::BoxFut<'fut, Result<Vec<PostVersionRow>>> {
        Box::pin(async move {
            let rows = query(
            "SELECT version, title, summary, body_md, status, publish_at, saved_by, saved_at FROM site_post_versions WHERE post_id = $1 ORDER BY version DESC",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(PostVersionRow {
                        version: r.i64("version")?,
                        title: r.try_get("title")?,
                        summary: r.try_get("summary")?,
                        body_md: r.try_get("body_md")?,
                        status: r.try_get("status")?,
                        publish_at: r.try_get("publish_at")?,
                        saved_by: r.try_get("saved_by")?,
                        saved_at: r.try_get("saved_at")?,
                    })
                })
                .collect()
        })
    }

    /// The decisions a unit issued (the system's published documents), newest first.
    #[inline(never)]
    pub fn public_decisions<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64, limit: i64) -> crate::BoxFut<'fut, Result<Vec<PublicDecision>>> {
        Box::pin(async move {
            let rows = query(
            "SELECT id, number, decided_on, title, authority FROM decisions WHERE unit_id = $1 ORDER BY decided_on DESC, id DESC LIMIT $2",
        )
        .bind(unit_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
            rows.iter()
                .map(|r| {
                    Ok(PublicDecision {
                        id: r.i64("id")?,
                        number: r.try_get("number")?,
                        decided_on: r.try_get("decided_on")?,
                        title: r.try_get("title")?,
                        authority: r.try_get("authority")?,
                    })
                })
                .collect()
        })
    }

    /// The plans a unit issued (number, date, title), newest first.
    #[inline(never)]
    pub fn public_plans<'fut, 'l1: 'fut>(&'l1 self, unit_id: i64) -> crate::BoxFut<'fut, Result<Vec<(String, String, String)>>> {
        Box::pin(async move {
            let rows = query("SELECT number, issued_on, title FROM plans WHERE unit_id = $1 ORDER BY issued_on DESC, id DESC LIMIT 50")
                .bind(unit_id)
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(|r| Ok((r.try_get("number")?, r.try_get("issued_on")?, r.try_get("title")?))).collect()
        })
    }

    /// The recognitions granted in a unit's territory (today's tree) by decisions of `year`,
    /// not revoked, of families, clans, villages and organisations: the name, the title and
    /// the place, as the decisions' annexes publish them (never a person's identity).
    #[inline(never)]
    pub fn public_recognitions<'fut, 'l1: 'fut>(
        &'l1 self,
        unit_id: i64,
        year: i16,
        limit: i64,
    ) -> crate::BoxFut<'fut, Result<Vec<PublicRecognition>>> {
        Box::pin(async move {
            let rows = query(
                "SELECT r.subject_kind, r.subject_name, u.name AS place, r.title, r.level, d.number, d.decided_on \
             FROM recognitions r JOIN decisions d ON d.id = r.decision_id JOIN units u ON u.id = r.unit_id \
             WHERE r.revoked = 0 AND r.subject_kind IN ('household', 'clan', 'village', 'organisation', 'commune') \
             AND d.decided_on >= $2 AND d.decided_on < $3 \
             AND r.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1 AND valid_from <= $4 AND valid_to > $4) \
             ORDER BY r.subject_kind, u.name, r.subject_name LIMIT $5",
            )
            .bind(unit_id)
            .bind(format!("{year:04}-01-01"))
            .bind(format!("{:04}-01-01", year + 1))
            .bind(date_text(crate::today()))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|r| {
                    let decided: String = r.try_get("decided_on")?;
                    Ok(PublicRecognition {
                        subject_kind: r.try_get("subject_kind")?,
                        subject_name: r.try_get("subject_name")?,
                        place: r.try_get("place")?,
                        title: r.try_get("title")?,
                        level: r.try_get("level")?,
                        year: decided.get(..4).and_then(|y| y.parse().ok()).unwrap_or(i32::from(year)),
                        decision_number: r.try_get("number")?,
                    })
                })
                .collect()
        })
    }

    /// Recognitions (not revoked) whose holder's folded name is `folded_name`, in a commune's
    /// territory, by decisions of `year`: (code, title, level, valid from, decision number, authority).
    #[expect(clippy::type_complexity, reason = "the rows the function returns, inside its boxed future")]
    #[inline(never)]
    pub fn recognitions_by_name<'fut, 'l1: 'fut, 'l2: 'fut>(
        &'l1 self,
        folded_name: &'l2 str,
        commune_id: i64,
        year: i16,
    ) -> crate::BoxFut<'fut, Result<Vec<(String, String, String, String, String, String, String)>>> {
        Box::pin(async move {
            let rows = query(
                "SELECT r.code, r.subject_name, r.title, r.level, r.valid_from, d.number, d.authority \
             FROM recognitions r JOIN decisions d ON d.id = r.decision_id \
             WHERE r.revoked = 0 AND d.decided_on >= $2 AND d.decided_on < $3 \
             AND r.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1 AND valid_from <= $4 AND valid_to > $4) \
             ORDER BY r.id LIMIT 2000",
            )
            .bind(commune_id)
            .bind(format!("{year:04}-01-01"))
            .bind(format!("{:04}-01-01", year + 1))
            .bind(date_text(crate::today()))
            .fetch_all(self.pool())
            .await?;
            let mut out = Vec::new();
            for r in &rows {
                let name: String = r.try_get("subject_name")?;
                if hoctap_domain::text::fold(&name) == folded_name {
                    out.push((
                        r.try_get("code")?,
                        name,
                        r.try_get("title")?,
                        r.try_get("level")?,
                        r.try_get("valid_from")?,
                        r.try_get("number")?,
                        r.try_get("authority")?,
                    ));
                }
            }
            Ok(out)
        })
    }

    /// Counts a public lookup under `key` and returns how many that key made since `since`
    /// (this one included); rows older than a day are dropped on the way.
    #[inline(never)]
    pub fn public_lookup_count<'fut, 'l1: 'fut, 'l2: 'fut, 'l3: 'fut>(
        &'l1 self,
        key: &'l2 str,
        since: &'l3 str,
    ) -> crate::BoxFut<'fut, Result<i64>> {
        Box::pin(async move {
            let now = jiff::Timestamp::now();
            let day_ago = stored_time(now - jiff::SignedDuration::from_hours(24));
            let mut tx = self.begin().await?;
            query("DELETE FROM public_lookups WHERE at < $1").bind(&day_ago).execute(&mut *tx).await?;
            query("INSERT INTO public_lookups (key, at) VALUES ($1, $2)").bind(key).bind(stored_time(now)).execute(&mut *tx).await?;
            let row = query("SELECT COUNT(*) AS n FROM public_lookups WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            row.i64("n")
        })
    }
}

/// A stored status as the audit log shows it.
fn status_label(code: &str) -> &'static str {
    Status::parse(code).map_or("", Status::label)
}

async fn post_in(conn: &mut Conn, id: i64) -> Result<PostRow> {
    let sql = format!("SELECT {POST_COLS} FROM site_posts p WHERE p.id = $1");
    let row = query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?.ok_or(StoreError::NotFound("bài"))?;
    post_from(&row)
}

async fn write_version(conn: &mut Conn, p: &PostRow, actor: &Actor) -> Result<()> {
    query(
        "INSERT INTO site_post_versions (post_id, version, title, summary, body_md, status, publish_at, saved_by, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.id)
    .bind(p.version)
    .bind(&p.title)
    .bind(&p.summary)
    .bind(&p.body_md)
    .bind(&p.status)
    .bind(&p.publish_at)
    .bind(&actor.username)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
