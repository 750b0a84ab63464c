//! Public sites (trang thông tin điện tử) of every Hội Khuyến học and unit: readable addresses
//! without diacritics, the kinds of item a site publishes (tin tức, văn bản, tài liệu bồi
//! dưỡng), an item's state (nháp, hẹn giờ, đã đăng, đã gỡ) and the checked input of the editor.

use crate::text::{TextError, fold, line, narrative};
use jiff::Timestamp;
use jiff::civil::DateTime;

/// What a site publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostKind {
    /// Tin tức: news with a cover image.
    News,
    /// Văn bản: plans, decisions, guidance the association or unit publishes itself.
    Document,
    /// Tài liệu bồi dưỡng, tập huấn: PDF, slides, video links, by topic.
    Training,
}

impl PostKind {
    pub const ALL: [PostKind; 3] = [Self::News, Self::Document, Self::Training];

    /// The stored code, also the page's address segment.
    pub fn code(self) -> &'static str {
        match self {
            Self::News => "tin-tuc",
            Self::Document => "van-ban",
            Self::Training => "tai-lieu",
        }
    }

    pub fn parse(s: &str) -> Result<Self, SiteError> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim()).ok_or(SiteError::Kind)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::News => "Tin tức",
            Self::Document => "Văn bản",
            Self::Training => "Tài liệu bồi dưỡng",
        }
    }
}

/// What the editor last decided; with the publication time it gives the [`PostState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Published,
    Unpublished,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Unpublished => "unpublished",
        }
    }

    pub fn parse(s: &str) -> Result<Self, SiteError> {
        [Self::Draft, Self::Published, Self::Unpublished].into_iter().find(|k| k.code() == s).ok_or(SiteError::Kind)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Bản nháp",
            Self::Published => "Đã đăng",
            Self::Unpublished => "Đã gỡ",
        }
    }
}

/// An item's state as a visitor and the editor see it at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostState {
    Draft,
    /// Published to appear at a later time (hẹn giờ).
    Scheduled,
    Published,
    Unpublished,
}

impl PostState {
    pub fn of(status: Status, publish_at: Option<Timestamp>, now: Timestamp) -> PostState {
        match (status, publish_at) {
            (Status::Draft, _) => Self::Draft,
            (Status::Unpublished, _) => Self::Unpublished,
            (Status::Published, Some(at)) if at > now => Self::Scheduled,
            (Status::Published, _) => Self::Published,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Bản nháp",
            Self::Scheduled => "Hẹn giờ đăng",
            Self::Published => "Đã đăng",
            Self::Unpublished => "Đã gỡ",
        }
    }

    /// Whether a visitor sees it.
    pub fn public(self) -> bool {
        self == Self::Published
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    #[error("loại bài không hợp lệ (tin tức, văn bản hoặc tài liệu bồi dưỡng)")]
    Kind,
    #[error("nhập tiêu đề")]
    TitleMissing,
    #[error("{0}")]
    Text(#[from] TextError),
    #[error("đường dẫn video phải bắt đầu bằng https:// và không có dấu cách")]
    VideoUrl,
    #[error("thời điểm đăng phải có dạng ngày/tháng/năm giờ:phút, ví dụ 15/03/2026 08:00")]
    PublishAt,
}

/// The longest address segment a title gives.
pub const SLUG_MAX: usize = 80;

/// A readable address segment: lower case, no diacritics (`đ` → `d`), words joined by `-`,
/// nothing else. `Hội Khuyến học xã Đông Anh` → `hoi-khuyen-hoc-xa-dong-anh`. Empty when the
/// text has no letter or digit (the caller names the item otherwise).
pub fn slugify(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut s: String = out.trim_end_matches('-').chars().take(SLUG_MAX).collect();
    while s.ends_with('-') {
        s.pop();
    }
    s
}

/// Whether a text is a slug as [`slugify`] makes them (what an address may carry).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= SLUG_MAX + 8
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The item an editor saves, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostInput {
    pub kind: PostKind,
    pub title: String,
    pub summary: String,
    /// Markdown as typed; rendered to sanitised HTML by the application layer.
    pub body: String,
    /// Chủ đề of a training material (empty for the others).
    pub topic: String,
    pub video_url: String,
}

impl PostInput {
    /// Checks each field; the error names the field.
    pub fn parse(
        kind: &str,
        title: &str,
        summary: &str,
        body: &str,
        topic: &str,
        video_url: &str,
    ) -> Result<Self, (&'static str, SiteError)> {
        let kind = PostKind::parse(kind).map_err(|e| ("kind", e))?;
        let title = line(title, 200).map_err(|e| ("title", e.into()))?;
        if title.is_empty() {
            return Err(("title", SiteError::TitleMissing));
        }
        let summary = line(summary, 300).map_err(|e| ("summary", e.into()))?;
        let body = narrative(body, 50_000).map_err(|e| ("body", e.into()))?;
        let topic = line(topic, 100).map_err(|e| ("topic", e.into()))?;
        let video_url = line(video_url, 500).map_err(|e| ("video_url", e.into()))?;
        if !video_url.is_empty() && !is_web_link(&video_url) {
            return Err(("video_url", SiteError::VideoUrl));
        }
        Ok(PostInput { kind, title, summary, body, topic, video_url })
    }
}

/// An `https://` (or `http://`) address with a host and nothing that could leave an attribute.
pub fn is_web_link(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !r.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'))
    })
}

/// Vietnam's offset: no summer time since 1975.
const VN_OFFSET_HOURS: i8 = 7;

/// A publication time typed in Vietnam's time: `dd/mm/yyyy hh:mm` or a browser's
/// `yyyy-mm-ddThh:mm`. Empty: none (publish now).
pub fn parse_publish_at(s: &str) -> Result<Option<Timestamp>, SiteError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let local: DateTime = if let Ok(dt) = s.parse::<DateTime>() {
        dt
    } else {
        let (d, t) = s.split_once(' ').ok_or(SiteError::PublishAt)?;
        let date = crate::date::parse_date(d).map_err(|_| SiteError::PublishAt)?;
        let (h, m) = t.trim().split_once(':').ok_or(SiteError::PublishAt)?;
        let h: i8 = h.parse().map_err(|_| SiteError::PublishAt)?;
        let m: i8 = m.parse().map_err(|_| SiteError::PublishAt)?;
        date.at(h, m, 0, 0).with().build().map_err(|_| SiteError::PublishAt)?
    };
    let offset = jiff::tz::Offset::constant(VN_OFFSET_HOURS);
    local.to_zoned_datetime(jiff::tz::TimeZone::fixed(offset)).map(|z| Some(z.timestamp())).map_err(|_| SiteError::PublishAt)
}

/// A moment as Vietnamese read it: `15/03/2026 08:00`.
pub fn format_vn_time(t: Timestamp) -> String {
    let z = t.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(VN_OFFSET_HOURS)));
    format!("{:02}/{:02}/{:04} {:02}:{:02}", z.day(), z.month(), z.year(), z.hour(), z.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_have_no_diacritics() {
        assert_eq!(slugify("Hội Khuyến học xã Đông Anh"), "hoi-khuyen-hoc-xa-dong-anh");
        assert_eq!(slugify("  Tập huấn: “Công dân học tập” 2026!  "), "tap-huan-cong-dan-hoc-tap-2026");
        assert_eq!(slugify("…"), "");
        assert!(slugify(&"Học ".repeat(60)).len() <= SLUG_MAX);
        assert!(is_slug("hoi-khuyen-hoc-2"));
        assert!(!is_slug("Hoi") && !is_slug("a/b") && !is_slug("-a"));
    }

    #[test]
    fn a_scheduled_item_appears_at_its_time() {
        let now: Timestamp = "2026-03-15T01:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let later = parse_publish_at("15/03/2026 09:00").ok().flatten();
        assert_eq!(later.map(format_vn_time).as_deref(), Some("15/03/2026 09:00"));
        assert_eq!(PostState::of(Status::Published, later, now), PostState::Scheduled);
        assert_eq!(PostState::of(Status::Published, parse_publish_at("2026-03-15T07:59").ok().flatten(), now), PostState::Published);
        assert_eq!(PostState::of(Status::Draft, None, now), PostState::Draft);
        assert!(parse_publish_at("mai").is_err());
    }

    #[test]
    fn input_names_the_field() {
        assert_eq!(PostInput::parse("tin-tuc", " ", "", "", "", "").err().map(|e| e.0), Some("title"));
        assert_eq!(PostInput::parse("x", "A", "", "", "", "").err().map(|e| e.0), Some("kind"));
        assert_eq!(PostInput::parse("tai-lieu", "A", "", "", "", "javascript:alert(1)").err().map(|e| e.0), Some("video_url"));
        assert!(PostInput::parse("tai-lieu", "A", "", "", "Kỹ năng", "https://video.example/x").is_ok());
    }
}
