//! Bounds on an Office file (XLSX, DOCX) checked before any reader allocates for it. A
//! reader trusts what the archive says: the sizes in its central directory, the number of
//! shared strings announced in `uniqueCount` (calamine reserves that many at once), the
//! styles and sheets it lists. A file of a few kilobytes can say anything, so each part is
//! inflated here for real, in constant memory, and what it holds is counted: a part that
//! inflates to more than its declared size, or to more than a reader may hold, is refused
//! before the reader opens the file.

use crate::tabular::TableError;
use std::io::{Read, Seek};

/// What an Office file may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Parts (files) in the archive.
    pub max_parts: usize,
    /// Real inflated size of all parts together.
    pub max_inflated: u64,
    /// Real inflated size of one part a reader holds in memory (everything but worksheets,
    /// which are streamed).
    pub max_part: u64,
    /// Largest compression ratio of a part over 10 MB.
    pub max_ratio: u64,
    /// Sheets listed in the workbook.
    pub max_sheets: u64,
    /// Shared strings, announced or real.
    pub max_shared_strings: u64,
    /// Style records (cell formats, fonts, fills, borders, number formats).
    pub max_styles: u64,
    /// Inflate worksheets too (uploads). Files given at the command line are the operator's
    /// own: their worksheets are streamed and only their declared sizes are checked.
    pub inflate_worksheets: bool,
}

/// Limits for a file uploaded through the web or the API (at most 20 MB packed).
pub const UPLOAD: Limits = Limits {
    max_parts: 2_000,
    max_inflated: 600 * MB,
    max_part: 96 * MB,
    max_ratio: 250,
    max_sheets: 255,
    max_shared_strings: 3_000_000,
    max_styles: 200_000,
    inflate_worksheets: true,
};

/// Limits for a file given at the command line (`hoctap import`): any size of worksheet.
pub const LOCAL: Limits = Limits { max_inflated: 64 * 1024 * MB, inflate_worksheets: false, ..UPLOAD };

const MB: u64 = 1024 * 1024;

/// What a part of the archive is to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Worksheet,
    SharedStrings,
    Styles,
    Workbook,
    Other,
}

fn kind_of(name: &str) -> PartKind {
    let lower = name.to_ascii_lowercase();
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    match file {
        "sharedstrings.xml" => PartKind::SharedStrings,
        "styles.xml" => PartKind::Styles,
        "workbook.xml" => PartKind::Workbook,
        f if lower.contains("worksheets/") && f.starts_with("sheet") && f.ends_with(".xml") => PartKind::Worksheet,
        _ => PartKind::Other,
    }
}

fn bad(e: impl std::fmt::Display) -> TableError {
    TableError::BadXlsx(e.to_string())
}

/// Checks an Office file against `limits`. Returns the number of parts checked.
pub fn check_office_zip<R: Read + Seek>(reader: R, limits: &Limits) -> Result<usize, TableError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(bad)?;
    if zip.len() > limits.max_parts {
        return Err(TableError::TooManyParts(zip.len()));
    }
    // First what the central directory declares: cheap, and enough for most bombs.
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(bad)?;
        let name = part.name().map_err(bad)?.into_owned();
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        declared_total = declared_total.saturating_add(size);
        if declared_total > limits.max_inflated || (size > 10 * MB && size / packed > limits.max_ratio) {
            return Err(TableError::ZipBomb(declared_total / MB));
        }
        if kind_of(&name) != PartKind::Worksheet && size > limits.max_part {
            return Err(TableError::PartTooLarge { part: name, mb: size / MB });
        }
    }
    // Then what each part really holds.
    let mut real_total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(bad)?;
        let name = part.name().map_err(bad)?.into_owned();
        let kind = kind_of(&name);
        if part.is_dir() || (kind == PartKind::Worksheet && !limits.inflate_worksheets) {
            continue;
        }
        if part.encrypted() {
            return Err(bad(format!("phần {name} được mã hóa")));
        }
        let declared = part.size();
        let packed = part.compressed_size();
        // Elements a reader would hold one record for (by local name: `x:si` counts too).
        let elements: &[&str] = match kind {
            PartKind::SharedStrings => &["si"],
            PartKind::Styles => &["xf", "font", "fill", "border", "numFmt", "dxf"],
            PartKind::Workbook => &["sheet"],
            _ => &[],
        };
        let method = part.compression();
        // Read one byte more than declared: a part that has it lied about its size.
        let scan = match method {
            zip::CompressionMethod::Stored => scan(part.take(declared.saturating_add(1)), elements),
            zip::CompressionMethod::Deflated => scan(flate2::read::DeflateDecoder::new(part).take(declared.saturating_add(1)), elements),
            other => return Err(bad(format!("phần {name} nén theo cách không dùng trong tệp Office ({other:?})"))),
        }
        .map_err(|e| bad(format!("phần {name}: {e}")))?;
        if scan.size != declared {
            return Err(TableError::ZipLies { part: name, declared, real: scan.size });
        }
        if let Some(reason) = scan.malformed {
            return Err(bad(format!("phần {name}: {reason}")));
        }
        real_total = real_total.saturating_add(scan.size);
        if real_total > limits.max_inflated || (scan.size > 10 * MB && scan.size / packed.max(1) > limits.max_ratio) {
            return Err(TableError::ZipBomb(real_total / MB));
        }
        let counted = scan.elements;
        match kind {
            PartKind::SharedStrings => {
                let announced = scan.announced;
                if counted > limits.max_shared_strings || announced > limits.max_shared_strings {
                    return Err(TableError::TooManySharedStrings(counted.max(announced)));
                }
            }
            PartKind::Styles if counted > limits.max_styles => return Err(TableError::TooManyStyles(counted)),
            PartKind::Workbook if counted > limits.max_sheets => return Err(TableError::TooManySheets(counted)),
            _ => {}
        }
    }
    Ok(zip.len())
}

/// What a part holds: its real size, the elements counted, and the largest count its root
/// element announces (`uniqueCount`, `count`).
struct Scan {
    size: u64,
    elements: u64,
    announced: u64,
    /// Why the part is not well-formed XML (said only if its size is what it declares).
    malformed: Option<String>,
}

/// Counts bytes as they are read.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Reads a part to its end, counting the `elements` in it when it is XML (an XML reader in
/// constant memory; a part with nothing to count is only inflated).
fn scan(r: impl Read, elements: &[&str]) -> std::io::Result<Scan> {
    use quick_xml::events::Event;
    let mut counted = Counted { inner: r, n: 0 };
    let mut out = Scan { size: 0, elements: 0, announced: 0, malformed: None };
    if elements.is_empty() {
        std::io::copy(&mut counted, &mut std::io::sink())?;
        out.size = counted.n;
        return Ok(out);
    }
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::with_capacity(64 * 1024, &mut counted));
    let mut buf = Vec::with_capacity(1024);
    let mut root = true;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if root {
                    root = false;
                    for a in e.attributes().flatten() {
                        if matches!(a.key.local_name().as_ref(), "uniqueCount" | "count") {
                            // A number too long for u64 is as bad as the largest one.
                            let n = a.value.trim().parse::<u64>().unwrap_or(u64::MAX);
                            out.announced = out.announced.max(n);
                        }
                    }
                }
                if elements.contains(&e.local_name().as_ref()) {
                    out.elements += 1;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(quick_xml::Error::Io(e)) => return Err(std::io::Error::new(e.kind(), e.to_string())),
            Err(e) => {
                out.malformed = Some(e.to_string());
                break;
            }
        }
    }
    // Whatever follows the XML is read too: the size is the part's, not the document's.
    drop(xml);
    std::io::copy(&mut counted, &mut std::io::sink())?;
    out.size = counted.n;
    Ok(out)
}

/// A minimal workbook around one sheet's XML (`<sheetData>` and what precedes it), with
/// other parts added or replaced by name. For tests and the upload bench, which build
/// hostile files from it: what a hand-written part declares is exactly what a reader sees.
pub fn minimal_workbook(sheet: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let base: Vec<(&str, Vec<u8>)> = vec![
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).into_bytes(),
        ),
        (
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook {ns}><sheets><sheet name="Du lieu" sheetId="1" r:id="rId1"/></sheets></workbook>"#).into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).into_bytes(),
        ),
        ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}>{sheet}</worksheet>"#).into_bytes()),
    ];
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in &base {
            let body = parts.iter().find(|(n, _)| n == name).map_or(body.as_slice(), |(_, b)| *b);
            let _ = z.start_file(*name, opts);
            let _ = z.write_all(body);
        }
        for (name, body) in parts.iter().filter(|(n, _)| !base.iter().any(|(b, _)| b == n)) {
            let _ = z.start_file(*name, opts);
            let _ = z.write_all(body);
        }
        let _ = z.finish();
    }
    buf.into_inner()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// An archive from (name, content, declared size or None for the real one).
    pub(crate) fn archive(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (name, body) in parts {
                let _ = z.start_file(*name, opts);
                let _ = z.write_all(body);
            }
            let _ = z.finish();
        }
        buf.into_inner()
    }

    /// Rewrites the uncompressed size of every entry in both the local headers and the
    /// central directory, as a hostile tool would.
    pub(crate) fn lie_about_sizes(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
        let put = |b: &mut Vec<u8>, at: usize| {
            if let Some(s) = b.get_mut(at..at + 4) {
                s.copy_from_slice(&size.to_le_bytes());
            }
        };
        let mut i = 0;
        while i + 4 <= bytes.len() {
            match bytes.get(i..i + 4) {
                Some(b"PK\x03\x04") => put(&mut bytes, i + 22),
                Some(b"PK\x01\x02") => put(&mut bytes, i + 24),
                _ => {}
            }
            i += 1;
        }
        bytes
    }

    #[test]
    fn elements_are_counted_by_local_name_and_announced_counts_read() {
        let mut body = br#"<x:sst xmlns:x="m" count="10" uniqueCount="99999999999999999999999">"#.to_vec();
        for _ in 0..50_000 {
            body.extend_from_slice(b"<x:si><x:t>x</x:t></x:si>");
        }
        body.extend_from_slice(b"</x:sst>");
        let s = scan(Cursor::new(&body), &["si"]).unwrap_or(Scan { size: 0, elements: 0, announced: 0, malformed: None });
        assert_eq!((s.size, s.elements, s.announced), (body.len() as u64, 50_000, u64::MAX));
    }

    #[test]
    fn a_part_that_inflates_beyond_its_declared_size_is_refused() {
        let big = vec![b'a'; 200_000];
        let honest = archive(&[("xl/sharedStrings.xml", &big)]);
        assert_eq!(check_office_zip(Cursor::new(&honest), &UPLOAD), Ok(1));
        let lying = lie_about_sizes(honest, 100);
        assert!(
            matches!(check_office_zip(Cursor::new(&lying), &UPLOAD), Err(TableError::ZipLies { declared: 100, real: 101, .. })),
            "{:?}",
            check_office_zip(Cursor::new(&lying), &UPLOAD)
        );
    }

    #[test]
    fn shared_strings_styles_and_sheets_are_counted() {
        let sst = br#"<sst uniqueCount="4000000000"><si><t>a</t></si></sst>"#;
        assert_eq!(
            check_office_zip(Cursor::new(archive(&[("xl/sharedStrings.xml", sst)])), &UPLOAD),
            Err(TableError::TooManySharedStrings(4_000_000_000))
        );
        let mut styles = b"<styleSheet><cellXfs>".to_vec();
        for _ in 0..200_001 {
            styles.extend_from_slice(b"<xf numFmtId=\"0\"/>");
        }
        assert_eq!(check_office_zip(Cursor::new(archive(&[("xl/styles.xml", &styles)])), &UPLOAD), Err(TableError::TooManyStyles(200_001)));
        let mut wb = b"<workbook><sheets>".to_vec();
        for i in 0..300 {
            wb.extend_from_slice(format!("<sheet name=\"S{i}\" sheetId=\"{i}\" r:id=\"rId{i}\"/>").as_bytes());
        }
        assert_eq!(check_office_zip(Cursor::new(archive(&[("xl/workbook.xml", &wb)])), &UPLOAD), Err(TableError::TooManySheets(300)));
    }
}
