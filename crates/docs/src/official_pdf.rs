//! Official documents as PDF: the decision (same content as its DOCX, Nghị định 30/2020 layout)
//! the certificate (giấy công nhận) with a QR code to the public verification page, and the
//! association's membership card (thẻ hội viên) with a QR code to its public check page.

use crate::decision_docx::{DecisionDoc, place_and_date};
use crate::pdf::{A4, Align, Font, Style, Writer};

/// The Nghị định 30 header: the issuing body and number on the left, the national motto and
/// the place and date on the right; leaves the cursor below both.
pub(crate) fn nd30_header(w: &mut Writer, authority_lines: &[String], number: &str, place: &str, date: jiff::civil::Date) {
    let left_w = 200.0;
    let gap = 10.0;
    let x0 = w.margin_left - 20.0;
    let right_x = x0 + left_w + gap;
    let right_w = w.size.0 - w.margin_right - right_x + 10.0;
    let top = w.y;
    for (i, line) in authority_lines.iter().enumerate() {
        let style = if i + 1 == authority_lines.len() { Style::Bold } else { Style::Regular };
        w.paragraph(&line.to_uppercase(), Font(style, 13.0, Align::Center), x0, left_w, 0.0);
    }
    let rule_y = w.y - 3.0;
    w.rule(x0 + left_w / 2.0 - 30.0, x0 + left_w / 2.0 + 30.0, rule_y);
    w.space(8.0);
    w.paragraph(&format!("Số: {number}"), Font(Style::Regular, 13.0, Align::Center), x0, left_w, 0.0);
    let left_bottom = w.y;
    w.y = top;
    w.paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Font(Style::Bold, 12.0, Align::Center), right_x, right_w, 0.0);
    w.paragraph("Độc lập - Tự do - Hạnh phúc", Font(Style::Bold, 13.0, Align::Center), right_x, right_w, 0.0);
    let motto = w.width("Độc lập - Tự do - Hạnh phúc", Style::Bold, 13.0);
    let ry = w.y - 3.0;
    w.rule(right_x + (right_w - motto) / 2.0, right_x + (right_w + motto) / 2.0, ry);
    w.space(8.0);
    w.paragraph(&place_and_date(place, date), Font(Style::Italic, 13.0, Align::Center), right_x, right_w, 0.0);
    w.y = w.y.min(left_bottom) - 14.0;
}

/// The recipients on the left and the signature block on the right.
pub(crate) fn nd30_signature(w: &mut Writer, recipients: &[String], signer_title: &str, signer_name: &str) {
    w.space(12.0);
    w.ensure(150.0);
    let top = w.y;
    let half = w.content_width() / 2.0;
    w.paragraph("Nơi nhận:", Font(Style::Bold, 12.0, Align::Left), w.margin_left, half, 0.0);
    for r in recipients {
        w.paragraph(&format!("- {r}"), Font(Style::Regular, 11.0, Align::Left), w.margin_left, half, 0.0);
    }
    let left_bottom = w.y;
    w.y = top;
    let sx = w.margin_left + half;
    for line in signer_title.lines() {
        w.paragraph(&line.to_uppercase(), Font(Style::Bold, 14.0, Align::Center), sx, half, 0.0);
    }
    w.paragraph("(Đã ký)", Font(Style::Italic, 13.0, Align::Center), sx, half, 0.0);
    w.space(50.0);
    w.paragraph(signer_name, Font(Style::Bold, 14.0, Align::Center), sx, half, 0.0);
    w.y = w.y.min(left_bottom);
}

/// Column widths for a table whose first column is a narrow "STT".
pub(crate) fn stt_widths(w: &Writer, columns: usize) -> Vec<f32> {
    let n = columns.max(1);
    let first = 32.0;
    let rest = (w.content_width() - first) / (n.saturating_sub(1).max(1)) as f32;
    std::iter::once(first).chain(std::iter::repeat_n(rest, n - 1)).collect()
}

/// The decision as PDF.
pub fn decision_pdf(d: &DecisionDoc) -> Result<Vec<u8>, String> {
    let mut w = Writer::new(A4)?;
    nd30_header(&mut w, &d.authority_lines, &d.number, &d.place, d.date);
    w.para("QUYẾT ĐỊNH", Style::Bold, 14.0, Align::Center, 0.0);
    w.para(&d.summary, Style::Bold, 14.0, Align::Center, 0.0);
    w.space(10.0);
    w.para(&d.issuer_position.to_uppercase(), Style::Bold, 14.0, Align::Center, 0.0);
    w.space(6.0);
    for b in &d.legal_basis {
        w.para(b, Style::Italic, 14.0, Align::Left, 28.0);
    }
    if !d.proposal.is_empty() {
        w.para(&d.proposal, Style::Italic, 14.0, Align::Left, 28.0);
    }
    w.space(6.0);
    w.para("QUYẾT ĐỊNH:", Style::Bold, 14.0, Align::Center, 0.0);
    w.space(4.0);
    for a in &d.articles {
        w.para(a, Style::Regular, 14.0, Align::Left, 28.0);
    }
    nd30_signature(&mut w, &d.recipients, &d.signer_title, &d.signer_name);
    // Annex.
    w.new_page();
    w.para(&d.annex_title, Style::Bold, 14.0, Align::Center, 0.0);
    w.para(
        &format!("(Kèm theo Quyết định số {} ngày {:02}/{:02}/{})", d.number, d.date.day(), d.date.month(), d.date.year()),
        Style::Italic,
        13.0,
        Align::Center,
        0.0,
    );
    w.space(10.0);
    let widths = stt_widths(&w, d.annex_header.len());
    w.table(&widths, &d.annex_header, &d.annex_rows, 12.0);
    w.finish(&format!("Quyết định số {}", d.number))
}

/// What a certificate shows.
#[derive(Debug, Clone)]
pub struct CertificateDoc {
    pub authority_lines: Vec<String>,
    /// "Gia đình học tập".
    pub title: String,
    pub year: i64,
    pub subject_name: String,
    /// Where the subject is (thôn, xã, tỉnh), one line.
    pub subject_place: String,
    pub level: String,
    pub decision: String,
    pub place_and_date: String,
    pub signer_title: String,
    pub signer_name: String,
    pub valid_until: String,
    pub code: String,
    /// The public verification address the QR code carries.
    pub verify_url: String,
}

/// A4 landscape with a double frame, the issuing body on the left and the national motto on
/// the right (certificates: giấy công nhận, bằng khen, giấy khen); leaves the cursor below.
fn certificate_page(authority_lines: &[String]) -> Result<Writer, String> {
    let mut w = Writer::new((A4.1, A4.0))?;
    w.margin_left = 60.0;
    w.margin_right = 60.0;
    w.margin_top = 50.0;
    w.y = w.size.1 - 50.0;
    w.frame(24.0, 24.0, w.size.0 - 48.0, w.size.1 - 48.0, 2.5);
    w.frame(32.0, 32.0, w.size.0 - 64.0, w.size.1 - 64.0, 0.8);
    let x0 = w.margin_left;
    let half = w.content_width() / 2.0 - 20.0;
    let top = w.y;
    for (i, line) in authority_lines.iter().enumerate() {
        let style = if i + 1 == authority_lines.len() { Style::Bold } else { Style::Regular };
        w.paragraph(&line.to_uppercase(), Font(style, 13.0, Align::Center), x0, half, 0.0);
    }
    let left_bottom = w.y;
    w.y = top;
    let rx = x0 + half + 40.0;
    w.paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Font(Style::Bold, 13.0, Align::Center), rx, half, 0.0);
    w.paragraph("Độc lập - Tự do - Hạnh phúc", Font(Style::Bold, 14.0, Align::Center), rx, half, 0.0);
    w.y = w.y.min(left_bottom) - 24.0;
    Ok(w)
}

/// The signature block at the bottom right of a certificate: place and date, title, name.
fn certificate_signature(w: &mut Writer, place_and_date: &str, signer_title: &str, signer_name: &str) {
    let sig_x = w.size.0 / 2.0 + 40.0;
    let sig_w = w.size.0 / 2.0 - 100.0;
    w.y = 200.0;
    w.paragraph(place_and_date, Font(Style::Italic, 13.0, Align::Center), sig_x, sig_w, 0.0);
    for line in signer_title.lines() {
        w.paragraph(&line.to_uppercase(), Font(Style::Bold, 13.0, Align::Center), sig_x, sig_w, 0.0);
    }
    w.space(42.0);
    w.paragraph(signer_name, Font(Style::Bold, 14.0, Align::Center), sig_x, sig_w, 0.0);
}

/// What a Bằng khen or Giấy khen shows (the layout of the reward forms of Nghị định 98/2023:
/// who grants it above "TẶNG", the form's name, the recipient, the achievement, the decision
/// and its entry in the register).
#[derive(Debug, Clone)]
pub struct RewardCertificateDoc {
    pub authority_lines: Vec<String>,
    /// "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", printed above "TẶNG".
    pub granted_by: String,
    /// "BẰNG KHEN" or "GIẤY KHEN".
    pub form_title: String,
    pub recipient: String,
    /// Where the recipient is, one line.
    pub recipient_place: String,
    /// "Đã có thành tích xuất sắc trong Phong trào … năm 2025".
    pub achievement: String,
    pub decision: String,
    pub place_and_date: String,
    pub signer_title: String,
    pub signer_name: String,
    /// Register number (số sổ khen thưởng).
    pub code: String,
}

/// The printed Bằng khen / Giấy khen: A4 landscape, double frame, no QR code (the decision is
/// the proof; the register number identifies it).
pub fn reward_certificate_pdf(c: &RewardCertificateDoc) -> Result<Vec<u8>, String> {
    let mut w = certificate_page(&c.authority_lines)?;
    w.para(&c.granted_by.to_uppercase(), Style::Bold, 15.0, Align::Center, 0.0);
    w.para("TẶNG", Style::Bold, 15.0, Align::Center, 0.0);
    w.space(4.0);
    w.para(&c.form_title.to_uppercase(), Style::Bold, 34.0, Align::Center, 0.0);
    w.space(10.0);
    w.para(&c.recipient, Style::Bold, 22.0, Align::Center, 0.0);
    if !c.recipient_place.is_empty() {
        w.para(&c.recipient_place, Style::Italic, 14.0, Align::Center, 0.0);
    }
    w.space(8.0);
    w.para(&c.achievement, Style::Regular, 15.0, Align::Center, 0.0);
    w.text_at(&c.decision, Style::Italic, 11.0, 60.0, 70.0);
    w.text_at(&format!("Số sổ khen thưởng: {}", c.code), Style::Regular, 11.0, 60.0, 54.0);
    certificate_signature(&mut w, &c.place_and_date, &c.signer_title, &c.signer_name);
    w.finish(&format!("{} {}", c.form_title, c.code))
}

/// The certificate (giấy công nhận): A4 landscape, double frame, QR code to verification.
pub fn certificate_pdf(c: &CertificateDoc) -> Result<Vec<u8>, String> {
    let mut w = certificate_page(&c.authority_lines)?;
    w.para("GIẤY CÔNG NHẬN", Style::Bold, 30.0, Align::Center, 0.0);
    w.space(6.0);
    w.para(&format!("Danh hiệu \"{}\" năm {}", c.title, c.year), Style::Bold, 20.0, Align::Center, 0.0);
    w.space(14.0);
    w.para(&c.subject_name, Style::Bold, 24.0, Align::Center, 0.0);
    if !c.subject_place.is_empty() {
        w.para(&c.subject_place, Style::Italic, 15.0, Align::Center, 0.0);
    }
    if !c.level.is_empty() {
        w.space(4.0);
        w.para(&format!("Mức: {}", c.level), Style::Regular, 15.0, Align::Center, 0.0);
    }
    w.space(8.0);
    w.para(&format!("Theo {}. Có hiệu lực đến ngày {}.", c.decision, c.valid_until), Style::Italic, 13.0, Align::Center, 0.0);
    // QR code and code at the bottom left, signature at the bottom right.
    let qr_side = 92.0;
    w.qr(&c.verify_url, 60.0, 56.0, qr_side)?;
    w.text_at(&format!("Mã xác minh: {}", c.code), Style::Regular, 10.0, 60.0, 44.0);
    certificate_signature(&mut w, &c.place_and_date, &c.signer_title, &c.signer_name);
    w.finish(&format!("Giấy công nhận {}", c.code))
}

/// What a membership card (thẻ hội viên) shows.
#[derive(Debug, Clone)]
pub struct MembershipCardDoc {
    /// "HỘI KHUYẾN HỌC VIỆT NAM" and the branch above the title.
    pub association: String,
    pub branch_name: String,
    pub full_name: String,
    pub joined_on: String,
    pub issued_on: String,
    pub code: String,
    /// The public check address the QR code carries.
    pub verify_url: String,
}

/// The membership card: the size of a bank card (85.6 × 54 mm), double frame, QR code to the
/// public check page.
pub fn membership_card_pdf(c: &MembershipCardDoc) -> Result<Vec<u8>, String> {
    let mm = 72.0 / 25.4;
    let mut w = Writer::new((85.6 * mm, 54.0 * mm))?;
    w.margin_left = 5.0 * mm;
    w.margin_right = 5.0 * mm;
    w.margin_top = 4.0 * mm;
    w.margin_bottom = 3.0 * mm;
    w.y = w.size.1 - 4.0 * mm - 7.0;
    w.frame(1.5 * mm, 1.5 * mm, w.size.0 - 3.0 * mm, w.size.1 - 3.0 * mm, 1.2);
    w.para(&c.association.to_uppercase(), Style::Bold, 7.0, Align::Center, 0.0);
    w.para(&c.branch_name, Style::Regular, 7.0, Align::Center, 0.0);
    w.space(3.0);
    w.para("THẺ HỘI VIÊN", Style::Bold, 12.0, Align::Center, 0.0);
    w.space(2.0);
    let qr_side = 19.0 * mm;
    let text_w = w.content_width() - qr_side - 2.0 * mm;
    let x0 = w.margin_left;
    w.paragraph(&c.full_name, Font(Style::Bold, 10.0, Align::Left), x0, text_w, 0.0);
    w.paragraph(&format!("Ngày vào hội: {}", c.joined_on), Font(Style::Regular, 7.5, Align::Left), x0, text_w, 0.0);
    w.paragraph(&format!("Ngày cấp thẻ: {}", c.issued_on), Font(Style::Regular, 7.5, Align::Left), x0, text_w, 0.0);
    w.paragraph(&format!("Mã thẻ: {}", c.code), Font(Style::Regular, 7.5, Align::Left), x0, text_w, 0.0);
    w.qr(&c.verify_url, w.size.0 - w.margin_right - qr_side, 3.5 * mm, qr_side)?;
    w.text_at("Quét mã để kiểm tra thẻ", Style::Italic, 6.0, x0, 4.0 * mm);
    w.finish(&format!("Thẻ hội viên {}", c.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_render_to_pdf_files() {
        let d = DecisionDoc {
            authority_lines: vec!["ỦY BAN NHÂN DÂN".into(), "PHƯỜNG ĐÔNG KINH".into()],
            number: "12/QĐ-UBND".into(),
            place: "Đông Kinh".into(),
            date: jiff::civil::date(2026, 3, 31),
            summary: "Về việc công nhận Gia đình học tập năm 2025".into(),
            issuer_position: "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG KINH".into(),
            legal_basis: vec!["Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".into()],
            proposal: "Xét đề nghị của Hội Khuyến học phường,".into(),
            articles: vec![
                "Điều 1. Công nhận 2 hộ gia đình đạt danh hiệu \"Gia đình học tập\" năm 2025 (có danh sách kèm theo).".into(),
                "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.".into(),
            ],
            recipients: vec!["Như Điều 3;".into(), "Lưu: VT.".into()],
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Vi Văn Lãnh".into(),
            annex_title: "DANH SÁCH".into(),
            annex_header: vec!["STT".into(), "Tên".into(), "Mức".into()],
            annex_rows: vec![vec!["1".into(), "Lục Văn Dân".into(), "Đạt".into()]],
        };
        let pdf = decision_pdf(&d).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF"));
        let cert = certificate_pdf(&CertificateDoc {
            authority_lines: d.authority_lines.clone(),
            title: "Gia đình học tập".into(),
            year: 2025,
            subject_name: "Gia đình ông Lục Văn Dân".into(),
            subject_place: "Thôn Nà Sla, Phường Đông Kinh, Lạng Sơn".into(),
            level: String::new(),
            decision: "Quyết định số 12/QĐ-UBND ngày 31/03/2026".into(),
            place_and_date: "Đông Kinh, ngày 31 tháng 3 năm 2026".into(),
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Vi Văn Lãnh".into(),
            valid_until: "30/03/2029".into(),
            code: "ABCDE23456".into(),
            verify_url: "http://127.0.0.1:8080/xac-minh/ABCDE23456".into(),
        })
        .unwrap_or_default();
        assert!(cert.starts_with(b"%PDF"));
        // Subset fonts: the three full Liberation Serif faces alone weigh ~1 MB compressed.
        assert!(cert.len() < 120_000, "certificate is {} bytes", cert.len());
        assert!(pdf.len() < 150_000, "decision is {} bytes", pdf.len());
        let card = membership_card_pdf(&MembershipCardDoc {
            association: "Hội Khuyến học Việt Nam".into(),
            branch_name: "Chi hội Khuyến học thôn Nà Sla".into(),
            full_name: "Lục Văn Dân".into(),
            joined_on: "01/03/2024".into(),
            issued_on: "25/11/2026".into(),
            code: "ABCDE23456".into(),
            verify_url: "http://127.0.0.1:8080/the-hoi-vien/ABCDE23456".into(),
        })
        .unwrap_or_default();
        assert!(card.starts_with(b"%PDF"));
        assert!(card.len() < 80_000, "card is {} bytes", card.len());
        if let Ok(dir) = std::env::var("HOCTAP_PDF_OUT") {
            let _ = std::fs::write(format!("{dir}/decision.pdf"), &pdf);
            let _ = std::fs::write(format!("{dir}/certificate.pdf"), &cert);
            let _ = std::fs::write(format!("{dir}/card.pdf"), &card);
        }
    }
}
