//! The annual report (báo cáo kết quả xây dựng xã hội học tập) as DOCX and PDF in the
//! Nghị định 30/2020 layout: header, "BÁO CÁO" and its summary, numbered sections of text and
//! tables, recipients and signature.

use docx_rs::{Docx, Paragraph};
use jiff::civil::Date;

use crate::decision_docx::{body, centered, nd30_end, nd30_start, plain_table, run};
use crate::official_pdf::{nd30_header, nd30_signature, stt_widths};
use crate::pdf::{A4, Align, Style, Writer};

/// One table of a report.
#[derive(Debug, Clone)]
pub struct ReportTable {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One section: a heading ("I. KẾT QUẢ …"), paragraphs, then tables.
#[derive(Debug, Clone)]
pub struct ReportSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<ReportTable>,
}

/// Everything printed on a report.
#[derive(Debug, Clone)]
pub struct ReportDoc {
    pub authority_lines: Vec<String>,
    /// "…/BC-UBND" (left blank for the clerk to number).
    pub number: String,
    pub place: String,
    pub date: Date,
    /// "Kết quả xây dựng xã hội học tập năm 2026".
    pub summary: String,
    pub sections: Vec<ReportSection>,
    pub recipients: Vec<String>,
    pub signer_title: String,
    pub signer_name: String,
}

/// The report as DOCX.
pub fn report_docx(r: &ReportDoc) -> Result<Vec<u8>, String> {
    let mut doc: Docx = nd30_start(&r.authority_lines, &r.number, &r.place, r.date)
        .add_paragraph(centered("", 12, false, false))
        .add_paragraph(centered("BÁO CÁO", 14, true, false))
        .add_paragraph(centered(&r.summary, 14, true, false))
        .add_paragraph(centered("", 8, false, false));
    for s in &r.sections {
        doc = doc.add_paragraph(Paragraph::new().add_run(run(&s.heading, 14).bold()));
        for p in &s.paragraphs {
            for line in p.lines().filter(|l| !l.trim().is_empty()) {
                doc = doc.add_paragraph(body(line.trim(), false));
            }
        }
        for t in &s.tables {
            doc = doc
                .add_paragraph(Paragraph::new().add_run(run(&t.caption, 13).italic()))
                .add_table(plain_table(&t.header, &t.rows))
                .add_paragraph(centered("", 6, false, false));
        }
    }
    doc = nd30_end(doc, &r.recipients, &r.signer_title, &r.signer_name);
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// "STT" narrow, the name column wide, the numbers alike.
fn report_widths(w: &Writer, columns: usize) -> Vec<f32> {
    if columns < 4 {
        return stt_widths(w, columns);
    }
    let rest = w.content_width() - 32.0;
    let name = rest * 0.34;
    let each = (rest - name) / (columns - 2) as f32;
    [32.0, name].into_iter().chain(std::iter::repeat_n(each, columns - 2)).collect()
}

/// The report as PDF.
pub fn report_pdf(r: &ReportDoc) -> Result<Vec<u8>, String> {
    let mut w = Writer::new(A4)?;
    nd30_header(&mut w, &r.authority_lines, &r.number, &r.place, r.date);
    w.para("BÁO CÁO", Style::Bold, 14.0, Align::Center, 0.0);
    w.para(&r.summary, Style::Bold, 14.0, Align::Center, 0.0);
    w.space(10.0);
    for s in &r.sections {
        w.ensure(60.0);
        w.para(&s.heading, Style::Bold, 14.0, Align::Left, 0.0);
        for p in &s.paragraphs {
            for line in p.lines().filter(|l| !l.trim().is_empty()) {
                w.para(line.trim(), Style::Regular, 13.0, Align::Left, 28.0);
            }
        }
        for t in &s.tables {
            w.space(4.0);
            w.para(&t.caption, Style::Italic, 12.0, Align::Left, 0.0);
            let widths = report_widths(&w, t.header.len());
            w.table(&widths, &t.header, &t.rows, 11.0);
            w.space(6.0);
        }
    }
    nd30_signature(&mut w, &r.recipients, &r.signer_title, &r.signer_name);
    w.finish(&r.summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_renders_to_both_formats_with_its_tables() {
        let r = ReportDoc {
            authority_lines: vec!["ỦY BAN NHÂN DÂN".into(), "PHƯỜNG ĐÔNG KINH".into()],
            number: "    /BC-UBND".into(),
            place: "Đông Kinh".into(),
            date: jiff::civil::date(2026, 12, 5),
            summary: "Kết quả xây dựng xã hội học tập năm 2026".into(),
            sections: vec![ReportSection {
                heading: "I. KẾT QUẢ".into(),
                paragraphs: vec!["Đoạn một.\nĐoạn hai.".into()],
                tables: vec![ReportTable {
                    caption: "Bảng 1".into(),
                    header: vec!["STT".into(), "Chỉ số".into(), "Giá trị".into()],
                    rows: vec![vec!["1".into(), "Tỷ lệ GĐHT".into(), "68,5%".into()]],
                }],
            }],
            recipients: vec!["UBND tỉnh (b/c);".into(), "Lưu: VT.".into()],
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Vi Văn Lãnh".into(),
        };
        let docx = report_docx(&r).unwrap_or_default();
        let text = crate::decision_docx::docx_text(&docx).unwrap_or_default();
        for needle in [
            "BÁO CÁO",
            "Kết quả xây dựng xã hội học tập năm 2026",
            "I. KẾT QUẢ",
            "Đoạn hai.",
            "68,5%",
            "Nơi nhận:",
            "Vi Văn Lãnh",
            "Đông Kinh, ngày 05 tháng 12 năm 2026",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        let pdf = report_pdf(&r).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF"));
    }
}
