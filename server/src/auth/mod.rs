//! Identity: password hashing, random tokens, sessions and the extractors that put
//! authorisation in a handler's signature ([`CurrentUser`], [`MaybeUser`]), and rate limits.

pub mod password;
pub mod ratelimit;
pub mod session;
pub mod tokens;

pub use session::{CurrentUser, MaybeUser};

/// A canonical email: trimmed and lower-cased (the whole address: mail providers treat the
/// local part case-insensitively in practice, and two accounts differing only in case would
/// be a support and phishing trap). `None` when it cannot be an address.
pub fn canonical_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
        && !domain.contains("..");
    ok.then_some(email)
}

/// A display name: trimmed, 1–100 characters, no control characters.
pub fn clean_display_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    let n = name.chars().count();
    ((1..=100).contains(&n) && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_canonical() {
        assert_eq!(
            canonical_email("  Ana@Example.ORG ").as_deref(),
            Some("ana@example.org")
        );
        assert_eq!(canonical_email("no-at-sign"), None);
        assert_eq!(canonical_email("a@b"), None);
        assert_eq!(canonical_email("a b@example.org"), None);
        assert_eq!(canonical_email("<a>@example.org"), None);
        assert_eq!(clean_display_name("  Amira  ").as_deref(), Some("Amira"));
        assert_eq!(clean_display_name("   "), None);
        assert_eq!(clean_display_name("a\u{0}b"), None);
    }
}
