//! A small PDF writer for official documents: A4 pages, Liberation Serif (Times New Roman
//! metrics, full Vietnamese coverage, SIL OFL; embedded so every PDF looks the same), text
//! wrapped by real glyph widths, two-column blocks, ruled tables and QR codes.
//!
//! Written on pdf-writer (low level, small, no layout engine) rather than typst: typst made
//! a clean release build of the whole project more than eight minutes longer, and a decision
//! or a certificate needs only lines, columns and tables. Text is NFC; Vietnamese letters
//! with their marks are single precomposed glyphs in Liberation Serif, so no shaping is needed.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::io::Write;

const REGULAR: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/LiberationSerif-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../fonts/LiberationSerif-Italic.ttf");

/// A4 in points.
pub const A4: (f32, f32) = (595.28, 841.89);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Regular,
    Bold,
    Italic,
}

impl Style {
    fn index(self) -> usize {
        match self {
            Self::Regular => 0,
            Self::Bold => 1,
            Self::Italic => 2,
        }
    }
}

/// How a paragraph is set: face, size in points, alignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Font(pub Style, pub f32, pub Align);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

/// Writes pages top to bottom; `y` is the baseline cursor from the bottom of the page.
pub struct Writer {
    faces: Vec<ttf_parser::Face<'static>>,
    used: [BTreeMap<u16, char>; 3],
    pages: Vec<Content>,
    page: Content,
    pub size: (f32, f32),
    pub margin_left: f32,
    pub margin_right: f32,
    pub margin_top: f32,
    pub margin_bottom: f32,
    pub y: f32,
}

impl Writer {
    /// A writer with NĐ 30 margins: left 30 mm, right 15–20 mm, top and bottom 20 mm.
    pub fn new(size: (f32, f32)) -> Result<Writer, String> {
        let faces = [REGULAR, BOLD, ITALIC]
            .iter()
            .map(|f| ttf_parser::Face::parse(f, 0).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let mm = 72.0 / 25.4;
        Ok(Writer {
            faces,
            used: [BTreeMap::new(), BTreeMap::new(), BTreeMap::new()],
            pages: Vec::new(),
            page: Content::new(),
            size,
            margin_left: 30.0 * mm,
            margin_right: 18.0 * mm,
            margin_top: 20.0 * mm,
            margin_bottom: 20.0 * mm,
            y: size.1 - 20.0 * mm,
        })
    }

    pub fn content_width(&self) -> f32 {
        self.size.0 - self.margin_left - self.margin_right
    }

    fn face(&self, style: Style) -> Option<&ttf_parser::Face<'static>> {
        self.faces.get(style.index())
    }

    /// Width of a text in points.
    pub fn width(&self, text: &str, style: Style, size: f32) -> f32 {
        let Some(face) = self.face(style) else { return 0.0 };
        let upem = f32::from(face.units_per_em());
        text.chars()
            .map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).map(f32::from).unwrap_or(upem / 2.0) * size / upem)
            .sum()
    }

    /// Breaks a text into lines no wider than `width` (the first line narrower by `indent`).
    pub fn wrap(&self, text: &str, style: Style, size: f32, width: f32, indent: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                let limit = if lines.is_empty() { width - indent } else { width };
                if !line.is_empty() && self.width(&candidate, style, size) > limit {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_string();
                } else {
                    line = candidate;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(page);
        self.y = self.size.1 - self.margin_top;
    }

    /// Makes room for `height` points, starting a new page if needed.
    pub fn ensure(&mut self, height: f32) {
        if self.y - height < self.margin_bottom {
            self.new_page();
        }
    }

    fn encode(&mut self, text: &str, style: Style) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        let Some(face) = self.faces.get(style.index()) else { return out };
        // Control characters and what XML cannot hold are drawn as nothing (the text layer
        // and ToUnicode map stay clean whatever the caller passed).
        for c in text.chars().filter(|c| hoctap_domain::text::xml_char(*c) && !c.is_control()) {
            let gid = face.glyph_index(c).map(|g| g.0).unwrap_or(0);
            if let Some(map) = self.used.get_mut(style.index()) {
                map.entry(gid).or_insert(c);
            }
            out.extend_from_slice(&gid.to_be_bytes());
        }
        out
    }

    /// Draws one line of text with its baseline at `y`.
    pub fn text_at(&mut self, text: &str, style: Style, size: f32, x: f32, y: f32) {
        let bytes = self.encode(text, style);
        let font = [Name(b"F0"), Name(b"F1"), Name(b"F2")][style.index()];
        self.page.begin_text();
        self.page.set_font(font, size);
        self.page.next_line(x, y);
        self.page.show(Str(&bytes));
        self.page.end_text();
    }

    /// A wrapped paragraph in the column [x, x + width], moving the cursor down.
    pub fn paragraph(&mut self, text: &str, font: Font, x: f32, width: f32, indent: f32) {
        let Font(style, size, align) = font;
        let leading = size * 1.25;
        for (i, line) in self.wrap(text, style, size, width, indent).into_iter().enumerate() {
            self.ensure(leading);
            self.y -= leading;
            let lx = match align {
                Align::Left => x + if i == 0 { indent } else { 0.0 },
                Align::Center => x + (width - self.width(&line, style, size)) / 2.0,
            };
            self.text_at(&line, style, size, lx, self.y);
        }
    }

    /// A paragraph across the whole text width.
    pub fn para(&mut self, text: &str, style: Style, size: f32, align: Align, indent: f32) {
        let (x, w) = (self.margin_left, self.content_width());
        self.paragraph(text, Font(style, size, align), x, w, indent);
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// A horizontal line.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        self.page.set_line_width(0.6);
        self.page.move_to(x1, y);
        self.page.line_to(x2, y);
        self.page.stroke();
    }

    /// A rectangle outline.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        self.page.set_line_width(width);
        self.page.rect(x, y, w, h);
        self.page.stroke();
    }

    /// A table with a header row; columns by width; cells wrap; rows move to a new page whole.
    pub fn table(&mut self, widths: &[f32], header: &[String], rows: &[Vec<String>], size: f32) {
        let x0 = self.margin_left;
        let pad = 3.0;
        let leading = size * 1.25;
        let draw_row = |w: &mut Writer, cells: &[String], style: Style| {
            let wrapped: Vec<Vec<String>> = cells.iter().zip(widths).map(|(c, cw)| w.wrap(c, style, size, cw - 2.0 * pad, 0.0)).collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * leading + 2.0 * pad;
            w.ensure(height);
            let top = w.y;
            let mut x = x0;
            for (col, cw) in wrapped.iter().zip(widths) {
                let mut ly = top - pad;
                for l in col {
                    ly -= leading;
                    w.text_at(l, style, size, x + pad, ly + size * 0.25);
                }
                w.frame(x, top - height, *cw, height, 0.5);
                x += cw;
            }
            w.y = top - height;
        };
        draw_row(self, header, Style::Bold);
        for r in rows {
            draw_row(self, r, Style::Regular);
        }
    }

    /// A QR code of `data` with its lower-left corner at (x, y), `side` points wide.
    pub fn qr(&mut self, data: &str, x: f32, y: f32, side: f32) -> Result<(), String> {
        let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| e.to_string())?;
        let n = code.width();
        let module = side / n as f32;
        for (i, color) in code.to_colors().iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (row, col) = (i / n, i % n);
                self.page.rect(x + col as f32 * module, y + side - (row + 1) as f32 * module, module, module);
            }
        }
        self.page.fill_nonzero();
        Ok(())
    }

    /// Finishes the document: pages, the three embedded fonts (compressed) with their widths
    /// and ToUnicode maps (so text can be copied and searched).
    pub fn finish(mut self, title: &str) -> Result<Vec<u8>, String> {
        let last = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(last);
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut id = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = id();
        let tree = id();
        let info = id();
        let font_ids: Vec<(Ref, Ref, Ref, Ref, Ref, Ref)> = (0..3).map(|_| (id(), id(), id(), id(), id(), id())).collect();
        let page_ids: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (id(), id())).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.document_info(info).title(pdf_writer::TextStr(title)).producer(pdf_writer::TextStr("Hoctap"));
        pdf.pages(tree).kids(page_ids.iter().map(|(p, _)| *p)).count(i32::try_from(page_ids.len()).unwrap_or(1));
        for ((page_id, content_id), content) in page_ids.iter().zip(self.pages) {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, self.size.0, self.size.1));
            page.parent(tree);
            page.contents(*content_id);
            let mut res = page.resources();
            let mut fonts = res.fonts();
            for (i, (type0, ..)) in font_ids.iter().enumerate() {
                fonts.pair(Name(format!("F{i}").as_bytes()), *type0);
            }
            fonts.finish();
            res.finish();
            page.finish();
            let data = deflate(&content.finish())?;
            pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
        }
        let names: [&[u8]; 3] = [b"LiberationSerif", b"LiberationSerif-Bold", b"LiberationSerif-Italic"];
        let files = [REGULAR, BOLD, ITALIC];
        for (i, (type0, cid, descriptor, file, cmap, cid_to_gid)) in font_ids.iter().enumerate() {
            let (Some(face), Some(used), Some(name), Some(bytes)) = (self.faces.get(i), self.used.get(i), names.get(i), files.get(i))
            else {
                continue;
            };
            // Only the glyphs this document uses are embedded (a certificate carries ~40 KB of
            // font instead of 1 MB). The text keeps the full font's glyph ids as CIDs; the
            // CIDToGIDMap stream points each to its place in the subset.
            let mut remapper = subsetter::GlyphRemapper::new();
            for gid in used.keys() {
                remapper.remap(*gid);
            }
            let subset = subsetter::subset(bytes, 0, &remapper).map_err(|e| format!("không cắt được phông chữ: {e}"))?;
            let max_cid = used.keys().next_back().copied().unwrap_or(0);
            let map: Vec<u8> = (0..=max_cid).flat_map(|c| remapper.get(c).unwrap_or(0).to_be_bytes()).collect();
            let tagged = subset_name(name, used.keys().copied());
            let name = &tagged.as_slice();
            pdf.stream(*cid_to_gid, &deflate(&map)?).filter(Filter::FlateDecode);
            let upem = f32::from(face.units_per_em());
            let scale = |v: f32| v * 1000.0 / upem;
            pdf.type0_font(*type0).base_font(Name(name)).encoding_predefined(Name(b"Identity-H")).descendant_font(*cid).to_unicode(*cmap);
            let mut cf = pdf.cid_font(*cid);
            cf.subtype(pdf_writer::types::CidFontType::Type2)
                .base_font(Name(name))
                .system_info(pdf_writer::types::SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 })
                .font_descriptor(*descriptor)
                .cid_to_gid_map_stream(*cid_to_gid);
            let mut widths = cf.widths();
            for gid in used.keys() {
                let w = face.glyph_hor_advance(ttf_parser::GlyphId(*gid)).map(f32::from).unwrap_or(0.0);
                widths.consecutive(*gid, [scale(w)]);
            }
            widths.finish();
            cf.finish();
            let bbox = face.global_bounding_box();
            let flags = pdf_writer::types::FontFlags::SERIF
                | pdf_writer::types::FontFlags::NON_SYMBOLIC
                | if i == 2 { pdf_writer::types::FontFlags::ITALIC } else { pdf_writer::types::FontFlags::empty() };
            pdf.font_descriptor(*descriptor)
                .name(Name(name))
                .flags(flags)
                .bbox(Rect::new(
                    scale(f32::from(bbox.x_min)),
                    scale(f32::from(bbox.y_min)),
                    scale(f32::from(bbox.x_max)),
                    scale(f32::from(bbox.y_max)),
                ))
                .italic_angle(face.italic_angle())
                .ascent(scale(f32::from(face.ascender())))
                .descent(scale(f32::from(face.descender())))
                .cap_height(scale(f32::from(face.capital_height().unwrap_or(face.ascender()))))
                .stem_v(if i == 1 { 140.0 } else { 80.0 })
                .font_file2(*file);
            pdf.stream(*file, &deflate(&subset)?)
                .filter(Filter::FlateDecode)
                .pair(Name(b"Length1"), i32::try_from(subset.len()).unwrap_or(0));
            let mut map = pdf_writer::types::UnicodeCmap::new(
                Name(b"Custom"),
                pdf_writer::types::SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 },
            );
            for (gid, c) in used {
                map.pair(*gid, *c);
            }
            let cmap_data = map.finish();
            pdf.cmap(*cmap, &cmap_data);
        }
        Ok(pdf.finish())
    }
}

/// A subset font's name: six capital letters that depend on the glyphs, "+", the font's
/// name (ISO 32000-1, 9.6.4), so two different subsets never share a name.
fn subset_name(name: &[u8], glyphs: impl Iterator<Item = u16>) -> Vec<u8> {
    // FNV-1a over the glyph ids.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs {
        for b in g.to_be_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut out: Vec<u8> = (0..6).map(|k| b'A' + u8::try_from((h >> (k * 8)) % 26).unwrap_or(0)).collect();
    out.push(b'+');
    out.extend_from_slice(name);
    out
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).map_err(|x| x.to_string())?;
    e.finish().map_err(|x| x.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vietnamese_letter_has_a_glyph_in_each_embedded_font() {
        let letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ";
        let w = Writer::new(A4).unwrap_or_else(|_| unreachable!());
        for face in &w.faces {
            for c in letters.chars().chain(letters.to_uppercase().chars()) {
                assert!(face.glyph_index(c).is_some(), "missing glyph for {c}");
            }
        }
    }

    #[test]
    fn long_text_wraps_within_the_column() {
        let w = Writer::new(A4).unwrap_or_else(|_| unreachable!());
        let text = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025 và các văn bản hướng dẫn thi hành có liên quan";
        let lines = w.wrap(text, Style::Regular, 14.0, 200.0, 0.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| w.width(l, Style::Regular, 14.0) <= 200.0));
    }
}
