//! The course model: what a course *is* once loaded, parsed and validated.
//!
//! These types are the contract between the generator and the server: the server grades
//! attempts and computes completion from [`Course`] values (answer keys included), never from
//! the public files. Nothing here touches the file system or knows about HTML pages.

use std::fmt;

use serde::Serialize;

use crate::shuffle::CourseShuffle;

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id that [`is_valid_id`] accepted (validation reports the others).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_newtype!(
    /// A course id: `[a-z0-9-]+`, stable forever (it is in URLs and certificates).
    CourseId
);
id_newtype!(
    /// A lesson id, unique within its course.
    LessonId
);
id_newtype!(
    /// A quiz id, unique within its course.
    QuizId
);
id_newtype!(
    /// A question id, unique within its quiz.
    QuestionId
);

/// Ids appear in URLs, file names and database keys, so they are kept to a safe alphabet.
/// Top-level paths the server answers itself (`waypost serve`: the API, account and
/// certificate pages, health checks, theme files, the search index): a course with one of
/// these ids would be hidden behind them. Keep in step with `server/src/http/mod.rs`.
pub const RESERVED_COURSE_IDS: &[&str] = &[
    "api",
    "account",
    "assets",
    "search",
    "certificates",
    "verify",
    "status",
    "healthz",
    "readyz",
];

pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// A whole course, in the order the author gave in `course.yaml`.
#[derive(Clone, Debug, Serialize)]
pub struct Course {
    pub id: CourseId,
    pub title: String,
    /// Summary Markdown rendered to sanitised HTML.
    pub summary_html: String,
    /// The summary as plain text (meta descriptions, catalog JSON).
    pub summary_text: String,
    pub language: String,
    pub level: Level,
    pub estimated_minutes: Option<u32>,
    pub tags: Vec<String>,
    pub authors: Vec<Author>,
    pub modules: Vec<Module>,
    pub lessons: Vec<Lesson>,
    pub completion: Completion,
    pub certificate: Option<Certificate>,
    /// Keys the order in which pages show options, items and right-hand texts
    /// ([`crate::shuffle`]); never serialised.
    #[serde(skip)]
    pub shuffle: CourseShuffle,
}

impl Course {
    /// Course order, the one definition of it (pages, the pager, search and the preview's
    /// rebuild all read it): module by module, each listed lesson that exists, as its module
    /// number (1-based) and its index in `lessons`.
    pub fn lesson_order(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.modules
            .iter()
            .enumerate()
            .flat_map(|(m, module)| module.lessons.iter().map(move |id| (m + 1, id)))
            .filter_map(|(m, id)| Some((m, self.lessons.iter().position(|l| &l.id == id)?)))
    }

    /// Each module with its lessons, in course order: [`Course::lesson_order`] grouped by
    /// module (the course page and `courses.json` show it).
    pub fn modules_in_order(&self) -> Vec<(&Module, Vec<&Lesson>)> {
        let mut modules: Vec<(&Module, Vec<&Lesson>)> = self.modules.iter().map(|m| (m, Vec::new())).collect();
        for (module, i) in self.lesson_order() {
            modules[module - 1].1.push(&self.lessons[i]);
        }
        modules
    }

    /// Lessons in course order (module by module).
    pub fn ordered_lessons(&self) -> impl Iterator<Item = &Lesson> {
        self.lesson_order().map(|(_, i)| &self.lessons[i])
    }

    /// Every quiz of the course with the lesson that holds it.
    pub fn quizzes(&self) -> impl Iterator<Item = (&Lesson, &Quiz)> {
        self.lessons.iter().flat_map(|l| l.quizzes.iter().map(move |q| (l, q)))
    }

    /// The quizzes that count towards completion.
    pub fn graded_quizzes(&self) -> impl Iterator<Item = &Quiz> {
        self.quizzes().map(|(_, q)| q).filter(|q| q.graded)
    }

    pub fn quiz(&self, id: &str) -> Option<&Quiz> {
        self.quizzes().map(|(_, q)| q).find(|q| q.id.as_str() == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub const NAMES: [&'static str; 3] = ["beginner", "intermediate", "advanced"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "beginner" => Some(Self::Beginner),
            "intermediate" => Some(Self::Intermediate),
            "advanced" => Some(Self::Advanced),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn label(self) -> &'static str {
        ["Beginner", "Intermediate", "Advanced"][self as usize]
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Author {
    pub name: String,
    pub organization: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Module {
    pub title: String,
    pub lessons: Vec<LessonId>,
}

/// What a learner must do to complete the course.
#[derive(Clone, Debug, Serialize)]
pub struct Completion {
    /// Percent of a graded quiz's questions answered correctly to pass it.
    pub pass_mark: u8,
    /// Failed attempts allowed at each graded quiz before a pass (`max-attempts`).
    pub max_attempts: Option<u32>,
    /// Minutes a learner waits after a failed attempt (`cooldown`).
    pub cooldown_minutes: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Certificate {
    pub title: String,
    pub valid_for: Option<Validity>,
}

/// How long a certificate stays current (annual retraining is `12 months`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    Days(u32),
    Months(u32),
    Years(u32),
}

impl Validity {
    /// Parses `12 months`, `1 year`, `90 days`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split_whitespace();
        let n: u32 = parts.next()?.parse().ok()?;
        let unit = parts.next()?;
        if parts.next().is_some() || n == 0 || n > 1200 {
            return None;
        }
        match unit {
            "day" | "days" => Some(Self::Days(n)),
            "month" | "months" => Some(Self::Months(n)),
            "year" | "years" => Some(Self::Years(n)),
            _ => None,
        }
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match *self {
            Self::Days(n) => (n, "day"),
            Self::Months(n) => (n, "month"),
            Self::Years(n) => (n, "year"),
        };
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

/// Parses an estimated time such as `45m`, `3h`, `1h30m` into minutes.
pub fn parse_minutes(s: &str) -> Option<u32> {
    let s = s.trim();
    let (hours, rest) = match s.split_once('h') {
        Some((h, rest)) => (h.trim().parse::<u32>().ok()?, rest.trim()),
        None => (0, s),
    };
    let minutes = match rest.strip_suffix('m').or(rest.strip_suffix("min")) {
        Some(m) => m.trim().parse::<u32>().ok()?,
        None if rest.is_empty() && s.contains('h') => 0,
        None => return None,
    };
    let total = hours.checked_mul(60)?.checked_add(minutes)?;
    (total > 0 && total <= 100 * 60).then_some(total)
}

/// `90` → `1 h 30 min`, for people.
pub fn format_minutes(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Lesson {
    pub id: LessonId,
    pub title: String,
    pub estimated_minutes: Option<u32>,
    pub objectives: Vec<String>,
    /// Path of the source file relative to the courses root, for messages.
    pub source: String,
    pub quizzes: Vec<Quiz>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Quiz {
    pub id: QuizId,
    pub title: Option<String>,
    /// Graded quizzes count towards completion and are graded only by the server.
    pub graded: bool,
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Question {
    pub id: QuestionId,
    /// Prompt Markdown rendered to sanitised HTML.
    pub prompt_html: String,
    pub explanation_html: Option<String>,
    /// Shown after a wrong answer to a question without per-option feedback.
    pub feedback_html: Option<String>,
    pub kind: QuestionKind,
}

/// A question's type with its answer key. Texts are rendered, sanitised HTML.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum QuestionKind {
    Single {
        options: Vec<QuizOption>,
    },
    Multiple {
        options: Vec<QuizOption>,
    },
    TrueFalse {
        answer: bool,
    },
    Text {
        accept: Vec<String>,
    },
    Number {
        answer: f64,
        tolerance: f64,
    },
    /// Items in the correct order.
    Order {
        items: Vec<String>,
    },
    /// Pairs as the author wrote them: left `i` matches right `i`.
    Match {
        pairs: Vec<(String, String)>,
    },
}

impl QuestionKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Single { .. } => "single",
            Self::Multiple { .. } => "multiple",
            Self::TrueFalse { .. } => "true-false",
            Self::Text { .. } => "text",
            Self::Number { .. } => "number",
            Self::Order { .. } => "order",
            Self::Match { .. } => "match",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct QuizOption {
    pub text_html: String,
    pub correct: bool,
    pub feedback_html: Option<String>,
}

pub const QUESTION_TYPES: [&str; 7] = ["single", "multiple", "true-false", "text", "number", "order", "match"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_parse_and_format() {
        assert_eq!(parse_minutes("45m"), Some(45));
        assert_eq!(parse_minutes("3h"), Some(180));
        assert_eq!(parse_minutes("1h30m"), Some(90));
        assert_eq!(parse_minutes("1h 30m"), Some(90));
        assert_eq!(parse_minutes("0m"), None);
        assert_eq!(parse_minutes("ten"), None);
        assert_eq!(parse_minutes("h"), None);
        assert_eq!(parse_minutes("99999999999h"), None);
        assert_eq!(format_minutes(90), "1 h 30 min");
        assert_eq!(format_minutes(180), "3 h");
        assert_eq!(format_minutes(15), "15 min");
    }

    #[test]
    fn ids_and_validity() {
        assert!(is_valid_id("spf-basics"));
        assert!(!is_valid_id("SPF"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id(""));
        assert_eq!(Validity::parse("12 months"), Some(Validity::Months(12)));
        assert_eq!(
            Validity::parse("1 year").map(|v| v.to_string()).as_deref(),
            Some("1 year")
        );
        assert_eq!(Validity::parse("twelve months"), None);
    }
}
