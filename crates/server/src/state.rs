//! What every request can reach: the store, the credential and policy caches and the server
//! settings. Nothing here is the truth: the caches are checked against the store in every
//! request's transaction, and the replay ledger lives in the store (shared by every process).

use localyun_store::Store;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub clock_window_ms: i64,
    /// RPC bodies (form parameters).
    pub max_body_bytes: usize,
    /// SLS bodies may be up to 10 MiB (`PostBodyTooLarge`, sls.md 5.1).
    pub sls_max_body_bytes: usize,
    /// From the end of a request's header to the end of its body (408 RequestTimeout after).
    pub body_read_timeout: std::time::Duration,
}

/// A client may take this long to send a body of up to the 1 MiB limit.
pub const DEFAULT_BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Default for Settings {
    fn default() -> Self {
        Self {
            region: "cn-hangzhou".into(),
            clock_window_ms: crate::auth::DEFAULT_CLOCK_WINDOW_MS,
            max_body_bytes: 1 << 20,
            sls_max_body_bytes: 10 << 20,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
        }
    }
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub executor: crate::executor::Executor,
    pub policies: crate::authz::PolicyCache,
    pub credentials: crate::auth::CredentialCache,
    pub settings: Settings,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let executor = crate::executor::Executor::start(store.clone());
        Self { store, executor, policies: Default::default(), credentials: Default::default(), settings }
    }
}
