//! How long the precompressed twins of a built site take, per encoder and level, on the
//! pages of a `waypost build --no-compress` output (one thread, so the figures compare):
//!
//! ```text
//! cargo run --release -p waypost-generator --example compress_figures -- SITE_DIR
//! ```
//!
//! It printed the choice in `output.rs` (gzip level, brotli quality): see the note there.

use std::io::Write as _;
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: compress_figures SITE_DIR");
    let files: Vec<Vec<u8>> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "html" || x == "json" || x == "css" || x == "js")
        })
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter(|b| b.len() > 256)
        .take(2000)
        .collect();
    let total: usize = files.iter().map(Vec::len).sum();
    println!("{} files, {:.1} MB", files.len(), total as f64 / 1e6);
    for level in [1, 4, 5, 6, 9] {
        let t = Instant::now();
        let mut out = 0;
        for f in &files {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
            e.write_all(f).expect("vec");
            out += e.finish().expect("vec").len();
        }
        println!(
            "gzip level {level}: {:.0} ms, {:.1} % of the input",
            t.elapsed().as_secs_f64() * 1e3,
            100.0 * out as f64 / total as f64
        );
    }
    for quality in [3, 4, 5, 6] {
        let t = Instant::now();
        let mut out = 0;
        for f in &files {
            let bits = usize::BITS - f.len().leading_zeros();
            let params = brotli::enc::BrotliEncoderParams {
                quality,
                lgwin: bits.clamp(18, 22) as i32,
                ..Default::default()
            };
            let mut o = Vec::new();
            brotli::BrotliCompress(&mut &f[..], &mut o, &params).expect("memory");
            out += o.len();
        }
        println!(
            "brotli quality {quality}: {:.0} ms, {:.1} % of the input",
            t.elapsed().as_secs_f64() * 1e3,
            100.0 * out as f64 / total as f64
        );
    }
}
