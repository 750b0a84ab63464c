//! The cashier's papers of a fund ledger: a voucher (phiếu thu, phiếu chi) per entry and the
//! year's cash book (sổ quỹ tiền mặt) with the running balance, as PDF. The content comes from the
//! ledger (`hoctap_domain::fund`); only the layout is here.

use crate::pdf::{A4, Align, Font, Style, Writer};

/// What a voucher shows.
#[derive(Debug, Clone)]
pub struct VoucherDoc {
    /// The association and its branch, top left.
    pub association: String,
    pub branch_name: String,
    /// "PHIẾU THU" or "PHIẾU CHI".
    pub title: String,
    pub number: String,
    /// "Ngày 02 tháng 02 năm 2026".
    pub date_line: String,
    /// "Họ và tên người nộp tiền" or "Họ và tên người nhận tiền", and the name.
    pub person_label: String,
    pub person: String,
    /// "Lý do nộp" or "Lý do chi", and the kind with its decision.
    pub reason_label: String,
    pub reason: String,
    /// The amount grouped ("1.500.000 đồng") and in words.
    pub amount: String,
    pub amount_words: String,
    /// A note under the amount (a reversal, a payment beyond the balance), or empty.
    pub note: String,
}

/// A voucher on half an A4 page, with the signature boxes of the chair, the accountant, the
/// cashier and the person who paid or received.
pub fn voucher_pdf(v: &VoucherDoc) -> Result<Vec<u8>, String> {
    let mut w = Writer::new(A4)?;
    let x0 = w.margin_left;
    let width = w.content_width();
    let top = w.y;
    w.paragraph(&v.association.to_uppercase(), Font(Style::Bold, 11.0, Align::Left), x0, width / 2.0, 0.0);
    w.paragraph(&v.branch_name, Font(Style::Regular, 11.0, Align::Left), x0, width / 2.0, 0.0);
    w.y = top;
    w.paragraph(&format!("Số: {}", v.number), Font(Style::Bold, 11.0, Align::Center), x0 + width / 2.0, width / 2.0, 0.0);
    w.space(24.0);
    w.para(&v.title, Style::Bold, 18.0, Align::Center, 0.0);
    w.para(&v.date_line, Style::Italic, 12.0, Align::Center, 0.0);
    w.space(12.0);
    for (label, text) in [(v.person_label.as_str(), v.person.as_str()), (v.reason_label.as_str(), v.reason.as_str())] {
        w.para(&format!("{label}: {text}"), Style::Regular, 12.0, Align::Left, 0.0);
    }
    w.para(&format!("Số tiền: {}", v.amount), Style::Bold, 12.0, Align::Left, 0.0);
    w.para(&format!("Viết bằng chữ: {}", v.amount_words), Style::Italic, 12.0, Align::Left, 0.0);
    if !v.note.is_empty() {
        w.para(&format!("Ghi chú: {}", v.note), Style::Regular, 11.0, Align::Left, 0.0);
    }
    w.space(16.0);
    let people = ["Chủ tịch Hội", "Kế toán", "Thủ quỹ", if v.title == "PHIẾU THU" { "Người nộp tiền" } else { "Người nhận tiền" }];
    let col = width / people.len() as f32;
    let row_top = w.y;
    for (i, p) in people.iter().enumerate() {
        w.y = row_top;
        let x = x0 + col * i as f32;
        w.paragraph(p, Font(Style::Bold, 11.0, Align::Center), x, col, 0.0);
        w.paragraph("(Ký, họ tên)", Font(Style::Italic, 10.0, Align::Center), x, col, 0.0);
    }
    w.finish(&format!("{} {}", v.title, v.number))
}

/// What the year's cash book shows.
#[derive(Debug, Clone)]
pub struct CashBookDoc {
    pub association: String,
    pub branch_name: String,
    pub year: i16,
    /// Grouped amounts.
    pub opening: String,
    /// Date, receipt number, payment number, description, receipt, payment, balance after.
    pub rows: Vec<[String; 7]>,
    pub total_receipts: String,
    pub total_payments: String,
    pub closing: String,
}

/// The cash book (sổ quỹ tiền mặt) of a year: opening balance, one line per voucher in posting
/// order with the balance after it, totals and the closing balance.
pub fn cash_book_pdf(b: &CashBookDoc) -> Result<Vec<u8>, String> {
    let mut w = Writer::new((A4.1, A4.0))?;
    w.margin_left = 40.0;
    w.margin_right = 40.0;
    w.para(&b.association.to_uppercase(), Style::Bold, 11.0, Align::Left, 0.0);
    w.para(&b.branch_name, Style::Regular, 11.0, Align::Left, 0.0);
    w.space(8.0);
    w.para("SỔ QUỸ TIỀN MẶT", Style::Bold, 16.0, Align::Center, 0.0);
    w.para(&format!("Năm {}", b.year), Style::Italic, 12.0, Align::Center, 0.0);
    w.space(8.0);
    let header: Vec<String> =
        ["Ngày", "Số phiếu thu", "Số phiếu chi", "Diễn giải", "Thu (đồng)", "Chi (đồng)", "Tồn (đồng)"].map(String::from).to_vec();
    let widths = [62.0, 78.0, 78.0, 245.0, 86.0, 86.0, 86.0];
    let mut rows: Vec<Vec<String>> =
        vec![vec![String::new(), String::new(), String::new(), "Số tồn đầu năm".into(), String::new(), String::new(), b.opening.clone()]];
    rows.extend(b.rows.iter().map(|r| r.to_vec()));
    rows.push(vec![
        String::new(),
        String::new(),
        String::new(),
        "Cộng phát sinh trong năm".into(),
        b.total_receipts.clone(),
        b.total_payments.clone(),
        String::new(),
    ]);
    rows.push(vec![String::new(), String::new(), String::new(), "Số tồn cuối năm".into(), String::new(), String::new(), b.closing.clone()]);
    w.table(&widths, &header, &rows, 9.5);
    w.space(16.0);
    let col = w.content_width() / 3.0;
    let row_top = w.y;
    for (i, p) in ["Thủ quỹ", "Kế toán", "Chủ tịch Hội"].iter().enumerate() {
        w.y = row_top;
        let x = w.margin_left + col * i as f32;
        w.paragraph(p, Font(Style::Bold, 11.0, Align::Center), x, col, 0.0);
        w.paragraph("(Ký, họ tên)", Font(Style::Italic, 10.0, Align::Center), x, col, 0.0);
    }
    w.finish(&format!("Sổ quỹ tiền mặt năm {}", b.year))
}
