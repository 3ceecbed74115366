//! Fixture courses: the good one renders as snapshotted, every broken one fails with exactly
//! the diagnostics snapshotted for it (file:line:col, message, help).

use waypost_generator::diagnostics::render_human;
use waypost_generator::{Options, RenderMode, Severity, check};

use crate::support::{build_in_memory, crate_dir, fixture, text, unauthorly};

/// Hashes in asset names change with every theme edit; the snapshots should not.
fn redact(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("assets/") {
        out.push_str(&rest[..i + 7]);
        rest = &rest[i + 7..];
        let end = rest.find(['"', '\'', ')']).unwrap_or(rest.len());
        let name = &rest[..end];
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() >= 3
            && parts[parts.len() - 2].len() == 8
            && parts[parts.len() - 2].bytes().all(|b| b.is_ascii_hexdigit())
        {
            let mut p = parts.clone();
            let n = p.len();
            p[n - 2] = "HASH";
            out.push_str(&p.join("."));
        } else {
            out.push_str(name);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn good_fixture_builds_without_diagnostics_and_matches_snapshots() {
    let site = build_in_memory(&fixture("good"), RenderMode::default()).expect("the good fixture builds");
    assert!(site.warnings.is_empty(), "{}", render_human(&site.warnings, false));
    insta::assert_snapshot!("catalog", redact(&text(&site, "index.html")));
    insta::assert_snapshot!("course", redact(&text(&site, "tiny/index.html")));
    insta::assert_snapshot!("lesson_practice", redact(&text(&site, "tiny/first-steps.html")));
    insta::assert_snapshot!("lesson_graded", redact(&text(&site, "tiny/all-question-types.html")));
    insta::assert_snapshot!("courses_json", text(&site, "courses.json"));
}

#[test]
fn links_in_quiz_texts_are_rewritten_to_page_urls() {
    let site = build_in_memory(&fixture("good"), RenderMode::default()).expect("the good fixture builds");
    let html = text(&site, "tiny/first-steps.html");
    assert!(
        html.contains("<a href=\"all-question-types.html#final-check\">final check</a>"),
        "the `.md` link in a quiz prompt points at the page"
    );
    assert!(!html.contains("02-all-question-types.md"));
}

#[test]
fn static_only_turns_graded_quizzes_into_practice() {
    let site = build_in_memory(
        &fixture("good"),
        RenderMode {
            static_only: true,
            preview: false,
        },
    )
    .expect("builds");
    let html = text(&site, "tiny/all-question-types.html");
    assert!(html.contains("data-mode=\"practice\""));
    assert!(!html.contains("data-mode=\"graded\""));
    assert!(html.contains("data-key="), "practice questions carry their key");
}

#[test]
fn builds_are_deterministic() {
    let a = build_in_memory(&fixture("good"), RenderMode::default()).expect("builds");
    let b = build_in_memory(&fixture("good"), RenderMode::default()).expect("builds");
    assert_eq!(a.files, b.files);
}

#[test]
fn every_broken_fixture_fails_with_its_snapshotted_diagnostics() {
    let mut names: Vec<String> = std::fs::read_dir(crate_dir().join("tests/fixtures"))
        .expect("fixtures folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("broken-"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 15,
        "expected a broken fixture per mistake, found {names:?}"
    );
    for name in names {
        let diags = check(&Options::new(fixture(&name)));
        assert!(diags.count(Severity::Error) >= 1, "{name} must produce an error");
        let built = build_in_memory(&fixture(&name), RenderMode::default());
        assert!(built.is_err(), "{name} must fail to build");
        insta::assert_snapshot!(name.clone(), render_human(&diags, false));
    }
}

#[test]
fn a_folder_of_courses_and_one_course_folder_both_work() {
    let folder = check(&Options::new(fixture("good")));
    let one = check(&Options::new(fixture("good/tiny")));
    assert!(folder.is_empty() && one.is_empty());
    let missing = check(&Options::new(fixture("does-not-exist")));
    assert_eq!(
        missing.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
        ["courses folder not found"]
    );
}

/// One broken fixture per kind of YAML type mismatch (`broken-type-*`): each is an error that
/// names the key, says the shape in plain words and shows the right form; no diagnostic of
/// any broken fixture uses serde's words.
#[test]
fn type_mismatches_are_explained_in_author_words() {
    let mut kinds = 0;
    for entry in std::fs::read_dir(crate_dir().join("tests/fixtures"))
        .expect("fixtures folder")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("broken-") {
            continue;
        }
        let diags = check(&Options::new(fixture(&name)));
        for d in diags.iter() {
            for text in std::iter::once(&d.message).chain(&d.help) {
                assert!(unauthorly(text).is_none(), "{name}: {:?} in {text:?}", unauthorly(text));
            }
        }
        if !name.starts_with("broken-type-") {
            continue;
        }
        kinds += 1;
        let errors: Vec<_> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{name}: one mistake, one error: {errors:#?}");
        let d = errors[0];
        let whole = name == "broken-type-course";
        assert!(
            whole || d.message.contains('`'),
            "{name}: the key is named: {}",
            d.message
        );
        assert!(
            d.message.contains(" must be ") && d.message.contains(", not "),
            "{name}: {}",
            d.message
        );
        let help = d.help.as_deref().unwrap_or_default();
        assert!(
            help.contains("like this:\n"),
            "{name}: an example of the right form: {help}"
        );
    }
    assert!(kinds >= 13, "a broken-type fixture per mismatch kind, found {kinds}");
    // The guard itself can fail: serde's own words are caught.
    for serde_says in [
        "questions[0].pairs[1]: invalid type: string \"SPF\", expected struct RawPair",
        "authors: invalid type: string \"Jane\", expected a sequence",
        "expected struct CompletionYaml",
        "expected f64",
    ] {
        assert!(unauthorly(serde_says).is_some(), "{serde_says}");
    }
}

/// Every page carries the strict policy itself (`<meta http-equiv>`), so a site on a static
/// host or a CDN has it without the server's header; both come from `csp`.
#[test]
fn every_page_carries_the_strict_csp() {
    let expected = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        waypost_generator::csp::META.replace('\'', "&#x27;")
    );
    for mode in [
        RenderMode::Server,
        RenderMode {
            static_only: true,
            preview: false,
        },
    ] {
        let site = build_in_memory(&fixture("good"), mode).expect("builds");
        let pages: Vec<&String> = site.files.keys().filter(|p| p.ends_with(".html")).collect();
        assert!(pages.len() >= 4);
        for page in pages {
            assert!(text(&site, page).contains(&expected), "{page} has no CSP meta");
        }
    }
}
