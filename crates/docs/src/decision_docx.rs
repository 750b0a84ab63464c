//! The decision (quyết định) as a DOCX in the format of Nghị định 30/2020/NĐ-CP: A4, Times New
//! Roman 13–14, the issuing body and number on the left, the national motto and the place and
//! date on the right, the title and summary, the legal bases, the articles, the recipients and
//! the signature block, then the annex listing the recognised subjects.

use docx_rs::{AlignmentType, Docx, PageMargin, Paragraph, Run, RunFonts, Table, TableCell, TableRow, WidthType};
use jiff::civil::Date;

/// Everything printed on a decision.
#[derive(Debug, Clone)]
pub struct DecisionDoc {
    /// The governing body above the issuer (may be empty), then the issuer: ["ỦY BAN NHÂN DÂN", "PHƯỜNG ĐÔNG KINH"].
    pub authority_lines: Vec<String>,
    /// "12/QĐ-UBND".
    pub number: String,
    pub place: String,
    pub date: Date,
    /// Trích yếu: "Về việc công nhận danh hiệu "Gia đình học tập" năm 2025".
    pub summary: String,
    /// "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG KINH".
    pub issuer_position: String,
    pub legal_basis: Vec<String>,
    /// "Xét đề nghị của …".
    pub proposal: String,
    /// "Điều 1. …", "Điều 2. …", "Điều 3. …".
    pub articles: Vec<String>,
    pub recipients: Vec<String>,
    /// "CHỦ TỊCH" or "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".
    pub signer_title: String,
    pub signer_name: String,
    pub annex_title: String,
    /// Header and rows of the annex table.
    pub annex_header: Vec<String>,
    pub annex_rows: Vec<Vec<String>>,
}

const FONT: &str = "Times New Roman";

pub(crate) fn run(text: &str, size_pt: usize) -> Run {
    // Every DOCX text passes here: nothing XML cannot hold reaches the file (Word refuses it).
    Run::new()
        .add_text(hoctap_domain::text::xml_safe(text))
        .size(size_pt * 2)
        .fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT))
}

pub(crate) fn centered(text: &str, size: usize, bold: bool, italic: bool) -> Paragraph {
    let mut r = run(text, size);
    if bold {
        r = r.bold();
    }
    if italic {
        r = r.italic();
    }
    Paragraph::new().add_run(r).align(AlignmentType::Center)
}

pub(crate) fn body(text: &str, italic: bool) -> Paragraph {
    let mut r = run(text, 14);
    if italic {
        r = r.italic();
    }
    // First-line indent of 1 cm (567 twips), justified, as official texts are set.
    Paragraph::new().add_run(r).align(AlignmentType::Both).indent(None, Some(docx_rs::SpecialIndentType::FirstLine(567)), None, None)
}

pub(crate) fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    let mut c = TableCell::new().width(width, WidthType::Dxa);
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

/// "Đông Kinh, ngày 31 tháng 3 năm 2026" (NĐ 30: day and month below 10 with a leading zero
/// for days 1–9 and months 1–2).
pub fn place_and_date(place: &str, d: Date) -> String {
    format!("{place}, {}", hoctap_domain::citation::long_date(d))
}

/// A4 page with the Nghị định 30 header: the issuing body and number on the left, the
/// national motto and the place and date on the right.
pub(crate) fn nd30_start(authority_lines: &[String], number: &str, place: &str, date: Date) -> Docx {
    let mut left = Vec::new();
    for (i, line) in authority_lines.iter().enumerate() {
        left.push(centered(&line.to_uppercase(), 13, i + 1 == authority_lines.len(), false));
    }
    left.push(centered("", 6, false, false));
    left.push(centered(&format!("Số: {number}"), 13, false, false));
    let right = vec![
        centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, true, false),
        centered("Độc lập - Tự do - Hạnh phúc", 13, true, false),
        centered("", 6, false, false),
        centered(&place_and_date(place, date), 13, false, true),
    ];
    let header = Table::new(vec![TableRow::new(vec![cell(left, 3600), cell(right, 5800)])]).set_grid(vec![3600, 5800]).clear_all_border();
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin { top: 1134, bottom: 1134, left: 1701, right: 1134, header: 720, footer: 720, gutter: 0 })
        .add_table(header)
}

/// The recipients (nơi nhận) on the left and the signature block on the right.
pub(crate) fn nd30_end(doc: Docx, recipients: &[String], signer_title: &str, signer_name: &str) -> Docx {
    let mut left = vec![Paragraph::new().add_run(run("Nơi nhận:", 12).bold().italic())];
    for r in recipients {
        left.push(Paragraph::new().add_run(run(&format!("- {r}"), 11)));
    }
    let mut sign = Vec::new();
    for line in signer_title.lines() {
        sign.push(centered(&line.to_uppercase(), 14, true, false));
    }
    sign.push(centered("(Đã ký)", 13, false, true));
    for _ in 0..3 {
        sign.push(centered("", 14, false, false));
    }
    sign.push(centered(signer_name, 14, true, false));
    let footer = Table::new(vec![TableRow::new(vec![cell(left, 4600), cell(sign, 4800)])]).set_grid(vec![4600, 4800]).clear_all_border();
    doc.add_paragraph(centered("", 12, false, false)).add_table(footer)
}

/// A plain table: a bold header row and text rows, the first column narrow when it is "STT".
pub(crate) fn plain_table(header: &[String], rows: &[Vec<String>]) -> Table {
    let widths: Vec<usize> = match header.len() {
        0 => Vec::new(),
        n => {
            let first = if header.first().is_some_and(|h| h == "STT") { 700 } else { 9400 / n };
            let rest = (9400 - first) / (n.max(2) - 1);
            std::iter::once(first).chain(std::iter::repeat_n(rest, n - 1)).collect()
        }
    };
    let mut out = vec![TableRow::new(header.iter().zip(&widths).map(|(h, w)| cell(vec![centered(h, 12, true, false)], *w)).collect())];
    for r in rows {
        out.push(TableRow::new(r.iter().zip(&widths).map(|(c, w)| cell(vec![Paragraph::new().add_run(run(c, 12))], *w)).collect()));
    }
    Table::new(out).set_grid(widths)
}

/// Builds the DOCX.
pub fn decision_docx(d: &DecisionDoc) -> Result<Vec<u8>, String> {
    let mut doc = nd30_start(&d.authority_lines, &d.number, &d.place, d.date)
        .add_paragraph(centered("", 12, false, false))
        .add_paragraph(centered("QUYẾT ĐỊNH", 14, true, false))
        .add_paragraph(centered(&d.summary, 14, true, false))
        .add_paragraph(centered("", 12, false, false))
        .add_paragraph(centered(&d.issuer_position.to_uppercase(), 14, true, false))
        .add_paragraph(centered("", 8, false, false));
    for b in &d.legal_basis {
        doc = doc.add_paragraph(body(b, true));
    }
    if !d.proposal.is_empty() {
        doc = doc.add_paragraph(body(&d.proposal, true));
    }
    doc = doc.add_paragraph(centered("", 8, false, false)).add_paragraph(centered("QUYẾT ĐỊNH:", 14, true, false));
    for a in &d.articles {
        // "Điều 1." in bold, the rest plain.
        let (head, rest) = a.split_once(". ").map(|(h, r)| (format!("{h}. "), r.to_string())).unwrap_or((String::new(), a.clone()));
        doc = doc.add_paragraph(Paragraph::new().add_run(run(&head, 14).bold()).add_run(run(&rest, 14)).align(AlignmentType::Both).indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(567)),
            None,
            None,
        ));
    }
    doc = nd30_end(doc, &d.recipients, &d.signer_title, &d.signer_name);
    // The annex on its own page.
    doc = doc
        .add_paragraph(centered(&d.annex_title, 14, true, false).page_break_before(true))
        .add_paragraph(centered(
            &format!("(Kèm theo Quyết định số {} ngày {:02}/{:02}/{})", d.number, d.date.day(), d.date.month(), d.date.year()),
            13,
            false,
            true,
        ))
        .add_paragraph(centered("", 8, false, false));
    doc = doc.add_table(plain_table(&d.annex_header, &d.annex_rows));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The text of a DOCX, paragraph by paragraph (tests and search).
pub fn docx_text(bytes: &[u8]) -> Result<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    zip.by_name("word/document.xml").map_err(|e| e.to_string())?.read_to_string(&mut xml).map_err(|e| e.to_string())?;
    let mut out = String::new();
    for para in xml.split("</w:p>") {
        let mut line = String::new();
        for piece in para.split("<w:t").skip(1) {
            if let Some((_, rest)) = piece.split_once('>')
                && let Some((text, _)) = rest.split_once("</w:t>")
            {
                line.push_str(
                    &text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'"),
                );
            }
        }
        if !line.trim().is_empty() {
            out.push_str(line.trim());
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_line_pads_days_below_ten_and_months_below_three() {
        assert_eq!(place_and_date("Đông Kinh", jiff::civil::date(2026, 3, 5)), "Đông Kinh, ngày 05 tháng 3 năm 2026");
        assert_eq!(place_and_date("Hà Nội", jiff::civil::date(2026, 2, 15)), "Hà Nội, ngày 15 tháng 02 năm 2026");
    }
}
