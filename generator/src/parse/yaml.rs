//! Typed YAML for `course.yaml` and lesson front matter, and YAML errors turned into
//! diagnostics with the right file position and a "did you mean" for misspelt keys.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Pos, did_you_mean};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CourseYaml {
    pub id: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub language: Option<String>,
    pub level: Option<String>,
    pub estimated_time: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub authors: Vec<AuthorYaml>,
    pub modules: Vec<ModuleYaml>,
    pub completion: Option<CompletionYaml>,
    pub certificate: Option<CertificateYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuthorYaml {
    pub name: String,
    pub organization: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModuleYaml {
    pub title: String,
    pub lessons: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CompletionYaml {
    pub pass_mark: Option<i64>,
    pub max_attempts: Option<i64>,
    pub cooldown: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CertificateYaml {
    pub title: String,
    pub valid_for: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LessonFront {
    pub id: Option<String>,
    pub title: String,
    pub estimated_time: Option<String>,
    #[serde(default)]
    pub objectives: Vec<String>,
}

/// Deserialises `text` (which starts at line `first_line` of `file`), turning a failure into
/// a diagnostic. `what` names the thing for messages ("course.yaml", "lesson front matter").
pub fn from_yaml<T: DeserializeOwned>(text: &str, file: &str, first_line: usize, what: &str) -> Result<T, Diagnostic> {
    if text.trim().is_empty() {
        return Err(
            Diagnostic::error(file, Pos::new(first_line.max(1), 1), format!("{what} is empty"))
                .with_help("see courses/README.md for the keys it takes"),
        );
    }
    serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, file, first_line, what).0)
}

/// At most this many unknown keys are reported in one YAML text before giving up on it.
const MAX_UNKNOWN_KEYS: usize = 32;

/// Like [`from_yaml`], but an unknown key does not hide the problems after it: each one is
/// reported, its block is blanked (lines are kept, so later positions stay right) and the
/// text is read again. Returns the value when nothing else is wrong; stops at the first
/// problem of another kind, or at a key it cannot blank safely (the first key of a list item,
/// or one inside a `{ … }` mapping).
pub fn from_yaml_all<T: DeserializeOwned>(
    text: &str,
    file: &str,
    first_line: usize,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    let mut work = std::borrow::Cow::Borrowed(text);
    for _ in 0..MAX_UNKNOWN_KEYS {
        if work.trim().is_empty() {
            // Blanking left nothing; `from_yaml` says so with its own message.
            diags.extend(from_yaml::<T>(&work, file, first_line, what).err());
            return None;
        }
        match serde_yaml::from_str::<T>(&work) {
            Ok(value) => return Some(value),
            Err(e) => {
                let (d, key) = yaml_error(&e, &work, file, first_line, what);
                let index = d.line.checked_sub(first_line);
                diags.push(d);
                let blanked = key
                    .zip(index)
                    .and_then(|(key, index)| blank_block(&work, index, &key))?;
                work = std::borrow::Cow::Owned(blanked);
            }
        }
    }
    None
}

/// `text` with line `index` (0-based), which must start with `key:`, and the lines indented
/// under it replaced by empty lines.
fn blank_block(text: &str, index: usize, key: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let line = lines.get(index)?;
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    if !body.strip_prefix(key)?.trim_start().starts_with(':') {
        return None;
    }
    let mut end = index + 1;
    while let Some(next) = lines.get(end) {
        let next_body = next.trim_start_matches(' ');
        if !next_body.trim().is_empty() && next.len() - next_body.len() <= indent {
            break;
        }
        end += 1;
    }
    let kept: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if (index..end).contains(&i) { "" } else { *l })
        .collect();
    Some(kept.join("\n"))
}

fn yaml_error(
    e: &serde_yaml::Error,
    text: &str,
    file: &str,
    first_line: usize,
    what: &str,
) -> (Diagnostic, Option<String>) {
    // libyaml also breaks lines at a lone `\r`, which nothing else here does: a position past
    // the last `\n` line is put on that line.
    let lines = text.split('\n').count();
    let pos = e.location().map_or(Pos::new(first_line, 1), |l| {
        if l.line() > lines {
            Pos::new(lines + first_line - 1, 1)
        } else {
            Pos::new(l.line() + first_line - 1, l.column())
        }
    });
    let raw = e.to_string();
    // serde_yaml appends " at line N column M"; the position is shown separately.
    let message = match raw.find(" at line ") {
        Some(i) => raw[..i].to_owned(),
        None => raw.clone(),
    };
    if let Some(key) = between(&message, "unknown field `", "`") {
        let expected = expected_keys(&message);
        let key_pos = locate_key(text, key).map_or(pos, |p| p.below(first_line - 1));
        let diag = Diagnostic::error(file, key_pos, format!("unknown key `{key}` in {what}"));
        let diag = match did_you_mean(key, expected.iter().copied()) {
            Some(s) => diag.with_help(format!("did you mean `{s}`?")),
            None => diag.with_help(format!("known keys here: {}", expected.join(", "))),
        };
        return (diag, Some(key.to_owned()));
    }
    if let Some(key) = between(&message, "missing field `", "`") {
        let diag = Diagnostic::error(file, pos, format!("missing required key `{key}` in {what}"));
        return (diag.with_help(format!("add `{key}: …`")), None);
    }
    let syntax = [
        "did not find expected",
        "could not find expected",
        "mapping values are not allowed",
        "found character",
        "not allowed in this context",
        "found unexpected end",
        "while parsing",
        "while scanning",
    ];
    if syntax.iter().any(|s| message.contains(s)) {
        // libyaml's words: a "block sequence entry" is a `- ` list entry, a "mapping" a map.
        let words = message
            .replace("block sequence entries", "`- ` list entries")
            .replace("sequence", "list");
        let diag = Diagnostic::error(file, pos, format!("invalid YAML in {what}: {words}"));
        return (
            diag.with_help(
                "check indentation, and quote values that contain `: ` or start with a backtick, `*`, `[`, `{` or `>`",
            ),
            None,
        );
    }
    if let Some(explained) = super::mismatch::explain(&message, what) {
        return (
            Diagnostic::error(file, pos, explained.message).with_help(explained.help),
            None,
        );
    }
    (
        Diagnostic::error(file, pos, super::mismatch::plain(&message, what)),
        None,
    )
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The key names in "expected one of `a`, `b`" / "expected `a`".
fn expected_keys(message: &str) -> Vec<&str> {
    let Some(i) = message.find("expected") else {
        return Vec::new();
    };
    message[i..].split('`').skip(1).step_by(2).collect()
}

/// The position of `key:` in a YAML text (first occurrence, any indentation).
pub fn locate_key(text: &str, key: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
        let rest = body.strip_prefix(key)?;
        rest.trim_start().starts_with(':').then(|| {
            let column = line.chars().count() - body.chars().count() + 1;
            Pos::new(i + 1, column)
        })
    })
}

/// The position of `key: value` (value possibly quoted), searching from line `from` (1-based).
pub fn locate_key_value(text: &str, key: &str, value: &str, from: usize) -> Option<Pos> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, line)| {
            let trimmed = line.trim_start();
            let body = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
            let rest = body.strip_prefix(key)?.trim_start().strip_prefix(':')?.trim();
            let rest = rest.split(" #").next().unwrap_or(rest).trim();
            let unquoted = rest.trim_matches(|c| c == '"' || c == '\'');
            (unquoted == value).then(|| Pos::new(i + 1, line.chars().count() - body.chars().count() + 1))
        })
}

/// The position of `needle` as a whole word in `text`, searching from line `from`.
pub fn locate_word(text: &str, needle: &str, from: usize) -> Option<Pos> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, line)| {
            let mut start = 0;
            while let Some(found) = line[start..].find(needle) {
                let at = start + found;
                let before = line[..at].chars().next_back();
                let after = line[at + needle.len()..].chars().next();
                let word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
                if !word_char(before) && !word_char(after) {
                    return Some(Pos::new(i + 1, line[..at].chars().count() + 1));
                }
                start = at + needle.len();
            }
            None
        })
}

/// Splits `---` front matter from a lesson. Returns (yaml, first line of the yaml, body, body offset).
pub fn split_front_matter(text: &str) -> Option<(&str, usize, &str, usize)> {
    let rest = text.strip_prefix("---")?;
    let rest = rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n'))?;
    let yaml_start = text.len() - rest.len();
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare == "..." {
            let yaml = &rest[..offset];
            let body_start = yaml_start + offset + line.len();
            return Some((yaml, 2, &text[body_start..], body_start));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_gets_a_suggestion_and_the_key_position() {
        let text = "title: A\nestimted-time: 15m\n";
        let Err(d) = from_yaml::<LessonFront>(text, "l.md", 2, "lesson front matter") else {
            panic!("an unknown key must fail");
        };
        assert_eq!((d.line, d.column), (3, 1));
        assert_eq!(d.message, "unknown key `estimted-time` in lesson front matter");
        assert_eq!(d.help.as_deref(), Some("did you mean `estimated-time`?"));
    }

    #[test]
    fn every_unknown_key_is_reported_and_the_rest_still_read() {
        let text = "title: A\nestimted-time: 15m\nobjektives:\n  - one\n  - two\nid: a-lesson\n";
        let mut diags = Vec::new();
        let front = from_yaml_all::<LessonFront>(text, "l.md", 2, "lesson front matter", &mut diags);
        let found: Vec<(usize, &str)> = diags.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (3, "unknown key `estimted-time` in lesson front matter"),
                (4, "unknown key `objektives` in lesson front matter"),
            ]
        );
        let front = front.expect("the rest reads");
        assert_eq!((front.title.as_str(), front.id.as_deref()), ("A", Some("a-lesson")));
        // A key that cannot be blanked safely stops the reading after reporting it.
        let mut diags = Vec::new();
        let listed = from_yaml_all::<Vec<LessonFront>>("- titel: A\n", "l.md", 1, "list", &mut diags);
        assert!(listed.is_none());
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn unquoted_brackets_get_a_hint() {
        let Err(d) = from_yaml::<LessonFront>("title: [Draft] SPF\n", "l.md", 2, "lesson front matter") else {
            panic!("a list is not a title");
        };
        assert!(d.help.as_deref().is_some_and(|h| h.contains("quote")), "{d:?}");
    }

    #[test]
    fn missing_title() {
        let Err(d) = from_yaml::<LessonFront>("objectives: []\n", "l.md", 2, "lesson front matter") else {
            panic!("a missing title must fail");
        };
        assert_eq!(d.message, "missing required key `title` in lesson front matter");
    }

    #[test]
    fn front_matter_split() {
        let text = "---\ntitle: A\n---\nBody\n";
        let (yaml, line, body, offset) = split_front_matter(text).expect("front matter");
        assert_eq!((yaml, line, body), ("title: A\n", 2, "Body\n"));
        assert_eq!(&text[offset..], "Body\n");
        assert!(split_front_matter("no front matter").is_none());
        assert!(split_front_matter("---\ntitle: unterminated\n").is_none());
    }

    #[test]
    fn locating() {
        let text = "a: 1\nlist:\n  - id: x\n  - id: \"y\"\n";
        assert_eq!(locate_key(text, "list"), Some(Pos::new(2, 1)));
        assert_eq!(locate_key_value(text, "id", "y", 1), Some(Pos::new(4, 5)));
        assert_eq!(locate_word("lessons: [ab, abc]", "abc", 1), Some(Pos::new(1, 15)));
    }
}
