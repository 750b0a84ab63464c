//! A QR code as SVG (the recognition page shows the one its certificate prints).

use std::fmt::Write;

/// The QR code of `data` as a standalone SVG, black modules on white with the 4-module quiet zone.
pub fn svg(data: &str) -> Result<String, String> {
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| e.to_string())?;
    let width = code.width();
    let quiet = 4;
    let side = width + 2 * quiet;
    let colours = code.to_colors();
    let mut path = String::new();
    // One rectangle per horizontal run of dark modules.
    for (y, row) in colours.chunks(width).enumerate() {
        let mut x = 0;
        while x < row.len() {
            let run = row.iter().skip(x).take_while(|c| **c == qrcode::Color::Dark).count();
            if run > 0 {
                let _ = write!(path, "M{} {}h{run}v1h-{run}z", x + quiet, y + quiet);
            }
            x += run.max(1);
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_qr_code_is_an_svg_of_dark_modules() {
        let svg = super::svg("https://hoctap.example.vn/xac-minh/ABCDE23456").unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // Version 4 (33 modules) plus the quiet zone; the top-left finder's first row is a run of 7.
        assert!(svg.contains("viewBox=\"0 0 41 41\""), "{svg}");
        assert!(svg.contains("M4 4h7v1h-7z"), "{svg}");
        assert!(svg.matches('z').count() > 100);
    }
}
