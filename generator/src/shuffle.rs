//! The page shuffles, keyed: the order in which a page shows the options of `single` and
//! `multiple` questions, the items of `order` questions and the right-hand texts of `match`
//! questions. Render (the page, `courses.json`) and grading (the key in displayed positions,
//! the quiz version) both call these functions with the course's [`CourseShuffle`], so the
//! page and the grader cannot disagree.
//!
//! A permutation is a sort of the texts by a keyed hash (HMAC-SHA-256 with the course's key
//! over quiz id, question id, a round number and the trimmed text). It depends only on the
//! key and the *set* of texts, never on the author's order; without the key it cannot be
//! recomputed, so the displayed order says nothing of the answer. (The first scheme hashed
//! the texts without a key: anyone could recompute it, and a two-item question always showed
//! the reverse of its answer.)
//!
//! `order` and `match`: the author's order is the answer. With three or more texts, a draw
//! that equals it is drawn again (next round), so the page never shows the answer and every
//! other arrangement is equally likely; that tells a learner only which one of the n!
//! arrangements it is not. With two texts, excluding the answer would show its reverse every
//! time, which gives the answer away entirely, so two texts are shown as drawn: the answer
//! half of the time, a coin flip either way (`waypost check` warns that such a question
//! cannot tell knowing from guessing). Options of `single`/`multiple` are never re-drawn:
//! there the author's order is not the answer, and excluding it would make it leak instead.
//!
//! Where the key comes from: `waypost serve` derives it from a secret in its database (every
//! instance shows and grades the same positions), and `waypost build --shuffle-secret-from`
//! reads that same secret so pages served in front of a server match it; otherwise a build
//! draws a random key, except a `--static-only` one, whose pages carry every answer anyway
//! and which takes a fixed key so it stays reproducible (see `Options::shuffle_key`).

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::model::{Question, QuestionKind, QuizId};

/// The secret that keys the page shuffles of a build.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShuffleKey([u8; 32]);

impl fmt::Debug for ShuffleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key itself: it would let anyone recompute the displayed positions.
        f.write_str("ShuffleKey(..)")
    }
}

impl ShuffleKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key made from a secret of any length (the server's stored secret).
    pub fn derive(secret: &[u8]) -> Self {
        Self(Sha256::digest(secret).into())
    }

    /// A fresh key from the operating system's random generator, for a build that no server
    /// grades with its own key.
    pub fn random() -> Result<Self, String> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("cannot draw a random shuffle key: {e}"))?;
        Ok(Self(bytes))
    }

    /// The key of one course's shuffles.
    pub fn for_course(&self, course: &str) -> CourseShuffle {
        CourseShuffle(hmac(&self.0, &[b"waypost course", course.as_bytes()]))
    }
}

/// One course's shuffle key ([`ShuffleKey::for_course`]), held by the course model.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CourseShuffle([u8; 32]);

impl fmt::Debug for CourseShuffle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CourseShuffle(..)")
    }
}

/// Re-draws allowed before giving up on avoiding the answer: only texts that are equal after
/// trimming (which hash alike, so every round sorts them alike) can exhaust them.
const ROUNDS: u32 = 32;

impl CourseShuffle {
    /// The order in which a page shows a question's choices: the options of `single` and
    /// `multiple`, the items of `order`, the right-hand texts of `match` (entry `k` is the
    /// author index shown at position `k`); empty for the other types.
    pub fn question(&self, quiz: &QuizId, q: &Question) -> Vec<usize> {
        let (quiz, id) = (quiz.as_str(), q.id.as_str());
        match &q.kind {
            QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
                let texts: Vec<&str> = options.iter().map(|o| o.text_html.as_str()).collect();
                self.options(quiz, id, &texts)
            }
            QuestionKind::Order { items } => self.answers(quiz, id, items),
            QuestionKind::Match { pairs } => {
                let rights: Vec<&str> = pairs.iter().map(|p| p.1.as_str()).collect();
                self.answers(quiz, id, &rights)
            }
            QuestionKind::TrueFalse { .. } | QuestionKind::Text { .. } | QuestionKind::Number { .. } => Vec::new(),
        }
    }

    /// The order in which a page shows the options of a `single` or `multiple` question (by
    /// their `text_html`): entry `k` is the author index of the option shown at position `k`.
    pub fn options<S: AsRef<str>>(&self, quiz: &str, question: &str, texts: &[S]) -> Vec<usize> {
        self.draw(b"options", quiz, question, 0, texts)
    }

    /// The order in which a page shows `order` items or `match` right-hand texts: entry `k`
    /// is the author index of the text shown at position `k`. With three or more texts never
    /// the author's (correct) order; with two, as drawn (see the module doc).
    pub fn answers<S: AsRef<str>>(&self, quiz: &str, question: &str, texts: &[S]) -> Vec<usize> {
        if texts.len() <= 2 {
            return self.draw(b"answers", quiz, question, 0, texts);
        }
        for round in 0..ROUNDS {
            let order = self.draw(b"answers", quiz, question, round, texts);
            if !is_identity(&order) {
                return order;
            }
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.rotate_left(1);
        order
    }

    /// Author indexes sorted by the keyed hash of each trimmed text, ties by index.
    fn draw<S: AsRef<str>>(&self, domain: &[u8], quiz: &str, question: &str, round: u32, texts: &[S]) -> Vec<usize> {
        let round = round.to_le_bytes();
        let mut keyed: Vec<([u8; 32], usize)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let parts: [&[u8]; 5] = [
                    domain,
                    quiz.as_bytes(),
                    question.as_bytes(),
                    &round,
                    t.as_ref().trim().as_bytes(),
                ];
                (hmac(&self.0, &parts), i)
            })
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, i)| i).collect()
    }
}

fn is_identity(order: &[usize]) -> bool {
    order.iter().enumerate().all(|(k, &i)| k == i)
}

/// HMAC-SHA-256 (RFC 2104) over the parts, each length-prefixed so that no two different
/// lists of parts hash alike.
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    hmac_with(key, |inner| {
        for part in parts {
            inner.update((part.len() as u64).to_le_bytes());
            inner.update(part);
        }
    })
}

/// HMAC-SHA-256 of whatever `message` feeds the inner hash (keys are 32 bytes, shorter than
/// SHA-256's 64-byte block, so they are zero-padded as RFC 2104 says).
fn hmac_with(key: &[u8; 32], message: impl FnOnce(&mut Sha256)) -> [u8; 32] {
    let mut inner_pad = [0x36u8; 64];
    let mut outer_pad = [0x5cu8; 64];
    for (i, b) in key.iter().enumerate() {
        inner_pad[i] ^= b;
        outer_pad[i] ^= b;
    }
    let mut inner = Sha256::new();
    inner.update(inner_pad);
    message(&mut inner);
    let mut outer = Sha256::new();
    outer.update(outer_pad);
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(n: usize, tag: &str) -> Vec<String> {
        (0..n).map(|i| format!("{tag} step {i}")).collect()
    }

    fn key(secret: &str) -> CourseShuffle {
        ShuffleKey::derive(secret.as_bytes()).for_course("c")
    }

    #[test]
    fn hmac_is_rfc_4231() {
        // RFC 4231 test case 2: key "Jefe" (zero-padded, as HMAC pads every short key).
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(b"Jefe");
        let mac = hmac_with(&k, |h| h.update(b"what do ya want for nothing?"));
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn answers_never_show_the_answer_from_three_texts_and_are_stable() {
        for n in 3..8 {
            for q in 0..40 {
                let t = texts(n, &format!("q{q}"));
                let order = key("k").answers("quiz", &format!("q{q}"), &t);
                assert!(!is_identity(&order), "{n} texts shown in the right order");
                let mut sorted = order.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>());
                assert_eq!(order, key("k").answers("quiz", &format!("q{q}"), &t));
            }
        }
    }

    #[test]
    fn two_texts_are_a_fair_coin_not_always_reversed() {
        let shown_right = (0..200)
            .filter(|q| is_identity(&key("k").answers("quiz", &format!("q{q}"), &texts(2, "x"))))
            .count();
        assert!(
            (70..=130).contains(&shown_right),
            "{shown_right} of 200 shown in the right order"
        );
    }

    #[test]
    fn equal_texts_still_end() {
        let same = vec!["a".to_owned(); 3];
        let order = key("k").answers("quiz", "q", &same);
        assert!(!is_identity(&order));
    }

    #[test]
    fn the_key_quiz_and_question_all_change_the_order() {
        let t = texts(6, "x");
        let base = key("k").answers("quiz", "q", &t);
        let differ = |other: Vec<usize>| other != base;
        assert!((0..8).any(|i| differ(key(&format!("other {i}")).answers("quiz", "q", &t))));
        assert!((0..8).any(|i| differ(key("k").answers(&format!("quiz{i}"), "q", &t))));
        assert!((0..8).any(|i| differ(key("k").answers("quiz", &format!("q{i}"), &t))));
        let other_course = ShuffleKey::derive(b"k").for_course("d");
        assert!(
            (0..8).any(|i| other_course.answers("quiz", &format!("q{i}"), &t)
                != key("k").answers("quiz", &format!("q{i}"), &t))
        );
    }

    #[test]
    fn options_depend_on_the_set_of_texts_not_the_author_order() {
        let mut first_kept = 0;
        for n in 0..64 {
            let t = vec![format!("right {n}"), format!("wrong {n}")];
            let reversed: Vec<String> = t.iter().rev().cloned().collect();
            let shown = |t: &[String]| {
                key("k")
                    .options("quiz", "q", t)
                    .into_iter()
                    .map(|i| t[i].clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(shown(&t), shown(&reversed));
            first_kept += usize::from(is_identity(&key("k").options("quiz", "q", &t)));
        }
        assert!(
            (16..=48).contains(&first_kept),
            "first-written option first {first_kept} times in 64"
        );
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", ShuffleKey::derive(b"s")), "ShuffleKey(..)");
        assert_eq!(format!("{:?}", key("s")), "CourseShuffle(..)");
    }
}
