//! What an uploaded evidence file really is, from its bytes (never its name): PDF, JPEG, PNG,
//! DOCX or XLSX.

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "ảnh JPEG",
            Self::Png => "ảnh PNG",
            Self::Docx => "Word",
            Self::Xlsx => "Excel",
        }
    }
}

/// Recognises a file, or says in Vietnamese why it is refused.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, String> {
    if bytes.is_empty() {
        return Err("tệp rỗng".into());
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(format!("tệp lớn {} MB; tối đa 10 MB", bytes.len() / (1024 * 1024)));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(FileKind::Png);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // The archive's real structure, not only what it declares: a proof file is kept and
        // served, and an Office reader that opens it later must not be its victim.
        crate::guard::check_office_zip(std::io::Cursor::new(bytes), &crate::guard::UPLOAD).map_err(|e| e.to_string())?;
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("tệp nén hỏng: {e}"))?;
        let names: Vec<String> = zip.file_names().filter_map(Result::ok).map(|n| n.into_owned()).collect();
        if names.iter().any(|n| n == "word/document.xml") {
            return Ok(FileKind::Docx);
        }
        if names.iter().any(|n| n == "xl/workbook.xml") {
            return Ok(FileKind::Xlsx);
        }
    }
    Err("chỉ nhận PDF, ảnh JPEG, PNG, tệp Word (.docx) hoặc Excel (.xlsx)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_bytes_not_their_names() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Ok(FileKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Ok(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileKind::Jpeg));
        assert!(sniff(b"MZ\x90\x00 this is a program").is_err());
        assert!(sniff(b"").is_err());
        let xlsx = rust_xlsxwriter::Workbook::new().save_to_buffer().unwrap_or_default();
        assert_eq!(sniff(&xlsx), Ok(FileKind::Xlsx));
    }

    #[test]
    fn an_office_file_whose_parts_lie_about_their_size_is_refused() {
        let mut doc = b"<w:document>".to_vec();
        doc.resize(3 * 1024 * 1024, b' ');
        let honest = crate::guard::tests::archive(&[("word/document.xml", &doc)]);
        assert_eq!(sniff(&honest), Ok(FileKind::Docx));
        let lying = crate::guard::tests::lie_about_sizes(honest, 1000);
        assert!(sniff(&lying).is_err_and(|e| e.contains("khai báo 1000 byte")), "{:?}", sniff(&lying));
    }
}
