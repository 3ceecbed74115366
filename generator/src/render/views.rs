//! View models: the only values templates see (never the domain model), so a template
//! cannot reach an answer key unless a view puts it there on purpose.

use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct PageView {
    pub root: &'static str,
    pub title: String,
    pub description: String,
    pub lang: String,
    pub site_title: String,
    pub assets: AssetsView,
    pub preview: bool,
    /// No server behind the site (`--static-only`): nothing grades a quiz, records progress or
    /// issues a certificate, so no page may promise one or call the API.
    pub static_only: bool,
    pub generator: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct AssetsView {
    pub css: String,
    pub progress_js: String,
    pub quiz_js: String,
    pub search_js: String,
    pub certificate_js: String,
    pub preview_js: Option<String>,
    pub favicon: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CourseCard {
    pub id: String,
    pub url: String,
    pub title: String,
    pub summary_html: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub estimated_time: Option<String>,
    pub lesson_count: usize,
    pub quiz_count: usize,
    pub tags: Vec<String>,
    pub language: String,
    pub certificate: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct CourseView {
    pub id: String,
    pub title: String,
    pub summary_html: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub estimated_time: Option<String>,
    pub language: String,
    pub tags: Vec<String>,
    pub authors: Vec<AuthorView>,
    pub pass_mark: u8,
    pub certificate: Option<CertificateView>,
    pub first_lesson_url: Option<String>,
    pub lesson_count: usize,
    pub graded_quiz_count: usize,
    pub modules: Vec<ModuleView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuthorView {
    pub name: String,
    pub organization: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CertificateView {
    pub title: String,
    pub valid_for: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModuleView {
    pub number: usize,
    pub title: String,
    pub lessons: Vec<LessonLink>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LessonLink {
    pub id: String,
    pub url: String,
    pub title: String,
    pub estimated_time: Option<String>,
    pub objectives: Vec<String>,
    pub number: usize,
    pub has_graded_quiz: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct CourseRef {
    pub id: String,
    pub title: String,
    pub url: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct LessonView {
    pub id: String,
    pub title: String,
    pub estimated_time: Option<String>,
    pub objectives: Vec<String>,
    pub number: usize,
    pub total: usize,
    pub body_html: String,
    pub toc: Vec<TocEntry>,
    pub quiz_ids: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct NavLink {
    pub url: String,
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModuleRef {
    pub number: usize,
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuizView {
    pub id: String,
    pub dom_id: String,
    pub course_id: String,
    pub lesson_id: String,
    pub title: String,
    pub mode: &'static str,
    /// The quiz version the server checks a submission against (`grading::quiz_version`).
    pub version: String,
    pub pass_mark: u8,
    pub question_count: usize,
    pub questions: Vec<QuestionView>,
}

/// One question as the page shows it. In graded mode every field that could reveal the key
/// (`correct`, feedback, explanation, answer, key) is `None`.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionView {
    pub id: String,
    pub dom_id: String,
    pub number: usize,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub prompt_html: String,
    pub options: Vec<OptionView>,
    pub items: Vec<ChoiceView>,
    pub lefts: Vec<LeftView>,
    pub rights: Vec<ChoiceView>,
    pub feedback_html: Option<String>,
    pub explanation_html: Option<String>,
    pub answer_html: Option<String>,
    pub key_json: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OptionView {
    pub value: String,
    pub dom_id: String,
    pub text_html: String,
    pub correct: Option<bool>,
    pub feedback_html: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChoiceView {
    pub value: String,
    pub text_html: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LeftView {
    pub index: String,
    pub text_html: String,
}
