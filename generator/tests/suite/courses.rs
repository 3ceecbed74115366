//! The shipped bootcamps (issue: "real, accurate courses"): they build with zero diagnostics,
//! warnings included, and follow the course rules every partner course should follow.

use waypost_generator::diagnostics::render_human;
use waypost_generator::model::{Course, QuestionKind};
use waypost_generator::{Options, RenderMode, check};

use crate::support::{build_in_memory, shipped_courses};

fn courses() -> Vec<Course> {
    build_in_memory(&shipped_courses(), RenderMode::default())
        .unwrap_or_else(|d| panic!("the shipped courses must build:\n{}", render_human(&d, false)))
        .courses
}

#[test]
fn shipped_courses_have_zero_diagnostics() {
    let diags = check(&Options::new(shipped_courses()));
    assert!(diags.is_empty(), "{}", render_human(&diags, false));
    let ids: Vec<String> = courses().iter().map(|c| c.id.to_string()).collect();
    for expected in [
        "ddos-readiness",
        "dnssec-for-domain-owners",
        "email-authentication",
        "phishing-field-guide",
    ] {
        assert!(
            ids.iter().any(|id| id == expected),
            "{expected} is missing from {ids:?}"
        );
    }
}

#[test]
fn graded_questions_explain_and_wrong_options_give_feedback() {
    let mut problems = Vec::new();
    for course in courses() {
        for (lesson, quiz) in course.quizzes() {
            for q in &quiz.questions {
                let at = format!("{}/{}/{}/{}", course.id, lesson.id, quiz.id, q.id);
                if quiz.graded && q.explanation_html.as_deref().is_none_or(|e| e.trim().is_empty()) {
                    problems.push(format!("{at}: graded question without explanation"));
                }
                if let QuestionKind::Single { options } | QuestionKind::Multiple { options } = &q.kind {
                    for (i, o) in options.iter().enumerate() {
                        if !o.correct && o.feedback_html.is_none() {
                            problems.push(format!("{at}: wrong option {i} without feedback"));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_lesson_has_objectives_and_a_quiz_and_every_module_ends_graded() {
    let mut problems = Vec::new();
    for course in courses() {
        assert_eq!(course.completion.pass_mark, 80, "{}: pass mark", course.id);
        assert!(
            course.certificate.is_some(),
            "{}: every shipped course awards a certificate",
            course.id
        );
        for lesson in course.ordered_lessons() {
            if lesson.objectives.is_empty() {
                problems.push(format!("{}/{}: no objectives", course.id, lesson.id));
            }
            if lesson.quizzes.is_empty() {
                problems.push(format!("{}/{}: no quiz", course.id, lesson.id));
            }
        }
        for module in &course.modules {
            let last = module
                .lessons
                .last()
                .and_then(|id| course.lessons.iter().find(|l| &l.id == id));
            if !last.is_some_and(|l| l.quizzes.iter().any(|q| q.graded)) {
                problems.push(format!(
                    "{}: module “{}” does not end with a graded quiz",
                    course.id, module.title
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_awareness_course_is_annual_training() {
    let phishing = courses()
        .into_iter()
        .find(|c| c.id.as_str() == "phishing-field-guide")
        .expect("course");
    let validity = phishing.certificate.and_then(|c| c.valid_for).map(|v| v.to_string());
    assert_eq!(validity.as_deref(), Some("12 months"));
}
