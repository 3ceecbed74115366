//! "Renew your certificate" emails: when SMTP is configured, the server's periodic sweep
//! claims the certificates whose renewal window opened (30 days before they end) and mails
//! each holder once. Without SMTP nothing is claimed; the course and account pages show
//! "renew" either way.

use super::credential::credential_url;
use super::store;
use crate::state::AppState;

/// Sends the reminders due now; returns how many were sent.
pub async fn send_due(state: &AppState) -> usize {
    let Some(mailer) = &state.mailer else {
        return 0;
    };
    let now = state.certs.clock.now_ms();
    let due = match store::claim_due_reminders(&state.db, now, 200).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "renewal reminders: cannot read the certificates");
            return 0;
        }
    };
    let mut sent = 0;
    for r in due {
        let page = credential_url(&state.config.base_url, &r.id);
        let until = crate::http::certificate_pages::human_date(&super::credential::iso(r.valid_until));
        let body = format!(
            "Your Waypost certificate ends on {until}.\n\n\
             To renew it, retake the course's graded quizzes, then open the course page or your\n\
             account page and choose \"Get your renewed certificate\".\n\n\
             Your certificate: {page}\n"
        );
        match mailer.send(&r.email, "Renew your Waypost certificate", body).await {
            Ok(()) => sent += 1,
            // The claim stays: a reminder is sent at most once, never twice.
            Err(e) => tracing::warn!(error = %e, "renewal reminder not sent"),
        }
    }
    sent
}
