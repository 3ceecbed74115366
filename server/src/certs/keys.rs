//! The issuer's Ed25519 signing keys.
//!
//! The private key is a 32-byte seed, base64url on one line, in `<data dir>/signing-key`
//! (mode 0600, made on first start) or in the file `WAYPOST_SIGNING_KEY_FILE` names (for a
//! secrets manager; then every instance gets the same file). A key file readable by group
//! or others is refused. The seed is never logged, served or put in the database: `Debug`
//! shows the key id only.
//!
//! Public keys live in the database (`signing_keys`), current and retired, so every instance
//! verifies with every key ever used and rotation (`waypost admin rotate-signing-key`) keeps
//! old certificates verifiable. A key id (`kid`) is the key's RFC 7638 JWK thumbprint; the
//! proof's `verificationMethod` is `<issuer DID>#<kid>`.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;

use crate::db::Db;

pub const KEY_FILE_ENV: &str = "WAYPOST_SIGNING_KEY_FILE";

/// The key that signs new certificates.
pub struct Signer {
    pub kid: String,
    key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl Signer {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let key = SigningKey::from_bytes(&seed);
        Self {
            kid: thumbprint(&key.verifying_key().to_bytes()),
            key,
        }
    }

    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the operating system's random source must work");
        Self::from_seed(seed)
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn sign(&self, data: &[u8]) -> [u8; 64] {
        self.key.sign(data).to_bytes()
    }

    fn seed_line(&self) -> String {
        format!("{}\n", URL_SAFE_NO_PAD.encode(self.key.to_bytes()))
    }
}

/// One public key the issuer has used.
#[derive(Clone, Debug)]
pub struct PublicKey {
    pub kid: String,
    pub key: [u8; 32],
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl PublicKey {
    pub fn verify(&self, data: &[u8], signature: &[u8]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.key) else {
            return false;
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        key.verify_strict(data, &sig).is_ok()
    }

    /// `publicKeyMultibase` of a Multikey: base58btc of the ed25519-pub multicodec prefix
    /// (0xed 0x01) and the key.
    pub fn multibase(&self) -> String {
        let mut bytes = vec![0xed, 0x01];
        bytes.extend_from_slice(&self.key);
        format!("z{}", base58btc(&bytes))
    }

    pub fn x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key)
    }
}

/// RFC 7638 thumbprint of the OKP JWK of `key`.
pub fn thumbprint(key: &[u8; 32]) -> String {
    let jwk = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(key)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()))
}

pub fn base58btc(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    let mut digits: Vec<u8> = Vec::new();
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in &mut digits {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = "1".repeat(zeros);
    out.extend(digits.iter().rev().map(|d| ALPHABET[usize::from(*d)] as char));
    out
}

pub fn base58btc_decode(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let zeros = s.bytes().take_while(|b| *b == b'1').count();
    let mut bytes: Vec<u8> = Vec::new();
    for c in s[zeros..].chars() {
        let mut carry = ALPHABET.find(c)? as u32;
        for b in &mut bytes {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// Where the private key lives: `WAYPOST_SIGNING_KEY_FILE`, else `<data dir>/signing-key`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    match std::env::var_os(KEY_FILE_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => data_dir.join("signing-key"),
    }
}

/// Reads the key file, or makes one (0600) when there is none.
pub fn load_or_create(path: &Path) -> Result<Signer, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_private(path)?;
            parse_seed(&text).map(Signer::from_seed).ok_or_else(|| {
                format!(
                    "{}: not a Waypost signing key (one line: a base64url 32-byte Ed25519 seed)",
                    path.display()
                )
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let signer = Signer::generate();
            write_key(path, &signer)?;
            Ok(signer)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn parse_seed(text: &str) -> Option<[u8; 32]> {
    URL_SAFE_NO_PAD.decode(text.trim()).ok()?.try_into().ok()
}

fn check_private(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{}: the signing key is readable by others (mode {:o}): run chmod 600 on it",
                path.display(),
                mode & 0o777
            ));
        }
    }
    Ok(())
}

/// Writes a key file with mode 0600, atomically (a temporary file renamed over it).
pub fn write_key(path: &Path, signer: &Signer) -> Result<(), String> {
    let named = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(named)?;
    }
    let tmp = path.with_extension("new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(named)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(named)?;
    }
    file.write_all(signer.seed_line().as_bytes()).map_err(named)?;
    file.sync_all().map_err(named)?;
    std::fs::rename(&tmp, path).map_err(named)?;
    Ok(())
}

/// Records a key's public half (idempotent); the current key is never retired.
pub async fn register(db: &Db, signer: &Signer, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO signing_keys (kid, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(&signer.kid)
        .bind(URL_SAFE_NO_PAD.encode(signer.public_key()))
        .bind(now)
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE signing_keys SET retired_at = NULL WHERE kid = $1")
        .bind(&signer.kid)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Every key the issuer has used, oldest first.
pub async fn public_keys(db: &Db) -> Result<Vec<PublicKey>, sqlx::Error> {
    let rows = sqlx::query("SELECT kid, public_key, created_at, retired_at FROM signing_keys ORDER BY created_at, kid")
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let text: String = row.try_get("public_key")?;
        let Some(key) = URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
        else {
            continue;
        };
        out.push(PublicKey {
            kid: row.try_get("kid")?,
            key,
            created_at: row.try_get("created_at")?,
            retired_at: row.try_get("retired_at")?,
        });
    }
    Ok(out)
}

/// `waypost admin rotate-signing-key`: a new key in the key file; the old public key stays
/// in the database (retired), so what it signed still verifies. Returns (old kid, new kid).
pub async fn rotate(db: &Db, path: &Path, now: i64) -> Result<(Option<String>, String), String> {
    let old = if path.exists() {
        Some(load_or_create(path)?)
    } else {
        None
    };
    if let Some(old) = &old {
        register(db, old, now).await.map_err(|e| e.to_string())?;
    }
    let new = Signer::generate();
    register(db, &new, now + 1).await.map_err(|e| e.to_string())?;
    write_key(path, &new)?;
    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL")
        .bind(now)
        .bind(&new.kid)
        .execute(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok((old.map(|o| o.kid), new.kid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_round_trip_and_known_value() {
        assert_eq!(base58btc(b"hello world"), "StV1DL6CwTryKyV");
        assert_eq!(base58btc(&[0, 0, 1]), "112");
        let bytes = [0u8, 0xed, 0x01, 7, 255];
        assert_eq!(base58btc_decode(&base58btc(&bytes)).as_deref(), Some(&bytes[..]));
    }

    #[test]
    fn multikey_prefix() {
        // Every Ed25519 Multikey starts with z6Mk.
        let s = Signer::from_seed([7; 32]);
        let pk = PublicKey {
            kid: s.kid.clone(),
            key: s.public_key(),
            created_at: 0,
            retired_at: None,
        };
        assert!(pk.multibase().starts_with("z6Mk"), "{}", pk.multibase());
        let sig = s.sign(b"data");
        assert!(pk.verify(b"data", &sig));
        assert!(!pk.verify(b"datA", &sig));
        assert!(!format!("{s:?}").contains(&URL_SAFE_NO_PAD.encode([7u8; 32])));
    }

    #[test]
    fn key_file_is_private_and_stable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing-key");
        let a = load_or_create(&path).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("exists").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let b = load_or_create(&path).expect("read back");
            assert_eq!(a.kid, b.kid);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            let refused = load_or_create(&path).expect_err("world-readable key refused");
            assert!(refused.contains("chmod 600"), "{refused}");
        }
    }
}
