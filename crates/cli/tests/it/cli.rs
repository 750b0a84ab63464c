//! The `hoctap` binary as an operator uses it.

use std::process::Command;

fn hoctap(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hoctap")).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn answers(points: &[(&str, f64)]) -> std::path::PathBuf {
    let map: serde_json::Map<String, serde_json::Value> = points.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect();
    let path = std::env::temp_dir().join(format!("answers-{}.json", hoctap_web::auth::random_token(6)));
    std::fs::write(&path, serde_json::json!({"answers": map}).to_string()).unwrap();
    path
}

const IDS: [&str; 10] = ["NL1.1", "NL1.2", "NL1.3", "NL1.4", "NL2.1", "NL2.2", "NL2.3", "NL2.4", "NL3.1", "NL3.2"];

#[test]
fn criteria_evaluate_decides_at_the_pass_mark_and_honours_the_area() {
    let at = |total_first: f64| -> Vec<(&str, f64)> { IDS.iter().enumerate().map(|(i, id)| (*id, if i == 0 { total_first } else { 8.0 })).collect() };
    let run = |file: &std::path::Path, extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["criteria", "evaluate", "--set", "cdht-congdan", "--answers", file.to_str().unwrap(), "--format", "json", "--on", "2025-12-31"];
        args.extend_from_slice(extra);
        let (ok, out) = hoctap(&args);
        assert!(ok, "{out}");
        serde_json::from_str(&out).unwrap()
    };
    let seventy_nine = answers(&at(7.0));
    let eighty = answers(&at(8.0));
    assert_eq!(run(&seventy_nine, &[])["passed"], false);
    assert_eq!(run(&eighty, &[])["passed"], true);
    assert_eq!(run(&seventy_nine, &["--area", "mien_nui"])["passed"], true);
    let (ok, out) = hoctap(&["criteria", "evaluate", "--set", "khong-co", "--answers", eighty.to_str().unwrap()]);
    assert!(!ok && out.contains("không có bộ tiêu chí"));
}

#[test]
fn criteria_check_reports_file_path_and_reason() {
    let path = std::env::temp_dir().join(format!("bad-{}.toml", hoctap_web::auth::random_token(6)));
    std::fs::write(&path, "id = \"x\"\nversion = 1\n").unwrap();
    let (ok, out) = hoctap(&["criteria", "check", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(out.contains(path.to_str().unwrap()), "{out}");
    let (ok, out) = hoctap(&["criteria", "list"]);
    assert!(ok && out.contains("cdht-xa") && out.contains("dvht-tt24"));
}
