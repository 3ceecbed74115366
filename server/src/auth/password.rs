//! Passwords: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed off the
//! async runtime and at most two at a time (each hash holds 19 MiB; a burst of sign-ins
//! must not exhaust memory or starve the request threads).
//!
//! Policy (NIST SP 800-63B): 8–128 characters, no composition rules, and the most common
//! passwords rejected, as well as one equal to the email or the display name.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

static HASHING: Semaphore = Semaphore::const_new(2);

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash that no password matches, verified for unknown accounts so that they take as long
/// as known ones.
static DUMMY: LazyLock<String> = LazyLock::new(|| hash_now("not a password: timing stand-in"));

fn hash_now(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source must work");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2id hashing of a bounded password cannot fail")
        .to_string()
}

pub async fn hash(password: String) -> Result<String, tokio::task::JoinError> {
    let _permit = HASHING.acquire().await;
    tokio::task::spawn_blocking(move || hash_now(&password)).await
}

/// Checks `password` against `stored`, or against a stand-in when the account is unknown, so
/// both cases cost one Argon2id verification.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let _permit = HASHING.acquire().await;
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// Why a new password is refused, in words for the person choosing it; `None` if it is fine.
pub fn weakness(password: &str, email: &str, display_name: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < 8 {
        return Some("Choose a password of at least 8 characters.");
    }
    if n > 128 {
        return Some("Choose a password of at most 128 characters.");
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email.to_lowercase() || lower == local || lower == display_name.trim().to_lowercase() {
        return Some("Choose a password that is not your email or your name.");
    }
    if COMMON.binary_search(&lower.as_str()).is_ok() || lower.chars().all(|c| lower.starts_with(c)) {
        return Some(
            "That password is one of the most common ones, which attackers try first. Choose another: a few unrelated words make a strong one.",
        );
    }
    None
}

/// The most common passwords of at least 8 characters in public breach corpora (lower-case,
/// sorted for binary search). Shorter ones are refused by length already.
const COMMON: &[&str] = &[
    "00000000",
    "11111111",
    "1111111111",
    "11223344",
    "112233445566",
    "12121212",
    "123123123",
    "12341234",
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "123456789a",
    "123456abc",
    "123abc123",
    "123qwe123",
    "147258369",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "1qaz2wsx3edc",
    "21212121",
    "22222222",
    "3rjs1la7qe",
    "55555555",
    "66666666",
    "69696969",
    "77777777",
    "87654321",
    "88888888",
    "987654321",
    "99999999",
    "a1b2c3d4",
    "aa123456",
    "aaaaaaaa",
    "abc12345",
    "abcd1234",
    "abcdefgh",
    "admin123",
    "administrator",
    "asdf1234",
    "asdfasdf",
    "asdfghjk",
    "asdfghjkl",
    "azertyuiop",
    "baseball",
    "basketball",
    "batman123",
    "changeme",
    "charlie1",
    "chocolate",
    "computer",
    "corvette",
    "dragon123",
    "elephant",
    "employee",
    "everton1",
    "facebook",
    "football",
    "football1",
    "freedom1",
    "iloveyou",
    "iloveyou1",
    "jennifer",
    "jordan23",
    "letmein1",
    "liverpool",
    "login123",
    "lovely123",
    "master123",
    "mercedes",
    "michelle",
    "midnight",
    "monkey123",
    "mustang1",
    "nicholas",
    "p@ssw0rd",
    "p@ssword",
    "pa55word",
    "passw0rd",
    "password",
    "password!",
    "password1",
    "password12",
    "password123",
    "password1234",
    "password2",
    "password2024",
    "password2025",
    "password2026",
    "pokemon1",
    "postoffice",
    "princess",
    "princess1",
    "qazwsxedc",
    "qwer1234",
    "qwerty12",
    "qwerty123",
    "qwerty1234",
    "qwertyui",
    "qwertyuiop",
    "samsung1",
    "secret123",
    "sparky12",
    "starwars",
    "summer2024",
    "summer2025",
    "summer2026",
    "sunshine",
    "superman",
    "tinkerbell",
    "trustno1",
    "welcome1",
    "welcome123",
    "whatever",
    "winter2024",
    "winter2025",
    "winter2026",
    "zaq12wsx",
    "zxcvbnm1",
    "zxcvbnm123",
    "zxcvbnma",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_list_is_sorted_and_long_enough() {
        assert!(COMMON.windows(2).all(|w| w[0] < w[1]), "COMMON must stay sorted");
        assert!(COMMON.iter().all(|p| p.chars().count() >= 8 && *p == p.to_lowercase()));
    }

    #[test]
    fn policy() {
        assert!(weakness("short", "a@b.org", "A").is_some());
        assert!(weakness("Password123", "a@b.org", "A").is_some());
        assert!(weakness("zzzzzzzzzz", "a@b.org", "A").is_some());
        assert!(weakness("ana@example.org", "ana@example.org", "Ana").is_some());
        assert!(weakness(&"x1".repeat(65), "a@b.org", "A").is_some());
        assert_eq!(weakness("correct horse battery", "a@b.org", "A"), None);
        assert_eq!(weakness("ünïcødé pässwörd", "a@b.org", "A"), None);
    }

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id_with_owasp_parameters() {
        let h = hash("correct horse battery".into()).await.expect("hashing");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(h)).await);
        assert!(!verify("not a password: timing stand-in".into(), None).await);
    }
}
