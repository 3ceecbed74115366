//! The certificate PDF: A4 landscape, drawn with krilla, text shaped with harfrust (Arabic
//! joined and laid out right to left), fonts from the theme's `fonts/` (Noto, OFL) embedded
//! as subsets, and the verification URL as a QR code drawn from its modules.
//!
//! Text is split into runs by script, each drawn with the font that covers it (Latin,
//! Cyrillic and Greek: Noto Sans; Arabic: Noto Sans Arabic; Chinese: Noto Sans SC), with the
//! run's text attached to its glyphs so `pdftotext` and screen readers get the words back.

use std::ops::Range;
use std::sync::Arc;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use waypost_generator::theme::Theme;

use super::verify::{Status, Verified};

const W: f32 = 841.89;
const H: f32 = 595.28;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Arabic,
    Cjk,
}

fn script_of(c: char) -> Option<Script> {
    match c as u32 {
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Some(Script::Arabic),
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF => {
            Some(Script::Cjk)
        }
        _ if c.is_alphabetic() => Some(Script::Latin),
        _ => None,
    }
}

/// One face, read once: for shaping (harfrust, the maintained HarfBuzz port) and for
/// drawing (krilla), over the same bytes.
#[derive(Clone)]
struct Face {
    shaping: harfrust::Font,
    font: Font,
}

impl Face {
    fn new(bytes: &[u8], name: &str) -> Result<Self, String> {
        let data = Arc::new(bytes.to_vec());
        let not_a_font = || format!("theme font {name} is not a font");
        let font = Font::new(krilla::Data::from(data.clone()), 0).ok_or_else(not_a_font)?;
        let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = data;
        let shaping = harfrust::Font::new(shared, 0).ok_or_else(not_a_font)?;
        Ok(Self { shaping, font })
    }
}

/// The theme's certificate fonts, loaded once per published site.
#[derive(Clone)]
pub struct Fonts {
    regular: [Face; 3],
    bold: [Face; 3],
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts")
    }
}

impl Fonts {
    pub fn from_theme(theme: &Theme) -> Result<Self, String> {
        let file = |name: &str| -> Result<Face, String> {
            let rel = format!("fonts/{name}");
            let bytes = theme.file(&rel).ok_or_else(|| format!("the theme has no {rel}"))?;
            Face::new(bytes, &rel)
        };
        let cjk = file("NotoSansSC-Regular-GB2312.otf")?;
        Ok(Self {
            regular: [
                file("NotoSans-Regular.ttf")?,
                file("NotoSansArabic-Regular.ttf")?,
                cjk.clone(),
            ],
            bold: [file("NotoSans-Bold.ttf")?, file("NotoSansArabic-Bold.ttf")?, cjk],
        })
    }

    fn face(&self, script: Script, bold: bool) -> &Face {
        let set = if bold { &self.bold } else { &self.regular };
        &set[script as usize]
    }
}

/// A shaped run, ready to draw.
struct Run {
    face: Face,
    text: String,
    glyphs: Vec<KrillaGlyph>,
    width: f32,
}

/// Splits `text` into script runs; characters of no script (spaces, digits, punctuation)
/// join the run they are in.
fn runs(text: &str) -> Vec<(Script, String)> {
    let mut out: Vec<(Script, String)> = Vec::new();
    let first = text.chars().find_map(script_of).unwrap_or(Script::Latin);
    for c in text.chars() {
        let s = script_of(c).unwrap_or_else(|| out.last().map_or(first, |r| r.0));
        match out.last_mut() {
            Some((last, buf)) if *last == s => buf.push(c),
            _ => out.push((s, c.to_string())),
        }
    }
    out
}

fn shape(face: &Face, text: &str, size: f32) -> Option<Run> {
    let upem = face.font.units_per_em();
    let shaper = harfrust::ShaperFont::new(&face.shaping);
    let mut buffer = harfrust::Buffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let rtl = buffer.direction() == harfrust::Direction::RightToLeft;
    harfrust::shape(&shaper, &mut buffer, harfrust::ShapeOptions::new()).ok()?;
    let infos = buffer.glyph_infos();
    let positions = buffer.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let range = cluster_range(infos, i, rtl, text.len());
        width += pos.x_advance as f32 / upem * size;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            pos.x_advance as f32 / upem,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            range,
            None,
        ));
    }
    Some(Run {
        face: face.clone(),
        text: text.to_owned(),
        glyphs,
        width,
    })
}

/// The text range of glyph `i`'s cluster: from its cluster to the next cluster in logical
/// order (glyphs of a right-to-left run come in visual order, clusters descending).
fn cluster_range(infos: &[harfrust::GlyphInfo], i: usize, rtl: bool, len: usize) -> Range<usize> {
    let start = infos[i].cluster as usize;
    let next = if rtl {
        infos[..i].iter().rev().map(|g| g.cluster as usize).find(|&c| c > start)
    } else {
        infos[i + 1..].iter().map(|g| g.cluster as usize).find(|&c| c > start)
    };
    start..next.unwrap_or(len)
}

/// Draws `text` centred on `cx` with its baseline at `y`.
fn centred(surface: &mut Surface, fonts: &Fonts, text: &str, cx: f32, y: f32, size: f32, bold: bool) {
    let base_rtl = text.chars().find_map(script_of) == Some(Script::Arabic);
    let mut shaped = shaped_runs(fonts, text, size, bold);
    if base_rtl {
        shaped.reverse();
    }
    let total: f32 = shaped.iter().map(|r| r.width).sum();
    draw(surface, shaped, cx - total / 2.0, y, size);
}

/// Draws `text` from `x` rightwards (facts lines: dates, ids, URLs).
fn left_aligned(surface: &mut Surface, fonts: &Fonts, text: &str, x: f32, y: f32, size: f32) {
    let shaped = shaped_runs(fonts, text, size, false);
    draw(surface, shaped, x, y, size);
}

/// `text` split by script, each run shaped with the font that covers it.
fn shaped_runs(fonts: &Fonts, text: &str, size: f32, bold: bool) -> Vec<Run> {
    runs(text)
        .into_iter()
        .filter_map(|(s, t)| shape(fonts.face(s, bold), &t, size))
        .collect()
}

/// Draws shaped runs one after another from `x`.
fn draw(surface: &mut Surface, shaped: Vec<Run>, mut x: f32, y: f32, size: f32) {
    for run in shaped {
        surface.draw_glyphs(
            Point::from_xy(x, y),
            &run.glyphs,
            run.face.font.clone(),
            &run.text,
            size,
            false,
        );
        x += run.width;
    }
}

fn fill(r: u8, g: u8, b: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        ..Fill::default()
    }
}

fn rect_path(x: f32, y: f32, w: f32, h: f32) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h)?);
    pb.finish()
}

fn qr_code(surface: &mut Surface, url: &str, x: f32, y: f32, size: f32) {
    let Some(m) = super::qr::modules(url) else {
        return;
    };
    let cell = size / m.width as f32;
    let mut pb = PathBuilder::new();
    for row in 0..m.width {
        for col in 0..m.width {
            if m.dark[row * m.width + col]
                && let Some(r) = Rect::from_xywh(x + col as f32 * cell, y + row as f32 * cell, cell, cell)
            {
                pb.push_rect(r);
            }
        }
    }
    surface.set_fill(Some(fill(0, 0, 0)));
    if let Some(p) = pb.finish() {
        surface.draw_path(&p);
    }
}

/// The PDF of a verified certificate.
pub fn render(fonts: &Fonts, v: &Verified, verify_url: &str) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", v.achievement, v.recipient))
            .creator(format!("Waypost {}", env!("CARGO_PKG_VERSION"))),
    );
    let settings = PageSettings::from_wh(W, H).ok_or("page size")?;
    let mut page = document.start_page_with(settings);
    let mut s = page.surface();
    // Frame.
    s.set_fill(None);
    s.set_stroke(Some(Stroke {
        paint: rgb::Color::new(15, 53, 84).into(),
        width: 3.0,
        ..Stroke::default()
    }));
    if let Some(p) = rect_path(24.0, 24.0, W - 48.0, H - 48.0) {
        s.draw_path(&p);
    }
    s.set_stroke(Some(Stroke {
        paint: rgb::Color::new(15, 53, 84).into(),
        width: 0.75,
        ..Stroke::default()
    }));
    if let Some(p) = rect_path(32.0, 32.0, W - 64.0, H - 64.0) {
        s.draw_path(&p);
    }
    s.set_stroke(None);
    let cx = W / 2.0;
    s.set_fill(Some(fill(15, 53, 84)));
    centred(&mut s, fonts, &v.issuer, cx, 86.0, 15.0, true);
    centred(&mut s, fonts, "Certificate of completion", cx, 140.0, 32.0, true);
    s.set_fill(Some(fill(60, 60, 60)));
    centred(&mut s, fonts, "This certifies that", cx, 188.0, 14.0, false);
    s.set_fill(Some(fill(0, 0, 0)));
    centred(&mut s, fonts, &v.recipient, cx, 240.0, 34.0, true);
    s.set_fill(Some(fill(60, 60, 60)));
    centred(
        &mut s,
        fonts,
        "has completed the course and earned",
        cx,
        284.0,
        14.0,
        false,
    );
    s.set_fill(Some(fill(15, 53, 84)));
    centred(&mut s, fonts, &v.achievement, cx, 326.0, 24.0, true);
    s.set_fill(Some(fill(60, 60, 60)));
    let mut y = 372.0;
    for line in wrap(&v.criteria, 95) {
        centred(&mut s, fonts, &line, cx, y, 11.0, false);
        y += 15.0;
    }
    // Facts, bottom left; QR code bottom right.
    s.set_fill(Some(fill(0, 0, 0)));
    let left = 64.0;
    let mut y = H - 128.0;
    let mut line = |s: &mut Surface, text: &str| {
        left_aligned(s, fonts, text, left, y, 10.5);
        y += 16.0;
    };
    line(&mut s, &format!("Issued: {}", human(&v.valid_from)));
    if let Some(until) = &v.valid_until {
        line(&mut s, &format!("Valid until: {}", human(until)));
    }
    line(&mut s, &format!("Certificate ID: {}", v.id));
    line(&mut s, &format!("Verify at: {verify_url}"));
    // The PDF is made on request, so it shows the status of now.
    let stamp = match v.status {
        Status::Revoked => Some("REVOKED"),
        Status::Expired => Some("EXPIRED"),
        Status::Valid => None,
    };
    if let Some(stamp) = stamp {
        s.set_fill(Some(fill(170, 20, 20)));
        centred(&mut s, fonts, stamp, cx, H - 60.0, 18.0, true);
    }
    qr_code(&mut s, verify_url, W - 64.0 - 112.0, H - 64.0 - 112.0, 112.0);
    s.finish();
    page.finish();
    document.finish().map_err(|e| format!("PDF: {e:?}"))
}

fn human(iso: &str) -> String {
    crate::http::certificate_pages::human_date(iso)
}

/// Greedy word wrap at `max` characters.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}
