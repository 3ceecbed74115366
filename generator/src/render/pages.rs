//! The render stage one page at a time, for the incremental rebuild (`crate::incremental`).
//! A [`Renderer`] holds the compiled templates and the hashed theme assets and renders any
//! page of the site on its own, with the same view models and templates [`super::render`]
//! uses for the whole site, so a page rendered alone is byte-equal to the same page in a
//! full build.

use super::*;
use crate::search::OwnedDoc;

/// A rendered page, or the template error that stopped it.
pub type Page = (String, Result<String, Diagnostic>);

/// Which lesson pages of a course to render.
pub type LessonFilter<'a> = &'a (dyn Fn(&ParsedLesson) -> bool + Sync);

/// Compiled templates and hashed theme assets for one theme and render mode.
pub struct Renderer {
    env: Environment<'static>,
    mode: RenderMode,
    assets: AssetsView,
    statics: Files,
}

impl Renderer {
    /// Compiles the theme; template syntax errors are diagnostics.
    pub fn new(theme: &Theme, mode: RenderMode) -> Result<Self, Vec<Diagnostic>> {
        let mut env = environment(theme)?;
        // `base.html` writes it into every page (`<meta http-equiv>`): one policy, `crate::csp`.
        env.add_global("csp", crate::csp::META);
        let mut statics = Files::new();
        let assets = hash_statics(theme, mode, &mut statics);
        Ok(Self {
            env,
            mode,
            assets,
            statics,
        })
    }

    /// The theme's static files under their content-hashed names (`assets/waypost.1a2b3c4d.css`).
    pub fn statics(&self) -> &Files {
        &self.statics
    }

    fn page(&self, root: &'static str, title: String, description: String, lang: &str) -> PageView {
        PageView {
            root,
            title,
            description,
            lang: lang.to_owned(),
            site_title: "Waypost".to_owned(),
            assets: self.assets.clone(),
            preview: self.mode.preview,
            static_only: self.mode.static_only,
            generator: format!("Waypost {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// `index.html` (the catalog) and `404.html`: they depend on every course's card.
    pub fn site_pages(&self, courses: &[ParsedCourse]) -> Vec<Page> {
        let lang = courses.first().map_or("en", |c| c.course.language.as_str());
        let catalog = CatalogCtx {
            page: self.page(
                "",
                "Courses · Waypost".into(),
                catalog_description(self.mode).into(),
                lang,
            ),
            courses: courses.iter().map(|c| course_card(&c.course)).collect(),
        };
        let not_found = NotFoundCtx {
            page: self.page("", "Page not found · Waypost".into(), "Page not found.".into(), lang),
        };
        vec![
            ("index.html".into(), render_page(&self.env, "catalog.html", &catalog)),
            ("404.html".into(), render_page(&self.env, "404.html", &not_found)),
        ]
    }

    /// A course's own page, `<course>/index.html`.
    pub fn course_page(&self, c: &ParsedCourse) -> Page {
        let course = &c.course;
        let ctx = CourseCtx {
            page: self.page(
                "../",
                format!("{} · Waypost", course.title),
                course.summary_text.clone(),
                &course.language,
            ),
            course: course_view(course),
        };
        (
            format!("{}/index.html", course.id),
            render_page(&self.env, "course.html", &ctx),
        )
    }

    /// The lesson pages the filters select, course by course, rendered in parallel. Only
    /// lessons a module lists have a page.
    pub fn lesson_pages(&self, courses: &[(&ParsedCourse, LessonFilter<'_>)]) -> Vec<Page> {
        self.each_lesson_page(courses, &Some)
    }

    /// Renders the lesson pages the filters select in parallel and hands each to `take` as
    /// soon as it is ready; returns what `take` kept.
    pub fn each_lesson_page<R: Send>(
        &self,
        courses: &[(&ParsedCourse, LessonFilter<'_>)],
        take: &(dyn Fn(Page) -> Option<R> + Sync),
    ) -> Vec<R> {
        let ordered: Vec<Vec<(usize, &ParsedLesson)>> = courses.iter().map(|(c, _)| c.ordered_lessons()).collect();
        let jobs: Vec<(usize, usize)> = ordered
            .iter()
            .enumerate()
            .flat_map(|(ci, lessons)| {
                let wanted = courses[ci].1;
                lessons
                    .iter()
                    .enumerate()
                    .filter(move |(_, (_, l))| wanted(l))
                    .map(move |(i, _)| (ci, i))
            })
            .collect();
        jobs.par_iter()
            .filter_map(|&(ci, i)| {
                let (c, lessons) = (courses[ci].0, &ordered[ci]);
                let path = format!("{}/{}.html", c.course.id, lessons[i].1.lesson.id);
                let page = self
                    .lesson_ctx(c, lessons, i)
                    .and_then(|ctx| render_page(&self.env, "lesson.html", &ctx));
                take((path, page))
            })
            .collect()
    }

    /// The view of lesson `i` of a course's `ordered` lessons, its quizzes rendered in.
    fn lesson_ctx(
        &self,
        c: &ParsedCourse,
        ordered: &[(usize, &ParsedLesson)],
        i: usize,
    ) -> Result<LessonCtx, Diagnostic> {
        let (module, l) = ordered[i];
        let mode = self.mode;
        let course = &c.course;
        let mut body = String::new();
        for (k, segment) in l.body.segments.iter().enumerate() {
            body.push_str(segment);
            if let Some(quiz) = l.lesson.quizzes.get(k) {
                let quiz_mode = if quiz.graded && !mode.static_only && !mode.preview {
                    QuizMode::Graded
                } else {
                    QuizMode::Practice
                };
                let view = quiz_view(
                    quiz,
                    &course.shuffle,
                    course.id.as_str(),
                    l.lesson.id.as_str(),
                    course.completion.pass_mark,
                    quiz_mode,
                );
                body.push_str(&render_page(&self.env, "quiz.html", &QuizCtx { quiz: view })?);
            }
        }
        let link = |(_, other): &(usize, &ParsedLesson)| NavLink {
            url: format!("{}.html", other.lesson.id),
            title: other.lesson.title.clone(),
        };
        let lesson = &l.lesson;
        let description = lesson
            .objectives
            .first()
            .cloned()
            .unwrap_or_else(|| course.summary_text.clone());
        Ok(LessonCtx {
            page: self.page(
                "../",
                format!("{} · {} · Waypost", lesson.title, course.title),
                description,
                &course.language,
            ),
            course: CourseRef {
                id: course.id.to_string(),
                title: course.title.clone(),
                url: "index.html",
            },
            module: ModuleRef {
                number: module,
                title: course
                    .modules
                    .get(module - 1)
                    .map(|m| m.title.clone())
                    .unwrap_or_default(),
            },
            lesson: LessonView {
                id: lesson.id.to_string(),
                title: lesson.title.clone(),
                estimated_time: lesson.estimated_minutes.map(format_minutes),
                objectives: lesson.objectives.clone(),
                number: i + 1,
                total: ordered.len(),
                body_html: body,
                toc: l
                    .body
                    .headings
                    .iter()
                    .filter(|h| h.level <= 3)
                    .map(|h| TocEntry {
                        level: h.level,
                        id: h.id.clone(),
                        text: h.text.clone(),
                    })
                    .collect(),
                quiz_ids: lesson.quizzes.iter().map(|q| q.id.to_string()).collect(),
            },
            prev: i.checked_sub(1).and_then(|p| ordered.get(p)).map(link),
            next: ordered.get(i + 1).map(link),
        })
    }
}

/// A course's assets under their site paths (`<course>/assets/…`).
pub fn course_assets(c: &ParsedCourse) -> impl Iterator<Item = (String, &[u8])> {
    c.assets
        .iter()
        .map(move |a| (format!("{}/{}", c.course.id, a.rel), a.bytes.as_slice()))
}

/// What the files derived from every course at once (`courses.json`, the search index) are
/// built from, copied out of the courses so the slow part can run while they change.
pub struct DerivedInputs {
    docs: Vec<OwnedDoc>,
    catalog: Vec<ParsedCourse>,
}

impl DerivedInputs {
    pub fn collect(courses: &[ParsedCourse]) -> Self {
        // The public catalog reads only the course model; lesson bodies and sources stay behind.
        let catalog = courses
            .iter()
            .map(|c| ParsedCourse {
                course: c.course.clone(),
                dir_name: c.dir_name.clone(),
                course_file: crate::load::SourceFile {
                    path: c.course_file.path.clone(),
                    text: String::new(),
                },
                yaml_ok: c.yaml_ok,
                lessons: Vec::new(),
                assets: Vec::new(),
            })
            .collect();
        Self {
            docs: search_docs(courses).into_iter().map(OwnedDoc::of).collect(),
            catalog,
        }
    }

    /// Builds `courses.json` and the search index.
    pub fn build(self) -> Files {
        let docs: Vec<SearchDoc<'_>> = self.docs.iter().map(OwnedDoc::doc).collect();
        let mut files: Files = build_index(&docs).into_iter().collect();
        files.insert("courses.json".into(), catalog::public_catalog(&self.catalog));
        files
    }
}
