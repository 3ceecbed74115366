//! Shared helpers: building fixtures in memory and reading the repository's courses.

use std::path::{Path, PathBuf};

use waypost_generator::grading::ShuffleKey;
use waypost_generator::{Diagnostics, Options, RenderMode, Site, build};

/// The fixed shuffle key of tests and snapshots (a build without a key draws a random one).
pub fn test_key() -> ShuffleKey {
    ShuffleKey::derive(b"waypost generator tests")
}

/// Options for `courses` with the tests' fixed shuffle key.
pub fn options(courses: impl Into<PathBuf>) -> Options {
    let mut opts = Options::new(courses);
    opts.shuffle_key = Some(test_key());
    opts
}

/// The generator crate's folder (tests run with it as the working directory).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path relative to the crate, so diagnostics print the same on every machine.
pub fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures").join(name)
}

pub fn build_in_memory(courses: &Path, mode: RenderMode) -> Result<Site, Diagnostics> {
    let mut opts = options(courses);
    opts.mode = mode;
    build(&opts)
}

/// Every course folder shipped with the product.
pub fn shipped_courses() -> PathBuf {
    crate_dir().join("../courses")
}

pub fn text(site: &Site, path: &str) -> String {
    String::from_utf8(
        site.files
            .get(path)
            .unwrap_or_else(|| panic!("{path} was not built"))
            .clone(),
    )
    .expect("UTF-8")
}

/// Words of serde's and Rust's that must never reach an author, and the `questions[0].x[1]`
/// paths serde prefixes its messages with.
pub fn unauthorly(text: &str) -> Option<String> {
    let tokens = text.split(|c: char| !c.is_ascii_alphanumeric());
    for t in tokens {
        let raw_type = t.len() > 3 && t.starts_with("Raw") && t[3..].starts_with(|c: char| c.is_ascii_uppercase());
        if matches!(t, "struct" | "f64" | "i64" | "u8" | "sequence") || t.contains("Yaml") || raw_type {
            return Some(t.to_owned());
        }
    }
    let mut rest = text;
    while let Some(at) = rest.find('[') {
        let after = &rest[at + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            return Some(format!("[{}]", &after[..digits]));
        }
        rest = after;
    }
    None
}
