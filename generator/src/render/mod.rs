//! Stage 4, **render**: view models through the theme's minijinja templates into pages, plus
//! the files derived from the model (`courses.json`, the search index, hashed theme assets).
//! Pure: parsed courses and a theme in, a map of site paths to bytes out. Pages render in
//! parallel; undefined template variables are errors, so a template typo fails the build.

mod catalog;
pub mod pages;
pub mod quiz;
pub mod views;

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diagnostics::{Diagnostic, Pos};
use crate::model::{Course, format_minutes};
use crate::parse::{ParsedCourse, ParsedLesson};
use crate::search::{SearchDoc, build_index};
use crate::theme::Theme;
use pages::{LessonFilter, Page, Renderer, course_assets};
use quiz::{QuizMode, quiz_view};
use views::*;

/// What kind of site to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderMode {
    /// No server: every quiz is a practice quiz with its answers in the page.
    pub static_only: bool,
    /// Author preview: answers in the page, a banner, and the live-reload script.
    pub preview: bool,
}

impl RenderMode {
    /// Pages for `waypost serve`: graded quizzes carry no key.
    #[allow(non_upper_case_globals)]
    pub const Server: Self = Self {
        static_only: false,
        preview: false,
    };
}

/// Site path → file contents.
pub type Files = BTreeMap<String, Vec<u8>>;

pub fn render(courses: &[ParsedCourse], theme: &Theme, mode: RenderMode) -> Result<Files, Vec<Diagnostic>> {
    let files = std::sync::Mutex::new(Files::new());
    render_into(courses, theme, mode, &|path, bytes| {
        files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path, bytes);
    })?;
    Ok(files.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Where rendered files go, from any thread, as soon as each is ready: a map in memory, or
/// straight to disk so that a build never holds the whole site.
pub type Sink<'a> = &'a (dyn Fn(String, Vec<u8>) + Sync);

/// [`render`], handing each file to `sink` instead of collecting them. On `Err` some files
/// may already have been handed over.
pub fn render_into(
    courses: &[ParsedCourse],
    theme: &Theme,
    mode: RenderMode,
    sink: Sink<'_>,
) -> Result<(), Vec<Diagnostic>> {
    let renderer = Renderer::new(theme, mode)?;
    for (path, bytes) in renderer.statics() {
        sink(path.clone(), bytes.clone());
    }
    let mut errors = Vec::new();
    let mut put = |(path, result): Page| match result {
        Ok(html) => sink(path, html.into_bytes()),
        Err(d) => errors.push(d),
    };
    renderer.site_pages(courses).into_iter().for_each(&mut put);
    courses.iter().for_each(|c| put(renderer.course_page(c)));
    // Lesson pages are most of the work: one parallel pass over every lesson of every
    // course, each page handed over as soon as it is rendered, while the search index (itself
    // parallel, a fraction of the work) is built alongside.
    let all: LessonFilter<'_> = &|_| true;
    let every: Vec<(&ParsedCourse, LessonFilter<'_>)> = courses.iter().map(|c| (c, all)).collect();
    let (lesson_errors, search_files) = rayon::join(
        || {
            renderer.each_lesson_page(&every, &|(path, result)| match result {
                Ok(html) => {
                    sink(path, html.into_bytes());
                    None
                }
                Err(d) => Some(d),
            })
        },
        || build_index(&search_docs(courses)),
    );
    errors.extend(lesson_errors);
    search_files.into_par_iter().for_each(|(path, bytes)| sink(path, bytes));
    for c in courses {
        course_assets(c).for_each(|(path, bytes)| sink(path, bytes.to_vec()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sink("courses.json".into(), catalog::public_catalog(courses));
    Ok(())
}

#[derive(Serialize)]
struct CatalogCtx {
    page: PageView,
    courses: Vec<CourseCard>,
}

#[derive(Serialize)]
struct NotFoundCtx {
    page: PageView,
}

#[derive(Serialize)]
struct CourseCtx {
    page: PageView,
    course: CourseView,
}

#[derive(Serialize)]
struct LessonCtx {
    page: PageView,
    course: CourseRef,
    module: ModuleRef,
    lesson: LessonView,
    prev: Option<NavLink>,
    next: Option<NavLink>,
}

#[derive(Serialize)]
struct QuizCtx {
    quiz: QuizView,
}

fn environment(theme: &Theme) -> Result<Environment<'static>, Vec<Diagnostic>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // A `{% … %}` tag on a line of its own leaves no blank line behind. Only template source
    // whitespace changes: author HTML (code blocks included) arrives through variables.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    let mut errors = Vec::new();
    for (name, bytes) in theme.templates() {
        let source = String::from_utf8_lossy(bytes).into_owned();
        if let Err(e) = env.add_template_owned(name.to_owned(), source) {
            errors.push(template_error(&e, name));
        }
    }
    for required in ["catalog.html", "course.html", "lesson.html", "quiz.html", "404.html"] {
        if env.get_template(required).is_err() && errors.is_empty() {
            errors.push(
                Diagnostic::error(
                    format!("theme/templates/{required}"),
                    Pos::FILE,
                    "theme has no such template",
                )
                .with_help("copy it from themes/default/templates"),
            );
        }
    }
    if errors.is_empty() { Ok(env) } else { Err(errors) }
}

fn template_error(e: &minijinja::Error, name: &str) -> Diagnostic {
    let file = format!("theme/templates/{}", e.name().unwrap_or(name));
    let pos = e.line().map_or(Pos::FILE, |l| Pos::new(l, 1));
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    Diagnostic::error(file, pos, format!("template error: {}{detail}", e.kind()))
        .with_help("fix the theme template; every variable a template uses must exist in its view model")
}

fn render_page<T: Serialize>(env: &Environment<'static>, name: &str, ctx: &T) -> Result<String, Diagnostic> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| template_error(&e, name))
}

/// Copies the theme's static files to `assets/`, named by content hash so they can be
/// cached forever.
fn hash_statics(theme: &Theme, mode: RenderMode, files: &mut Files) -> AssetsView {
    let mut view = AssetsView::default();
    for (name, bytes) in theme.statics() {
        if name == "preview.js" && !mode.preview {
            continue;
        }
        let hash = hex8(bytes);
        let hashed = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
            None => format!("{name}.{hash}"),
        };
        let path = format!("assets/{hashed}");
        match name {
            "waypost.css" => view.css = path.clone(),
            "progress.js" => view.progress_js = path.clone(),
            "quiz.js" => view.quiz_js = path.clone(),
            "search.js" => view.search_js = path.clone(),
            "certificate.js" => view.certificate_js = path.clone(),
            "preview.js" => view.preview_js = Some(path.clone()),
            "favicon.svg" => view.favicon = path.clone(),
            _ => {}
        }
        files.insert(path, bytes.to_vec());
    }
    view
}

/// The catalog's meta description: a `--static-only` site issues no certificates.
fn catalog_description(mode: RenderMode) -> &'static str {
    if mode.static_only {
        "Self-paced cybersecurity courses with quizzes."
    } else {
        "Self-paced cybersecurity courses with quizzes and certificates."
    }
}

fn hex8(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn course_card(c: &Course) -> CourseCard {
    CourseCard {
        id: c.id.to_string(),
        url: format!("{}/index.html", c.id),
        title: c.title.clone(),
        summary_html: c.summary_html.clone(),
        level: c.level.as_str(),
        level_label: c.level.label(),
        estimated_time: c.estimated_minutes.map(format_minutes),
        lesson_count: c.ordered_lessons().count(),
        quiz_count: c.quizzes().count(),
        tags: c.tags.clone(),
        language: c.language.clone(),
        certificate: c.certificate.is_some(),
    }
}

fn course_view(c: &Course) -> CourseView {
    let mut number = 0;
    let modules = c
        .modules_in_order()
        .into_iter()
        .enumerate()
        .map(|(i, (m, lessons))| ModuleView {
            number: i + 1,
            title: m.title.clone(),
            lessons: lessons
                .into_iter()
                .map(|l| {
                    number += 1;
                    LessonLink {
                        id: l.id.to_string(),
                        url: format!("{}.html", l.id),
                        title: l.title.clone(),
                        estimated_time: l.estimated_minutes.map(format_minutes),
                        objectives: l.objectives.clone(),
                        number,
                        has_graded_quiz: l.quizzes.iter().any(|q| q.graded),
                    }
                })
                .collect(),
        })
        .collect();
    CourseView {
        id: c.id.to_string(),
        title: c.title.clone(),
        summary_html: c.summary_html.clone(),
        level: c.level.as_str(),
        level_label: c.level.label(),
        estimated_time: c.estimated_minutes.map(format_minutes),
        language: c.language.clone(),
        tags: c.tags.clone(),
        authors: c
            .authors
            .iter()
            .map(|a| AuthorView {
                name: a.name.clone(),
                organization: a.organization.clone(),
            })
            .collect(),
        pass_mark: c.completion.pass_mark,
        certificate: c.certificate.as_ref().map(|cert| CertificateView {
            title: cert.title.clone(),
            valid_for: cert.valid_for.map(|v| v.to_string()),
        }),
        first_lesson_url: c.ordered_lessons().next().map(|l| format!("{}.html", l.id)),
        lesson_count: c.ordered_lessons().count(),
        graded_quiz_count: c.graded_quizzes().count(),
        modules,
    }
}

fn search_docs(courses: &[ParsedCourse]) -> Vec<SearchDoc<'_>> {
    let mut docs = Vec::new();
    for c in courses {
        for (_, l) in c.ordered_lessons() {
            let page = format!("{}/{}.html", c.course.id, l.lesson.id);
            for s in &l.body.sections {
                docs.push(SearchDoc {
                    page: page.clone(),
                    anchor: s.id.as_deref().unwrap_or(""),
                    lesson: &l.lesson.title,
                    section: &s.heading,
                    course: &c.course.title,
                    text: &s.text,
                });
            }
        }
    }
    docs
}
