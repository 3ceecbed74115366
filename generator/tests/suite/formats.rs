//! The diagnostics formats authors and tools read: the compiler-like human format (plain and
//! coloured) and `--format json` (one object per line), on a course with several mistakes
//! at once — all of them reported in one run.

use waypost_generator::diagnostics::{render_human, render_json};
use waypost_generator::{Options, check};

use crate::support::fixture;

#[test]
fn human_plain_human_coloured_and_json() {
    let diags = check(&Options::new(fixture("formats/mixed")));
    assert!(
        diags.len() >= 4,
        "expected every mistake in one run:\n{}",
        render_human(&diags, false)
    );
    insta::assert_snapshot!("human", render_human(&diags, false));
    let coloured = render_human(&diags, true);
    assert!(coloured.contains("\u{1b}["), "colour on a terminal");
    insta::assert_snapshot!("human_coloured", coloured.replace('\u{1b}', "␛"));
    let json = render_json(&diags);
    for line in json.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        for key in ["severity", "file", "line", "column", "message"] {
            assert!(value.get(key).is_some(), "{key} missing from {line}");
        }
    }
    insta::assert_snapshot!("json", json);
}
