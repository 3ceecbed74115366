//! Grading, pure: the answer key of every question in *displayed* positions (what a page's
//! form submits), `grade`, and the catalog the server grades from. Contract: `docs/api.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::model::{Certificate, Course, CourseId, LessonId, Question, QuestionId, QuestionKind, Quiz, QuizId};
use crate::shuffle::CourseShuffle;
pub use crate::shuffle::ShuffleKey;

#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Single(usize),
    Multiple(BTreeSet<usize>),
    TrueFalse(bool),
    Text(Vec<String>),
    Number { answer: f64, tolerance: f64 },
    Order(Vec<usize>),
    Match(Vec<usize>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Correct,
    Wrong,
    Invalid(&'static str),
}

/// quiz.js's normalisation of text answers: trimmed, lower-cased, inner whitespace collapsed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn position(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) if !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    }
}

pub fn grade(key: &Key, answer: &Value) -> Outcome {
    use Outcome::{Correct, Invalid, Wrong};
    let verdict = |ok: bool| if ok { Correct } else { Wrong };
    match key {
        Key::Single(p) => match position(answer) {
            Some(a) => verdict(a == *p),
            None => Invalid("choose one option"),
        },
        Key::Multiple(set) => {
            let Value::Array(items) = answer else {
                return Invalid("choose one or more options");
            };
            let mut chosen = BTreeSet::new();
            for item in items {
                match position(item) {
                    Some(p) if chosen.insert(p) => {}
                    _ => return Invalid("each choice once, as an option value"),
                }
            }
            if chosen.is_empty() {
                Invalid("choose one or more options")
            } else {
                verdict(&chosen == set)
            }
        }
        Key::TrueFalse(b) => match answer {
            Value::Bool(a) => verdict(a == b),
            Value::String(s) if s == "true" || s == "false" => verdict((s == "true") == *b),
            _ => Invalid("answer true or false"),
        },
        Key::Text(accept) => match answer {
            Value::String(s) if !s.trim().is_empty() => verdict(accept.contains(&normalise(s))),
            _ => Invalid("type an answer"),
        },
        Key::Number {
            answer: right,
            tolerance,
        } => {
            let given = match answer {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match given.filter(|g| g.is_finite()) {
                Some(g) => verdict((g - right).abs() <= tolerance + 1e-9),
                None => Invalid("enter a number"),
            }
        }
        Key::Order(key) => {
            let Value::Array(items) = answer else {
                return Invalid("put every item in order");
            };
            let given: Option<Vec<usize>> = items.iter().map(position).collect();
            match given {
                Some(g) if g.len() == key.len() => verdict(&g == key),
                _ => Invalid("put every item in order"),
            }
        }
        Key::Match(key) => {
            let Value::Object(map) = answer else {
                return Invalid("match every item");
            };
            if map.len() != key.len() {
                return Invalid("match every item");
            }
            let mut ok = true;
            for (left, right) in key.iter().enumerate() {
                match map.get(&left.to_string()).and_then(position) {
                    Some(r) => ok &= r == *right,
                    None => return Invalid("match every item"),
                }
            }
            verdict(ok)
        }
    }
}

#[derive(Clone)]
pub struct QuestionGrading {
    pub id: QuestionId,
    pub key: Key,
    pub key_hash: String,
    pub explanation_html: Option<String>,
    pub feedback_html: Option<String>,
    pub option_feedback: Vec<Option<String>>,
}

#[derive(Clone)]
pub struct QuizGrading {
    pub id: QuizId,
    pub lesson: LessonId,
    pub graded: bool,
    pub version: String,
    pub pass_mark: u8,
    pub questions: Vec<QuestionGrading>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuizResult {
    pub score: u8,
    pub passed: bool,
    pub right: usize,
    pub questions: Vec<QuestionResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuestionResult {
    pub id: QuestionId,
    pub correct: bool,
    pub answered: bool,
    pub invalid: Option<&'static str>,
    pub feedback_html: Option<String>,
    pub explanation_html: Option<String>,
}

/// quiz.js's `Math.round(100 * right / total)`.
pub fn score(right: usize, total: usize) -> u8 {
    if total == 0 {
        return 0;
    }
    u8::try_from((200 * right + total) / (2 * total))
        .unwrap_or(100)
        .min(100)
}

impl QuizGrading {
    pub fn question(&self, id: &str) -> Option<&QuestionGrading> {
        self.questions.iter().find(|q| q.id.as_str() == id)
    }

    pub fn grade(&self, answers: &Map<String, Value>) -> QuizResult {
        let mut right = 0;
        let questions: Vec<QuestionResult> = self
            .questions
            .iter()
            .map(|q| {
                let outcome = answers
                    .get(q.id.as_str())
                    .map_or(Outcome::Invalid("not answered"), |a| grade(&q.key, a));
                let correct = outcome == Outcome::Correct;
                right += usize::from(correct);
                let chosen = answers
                    .get(q.id.as_str())
                    .map(|a| chosen_feedback(q, a))
                    .unwrap_or_default();
                QuestionResult {
                    id: q.id.clone(),
                    correct,
                    answered: answers.contains_key(q.id.as_str()) && !matches!(outcome, Outcome::Invalid(_)),
                    invalid: if let Outcome::Invalid(why) = outcome {
                        Some(why)
                    } else {
                        None
                    },
                    feedback_html: if correct {
                        None
                    } else {
                        chosen.or_else(|| q.feedback_html.clone())
                    },
                    explanation_html: q.explanation_html.clone(),
                }
            })
            .collect();
        let score = score(right, self.questions.len());
        QuizResult {
            score,
            passed: score >= self.pass_mark,
            right,
            questions,
        }
    }
}

fn chosen_feedback(q: &QuestionGrading, answer: &Value) -> Option<String> {
    let picked: Vec<usize> = match (&q.key, answer) {
        (Key::Single(_), a) => position(a).into_iter().collect(),
        (Key::Multiple(set), Value::Array(items)) => {
            items.iter().filter_map(position).filter(|p| !set.contains(p)).collect()
        }
        _ => return None,
    };
    let texts: Vec<&str> = picked
        .iter()
        .filter_map(|&p| q.option_feedback.get(p)?.as_deref())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

#[derive(Clone)]
pub struct CourseGrading {
    pub id: CourseId,
    pub title: String,
    pub pass_mark: u8,
    pub max_attempts: Option<u32>,
    pub cooldown_seconds: Option<u32>,
    pub lessons: Vec<LessonId>,
    pub certificate: Option<Certificate>,
    quizzes: Vec<QuizGrading>,
}

impl CourseGrading {
    pub fn quiz(&self, id: &str) -> Option<&QuizGrading> {
        self.quizzes.iter().find(|q| q.id.as_str() == id)
    }
    pub fn quizzes(&self) -> impl Iterator<Item = &QuizGrading> {
        self.quizzes.iter()
    }
    pub fn graded_quizzes(&self) -> impl Iterator<Item = &QuizGrading> {
        self.quizzes.iter().filter(|q| q.graded)
    }
}

#[derive(Clone, Default)]
pub struct GradingCatalog {
    courses: BTreeMap<String, CourseGrading>,
}

impl std::fmt::Debug for GradingCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("GradingCatalog")
            .field("courses", &self.courses.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl GradingCatalog {
    pub fn of(courses: &[Course]) -> Self {
        Self {
            courses: courses.iter().map(|c| (c.id.to_string(), course_grading(c))).collect(),
        }
    }
    pub fn course(&self, id: &str) -> Option<&CourseGrading> {
        self.courses.get(id)
    }
    pub fn courses(&self) -> impl Iterator<Item = &CourseGrading> {
        self.courses.values()
    }
}

fn course_grading(c: &Course) -> CourseGrading {
    let quizzes = c
        .lessons
        .iter()
        .flat_map(|l| {
            l.quizzes
                .iter()
                .map(move |q| quiz_grading(&c.shuffle, q, &l.id, c.completion.pass_mark))
        })
        .collect();
    CourseGrading {
        id: c.id.clone(),
        title: c.title.clone(),
        pass_mark: c.completion.pass_mark,
        max_attempts: c.completion.max_attempts,
        cooldown_seconds: c.completion.cooldown_minutes.map(|m| m * 60),
        lessons: c.ordered_lessons().map(|l| l.id.clone()).collect(),
        certificate: c.certificate.clone(),
        quizzes,
    }
}

/// The version of a quiz: a hash of what its page shows (prompts, options in displayed
/// order) and of its keys, so a page opened before an edit is told to reload (409) instead
/// of being graded against questions it did not show.
pub fn quiz_version(shuffle: &CourseShuffle, q: &Quiz) -> String {
    let mut h = Sha256::new();
    h.update(q.id.as_str());
    for question in &q.questions {
        let (key, _) = key_of(shuffle, &q.id, question);
        h.update([0]);
        h.update(question.id.as_str());
        h.update([0]);
        h.update(question.prompt_html.as_bytes());
        h.update(format!("{:?}\u{0}{key:?}", shown_texts(shuffle, &q.id, question)).as_bytes());
    }
    hex(&h.finalize()[..8])
}

/// The texts a page shows for a question, in displayed order.
fn shown_texts<'a>(shuffle: &CourseShuffle, quiz: &QuizId, q: &'a Question) -> Vec<&'a str> {
    let order = shuffle.question(quiz, q);
    match &q.kind {
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
            order.into_iter().map(|i| options[i].text_html.as_str()).collect()
        }
        QuestionKind::Order { items } => order.into_iter().map(|i| items[i].as_str()).collect(),
        QuestionKind::Match { pairs } => {
            let mut shown: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
            shown.extend(order.into_iter().map(|i| pairs[i].1.as_str()));
            shown
        }
        _ => Vec::new(),
    }
}

fn quiz_grading(shuffle: &CourseShuffle, q: &Quiz, lesson: &LessonId, pass_mark: u8) -> QuizGrading {
    let questions: Vec<QuestionGrading> = q
        .questions
        .iter()
        .map(|question| question_grading(shuffle, &q.id, question))
        .collect();
    QuizGrading {
        id: q.id.clone(),
        lesson: lesson.clone(),
        graded: q.graded,
        version: quiz_version(shuffle, q),
        pass_mark,
        questions,
    }
}

/// A question's key in displayed positions, and the feedback of each displayed option.
pub fn key_of(shuffle: &CourseShuffle, quiz: &QuizId, q: &Question) -> (Key, Vec<Option<String>>) {
    let order = shuffle.question(quiz, q);
    match &q.kind {
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
            let correct: BTreeSet<usize> = order
                .iter()
                .enumerate()
                .filter(|&(_, &i)| options[i].correct)
                .map(|(p, _)| p)
                .collect();
            let feedback = order.iter().map(|&i| options[i].feedback_html.clone()).collect();
            let key = if matches!(q.kind, QuestionKind::Single { .. }) {
                Key::Single(correct.first().copied().unwrap_or(0))
            } else {
                Key::Multiple(correct)
            };
            (key, feedback)
        }
        QuestionKind::TrueFalse { answer } => (Key::TrueFalse(*answer), vec![]),
        QuestionKind::Text { accept } => (Key::Text(accept.iter().map(|a| normalise(a)).collect()), vec![]),
        QuestionKind::Number { answer, tolerance } => (
            Key::Number {
                answer: *answer,
                tolerance: *tolerance,
            },
            vec![],
        ),
        QuestionKind::Order { .. } => (Key::Order(inverse(&order)), vec![]),
        QuestionKind::Match { .. } => (Key::Match(inverse(&order)), vec![]),
    }
}

fn question_grading(shuffle: &CourseShuffle, quiz: &QuizId, q: &Question) -> QuestionGrading {
    let (key, option_feedback) = key_of(shuffle, quiz, q);
    let key_hash = hex(&Sha256::digest(format!("{}\u{0}{key:?}", q.id).as_bytes())[..8]);
    QuestionGrading {
        id: q.id.clone(),
        key,
        key_hash,
        explanation_html: q.explanation_html.clone(),
        feedback_html: q.feedback_html.clone(),
        option_feedback,
    }
}

fn inverse(order: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; order.len()];
    for (pos, &i) in order.iter().enumerate() {
        inv[i] = pos;
    }
    inv
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
