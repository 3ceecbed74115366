//! Stage 2, **parse**: `course.yaml`, lesson front matter, Markdown bodies and quiz blocks
//! into the course model. Problems inside one file (bad YAML, unknown keys, malformed quizzes,
//! broken links) are reported here; rules that span files are `validate`'s.
//!
//! Two passes, each parallel over lessons: front matter first (a lesson's id may come from
//! it, and links between lessons need every id), then bodies.

pub mod markdown;
mod mismatch;
pub mod parts;
pub mod quiz;
pub mod yaml;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::load::{Asset, SourceCourse, SourceFile};
use crate::model::{
    Author, Certificate, Completion, Course, CourseId, Lesson, LessonId, Level, Module, Validity, is_valid_id,
    parse_minutes,
};
use crate::shuffle::{CourseShuffle, ShuffleKey};
use markdown::{Body, LinkContext, LinkMap, LinkTarget};
use quiz::QuizSource;
use yaml::{CourseYaml, LessonFront, from_yaml, from_yaml_all, locate_key, split_front_matter};

/// A course after parsing, with what validation needs to point at the source.
#[derive(Clone, Debug)]
pub struct ParsedCourse {
    pub course: Course,
    pub dir_name: String,
    pub course_file: SourceFile,
    /// False when `course.yaml` could not be read as a course: references are not checked.
    pub yaml_ok: bool,
    /// In listing order, one for each of `course.lessons` (see [`parts::assemble`]).
    pub lessons: Vec<ParsedLesson>,
    pub assets: Vec<Asset>,
}

impl ParsedCourse {
    /// Lessons in course order ([`Course::lesson_order`]) with their module number (1-based).
    pub fn ordered_lessons(&self) -> Vec<(usize, &ParsedLesson)> {
        (self.course.lesson_order())
            .filter_map(|(m, i)| Some((m, self.lessons.get(i)?)))
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct ParsedLesson {
    pub file: String,
    /// False when the front matter could not be read: its keys are unknown, not missing.
    pub front_ok: bool,
    pub lesson: Lesson,
    pub id_pos: Pos,
    pub body: Body,
    /// Where each of `lesson.quizzes` is in the file (same index).
    pub quizzes: Vec<QuizSource>,
}

/// A lesson's front matter as pass 1 reads it (see [`parts::LessonHead`]).
struct Front {
    id: String,
    id_pos: Pos,
    front: Option<LessonFront>,
    body_offset: usize,
}

/// Parses every course; `key` keys the page shuffles ([`crate::shuffle`]).
pub fn parse(sources: &[SourceCourse], key: &ShuffleKey) -> (Vec<ParsedCourse>, Diagnostics) {
    let mut diags = Diagnostics::default();
    // Pass 1: course.yaml and front matter.
    let heads: Vec<(parts::CourseRead, Vec<parts::LessonHead>)> = sources
        .par_iter()
        .map(|src| {
            let course = parts::course_yaml(&src.course_yaml);
            let fronts = src.lessons.par_iter().map(parts::lesson_head).collect();
            (course, fronts)
        })
        .collect();
    let course_ids: Vec<String> = sources
        .iter()
        .zip(&heads)
        .map(|(src, (read, _))| parts::course_id(&src.dir_name, read))
        .collect();
    let mut map = LinkMap::new();
    for ((src, (_, fronts)), course_id) in sources.iter().zip(&heads).zip(&course_ids) {
        map.extend(parts::link_entries(
            src,
            course_id,
            fronts.iter().map(parts::LessonHead::id),
        ));
    }
    // Pass 2: bodies and quizzes.
    let mut courses = Vec::with_capacity(sources.len());
    for ((src, (yaml, fronts)), course_id) in sources.iter().zip(heads).zip(course_ids) {
        let base = format!("{}/lessons", src.dir_name);
        let ctx = LinkContext {
            map: &map,
            base: &base,
            course: &course_id,
        };
        let results: Vec<(ParsedLesson, Vec<Diagnostic>)> = src
            .lessons
            .par_iter()
            .zip(fronts)
            .map(|(file, head)| parts::lesson(file, head, &ctx))
            .collect();
        let mut lessons = Vec::with_capacity(results.len());
        for (lesson, d) in results {
            d.into_iter().for_each(|d| diags.push(d));
            lessons.push(lesson);
        }
        let (course, yaml_ok, course_diags) = parts::course(yaml, src, &course_id, key);
        diags.extend(course_diags);
        courses.push(parts::assemble(
            src,
            course,
            yaml_ok,
            src.course_yaml.clone(),
            lessons,
            src.assets.clone(),
        ));
    }
    (courses, diags)
}

fn parse_front(file: &SourceFile) -> (Front, Option<Diagnostic>) {
    let stem = file
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&file.path)
        .trim_end_matches(".md");
    let default_id = strip_order_prefix(stem).to_owned();
    let Some((yaml, first_line, _, body_offset)) = split_front_matter(&file.text) else {
        let diag = Diagnostic::error(&file.path, Pos::new(1, 1), "lesson has no front matter")
            .with_help("start the file with a YAML block between `---` lines:\n---\ntitle: Lesson title\nestimated-time: 15m\nobjectives:\n  - What the learner can do afterwards\n---");
        return (
            Front {
                id: default_id,
                id_pos: Pos::new(1, 1),
                front: None,
                body_offset: 0,
            },
            Some(diag),
        );
    };
    match from_yaml::<LessonFront>(yaml, &file.path, first_line, "lesson front matter") {
        Ok(front) => {
            let (id, id_pos) = match &front.id {
                Some(id) => (
                    id.clone(),
                    locate_key(yaml, "id").map_or(Pos::new(2, 1), |p| p.below(1)),
                ),
                None => (default_id, Pos::new(1, 1)),
            };
            (
                Front {
                    id,
                    id_pos,
                    front: Some(front),
                    body_offset,
                },
                None,
            )
        }
        Err(d) => (
            Front {
                id: default_id,
                id_pos: Pos::new(1, 1),
                front: None,
                body_offset,
            },
            Some(d),
        ),
    }
}

/// `03-spf-basics` → `spf-basics`: the numeric prefix only sorts files for authors.
fn strip_order_prefix(stem: &str) -> &str {
    match stem.split_once('-') {
        Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty() => rest,
        _ => stem,
    }
}

fn parse_lesson(
    file: &SourceFile,
    front: Front,
    front_diag: Option<Diagnostic>,
    ctx: &LinkContext<'_>,
) -> (ParsedLesson, Vec<Diagnostic>) {
    let mut diags: Vec<Diagnostic> = front_diag.into_iter().collect();
    let mut body = markdown::render_body(&file.text, front.body_offset, &file.path, ctx);
    diags.append(&mut body.diagnostics);
    let mut texts = markdown::Snippets::new(&file.path, Some(ctx));
    let (quizzes, sources): (Vec<crate::model::Quiz>, Vec<QuizSource>) = body
        .quizzes
        .iter()
        .filter_map(|block| quiz::parse_quiz(&block.yaml, block.fence, &mut texts, &mut diags))
        .unzip();
    diags.append(&mut texts.diagnostics);
    body.anchors.append(&mut texts.anchors);
    body.assets_used.append(&mut texts.assets_used);
    if !is_valid_id(&front.id) {
        diags.push(
            Diagnostic::error(&file.path, front.id_pos, format!("lesson id `{}` is not valid", front.id))
                .with_help("ids use lower-case letters, digits and hyphens; name the file like `03-spf-basics.md` or set `id:` in the front matter"),
        );
    } else if front.id == "index" {
        diags.push(
            Diagnostic::error(
                &file.path,
                front.id_pos,
                "lesson id `index` is reserved for the course page",
            )
            .with_help("choose another id, such as `introduction`"),
        );
    }
    let front_ok = front.front.is_some();
    let (title, estimated_minutes, objectives) = match front.front {
        Some(f) => {
            let minutes = match f.estimated_time.as_deref() {
                Some(t) => {
                    let m = parse_minutes(t);
                    if m.is_none() {
                        let pos = locate_key(&file.text, "estimated-time").unwrap_or(Pos::new(1, 1));
                        diags.push(time_error(&file.path, pos, t));
                    }
                    m
                }
                None => None,
            };
            if f.title.trim().is_empty() {
                let pos = locate_key(&file.text, "title").unwrap_or(Pos::new(1, 1));
                diags.push(
                    Diagnostic::error(&file.path, pos, "lesson title is empty")
                        .with_help("give the lesson a title: `title: How an email travels`"),
                );
            }
            (f.title, minutes, f.objectives)
        }
        None => (front.id.clone(), None, Vec::new()),
    };
    let lesson = Lesson {
        id: LessonId::new(front.id),
        title,
        estimated_minutes,
        objectives,
        source: file.path.clone(),
        quizzes,
    };
    (
        ParsedLesson {
            file: file.path.clone(),
            front_ok,
            lesson,
            id_pos: front.id_pos,
            body,
            quizzes: sources,
        },
        diags,
    )
}

fn time_error(file: &str, pos: Pos, value: &str) -> Diagnostic {
    Diagnostic::error(file, pos, format!("estimated time `{value}` is not understood"))
        .with_help("write minutes and hours like `45m`, `3h` or `1h30m`")
}

fn course_from_yaml(
    y: CourseYaml,
    src: &SourceCourse,
    id: &str,
    shuffle: CourseShuffle,
    diags: &mut Diagnostics,
) -> Course {
    let file = &src.course_yaml.path;
    let text = &src.course_yaml.text;
    let at = |key: &str| locate_key(text, key).unwrap_or(Pos::new(1, 1));
    if !is_valid_id(id) {
        let help = if y.id.is_some() {
            "course ids use lower-case letters, digits and hyphens, like `email-authentication`"
        } else {
            "the folder name is the course id unless course.yaml sets `id:`; use lower-case letters, digits and hyphens"
        };
        diags.push(Diagnostic::error(file, at("id"), format!("course id `{id}` is not valid")).with_help(help));
    } else if crate::model::RESERVED_COURSE_IDS.contains(&id) {
        diags.push(
            Diagnostic::error(file, at("id"), format!("course id `{id}` is taken by the server's own pages"))
                .with_help(format!(
                    "`/{id}/` belongs to Waypost itself; give the course another id (`id:` in course.yaml or the folder name)"
                )),
        );
    }
    if y.title.trim().is_empty() {
        diags.push(Diagnostic::error(file, at("title"), "course title is empty").with_help("give the course a title"));
    }
    let level = match y.level.as_deref() {
        None => Level::Beginner,
        Some(l) => Level::parse(l).unwrap_or_else(|| {
            let help = match did_you_mean(l, Level::NAMES) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("levels are {}", Level::NAMES.join(", ")),
            };
            diags.push(Diagnostic::error(file, at("level"), format!("unknown level `{l}`")).with_help(help));
            Level::Beginner
        }),
    };
    let estimated_minutes = y.estimated_time.as_deref().and_then(|t| {
        let m = parse_minutes(t);
        if m.is_none() {
            diags.push(time_error(file, at("estimated-time"), t));
        }
        m
    });
    let pass_mark = match y.completion.as_ref().and_then(|c| c.pass_mark) {
        None => 80,
        Some(p) if (1..=100).contains(&p) => p as u8,
        Some(p) => {
            diags.push(
                Diagnostic::error(
                    file,
                    at("pass-mark"),
                    format!("pass mark {p} is not a percentage from 1 to 100"),
                )
                .with_help("`pass-mark: 80` means 80% of a graded quiz's questions"),
            );
            80
        }
    };
    let max_attempts = match y.completion.as_ref().and_then(|c| c.max_attempts) {
        None => None,
        Some(n) if (1..=100).contains(&n) => Some(n as u32),
        Some(n) => {
            diags.push(
                Diagnostic::error(
                    file,
                    at("max-attempts"),
                    format!("max-attempts {n} is not a number from 1 to 100"),
                )
                .with_help("`max-attempts: 3` allows three failed attempts at each graded quiz before a pass"),
            );
            None
        }
    };
    let cooldown_minutes = y.completion.as_ref().and_then(|c| c.cooldown.as_deref()).and_then(|t| {
        let m = parse_minutes(t);
        if m.is_none() {
            diags.push(
                Diagnostic::error(file, at("cooldown"), format!("cooldown `{t}` is not a duration"))
                    .with_help("write minutes or hours, for example `cooldown: 10m` or `cooldown: 1h`"),
            );
        }
        m
    });
    let certificate = y.certificate.map(|c| {
        let valid_for = c.valid_for.as_deref().and_then(|v| {
            let parsed = Validity::parse(v);
            if parsed.is_none() {
                diags.push(
                    Diagnostic::error(file, at("valid-for"), format!("validity `{v}` is not understood"))
                        .with_help("write a number and a unit: `12 months`, `2 years`, `90 days`"),
                );
            }
            parsed
        });
        Certificate {
            title: c.title,
            valid_for,
        }
    });
    if y.modules.is_empty() {
        diags.push(
            Diagnostic::error(file, at("modules"), "course has no modules").with_help(
                "list modules with their lessons:\nmodules:\n  - title: Basics\n    lessons: [first-lesson]",
            ),
        );
    }
    let modules = y
        .modules
        .into_iter()
        .map(|m| Module {
            title: m.title,
            lessons: m.lessons.into_iter().map(LessonId::new).collect(),
        })
        .collect();
    let summary = y.summary.unwrap_or_default();
    if summary.trim().is_empty() {
        diags.push(
            Diagnostic::error(file, at("title"), "course has no summary")
                .with_help("add `summary:` with one paragraph saying what the learner will be able to do"),
        );
    }
    // No link context: the summary shows on the catalog and on the course page.
    let mut texts = markdown::Snippets::new(file, None);
    let summary_html = texts.html(&summary, at("summary"));
    texts.diagnostics.into_iter().for_each(|d| diags.push(d));
    Course {
        id: CourseId::new(id),
        title: y.title,
        summary_html,
        summary_text: markdown::plain_text(&summary),
        language: y.language.unwrap_or_else(|| "en".to_owned()),
        level,
        estimated_minutes,
        tags: y.tags,
        authors: y
            .authors
            .into_iter()
            .map(|a| Author {
                name: a.name,
                organization: a.organization,
            })
            .collect(),
        modules,
        lessons: Vec::new(),
        completion: Completion {
            pass_mark,
            max_attempts,
            cooldown_minutes,
        },
        certificate,
        shuffle,
    }
}

fn fallback_course(id: &str, shuffle: CourseShuffle) -> Course {
    Course {
        id: CourseId::new(id),
        title: id.to_owned(),
        summary_html: String::new(),
        summary_text: String::new(),
        language: "en".to_owned(),
        level: Level::Beginner,
        estimated_minutes: None,
        tags: Vec::new(),
        authors: Vec::new(),
        modules: Vec::new(),
        lessons: Vec::new(),
        completion: Completion {
            pass_mark: 80,
            max_attempts: None,
            cooldown_minutes: None,
        },
        certificate: None,
        shuffle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_prefix() {
        assert_eq!(strip_order_prefix("03-spf-basics"), "spf-basics");
        assert_eq!(strip_order_prefix("001-lesson-001"), "lesson-001");
        assert_eq!(strip_order_prefix("intro"), "intro");
        assert_eq!(strip_order_prefix("2fa-basics"), "2fa-basics");
    }
}
