//! The storage trait of localyun and its engines.
//!
//! The store is a transactional, ordered key-value map split into named tables; the services
//! keep their records (serialized, versioned by the service layer through [`Migration`]s) and
//! their secondary indexes in it, plus a ledger of request nonces (replay protection must hold
//! across processes and restarts, issue 10). Keeping the interface this small is what lets the
//! embedded engine and the PostgreSQL engine pass one conformance suite ([`conformance`]).
//! Every request runs in one transaction, which is how "a request that fails changes nothing"
//! holds; every engine makes its transactions serializable, so read-check-write invariants
//! (unique names, quotas, counters) hold with any number of writers, in any number of processes.
// Every request's reads and writes go through here: nothing may panic on what a store returns
// (issue 11 item 6). The conformance suite is test support and may.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice, clippy::expect_used, clippy::panic, clippy::unreachable))]
#![forbid(unsafe_code)]

#[allow(clippy::indexing_slicing, clippy::string_slice, clippy::expect_used, clippy::panic, clippy::unreachable)]
pub mod conformance;
mod postgres;
mod sqlite;

pub use crate::postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Failures of the engine itself (I/O, corruption, contention), never of the request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Another writer holds a lock this transaction needs (SQLite across processes).
    #[error("the store is busy")]
    Busy,
    /// The engine found this transaction in conflict with a concurrent one and aborted it
    /// (PostgreSQL serialization failure, deadlock, or a unique key inserted concurrently).
    /// Running the whole transaction again is safe and will see the other's writes.
    #[error("transaction conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached (connection refused or lost, server shutting down).
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("store engine error: {0}")]
    Engine(String),
    /// The nonce a transaction claimed was already recorded and still live ([`Txn::claim_nonce`]).
    #[error("the nonce was already used")]
    NonceUsed,
    #[error("the store was written by a newer localyun (format {found}, this build reads up to {supported})")]
    UnsupportedFormat { found: u32, supported: u32 },
}

impl StoreError {
    /// Whether running the transaction again may succeed: contention, not a fault.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy | StoreError::Conflict(_))
    }
}

/// Whether a transaction may write. Read transactions never block writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Read,
    Write,
}

/// One open transaction. Dropping it without [`Txn::commit`] rolls it back.
pub trait Txn {
    fn get(&mut self, table: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn put(&mut self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError>;
    /// Returns whether the key existed.
    fn delete(&mut self, table: &str, key: &str) -> Result<bool, StoreError>;
    /// Entries whose key starts with `prefix`, in byte order of the keys (UTF-8, so code-point
    /// order), after `after` when given, at most `limit` of them.
    fn scan(&mut self, table: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Records a nonce fingerprint until `expires_ms`, unless it is already recorded with an
    /// expiry after `now_ms`: then the transaction fails with [`StoreError::NonceUsed`] and
    /// changes nothing. An engine may check at [`Txn::commit`] instead of at once (PostgreSQL
    /// sends the claim together with COMMIT, saving a round trip), so a caller must claim last,
    /// after everything the transaction should do, and must not read the answer from anywhere
    /// but the commit.
    fn claim_nonce(&mut self, fingerprint: &[u8; 16], expires_ms: i64, now_ms: i64) -> Result<(), StoreError>;
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
    /// Marks a point the transaction can return to: several requests can share one
    /// transaction (group commit), each undoing only its own writes when it fails. Savepoints
    /// nest: the last one marked is the one undone or kept.
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Undoes everything since the last [`Txn::savepoint`] and forgets it.
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps everything since the last [`Txn::savepoint`] and forgets it.
    fn release_savepoint(&mut self) -> Result<(), StoreError>;
}

/// When the embedded store's commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Written to the operating system at commit (`synchronous=NORMAL` in WAL mode): survives the
    /// process being killed, not an OS crash or power loss. The default: a local emulator's
    /// data matters across restarts and crashes of localyun, and an fsync per commit would cap
    /// writes at the disk's flush rate.
    #[default]
    Process,
    /// Flushed to the disk at every commit (`synchronous=FULL`): survives power loss too.
    Power,
}

impl Durability {
    /// The `--durability` spelling.
    pub fn name(self) -> &'static str {
        match self {
            Durability::Process => "normal",
            Durability::Power => "full",
        }
    }
}

/// How the executor should run write transactions on an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    /// One writer at a time (SQLite): batch waiting writes into one transaction, a savepoint
    /// per request, one commit for all.
    GroupCommit,
    /// Many concurrent writers (PostgreSQL): one transaction per request on this many workers,
    /// each retried on conflict.
    PerRequest { workers: usize },
}

/// A step of the stored format: `apply` rewrites data of format `to - 1` into format `to`
/// (new indexes, reshaped records). Steps run in order, in one transaction with the bump of the
/// format, under the engine's exclusive lock, so concurrent starts apply each step once.
pub struct Migration {
    pub to: u32,
    pub name: &'static str,
    pub apply: fn(&mut dyn Txn) -> Result<(), StoreError>,
}

/// A store engine. Engines are blocking: callers on an async runtime run transactions on
/// threads of their own (the server's executor).
pub trait Store: Send + Sync + 'static {
    fn begin(&self, mode: Mode) -> Result<Box<dyn Txn + '_>, StoreError>;
    /// A write transaction that runs while no other exclusive one runs, in any process on the
    /// same store: what a writer that keeps losing conflicts on a hot record falls back to, so
    /// that it is not aborted by the next one again. An engine whose writers are exclusive
    /// anyway (SQLite) just begins.
    fn begin_exclusive(&self) -> Result<Box<dyn Txn + '_>, StoreError> {
        self.begin(Mode::Write)
    }
    /// A short engine name for the health endpoint and the startup log.
    fn engine(&self) -> &'static str;
    /// What an acknowledged commit survives, for the health endpoint and the startup log.
    fn durability(&self) -> &'static str;
    /// The stored format version the engine opened (after migrations).
    fn format_version(&self) -> u32;
    fn concurrency(&self) -> Concurrency;
    /// Checks that the store can serve transactions now (the health endpoint's readiness).
    fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Forgets up to `limit` nonces that expired by `now_ms`; returns how many.
    fn purge_nonces(&self, now_ms: i64, limit: usize) -> Result<usize, StoreError>;
    /// Folds write-ahead state into the main store (on clean shutdown), so the next start does
    /// not replay it. Engines without such state do nothing.
    fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// How often a transaction is run again after a conflict before the caller gets the error
/// (then a 503, which the SDKs retry). Writers hammering one record on PostgreSQL abort each
/// other (serializable: the first to commit wins), so the budget is generous.
pub const MAX_ATTEMPTS: u32 = 30;

/// A short, growing, jittered pause before attempt `attempt` (1-based) of a conflicted
/// transaction, so two writers that collided do not collide again in lockstep.
pub fn backoff(attempt: u32) -> std::time::Duration {
    let base_us = 200u64 << attempt.min(6);
    std::time::Duration::from_micros(base_us / 2 + rand::random::<u64>() % base_us)
}

/// Runs `f` in a transaction and commits only when it succeeds: a failing request leaves
/// nothing behind. A conflict with a concurrent writer runs `f` again, from the start, in a new
/// transaction (at most [`MAX_ATTEMPTS`] times).
pub fn transact<T, E: From<StoreError>>(
    store: &dyn Store,
    mode: Mode,
    mut f: impl FnMut(&mut dyn Txn) -> Result<T, E>,
    retryable: impl Fn(&E) -> bool,
) -> Result<T, E> {
    let mut attempt = 1;
    loop {
        let result = (|| {
            let mut txn = store.begin(mode)?;
            let out = f(txn.as_mut())?;
            if mode == Mode::Write {
                txn.commit()?;
            }
            Ok(out)
        })();
        match result {
            Err(e) if attempt < MAX_ATTEMPTS && retryable(&e) => {
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// [`transact`] for closures that fail with a bare [`StoreError`].
pub fn transact_store<T>(store: &dyn Store, mode: Mode, f: impl FnMut(&mut dyn Txn) -> Result<T, StoreError>) -> Result<T, StoreError> {
    transact(store, mode, f, StoreError::is_retryable)
}

/// What follows `prefix` in a key a prefix scan returned (empty if the key did not start with it,
/// which a scan never returns): the rest of an index key without slicing that could panic.
pub fn key_rest<'a>(key: &'a str, prefix: &str) -> &'a str {
    key.strip_prefix(prefix).unwrap_or_default()
}

/// The smallest string greater than every string starting with `prefix`, or `None` when
/// there is none (an empty prefix or one made of `char::MAX`). Keys compare by bytes, which for
/// UTF-8 is code-point order: the successor of U+D7FF is U+E000 (surrogates are not characters),
/// so a scan of `a\u{D7FF}` ends before `a\u{E000}`.
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = if last == '\u{D7FF}' { Some('\u{E000}') } else { char::from_u32(last as u32 + 1) };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The format after applying `migrations` to data of format `found`: refuses a newer one.
pub(crate) fn migrate(txn: &mut dyn Txn, found: u32, migrations: &[Migration]) -> Result<u32, StoreError> {
    let supported = migrations.last().map_or(0, |m| m.to);
    if found > supported {
        return Err(StoreError::UnsupportedFormat { found, supported });
    }
    for m in migrations.iter().filter(|m| m.to > found) {
        tracing::info!(format = m.to, migration = m.name, "migrating the stored format");
        (m.apply)(txn)?;
    }
    Ok(supported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end("a/").as_deref(), Some("a0"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 1..MAX_ATTEMPTS {
            let d = backoff(attempt);
            assert!(d >= std::time::Duration::from_micros(100) && d <= std::time::Duration::from_millis(40), "{d:?}");
        }
    }
}
