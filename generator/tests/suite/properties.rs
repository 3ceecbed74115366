//! Nothing panics on any input: random bytes and random YAML in course.yaml, front matter
//! and quiz blocks go through parse, validate and render.

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

fn run(c: SourceCourse) {
    let (parsed, _) = waypost_generator::parse::parse(&[c]);
    let diags = waypost_generator::validate::validate(&parsed);
    if !diags.has_errors() {
        let _ = waypost_generator::render::render(&parsed, &Theme::embedded(), RenderMode::default());
    }
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(course_yaml in ".{0,300}", lesson in ".{0,600}") {
        run(course(course_yaml, lesson));
    }

    #[test]
    fn random_front_matter_never_panics(front in yamlish(), body in ".{0,200}") {
        run(course(COURSE.into(), format!("---\n{front}\n---\n{body}")));
    }

    #[test]
    fn random_quiz_blocks_never_panic(quiz in yamlish()) {
        run(course(COURSE.into(), format!("---\ntitle: A\n---\n\n```quiz\n{quiz}\n```\n")));
    }

    #[test]
    fn random_markdown_never_panics(md in "([#>*`\\[\\]()!|:-]|[a-z ]|\n|<[a-z]+>|\\[\\^1\\]|```quiz\n){0,120}") {
        run(course(COURSE.into(), format!("---\ntitle: A\n---\n{md}")));
    }
}

#[test]
fn deep_nesting_and_large_inputs_stay_fast() {
    let started = std::time::Instant::now();
    let deep = format!("---\ntitle: A\n---\n{}x\n", "> ".repeat(5000));
    run(course(COURSE.into(), deep));
    let lists = format!(
        "---\ntitle: A\n---\n{}",
        (0..2000)
            .map(|i| format!("{}- x\n", "  ".repeat(i % 200)))
            .collect::<String>()
    );
    run(course(COURSE.into(), lists));
    let big_yaml = format!(
        "---\ntitle: A\n---\n```quiz\nid: q\nquestions:\n{}```\n",
        "  - [[[[[[[[[[[[[[[[\n".repeat(4000)
    );
    run(course(COURSE.into(), big_yaml));
    assert!(
        started.elapsed().as_secs() < 20,
        "pathological inputs took {:?}",
        started.elapsed()
    );
}
