//! `hoctap criteria`: list, show, check and try the criteria sets (data in `data/criteria/`).

use hoctap_domain::area::AreaAttribute;
use hoctap_domain::criteria::{Answers, CriteriaSet, check_file, shipped_set, shipped_sets};
use hoctap_domain::date::{format_vn, parse_date};
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Liệt kê các bộ tiêu chí.
    List,
    /// Xem một bộ tiêu chí.
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Kiểm tra một tệp bộ tiêu chí (TOML); in lỗi theo tệp, đường dẫn, lý do.
    Check { file: std::path::PathBuf },
    /// Chấm thử một bộ câu trả lời (JSON).
    Evaluate {
        #[arg(long)]
        set: String,
        #[arg(long)]
        answers: std::path::PathBuf,
        /// Ngày đánh giá (mặc định hôm nay).
        #[arg(long)]
        on: Option<String>,
        /// Thuộc tính địa bàn: mien_nui, dac_biet_kho_khan, dan_toc_thieu_so.
        #[arg(long)]
        area: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn set(id: &str) -> Result<CriteriaSet, Box<dyn std::error::Error>> {
    shipped_set(id).ok_or_else(|| format!("không có bộ tiêu chí \"{id}\"; xem `hoctap criteria list`").into())
}

pub async fn run(c: Cmd) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match c {
        Cmd::List => {
            for s in shipped_sets().map_err(|e| e.to_string())? {
                let to = s.legal_basis.effective_to.map(format_vn).unwrap_or_else(|| "nay".into());
                println!(
                    "{:<14} {:<8} {:<12} {} – {}  {}",
                    s.id,
                    s.version,
                    format!("{:?}", s.subject).to_lowercase(),
                    format_vn(s.legal_basis.effective_from),
                    to,
                    s.title
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Show { id, format } => {
            let s = set(&id)?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                Format::Text => {
                    println!("{} ({}, phiên bản {})\nCăn cứ: {}", s.title, s.id, s.version, s.legal_basis.document);
                    for (c, i) in s.indicators() {
                        println!("  {:<8} {:<8} {:?} {:?}  {}", c.id, i.id, i.kind, i.confidence, i.name);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Check { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let errors = check_file(&file.display().to_string(), &text);
            for e in &errors {
                println!("{e}");
            }
            if errors.is_empty() {
                println!("{}: hợp lệ", file.display());
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::FAILURE)
            }
        }
        Cmd::Evaluate { set: id, answers, on, area, format } => {
            let s = set(&id)?;
            let text = std::fs::read_to_string(&answers).map_err(|e| format!("{}: {e}", answers.display()))?;
            let mut a =
                Answers::from_json_str(&text).map_err(|errs| errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
            for code in &area {
                let attr = AreaAttribute::parse(code).ok_or_else(|| format!("thuộc tính địa bàn không hợp lệ: {code}"))?;
                a = a.with_area(attr);
            }
            let on = match on {
                Some(d) => parse_date(&d)?,
                None => hoctap_store::today(),
            };
            let result = s.evaluate(&a, on)?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
                Format::Text => {
                    println!("{}", result.summary);
                    for item in &result.explanation {
                        println!("  {}", serde_json::to_string(item)?);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
