//! Authoring problems as data: every mistake becomes a [`Diagnostic`] with a file, line,
//! column, message and help line. Stages collect them and carry on; the build fails once, at
//! the end, if any is an error. This module also prints them, like a compiler does
//! (source line, caret, help), or as one JSON object per line for editors and CI.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One authoring problem. `line` and `column` are 1-based; 0 means "the whole file".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the courses folder given on the command line, with `/` separators.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// The source line the diagnostic points at, attached at the end of a run so printing
    /// needs no file access.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, pos, message)
    }

    pub fn warning(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, pos, message)
    }

    fn new(severity: Severity, file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self {
            severity,
            file: file.into(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A 1-based position in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const FILE: Pos = Pos { line: 0, column: 0 };

    pub fn new(line: usize, column: usize) -> Self {
        Self { line, column }
    }

    /// The position of byte `offset` in `text` (columns count characters).
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: text[line_start..offset].chars().count() + 1,
        }
    }

    /// This position shifted down by `lines` (a block's position inside its file).
    pub fn below(self, lines: usize) -> Self {
        Self {
            line: self.line + lines,
            ..self
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every diagnostic of a run, sorted for stable output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Sorts by file, then position, then message, and drops exact duplicates.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.severity, &a.message)
                .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
        });
        self.0.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Source texts by the same path diagnostics use, so messages can quote the line.
pub type Sources<'a> = HashMap<&'a str, &'a str>;

impl Diagnostics {
    /// Attaches the quoted source line to every diagnostic that points into a known file.
    pub fn attach_sources(&mut self, sources: &Sources<'_>) {
        for d in &mut self.0 {
            if d.line > 0 && d.source_line.is_none() {
                d.source_line = sources
                    .get(d.file.as_str())
                    .and_then(|t| t.lines().nth(d.line - 1))
                    .map(str::to_owned);
            }
        }
    }
}

/// Renders diagnostics the way a compiler does:
///
/// ```text
/// error: unknown key `estimted-time` in lesson front matter
///   --> email/lessons/01-intro.md:3:1
///    |
///  3 | estimted-time: 15m
///    | ^^^^^^^^^^^^^
///    = help: did you mean `estimated-time`?
/// ```
pub fn render_human(diags: &Diagnostics, colour: bool) -> String {
    let mut out = render_human_body(diags.iter(), colour);
    let (errors, warnings) = (diags.count(Severity::Error), diags.count(Severity::Warning));
    if errors + warnings > 0 {
        let _ = writeln!(out, "{}", summary_line(errors, warnings));
    }
    out
}

/// The diagnostics as [`render_human`] prints them, without the closing count: for callers
/// that print their own verdict line.
pub fn render_human_body<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>, colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    for d in diags {
        let (label, code) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let _ = writeln!(out, "{}{}", paint(code, label), paint("1", &format!(": {}", d.message)));
        let location = match (d.line, d.column) {
            (0, _) => d.file.clone(),
            (l, c) => format!("{}:{l}:{c}", d.file),
        };
        let source_line = d.source_line.as_deref();
        let gutter = " ".repeat(d.line.max(1).to_string().len());
        let _ = writeln!(out, "{gutter}{} {location}", paint("1;34", "-->"));
        if let Some(text) = source_line {
            let text = text.replace('\t', "    ");
            let bar = paint("1;34", "|");
            let column = d.column.max(1);
            let width = underline_width(&text, column);
            let _ = writeln!(out, "{gutter} {bar}");
            let _ = writeln!(out, "{} {bar} {}", paint("1;34", &d.line.to_string()), text);
            let caret = format!("{}{}", " ".repeat(column - 1), "^".repeat(width));
            let _ = writeln!(out, "{gutter} {bar} {}", paint(code, &caret));
        }
        if let Some(help) = &d.help {
            let indent = format!("\n{gutter}         ");
            let _ = writeln!(
                out,
                "{gutter} {} {}",
                paint("1;36", "= help:"),
                help.replace('\n', &indent)
            );
        }
        out.push('\n');
    }
    out
}

/// Underlines the word that starts at `column` (at least one caret).
fn underline_width(line: &str, column: usize) -> usize {
    line.chars()
        .skip(column - 1)
        .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | ']' | '}' | ')'))
        .count()
        .max(1)
}

pub fn summary_line(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

/// One JSON object per line (`--format json`), the shape editors and CI annotations read.
pub fn render_json(diags: &Diagnostics) -> String {
    diags
        .iter()
        .map(|d| serde_json::to_string(d).expect("a Diagnostic always serialises") + "\n")
        .collect()
}

/// "Did you mean …?" for a misspelt key, id or reference.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(distance, c)| distance <= (c.len().max(word.len()) / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "ab\ncdé f";
        assert_eq!(Pos::of_offset(text, 0), Pos::new(1, 1));
        assert_eq!(Pos::of_offset(text, 3), Pos::new(2, 1));
        assert_eq!(Pos::of_offset(text, text.find('f').unwrap_or(0)), Pos::new(2, 5));
        // An offset inside a multi-byte character must not panic.
        assert_eq!(Pos::of_offset(text, 6).line, 2);
    }

    #[test]
    fn human_format_quotes_the_line() {
        let mut diags = Diagnostics::default();
        diags.push(
            Diagnostic::error("c/lessons/01-a.md", Pos::new(2, 1), "unknown key `titel`")
                .with_help("did you mean `title`?"),
        );
        let sources = Sources::from([("c/lessons/01-a.md", "---\ntitel: A\n---\n")]);
        diags.attach_sources(&sources);
        let text = render_human(&diags, false);
        assert_eq!(
            text,
            "error: unknown key `titel`\n --> c/lessons/01-a.md:2:1\n  |\n2 | titel: A\n  | ^^^^^\n  = help: did you mean `title`?\n\n1 error, 0 warnings\n"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("estimted-time", ["title", "estimated-time"]),
            Some("estimated-time")
        );
        assert_eq!(did_you_mean("zzzzzz", ["title", "objectives"]), None);
    }
}
