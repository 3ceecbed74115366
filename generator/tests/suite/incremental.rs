//! Incremental rebuild equals full rebuild: random sequences of edits (add, change, rename and
//! delete lessons; edit `course.yaml`; add, change and delete assets; edit the theme) on a
//! temp copy of the good fixture plus a second course linking into it. After every step the
//! preview's in-memory site must be byte-equal to a clean build of the same folders, and both
//! must report the same diagnostics, broken or not.

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use waypost_generator::diagnostics::render_human;
use waypost_generator::incremental::{Project, Status};
use waypost_generator::{Options, RenderMode, build};

use crate::support::crate_dir;

#[derive(Clone, Debug)]
enum Edit {
    AddLesson { course: usize, listed: bool, link: usize },
    ChangeLesson { pick: usize, kind: u8 },
    RenameLesson { pick: usize, follow: bool },
    DeleteLesson { pick: usize, follow: bool },
    CourseYaml { course: usize, kind: u8 },
    Asset { kind: u8 },
    Theme { kind: u8 },
    Nothing,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0..2usize, prop::bool::weighted(0.8), 0..8usize)
            .prop_map(|(course, listed, link)| Edit::AddLesson { course, listed, link }),
        6 => (0..64usize, 0..7u8).prop_map(|(pick, kind)| Edit::ChangeLesson { pick, kind }),
        2 => (0..64usize, prop::bool::weighted(0.7)).prop_map(|(pick, follow)| Edit::RenameLesson { pick, follow }),
        2 => (0..64usize, prop::bool::weighted(0.7)).prop_map(|(pick, follow)| Edit::DeleteLesson { pick, follow }),
        3 => (0..2usize, 0..5u8).prop_map(|(course, kind)| Edit::CourseYaml { course, kind }),
        1 => (0..3u8).prop_map(|kind| Edit::Asset { kind }),
        2 => (0..4u8).prop_map(|kind| Edit::Theme { kind }),
        1 => Just(Edit::Nothing),
    ]
}

/// A course.yaml the test can rewrite: the lesson list and the ways to break it.
struct CourseFile {
    dir: PathBuf,
    id: String,
    title: String,
    lessons: Vec<String>,
    broken: bool,
}

impl CourseFile {
    fn write(&self) -> PathBuf {
        let split = self.lessons.len().div_ceil(2);
        let (a, b) = self.lessons.split_at(split);
        let mut text = format!(
            "id: {}\ntitle: {}\nsummary: A course the test edits.\nlanguage: en\nlevel: beginner\n\
             estimated-time: 20m\ncompletion:\n  pass-mark: 80\nmodules:\n  - title: First part\n    lessons: [{}]\n",
            self.id,
            self.title,
            a.join(", ")
        );
        if !b.is_empty() {
            text.push_str(&format!("  - title: Second part\n    lessons: [{}]\n", b.join(", ")));
        }
        if self.broken {
            text.push_str("tags: [unclosed\n");
        }
        let path = self.dir.join("course.yaml");
        fs::write(&path, text).expect("write course.yaml");
        path
    }
}

struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    theme: PathBuf,
    courses: Vec<CourseFile>,
    counter: usize,
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn lesson_text(title: &str, link: &str) -> String {
    format!(
        "---\ntitle: {title}\nestimated-time: 5m\nobjectives:\n  - Explain {title}\n---\n\n\
         A lesson about {title}. {link}\n\n## Details\n\nSome words to search for.\n"
    )
}

impl World {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("courses");
        copy_dir(&crate_dir().join("tests/fixtures/good/tiny"), &root.join("tiny"));
        let theme = tmp.path().join("theme");
        copy_dir(&crate_dir().join("../themes/default"), &theme);
        let other = root.join("other");
        fs::create_dir_all(other.join("lessons")).expect("mkdir");
        fs::write(
            other.join("lessons/01-intro.md"),
            lesson_text(
                "Intro",
                "See [practice](../../tiny/lessons/01-first-steps.md#practice).",
            ),
        )
        .expect("write");
        fs::write(
            other.join("lessons/02-more.md"),
            lesson_text("More", "Back to [the intro](01-intro.md#details)."),
        )
        .expect("write");
        let courses = vec![
            CourseFile {
                dir: root.join("tiny"),
                id: "tiny".into(),
                title: "Tiny Test Course".into(),
                lessons: vec!["first-steps".into(), "all-question-types".into()],
                broken: false,
            },
            CourseFile {
                dir: other,
                id: "other".into(),
                title: "Other Course".into(),
                lessons: vec!["intro".into(), "more".into()],
                broken: false,
            },
        ];
        for c in &courses {
            c.write();
        }
        Self {
            _tmp: tmp,
            root,
            theme,
            courses,
            counter: 0,
        }
    }

    fn options(&self) -> Options {
        let mut opts = crate::support::options(&self.root);
        opts.theme = Some(self.theme.clone());
        opts.mode = RenderMode {
            preview: true,
            static_only: false,
        };
        opts
    }

    fn lessons(&self) -> Vec<(usize, PathBuf)> {
        let mut all = Vec::new();
        for (i, c) in self.courses.iter().enumerate() {
            let mut files: Vec<PathBuf> = fs::read_dir(c.dir.join("lessons"))
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            files.sort();
            all.extend(files.into_iter().map(|f| (i, f)));
        }
        all
    }

    /// Applies an edit to the files; returns the paths a watcher would report.
    fn apply(&mut self, edit: &Edit) -> Vec<PathBuf> {
        self.counter += 1;
        let n = self.counter;
        let lessons = self.lessons();
        match *edit {
            Edit::AddLesson { course, listed, link } => {
                let link = match lessons.get(link % lessons.len().max(1)) {
                    Some((_, p)) => {
                        let name = p
                            .file_name()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let dir = p.parent().and_then(|d| d.parent()).and_then(|d| d.file_name());
                        let dir = dir.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                        format!("See [this](../../{dir}/lessons/{name}#details).")
                    }
                    None => String::new(),
                };
                let c = &mut self.courses[course];
                let path = c.dir.join(format!("lessons/{:02}-new-{n}.md", 50 + n));
                fs::write(&path, lesson_text(&format!("New {n}"), &link)).expect("write");
                let mut changed = vec![path];
                if listed {
                    c.lessons.push(format!("new-{n}"));
                    changed.push(c.write());
                }
                changed
            }
            Edit::ChangeLesson { pick, kind } => {
                let Some((_, path)) = lessons.get(pick % lessons.len().max(1)).cloned() else {
                    return Vec::new();
                };
                let text = fs::read_to_string(&path).unwrap_or_default();
                let text = match kind {
                    0 => format!("{text}\nAnother paragraph {n}.\n"),
                    1 => text.replacen("title: ", &format!("title: Renamed {n} "), 1),
                    2 => format!("{text}\n## Section {n}\n\nText of section {n}.\n"),
                    3 => format!(
                        "{text}\n```quiz\nid: q-{n}\ngraded: false\nquestions:\n  - id: a\n    type: true-false\n    prompt: Is {n} a number?\n    answer: true\n```\n"
                    ),
                    4 if text.contains("\ntitel: x\n") => text.replacen("\ntitel: x\n", "\n", 1),
                    4 => text.replacen("---\n", "---\ntitel: x\n", 1),
                    5 => format!("{text}\nSee [details](01-first-steps.md#details) and [ordering](#ordering).\n"),
                    _ => text.replacen("estimated-time: ", "estimated-time: 1", 1),
                };
                fs::write(&path, text).expect("write");
                vec![path]
            }
            Edit::RenameLesson { pick, follow } => {
                let Some((course, path)) = lessons.get(pick % lessons.len().max(1)).cloned() else {
                    return Vec::new();
                };
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let (prefix, id) = stem.split_once('-').unwrap_or(("00", &stem));
                let new_id = format!("{id}-r{n}");
                let to = path.with_file_name(format!("{prefix}-{new_id}.md"));
                fs::rename(&path, &to).expect("rename");
                let mut changed = vec![path, to];
                let c = &mut self.courses[course];
                if follow {
                    c.lessons
                        .iter_mut()
                        .filter(|l| *l == id)
                        .for_each(|l| *l = new_id.clone());
                    changed.push(c.write());
                }
                changed
            }
            Edit::DeleteLesson { pick, follow } => {
                let Some((course, path)) = lessons.get(pick % lessons.len().max(1)).cloned() else {
                    return Vec::new();
                };
                fs::remove_file(&path).expect("delete");
                let mut changed = vec![path.clone()];
                let c = &mut self.courses[course];
                if follow {
                    let stem = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let id = stem.split_once('-').map_or(stem.as_str(), |(_, id)| id).to_owned();
                    c.lessons.retain(|l| *l != id);
                    changed.push(c.write());
                }
                changed
            }
            Edit::CourseYaml { course, kind } => {
                let c = &mut self.courses[course];
                match kind {
                    0 => c.title = format!("Course title {n}"),
                    1 => c.broken = !c.broken,
                    2 => c.lessons.reverse(),
                    3 => {
                        c.id = if c.id.ends_with("-x") {
                            c.id.trim_end_matches("-x").to_owned()
                        } else {
                            format!("{}-x", c.id)
                        }
                    }
                    _ => c.broken = false,
                }
                vec![c.write()]
            }
            Edit::Asset { kind } => {
                let dir = self.courses[0].dir.join("assets");
                let path = match kind {
                    0 => dir.join(format!("extra-{n}.svg")),
                    _ => dir.join("flow.svg"),
                };
                match kind {
                    0 | 1 => fs::write(
                        &path,
                        format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><title>{n}</title></svg>"),
                    )
                    .expect("write"),
                    _ => {
                        let _ = fs::remove_file(&path);
                    }
                }
                vec![path]
            }
            Edit::Theme { kind } => {
                let (path, text) = match kind {
                    0 => {
                        let p = self.theme.join("static/waypost.css");
                        let t = fs::read_to_string(&p).unwrap_or_default();
                        (p, format!("{t}\n/* edit {n} */\n"))
                    }
                    1 => {
                        let p = self.theme.join("templates/lesson.html");
                        let t = fs::read_to_string(&p).unwrap_or_default();
                        (p, format!("{t}{{# edit {n} #}}\n"))
                    }
                    2 => (self.theme.join("templates/404.html"), "{% if %}\n".to_owned()),
                    _ => {
                        let original = fs::read_to_string(crate_dir().join("../themes/default/templates/404.html"));
                        (self.theme.join("templates/404.html"), original.unwrap_or_default())
                    }
                };
                fs::write(&path, text).expect("write");
                vec![path]
            }
            Edit::Nothing => vec![self.root.join("tiny/lessons/.#editor-lock")],
        }
    }
}

fn first_difference(a: &waypost_generator::Files, b: &waypost_generator::Files) -> String {
    for key in a.keys().chain(b.keys()) {
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => {
                let (x, y) = (String::from_utf8_lossy(x), String::from_utf8_lossy(y));
                let line = x.lines().zip(y.lines()).find(|(p, q)| p != q);
                return format!("{key} differs: {line:?}");
            }
            (x, _) => {
                return format!(
                    "{key} only in the {} site",
                    if x.is_some() { "incremental" } else { "clean" }
                );
            }
        }
    }
    "no difference".into()
}

/// Applies `edits` one by one, comparing the project with a clean build after each (and after
/// opening); returns how many states it compared.
fn run(edits: &[Edit]) -> usize {
    let mut world = World::new();
    let (mut project, _) = Project::open(&world.options());
    let mut compared = 0;
    for (step, e) in std::iter::once(&Edit::Nothing).chain(edits).enumerate() {
        compared += 1;
        let changed = world.apply(e);
        let outcome = project.apply(&changed);
        project.refresh_derived();
        let clean = build(&world.options());
        let diags = project.diagnostics();
        match clean {
            Ok(site) => {
                assert!(
                    matches!(outcome.status, Status::Built { .. } | Status::Unchanged),
                    "step {step} {e:?}: {outcome:?}"
                );
                assert!(
                    project.files() == &site.files,
                    "step {step} {e:?}: {}",
                    first_difference(project.files(), &site.files)
                );
                assert_eq!(
                    diags,
                    site.warnings,
                    "step {step} {e:?}\n{}",
                    render_human(&diags, false)
                );
            }
            Err(expected) => {
                assert_eq!(outcome.status, Status::Failed, "step {step} {e:?}");
                assert_eq!(diags, expected, "step {step} {e:?}\n{}", render_human(&diags, false));
            }
        }
    }
    compared
}

#[test]
fn opening_equals_a_clean_build() {
    assert_eq!(run(&[]), 1);
}

#[test]
fn a_one_lesson_edit_renders_only_that_page() {
    let mut world = World::new();
    let (mut project, _) = Project::open(&world.options());
    let changed = world.apply(&Edit::ChangeLesson { pick: 0, kind: 0 });
    let outcome = project.apply(&changed);
    assert_eq!(outcome.status, Status::Built { pages: 1 });
    assert!(outcome.derived_stale, "derived files wait");
    let unchanged = project.apply(&changed);
    assert_eq!(
        unchanged.status,
        Status::Unchanged,
        "a save without edits renders nothing"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn incremental_rebuild_equals_full_rebuild(edits in prop::collection::vec(edit(), 1..10)) {
        prop_assert_eq!(run(&edits), edits.len() + 1);
    }
}
