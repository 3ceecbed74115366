//! Invariant 1: the answer key of a graded quiz never appears in the built site.
//!
//! The scan looks for what would give a key away: a graded question's explanation or
//! feedback anywhere in any file; key data, revealed answers or correctness markers inside a
//! graded quiz's markup; accepted text answers inside the quiz; key fields in `courses.json`.
//! To prove the scan can fail, it must find leaks in a `--static-only` build of the same
//! courses, where every quiz deliberately carries its answers.

use waypost_generator::model::{QuestionKind, Quiz};
use waypost_generator::{RenderMode, Site};

use crate::support::{build_in_memory, fixture, shipped_courses};

/// The forms in which a rendered explanation or feedback would appear if it leaked: as the
/// HTML itself (pages) and JSON-escaped (data files). Short texts could match prose by chance.
fn distinctive(html: &str) -> Vec<String> {
    let html = html.trim();
    if html.len() < 24 {
        return Vec::new();
    }
    let json = serde_json::to_string(html).expect("a string serialises");
    vec![html.to_owned(), json.trim_matches('"').to_owned()]
}

fn graded_quizzes(site: &Site) -> Vec<&Quiz> {
    site.courses.iter().flat_map(|c| c.graded_quizzes()).collect()
}

fn leaks(site: &Site) -> Vec<String> {
    let mut found = Vec::new();
    let files: Vec<(&String, String)> = site
        .files
        .iter()
        .map(|(p, b)| (p, String::from_utf8_lossy(b).into_owned()))
        .collect();
    let mut secrets = Vec::new();
    for quiz in graded_quizzes(site) {
        for q in &quiz.questions {
            let texts = [&q.explanation_html, &q.feedback_html].into_iter().flatten();
            let options = match &q.kind {
                QuestionKind::Single { options } | QuestionKind::Multiple { options } => options.as_slice(),
                _ => &[],
            };
            for html in texts.chain(options.iter().filter_map(|o| o.feedback_html.as_ref())) {
                secrets.extend(distinctive(html));
            }
        }
    }
    for (path, text) in &files {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                found.push(format!(
                    "{path}: explanation or feedback of a graded question: {secret}"
                ));
            }
        }
        if !path.ends_with(".html") {
            continue;
        }
        for quiz in graded_quizzes(site) {
            let marker = format!("data-quiz=\"{}\"", quiz.id);
            for (start, _) in text.match_indices(&marker) {
                let section = &text[start..];
                let section = &section[..section.find("</section>").unwrap_or(section.len())];
                if section.contains("data-mode=\"practice\"") {
                    continue;
                }
                for tell in ["data-key=", "class=\"reveal\"", "reveal-answer", "data-correct"] {
                    if section.contains(tell) {
                        found.push(format!("{path}: graded quiz {} contains {tell}", quiz.id));
                    }
                }
                for q in &quiz.questions {
                    if let QuestionKind::Text { accept } = &q.kind {
                        for a in accept
                            .iter()
                            .filter(|a| a.len() >= 3 && !q.prompt_html.contains(a.as_str()))
                        {
                            if section.contains(a.as_str()) {
                                found.push(format!(
                                    "{path}: accepted answer {a:?} of {}/{} in the page",
                                    quiz.id, q.id
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(catalog) = site.files.get("courses.json") {
        let json: serde_json::Value = serde_json::from_slice(catalog).expect("courses.json is JSON");
        let mut stack = vec![&json];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        if [
                            "correct",
                            "accept",
                            "answer",
                            "explanation",
                            "explanation_html",
                            "feedback",
                            "feedback_html",
                            "key",
                            "key_json",
                            "tolerance",
                        ]
                        .contains(&k.as_str())
                        {
                            found.push(format!("courses.json: key field `{k}`"));
                        }
                        stack.push(v);
                    }
                }
                serde_json::Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
    found
}

#[test]
fn no_answer_key_in_any_built_file() {
    for courses in [fixture("good"), shipped_courses()] {
        let site = build_in_memory(&courses, RenderMode::default())
            .unwrap_or_else(|d| panic!("{} must build: {d:?}", courses.display()));
        assert!(
            !graded_quizzes(&site).is_empty(),
            "{} has graded quizzes to protect",
            courses.display()
        );
        let found = leaks(&site);
        assert!(found.is_empty(), "answer keys leaked:\n{}", found.join("\n"));
    }
}

#[test]
fn the_scan_finds_keys_where_they_are_on_purpose() {
    for courses in [fixture("good"), shipped_courses()] {
        let site = build_in_memory(
            &courses,
            RenderMode {
                static_only: true,
                preview: false,
            },
        )
        .expect("builds");
        let found = leaks(&site);
        assert!(
            found.len() >= graded_quizzes(&site).len(),
            "the scan must detect practice answers in a static-only build; found {found:?}"
        );
    }
}
