//! Temporary credentials of role sessions (ram.md 8): an `STS.` AccessKey ID, a secret and a
//! security token, valid until they expire.

use super::{load, now_ms, random_alnum, save, tables};
use crate::failure::Result;
use localyun_core::Secret;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StsCredential {
    pub access_key_id: String,
    pub secret: Secret,
    pub token: Secret,
    /// The account of the role; the session acts in it.
    pub account_id: String,
    pub role_id: String,
    pub role_name: String,
    pub session_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<String>,
    /// Who assumed the role (the caller's ARN), kept for audits.
    pub source_arn: String,
    pub created_ms: i64,
    pub expires_ms: i64,
}

pub struct NewSession {
    pub account_id: String,
    pub role_id: String,
    pub role_name: String,
    pub session_name: String,
    pub session_policy: Option<String>,
    pub source_arn: String,
    pub duration_seconds: i64,
}

pub fn get(txn: &mut dyn Txn, access_key_id: &str) -> Result<Option<StsCredential>> {
    load(txn, tables::STS_CREDENTIAL, access_key_id)
}

pub fn issue(txn: &mut dyn Txn, s: NewSession) -> Result<StsCredential> {
    let now = now_ms();
    let c = StsCredential {
        access_key_id: format!("STS.{}", random_alnum(24)),
        secret: Secret::new(random_alnum(44)),
        // Opaque to clients; no length is promised by the service (ram.md 8).
        token: Secret::new(format!("CAIS{}", random_alnum(252))),
        account_id: s.account_id,
        role_id: s.role_id,
        role_name: s.role_name,
        session_name: s.session_name,
        session_policy: s.session_policy,
        source_arn: s.source_arn,
        created_ms: now,
        expires_ms: now + s.duration_seconds * 1000,
    };
    save(txn, tables::STS_CREDENTIAL, &c.access_key_id, &c)?;
    Ok(c)
}
