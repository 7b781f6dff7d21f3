//! The embedded engine: one SQLite database in the data directory (WAL mode), or in memory.
//!
//! Durability ([`Durability`]): by default WAL with `synchronous=NORMAL`. A transaction is in
//! the WAL file (the OS's page cache) before it is acknowledged, so every acknowledged write
//! survives the process being killed (`kill -9`), which is the guarantee localyun gives
//! (issue 6); only an operating-system crash or power loss could drop the last commits.
//! `--durability full` (`synchronous=FULL`) fsyncs the WAL at every commit for those who need
//! power-loss safety; the benchmark measures what it costs. Writers are serialized by SQLite itself; this process
//! uses one writer connection and a small pool of reader connections so reads never wait for a
//! write to finish. Other processes (`localyun account create` while the server runs) share the
//! file through SQLite's own locking, with a busy timeout. Write transactions start with
//! `BEGIN IMMEDIATE`, which takes the database's one write lock before the first read: every
//! write transaction, in any process, sees the result of the one before it, so SQLite's writes
//! are serializable by construction (the property the PostgreSQL engine gets from SERIALIZABLE).

use crate::{prefix_end, Concurrency, Durability, Migration, Mode, Store, StoreError, Txn};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

const DB_FILE: &str = "localyun.db";
const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    in_memory: bool,
    durability: Durability,
    format: u32,
    /// Tells the background checkpointer to stop.
    stop: Arc<AtomicBool>,
}

/// How often the background checkpointer copies the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// Checkpoints off the writer thread: a checkpoint copies every page the WAL holds and fsyncs
/// the database file, tens of milliseconds at full write rate, which the writer would otherwise
/// spend with every request of its batch waiting (p99.9 of 60-90 ms in a full bench run).
/// PASSIVE never blocks the writer or readers; the writer restarts the WAL from its start once
/// a checkpoint has copied all of it. The writer's own automatic checkpoint stays as a backstop.
fn spawn_checkpointer(path: std::path::PathBuf, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new().name("localyun-checkpoint".into()).spawn(move || {
        let conn = match Connection::open(&path) {
            Ok(c) => c,
            Err(e) => return tracing::warn!(error = %e, "the background checkpointer cannot open the store"),
        };
        let _ = conn.busy_timeout(Duration::from_secs(1));
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(CHECKPOINT_EVERY);
            if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::debug!(error = %e, "background checkpoint failed");
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the background checkpointer");
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Engine(e.to_string()),
        }
    }
}

fn configure(conn: &Connection, durability: Durability) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // journal_size_limit: after a checkpoint the WAL file is cut back, so a long bulk load does
    // not leave a huge log for the next start to scan. Checkpoints run on a thread of their own
    // (`spawn_checkpointer`); wal_autocheckpoint 16384 pages (64 MiB) is the writer's backstop
    // should that thread fall behind.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=OFF; PRAGMA journal_size_limit=67108864; PRAGMA wal_autocheckpoint=16384;",
    )?;
    conn.execute_batch(match durability {
        Durability::Process => "PRAGMA synchronous=NORMAL;",
        Durability::Power => "PRAGMA synchronous=FULL;",
    })?;
    Ok(())
}

/// The store holds AccessKey secrets: a data directory it creates is `0700`, and the database
/// file is `0600` (created so, or narrowed so when it exists); SQLite gives the WAL and
/// shared-memory files the database file's mode (issue 11 item 3).
fn private_files(dir: &Path, db: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let io = |what: &str, e: std::io::Error| StoreError::Engine(format!("cannot {what} {}: {e}", dir.display()));
    if !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| io("create", e))?;
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(db) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // A directory an older build wrote: its WAL and shared-memory files too.
            for suffix in ["", "-wal", "-shm"] {
                let f = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
                if f.exists() {
                    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).map_err(|e| io("restrict the store in", e))?;
                }
            }
            Ok(())
        }
        Err(e) => Err(io("create the store in", e)),
    }
}

/// The engine's own tables; the data format inside `kv` is versioned by the caller's
/// [`Migration`]s (`meta.format`). Text compares with SQLite's BINARY collation, i.e. by bytes.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (tbl TEXT NOT NULL, k TEXT NOT NULL, v BLOB NOT NULL, PRIMARY KEY (tbl, k)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonce (fp BLOB PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonce_expires ON nonce (expires);
";

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`, bringing its data to the format of the
    /// last of `migrations`.
    pub fn open(dir: &Path, migrations: &[Migration]) -> Result<Self, StoreError> {
        Self::open_with(dir, migrations, Durability::default())
    }

    /// [`open`](Self::open) with a chosen durability.
    pub fn open_with(dir: &Path, migrations: &[Migration], durability: Durability) -> Result<Self, StoreError> {
        let path = dir.join(DB_FILE);
        private_files(dir, &path)?;
        let mut writer = Connection::open(&path)?;
        configure(&writer, durability)?;
        let format = init_schema(&mut writer, migrations)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                c.busy_timeout(Duration::from_secs(5))?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let stop = Arc::new(AtomicBool::new(false));
        spawn_checkpointer(path, stop.clone());
        Ok(Self { writer: Mutex::new(writer), readers, in_memory: false, durability, format, stop })
    }

    /// A throwaway store (`--in-memory`): one connection, gone when the process ends.
    pub fn in_memory(migrations: &[Migration]) -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        let format = init_schema(&mut conn, migrations)?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Vec::new(),
            in_memory: true,
            durability: Durability::Process,
            format,
            stop: Arc::new(AtomicBool::new(true)),
        })
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
        // All busy: wait on one chosen by thread id so waiters spread out.
        match self.readers.get(thread_slot() % self.readers.len().max(1)) {
            Some(r) => Self::lock(r),
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

/// Creates the tables and migrates the data, all in one `IMMEDIATE` transaction: a second
/// process opening the same directory waits for the first and then finds the work done.
fn init_schema(conn: &mut Connection, migrations: &[Migration]) -> Result<u32, StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut txn = SqliteTxn { conn: ConnRef::Owned(conn), open: true };
    txn.conn().execute_batch(SCHEMA)?;
    let found: Option<String> = txn.conn().query_row("SELECT v FROM meta WHERE k = 'format'", [], |r| r.get(0)).optional()?;
    let found: u32 = match found {
        None => 0,
        Some(v) => v.parse().map_err(|_| StoreError::Engine(format!("bad format version {v:?}")))?,
    };
    let format = crate::migrate(&mut txn, found, migrations)?;
    if format != found {
        txn.conn().execute(
            "INSERT INTO meta (k, v) VALUES ('format', ?1) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            params![format.to_string()],
        )?;
    }
    Box::new(txn).commit()?;
    Ok(format)
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
        Ok(Box::new(SqliteTxn { conn: ConnRef::Guard(conn), open: true }))
    }

    fn engine(&self) -> &'static str {
        if self.in_memory {
            "sqlite-memory"
        } else {
            "sqlite"
        }
    }

    fn durability(&self) -> &'static str {
        if self.in_memory {
            "none"
        } else {
            self.durability.name()
        }
    }

    fn format_version(&self) -> u32 {
        self.format
    }

    fn concurrency(&self) -> Concurrency {
        Concurrency::GroupCommit
    }

    fn purge_nonces(&self, now_ms: i64, limit: usize) -> Result<usize, StoreError> {
        let conn = Self::lock(&self.writer);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt =
            conn.prepare_cached("DELETE FROM nonce WHERE fp IN (SELECT fp FROM nonce WHERE expires <= ?1 ORDER BY expires LIMIT ?2)")?;
        Ok(stmt.execute(params![now_ms, limit])?)
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        if !self.in_memory {
            Self::lock(&self.writer).execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        Ok(())
    }
}

/// The connection a transaction runs on: a pooled one, or the one being opened.
enum ConnRef<'a> {
    Guard(MutexGuard<'a, Connection>),
    Owned(&'a mut Connection),
}

struct SqliteTxn<'a> {
    conn: ConnRef<'a>,
    open: bool,
}

impl SqliteTxn<'_> {
    fn conn(&self) -> &Connection {
        match &self.conn {
            ConnRef::Guard(g) => g,
            ConnRef::Owned(c) => c,
        }
    }
}

impl Txn for SqliteTxn<'_> {
    fn get(&mut self, table: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut stmt = self.conn().prepare_cached("SELECT v FROM kv WHERE tbl = ?1 AND k = ?2")?;
        Ok(stmt.query_row(params![table, key], |r| r.get(0)).optional()?)
    }

    fn put(&mut self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached("INSERT INTO kv (tbl, k, v) VALUES (?1, ?2, ?3) ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v")?;
        stmt.execute(params![table, key, value])?;
        Ok(())
    }

    fn delete(&mut self, table: &str, key: &str) -> Result<bool, StoreError> {
        let mut stmt = self.conn().prepare_cached("DELETE FROM kv WHERE tbl = ?1 AND k = ?2")?;
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
        let mut stmt = self.conn().prepare_cached(sql)?;
        let rows = stmt.query_map(params![table, lower, upper, limit], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn claim_nonce(&mut self, fingerprint: &[u8; 16], expires_ms: i64, now_ms: i64) -> Result<(), StoreError> {
        // Inserted, or an expired entry renewed: a row comes back; a live entry: none.
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO nonce (fp, expires) VALUES (?1, ?2) ON CONFLICT (fp) DO UPDATE SET expires = excluded.expires WHERE nonce.expires <= ?3 RETURNING 1",
        )?;
        let mut rows = stmt.query(params![&fingerprint[..], expires_ms, now_ms])?;
        if rows.next()?.is_some() {
            Ok(())
        } else {
            Err(StoreError::NonceUsed)
        }
    }

    // Prepared once per connection: one savepoint per request under group commit.
    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.conn().prepare_cached("SAVEPOINT job")?.execute([])?;
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn().prepare_cached("ROLLBACK TO job")?.execute([])?;
        self.release_savepoint()
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn().prepare_cached("RELEASE job")?.execute([])?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.conn().prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteTxn<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.conn().prepare_cached("ROLLBACK").and_then(|mut st| st.execute([])) {
                tracing::warn!(error = %e, "rollback failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{self, MIGRATIONS};

    #[test]
    fn conformance_in_memory() {
        conformance::run_all(&SqliteStore::in_memory(MIGRATIONS).unwrap());
    }

    #[test]
    fn conformance_on_disk_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let open = || Box::new(SqliteStore::open(dir.path(), MIGRATIONS).unwrap()) as Box<dyn Store>;
        conformance::run_all(open().as_ref());
        conformance::persists_across_reopen(open);
    }

    #[test]
    fn conformance_with_several_writers() {
        let dir = tempfile::tempdir().unwrap();
        conformance::run_concurrent(&|| Box::new(SqliteStore::open(dir.path(), MIGRATIONS).unwrap()) as Box<dyn Store>);
    }

    #[test]
    fn migrations() {
        let dir = tempfile::tempdir().unwrap();
        conformance::migrations_apply_once_in_order(&|m| SqliteStore::open(dir.path(), m).map(|s| Box::new(s) as Box<dyn Store>));
    }

    #[test]
    fn durability_chooses_when_commits_are_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let synchronous =
            |store: &SqliteStore| -> i64 { SqliteStore::lock(&store.writer).query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap() };
        let normal = SqliteStore::open(dir.path(), &[]).unwrap();
        assert_eq!((synchronous(&normal), normal.durability()), (1, "normal"));
        drop(normal);
        let full = SqliteStore::open_with(dir.path(), &[], Durability::Power).unwrap();
        assert_eq!((synchronous(&full), full.durability()), (2, "full"));
    }

    #[test]
    fn a_new_data_directory_and_its_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("new").join("data");
        let store = SqliteStore::open(&dir, MIGRATIONS).unwrap();
        crate::transact_store(&store, Mode::Write, |t| t.put("t", "k", b"secret")).unwrap();
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for f in [DB_FILE, "localyun.db-wal", "localyun.db-shm"] {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
        // Existing, too open files (an older build's) are narrowed when opened again.
        drop(store);
        for f in [DB_FILE, "localyun.db-wal"] {
            // The last connection's close removed the WAL; an empty one is what a clean stop leaves.
            std::fs::OpenOptions::new().create(true).append(true).open(dir.join(f)).unwrap();
            std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let reopened = SqliteStore::open(&dir, MIGRATIONS).unwrap();
        assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
        assert_eq!(mode(&dir.join("localyun.db-wal")), 0o600);
        drop(reopened);
    }

    #[test]
    fn checkpoint_empties_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), MIGRATIONS).unwrap();
        crate::transact_store(&store, Mode::Write, |t| t.put("t", "k", &[7u8; 100_000])).unwrap();
        assert!(std::fs::metadata(dir.path().join("localyun.db-wal")).unwrap().len() > 0);
        store.checkpoint().unwrap();
        assert_eq!(std::fs::metadata(dir.path().join("localyun.db-wal")).unwrap().len(), 0);
        assert!(crate::transact_store(&store, Mode::Read, |t| t.get("t", "k")).unwrap().is_some());
    }

    #[test]
    fn opens_a_format_1_directory() {
        // What every earlier build left behind: meta.format = 1 and the kv table, no nonces.
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE kv (tbl TEXT NOT NULL, k TEXT NOT NULL, v BLOB NOT NULL, PRIMARY KEY (tbl, k)) WITHOUT ROWID;
             INSERT INTO meta VALUES ('format', '1'); INSERT INTO kv VALUES ('t', 'k', x'01');",
        )
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(dir.path(), MIGRATIONS).unwrap();
        assert_eq!(store.format_version(), MIGRATIONS.last().unwrap().to);
        assert_eq!(crate::transact_store(&store, Mode::Read, |t| t.get("t", "k")).unwrap(), Some(vec![1]));
        crate::transact_store(&store, Mode::Write, |t| t.claim_nonce(&[1; 16], 10, 0)).unwrap();
    }
}
