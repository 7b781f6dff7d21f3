//! The parts of authentication every API style shares: finding an active AccessKey, the clock
//! window and replay protection. Each wire style builds its own string to sign (rpc/auth.rs).

use crate::caller::Caller;
use crate::failure::Result;
use crate::identity::access_keys::{self, KeyStatus, Owner};
use crate::identity::{sts, users};
use crate::nonce::NonceCache;
use localyun_core::{ApiError, Secret};
use localyun_store::Txn;
use subtle::ConstantTimeEq;

/// Requests more than 15 minutes away from the server's clock, either way, are refused
/// (ram.md 3.5; research note 8: future timestamps get the same error).
pub const DEFAULT_CLOCK_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Why the credentials a request names cannot be used; each API style words it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    NotFound,
    Inactive,
    /// An `STS.` key without its security token.
    MissingToken,
    /// A token that is not the one issued with the key.
    InvalidToken,
    Expired,
}

/// The secret to verify the signature with, and who the credentials stand for.
pub struct Credentials {
    pub secret: Secret,
    pub caller: Caller,
}

/// Resolves an AccessKey ID (and, for temporary `STS.` keys, its security token, compared in
/// constant time) to usable credentials (ram.md 3.2 step 3, 3.4).
pub fn credentials(txn: &mut dyn Txn, access_key_id: &str, token: Option<&str>, now_ms: i64) -> Result<Result<Credentials, KeyProblem>> {
    if access_key_id.starts_with("STS.") {
        let Some(c) = sts::get(txn, access_key_id)? else { return Ok(Err(KeyProblem::NotFound)) };
        let Some(token) = token.filter(|t| !t.is_empty()) else { return Ok(Err(KeyProblem::MissingToken)) };
        if !bool::from(token.as_bytes().ct_eq(c.token.expose().as_bytes())) {
            return Ok(Err(KeyProblem::InvalidToken));
        }
        if now_ms >= c.expires_ms {
            return Ok(Err(KeyProblem::Expired));
        }
        return Ok(Ok(Credentials { secret: c.secret.clone(), caller: Caller::from_session(&c) }));
    }
    match access_keys::get(txn, access_key_id)? {
        None => Ok(Err(KeyProblem::NotFound)),
        Some(k) if k.status == KeyStatus::Inactive => Ok(Err(KeyProblem::Inactive)),
        Some(k) => {
            let name = match &k.owner {
                Owner::User(id) => users::by_id(txn, &k.account_id, id)?.map(|u| u.name),
                Owner::Root => None,
            };
            Ok(Ok(Credentials { secret: k.secret.clone(), caller: Caller::from_key(&k, name) }))
        }
    }
}

/// The RPC wording of a credential problem (ram.md 3.4, 5.1).
pub fn rpc_key_error(p: KeyProblem) -> ApiError {
    match p {
        KeyProblem::NotFound => ApiError::access_key_not_found(),
        KeyProblem::Inactive => ApiError::access_key_inactive(),
        KeyProblem::MissingToken => ApiError::new(400, "MissingSecurityToken", "SecurityToken is mandatory for this action."),
        KeyProblem::InvalidToken => ApiError::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "The security token you provided does not match the access key.",
        ),
        KeyProblem::Expired => ApiError::new(400, "InvalidSecurityToken.Expired", "The security token you provided has expired."),
    }
}

pub fn check_clock(now_ms: i64, request_ms: i64, window_ms: i64) -> Result<(), ApiError> {
    if (now_ms - request_ms).abs() > window_ms {
        return Err(ApiError::timestamp_expired());
    }
    Ok(())
}

/// Accepts a nonce once. Checked only after the signature is valid, so forged requests cannot
/// burn other clients' nonces (ram.md 3.5).
pub fn check_nonce(
    nonces: &NonceCache,
    access_key_id: &str,
    nonce: &str,
    now_ms: i64,
    request_ms: i64,
    window_ms: i64,
) -> Result<(), ApiError> {
    if nonces.first_use(access_key_id, nonce, now_ms, request_ms + window_ms + 1) {
        Ok(())
    } else {
        Err(ApiError::nonce_used())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_window_is_symmetric() {
        let w = DEFAULT_CLOCK_WINDOW_MS;
        assert!(check_clock(w, 0, w).is_ok());
        assert!(check_clock(0, w, w).is_ok());
        assert_eq!(check_clock(w + 1, 0, w).unwrap_err().code, "InvalidTimeStamp.Expired");
        assert_eq!(check_clock(0, w + 1, w).unwrap_err().code, "InvalidTimeStamp.Expired");
    }
}
