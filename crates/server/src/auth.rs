//! The parts of authentication every API style shares: finding an active AccessKey, the clock
//! window and replay protection. Each wire style builds its own string to sign (rpc/auth.rs).

use crate::failure::Result;
use crate::identity::access_keys::{self, AccessKeyRecord, KeyStatus};
use crate::nonce::NonceCache;
use localyun_core::ApiError;
use localyun_store::Txn;

/// Requests more than 15 minutes away from the server's clock, either way, are refused
/// (ram.md 3.5; research note 8: future timestamps get the same error).
pub const DEFAULT_CLOCK_WINDOW_MS: i64 = 15 * 60 * 1000;

/// The AccessKey a request names, which must exist and be active (ram.md 3.2 step 3).
pub fn active_key(txn: &mut dyn Txn, access_key_id: &str) -> Result<AccessKeyRecord> {
    match access_keys::get(txn, access_key_id)? {
        None => Err(ApiError::access_key_not_found().into()),
        Some(k) if k.status == KeyStatus::Inactive => Err(ApiError::access_key_inactive().into()),
        Some(k) => Ok(k),
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
