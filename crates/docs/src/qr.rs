//! A QR code as SVG (the recognition page shows the one its certificate prints).

use std::fmt::Write;

/// The QR code of `data` as a standalone SVG, black modules on white with the 4-module quiet zone.
pub fn svg(data: &str) -> Result<String, String> {
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| e.to_string())?;
    let width = code.width();
    let quiet = 4;
    let side = width + 2 * quiet;
    let mut path = String::new();
    for (i, colour) in code.to_colors().iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            let _ = write!(path, "M{} {}h1v1h-1z", i % width + quiet, i / width + quiet);
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
        // Version 3 (29 modules) plus the quiet zone; three finder patterns at least.
        assert!(svg.contains("viewBox=\"0 0 37 37\""), "{svg}");
        assert!(svg.matches("h1v1h-1z").count() > 3 * 33);
    }
}
