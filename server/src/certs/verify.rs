//! What `/verify` answers for an id, a VC-JWT or a credential JSON: valid, expired or
//! revoked, with only the facts the credential states. Anything that does not verify (an
//! unknown id, a malformed one, a bad signature, a key not ours) is one answer, `None`: the
//! page cannot be used to probe which ids exist (C4).

use serde::Serialize;
use serde_json::Value;

use super::credential::{self, parse_iso};
use super::store::{self, Record};
use super::{issuer_did, jws, keys};
use crate::http::error::AppError;
use crate::state::AppState;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Valid,
    Expired,
    Revoked,
}

/// The facts a verifier sees: what the credential states, and its status.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    pub status: Status,
    pub id: String,
    pub credential_id: String,
    pub recipient: String,
    pub achievement: String,
    pub description: String,
    pub criteria: String,
    pub issuer: String,
    pub issuer_id: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    /// How it was checked: `id`, `credential` (Data Integrity proof) or `jwt`.
    pub checked: &'static str,
}

/// The certificate id an input names: the bare id, or a URL of its page, PDF, credential,
/// JWT or verification page.
pub fn id_of(input: &str) -> Option<&str> {
    let input = input.trim().trim_end_matches('/');
    let last = input.rsplit('/').next()?;
    let id = [".pdf", ".json", ".jwt"]
        .iter()
        .find_map(|ext| last.strip_suffix(ext))
        .unwrap_or(last);
    store::well_formed(id).then_some(id)
}

/// Verifies what someone pasted or opened; `None` is "could not verify" whatever the cause.
pub async fn verify(state: &AppState, input: &str) -> Result<Option<Verified>, AppError> {
    let input = input.trim();
    if input.len() > 48 * 1024 {
        return Ok(None);
    }
    let did = issuer_did(&state.config.base_url);
    let keys = keys::public_keys(&state.db).await?;
    let (cred, checked) = if input.starts_with('{') {
        let Ok(doc) = serde_json::from_str::<Value>(input) else {
            return Ok(None);
        };
        if credential::verify(&doc, &keys, &did).is_err() {
            return Ok(None);
        }
        (doc, "credential")
    } else if input.matches('.').count() == 2 && !input.contains('/') {
        match jws::verify(input, &keys, &did) {
            Ok(cred) => (cred, "jwt"),
            Err(_) => return Ok(None),
        }
    } else {
        let Some(id) = id_of(input) else {
            return Ok(None);
        };
        let Some(record) = store::find(&state.db, id).await? else {
            return Ok(None);
        };
        let Ok(doc) = serde_json::from_str::<Value>(&record.credential_json) else {
            return Ok(None);
        };
        // The stored credential is checked like a pasted one: a row edited in the database
        // does not verify.
        if credential::verify(&doc, &keys, &did).is_err() {
            return Ok(None);
        }
        return Ok(facts(&doc, &record, state.certs.clock.now_ms(), "id"));
    };
    let Some(id) = cred["id"].as_str().and_then(|u| {
        u.strip_prefix(&credential::credential_url(&state.config.base_url, ""))
            .filter(|id| store::well_formed(id))
    }) else {
        return Ok(None);
    };
    let Some(record) = store::find(&state.db, id).await? else {
        return Ok(None);
    };
    Ok(facts(&cred, &record, state.certs.clock.now_ms(), checked))
}

fn facts(cred: &Value, record: &Record, now: i64, checked: &'static str) -> Option<Verified> {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    let subject = &cred["credentialSubject"];
    let recipient = subject["identifier"]
        .as_array()?
        .iter()
        .find(|i| i["identityType"] == "name" && i["hashed"] == false)
        .and_then(|i| s(&i["identityHash"]))?;
    let achievement = &subject["achievement"];
    let valid_until = s(&cred["validUntil"]);
    let status = if record.revoked_at.is_some() {
        Status::Revoked
    } else if valid_until.as_deref().and_then(parse_iso).is_some_and(|u| now >= u) {
        Status::Expired
    } else {
        Status::Valid
    };
    Some(Verified {
        status,
        id: record.id.clone(),
        credential_id: s(&cred["id"])?,
        recipient,
        achievement: s(&achievement["name"])?,
        description: s(&achievement["description"]).unwrap_or_default(),
        criteria: s(&achievement["criteria"]["narrative"]).unwrap_or_default(),
        issuer: s(&cred["issuer"]["name"])?,
        issuer_id: s(&cred["issuer"]["id"])?,
        valid_from: s(&cred["validFrom"])?,
        valid_until,
        revoked_at: record.revoked_at.map(credential::iso),
        revocation_reason: record.revoked_reason.clone(),
        checked,
    })
}
