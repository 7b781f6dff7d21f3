//! Temporary credentials of role sessions (ram.md 8): an `STS.` AccessKey ID, a secret and a
//! security token, valid until they expire.

use super::{now_ms, random_alnum, tables};
use crate::failure::Result;
use crate::record::{load, save};
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

/// Deletes the expired credentials among up to `limit` records after `after` (in key order) and
/// says where the next chunk starts (`None`: the table's end was reached). Expired credentials
/// can never authenticate again (auth.rs checks the expiry), so keeping them only grows the
/// store; the purger walks the table a chunk at a time, so no index of expiries is needed.
pub fn purge_expired(txn: &mut dyn Txn, after: Option<&str>, limit: usize, now_ms: i64) -> Result<(usize, Option<String>)> {
    let rows = txn.scan(tables::STS_CREDENTIAL, "", after, limit)?;
    let next = if rows.len() < limit { None } else { rows.last().map(|(k, _)| k.clone()) };
    let mut purged = 0;
    for (key, bytes) in &rows {
        let c: StsCredential = crate::record::decode(tables::STS_CREDENTIAL, bytes)?;
        if now_ms >= c.expires_ms {
            txn.delete(tables::STS_CREDENTIAL, key)?;
            purged += 1;
        }
    }
    Ok((purged, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::transact;
    use crate::migrations::{self, Location};
    use localyun_store::Mode;

    fn session(duration_seconds: i64) -> NewSession {
        NewSession {
            account_id: "1234567890123456".into(),
            role_id: "300000000000000001".into(),
            role_name: "r".into(),
            session_name: "s".into(),
            session_policy: None,
            source_arn: "acs:ram::1234567890123456:root".into(),
            duration_seconds,
        }
    }

    #[test]
    fn the_purger_deletes_expired_credentials_chunk_by_chunk_and_keeps_live_ones() {
        let store = migrations::open(Location::InMemory).unwrap();
        let (live, expired): (Vec<String>, Vec<String>) = transact(store.as_ref(), Mode::Write, |txn| {
            let live = (0..3).map(|_| issue(txn, session(3600)).map(|c| c.access_key_id)).collect::<Result<Vec<_>>>()?;
            let expired = (0..5).map(|_| issue(txn, session(-1)).map(|c| c.access_key_id)).collect::<Result<Vec<_>>>()?;
            Ok((live, expired))
        })
        .unwrap();
        let (mut after, mut purged, mut rounds) = (None, 0, 0);
        loop {
            let (n, next) = transact(store.as_ref(), Mode::Write, |txn| purge_expired(txn, after.as_deref(), 3, now_ms())).unwrap();
            purged += n;
            rounds += 1;
            match next {
                Some(k) => after = Some(k),
                None => break,
            }
        }
        assert_eq!((purged, rounds), (5, 3), "8 records in chunks of 3");
        transact(store.as_ref(), Mode::Read, |txn| {
            for id in &live {
                assert!(get(txn, id)?.is_some(), "live credential {id} kept");
            }
            for id in &expired {
                assert!(get(txn, id)?.is_none(), "expired credential {id} purged");
            }
            Ok(())
        })
        .unwrap();
    }
}
