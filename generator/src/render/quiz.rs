//! Quiz view models. The one place that decides what of a quiz reaches the page:
//! practice quizzes carry their key (they grade in the browser); graded quizzes carry
//! nothing of it (invariant 1), and the server grades them from the catalog.

use serde_json::json;

use super::views::{ChoiceView, LeftView, OptionView, QuestionView, QuizView};
use crate::model::{Question, QuestionKind, Quiz};
use crate::parse::markdown::escape;
use crate::shuffle::CourseShuffle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuizMode {
    Practice,
    Graded,
}

/// The view of `quiz`, a quiz of `course` in `lesson`: choices in the course's keyed
/// displayed order ([`CourseShuffle::question`], the order the grader keys too).
pub fn quiz_view(
    quiz: &Quiz,
    shuffle: &CourseShuffle,
    course: &str,
    lesson: &str,
    pass_mark: u8,
    mode: QuizMode,
) -> QuizView {
    let dom_id = format!("quiz-{}", quiz.id);
    let questions = quiz
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| question_view(q, shuffle.question(&quiz.id, q), &dom_id, i + 1, mode))
        .collect::<Vec<_>>();
    QuizView {
        id: quiz.id.to_string(),
        title: quiz
            .title
            .clone()
            .unwrap_or_else(|| "Check your understanding".to_owned()),
        course_id: course.to_owned(),
        lesson_id: lesson.to_owned(),
        mode: match mode {
            QuizMode::Practice => "practice",
            QuizMode::Graded => "graded",
        },
        pass_mark,
        version: crate::grading::quiz_version(shuffle, quiz),
        question_count: questions.len(),
        questions,
        dom_id,
    }
}

/// One question's view; `order` is its displayed order of choices ([`CourseShuffle::question`]).
fn question_view(q: &Question, order: Vec<usize>, quiz_dom: &str, number: usize, mode: QuizMode) -> QuestionView {
    let dom_id = format!("{quiz_dom}-q-{}", q.id);
    let practice = mode == QuizMode::Practice;
    let mut view = QuestionView {
        id: q.id.to_string(),
        number,
        kind: q.kind.type_name(),
        prompt_html: q.prompt_html.clone(),
        options: Vec::new(),
        items: Vec::new(),
        lefts: Vec::new(),
        rights: Vec::new(),
        feedback_html: None,
        explanation_html: None,
        answer_html: None,
        key_json: None,
        dom_id,
    };
    let (key, answer_html) = match &q.kind {
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
            // Authors tend to write the right answer first: show a shuffle, and use displayed
            // positions as values so the form reveals nothing of the author's order either.
            view.options = order
                .iter()
                .enumerate()
                .map(|(pos, &i)| OptionView {
                    value: pos.to_string(),
                    dom_id: format!("{}-o{pos}", view.dom_id),
                    text_html: options[i].text_html.clone(),
                    correct: practice.then_some(options[i].correct),
                    feedback_html: if practice {
                        options[i].feedback_html.clone()
                    } else {
                        None
                    },
                })
                .collect();
            let correct: Vec<usize> = order
                .iter()
                .enumerate()
                .filter(|&(_, &i)| options[i].correct)
                .map(|(pos, _)| pos)
                .collect();
            let shown: Vec<&str> = correct
                .iter()
                .map(|&pos| options[order[pos]].text_html.as_str())
                .collect();
            let values: Vec<String> = correct.iter().map(usize::to_string).collect();
            let key = if matches!(q.kind, QuestionKind::Single { .. }) {
                json!(values.first().cloned().unwrap_or_default())
            } else {
                json!(values)
            };
            (key, list_html(&shown))
        }
        QuestionKind::TrueFalse { answer } => {
            view.options = [("true", "True"), ("false", "False")]
                .iter()
                .map(|(value, label)| OptionView {
                    value: (*value).to_owned(),
                    dom_id: format!("{}-{value}", view.dom_id),
                    text_html: (*label).to_owned(),
                    correct: practice.then_some((*value == "true") == *answer),
                    feedback_html: None,
                })
                .collect();
            (json!(answer), if *answer { "True" } else { "False" }.to_owned())
        }
        QuestionKind::Text { accept } => {
            let shown = match accept.split_first() {
                Some((first, [])) => format!("<code>{}</code>", escape(first)),
                Some((first, rest)) => format!(
                    "<code>{}</code> (also accepted: {})",
                    escape(first),
                    rest.iter()
                        .map(|a| format!("<code>{}</code>", escape(a)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => String::new(),
            };
            (json!(accept), shown)
        }
        QuestionKind::Number { answer, tolerance } => {
            let shown = if *tolerance > 0.0 {
                format!("{answer} (± {tolerance})")
            } else {
                answer.to_string()
            };
            (json!({ "answer": answer, "tolerance": tolerance }), shown)
        }
        QuestionKind::Order { items } => {
            view.items = order
                .iter()
                .enumerate()
                .map(|(pos, &i)| ChoiceView {
                    value: pos.to_string(),
                    text_html: items[i].clone(),
                })
                .collect();
            let position_of = inverse(&order);
            let key: Vec<String> = (0..items.len()).map(|i| position_of[i].to_string()).collect();
            let refs: Vec<&str> = items.iter().map(String::as_str).collect();
            (
                json!(key),
                format!(
                    "<ol>{}</ol>",
                    refs.iter().map(|t| format!("<li>{t}</li>")).collect::<String>()
                ),
            )
        }
        QuestionKind::Match { pairs } => {
            let rights: Vec<&str> = pairs.iter().map(|p| p.1.as_str()).collect();
            view.lefts = pairs
                .iter()
                .enumerate()
                .map(|(i, p)| LeftView {
                    index: i.to_string(),
                    text_html: p.0.clone(),
                })
                .collect();
            view.rights = order
                .iter()
                .enumerate()
                .map(|(pos, &i)| ChoiceView {
                    value: pos.to_string(),
                    text_html: rights[i].to_owned(),
                })
                .collect();
            let position_of = inverse(&order);
            let key: serde_json::Map<String, serde_json::Value> = (0..pairs.len())
                .map(|i| (i.to_string(), json!(position_of[i].to_string())))
                .collect();
            let rows: String = pairs.iter().map(|(l, r)| format!("<li>{l} → {r}</li>")).collect();
            (serde_json::Value::Object(key), format!("<ul>{rows}</ul>"))
        }
    };
    if practice {
        view.key_json = Some(key.to_string());
        view.answer_html = Some(answer_html);
        view.explanation_html = q.explanation_html.clone();
        view.feedback_html = q.feedback_html.clone();
    }
    view
}

fn inverse(order: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; order.len()];
    for (pos, &i) in order.iter().enumerate() {
        inv[i] = pos;
    }
    inv
}

fn list_html(texts: &[&str]) -> String {
    match texts {
        [one] => (*one).to_owned(),
        many => format!(
            "<ul>{}</ul>",
            many.iter().map(|t| format!("<li>{t}</li>")).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{QuestionId, QuizId, QuizOption};
    use crate::shuffle::ShuffleKey;

    fn shuffle() -> CourseShuffle {
        ShuffleKey::derive(b"test").for_course("c")
    }

    fn quiz() -> Quiz {
        Quiz {
            id: QuizId::new("q"),
            title: None,
            graded: true,
            questions: vec![
                Question {
                    id: QuestionId::new("s"),
                    prompt_html: "<p>P</p>".into(),
                    explanation_html: Some("<p>Because SPF.</p>".into()),
                    feedback_html: None,
                    kind: QuestionKind::Single {
                        options: vec![
                            QuizOption {
                                text_html: "A".into(),
                                correct: false,
                                feedback_html: Some("<p>No, DKIM.</p>".into()),
                            },
                            QuizOption {
                                text_html: "B".into(),
                                correct: true,
                                feedback_html: None,
                            },
                        ],
                    },
                },
                Question {
                    id: QuestionId::new("o"),
                    prompt_html: "<p>Order</p>".into(),
                    explanation_html: None,
                    feedback_html: None,
                    kind: QuestionKind::Order {
                        items: vec!["first".into(), "second".into(), "third".into()],
                    },
                },
            ],
        }
    }

    #[test]
    fn graded_views_hold_no_key() {
        let view = quiz_view(&quiz(), &shuffle(), "c", "l", 80, QuizMode::Graded);
        let text = serde_json::to_string(&view).expect("serialise");
        for leak in [
            "Because SPF",
            "No, DKIM",
            "\"correct\":true",
            "\"correct\":false",
            "key_json\":\"",
        ] {
            assert!(!text.contains(leak), "{leak} leaked: {text}");
        }
    }

    fn options(texts: &[(&str, bool)]) -> Vec<QuizOption> {
        texts
            .iter()
            .map(|&(text, correct)| QuizOption {
                text_html: text.into(),
                correct,
                feedback_html: None,
            })
            .collect()
    }

    #[test]
    fn options_are_shuffled_and_keyed_by_displayed_position() {
        let mut quiz = quiz();
        let author = [
            ("SPF", true),
            ("DKIM", false),
            ("DMARC", true),
            ("BIMI", false),
            ("MTA-STS", false),
        ];
        quiz.questions[0].kind = QuestionKind::Multiple {
            options: options(&author),
        };
        for mode in [QuizMode::Practice, QuizMode::Graded] {
            let view = quiz_view(&quiz, &shuffle(), "c", "l", 80, mode);
            let q = &view.questions[0];
            let shown: Vec<&str> = q.options.iter().map(|o| o.text_html.as_str()).collect();
            assert_ne!(
                shown,
                author.map(|(t, _)| t),
                "{mode:?}: options are not in author order"
            );
            for (pos, o) in q.options.iter().enumerate() {
                assert_eq!(o.value, pos.to_string(), "{mode:?}: values are displayed positions");
                assert_eq!(
                    o.dom_id,
                    format!("{}-o{pos}", q.dom_id),
                    "{mode:?}: ids follow the display"
                );
            }
        }
        let view = quiz_view(&quiz, &shuffle(), "c", "l", 80, QuizMode::Practice);
        let q = &view.questions[0];
        let key: Vec<String> = serde_json::from_str(q.key_json.as_deref().unwrap_or("null")).expect("key");
        let mut keyed: Vec<&str> = key
            .iter()
            .map(|v| q.options[v.parse::<usize>().expect("a position")].text_html.as_str())
            .collect();
        keyed.sort_unstable();
        assert_eq!(keyed, ["DMARC", "SPF"]);
        let marked: Vec<&str> = q
            .options
            .iter()
            .filter(|o| o.correct == Some(true))
            .map(|o| o.text_html.as_str())
            .collect();
        assert_eq!(marked.len(), 2);
        assert!(marked.iter().all(|t| keyed.contains(t)));
    }

    #[test]
    fn practice_keys_use_displayed_positions() {
        let view = quiz_view(&quiz(), &shuffle(), "c", "l", 80, QuizMode::Practice);
        let single = &view.questions[0];
        let key: String = serde_json::from_str(single.key_json.as_deref().unwrap_or("null")).expect("key");
        let chosen = &single.options[key.parse::<usize>().expect("a position")];
        assert_eq!((chosen.text_html.as_str(), chosen.correct), ("B", Some(true)));
        assert_eq!(single.answer_html.as_deref(), Some("B"));
        let order = &view.questions[1];
        let key: Vec<String> = serde_json::from_str(order.key_json.as_deref().unwrap_or("[]")).expect("key");
        let shown: Vec<&str> = key
            .iter()
            .map(|v| order.items[v.parse::<usize>().unwrap_or(0)].text_html.as_str())
            .collect();
        assert_eq!(shown, ["first", "second", "third"]);
        assert_ne!(
            order.items.iter().map(|i| i.text_html.as_str()).collect::<Vec<_>>(),
            ["first", "second", "third"]
        );
    }
}
