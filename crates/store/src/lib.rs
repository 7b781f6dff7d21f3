//! The storage trait of localyun and its engines.
//!
//! The store is a transactional, ordered key-value map split into named tables; the services
//! keep their records (serialized, versioned by the service layer) and their secondary indexes
//! in it. Keeping the interface this small is what lets the embedded engine and the PostgreSQL
//! engine (a later issue) pass one conformance suite ([`conformance`]). Every request runs in
//! one transaction, which is how "a request that fails changes nothing" holds.
#![forbid(unsafe_code)]

pub mod conformance;
mod sqlite;

pub use sqlite::SqliteStore;

/// Failures of the engine itself (I/O, corruption, contention), never of the request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("the store is busy")]
    Busy,
    #[error("store engine error: {0}")]
    Engine(String),
    #[error("the data directory was written by a newer localyun (format {found}, this build reads up to {supported})")]
    UnsupportedFormat { found: u32, supported: u32 },
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
    /// Entries whose key starts with `prefix`, in key order, after `after` when given,
    /// at most `limit` of them.
    fn scan(&mut self, table: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
    /// Marks a point the transaction can return to: several requests can share one
    /// transaction (group commit), each undoing only its own writes when it fails.
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Undoes everything since the last [`Txn::savepoint`] and forgets it.
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps everything since the last [`Txn::savepoint`] and forgets it.
    fn release_savepoint(&mut self) -> Result<(), StoreError>;
}

/// A store engine. Engines are blocking: callers on an async runtime run transactions on a
/// blocking thread (the server does it once per request).
pub trait Store: Send + Sync + 'static {
    fn begin(&self, mode: Mode) -> Result<Box<dyn Txn + '_>, StoreError>;
    /// A short engine name for the health endpoint and the startup log.
    fn engine(&self) -> &'static str;
    /// The stored format version the engine opened.
    fn format_version(&self) -> u32;
    /// Folds write-ahead state into the main store (on clean shutdown), so the next start does
    /// not replay it. Engines without such state do nothing.
    fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Runs `f` in a transaction and commits only when it succeeds: a failing request leaves
/// nothing behind.
pub fn transact<T, E: From<StoreError>>(store: &dyn Store, mode: Mode, f: impl FnOnce(&mut dyn Txn) -> Result<T, E>) -> Result<T, E> {
    let mut txn = store.begin(mode)?;
    let out = f(txn.as_mut())?;
    if mode == Mode::Write {
        txn.commit()?;
    }
    Ok(out)
}
