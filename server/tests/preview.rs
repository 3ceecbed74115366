//! `waypost preview` end to end: the real binary on a temp copy of the good fixture, read
//! over HTTP and its live-reload event stream the way the page's `preview.js` reads it.

use std::fs;
use std::time::Duration;

use waypost_e2e::{Preview, copy_tree, get, repo_root};

/// Saves as many editors do (a temp file renamed over the old one), so the preview never
/// sees a half-written file between two steps that expect exact diagnostics.
fn save(path: &std::path::Path, text: &str) {
    let temp = path.with_extension("saving");
    fs::write(&temp, text).expect("write");
    fs::rename(&temp, path).expect("rename");
}

fn start() -> (tempfile::TempDir, Preview) {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(
        &repo_root().join("generator/tests/fixtures/good/tiny"),
        &dir.path().join("courses/tiny"),
    );
    let preview = Preview::start(env!("CARGO_BIN_EXE_waypost").as_ref(), &dir.path().join("courses"));
    (dir, preview)
}

#[test]
fn edits_reload_breakage_shows_diagnostics_and_a_fix_recovers() {
    let (dir, mut preview) = start();
    let lesson = dir.path().join("courses/tiny/lessons/01-first-steps.md");
    let course = dir.path().join("courses/tiny/course.yaml");

    // The first build is served, as a preview: banner, live-reload script, strict CSP.
    let home = preview.get("/");
    assert_eq!(home.status, 200, "{}", preview.log());
    assert!(home.body.contains("Tiny Test Course"));
    let page = preview.get("/tiny/first-steps.html");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("preview-banner"), "no preview banner");
    assert!(page.body.contains("preview."), "no live-reload script");
    assert!(
        page.header("content-security-policy")
            .is_some_and(|c| c.contains("script-src 'self'"))
    );
    assert_eq!(preview.get("/tiny").status, 308);
    assert_eq!(preview.get("/tiny/").status, 200);
    assert_eq!(preview.get("/no-such-page.html").status, 404);

    // A lesson edit: one reload event, and the page has the new text.
    let events = preview.events();
    let text = fs::read_to_string(&lesson).expect("lesson");
    fs::write(
        &lesson,
        format!("{text}\n## Freshly written section\n\nBrand-new words.\n"),
    )
    .expect("edit");
    events.expect("reload");
    let page = preview.get("/tiny/first-steps.html");
    assert!(page.body.contains("Freshly written section"), "the edit is not served");

    // Broken YAML: a diagnostics event with file and line, the last good page stays served,
    // and a page that connects meanwhile hears about the errors at once.
    let good_yaml = fs::read_to_string(&course).expect("course.yaml");
    save(&course, &good_yaml.replace("title: Tiny Test Course", "title: [Tiny"));
    let event = events.expect("diagnostics");
    let diags: serde_json::Value = serde_json::from_str(&event.data).expect("JSON diagnostics");
    let first = &diags[0];
    // Files are named as the command line named the courses folder (here an absolute path).
    assert!(
        first["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("courses/tiny/course.yaml")),
        "{diags}"
    );
    assert_eq!(first["severity"], "error");
    assert!(first["line"].as_u64().is_some_and(|l| l > 0), "{diags}");
    assert!(
        preview
            .get("/tiny/first-steps.html")
            .body
            .contains("Freshly written section")
    );
    let late = preview.events();
    assert_eq!(late.expect("diagnostics").data, event.data);
    let listed: serde_json::Value = serde_json::from_str(&preview.get("/__waypost/diagnostics").body).expect("JSON");
    assert_eq!(listed, diags);
    assert!(
        preview.logs("tiny/course.yaml:2:"),
        "the terminal shows no diagnostics:\n{}",
        preview.log()
    );

    // A broken quiz in a lesson is reported with its line too.
    save(&course, &good_yaml);
    events.expect("reload");
    let good_lesson = fs::read_to_string(&lesson).expect("lesson");
    save(&lesson, &good_lesson.replace("type: single", "type: singel"));
    let event = events.expect("diagnostics");
    assert!(event.data.contains("tiny/lessons/01-first-steps.md"), "{}", event.data);
    assert!(event.data.contains("singel"), "{}", event.data);

    // The fix: a reload, no diagnostics left, and the server never stopped.
    save(&lesson, &good_lesson);
    events.expect("reload");
    assert_eq!(preview.get("/__waypost/diagnostics").body, "[]");
    assert!(
        preview
            .get("/tiny/first-steps.html")
            .body
            .contains("Freshly written section")
    );
    assert!(preview.is_running(), "the preview exited:\n{}", preview.log());
}

#[test]
fn new_lessons_and_deleted_ones_appear_and_disappear() {
    let (dir, preview) = start();
    let events = preview.events();
    let course = dir.path().join("courses/tiny/course.yaml");
    let yaml = fs::read_to_string(&course).expect("course.yaml");
    fs::write(
        dir.path().join("courses/tiny/lessons/03-extra.md"),
        "---\ntitle: An extra lesson\nobjectives:\n  - Appear in the preview\n---\n\nExtra words.\n",
    )
    .expect("new lesson");
    fs::write(
        &course,
        yaml.replace("all-question-types]", "all-question-types, extra]"),
    )
    .expect("list it");
    events.expect("reload");
    // The two writes may arrive as two rebuilds; wait until the page is there.
    assert!(
        answers_with(&preview, "/tiny/extra.html", 200),
        "the new lesson is not served:\n{}",
        preview.log()
    );
    assert!(preview.get("/tiny/").body.contains("An extra lesson"));

    fs::write(&course, &yaml).expect("unlist");
    fs::remove_file(dir.path().join("courses/tiny/lessons/03-extra.md")).expect("delete");
    assert!(
        answers_with(&preview, "/tiny/extra.html", 404),
        "the deleted lesson is still served:\n{}",
        preview.log()
    );
}

/// Whether `path` answers `status` within five seconds.
fn answers_with(preview: &Preview, path: &str, status: u16) -> bool {
    (0..100).any(|_| {
        let hit = preview.get(path).status == status;
        if !hit {
            std::thread::sleep(Duration::from_millis(50));
        }
        hit
    })
}

#[test]
fn only_loopback_names_are_answered() {
    let (_dir, preview) = start();
    // DNS rebinding: a page on another site that points its name at 127.0.0.1.
    let evil = get(preview.port, "/", &format!("attacker.example:{}", preview.port));
    assert_eq!(evil.status, 403);
    assert_eq!(get(preview.port, "/__waypost/events", "attacker.example").status, 403);
    assert_eq!(
        get(preview.port, "/", &format!("localhost:{}", preview.port)).status,
        200
    );
    assert_eq!(preview.get("/../../etc/passwd").status, 400);
    // Refusals, redirects and misses carry the strict headers as pages do.
    for response in [
        evil,
        preview.get("/tiny"),
        preview.get("/nope.html"),
        preview.get("/__waypost/diagnostics"),
    ] {
        assert!(
            response
                .header("content-security-policy")
                .is_some_and(|c| c.contains("default-src 'self'")),
            "{response:?}"
        );
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{response:?}"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"), "{response:?}");
    }
}
