//! What can go wrong while serving a request: an error the client caused (sent as is), or a
//! failure of the store (logged with its source, answered with a generic 5xx).

use localyun_core::error::{GatewayError, RamError, SlsError, StsError};
use localyun_core::ApiError;
use localyun_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{} ({}): {}", .0.code, .0.status, .0.message)]
    Api(ApiError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("unreadable record in table {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

/// Each service's codes become the client's error.
macro_rules! from_codes {
    ($($codes:ty),*) => {$(
        impl From<$codes> for Failure {
            fn from(e: $codes) -> Self {
                Failure::Api(e.into())
            }
        }
    )*};
}
from_codes!(GatewayError, RamError, StsError, SlsError);

impl Failure {
    /// The error sent to the client; internal detail stays in the log.
    pub fn to_api(&self) -> ApiError {
        match self {
            Failure::Api(e) => e.clone(),
            // Contention past the retries, or a database that cannot be reached: temporary, and
            // the SDKs retry a 503 (ram.md 5, sls.md 4.4).
            Failure::Store(StoreError::Busy | StoreError::Conflict(_) | StoreError::Unavailable(_)) => {
                ApiError::from(GatewayError::ServiceUnavailable)
            }
            // Only RPC requests claim nonces (auth.rs).
            Failure::Store(StoreError::NonceUsed) => ApiError::from(GatewayError::NonceUsed),
            Failure::Store(_) | Failure::Corrupt { .. } => ApiError::from(GatewayError::Internal),
        }
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    /// Contention the store reports: running the whole transaction again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Failure::Store(e) if e.is_retryable())
    }
}

/// Runs `f` in one transaction of its own, committed only when it succeeds and run again on
/// contention (tools and start-up; requests go through the executor).
pub fn transact<T>(
    store: &dyn localyun_store::Store,
    mode: localyun_store::Mode,
    f: impl FnMut(&mut dyn localyun_store::Txn) -> Result<T>,
) -> Result<T> {
    localyun_store::transact(store, mode, f, Failure::is_retryable)
}

/// A part of a request decoded with the rest whose error, if any, is answered only when the
/// handler takes it: after a check the service makes first and that needs the store or the
/// caller (a user lookup, the account's logon domain, the caller's identity), so that the
/// errors of a request keep the service's order.
pub struct Deferred<T>(Result<T>);

impl<T> Deferred<T> {
    pub fn decode(read: impl FnOnce() -> Result<T>) -> Self {
        Self(read())
    }

    pub fn take(self) -> Result<T> {
        self.0
    }
}
