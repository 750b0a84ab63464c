//! Every page speaks the officer's language: each HTML page of the route table, opened by every
//! demo role that may open it, shows dates as dd/mm/yyyy, no internal codes (snake_case
//! identifiers, English state or kind names), no file paths (issue 15 §4).

use crate::authz::{Exp, ROWS, USERS, expected, fixture};
use crate::engines::per_engine;
use crate::harness::TestApp;
use crate::workflow::as_user;
use hoctap_store::Engine;
use reqwest::Method;

/// Words of the code base that must never reach a page: states, kinds, roles and Rust values.
const INTERNAL_WORDS: &[&str] = &[
    "draft",
    "submitted",
    "approved",
    "returned",
    "recognised",
    "rejected",
    "withdrawn",
    "revoked",
    "household",
    "households",
    "citizen",
    "citizens",
    "clan",
    "clans",
    "organisation",
    "village",
    "commune",
    "province",
    "district",
    "reviewer",
    "signer",
    "admin",
    "officer",
    "pending",
    "None",
    "Some",
    "null",
    "true",
    "false",
    "NaN",
    "undefined",
    "yes_no",
    "points",
    "levels",
    "threshold",
    "error",
    "Error",
    "panicked",
    "unwrap",
];

/// The page's visible text: scripts, styles and tags removed, the usual entities decoded.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["script", "style"] {
        while let Some(start) = s.find(&format!("<{tag}")) {
            let Some(end) = s[start..].find(&format!("</{tag}>")) else { break };
            s.replace_range(start..start + end + tag.len() + 3, " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ")
}

/// What on a page's visible text is not in the officer's language.
fn foreign(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let b = text.as_bytes();
    // ISO dates: dddd-dd-dd not inside a longer run of digits.
    for i in 0..b.len().saturating_sub(9) {
        let d = |k: usize| b[i + k].is_ascii_digit();
        if d(0) && d(1) && d(2) && d(3) && b[i + 4] == b'-' && d(5) && d(6) && b[i + 7] == b'-' && d(8) && d(9) {
            let before = i == 0 || !b[i - 1].is_ascii_digit();
            let after = i + 10 >= b.len() || !b[i + 10].is_ascii_digit();
            if before && after {
                found.push(format!("ngày ISO {}", &text[i..i + 10]));
            }
        }
    }
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if word.contains('_') && word.chars().any(|c| c.is_ascii_lowercase()) {
            found.push(format!("mã nội bộ {word}"));
        } else if INTERNAL_WORDS.contains(&word) {
            found.push(format!("từ tiếng Anh {word}"));
        }
    }
    for path in ["/tmp/", "/work/", "/home/", "target/debug", ".rs:", "C:\\"] {
        if text.contains(path) {
            found.push(format!("đường dẫn tệp {path}"));
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_text_check_finds_what_it_must() {
    assert!(foreign("Ngày 31/12/2026, trạng thái Đã duyệt").is_empty());
    assert_eq!(foreign("hạn 2026-12-31"), vec!["ngày ISO 2026-12-31"]);
    assert_eq!(foreign("biến nguoi_lon_cdht"), vec!["mã nội bộ nguoi_lon_cdht"]);
    assert_eq!(foreign("trạng thái: submitted"), vec!["từ tiếng Anh submitted"]);
    assert!(foreign("mã 2026123112").is_empty(), "a long number is not a date");
    assert_eq!(visible_text("<p title=\"2026-01-01\">a&amp;b</p><script>let x = '2026-01-01'</script>"), " a&b  ");
}

/// File downloads and machine formats: not pages.
fn is_page(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    !path.starts_with("/api/") && !path.starts_with("/static/") && !last.contains('.') && !matches!(last, "tep" | "file")
}

per_engine!(every_page_shows_vietnamese_dates_and_no_internal_codes_or_paths, flavor = "multi_thread", worker_threads = 2);
async fn every_page_shows_vietnamese_dates_and_no_internal_codes_or_paths(engine: Engine) {
    let app = TestApp::start(engine).await;
    let fx = fixture(&app).await;
    let mut wrong = Vec::new();
    let mut seen = 0;
    for u in USERS.iter().filter(|u| u.name != "xa.khac") {
        let session = as_user(&app, u.name).await;
        for r in ROWS.iter().filter(|r| r.method == Method::GET && is_page(r.path)) {
            let (path, level) = fx.fill(r, true);
            if expected(r.who, Some(u), level, true) != Exp::Open {
                continue;
            }
            let res = session.client.get(app.url(&path)).send().await.unwrap();
            let html = res.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
            if !res.status().is_success() || !html {
                continue;
            }
            seen += 1;
            let problems = foreign(&visible_text(&res.text().await.unwrap()));
            if !problems.is_empty() {
                wrong.push(format!("{path} ({}): {}", u.name, problems.join(", ")));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(seen > 150, "{engine:?}: only {seen} pages opened");
    assert!(wrong.is_empty(), "{engine:?}: {} pages of {seen} show what an officer should not read:\n{}", wrong.len(), wrong.join("\n"));
}
