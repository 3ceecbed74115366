//! `courses.json`: the public catalog. Ids, titles, order, prompts and options, so apps and
//! the server's pages can list courses, and never anything of an answer key: options carry no
//! `correct`, questions no accepted answers, explanations or feedback.

use serde::Serialize;

use super::quiz::{QuizMode, quiz_view};
use super::views::{ChoiceView, LeftView};
use crate::parse::ParsedCourse;

#[derive(Serialize)]
struct Catalog<'a> {
    version: u32,
    courses: Vec<CourseEntry<'a>>,
}

#[derive(Serialize)]
struct CourseEntry<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    url: String,
    language: &'a str,
    level: &'static str,
    estimated_minutes: Option<u32>,
    tags: &'a [String],
    pass_mark: u8,
    certificate: Option<CertificateEntry<'a>>,
    modules: Vec<ModuleEntry<'a>>,
}

#[derive(Serialize)]
struct CertificateEntry<'a> {
    title: &'a str,
    valid_for: Option<String>,
}

#[derive(Serialize)]
struct ModuleEntry<'a> {
    title: &'a str,
    lessons: Vec<LessonEntry<'a>>,
}

#[derive(Serialize)]
struct LessonEntry<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
    estimated_minutes: Option<u32>,
    objectives: &'a [String],
    quizzes: Vec<QuizEntry>,
}

#[derive(Serialize)]
struct QuizEntry {
    id: String,
    title: String,
    graded: bool,
    questions: Vec<QuestionEntry>,
}

#[derive(Serialize)]
struct QuestionEntry {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    prompt_html: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    options: Vec<ChoiceView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    items: Vec<ChoiceView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lefts: Vec<LeftView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rights: Vec<ChoiceView>,
}

pub fn public_catalog(courses: &[ParsedCourse]) -> Vec<u8> {
    let catalog = Catalog {
        version: 1,
        courses: courses
            .iter()
            .map(|pc| {
                let c = &pc.course;
                CourseEntry {
                    id: c.id.as_str(),
                    title: &c.title,
                    summary: &c.summary_text,
                    url: format!("{}/index.html", c.id),
                    language: &c.language,
                    level: c.level.as_str(),
                    estimated_minutes: c.estimated_minutes,
                    tags: &c.tags,
                    pass_mark: c.completion.pass_mark,
                    certificate: c.certificate.as_ref().map(|cert| CertificateEntry {
                        title: &cert.title,
                        valid_for: cert.valid_for.map(|v| v.to_string()),
                    }),
                    modules: c
                        .modules_in_order()
                        .into_iter()
                        .map(|(m, lessons)| ModuleEntry {
                            title: &m.title,
                            lessons: lessons
                                .into_iter()
                                .map(|l| LessonEntry {
                                    id: l.id.as_str(),
                                    title: &l.title,
                                    url: format!("{}/{}.html", c.id, l.id),
                                    estimated_minutes: l.estimated_minutes,
                                    objectives: &l.objectives,
                                    quizzes: l
                                        .quizzes
                                        .iter()
                                        .map(|q| {
                                            // Built from the graded view, which holds no key by construction.
                                            let view = quiz_view(
                                                q,
                                                &c.shuffle,
                                                c.id.as_str(),
                                                l.id.as_str(),
                                                c.completion.pass_mark,
                                                QuizMode::Graded,
                                            );
                                            QuizEntry {
                                                id: view.id,
                                                title: view.title,
                                                graded: q.graded,
                                                questions: view
                                                    .questions
                                                    .into_iter()
                                                    .map(|qv| QuestionEntry {
                                                        id: qv.id,
                                                        kind: qv.kind,
                                                        prompt_html: qv.prompt_html,
                                                        options: qv
                                                            .options
                                                            .into_iter()
                                                            .map(|o| ChoiceView {
                                                                value: o.value,
                                                                text_html: o.text_html,
                                                            })
                                                            .collect(),
                                                        items: qv.items,
                                                        lefts: qv.lefts,
                                                        rights: qv.rights,
                                                    })
                                                    .collect(),
                                            }
                                        })
                                        .collect(),
                                })
                                .collect(),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&catalog).expect("the catalog is plain data and always serialises");
    bytes.push(b'\n');
    bytes
}
