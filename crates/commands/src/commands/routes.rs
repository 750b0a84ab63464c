//! `hoctap routes`: every route the server answers (method and path pattern), from the one
//! route table the router is built from. For operators (reverse-proxy rules, monitoring) and for
//! the browser tests, which check that their crawl reached every page.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Một mảng JSON `[{"method": "GET", "path": "/so/{slug}"}, …]` thay cho mỗi dòng một tuyến.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args, web: crate::Web) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let routes = (web.route_table)();
    if a.json {
        let list: Vec<serde_json::Value> = routes.iter().map(|(m, p)| serde_json::json!({"method": m.as_str(), "path": p})).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for (m, p) in routes {
            println!("{m} {p}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
