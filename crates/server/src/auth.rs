//! The parts of authentication every API style shares: finding an active AccessKey, the clock
//! window and replay protection. Each wire style builds its own string to sign (rpc/auth.rs,
//! sls/auth.rs) and hands it over as a [`Claim`].
//!
//! Authentication runs in two steps so that the signature check, pure CPU work, runs on the
//! async workers and the store is read only to confirm: [`Claim::vouch`] checks the signature
//! against credentials cached in memory, [`Claim::confirm`] (inside the request's store
//! transaction) accepts them when the account's identity generation is the one they were read
//! at, and otherwise reads the key from the store and checks again. Every change to a key, its
//! owner's name or what applies to it bumps that generation in the same transaction
//! (identity/mod.rs), from whichever process makes it, so the cache never outlives the truth.

use crate::caller::Caller;
use crate::failure::Result;
use crate::identity::access_keys::{self, KeyKind, KeyStatus, Owner};
use crate::identity::{accounts, generation, sts, users};
use localyun_core::ak_policy::NetworkPolicy;
use localyun_core::error::GatewayError;
use localyun_core::{ApiError, Secret};
use localyun_store::Txn;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
    /// Shared: cached credentials hand the same caller to every request they authenticate.
    pub caller: Arc<Caller>,
    /// Temporary credentials: the token issued with them and when they expire.
    pub session: Option<(Secret, i64)>,
    /// A permanent key's network access restriction (its own active policy, else its
    /// account's), read with the key so that a cached key checks it without a store read.
    pub network: Option<Arc<NetworkPolicy>>,
    /// An RSA key pair's public key ID: it signs GenerateSessionAccessKey and nothing else.
    pub key_pair: bool,
    /// A session AccessKey's expiry (GenerateSessionAccessKey).
    pub expires_ms: Option<i64>,
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
        return Ok(Ok(Credentials {
            secret: c.secret.clone(),
            caller: Arc::new(Caller::from_session(&c)),
            session: Some((c.token, c.expires_ms)),
            network: None,
            key_pair: false,
            expires_ms: None,
        }));
    }
    match access_keys::get(txn, access_key_id)? {
        None => Ok(Err(KeyProblem::NotFound)),
        Some(k) if k.status == KeyStatus::Inactive => Ok(Err(KeyProblem::Inactive)),
        // An expired session AccessKey is gone (GenerateSessionAccessKey's Expiration).
        Some(k) if k.expires_ms.is_some_and(|t| now_ms >= t) => Ok(Err(KeyProblem::NotFound)),
        Some(k) => {
            let name = match &k.owner {
                Owner::User(id) => users::by_id(txn, &k.account_id, id)?.map(|u| u.name),
                Owner::Root => None,
            };
            let parsed = |text: Option<&String>| text.and_then(|t| NetworkPolicy::parse(t).ok());
            let own = parsed(k.network_policy.as_ref());
            let account = parsed(accounts::get(txn, &k.account_id)?.and_then(|a| a.network_policy).as_ref());
            let network = localyun_core::ak_policy::effective(own.as_ref(), account.as_ref()).map(Arc::new);
            Ok(Ok(Credentials {
                secret: k.secret.clone(),
                caller: Arc::new(Caller::from_key(&k, name)),
                session: None,
                network,
                key_pair: k.kind == KeyKind::KeyPair,
                expires_ms: k.expires_ms,
            }))
        }
    }
}

/// Credentials as read from the store at an identity generation of their account.
struct Cached {
    generation: u64,
    credentials: Credentials,
}

impl Credentials {
    /// Whether a request presenting `token` at `now_ms` may use these credentials; anything
    /// else is left to the store path, which words the refusal.
    fn usable(&self, token: Option<&str>, now_ms: i64) -> bool {
        if self.expires_ms.is_some_and(|t| now_ms >= t) {
            return false;
        }
        match &self.session {
            None => true,
            Some((issued, expires_ms)) => {
                now_ms < *expires_ms && token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(issued.expose().as_bytes())))
            }
        }
    }
}

/// Bounded like the policy cache: a full map is cleared (entries are cheap to rebuild).
const CREDENTIAL_CACHE_LIMIT: usize = 10_000;

/// Usable credentials by AccessKey ID; only keys that authenticated a request are kept.
#[derive(Default)]
pub struct CredentialCache {
    by_key: Arc<Mutex<HashMap<String, Arc<Cached>>>>,
}

impl CredentialCache {
    fn get(&self, access_key_id: &str) -> Option<Arc<Cached>> {
        self.by_key.lock().unwrap_or_else(|p| p.into_inner()).get(access_key_id).cloned()
    }

    /// Caches what a transaction read, once that transaction has committed (executor.rs).
    fn put(&self, access_key_id: &str, entry: Arc<Cached>) {
        let (by_key, access_key_id) = (self.by_key.clone(), access_key_id.to_string());
        crate::executor::after_commit(move || {
            let mut map = by_key.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= CREDENTIAL_CACHE_LIMIT {
                map.clear();
            }
            map.insert(access_key_id, entry);
        });
    }
}

/// The signature check of one request: given the secret of the key it names, accept or say why
/// not (checks that the real services make only once the key is known, such as body hashes,
/// belong in it too, so their errors keep their order).
pub type SignatureCheck = Box<dyn Fn(&Secret) -> Result<(), ApiError> + Send + Sync>;

/// A request's claim to be signed with an AccessKey, with everything needed to check it.
pub struct Claim {
    access_key_id: String,
    token: Option<String>,
    check: SignatureCheck,
    /// How this API style words a credential problem.
    key_error: fn(KeyProblem, &str) -> ApiError,
    /// RPC requests carry a nonce, accepted once (ram.md 3.5); SLS requests do not. With it,
    /// when the ledger may forget it.
    nonce: Option<(String, i64)>,
    vouched: Option<Arc<Cached>>,
}

/// Who an authenticated request acts as, and the identity generation its credentials were
/// confirmed at (authorization reuses it instead of reading it again).
pub struct Authenticated {
    pub caller: Arc<Caller>,
    pub generation: u64,
    /// The key's network access restriction, checked against the request's source address.
    pub network: Option<Arc<NetworkPolicy>>,
    /// Signed with an RSA key pair's public key ID.
    pub key_pair: bool,
}

impl Claim {
    pub fn new(access_key_id: &str, token: Option<&str>, key_error: fn(KeyProblem, &str) -> ApiError, check: SignatureCheck) -> Self {
        Self {
            access_key_id: access_key_id.to_string(),
            token: token.filter(|t| !t.is_empty()).map(str::to_string),
            check,
            key_error,
            nonce: None,
            vouched: None,
        }
    }

    /// Whether the request carries a nonce to claim.
    pub fn has_nonce(&self) -> bool {
        self.nonce.is_some()
    }

    /// The request's nonce; `window_ms` is the clock window it was checked against, after which
    /// the request could no longer pass the clock check anyway.
    pub fn with_nonce(mut self, nonce: &str, request_ms: i64, window_ms: i64) -> Self {
        self.nonce = Some((nonce.to_string(), request_ms + window_ms + 1));
        self
    }

    /// Checks the signature against cached credentials, off the store threads; the verdict is
    /// given only once the key is confirmed, so the errors keep the order of ram.md 3.5.
    pub fn vouch(&mut self, cache: &CredentialCache, now_ms: i64) {
        self.vouched = cache
            .get(&self.access_key_id)
            .filter(|c| c.credentials.usable(self.token.as_deref(), now_ms) && (self.check)(&c.credentials.secret).is_ok());
    }

    /// Accepts the claim inside the request's transaction: cached credentials still current,
    /// or the key read from the store and the signature checked against it. The nonce is
    /// claimed separately, last ([`Claim::claim_nonce`]).
    pub fn confirm(&self, cache: &CredentialCache, txn: &mut dyn Txn, now_ms: i64) -> Result<Authenticated> {
        let accepted = match &self.vouched {
            Some(c) if generation(txn, &c.credentials.caller.account_id)? == c.generation => {
                let cred = &c.credentials;
                Authenticated {
                    caller: cred.caller.clone(),
                    generation: c.generation,
                    network: cred.network.clone(),
                    key_pair: cred.key_pair,
                }
            }
            _ => {
                let ak = self.access_key_id.as_str();
                let creds = credentials(txn, ak, self.token.as_deref(), now_ms)?.map_err(|p| (self.key_error)(p, ak))?;
                (self.check)(&creds.secret)?;
                let generation = generation(txn, &creds.caller.account_id)?;
                let (caller, network, key_pair) = (creds.caller.clone(), creds.network.clone(), creds.key_pair);
                cache.put(ak, Arc::new(Cached { generation, credentials: creds }));
                Authenticated { caller, generation, network, key_pair }
            }
        };
        Ok(accepted)
    }

    /// "No such AccessKey", in this API style's words (a key pair's public key ID presented to
    /// any action but GenerateSessionAccessKey).
    pub fn not_found(&self) -> ApiError {
        (self.key_error)(KeyProblem::NotFound, &self.access_key_id)
    }

    /// Records the request's nonce in the store's replay ledger, which every process shares
    /// and a restart keeps (issue 10), kept until the request could no longer pass the clock
    /// check anyway. Called last in the request's transaction, once the claim is confirmed
    /// (only a valid signature may record a nonce, so forged requests cannot burn other
    /// clients' nonces): an engine may only say at commit that the nonce was used
    /// ([`Txn::claim_nonce`]); then the whole transaction is undone and the answer is
    /// `SignatureNonceUsed`, whatever the call itself would have answered.
    pub fn claim_nonce(&self, txn: &mut dyn Txn, now_ms: i64) -> Result<()> {
        if let Some((nonce, expires_ms)) = &self.nonce {
            txn.claim_nonce(&localyun_core::sig::nonce_fingerprint(&self.access_key_id, nonce), *expires_ms, now_ms)?;
        }
        Ok(())
    }
}

/// The RPC wording of a credential problem (ram.md 3.4, 5.1).
pub fn rpc_key_error(p: KeyProblem, _access_key_id: &str) -> ApiError {
    match p {
        KeyProblem::NotFound => ApiError::from(GatewayError::AccessKeyNotFound),
        KeyProblem::Inactive => ApiError::from(GatewayError::AccessKeyInactive),
        KeyProblem::MissingToken => GatewayError::MissingSecurityToken.into(),
        KeyProblem::InvalidToken => GatewayError::SecurityTokenMismatch.into(),
        KeyProblem::Expired => GatewayError::SecurityTokenExpired.into(),
    }
}

pub fn check_clock(now_ms: i64, request_ms: i64, window_ms: i64) -> Result<(), ApiError> {
    if (now_ms - request_ms).abs() > window_ms {
        return Err(GatewayError::TimestampExpired.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::transact;
    use crate::failure::Failure;
    use crate::identity::{accounts, bump_generation};
    use crate::state::{AppState, Settings};
    use localyun_store::{Mode, SqliteStore};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A claim whose check accepts exactly `expected` and counts how often it ran.
    fn claim(ak: &str, expected: &str, nonce: &str, runs: &Arc<AtomicUsize>) -> Claim {
        let (expected, runs) = (expected.to_string(), runs.clone());
        let check: SignatureCheck = Box::new(move |secret| {
            runs.fetch_add(1, Ordering::SeqCst);
            if secret.expose() == expected {
                Ok(())
            } else {
                Err(GatewayError::SignatureMismatch { string_to_sign: "test".into() }.into())
            }
        });
        Claim::new(ak, None, rpc_key_error, check).with_nonce(nonce, 0, DEFAULT_CLOCK_WINDOW_MS)
    }

    fn confirm(state: &AppState, c: &Claim) -> Result<Authenticated> {
        transact(state.store.as_ref(), Mode::Write, |txn| {
            let who = c.confirm(&state.credentials, txn, 0)?;
            c.claim_nonce(txn, 0)?;
            Ok(who)
        })
    }

    fn code(r: Result<Authenticated>) -> String {
        match r {
            Ok(_) => "ok".into(),
            Err(Failure::Api(e)) => e.code.to_string(),
            Err(other) => other.to_api().code.to_string(),
        }
    }

    #[test]
    fn cached_credentials_serve_until_the_generation_moves() {
        let state = AppState::new(Arc::new(SqliteStore::in_memory(crate::migrations::MIGRATIONS).unwrap()), Settings::default());
        let root = accounts::create(state.store.as_ref()).unwrap();
        let (ak, secret) = (root.access_key_id.as_str(), root.access_key_secret.expose().to_string());
        let runs = Arc::new(AtomicUsize::new(0));

        // First use: nothing cached, the store is read and the check runs there.
        let mut first = claim(ak, &secret, "n1", &runs);
        first.vouch(&state.credentials, 0);
        assert!(first.vouched.is_none());
        assert_eq!(code(confirm(&state, &first)), "ok");
        // Second use: vouched from the cache, confirmed by the generation alone.
        let mut second = claim(ak, &secret, "n2", &runs);
        second.vouch(&state.credentials, 0);
        assert!(second.vouched.is_some());
        assert_eq!(code(confirm(&state, &second)), "ok");
        // A wrong signature is never vouched for, and the store path refuses it too.
        let mut forged = claim(ak, "not-the-secret", "n3", &runs);
        forged.vouch(&state.credentials, 0);
        assert!(forged.vouched.is_none());
        assert_eq!(code(confirm(&state, &forged)), "SignatureDoesNotMatch");
        // A replayed nonce is refused, whichever path confirms it.
        let mut replay = claim(ak, &secret, "n2", &runs);
        replay.vouch(&state.credentials, 0);
        assert_eq!(code(confirm(&state, &replay)), "SignatureNonceUsed");

        // The key is deactivated by "another process": straight into the store, with the bump
        // every writer of identities makes. The cached entry no longer vouches.
        transact(state.store.as_ref(), Mode::Write, |txn| {
            let mut key = access_keys::get(txn, ak)?.unwrap();
            key.status = KeyStatus::Inactive;
            access_keys::put(txn, &key)
        })
        .unwrap();
        let mut after = claim(ak, &secret, "n4", &runs);
        after.vouch(&state.credentials, 0);
        assert!(after.vouched.is_some(), "the cache still holds the old entry");
        assert_eq!(code(confirm(&state, &after)), "InvalidAccessKeyId.Inactive");

        // An unrelated bump only costs one store read: the key is read again and cached anew.
        transact(state.store.as_ref(), Mode::Write, |txn| {
            let mut key = access_keys::get(txn, ak)?.unwrap();
            key.status = KeyStatus::Active;
            access_keys::put(txn, &key)?;
            bump_generation(txn, &root.account_id)
        })
        .unwrap();
        let mut again = claim(ak, &secret, "n5", &runs);
        again.vouch(&state.credentials, 0);
        assert_eq!(code(confirm(&state, &again)), "ok");
        let mut cached = claim(ak, &secret, "n6", &runs);
        cached.vouch(&state.credentials, 0);
        assert!(cached.vouched.is_some());
        assert_eq!(code(confirm(&state, &cached)), "ok");
    }

    #[test]
    fn unknown_keys_are_refused_before_any_signature_check() {
        let state = AppState::new(Arc::new(SqliteStore::in_memory(crate::migrations::MIGRATIONS).unwrap()), Settings::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut c = claim("LTAInobody", "x", "n", &runs);
        c.vouch(&state.credentials, 0);
        assert_eq!(code(confirm(&state, &c)), "InvalidAccessKeyId.NotFound");
        assert_eq!(runs.load(Ordering::SeqCst), 0, "no check runs without a key");
    }

    #[test]
    fn clock_window_is_symmetric() {
        let w = DEFAULT_CLOCK_WINDOW_MS;
        assert!(check_clock(w, 0, w).is_ok());
        assert!(check_clock(0, w, w).is_ok());
        assert_eq!(check_clock(w + 1, 0, w).unwrap_err().code, "InvalidTimeStamp.Expired");
        assert_eq!(check_clock(0, w + 1, w).unwrap_err().code, "InvalidTimeStamp.Expired");
    }
}
