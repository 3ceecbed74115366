//! The theme: minijinja templates and static files (CSS, JS modules, icons).
//!
//! The default theme is embedded in the binary so an installed `waypost` needs no files;
//! `--theme DIR` overlays a folder on it (see `load::load_theme`).

use std::collections::BTreeMap;

use include_dir::{Dir, include_dir};

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../themes/default");

/// Theme files by path relative to the theme folder (`templates/lesson.html`, `static/quiz.js`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    files: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    pub fn embedded() -> Self {
        let mut files = BTreeMap::new();
        collect(&DEFAULT_THEME, &mut files);
        Self { files }
    }

    pub fn insert(&mut self, rel: &str, bytes: Vec<u8>) {
        self.files.insert(rel.to_owned(), bytes);
    }

    /// Templates as (name, source), names relative to `templates/`.
    pub fn templates(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.prefixed("templates/")
    }

    /// Any theme file by its path relative to the theme folder (`fonts/NotoSans-Regular.ttf`).
    pub fn file(&self, rel: &str) -> Option<&[u8]> {
        self.files.get(rel).map(Vec::as_slice)
    }

    /// Static files as (name, bytes), names relative to `static/`.
    pub fn statics(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.prefixed("static/")
    }

    fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [u8])> {
        self.files
            .iter()
            .filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, v.as_slice())))
    }
}

fn collect(dir: &Dir<'static>, files: &mut BTreeMap<String, Vec<u8>>) {
    for file in dir.files() {
        files.insert(
            file.path().to_string_lossy().replace('\\', "/"),
            file.contents().to_vec(),
        );
    }
    for sub in dir.dirs() {
        collect(sub, files);
    }
}
