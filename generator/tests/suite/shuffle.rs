//! The keyed page shuffle (`waypost_generator::shuffle`) tells nothing of an answer.
//!
//! The first scheme sorted the displayed texts by their *unkeyed* SHA-256 and rotated the
//! result when it equalled the answer, so anyone could recompute it from the page: a 2-item
//! question always showed the reverse of its answer, and an n-item question whose answer
//! happened to be the hash order showed that order rotated. These tests build hundreds of
//! generated `order` and `match` questions with 2, 3 and 5 texts, read the displayed order
//! back from the built HTML, run the attacks that broke the old scheme, and check that they
//! now do no better than chance, while the same attacks on the old scheme (reimplemented
//! here) succeed every time, which proves the attacks work. Also: a key gives the same
//! pages every time, other keys give other orders, a build without a key draws its own, and
//! the grader's keys agree with what every page shows.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};
use waypost_generator::grading::{Key, ShuffleKey, normalise};
use waypost_generator::model::QuestionKind;
use waypost_generator::{Options, RenderMode, Site, build};

use crate::support::{fixture, options, test_key, text};

/// Questions per population: enough that chance stays far from the bounds asserted.
const N: usize = 300;
/// Questions per population where only agreement matters, not rates.
const SMALL: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Population {
    /// Texts in an order unrelated to their hashes: the usual case.
    Random,
    /// The answer *is* the unkeyed hash order: the case the old scheme gave away.
    HashOrder,
}

fn unkeyed_sort(texts: &[String]) -> Vec<usize> {
    let mut keyed: Vec<([u8; 32], usize)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (Sha256::digest(t.trim().as_bytes()).into(), i))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// What the old scheme showed: the unkeyed sort, rotated when it equalled the answer.
fn old_display(answer: &[String]) -> Vec<String> {
    let mut order = unkeyed_sort(answer);
    if order.iter().enumerate().all(|(k, &i)| k == i) {
        order.rotate_left(1);
    }
    order.into_iter().map(|i| answer[i].clone()).collect()
}

/// The attack: from the displayed texts alone, what the old scheme says the answer is.
/// Two texts: the reverse of what is shown. More: when the page shows the unkeyed hash order
/// rotated by one, the answer is the hash order. Otherwise no guess.
fn attack(shown: &[String]) -> Option<Vec<String>> {
    if shown.len() == 2 {
        return Some(vec![shown[1].clone(), shown[0].clone()]);
    }
    let sorted: Vec<String> = unkeyed_sort(shown).into_iter().map(|i| shown[i].clone()).collect();
    let mut rotated = sorted.clone();
    rotated.rotate_left(1);
    (shown == rotated.as_slice()).then_some(sorted)
}

/// The answers of a population: `count` questions of `n` texts, in the right order.
fn answers(kind: &str, n: usize, population: Population, count: usize) -> Vec<Vec<String>> {
    (0..count)
        .map(|q| {
            let mut texts: Vec<String> = (0..n).map(|j| format!("{kind}{n}{population:?}q{q}t{j}")).collect();
            if population == Population::HashOrder {
                let order = unkeyed_sort(&texts);
                texts = order.into_iter().map(|i| texts[i].clone()).collect();
            }
            texts
        })
        .collect()
}

const POPULATIONS: [(&str, usize, Population); 8] = [
    ("order", 2, Population::Random),
    ("order", 3, Population::HashOrder),
    ("order", 5, Population::HashOrder),
    ("order", 5, Population::Random),
    ("match", 2, Population::Random),
    ("match", 3, Population::HashOrder),
    ("match", 5, Population::HashOrder),
    ("match", 3, Population::Random),
];

fn lesson_id(kind: &str, n: usize, population: Population) -> String {
    format!("{kind}-{n}-{}", format!("{population:?}").to_lowercase())
}

/// Writes a course with one lesson per population, each one graded quiz of `count`
/// questions, plus a practice quiz and a graded quiz with a question of every type.
fn write_course(dir: &Path, count: usize) {
    let lessons: Vec<String> = POPULATIONS.iter().map(|&(k, n, p)| lesson_id(k, n, p)).collect();
    fs::create_dir_all(dir.join("lessons")).expect("mkdir");
    fs::write(
        dir.join("course.yaml"),
        format!(
            "title: Shuffles\nsummary: Generated questions.\nmodules:\n  - title: All\n    lessons: [{}, every-type]\n",
            lessons.join(", ")
        ),
    )
    .expect("write course.yaml");
    for (i, &(kind, n, population)) in POPULATIONS.iter().enumerate() {
        let mut quiz = format!("```quiz\nid: quiz-{i}\nquestions:\n");
        for (q, texts) in answers(kind, n, population, count).iter().enumerate() {
            quiz.push_str(&format!("  - id: q{q}\n    type: {kind}\n    prompt: Which order?\n"));
            if kind == "order" {
                quiz.push_str(&format!("    items: [{}]\n", texts.join(", ")));
            } else {
                quiz.push_str("    pairs:\n");
                for (j, t) in texts.iter().enumerate() {
                    quiz.push_str(&format!("      - {{left: left{j}, right: {t}}}\n"));
                }
            }
        }
        quiz.push_str("```\n");
        let id = lesson_id(kind, n, population);
        fs::write(
            dir.join(format!("lessons/{i:02}-{id}.md")),
            format!("---\ntitle: {id}\n---\n\nQuestions.\n\n{quiz}"),
        )
        .expect("write a lesson");
    }
    fs::write(dir.join("lessons/99-every-type.md"), EVERY_TYPE).expect("write a lesson");
}

const EVERY_TYPE: &str = r#"---
title: Every type
---

Practice.

```quiz
id: practice
graded: false
questions:
  - {id: one, type: single, prompt: P, options: [{text: right one, correct: true}, {text: wrong a}, {text: wrong b}, {text: wrong c}]}
  - {id: many, type: multiple, prompt: P, options: [{text: right a, correct: true}, {text: wrong a}, {text: right b, correct: true}, {text: wrong b}]}
  - {id: tf, type: true-false, prompt: P, answer: false}
  - {id: txt, type: text, prompt: P, accept: [Quarantine]}
  - {id: num, type: number, prompt: P, answer: 10, tolerance: 1}
  - {id: ord, type: order, prompt: P, items: [first, second, third, fourth]}
  - {id: mat, type: match, prompt: P, pairs: [{left: SPF, right: senders}, {left: DKIM, right: signatures}, {left: DMARC, right: policy}]}
```

```quiz
id: graded
questions:
  - {id: one, type: single, prompt: P, options: [{text: right one, correct: true}, {text: wrong a}, {text: wrong b}, {text: wrong c}]}
  - {id: many, type: multiple, prompt: P, options: [{text: right a, correct: true}, {text: wrong a}, {text: right b, correct: true}, {text: wrong b}]}
  - {id: ord, type: order, prompt: P, items: [first, second, third, fourth]}
  - {id: mat, type: match, prompt: P, pairs: [{left: SPF, right: senders}, {left: DKIM, right: signatures}, {left: DMARC, right: policy}]}
```
"#;

fn build_with(dir: &Path, key: Option<ShuffleKey>, mode: RenderMode) -> Site {
    let mut opts = Options::new(dir);
    opts.shuffle_key = key;
    opts.mode = mode;
    build(&opts).unwrap_or_else(|d| panic!("the generated course builds: {d:?}"))
}

/// The markup of question `question` of quiz `quiz` on a page.
fn fieldset<'a>(page: &'a str, quiz: &str, question: &str) -> &'a str {
    let quiz_start = page
        .find(&format!("data-quiz=\"{quiz}\""))
        .unwrap_or_else(|| panic!("quiz {quiz} on the page"));
    let rest = &page[quiz_start..];
    let start = rest
        .find(&format!("data-question=\"{question}\""))
        .unwrap_or_else(|| panic!("question {question} in quiz {quiz}"));
    let rest = &rest[start..];
    &rest[..rest.find("</fieldset>").expect("the fieldset ends")]
}

/// The texts between each `open` (up to its `>`) and the next `close`, in page order.
fn texts_between(html: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(open) {
        rest = &rest[at + open.len()..];
        let body = &rest[rest.find('>').expect("the tag ends") + 1..];
        let end = body.find(close).expect("the element ends");
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

/// The choices a question shows, in displayed order: options, order items, or the
/// right-hand texts of a match (as the first row's select lists them).
fn shown(html: &str, kind: &str) -> Vec<String> {
    match kind {
        "order" => texts_between(html, "<div class=\"order-text\"", "</div>"),
        "match" => {
            let first_select = &html[..html.find("</select>").expect("a select")];
            texts_between(first_select, "<option value=\"", "</option>")
                .into_iter()
                .skip(1) // "Choose…"
                .collect()
        }
        _ => texts_between(html, "<label for=", "</label>"),
    }
}

fn page(site: &Site, lesson: &str) -> String {
    text(site, &format!("shuffles/{lesson}.html"))
}

#[test]
fn the_unkeyed_hash_order_tells_nothing_of_the_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let course = dir.path().join("shuffles");
    write_course(&course, N);
    let site = build_with(&course, Some(test_key()), RenderMode::Server);
    let mut report = Vec::new();
    for (i, &(kind, n, population)) in POPULATIONS.iter().enumerate() {
        let page = page(&site, &lesson_id(kind, n, population));
        let (mut broken_old, mut broken_new, mut shown_right) = (0, 0, 0);
        let (mut hash_shaped_old, mut hash_shaped) = (0, 0);
        for (q, answer) in answers(kind, n, population, N).iter().enumerate() {
            let displayed = shown(fieldset(&page, &format!("quiz-{i}"), &format!("q{q}")), kind);
            let mut sorted = displayed.clone();
            sorted.sort();
            let mut expected = answer.clone();
            expected.sort();
            assert_eq!(sorted, expected, "{kind} q{q}: the page shows every text once");
            broken_old += usize::from(attack(&old_display(answer)).as_ref() == Some(answer));
            broken_new += usize::from(attack(&displayed).as_ref() == Some(answer));
            shown_right += usize::from(&displayed == answer);
            hash_shaped_old += usize::from(hash_shaped_order(&old_display(answer)));
            hash_shaped += usize::from(hash_shaped_order(&displayed));
        }
        report.push(format!(
            "{kind} {n} {population:?}: attack breaks old {broken_old}/{N}, new {broken_new}/{N}; \
             shown in the right order {shown_right}; shown as the hash order or its rotation {hash_shaped}"
        ));
        // The attack is sound: the old scheme gave away every question of these populations,
        // and showed every question in the hash order or its rotation.
        if n == 2 || population == Population::HashOrder {
            assert_eq!(broken_old, N, "{}", report.join("\n"));
        }
        if n >= 3 {
            assert_eq!(hash_shaped_old, N, "{}", report.join("\n"));
        }
        // Now it does no better than a guess among the arrangements the page does not show.
        let (chance, bound) = match n {
            2 => (0.5, 0.62),
            3 => (1.0 / 5.0, 0.30),
            _ => (1.0 / 119.0, 0.04),
        };
        let rate = broken_new as f64 / N as f64;
        assert!(
            rate <= bound && (n != 2 || rate >= 1.0 - bound),
            "attack rate {rate:.3}, chance {chance:.3}\n{}",
            report.join("\n")
        );
        // Two texts: shown as drawn, the answer about half the time; more: never the answer.
        if n == 2 {
            assert!((114..=186).contains(&shown_right), "{}", report.join("\n"));
        } else {
            assert_eq!(shown_right, 0, "{}", report.join("\n"));
        }
        // The displayed order no longer follows the unkeyed hash (it always did).
        if n >= 3 {
            let limit = if n == 3 { N / 2 } else { N / 10 };
            assert!(hash_shaped <= limit, "{}", report.join("\n"));
        }
    }
    eprintln!("{}", report.join("\n"));
}

/// Whether texts are shown in their unkeyed hash order or that order rotated by one.
fn hash_shaped_order(displayed: &[String]) -> bool {
    let hash: Vec<String> = unkeyed_sort(displayed)
        .into_iter()
        .map(|k| displayed[k].clone())
        .collect();
    let mut rotated = hash.clone();
    rotated.rotate_left(1);
    displayed == hash.as_slice() || displayed == rotated.as_slice()
}

/// Every question's displayed order on the lesson pages, by (lesson, quiz, question).
fn orders(site: &Site) -> BTreeMap<(String, String, String), Vec<String>> {
    let mut all = BTreeMap::new();
    for course in &site.courses {
        for (lesson, quiz) in course.quizzes() {
            let page = text(site, &format!("{}/{}.html", course.id, lesson.id));
            for q in &quiz.questions {
                let kind = q.kind.type_name();
                if matches!(kind, "true-false" | "text" | "number") {
                    continue;
                }
                let html = fieldset(&page, quiz.id.as_str(), q.id.as_str());
                let key = (lesson.id.to_string(), quiz.id.to_string(), q.id.to_string());
                all.insert(key, shown(html, kind));
            }
        }
    }
    all
}

#[test]
fn a_key_gives_the_same_pages_and_other_keys_other_orders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let course = dir.path().join("shuffles");
    write_course(&course, SMALL);
    let server = RenderMode::Server;
    let a = build_with(&course, Some(ShuffleKey::derive(b"a")), server);
    let again = build_with(&course, Some(ShuffleKey::derive(b"a")), server);
    assert!(a.files == again.files, "the same key gives the same bytes");
    let b = build_with(&course, Some(ShuffleKey::derive(b"b")), server);
    let (oa, ob) = (orders(&a), orders(&b));
    assert_eq!(oa.len(), ob.len());
    let differ = oa.iter().filter(|(k, v)| ob[*k] != **v).count();
    // Questions with 2 texts agree half the time, with 3 about a fifth, with 5 rarely.
    assert!(
        differ * 2 > oa.len(),
        "{differ} of {} questions differ between keys",
        oa.len()
    );
    // No key: each build draws its own, so server-mode pages differ between builds ...
    let random = [None, None].map(|k| orders(&build_with(&course, k, server)));
    let differ = random[0].iter().filter(|(k, v)| random[1][*k] != **v).count();
    assert!(
        differ * 2 > oa.len(),
        "two builds without a key differ in {differ} questions"
    );
    // ... while static-only builds (every answer in the page anyway) stay reproducible.
    let fixed = RenderMode {
        static_only: true,
        preview: false,
    };
    let (s1, s2) = (build_with(&course, None, fixed), build_with(&course, None, fixed));
    assert!(s1.files == s2.files, "static-only builds are reproducible");
}

/// The texts the grader's key names as right, in the displayed positions of the page.
fn keyed_texts(key: &Key, displayed: &[String]) -> Vec<String> {
    let at = |p: &usize| displayed[*p].clone();
    match key {
        Key::Single(p) => vec![at(p)],
        Key::Multiple(set) => set.iter().map(at).collect(),
        Key::Order(positions) | Key::Match(positions) => positions.iter().map(at).collect(),
        other => panic!("no displayed choices for {other:?}"),
    }
}

/// The right texts by the author's model: correct options, items in order, rights in pair order.
fn author_texts(kind: &QuestionKind) -> Vec<String> {
    match kind {
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => options
            .iter()
            .filter(|o| o.correct)
            .map(|o| o.text_html.clone())
            .collect(),
        QuestionKind::Order { items } => items.clone(),
        QuestionKind::Match { pairs } => pairs.iter().map(|p| p.1.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Checks every question; returns how many had displayed choices and how many a page key.
fn assert_grader_agrees_with_pages(site: &Site) -> (usize, usize) {
    let (mut checked, mut page_keys) = (0, 0);
    for course in &site.courses {
        let grading = site.grading.course(course.id.as_str()).expect("every course is graded");
        for (lesson, quiz) in course.quizzes() {
            let page = text(site, &format!("{}/{}.html", course.id, lesson.id));
            let keys = grading.quiz(quiz.id.as_str()).expect("every quiz has keys");
            let version = format!("data-quiz=\"{}\"", quiz.id);
            let quiz_html = &page[page.find(&version).expect("the quiz is on its page")..];
            assert!(
                quiz_html[..400.min(quiz_html.len())].contains(&format!("data-version=\"{}\"", keys.version)),
                "{}: the page and the grader agree on the quiz version",
                quiz.id
            );
            for q in &quiz.questions {
                let key = &keys.question(q.id.as_str()).expect("every question has a key").key;
                let html = fieldset(&page, quiz.id.as_str(), q.id.as_str());
                // A practice question's page key is the grader's key, value for value.
                if let Some(start) = html.find("data-key=\"") {
                    let raw = &html[start + 10..];
                    let raw = raw[..raw.find('"').expect("the attribute ends")]
                        .replace("&quot;", "\"")
                        .replace("&#x2f;", "/")
                        .replace("&#x27;", "'")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&");
                    let mut page_key: serde_json::Value = serde_json::from_str(&raw).expect("data-key is JSON");
                    if let (Key::Text(_), serde_json::Value::Array(accept)) = (key, &mut page_key) {
                        // The page keeps the author's spelling; both sides compare normalised.
                        for a in accept.iter_mut() {
                            *a = normalise(a.as_str().unwrap_or_default()).into();
                        }
                    }
                    assert_eq!(page_key, page_key_of(key), "{}/{}: page and grader keys", quiz.id, q.id);
                    page_keys += 1;
                }
                let kind = q.kind.type_name();
                if matches!(kind, "true-false" | "text" | "number") {
                    continue;
                }
                let displayed = shown(html, kind);
                let mut right = keyed_texts(key, &displayed);
                let mut expected = author_texts(&q.kind);
                if matches!(key, Key::Multiple(_)) {
                    right.sort();
                    expected.sort();
                }
                assert_eq!(
                    right, expected,
                    "{}/{}: the grader's key names the right texts",
                    quiz.id, q.id
                );
                checked += 1;
            }
        }
    }
    (checked, page_keys)
}

/// The grader's key as a page's `data-key` writes it (`render/quiz.rs`).
fn page_key_of(key: &Key) -> serde_json::Value {
    use serde_json::json;
    let s = |p: &usize| p.to_string();
    match key {
        Key::Single(p) => json!(s(p)),
        Key::Multiple(set) => json!(set.iter().map(s).collect::<Vec<_>>()),
        Key::TrueFalse(b) => json!(b),
        Key::Text(accept) => json!(accept),
        Key::Number { answer, tolerance } => json!({ "answer": answer, "tolerance": tolerance }),
        Key::Order(p) => json!(p.iter().map(s).collect::<Vec<_>>()),
        Key::Match(p) => json!(
            p.iter()
                .enumerate()
                .map(|(l, r)| (l.to_string(), json!(s(r))))
                .collect::<serde_json::Map<_, _>>()
        ),
    }
}

#[test]
fn the_grader_and_the_page_agree_for_every_question_type() {
    let dir = tempfile::tempdir().expect("temp dir");
    let course = dir.path().join("shuffles");
    write_course(&course, SMALL);
    for key in [test_key(), ShuffleKey::derive(b"another")] {
        let site = build_with(&course, Some(key), RenderMode::Server);
        let (checked, page_keys) = assert_grader_agrees_with_pages(&site);
        assert!(
            checked == 8 * SMALL + 8 && page_keys == 7,
            "{checked} questions, {page_keys} page keys"
        );
    }
    let mut opts = options(fixture("good"));
    opts.mode = RenderMode::Server;
    let tiny = build(&opts).expect("the good fixture builds");
    let (checked, _) = assert_grader_agrees_with_pages(&tiny);
    assert!(checked >= 4, "{checked} questions of the good fixture");
}
