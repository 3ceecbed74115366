//! YAML type mismatches in author words. serde reports `questions[0].pairs[1]: invalid type:
//! string "SPF", expected struct RawPair`; an author needs the key, the shape it takes in plain
//! words and an example of the right form. [`explain`] turns the first into the second; the
//! words never name a Rust type (`struct`, `f64`, `sequence`…), which the broken-type fixtures
//! check (`generator/tests/suite/fixtures.rs`).

/// A mismatch explained: the message and a help holding an example of the right form.
pub struct Explained {
    pub message: String,
    pub help: String,
}

/// Explains serde's `[path: ]invalid type|value: FOUND, expected EXPECTED` (the location
/// suffix already cut off) for `what` ("course.yaml", "quiz block", "lesson front matter").
/// `None` when the message is not a type mismatch.
pub fn explain(message: &str, what: &str) -> Option<Explained> {
    let (path, rest) = match message.find(": invalid ") {
        Some(i) => (&message[..i], &message[i + 2..]),
        None => ("", message),
    };
    let rest = rest
        .strip_prefix("invalid type: ")
        .or_else(|| rest.strip_prefix("invalid value: "))?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let segments: Vec<Segment<'_>> = path.split('.').filter(|s| !s.is_empty()).map(Segment::parse).collect();
    let Some((last, context)) = segments.split_last() else {
        let (shape, example) = whole(what);
        return Some(Explained {
            message: format!("{what} must be {shape}, not {}", found_words(found)),
            help: format!("write it like this:\n{example}"),
        });
    };
    let (shape, example) = shape_of(last, expected);
    let subject = match last.index {
        Some(i) => format!("entry {} of `{}`", i + 1, last.key),
        None => format!("`{}`", last.key),
    };
    let within: Vec<String> = context.iter().rev().map(Segment::describe).collect();
    let place = if within.is_empty() {
        format!("in {what}")
    } else {
        within.join(" ")
    };
    let mut help = format!("write it like this:\n{example}");
    match (expected, found) {
        ("a string", "sequence") => {
            help.push_str("\n(quote text that starts with `[`: YAML reads it as a list)");
        }
        ("a string", "map") => help.push_str(
            "\n(quote text that contains `: ` or starts with `{`: YAML reads it as a `key: value` pair, \
             so write `\"Step 1: publish\"`)",
        ),
        _ => {}
    }
    Some(Explained {
        message: format!("{subject} {place} must be {shape}, not {}", found_words(found)),
        help,
    })
}

/// Any other serde message without its `questions[0].pairs[1]:` path prefix: the place in
/// words instead (`in entry 2 of `pairs` in question 1`), and `duplicate field` in words.
pub fn plain(message: &str, what: &str) -> String {
    let (path, rest) = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') && !path.is_empty() => (path, rest),
        _ => ("", message),
    };
    let rest = match rest.strip_prefix("duplicate field ") {
        Some(key) => format!("{key} is given twice"),
        None => rest.to_owned(),
    };
    let segments: Vec<Segment<'_>> = path.split('.').filter(|s| !s.is_empty()).map(Segment::parse).collect();
    if segments.is_empty() {
        return format!("{what}: {rest}");
    }
    let place: Vec<String> = segments.iter().rev().map(Segment::describe).collect();
    format!("{what}: {rest} ({})", place.join(" "))
}

/// One step of serde's path: `pairs[1]` or `tolerance`.
struct Segment<'a> {
    key: &'a str,
    index: Option<usize>,
}

impl<'a> Segment<'a> {
    fn parse(s: &'a str) -> Self {
        match s.split_once('[') {
            Some((key, i)) => Segment {
                key,
                index: i.trim_end_matches(']').parse().ok(),
            },
            None => Segment { key: s, index: None },
        }
    }

    /// Where an enclosing key is, in words: `in question 2`, `under `completion``.
    fn describe(&self) -> String {
        let Some(i) = self.index else {
            return format!("under `{}`", self.key);
        };
        match self.key {
            "questions" => format!("in question {}", i + 1),
            "modules" => format!("in module {}", i + 1),
            "authors" => format!("in author {}", i + 1),
            "options" => format!("in option {}", i + 1),
            key => format!("in entry {} of `{key}`", i + 1),
        }
    }
}

/// The shape of a whole YAML text and an example.
fn whole(what: &str) -> (&'static str, &'static str) {
    match what {
        "course.yaml" => (
            "`key: value` lines",
            "id: email-authentication\ntitle: Secure Email Authentication\nsummary: Stop criminals sending mail in your name.\nmodules:\n  - title: Basics\n    lessons: [how-email-travels]",
        ),
        "quiz block" => (
            "`key: value` lines with an `id` and `questions`",
            "id: spf-basics\nquestions:\n  - id: spf-purpose\n    type: true-false\n    prompt: SPF lists the hosts allowed to send mail.\n    answer: true",
        ),
        _ => (
            "`key: value` lines",
            "title: How email travels\nobjectives:\n  - Follow a message from sender to inbox",
        ),
    }
}

/// The shape `key` (an entry of it when the segment has an index) takes, and an example.
fn shape_of(seg: &Segment<'_>, expected: &str) -> (String, String) {
    let entry = seg.index.is_some();
    let known: Option<(&str, &str)> = match (seg.key, entry) {
        ("authors", false) => Some(("a list of people", AUTHORS)),
        ("authors", true) => Some(("a person: `name:` and an optional `organization:`", AUTHORS)),
        ("modules", false) => Some(("a list of modules", MODULES)),
        ("modules", true) => Some(("a module: `title:` and `lessons:`", MODULES)),
        ("lessons", false) => Some((
            "a list of lesson ids",
            "lessons: [how-email-travels, spoofing-and-phishing]",
        )),
        ("lessons", true) => Some(("a lesson id", "lessons: [how-email-travels, spoofing-and-phishing]")),
        ("tags", false) => Some(("a list of tags", "tags: [email, dns]")),
        ("tags", true) => Some(("a tag (a word)", "tags: [email, dns]")),
        ("objectives", false) => Some(("a list of objectives", OBJECTIVES)),
        ("objectives", true) => Some(("one objective (a sentence)", OBJECTIVES)),
        ("completion", false) => Some(("a group of settings", "completion:\n  pass-mark: 80")),
        ("pass-mark", false) => Some(("a whole number from 1 to 100 (a percentage)", "pass-mark: 80")),
        ("max-attempts", false) => Some(("a whole number from 1 to 100", "max-attempts: 3")),
        ("certificate", false) => Some((
            "a group of settings",
            "certificate:\n  title: Secure Email Authentication — Practitioner\n  valid-for: 12 months",
        )),
        ("questions", false) => Some(("a list of questions", QUESTIONS)),
        ("questions", true) => Some((
            "a question: `id:`, `type:`, `prompt:` and the keys of its type",
            QUESTIONS,
        )),
        ("options", false) => Some(("a list of options", OPTIONS)),
        ("options", true) => Some((
            "an option: `text:`, with `correct: true` on a right one and `feedback:` on a wrong one",
            OPTIONS,
        )),
        ("pairs", false) => Some(("a list of pairs", PAIRS)),
        ("items", false) => Some(("a list of the items, in the right order", ITEMS)),
        ("items", true) => Some(("one item (a text)", ITEMS)),
        ("accept", false) => Some(("a list of accepted answers", "accept: [quarantine, p=quarantine]")),
        ("accept", true) => Some(("one accepted answer (a text)", "accept: [quarantine, p=quarantine]")),
        ("tolerance", false) => Some(("a number", "tolerance: 0.5")),
        ("graded", false) => Some(("`true` or `false`", "graded: false")),
        ("correct", false) => Some(("`true` (or left out on a wrong option)", "correct: true")),
        _ => None,
    };
    if let Some((shape, example)) = known {
        return (shape.to_owned(), example.to_owned());
    }
    let key = seg.key;
    let (shape, example) = if expected == "a string" {
        ("text", format!("{key}: \"…\""))
    } else if expected.contains("sequence") {
        ("a list", format!("{key}:\n  - …\n  - …"))
    } else if expected.starts_with("struct") || expected.contains("map") {
        ("a group of `key: value` lines", format!("{key}:\n  some-key: …"))
    } else if expected.starts_with('f') {
        ("a number", format!("{key}: 1.5"))
    } else if expected.starts_with('i') || expected.starts_with('u') {
        ("a whole number", format!("{key}: 3"))
    } else if expected.contains("bool") {
        ("`true` or `false`", format!("{key}: true"))
    } else {
        ("something else", format!("{key}: …"))
    };
    let example = if entry {
        example.replacen(&format!("{key}: "), &format!("{key}:\n  - "), 1)
    } else {
        example
    };
    (shape.to_owned(), example)
}

const AUTHORS: &str = "authors:\n  - name: Jane Doe\n    organization: Example Post";
const MODULES: &str =
    "modules:\n  - title: Why email gets spoofed\n    lessons: [how-email-travels, spoofing-and-phishing]";
const OBJECTIVES: &str = "objectives:\n  - Explain what an SPF record lists\n  - Read a DMARC report";
const QUESTIONS: &str = "questions:\n  - id: spf-purpose\n    type: true-false\n    prompt: SPF lists the hosts allowed to send mail.\n    answer: true";
const OPTIONS: &str = "options:\n  - text: The hosts allowed to send mail for the domain\n    correct: true\n  - text: The public key that verifies signatures\n    feedback: That is DKIM's selector record.";
/// Also in `parse/quiz.rs`, which reads pairs itself (to accept the `[left, right]` form).
pub const PAIRS: &str = "pairs:\n  - left: SPF\n    right: Lists the servers allowed to send mail\n  - [DKIM, Signs messages so receivers can check them]";
const ITEMS: &str = "items:\n  - Publish p=none with a report address\n  - Read the reports\n  - Move to p=quarantine";

/// serde's description of what it found, in words.
fn found_words(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    for (prefix, words) in [("integer ", "the number "), ("floating point ", "the number ")] {
        if let Some(n) = found.strip_prefix(prefix) {
            return format!("{words}{}", n.trim_matches('`'));
        }
    }
    if let Some(b) = found.strip_prefix("boolean ") {
        return b.to_owned();
    }
    match found {
        "sequence" => "a list".to_owned(),
        "map" => "a group of `key: value` lines".to_owned(),
        "unit value" | "null" => "empty".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_words_become_author_words() {
        let e = explain(
            "questions[0].options[1]: invalid type: string \"Right\", expected struct RawOption",
            "quiz block",
        )
        .expect("a mismatch");
        assert_eq!(
            e.message,
            "entry 2 of `options` in question 1 must be an option: `text:`, with `correct: true` on a \
             right one and `feedback:` on a wrong one, not the text \"Right\""
        );
        assert!(e.help.contains("- text: The hosts allowed"), "{}", e.help);
        let e = explain(
            "completion.pass-mark: invalid type: string \"high\", expected i64",
            "course.yaml",
        )
        .expect("a mismatch");
        assert_eq!(
            e.message,
            "`pass-mark` under `completion` must be a whole number from 1 to 100 (a percentage), not \
             the text \"high\""
        );
        let e = explain("invalid type: sequence, expected struct CourseYaml", "course.yaml").expect("a mismatch");
        assert_eq!(e.message, "course.yaml must be `key: value` lines, not a list");
        let e = explain("weird: invalid type: floating point `2.5`, expected u16", "quiz block").expect("a mismatch");
        assert_eq!(
            e.message,
            "`weird` in quiz block must be a whole number, not the number 2.5"
        );
        let e = explain(
            "objectives[0]: invalid type: map, expected a string",
            "lesson front matter",
        )
        .expect("a mismatch");
        assert_eq!(
            e.message,
            "entry 1 of `objectives` in lesson front matter must be one objective (a sentence), not a \
             group of `key: value` lines"
        );
        assert!(e.help.contains("contains `: `"), "{}", e.help);
        assert!(explain("missing field `title`", "course.yaml").is_none());
        assert_eq!(
            plain("questions[0].options[1]: duplicate field `text`", "quiz block"),
            "quiz block: `text` is given twice (in option 2 in question 1)"
        );
        assert_eq!(plain("something odd", "quiz block"), "quiz block: something odd");
    }
}
