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

/// The store's readiness as `/_localyun/health` reports it. A probe (a round trip to the store,
/// on a blocking thread) runs at most once per [`READINESS_FRESH`], one at a time: a burst of
/// health checks (a balancer, a test opening a thousand connections) answers from the last
/// probe instead of starting a blocking thread each.
pub struct Readiness {
    checked: std::sync::Mutex<Option<(std::time::Instant, bool)>>,
    probe: tokio::sync::Semaphore,
}

/// How long a probe's answer stands.
pub const READINESS_FRESH: std::time::Duration = std::time::Duration::from_millis(250);

/// How long a probe waits for the store.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl Default for Readiness {
    fn default() -> Self {
        Self { checked: std::sync::Mutex::new(None), probe: tokio::sync::Semaphore::new(1) }
    }
}

impl Readiness {
    fn fresh(&self) -> Option<bool> {
        match *self.checked.lock().ok()? {
            Some((at, ready)) if at.elapsed() < READINESS_FRESH => Some(ready),
            _ => None,
        }
    }

    /// Whether the store answers now (within the probe timeout).
    pub async fn check(&self, store: &Arc<dyn Store>) -> bool {
        if let Some(ready) = self.fresh() {
            return ready;
        }
        // One probe at a time; who waited for it takes its answer.
        let Ok(_permit) = self.probe.acquire().await else { return false };
        if let Some(ready) = self.fresh() {
            return ready;
        }
        let store = store.clone();
        let ready = matches!(tokio::time::timeout(PROBE_TIMEOUT, tokio::task::spawn_blocking(move || store.ping())).await, Ok(Ok(Ok(()))));
        if let Ok(mut checked) = self.checked.lock() {
            *checked = Some((std::time::Instant::now(), ready));
        }
        ready
    }
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub readiness: Readiness,
    pub executor: crate::executor::Executor,
    pub policies: crate::authz::PolicyCache,
    pub credentials: crate::auth::CredentialCache,
    /// AccessKey uses not yet written (key_usage.rs).
    pub key_usage: crate::key_usage::KeyUsage,
    pub settings: Settings,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let executor = crate::executor::Executor::start(store.clone());
        Self {
            store,
            executor,
            policies: Default::default(),
            credentials: Default::default(),
            key_usage: Default::default(),
            settings,
            readiness: Readiness::default(),
        }
    }
}
