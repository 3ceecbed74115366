//! Outgoing email (password-reset links), only when an SMTP server is configured:
//! `--smtp-url smtp://user:pass@host:587?tls=required` (or `smtps://…:465`), `--smtp-from`.
//! The server makes no other outbound connection (invariant 6).

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold the SMTP password.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url: {e}"))?
            .build();
        let from = from.parse().map_err(|e| format!("--smtp-from {from:?}: {e}"))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().map_err(|e| format!("recipient: {e}"))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub async fn send_reset(&self, to: &str, link: &str) -> Result<(), String> {
        let body = format!(
            "Someone asked to reset the password of your Waypost account.\n\n\
             To choose a new password, open this link within an hour:\n\n{link}\n\n\
             If it was not you, ignore this email: your password stays as it is.\n"
        );
        self.send(to, "Reset your Waypost password", body).await
    }
}
