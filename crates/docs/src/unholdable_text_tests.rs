//! Whatever text the writers are given (control characters, U+FFFE/U+FFFF, any Unicode),
//! every DOCX, XLSX and PDF that shows it still parses: each XML part is well-formed and holds
//! only characters XML can hold, workbooks read back, PDFs keep their cross-reference table.

use crate::decision_docx::{DecisionDoc, decision_docx, docx_text};
use crate::official_pdf::{
    CertificateDoc, MembershipCardDoc, RewardCertificateDoc, certificate_pdf, decision_pdf, membership_card_pdf, reward_certificate_pdf,
};
use crate::registry_xlsx::{Table, tables_xlsx, template};
use crate::report_doc::{ReportDoc, ReportSection, ReportTable, report_docx, report_pdf};
use hoctap_domain::registry::def::REGISTRIES;
use hoctap_domain::text::xml_char;
use proptest::prelude::*;
use std::io::Read;

/// Every `.xml`/`.rels` part of an OOXML package: well-formed, only XML characters, no
/// character reference to one XML cannot hold.
fn check_package(bytes: &[u8]) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = part.name().map_err(|e| e.to_string())?.to_string();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut xml = String::new();
        part.read_to_string(&mut xml).map_err(|e| format!("{name}: {e}"))?;
        if let Some(c) = xml.chars().find(|c| !xml_char(*c)) {
            return Err(format!("{name}: U+{:04X}", u32::from(c)));
        }
        for reference in xml.split("&#").skip(1) {
            let Some((num, _)) = reference.split_once(';') else { return Err(format!("{name}: unterminated reference")) };
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => num.parse(),
            }
            .map_err(|e| format!("{name}: &#{num}; {e}"))?;
            if !char::from_u32(code).is_some_and(xml_char) {
                return Err(format!("{name}: &#{num};"));
            }
        }
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => return Err(format!("{name}: {e}")),
            }
        }
    }
    Ok(())
}

/// A PDF whose header, trailer and every cross-reference entry are where they say, and that
/// poppler's pdftotext (installed by .ci/run) reads without a complaint.
fn check_pdf(bytes: &[u8]) -> Result<(), String> {
    check_pdf_structure(bytes)?;
    let path = std::env::temp_dir().join(format!(
        "hoctap-unholdable-{}-{:x}.pdf",
        std::process::id(),
        bytes.len() ^ bytes.iter().map(|b| usize::from(*b)).sum::<usize>()
    ));
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output();
    let _ = std::fs::remove_file(&path);
    let out = out.map_err(|e| format!("pdftotext (apt poppler-utils) is needed: {e}"))?;
    let complaints = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || complaints.contains("Error") {
        return Err(format!("pdftotext: {complaints}"));
    }
    Ok(())
}

fn check_pdf_structure(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(b"%PDF-") || !bytes.trim_ascii_end().ends_with(b"%%EOF") {
        return Err("header or %%EOF missing".into());
    }
    // Offsets are in bytes: read the ASCII tail only, never a lossy copy of the whole file.
    let at = bytes.windows(9).rposition(|w| w == b"startxref").ok_or("startxref")?;
    let tail = String::from_utf8_lossy(bytes.get(at + 9..).unwrap_or_default());
    let start: usize = tail.split_whitespace().next().and_then(|n| n.parse().ok()).ok_or("startxref offset")?;
    let xref = String::from_utf8_lossy(bytes.get(start..at).ok_or("startxref beyond the end")?).into_owned();
    if !xref.starts_with("xref") {
        return Err("no xref table at startxref".into());
    }
    let mut lines = xref.lines().skip(1);
    let (_, count) = lines.next().and_then(|l| l.split_once(' ')).ok_or("xref subsection")?;
    let count: usize = count.trim().parse().map_err(|_| "xref count")?;
    for (n, line) in lines.take(count).enumerate().skip(1) {
        let offset: usize = line.get(..10).and_then(|o| o.parse().ok()).ok_or(format!("xref entry {n}"))?;
        if !bytes.get(offset..).is_some_and(|b| b.starts_with(format!("{n} 0 obj").as_bytes())) {
            return Err(format!("object {n} not at {offset}"));
        }
    }
    Ok(())
}

/// Every sheet of a workbook, read by calamine as an upload would be.
fn read_back(bytes: &[u8]) -> Result<(), String> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    for name in wb.sheet_names() {
        wb.worksheet_range(&name).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn date() -> jiff::civil::Date {
    jiff::civil::date(2026, 3, 31)
}

fn decision(s: &str) -> DecisionDoc {
    DecisionDoc {
        authority_lines: vec![s.into(), format!("PHƯỜNG {s}")],
        number: s.into(),
        place: s.into(),
        date: date(),
        summary: s.into(),
        issuer_position: s.into(),
        legal_basis: vec![s.into()],
        proposal: s.into(),
        articles: vec![format!("Điều 1. {s}")],
        recipients: vec![s.into()],
        signer_title: s.into(),
        signer_name: s.into(),
        annex_title: s.into(),
        annex_header: vec!["STT".into(), s.into()],
        annex_rows: vec![vec!["1".into(), s.into()]],
    }
}

fn report(s: &str) -> ReportDoc {
    ReportDoc {
        authority_lines: vec![s.into()],
        number: s.into(),
        place: s.into(),
        date: date(),
        summary: s.into(),
        sections: vec![ReportSection {
            heading: s.into(),
            paragraphs: vec![s.into(), format!("{s}\n{s}")],
            tables: vec![ReportTable { caption: s.into(), header: vec!["STT".into(), s.into()], rows: vec![vec!["1".into(), s.into()]] }],
        }],
        recipients: vec![s.into()],
        signer_title: s.into(),
        signer_name: s.into(),
    }
}

/// Every writer, given `s` in each narrative and name it prints.
fn all_files_hold(s: &str) -> Result<(), String> {
    let d = decision(s);
    let docx = decision_docx(&d)?;
    check_package(&docx).map_err(|e| format!("decision DOCX: {e}"))?;
    docx_text(&docx)?;
    check_package(&report_docx(&report(s))?).map_err(|e| format!("report DOCX: {e}"))?;
    check_pdf(&decision_pdf(&d)?).map_err(|e| format!("decision PDF: {e}"))?;
    check_pdf(&report_pdf(&report(s))?).map_err(|e| format!("report PDF: {e}"))?;
    let cert = CertificateDoc {
        authority_lines: vec![s.into()],
        title: s.into(),
        year: 2026,
        subject_name: s.into(),
        subject_place: s.into(),
        level: s.into(),
        decision: s.into(),
        place_and_date: s.into(),
        signer_title: s.into(),
        signer_name: s.into(),
        valid_until: s.into(),
        code: "GDHT-2026-000001".into(),
        verify_url: "https://hoctap.example/xac-minh/GDHT-2026-000001".into(),
    };
    check_pdf(&certificate_pdf(&cert)?).map_err(|e| format!("certificate PDF: {e}"))?;
    let reward = RewardCertificateDoc {
        authority_lines: vec![s.into()],
        granted_by: s.into(),
        form_title: s.into(),
        recipient: s.into(),
        recipient_place: s.into(),
        achievement: s.into(),
        decision: s.into(),
        place_and_date: s.into(),
        signer_title: s.into(),
        signer_name: s.into(),
        code: s.into(),
    };
    check_pdf(&reward_certificate_pdf(&reward)?).map_err(|e| format!("reward PDF: {e}"))?;
    let card = MembershipCardDoc {
        association: s.into(),
        branch_name: s.into(),
        full_name: s.into(),
        joined_on: s.into(),
        issued_on: s.into(),
        code: s.into(),
        verify_url: "https://hoctap.example/the-hoi-vien/HV-000001".into(),
    };
    check_pdf(&membership_card_pdf(&card)?).map_err(|e| format!("membership card PDF: {e}"))?;
    for reg in REGISTRIES {
        let row: Vec<String> = reg.fields.iter().map(|_| s.to_string()).collect();
        let xlsx = template(reg, s, &[row]).map_err(|e| e.to_string())?;
        check_package(&xlsx).map_err(|e| format!("{} XLSX: {e}", reg.slug))?;
        read_back(&xlsx).map_err(|e| format!("{} XLSX read back: {e}", reg.slug))?;
    }
    let tables = tables_xlsx(&[Table { sheet: s.into(), header: vec![s.into()], rows: vec![vec![s.into(), "12".into()]] }])
        .map_err(|e| e.to_string())?;
    check_package(&tables).map_err(|e| format!("tables XLSX: {e}"))?;
    read_back(&tables).map_err(|e| format!("tables XLSX read back: {e}"))?;
    Ok(())
}

#[test]
fn control_characters_and_nonchars_never_reach_a_file() {
    let nasty = "Nguyễn\u{0}Văn\u{1}A\u{8}\u{B}\u{C}\u{1F}\u{7F}\u{85}\u{FFFE}\u{FFFF}\u{FDD0}\u{1FFFF} & <b> \"'\r\n\t]]>";
    all_files_hold(nasty).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Arbitrary Unicode (any scalar value, control characters included) in every narrative
    /// and name.
    #[test]
    fn any_unicode_keeps_every_file_parseable(s in proptest::collection::vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect::<String>())) {
        prop_assert_eq!(all_files_hold(&s), Ok(()));
    }
}

/// The checker itself: a package with a control character, U+FFFF or a reference to one is
/// refused (so the tests above could fail).
#[test]
fn the_checker_refuses_what_word_refuses() {
    use std::io::Write;
    let package = |xml: &str| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap_or_default();
        zip.write_all(xml.as_bytes()).unwrap_or_default();
        zip.finish().map(std::io::Cursor::into_inner).unwrap_or_default()
    };
    assert_eq!(check_package(&package("<w:t>Thái Bình &#xA;</w:t>")), Ok(()));
    for bad in ["<w:t>a\u{1}b</w:t>", "<w:t>a\u{FFFF}</w:t>", "<w:t>a&#x1;</w:t>", "<w:t>a&#65535;</w:t>", "<w:t>a</w:p>"] {
        assert!(check_package(&package(bad)).is_err(), "{bad:?}");
    }
    assert!(check_pdf(b"%PDF-1.7\nnot a pdf\n%%EOF").is_err());
}
