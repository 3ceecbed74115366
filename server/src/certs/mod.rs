//! Certificates anyone can verify. The pure parts: the credential (`credential`: Open Badges
//! 3.0 JSON with an `eddsa-rdfc-2022` Data Integrity proof), its canonical form (`jsonld` →
//! RDF, `rdfc` RDFC-1.0), the VC-JWT (`jws`), the issuer's documents (`issuer`: DID document,
//! JWKS, status list), verification (`verify`) and the PDF (`pdf`, `qr`). The edges: keys on
//! disk and in the database (`keys`), certificates in the database (`store`), issuing
//! (`issuing`) and renewal reminder emails (`reminders`).
//!
//! Rules (see ARCHITECTURE.md, invariants 8–11): a certificate is issued only from the
//! server's stored completion; its id is 128 random bits (base64url); the private key never
//! leaves the key file; verification trusts only the issuer's own keys.

pub mod credential;
pub mod issuer;
pub mod issuing;
pub mod jsonld;
pub mod jws;
pub mod keys;
pub mod pdf;
pub mod qr;
pub mod rdfc;
pub mod reminders;
pub mod store;
pub mod verify;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::db::Db;
use crate::http::error::AppError;
use keys::Signer;

/// The time certificates are issued and checked at: the system clock, or a time a test set
/// (expiry and renewal are tested by moving it, never by sleeping).
#[derive(Debug, Default)]
pub struct Clock {
    fixed_ms: AtomicI64,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        match self.fixed_ms.load(Ordering::Relaxed) {
            0 => crate::db::now_ms(),
            fixed => fixed,
        }
    }
    /// Stops the clock at `ms` (tests).
    pub fn set_ms(&self, ms: i64) {
        self.fixed_ms.store(ms, Ordering::Relaxed);
    }
}

/// What the server keeps about certificates between requests: the signing key (loaded on
/// first use, or at start), the clock, and the last signed status list.
#[derive(Debug, Default)]
pub struct CertState {
    pub clock: Clock,
    signer: Mutex<Option<Arc<Signer>>>,
    status_list: Mutex<Option<SignedList>>,
}

/// A signed status list and what it was signed from.
#[derive(Debug)]
struct SignedList {
    kid: String,
    revoked: Vec<i64>,
    list: Arc<serde_json::Value>,
}

impl CertState {
    /// The current signing key: read from the key file (made, 0600, when missing) and its
    /// public half recorded in the database, once.
    pub async fn signer(&self, db: &Db, data_dir: &std::path::Path) -> Result<Arc<Signer>, AppError> {
        if let Some(s) = self.signer.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            return Ok(s);
        }
        let path = keys::key_path(data_dir);
        let signer = Arc::new(
            tokio::task::spawn_blocking(move || keys::load_or_create(&path))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::Internal)?,
        );
        keys::register(db, &signer, self.clock.now_ms()).await?;
        *self.signer.lock().unwrap_or_else(PoisonError::into_inner) = Some(signer.clone());
        Ok(signer)
    }

    /// Forgets the loaded key, so the next use reads the key file again (after a rotation).
    pub fn reload(&self) {
        *self.signer.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The status list for these revocations, signed by `signer`: signed again only when the
    /// revocations or the key changed. Its proof (RDFC canonicalisation and a signature, some
    /// milliseconds) would otherwise be paid by every anonymous request for it.
    pub fn status_list(
        &self,
        signer: &Signer,
        revoked: Vec<i64>,
        sign: impl FnOnce(&[i64]) -> Result<serde_json::Value, credential::ProofError>,
    ) -> Result<Arc<serde_json::Value>, credential::ProofError> {
        let mut cached = self.status_list.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = cached.as_ref()
            && c.kid == signer.kid
            && c.revoked == revoked
        {
            return Ok(c.list.clone());
        }
        let list = Arc::new(sign(&revoked)?);
        *cached = Some(SignedList {
            kid: signer.kid.clone(),
            revoked,
            list: list.clone(),
        });
        Ok(list)
    }
}

/// The issuer's `did:web` identifier for a base URL: `https://learn.example.org` →
/// `did:web:learn.example.org`; a port's colon is percent-encoded and a path becomes
/// colon-separated segments (`did:web:example.org:learn`).
pub fn issuer_did(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, r)| r)
        .trim_end_matches('/');
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(seg);
    }
    did
}

#[cfg(test)]
mod tests;
