//! Nothing panics on any input: random bytes and random YAML in course.yaml, front matter
//! and quiz blocks go through parse, validate and render; no message uses serde's words.

use proptest::prelude::*;
use waypost_generator::RenderMode;
use waypost_generator::load::{SourceCourse, SourceFile};
use waypost_generator::theme::Theme;

fn course(course_yaml: String, lesson: String) -> SourceCourse {
    SourceCourse {
        dir_name: "fuzz".into(),
        display_dir: "fuzz".into(),
        course_yaml: SourceFile {
            path: "fuzz/course.yaml".into(),
            text: course_yaml,
        },
        lessons: vec![SourceFile {
            path: "fuzz/lessons/01-a.md".into(),
            text: lesson,
        }],
        assets: Vec::new(),
    }
}

/// Runs parse, validate and render on `c` and lists what breaks the promises any input must
/// keep: every diagnostic names one of the course's files and a line inside it, and a course
/// without errors renders with the embedded theme (catalog and `courses.json` included).
fn problems(c: SourceCourse) -> Vec<String> {
    let texts: Vec<(String, String)> = std::iter::once(&c.course_yaml)
        .chain(&c.lessons)
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    let (parsed, mut diags) = waypost_generator::parse::parse(&[c], &crate::support::test_key());
    diags.extend(waypost_generator::validate::validate(&parsed));
    let mut problems = Vec::new();
    for d in diags.iter() {
        match texts.iter().find(|(path, _)| *path == d.file) {
            Some((_, text)) if d.line > text.split('\n').count() + 1 => {
                problems.push(format!("line past the end: {d:?}"))
            }
            None if d.file != "fuzz" => problems.push(format!("unknown file: {d:?}")),
            _ => {}
        }
        for text in std::iter::once(&d.message).chain(&d.help) {
            if let Some(word) = crate::support::unauthorly(text) {
                problems.push(format!("serde's words ({word}) reach the author: {text}"));
            }
        }
    }
    if !diags.has_errors() {
        match waypost_generator::render::render(&parsed, &Theme::embedded(), RenderMode::default()) {
            Ok(files) => {
                for path in ["index.html", "courses.json"] {
                    if !files.contains_key(path) {
                        problems.push(format!("{path} missing"));
                    }
                }
            }
            Err(e) => problems.push(format!("a course without errors failed to render: {e:?}")),
        }
    }
    problems
}

const COURSE: &str = "title: T\nsummary: S\nmodules:\n  - title: M\n    lessons: [a]\n";

/// YAML-ish fragments that exercise the parsers' corners.
fn yamlish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "id: q",
        "questions:",
        "  - id: x",
        "    type: single",
        "    type: order",
        "    type: match",
        "    type: number",
        "    prompt: P",
        "    options:",
        "      - text: A",
        "        correct: true",
        "    answer: 3",
        "    answer: true",
        "    items: [a, b]",
        "    pairs: [{left: a, right: b}]",
        "    accept: [x]",
        "graded: false",
        "- [",
        "{",
        ": :",
        "\t",
        "&a [*a]",
        "!!binary x",
        "---",
        "...",
        "\"unterminated",
        "? complex",
        "- - -",
        "~",
        "1e999",
    ]);
    prop::collection::vec(atoms, 0..24).prop_map(|v| v.join("\n"))
}

/// Any text up to 200, 300 or 600 characters.
const ANY_200: &str = ".{0,200}";
const ANY_300: &str = ".{0,300}";
const ANY_600: &str = ".{0,600}";
/// Markdown punctuation, words, HTML tags, footnotes and quiz fences in any order.
const MARKDOWNISH: &str = "([#>*`\\[\\]()!|:-]|[a-z ]|\n|<[a-z]+>|\\[\\^1\\]|```quiz\n){0,120}";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(course_yaml in ANY_300, lesson in ANY_600) {
        let found = problems(course(course_yaml, lesson));
        prop_assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn random_front_matter_never_panics(front in yamlish(), body in ANY_200) {
        let found = problems(course(COURSE.into(), format!("---\n{front}\n---\n{body}")));
        prop_assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn random_quiz_blocks_never_panic(quiz in yamlish()) {
        let found = problems(course(COURSE.into(), format!("---\ntitle: A\n---\n\n```quiz\n{quiz}\n```\n")));
        prop_assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn random_markdown_never_panics(md in MARKDOWNISH) {
        let found = problems(course(COURSE.into(), format!("---\ntitle: A\n---\n{md}")));
        prop_assert!(found.is_empty(), "{found:#?}");
    }
}

#[test]
fn deep_nesting_and_large_inputs_stay_fast() {
    let started = std::time::Instant::now();
    let deep = format!("---\ntitle: A\n---\n{}x\n", "> ".repeat(5000));
    assert_eq!(problems(course(COURSE.into(), deep)), Vec::<String>::new());
    let lists = format!(
        "---\ntitle: A\n---\n{}",
        (0..2000)
            .map(|i| format!("{}- x\n", "  ".repeat(i % 200)))
            .collect::<String>()
    );
    assert_eq!(problems(course(COURSE.into(), lists)), Vec::<String>::new());
    let big_yaml = format!(
        "---\ntitle: A\n---\n```quiz\nid: q\nquestions:\n{}```\n",
        "  - [[[[[[[[[[[[[[[[\n".repeat(4000)
    );
    assert_eq!(problems(course(COURSE.into(), big_yaml)), Vec::<String>::new());
    assert!(
        started.elapsed().as_secs() < 20,
        "pathological inputs took {:?}",
        started.elapsed()
    );
}

/// A course cannot take an id the server answers itself (`/verify/`, `/api/`, …).
#[test]
fn reserved_course_ids_are_refused() {
    for id in waypost_generator::model::RESERVED_COURSE_IDS {
        let mut c = course(format!("id: {id}\n{COURSE}"), "---\ntitle: A\n---\n\nText.\n".into());
        c.dir_name = (*id).into();
        let (_, diags) = waypost_generator::parse::parse(&[c], &crate::support::test_key());
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("taken by the server") && d.line > 0),
            "{id}: {:?}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
    let (_, diags) = waypost_generator::parse::parse(
        &[course(
            format!("id: verified\n{COURSE}"),
            "---\ntitle: A\n---\n\nText.\n".into(),
        )],
        &crate::support::test_key(),
    );
    assert!(!diags.iter().any(|d| d.message.contains("taken by the server")));
}
