//! Stage 3, **validate**: the rules that span files. Every lesson listed once and every
//! listed lesson present, ids unique, anchors that exist, and the quality warnings that
//! `check --strict` turns into failures. Pure: parsed courses in, diagnostics out.

use std::collections::{HashMap, HashSet};

mod assets;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::model::QuestionKind;
use crate::parse::yaml::{locate_key, locate_word};
use crate::parse::{ParsedCourse, ParsedLesson};

pub fn validate(courses: &[ParsedCourse]) -> Diagnostics {
    let mut diags = course_id_clashes(courses);
    for c in courses {
        diags.extend(course_rules(c));
    }
    validate_anchors(courses, &mut diags);
    diags
}

/// Course ids used by more than one course folder.
pub fn course_id_clashes(courses: &[ParsedCourse]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let mut course_ids: HashMap<&str, &str> = HashMap::new();
    for c in courses {
        if let Some(first) = course_ids.insert(c.course.id.as_str(), &c.course_file.path) {
            diags.push(
                Diagnostic::error(
                    &c.course_file.path,
                    locate_key(&c.course_file.text, "id").unwrap_or(Pos::new(1, 1)),
                    format!("course id `{}` is also used by {first}", c.course.id),
                )
                .with_help("course ids are unique and stable forever; give one course another id"),
            );
        }
    }
    diags
}

/// The rules within one course: its lessons listed once each and present, unique lesson and
/// quiz ids, used assets, and the quality warnings of its lessons.
pub fn course_rules(c: &ParsedCourse) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let file = &c.course_file.path;
    let text = &c.course_file.text;
    let mut by_id: HashMap<&str, &ParsedLesson> = HashMap::new();
    for l in &c.lessons {
        if let Some(first) = by_id.insert(l.lesson.id.as_str(), l) {
            diags.push(
                Diagnostic::error(
                    &l.file,
                    l.id_pos,
                    format!("lesson id `{}` is also used by {}", l.lesson.id, first.file),
                )
                .with_help(
                    "each lesson needs its own id: rename the file or set a different `id:` in its front matter",
                ),
            );
        }
    }
    if c.yaml_ok {
        let mut listed: HashSet<&str> = HashSet::new();
        let mut line = locate_key(text, "modules").map_or(1, |p| p.line);
        let mut lesson_ids: Vec<&str> = by_id.keys().copied().collect();
        lesson_ids.sort_unstable();
        for module in &c.course.modules {
            let module_pos = locate_word(text, &module.title, line).unwrap_or(Pos::new(line, 1));
            line = module_pos.line;
            if module.lessons.is_empty() {
                diags.push(
                    Diagnostic::error(file, module_pos, format!("module “{}” has no lessons", module.title))
                        .with_help("list its lessons: `lessons: [lesson-id, …]`"),
                );
            }
            for id in &module.lessons {
                let pos = locate_word(text, id.as_str(), line).unwrap_or(module_pos);
                line = pos.line;
                if !by_id.contains_key(id.as_str()) {
                    let help = match did_you_mean(id.as_str(), lesson_ids.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "lesson ids come from the file names in {}/lessons (without the `NN-` prefix) or their `id:`",
                            c.dir_name
                        ),
                    };
                    diags.push(
                        Diagnostic::error(
                            file,
                            pos,
                            format!("module “{}” lists lesson `{id}`, which does not exist", module.title),
                        )
                        .with_help(help),
                    );
                } else if !listed.insert(id.as_str()) {
                    diags.push(
                        Diagnostic::error(file, pos, format!("lesson `{id}` is listed twice")).with_help(
                            "a lesson belongs to exactly one place in the course; remove one of the mentions",
                        ),
                    );
                }
            }
        }
        for l in &c.lessons {
            if !listed.contains(l.lesson.id.as_str())
                && by_id.get(l.lesson.id.as_str()).is_some_and(|f| std::ptr::eq(*f, l))
            {
                diags.push(
                    Diagnostic::error(
                        &l.file,
                        Pos::new(1, 1),
                        format!("lesson `{}` is not listed in any module of course.yaml", l.lesson.id),
                    )
                    .with_help(format!(
                        "add `{}` to a module's `lessons:` list in {file}, or delete the file",
                        l.lesson.id
                    )),
                );
            }
        }
        if c.course.certificate.is_some() && c.course.graded_quizzes().next().is_none() {
            diags.push(
                Diagnostic::warning(
                    file,
                    locate_key(text, "certificate").unwrap_or(Pos::new(1, 1)),
                    "course awards a certificate but has no graded quiz",
                )
                .with_help(
                    "completion is proven by graded quizzes; add one (quizzes are graded unless `graded: false`)",
                ),
            );
        }
    }
    let mut quiz_ids: HashMap<&str, &str> = HashMap::new();
    for l in &c.lessons {
        for (quiz, q) in l.lesson.quizzes.iter().zip(&l.quizzes) {
            if let Some(first) = quiz_ids.insert(quiz.id.as_str(), &l.file) {
                diags.push(
                    Diagnostic::error(&l.file, q.pos, format!("quiz id `{}` is also used in {first}", quiz.id))
                        .with_help("quiz ids are unique within a course and stable forever; choose another id"),
                );
            }
        }
        lesson_warnings(l, &mut diags);
    }
    let used: HashSet<&str> = c
        .lessons
        .iter()
        .flat_map(|l| l.body.assets_used.iter().map(String::as_str))
        .collect();
    for asset in &c.assets {
        let key = format!("{}/{}", c.dir_name, asset.rel);
        let shown = format!("{}/{}", file.trim_end_matches("/course.yaml"), asset.rel);
        if let Some(refused) = assets::check(&shown, &asset.rel, &asset.bytes) {
            diags.push(refused);
        } else if !used.contains(key.as_str()) {
            diags.push(
                Diagnostic::warning(shown, Pos::FILE, "asset is not used by any lesson")
                    .with_help("link or embed it from a lesson, or delete it"),
            );
        }
    }
    diags
}

fn lesson_warnings(l: &ParsedLesson, diags: &mut Diagnostics) {
    if l.front_ok && l.lesson.objectives.is_empty() {
        diags.push(
            Diagnostic::warning(
                &l.file,
                Pos::new(1, 1),
                format!("lesson `{}` has no objectives", l.lesson.id),
            )
            .with_help("add `objectives:` to the front matter: what the learner can do after the lesson"),
        );
    }
    for (quiz, q) in l.lesson.quizzes.iter().zip(&l.quizzes) {
        for (question, source) in quiz.questions.iter().zip(&q.questions) {
            if quiz.graded && !source.has_explanation {
                diags.push(
                    Diagnostic::warning(
                        &l.file,
                        source.pos,
                        format!("graded question `{}` has no explanation", question.id),
                    )
                    .with_help("add `explanation:`; learners see it after answering, and it is where they learn"),
                );
            }
            if let Some((what, noun)) = two_choice(&question.kind) {
                // Shuffling cannot help here (see `crate::shuffle`): either order is a coin flip.
                diags.push(
                    Diagnostic::warning(
                        &l.file,
                        source.pos,
                        format!(
                            "`{what}` question `{}` has only two {noun}: a guess is right half the time",
                            question.id
                        ),
                    )
                    .with_help(format!(
                        "add a third of the {noun}, or ask it as a `single` or `true-false` question"
                    )),
                );
            }
            for pos in &source.options_without_feedback {
                diags.push(
                    Diagnostic::warning(
                        &l.file,
                        *pos,
                        format!("wrong option of question `{}` has no feedback", question.id),
                    )
                    .with_help("add `feedback:` saying why this option is wrong"),
                );
            }
        }
    }
    let headings = &l.body.headings;
    let text_of: HashMap<&str, &str> = l
        .body
        .sections
        .iter()
        .filter_map(|s| Some((s.id.as_deref()?, s.text.as_str())))
        .collect();
    let quiz_after: HashSet<usize> = l.body.quizzes.iter().map(|q| q.fence.line).collect();
    for (i, h) in headings.iter().enumerate() {
        let empty = text_of.get(h.id.as_str()).is_none_or(|t| t.trim().is_empty());
        let next = headings.get(i + 1);
        let closes = next.is_none_or(|n| n.level <= h.level);
        let next_line = next.map_or(usize::MAX, |n| n.pos.line);
        let holds_quiz = quiz_after.iter().any(|&line| line > h.pos.line && line < next_line);
        if empty && closes && !holds_quiz {
            diags.push(
                Diagnostic::warning(&l.file, h.pos, format!("section “{}” is empty", h.text))
                    .with_help("write the section, or remove its heading"),
            );
        }
    }
}

/// `order` with two items and `match` with two pairs: the page must show one of the two
/// arrangements, and either is the answer half the time.
fn two_choice(kind: &QuestionKind) -> Option<(&'static str, &'static str)> {
    match kind {
        QuestionKind::Order { items } if items.len() == 2 => Some(("order", "items")),
        QuestionKind::Match { pairs } if pairs.len() == 2 => Some(("match", "pairs")),
        _ => None,
    }
}

fn validate_anchors(courses: &[ParsedCourse], diags: &mut Diagnostics) {
    let targets = anchor_targets(courses);
    for c in courses {
        for l in &c.lessons {
            let own = anchor_key(c, l);
            diags.extend(lesson_anchors(&own, l, |key| targets.get(key)));
        }
    }
}

/// The key links use for a lesson's headings: `<course id>/<lesson id>`.
pub fn anchor_key(c: &ParsedCourse, l: &ParsedLesson) -> String {
    format!("{}/{}", c.course.id, l.lesson.id)
}

/// The fragments a link may point at in a lesson: its heading ids and `quiz-<id>`.
pub fn anchor_ids(l: &ParsedLesson) -> HashSet<String> {
    l.body
        .headings
        .iter()
        .map(|h| h.id.clone())
        .chain(l.lesson.quizzes.iter().map(|q| format!("quiz-{}", q.id)))
        .collect()
}

/// Every lesson's anchor ids by [`anchor_key`]; of two lessons with one key the later wins.
pub fn anchor_targets(courses: &[ParsedCourse]) -> HashMap<String, HashSet<String>> {
    let mut targets = HashMap::new();
    for c in courses {
        for l in &c.lessons {
            targets.insert(anchor_key(c, l), anchor_ids(l));
        }
    }
    targets
}

/// Checks the `#fragment` links of lesson `l` (whose key is `own`) against the anchor ids
/// `targets` gives for a key; links to unknown lessons are the parser's to report.
pub fn lesson_anchors<'a>(
    own: &str,
    l: &ParsedLesson,
    targets: impl Fn(&str) -> Option<&'a HashSet<String>>,
) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for a in &l.body.anchors {
        let key = if a.lesson.is_empty() { own } else { &a.lesson };
        let Some(ids) = targets(key) else { continue };
        // Footnote references are generated ids, not headings.
        if ids.contains(&a.fragment) || a.fragment.is_empty() {
            continue;
        }
        let mut sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        let help = match did_you_mean(&a.fragment, sorted) {
            Some(s) => format!("did you mean `#{s}`?"),
            None => "heading ids are the heading text in lower case with hyphens for spaces; or set one: `## Title {#my-id}`".to_owned(),
        };
        diags.push(
            Diagnostic::error(
                &l.file,
                a.pos,
                format!(
                    "link points to `#{}`, which is not a heading of that lesson",
                    a.fragment
                ),
            )
            .with_help(help),
        );
    }
    diags
}
