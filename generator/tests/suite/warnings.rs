//! The quality warnings `--strict` turns into failures: a course that builds, with one of each.
//! Without `--strict` it builds; every warning is reported, with its position, in one run.

use waypost_generator::diagnostics::render_human;
use waypost_generator::{Options, RenderMode, Severity, check};

use crate::support::{build_in_memory, fixture};

#[test]
fn every_quality_warning_is_reported_and_nothing_else() {
    let courses = fixture("warnings/every-warning");
    let diags = check(&Options::new(&courses));
    assert_eq!(diags.count(Severity::Error), 0, "{}", render_human(&diags, false));
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    for expected in [
        "image has no alt text",
        "section “Nothing here” is empty",
        "lesson `warned` has no objectives",
        "graded question `no-explanation` has no explanation",
        "wrong option of question `no-explanation` has no feedback",
        "heading id `same-title` is used twice on this page",
        "asset is not used by any lesson",
        "`order` question `two-steps` has only two items: a guess is right half the time",
    ] {
        assert!(
            messages.contains(&expected),
            "missing warning “{expected}” in {messages:#?}"
        );
    }
    assert_eq!(
        messages.len(),
        8,
        "unexpected warnings (long prompt lines are fine): {messages:#?}"
    );
    insta::assert_snapshot!(render_human(&diags, false));
    // Warnings do not stop a build; `--strict` is the CLI's decision.
    let site = build_in_memory(&courses, RenderMode::default()).expect("a course with warnings builds");
    assert_eq!(site.warnings, diags);
}
