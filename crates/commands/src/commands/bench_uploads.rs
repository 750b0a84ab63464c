//! `hoctap bench uploads`: three 20 MB uploads checked at once by the registry import page
//! (a valid workbook of 1,048,576 rows, then hostile ones), while `/healthz` is asked every
//! 10 ms: its latency (p50/p99) and the server's peak memory (VmHWM). The files are built
//! here, and the integration tests build theirs with the same functions.

use super::bench_common::{Server, login, percentile_ms, proc_status_kb, serve};
use hoctap_docs::guard::minimal_workbook;
use hoctap_store::Store;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Dòng dữ liệu của tệp hợp lệ (cộng dòng tiêu đề: 1.048.576 dòng là giới hạn của Excel).
    #[arg(long, default_value_t = 1_048_575)]
    pub rows: usize,
    /// Số tệp tải lên cùng lúc.
    #[arg(long, default_value_t = 3)]
    pub concurrent: usize,
    /// Cỡ mỗi tệp độc hại sau khi độn thêm (MB).
    #[arg(long, default_value_t = 20)]
    pub size_mb: usize,
    #[arg(long, default_value = "sqlite:///tmp/hoctap-bench-uploads.db")]
    pub database_url: String,
}

/// The hostile files of the malicious-upload tests: each is small (or padded), and each made
/// a reader allocate far more than the server has before uploads were bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// The sheet declares the whole grid (A1:XFD1048576), with cells in both corners.
    HugeDimension,
    /// No declared range, but one cell in the last row and column.
    FarCell,
    /// Shared strings announcing 2^40 entries (a reader reserves them all at once).
    SharedStringCount,
    /// Five million real shared strings.
    ManySharedStrings,
    /// 300,000 cell formats.
    ManyStyles,
    /// 10,000 sheets.
    ManySheets,
    /// A shared-strings part that declares 1 KB and inflates to 200 MB.
    LyingZip,
}

impl Hostile {
    pub const ALL: [Hostile; 7] = [
        Hostile::HugeDimension,
        Hostile::FarCell,
        Hostile::SharedStringCount,
        Hostile::ManySharedStrings,
        Hostile::ManyStyles,
        Hostile::ManySheets,
        Hostile::LyingZip,
    ];

    /// The file, with an incompressible part of `pad` bytes added (0: none).
    pub fn file(self, pad: usize) -> Vec<u8> {
        let header =
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Số CCCD</t></is></c><c r="B1" t="inlineStr"><is><t>Họ và tên</t></is></c></row>"#;
        let padding = noise(pad);
        let mut parts: Vec<(&str, Vec<u8>)> = Vec::new();
        if pad > 0 {
            parts.push(("xl/media/image1.png", padding));
        }
        let sheet = match self {
            Hostile::HugeDimension => format!(
                r#"<dimension ref="A1:XFD1048576"/><sheetData>{header}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#
            ),
            Hostile::FarCell => format!(r#"<sheetData>{header}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#),
            _ => format!(r#"<sheetData>{header}</sheetData>"#),
        };
        match self {
            Hostile::SharedStringCount => parts.push((
                "xl/sharedStrings.xml",
                br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1099511627776"><si><t>x</t></si></sst>"#.to_vec(),
            )),
            Hostile::ManySharedStrings => parts.push(("xl/sharedStrings.xml", repeated(b"<sst>", b"<si><t>x</t></si>", 5_000_000, b"</sst>"))),
            Hostile::ManyStyles => parts.push((
                "xl/styles.xml",
                repeated(b"<styleSheet><cellXfs>", br#"<xf numFmtId="0" fontId="0"/>"#, 300_000, b"</cellXfs></styleSheet>"),
            )),
            Hostile::ManySheets => {
                let mut wb = br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#.to_vec();
                for i in 1..=10_000 {
                    wb.extend_from_slice(format!(r#"<sheet name="S{i}" sheetId="{i}" r:id="rId1"/>"#).as_bytes());
                }
                wb.extend_from_slice(b"</sheets></workbook>");
                parts.push(("xl/workbook.xml", wb));
            }
            Hostile::LyingZip => {
                parts.push(("xl/sharedStrings.xml", repeated(b"<sst>", b"<si><t>x</t></si>", 200 * 1024 * 1024 / 17, b"</sst>")));
            }
            Hostile::HugeDimension | Hostile::FarCell => {}
        }
        let borrowed: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let bytes = minimal_workbook(&sheet, &borrowed);
        if self == Hostile::LyingZip { lie_about_part(bytes, "xl/sharedStrings.xml", 1024) } else { bytes }
    }

    /// What the check must answer (a part of the Vietnamese message).
    pub fn refusal(self) -> &'static str {
        match self {
            Hostile::HugeDimension => "vùng dữ liệu A1:XFD1048576",
            Hostile::FarCell => "không có dòng dữ liệu",
            Hostile::SharedStringCount | Hostile::ManySharedStrings => "chuỗi văn bản dùng chung",
            Hostile::ManyStyles => "định dạng ô",
            Hostile::ManySheets => "trang tính",
            Hostile::LyingZip => "khai báo 1024 byte",
        }
    }
}

fn repeated(head: &[u8], item: &[u8], n: usize, tail: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + item.len() * n + tail.len());
    out.extend_from_slice(head);
    for _ in 0..n {
        out.extend_from_slice(item);
    }
    out.extend_from_slice(tail);
    out
}

/// Bytes that do not compress (xorshift), to pad a file to an upload's full size.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Rewrites the uncompressed size one part declares, in its local header and in the central
/// directory, as a hostile tool would.
pub fn lie_about_part(mut bytes: Vec<u8>, part: &str, size: u32) -> Vec<u8> {
    let name = part.as_bytes();
    let mut i = 0;
    while i + 46 <= bytes.len() {
        let (sig, at, name_at) = match bytes.get(i..i + 4) {
            Some(b"PK\x03\x04") => (true, i + 22, i + 30),
            Some(b"PK\x01\x02") => (true, i + 24, i + 46),
            _ => (false, 0, 0),
        };
        if sig
            && bytes.get(name_at..name_at + name.len()) == Some(name)
            && let Some(s) = bytes.get_mut(at..at + 4)
        {
            s.copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
    bytes
}

/// A valid citizens workbook of `rows` data rows in one village (the benchmark's citizens),
/// as Excel keeps one that was typed in: the five required columns, the CCCD a number (its
/// leading zero lost, restored by the import and said so), text in shared strings, the birth
/// date an Excel serial number. Written part by part, cells placed by their order in the row
/// (their `r` is optional), so 1,048,575 rows fit in an upload.
pub fn valid_citizens_xlsx(rows: usize, village: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    use std::fmt::Write;
    let mut strings: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut shared = |s: &str| -> usize {
        *index.entry(s.to_string()).or_insert_with(|| {
            strings.push(s.to_string());
            strings.len() - 1
        })
    };
    let excel_epoch = jiff::civil::date(1899, 12, 30);
    let mut sheet = String::with_capacity(rows * 130);
    sheet.push_str(&format!(r#"<dimension ref="A1:E{}"/><sheetData><row r="1">"#, rows + 1));
    for (col, h) in ["A", "B", "C", "D", "E"].into_iter().zip(["Số CCCD", "Họ và tên", "Ngày sinh", "Giới tính", "Mã thôn"]) {
        write!(sheet, r#"<c r="{col}1" t="s"><v>{}</v></c>"#, shared(h))?;
    }
    sheet.push_str("</row>");
    for i in 0..rows {
        let r = i + 2;
        let [cccd, name, birth, sex, ..] = super::bench_common::citizen_row(i, village);
        let serial = hoctap_domain::date::parse_date(&birth)?.since(excel_epoch)?.get_days();
        write!(
            sheet,
            r#"<row r="{r}"><c><v>{}</v></c><c t="s"><v>{}</v></c><c><v>{serial}</v></c><c t="s"><v>{}</v></c><c t="s"><v>{}</v></c></row>"#,
            cccd.trim_start_matches('0'),
            shared(&name),
            shared(&sex),
            shared(village)
        )?;
    }
    sheet.push_str("</sheetData>");
    let mut sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#,
        strings.len()
    );
    for s in &strings {
        write!(sst, "<si><t>{s}</t></si>")?;
    }
    sst.push_str("</sst>");
    Ok(minimal_workbook(&sheet, &[("xl/sharedStrings.xml", sst.as_bytes())]))
}

fn vm_hwm_mb(pid: u32) -> u64 {
    proc_status_kb(pid, "VmHWM:") / 1024
}

/// One server process per scenario, so each peak is its own. With `apply`, the first checked
/// file is then written from the page by its reference, and timed.
async fn scenario(database_url: &str, name: &str, files: Vec<Vec<u8>>, apply: bool) -> Result<(), Box<dyn std::error::Error>> {
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let Server { child, base } = serve(&client, database_url, &[]).await?;
    let csrf = login(&client, &base, "xa.canbo").await?;
    let idle = vm_hwm_mb(child.id());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let health = {
        let (stop, url) = (stop.clone(), format!("{base}/healthz"));
        let client = reqwest::Client::new();
        tokio::spawn(async move {
            let mut times = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                if let Ok(r) = client.get(&url).send().await {
                    let _ = r.bytes().await;
                }
                times.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            times
        })
    };
    let sizes: Vec<usize> = files.iter().map(Vec::len).collect();
    let started = Instant::now();
    let mut uploads = Vec::new();
    for (i, bytes) in files.into_iter().enumerate() {
        let (client, csrf, url) = (client.clone(), csrf.clone(), format!("{base}/so/cong-dan/nhap"));
        uploads.push(tokio::spawn(async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name(format!("tep-{i}.xlsx")));
            let t = Instant::now();
            let (status, page) = match client.post(&url).multipart(form).send().await {
                Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                Err(_) => (0, String::new()),
            };
            (status, t.elapsed(), page)
        }));
    }
    let mut results = Vec::new();
    for u in uploads {
        results.push(u.await?);
    }
    let wall = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut times = health.await?;
    let peak = vm_hwm_mb(child.id());
    let mut applied = String::new();
    if apply && let Some(sha) = results.first().and_then(|r| r.2.split("name=\"tep\" value=\"").nth(1)).and_then(|s| s.split('"').next()) {
        let t = Instant::now();
        let res = client.post(format!("{base}/so/cong-dan/nhap/ap-dung")).form(&[("tep", sha), ("csrf", &csrf)]).send().await?;
        let status = res.status().as_u16();
        let page = res.text().await?;
        let said = page.split("id=\"ket-qua\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_string();
        applied = format!(
            "; applied from the page in {:.1} s ({status}: {said}), VmHWM then {} MB",
            t.elapsed().as_secs_f64(),
            vm_hwm_mb(child.id())
        );
    }
    drop(child);
    println!(
        "{name}: {} uploads of {} MB at once in {:.1} s (statuses {:?}, each {:?} s); /healthz n={} p50={:.1} ms p99={:.1} ms max={:.1} ms; server VmHWM {} MB (idle {} MB){applied}",
        sizes.len(),
        sizes.iter().map(|s| s / (1024 * 1024)).max().unwrap_or(0),
        wall.as_secs_f64(),
        results.iter().map(|r| r.0).collect::<Vec<_>>(),
        results.iter().map(|r| (r.1.as_secs_f64() * 10.0).round() / 10.0).collect::<Vec<_>>(),
        times.len(),
        percentile_ms(&mut times, 0.5),
        percentile_ms(&mut times, 0.99),
        percentile_ms(&mut times, 1.0),
        peak,
        idle
    );
    Ok(())
}

pub async fn run(a: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let Some(path) = a.database_url.strip_prefix("sqlite://") {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{s}"));
        }
    }
    let store = Store::connect(&a.database_url).await?;
    store.migrate().await?;
    let (_, commune) = super::demo::seed(&store).await?;
    let village = store.villages(commune, hoctap_store::today()).await?.first().map(|v| v.code.clone()).ok_or("xã mẫu không có thôn")?;
    store.close().await;
    let t = Instant::now();
    let valid = valid_citizens_xlsx(a.rows, &village)?;
    println!(
        "valid workbook: {} rows + header, {:.1} MB, written in {:.1} s",
        a.rows,
        valid.len() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    let n = a.concurrent.max(1);
    scenario(&a.database_url, "valid", vec![valid; n], true).await?;
    for h in Hostile::ALL {
        let file = h.file(a.size_mb * 1024 * 1024);
        scenario(&a.database_url, &format!("{h:?}"), vec![file; n], false).await?;
    }
    Ok(ExitCode::SUCCESS)
}
