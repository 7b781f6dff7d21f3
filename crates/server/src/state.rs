//! What every request can reach: the store, the credential and policy caches and the server
//! settings. Nothing here is the truth: the caches are checked against the store in every
//! request's transaction, and the replay ledger lives in the store (shared by every process).

use localyun_store::Store;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub clock_window_ms: i64,
    pub max_body_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self { region: "cn-hangzhou".into(), clock_window_ms: crate::auth::DEFAULT_CLOCK_WINDOW_MS, max_body_bytes: 1 << 20 }
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
