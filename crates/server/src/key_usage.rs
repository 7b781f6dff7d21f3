//! When each AccessKey was last used (GetAccessKeyLastUsed), recorded without a store write per
//! request (issue 14: "coarse-grained timestamps flushed in batches"). An authenticated request
//! notes its key in memory (one uncontended lock, no allocation once the key is noted); every
//! [`FLUSH_EVERY`] the notes are written in one write transaction, and once more at shutdown.
//! A note is dropped only once written, and a write keeps the later of the stored and the noted
//! time, so several processes recording the same key agree on the latest use. A process that
//! dies unannounced loses at most its last [`FLUSH_EVERY`] of notes.

use crate::executor::Executor;
use crate::identity::access_keys;
use localyun_store::Mode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Use {
    at_ms: i64,
    service: &'static str,
}

/// This process's notes not yet written, by AccessKey ID.
#[derive(Debug, Default)]
pub struct KeyUsage {
    pending: Mutex<HashMap<String, Use>>,
}

impl KeyUsage {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Use>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes a use of `key_id` at `at_ms` through `service` (`ram`, `sts`, `log`).
    pub fn note(&self, key_id: &str, service: &'static str, at_ms: i64) {
        let mut pending = self.lock();
        match pending.get_mut(key_id) {
            Some(u) if u.at_ms >= at_ms => {}
            Some(u) => *u = Use { at_ms, service },
            None => {
                pending.insert(key_id.to_string(), Use { at_ms, service });
            }
        }
    }

    fn snapshot(&self) -> Vec<(String, Use)> {
        self.lock().iter().map(|(k, u)| (k.clone(), *u)).collect()
    }

    /// Drops the notes that were written, unless a later use was noted meanwhile.
    fn written(&self, notes: &[(String, Use)]) {
        let mut pending = self.lock();
        for (key, u) in notes {
            if pending.get(key) == Some(u) {
                pending.remove(key);
            }
        }
    }
}

/// Writes the notes taken so far; on a store failure they stay for the next flush. The server
/// calls it every [`FLUSH_EVERY`] and once at shutdown (server.rs).
pub async fn flush(usage: &KeyUsage, executor: &Executor) {
    let notes = Arc::new(usage.snapshot());
    if notes.is_empty() {
        return;
    }
    let batch = notes.clone();
    let written = executor
        .run(Mode::Write, move |txn| {
            for (key, u) in batch.iter() {
                access_keys::record_use(txn, key, u.at_ms, u.service)?;
            }
            Ok(())
        })
        .await;
    match written {
        Ok(()) => usage.written(&notes),
        Err(e) => tracing::warn!(error = %e, keys = notes.len(), "recording AccessKey use failed; kept for the next flush"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_keeps_the_latest_use_and_survives_a_write_of_an_older_one() {
        let usage = KeyUsage::default();
        usage.note("LTAI1", "ram", 10);
        usage.note("LTAI1", "log", 5);
        let taken = usage.snapshot();
        assert_eq!(taken, vec![("LTAI1".to_string(), Use { at_ms: 10, service: "ram" })]);
        usage.note("LTAI1", "sts", 20);
        usage.written(&taken);
        assert_eq!(usage.snapshot(), vec![("LTAI1".to_string(), Use { at_ms: 20, service: "sts" })]);
        usage.written(&usage.snapshot());
        assert!(usage.snapshot().is_empty());
    }
}
