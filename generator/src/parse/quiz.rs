//! ```` ```quiz ```` blocks: YAML into the quiz model, with every mistake inside one block
//! reported (unknown type or key, no correct option, impossible answer, duplicate question id).
//! Cross-file rules (quiz ids unique in a course) are `validate`'s.

use std::collections::HashSet;

use serde::Deserialize;

use super::markdown::Snippets;
use super::yaml::{from_yaml_all, locate_key_value};
use crate::diagnostics::{Diagnostic, Pos, did_you_mean};
use crate::model::{QUESTION_TYPES, Question, QuestionId, QuestionKind, Quiz, QuizId, QuizOption, is_valid_id};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawQuiz {
    id: String,
    title: Option<String>,
    graded: Option<bool>,
    questions: Vec<RawQuestion>,
}

/// Every key any question type takes; which apply to which type is checked after parsing,
/// so a misspelt key and a key on the wrong type get different, precise messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawQuestion {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    prompt: String,
    explanation: Option<String>,
    feedback: Option<String>,
    options: Option<Vec<RawOption>>,
    answer: Option<serde_yaml::Value>,
    accept: Option<Vec<serde_yaml::Value>>,
    tolerance: Option<f64>,
    items: Option<Vec<serde_yaml::Value>>,
    /// Read by [`pair_of`]: `- left: … right: …`, or the shorthand `- [left, right]`.
    pairs: Option<Vec<serde_yaml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOption {
    text: serde_yaml::Value,
    #[serde(default)]
    correct: bool,
    feedback: Option<String>,
}

/// A parsed quiz with where its parts are, for later warnings.
#[derive(Clone, Debug)]
/// Where a quiz and its questions are in the lesson file, for the checks `validate` runs; the
/// quiz itself goes into the lesson (`Lesson::quizzes`, same index), so it is held once.
pub struct QuizSource {
    pub pos: Pos,
    pub questions: Vec<QuestionSource>,
}

#[derive(Clone, Debug)]
pub struct QuestionSource {
    pub pos: Pos,
    pub has_explanation: bool,
    /// Positions of wrong options without feedback (single and multiple only).
    pub options_without_feedback: Vec<Pos>,
}

/// Parses one quiz block whose fence is at `fence` in `texts.file()`; its Markdown texts are
/// rendered (and their links resolved and checked) through `texts`.
pub fn parse_quiz(
    yaml: &str,
    fence: Pos,
    texts: &mut Snippets<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Quiz, QuizSource)> {
    let file = texts.file();
    let first_line = fence.line + 1;
    let raw: RawQuiz = from_yaml_all(yaml, file, first_line, "quiz block", diags)?;
    let at = |line_in_block: Pos| line_in_block.below(fence.line);
    let quiz_pos = locate_key_value(yaml, "id", &raw.id, 1).map_or(fence, at);
    if !is_valid_id(&raw.id) {
        diags.push(invalid_id(file, quiz_pos, "quiz", &raw.id));
    }
    if raw.questions.is_empty() {
        diags.push(
            Diagnostic::error(file, quiz_pos, format!("quiz `{}` has no questions", raw.id))
                .with_help("add at least one question under `questions:`"),
        );
    }
    let mut seen = HashSet::new();
    let mut questions = Vec::new();
    let mut sources = Vec::new();
    let mut search_from = 1;
    for q in raw.questions {
        let local = locate_key_value(yaml, "id", &q.id, search_from).unwrap_or(Pos::new(search_from, 1));
        search_from = local.line + 1;
        let pos = at(local);
        if !is_valid_id(&q.id) {
            diags.push(invalid_id(file, pos, "question", &q.id));
        }
        if !seen.insert(q.id.clone()) {
            diags.push(
                Diagnostic::error(
                    file,
                    pos,
                    format!("question id `{}` is used twice in quiz `{}`", q.id, raw.id),
                )
                .with_help("question ids must be unique within their quiz; they are stored with every answer"),
            );
        }
        if let Some((question, source)) = parse_question(q, pos, yaml, local.line, fence.line, texts, diags) {
            questions.push(question);
            sources.push(source);
        }
    }
    Some((
        Quiz {
            id: QuizId::new(raw.id),
            title: raw.title,
            graded: raw.graded.unwrap_or(true),
            questions,
        },
        QuizSource {
            pos: quiz_pos,
            questions: sources,
        },
    ))
}

fn invalid_id(file: &str, pos: Pos, what: &str, id: &str) -> Diagnostic {
    Diagnostic::error(file, pos, format!("{what} id `{id}` is not valid"))
        .with_help("ids use lower-case letters, digits and hyphens, like `spf-basics`; they are stable forever")
}

fn parse_question(
    q: RawQuestion,
    pos: Pos,
    yaml: &str,
    local_line: usize,
    fence_line: usize,
    texts: &mut Snippets<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Question, QuestionSource)> {
    let file = texts.file();
    let key_pos = |key: &str| {
        yaml.lines()
            .enumerate()
            .skip(local_line.saturating_sub(1))
            .find(|(_, l)| l.trim_start().trim_start_matches("- ").starts_with(&format!("{key}:")))
            .map_or(pos, |(i, l)| {
                Pos::new(i + 1 + fence_line, l.len() - l.trim_start().len() + 1)
            })
    };
    // A key of this question itself (not of one of its options), for texts' positions: the
    // question's lines are those indented at least as far as its keys.
    let own_key_pos = |key: &str| {
        let indent = pos.column - 1;
        yaml.lines()
            .enumerate()
            .skip(local_line)
            .take_while(|(_, l)| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
            .find(|(_, l)| l.len() - l.trim_start().len() == indent && l.trim_start().starts_with(&format!("{key}:")))
            .map_or(pos, |(i, _)| Pos::new(i + 1 + fence_line, pos.column))
    };
    // Entry `n` (0-based) of the block list under `key`: the `n`-th `- ` line indented like
    // the first one after the key; the key itself when the list is written inline.
    let entry_pos = |key: &str, n: usize| {
        let at = key_pos(key);
        let lines: Vec<&str> = yaml.lines().collect();
        let start = at.line.saturating_sub(fence_line);
        let indent_of = |l: &str| l.len() - l.trim_start().len();
        let first = lines.iter().skip(start).find(|l| !l.trim().is_empty());
        let Some(indent) = first.filter(|l| l.trim_start().starts_with('-')).map(|l| indent_of(l)) else {
            return at;
        };
        lines
            .iter()
            .enumerate()
            .skip(start)
            .take_while(|(_, l)| l.trim().is_empty() || indent_of(l) >= indent)
            .filter(|(_, l)| indent_of(l) == indent && l.trim_start().starts_with('-'))
            .nth(n)
            .map_or(at, |(i, _)| Pos::new(i + 1 + fence_line, indent + 1))
    };
    let err = |diags: &mut Vec<Diagnostic>, at: Pos, msg: String, help: &str| {
        diags.push(Diagnostic::error(file, at, msg).with_help(help));
    };
    let kind_name = q.kind.as_str();
    if !QUESTION_TYPES.contains(&kind_name) {
        let help = match did_you_mean(kind_name, QUESTION_TYPES) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("question types are {}", QUESTION_TYPES.join(", ")),
        };
        let type_pos = key_pos("type");
        let at = super::yaml::locate_word(yaml, kind_name, type_pos.line - fence_line)
            .map_or(type_pos, |p| p.below(fence_line));
        err(diags, at, format!("unknown question type `{kind_name}`"), &help);
        return None;
    }
    // Keys that belong to other types are mistakes the author should hear about.
    let present = [
        ("options", q.options.is_some()),
        ("answer", q.answer.is_some()),
        ("accept", q.accept.is_some()),
        ("tolerance", q.tolerance.is_some()),
        ("items", q.items.is_some()),
        ("pairs", q.pairs.is_some()),
    ];
    let allowed: &[&str] = match kind_name {
        "single" | "multiple" => &["options"],
        "true-false" => &["answer"],
        "text" => &["accept"],
        "number" => &["answer", "tolerance"],
        "order" => &["items"],
        _ => &["pairs"],
    };
    for (key, is_present) in present {
        if is_present && !allowed.contains(&key) {
            err(
                diags,
                key_pos(key),
                format!("`{key}` does not apply to `{kind_name}` questions"),
                &format!(
                    "`{kind_name}` questions take {}",
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            );
        }
    }
    let id = q.id.clone();
    let mut without_feedback = Vec::new();
    let kind = match kind_name {
        "single" | "multiple" => {
            let Some(raw_options) = q.options else {
                err(
                    diags,
                    pos,
                    format!("question `{id}` has no `options`"),
                    "list the choices under `options:`, marking the right one(s) with `correct: true`",
                );
                return None;
            };
            let correct = raw_options.iter().filter(|o| o.correct).count();
            let options_pos = key_pos("options");
            if raw_options.len() < 2 {
                err(
                    diags,
                    options_pos,
                    format!("question `{id}` needs at least two options"),
                    "a choice needs something to choose between",
                );
            }
            if kind_name == "single" && correct != 1 {
                err(
                    diags,
                    options_pos,
                    format!("`single` question `{id}` has {correct} correct options; it needs exactly one"),
                    "mark exactly one option with `correct: true`, or make it a `multiple` question",
                );
            }
            if kind_name == "multiple" && correct == 0 {
                err(
                    diags,
                    options_pos,
                    format!("`multiple` question `{id}` has no correct option"),
                    "mark at least one option with `correct: true`",
                );
            }
            let mut option_line = options_pos.line - fence_line;
            let mut options = Vec::new();
            for o in raw_options {
                let local = yaml
                    .lines()
                    .enumerate()
                    .skip(option_line)
                    .find(|(_, l)| l.trim_start().starts_with("- text:") || l.trim_start().starts_with("- text :"))
                    .map(|(i, l)| Pos::new(i + 1, l.len() - l.trim_start().len() + 1));
                let opt_pos = local.map_or(options_pos, |p| p.below(fence_line));
                let mut feedback_pos = opt_pos;
                if let Some(p) = local {
                    option_line = p.line;
                    // `feedback:` among this option's own lines, which are indented deeper.
                    feedback_pos = yaml
                        .lines()
                        .enumerate()
                        .skip(p.line)
                        .take_while(|(_, l)| l.trim().is_empty() || l.len() - l.trim_start().len() >= p.column)
                        .find(|(_, l)| l.trim_start().starts_with("feedback:"))
                        .map_or(opt_pos, |(i, l)| {
                            Pos::new(i + 1 + fence_line, l.len() - l.trim_start().len() + 1)
                        });
                }
                if !o.correct && o.feedback.is_none() {
                    without_feedback.push(opt_pos);
                }
                options.push(QuizOption {
                    text_html: texts.inline(&scalar(&o.text), opt_pos),
                    correct: o.correct,
                    feedback_html: o.feedback.as_deref().map(|f| texts.html(f, feedback_pos)),
                });
            }
            if kind_name == "single" {
                QuestionKind::Single { options }
            } else {
                QuestionKind::Multiple { options }
            }
        }
        "true-false" => match q.answer {
            Some(serde_yaml::Value::Bool(answer)) => QuestionKind::TrueFalse { answer },
            other => {
                let found = other
                    .as_ref()
                    .map_or("nothing".to_owned(), |v| format!("`{}`", scalar(v)));
                err(
                    diags,
                    key_pos("answer"),
                    format!("`true-false` question `{id}` needs `answer: true` or `answer: false`, found {found}"),
                    "write `answer: true` or `answer: false` (no quotes)",
                );
                return None;
            }
        },
        "text" => {
            let accept: Vec<String> = q
                .accept
                .unwrap_or_default()
                .iter()
                .map(scalar)
                .filter(|s| !s.trim().is_empty())
                .collect();
            if accept.is_empty() {
                err(
                    diags,
                    key_pos("accept"),
                    format!("`text` question `{id}` accepts no answer"),
                    "list the accepted answers: `accept: [p=reject, reject]` (compared ignoring case and surrounding spaces)",
                );
                return None;
            }
            QuestionKind::Text { accept }
        }
        "number" => {
            let answer = match &q.answer {
                Some(serde_yaml::Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
                _ => None,
            };
            let Some(answer) = answer else {
                err(
                    diags,
                    key_pos("answer"),
                    format!("`number` question `{id}` needs a numeric `answer`"),
                    "write the number without quotes or units: `answer: 3600`",
                );
                return None;
            };
            let tolerance = q.tolerance.unwrap_or(0.0);
            if !tolerance.is_finite() || tolerance < 0.0 {
                err(
                    diags,
                    key_pos("tolerance"),
                    format!("`tolerance` of question `{id}` must be a number ≥ 0"),
                    "for example `tolerance: 0.5` accepts answers within ±0.5",
                );
            }
            QuestionKind::Number {
                answer,
                tolerance: tolerance.max(0.0),
            }
        }
        "order" => {
            let items: Vec<String> = q.items.unwrap_or_default().iter().map(scalar).collect();
            if !(2..=10).contains(&items.len()) {
                err(
                    diags,
                    key_pos("items"),
                    format!("`order` question `{id}` has {} items; it needs 2 to 10", items.len()),
                    "list the items in the correct order under `items:`",
                );
                return None;
            }
            if has_duplicates(&items) {
                err(
                    diags,
                    key_pos("items"),
                    format!("`order` question `{id}` lists the same item twice"),
                    "each item must be different, or the right order is ambiguous",
                );
            }
            QuestionKind::Order {
                items: items.iter().map(|i| texts.inline(i, key_pos("items"))).collect(),
            }
        }
        _ => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            let mut broken = false;
            for (i, entry) in q.pairs.unwrap_or_default().iter().enumerate() {
                match pair_of(entry) {
                    Ok(pair) => pairs.push(pair),
                    Err((message, help)) => {
                        broken = true;
                        err(
                            diags,
                            entry_pos("pairs", i),
                            format!("entry {} of `pairs` in question `{id}` {message}", i + 1),
                            &help,
                        );
                    }
                }
            }
            if broken {
                return None;
            }
            if !(2..=10).contains(&pairs.len()) {
                err(
                    diags,
                    key_pos("pairs"),
                    format!("`match` question `{id}` has {} pairs; it needs 2 to 10", pairs.len()),
                    "list `- left: … right: …` pairs under `pairs:`",
                );
                return None;
            }
            let rights: Vec<String> = pairs.iter().map(|p| p.1.clone()).collect();
            let lefts: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
            if has_duplicates(&rights) || has_duplicates(&lefts) {
                err(
                    diags,
                    key_pos("pairs"),
                    format!("`match` question `{id}` repeats a left or right text"),
                    "each left and each right text must be different, or the answer is ambiguous",
                );
            }
            QuestionKind::Match {
                pairs: pairs
                    .iter()
                    .map(|(l, r)| {
                        let at = key_pos("pairs");
                        (texts.inline(l, at), texts.inline(r, at))
                    })
                    .collect(),
            }
        }
    };
    if q.prompt.trim().is_empty() {
        err(
            diags,
            key_pos("prompt"),
            format!("question `{id}` has an empty prompt"),
            "write the question the learner must answer",
        );
    }
    let source = QuestionSource {
        pos,
        has_explanation: q.explanation.as_deref().is_some_and(|e| !e.trim().is_empty()),
        options_without_feedback: without_feedback,
    };
    let question = Question {
        id: QuestionId::new(q.id),
        prompt_html: texts.html(&q.prompt, own_key_pos("prompt")),
        explanation_html: q
            .explanation
            .as_deref()
            .map(|e| texts.html(e, own_key_pos("explanation"))),
        feedback_html: q.feedback.as_deref().map(|f| texts.html(f, own_key_pos("feedback"))),
        kind,
    };
    Some((question, source))
}

fn has_duplicates(items: &[String]) -> bool {
    let mut seen = HashSet::new();
    items.iter().any(|i| !seen.insert(i.trim()))
}

/// YAML scalars as text: authors write `accept: [42, yes]` and mean the strings.
/// One entry of `pairs`: `left:` and `right:`, or `[left, right]`; else what is wrong with it
/// (the rest of a message naming the entry) and a help.
fn pair_of(entry: &serde_yaml::Value) -> Result<(String, String), (String, String)> {
    use serde_yaml::Value;
    let example = || format!("write each pair like this:\n{}", super::mismatch::PAIRS);
    match entry {
        Value::Sequence(two) if two.len() == 2 => Ok((scalar(&two[0]), scalar(&two[1]))),
        Value::Sequence(other) => Err((
            format!(
                "is a list of {} text{}; a pair has two, `[left, right]`",
                other.len(),
                if other.len() == 1 { "" } else { "s" }
            ),
            example(),
        )),
        Value::Mapping(map) => {
            let mut left = None;
            let mut right = None;
            for (key, value) in map {
                match key.as_str() {
                    Some("left") => left = Some(scalar(value)),
                    Some("right") => right = Some(scalar(value)),
                    other => {
                        let key = other.map_or_else(|| scalar(key), str::to_owned);
                        let help = match did_you_mean(&key, ["left", "right"]) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "a pair has only `left:` and `right:`".to_owned(),
                        };
                        return Err((format!("has an unknown key `{key}`"), help));
                    }
                }
            }
            match (left, right) {
                (Some(l), Some(r)) => Ok((l, r)),
                (l, _) => Err((
                    format!("has no `{}:`", if l.is_none() { "left" } else { "right" }),
                    example(),
                )),
            }
        }
        other => Err((
            format!(
                "must be a pair (`left:` and `right:`, or `[left, right]`), not {}",
                match other {
                    Value::String(t) => format!("the text \"{t}\""),
                    Value::Null => "empty".to_owned(),
                    v => format!("`{}`", scalar(v)),
                }
            ),
            example(),
        )),
    }
}

fn scalar(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => String::new(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> (Option<(Quiz, QuizSource)>, Vec<Diagnostic>) {
        let map = crate::parse::markdown::LinkMap::new();
        let ctx = crate::parse::markdown::LinkContext {
            map: &map,
            base: "c/lessons",
            course: "c",
        };
        let mut texts = Snippets::new("l.md", Some(&ctx));
        let mut diags = Vec::new();
        let quiz = parse_quiz(yaml, Pos::new(10, 1), &mut texts, &mut diags);
        diags.append(&mut texts.diagnostics);
        (quiz, diags)
    }

    #[test]
    fn pairs_take_the_list_shorthand_and_report_each_bad_entry() {
        let yaml = "id: q\nquestions:\n  - id: m\n    type: match\n    prompt: P\n    pairs:\n      - [SPF, senders]\n      - {left: DKIM, right: signatures}\n      - [DMARC, \"policy: reject\"]\n";
        let (quiz, diags) = parse(yaml);
        assert!(diags.is_empty(), "{diags:?}");
        let QuestionKind::Match { pairs } = &quiz.expect("quiz").0.questions[0].kind else {
            panic!("a match question");
        };
        let lefts: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(lefts, ["SPF", "DKIM", "DMARC"]);
        assert_eq!(pairs[2].1, "policy: reject");
        let yaml = "id: q\nquestions:\n  - id: m\n    type: match\n    prompt: P\n    pairs:\n      - [SPF]\n      - {left: DKIM, rigth: signatures}\n      - {left: DMARC}\n";
        let (_, diags) = parse(yaml);
        let found: Vec<(&str, Option<&str>)> = diags.iter().map(|d| (d.message.as_str(), d.help.as_deref())).collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(
            found[0].0,
            "entry 1 of `pairs` in question `m` is a list of 1 text; a pair has two, `[left, right]`"
        );
        assert_eq!(
            found[1],
            (
                "entry 2 of `pairs` in question `m` has an unknown key `rigth`",
                Some("did you mean `right`?")
            )
        );
        assert_eq!(found[2].0, "entry 3 of `pairs` in question `m` has no `right:`");
        let at: Vec<(usize, usize)> = diags.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(at, [(17, 7), (18, 7), (19, 7)], "each error points at its entry");
    }

    #[test]
    fn all_seven_types_parse() {
        let yaml = r#"id: all
questions:
  - id: s
    type: single
    prompt: P
    options:
      - text: A
        correct: true
      - text: B
        feedback: No.
  - id: m
    type: multiple
    prompt: P
    options:
      - text: A
        correct: true
      - text: B
        correct: true
  - {id: tf, type: true-false, prompt: P, answer: false}
  - {id: t, type: text, prompt: P, accept: [p=reject, 42]}
  - {id: n, type: number, prompt: P, answer: 3600, tolerance: 1}
  - {id: o, type: order, prompt: P, items: [a, b, c]}
  - id: mt
    type: match
    prompt: P
    pairs:
      - {left: SPF, right: senders}
      - {left: DKIM, right: signatures}
"#;
        let (quiz, diags) = parse(yaml);
        assert!(diags.is_empty(), "{diags:?}");
        let quiz = quiz.expect("quiz");
        let types: Vec<_> = quiz.0.questions.iter().map(|q| q.kind.type_name()).collect();
        assert_eq!(types, QUESTION_TYPES);
        assert!(quiz.0.graded);
        assert_eq!(quiz.1.questions[0].pos, Pos::new(13, 5));
        assert_eq!(quiz.1.questions[0].options_without_feedback, Vec::<Pos>::new());
        assert_eq!(quiz.1.questions[1].options_without_feedback, Vec::<Pos>::new());
    }

    #[test]
    fn mistakes_are_reported_with_positions() {
        let yaml = "id: q\nquestions:\n  - id: a\n    type: singel\n    prompt: P\n  - id: b\n    type: single\n    prompt: P\n    options:\n      - text: A\n      - text: B\n  - id: b\n    type: true-false\n    prompt: P\n    answer: \"yes\"\n";
        let (_, diags) = parse(yaml);
        let got: Vec<_> = diags
            .iter()
            .map(|d| (d.line, d.column, d.message.as_str(), d.help.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            [
                (14, 11, "unknown question type `singel`", "did you mean `single`?"),
                (
                    19,
                    5,
                    "`single` question `b` has 0 correct options; it needs exactly one",
                    "mark exactly one option with `correct: true`, or make it a `multiple` question"
                ),
                (
                    22,
                    5,
                    "question id `b` is used twice in quiz `q`",
                    "question ids must be unique within their quiz; they are stored with every answer"
                ),
                (
                    25,
                    5,
                    "`true-false` question `b` needs `answer: true` or `answer: false`, found `yes`",
                    "write `answer: true` or `answer: false` (no quotes)"
                ),
            ]
        );
    }

    #[test]
    fn wrong_key_for_type() {
        let (_, diags) =
            parse("id: q\nquestions:\n  - id: a\n    type: text\n    prompt: P\n    accept: [x]\n    answer: 3\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "`answer` does not apply to `text` questions");
        assert_eq!((diags[0].line, diags[0].column), (17, 5));
    }
}
