//! The QR code of a certificate's verification URL: as modules (for the PDF) and as an SVG
//! (for the page, inlined as a `data:` image so the strict CSP holds).

use base64::Engine as _;
use qrcode::{EcLevel, QrCode};

/// The module grid: `width` × `width`, row-major, `true` = dark. Medium error correction.
pub struct Modules {
    pub width: usize,
    pub dark: Vec<bool>,
}

pub fn modules(url: &str) -> Option<Modules> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    Some(Modules {
        width: code.width(),
        dark: code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect(),
    })
}

/// An SVG of the code with a 4-module quiet zone, one path (small, crisp at any size).
pub fn svg(url: &str) -> Option<String> {
    let m = modules(url)?;
    let size = m.width + 8;
    let mut path = String::new();
    for y in 0..m.width {
        for x in 0..m.width {
            if m.dark[y * m.width + x] {
                path.push_str(&format!("M{} {}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

/// The SVG as a `data:` URL for an `<img>`.
pub fn svg_data_url(url: &str) -> Option<String> {
    let svg = svg(url)?;
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}
