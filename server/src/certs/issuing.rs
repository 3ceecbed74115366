//! Issuing a certificate: the learner's printed name checked, the credential built and
//! signed in both formats, then stored through the writer, which decides (from the stored
//! completion, inside its transaction) whether it is new, the existing one, or refused.

use serde_json::Value;
use waypost_generator::model::{Course, Validity};

use super::credential::{self, Facts, days_from_civil};
use super::keys::Signer;
use super::store::{self, Issue, Issued, Record};
use super::{issuer_did, jws};
use crate::http::error::AppError;
use crate::state::AppState;

/// The issuer's display name (`WAYPOST_ISSUER_NAME`, default "Waypost").
pub fn issuer_name() -> String {
    std::env::var("WAYPOST_ISSUER_NAME")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Waypost".to_owned())
}

/// A name to print: trimmed, inner whitespace collapsed, 1–100 characters, no control or
/// bidirectional-override characters (they would let a name reorder the text around it).
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let bad = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Unprocessable("name: 1 to 100 characters".into()));
    }
    if name.chars().any(bad) {
        return Err(AppError::Unprocessable(
            "name: control and direction-override characters are not allowed".into(),
        ));
    }
    Ok(name)
}

/// `from` plus a course's `valid-for` (calendar months and years; the day is clamped to
/// the month's length: 31 January + 1 month = 28/29 February).
pub fn valid_until(from_ms: i64, validity: Validity) -> i64 {
    const DAY: i64 = 86_400_000;
    let months = match validity {
        Validity::Days(n) => return from_ms + i64::from(n) * DAY,
        Validity::Months(n) => i64::from(n),
        Validity::Years(n) => 12 * i64::from(n),
    };
    let days = from_ms.div_euclid(DAY);
    let time = from_ms.rem_euclid(DAY);
    let (y, m, d) = credential::civil_from_days(days);
    let total = y * 12 + i64::from(m) - 1 + months;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let last = (days_from_civil(if nm == 12 { ny + 1 } else { ny }, if nm == 12 { 1 } else { nm + 1 }, 1)
        - days_from_civil(ny, nm, 1)) as u32;
    days_from_civil(ny, nm, d.min(last)) * DAY + time
}

/// What the caller asked for: a certificate of `course` for this user, printed with `name`.
pub struct Request<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub name: String,
    pub course: &'a Course,
    pub graded_quizzes: Vec<String>,
}

fn prepare(state: &AppState, signer: &Signer, req: &Request<'_>, now: i64) -> Result<Record, AppError> {
    let cert = req.course.certificate.as_ref().ok_or(AppError::NotFound)?;
    let base = &state.config.base_url;
    let did = issuer_did(base);
    let id = store::new_certificate_id();
    let facts = Facts {
        id: id.clone(),
        base_url: base.clone(),
        issuer_did: did.clone(),
        issuer_name: issuer_name(),
        course_id: req.course.id.to_string(),
        title: cert.title.clone(),
        course_title: req.course.title.clone(),
        description: req.course.summary_text.clone(),
        pass_mark: req.course.completion.pass_mark,
        name: req.name.clone(),
        email: req.email.to_owned(),
        salt: crate::auth::tokens::new_token(),
        // Whole seconds: what the credential states is what the database keeps.
        valid_from: now / 1000 * 1000,
        valid_until: cert.valid_for.map(|v| valid_until(now / 1000 * 1000, v)),
        status_index: store::random_status_index(),
    };
    let unsigned = credential::credential(&facts);
    let jwt = jws::sign(&unsigned, signer, &did).ok_or_else(|| AppError::internal("the credential lacks a claim"))?;
    let signed: Value = credential::sign(unsigned, signer, &did, facts.valid_from).map_err(AppError::internal)?;
    Ok(Record {
        id,
        user_id: req.user_id.to_owned(),
        course_id: facts.course_id,
        name: facts.name,
        issued_at: facts.valid_from,
        valid_until: facts.valid_until,
        status_index: facts.status_index,
        credential_json: signed.to_string(),
        jwt,
        revoked_at: None,
        revoked_reason: None,
    })
}

/// Issues (or returns) the certificate. `Ok((record, true))` when it is new.
pub async fn issue(state: &AppState, req: Request<'_>) -> Result<(Record, bool), AppError> {
    let signer = state.certs.signer(&state.db, &state.config.data_dir).await?;
    for _ in 0..8 {
        let now = state.certs.clock.now_ms();
        let record = prepare(state, &signer, &req, now)?;
        let op = Issue {
            backend: state.db.backend,
            record,
            graded_quizzes: req.graded_quizzes.clone(),
        };
        match state.writer.write(op).await? {
            Issued::New(r) => return Ok((r, true)),
            Issued::Existing(r) => return Ok((r, false)),
            Issued::NotComplete => {
                return Err(AppError::Conflict {
                    code: "not_complete",
                    message: "the course is not complete yet: finish every lesson and pass every graded quiz".into(),
                });
            }
            Issued::IndexTaken => continue,
        }
    }
    Err(AppError::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_periods() {
        let jan31 = credential::parse_iso("2027-01-31T10:00:00Z").expect("date");
        let iso = |ms| credential::iso(ms);
        assert_eq!(iso(valid_until(jan31, Validity::Months(1))), "2027-02-28T10:00:00Z");
        assert_eq!(iso(valid_until(jan31, Validity::Months(12))), "2028-01-31T10:00:00Z");
        assert_eq!(iso(valid_until(jan31, Validity::Years(1))), "2028-01-31T10:00:00Z");
        assert_eq!(iso(valid_until(jan31, Validity::Days(30))), "2027-03-02T10:00:00Z");
        let dec = credential::parse_iso("2026-12-15T00:00:00Z").expect("date");
        assert_eq!(iso(valid_until(dec, Validity::Months(2))), "2027-02-15T00:00:00Z");
    }

    #[test]
    fn names() {
        assert_eq!(clean_name("  Amira   Haddad ").expect("ok"), "Amira Haddad");
        assert_eq!(clean_name("أميرة حداد").expect("ok"), "أميرة حداد");
        assert!(clean_name("").is_err());
        assert!(clean_name("a\u{202e}b").is_err());
        assert!(clean_name(&"x".repeat(101)).is_err());
    }
}
