//! Answers as a learner's page submits them, made from the grading catalog's keys: the
//! tests and the load client (`server/examples/load.rs`) submit right and wrong answers the
//! way `quiz.js` would.

use serde_json::{Value, json};
use waypost_generator::grading::Key;

/// The form value a page would submit for the right answer of `key`.
pub fn right_answer(key: &Key) -> Value {
    match key {
        Key::Single(p) => json!(p.to_string()),
        Key::Multiple(set) => json!(set.iter().map(ToString::to_string).collect::<Vec<_>>()),
        Key::TrueFalse(b) => json!(b),
        Key::Text(accept) => json!(accept[0]),
        Key::Number { answer, .. } => json!(answer),
        Key::Order(order) => json!(order.iter().map(ToString::to_string).collect::<Vec<_>>()),
        Key::Match(rights) => {
            let map: serde_json::Map<String, Value> = rights
                .iter()
                .enumerate()
                .map(|(left, right)| (left.to_string(), json!(right.to_string())))
                .collect();
            Value::Object(map)
        }
    }
}

/// A wrong answer of the right shape.
pub fn wrong_answer(key: &Key) -> Value {
    match key {
        Key::Single(p) => json!(((p + 1) % 2).to_string()),
        Key::Multiple(_) => json!([]),
        Key::TrueFalse(b) => json!(!b),
        Key::Text(_) => json!("certainly not this"),
        Key::Number { answer, tolerance } => json!(answer + tolerance + 1000.0),
        Key::Order(order) => json!(order.iter().rev().map(ToString::to_string).collect::<Vec<_>>()),
        Key::Match(rights) => {
            let map: serde_json::Map<String, Value> = rights
                .iter()
                .enumerate()
                .map(|(left, _)| (left.to_string(), json!(rights[(left + 1) % rights.len()].to_string())))
                .collect();
            Value::Object(map)
        }
    }
}
