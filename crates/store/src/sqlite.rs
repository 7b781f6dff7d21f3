//! The embedded engine: one SQLite database in the data directory (WAL mode), or in memory.
//!
//! Durability: WAL with `synchronous=NORMAL`. A transaction is in the WAL file (the OS's page
//! cache) before it is acknowledged, so every acknowledged write survives the process being
//! killed (`kill -9`), which is the guarantee localyun gives (issue 6); only an operating-system
//! crash or power loss could drop the last commits. `FULL` would fsync on every commit and cap
//! writes near 7k/s on this kind of machine. Writers are serialized by SQLite itself; this process
//! uses one writer connection and a small pool of reader connections so reads never wait for a
//! write to finish. Other processes (`localyun account create` while the server runs) share the
//! file through SQLite's own locking, with a busy timeout.

use crate::{Mode, Store, StoreError, Txn};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The stored format this build writes. Bump it, and add a migration, when a record changes shape.
pub const FORMAT_VERSION: u32 = 1;
const DB_FILE: &str = "localyun.db";
const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    in_memory: bool,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Engine(e.to_string()),
        }
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // journal_size_limit: after a checkpoint the WAL file is cut back, so a long bulk load does
    // not leave a huge log for the next start to scan.
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA journal_size_limit=67108864;")?;
    Ok(())
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (tbl TEXT NOT NULL, k TEXT NOT NULL, v BLOB NOT NULL, PRIMARY KEY (tbl, k)) WITHOUT ROWID;
";

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE);
        let writer = Connection::open(&path)?;
        configure(&writer)?;
        init_schema(&writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                c.busy_timeout(Duration::from_secs(5))?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Self { writer: Mutex::new(writer), readers, in_memory: false })
    }

    /// A throwaway store (`--in-memory`): one connection, gone when the process ends.
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        init_schema(&conn)?;
        Ok(Self { writer: Mutex::new(conn), readers: Vec::new(), in_memory: true })
    }

    fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (the guard's drop
        // rolls back), so a poisoned lock is still safe to use.
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        for r in &self.readers {
            if let Ok(g) = r.try_lock() {
                return g;
            }
        }
        match self.readers.first() {
            // All busy: wait on one chosen by thread id so waiters spread out.
            Some(_) => {
                let i = thread_slot() % self.readers.len();
                Self::lock(&self.readers[i])
            }
            None => Self::lock(&self.writer),
        }
    }
}

fn thread_slot() -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish() as usize
}

fn init_schema(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        conn.execute_batch(SCHEMA)?;
        let found: Option<String> = conn.query_row("SELECT v FROM meta WHERE k = 'format'", [], |r| r.get(0)).optional()?;
        match found {
            None => {
                conn.execute("INSERT INTO meta (k, v) VALUES ('format', ?1)", params![FORMAT_VERSION.to_string()])?;
            }
            Some(v) => {
                let found: u32 = v.parse().map_err(|_| StoreError::Engine(format!("bad format version {v:?}")))?;
                if found > FORMAT_VERSION {
                    return Err(StoreError::UnsupportedFormat { found, supported: FORMAT_VERSION });
                }
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(Into::into),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

impl Store for SqliteStore {
    fn begin(&self, mode: Mode) -> Result<Box<dyn Txn + '_>, StoreError> {
        let conn = match mode {
            Mode::Write => Self::lock(&self.writer),
            Mode::Read => self.reader(),
        };
        // IMMEDIATE takes the write lock up front, so a write transaction never fails half-way
        // on a lock upgrade; reads get a consistent snapshot from DEFERRED.
        // Prepared once per connection: this runs for every batch of requests.
        conn.prepare_cached(if mode == Mode::Write { "BEGIN IMMEDIATE" } else { "BEGIN DEFERRED" })?.execute([])?;
        Ok(Box::new(SqliteTxn { conn, open: true }))
    }

    fn engine(&self) -> &'static str {
        if self.in_memory {
            "sqlite-memory"
        } else {
            "sqlite"
        }
    }

    fn format_version(&self) -> u32 {
        FORMAT_VERSION
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        if !self.in_memory {
            Self::lock(&self.writer).execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        Ok(())
    }
}

struct SqliteTxn<'a> {
    conn: MutexGuard<'a, Connection>,
    open: bool,
}

/// The smallest string greater than every string starting with `prefix`, or `None` when
/// there is none (an empty prefix or one made of `char::MAX`).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

impl Txn for SqliteTxn<'_> {
    fn get(&mut self, table: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT v FROM kv WHERE tbl = ?1 AND k = ?2")?;
        Ok(stmt.query_row(params![table, key], |r| r.get(0)).optional()?)
    }

    fn put(&mut self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let mut stmt =
            self.conn.prepare_cached("INSERT INTO kv (tbl, k, v) VALUES (?1, ?2, ?3) ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v")?;
        stmt.execute(params![table, key, value])?;
        Ok(())
    }

    fn delete(&mut self, table: &str, key: &str) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached("DELETE FROM kv WHERE tbl = ?1 AND k = ?2")?;
        Ok(stmt.execute(params![table, key])? > 0)
    }

    fn scan(&mut self, table: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let lower = match after {
            Some(a) if a >= prefix => a,
            _ => prefix,
        };
        let lower_op_inclusive = after.is_none_or(|a| a < prefix);
        let upper = prefix_end(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = match (lower_op_inclusive, upper.is_some()) {
            (true, true) => "SELECT k, v FROM kv WHERE tbl = ?1 AND k >= ?2 AND k < ?3 ORDER BY k LIMIT ?4",
            (false, true) => "SELECT k, v FROM kv WHERE tbl = ?1 AND k > ?2 AND k < ?3 ORDER BY k LIMIT ?4",
            (true, false) => "SELECT k, v FROM kv WHERE tbl = ?1 AND k >= ?2 AND ?3 IS NULL ORDER BY k LIMIT ?4",
            (false, false) => "SELECT k, v FROM kv WHERE tbl = ?1 AND k > ?2 AND ?3 IS NULL ORDER BY k LIMIT ?4",
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![table, lower, upper, limit], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    // Prepared once per connection: one savepoint per request under group commit.
    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.prepare_cached("SAVEPOINT job")?.execute([])?;
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
        self.release_savepoint()
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.prepare_cached("RELEASE job")?.execute([])?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteTxn<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.conn.prepare_cached("ROLLBACK").and_then(|mut st| st.execute([])) {
                tracing::warn!(error = %e, "rollback failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end("a/").as_deref(), Some("a0"));
        assert_eq!(prefix_end(""), None);
    }

    #[test]
    fn conformance_in_memory() {
        crate::conformance::run_all(&SqliteStore::in_memory().unwrap());
    }

    #[test]
    fn conformance_on_disk_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        crate::conformance::run_all(&SqliteStore::open(dir.path()).unwrap());
        crate::conformance::persists_across_reopen(|| Box::new(SqliteStore::open(dir.path()).unwrap()));
    }

    #[test]
    fn checkpoint_empties_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        crate::transact(&store, Mode::Write, |t| t.put("t", "k", &[7u8; 100_000])).unwrap();
        assert!(std::fs::metadata(dir.path().join("localyun.db-wal")).unwrap().len() > 0);
        store.checkpoint().unwrap();
        assert_eq!(std::fs::metadata(dir.path().join("localyun.db-wal")).unwrap().len(), 0);
        assert!(crate::transact(&store, Mode::Read, |t| t.get("t", "k")).unwrap().is_some());
    }

    #[test]
    fn refuses_a_newer_format() {
        let dir = tempfile::tempdir().unwrap();
        drop(SqliteStore::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute("UPDATE meta SET v = '999' WHERE k = 'format'", []).unwrap();
        drop(conn);
        assert!(matches!(SqliteStore::open(dir.path()), Err(StoreError::UnsupportedFormat { found: 999, .. })));
    }
}
