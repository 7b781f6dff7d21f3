//! The shared engine: one PostgreSQL database that any number of localyun processes use at once
//! (`--store postgres://…`, issue 10).
//!
//! Isolation: every write transaction is `SERIALIZABLE`. The services keep their invariants by
//! read-check-write (a name is free, a quota is not reached, a counter is read and stored + 1);
//! PostgreSQL's serializable snapshot isolation detects every interleaving of two such
//! transactions that no serial order could produce and aborts one of them with SQLSTATE 40001,
//! which [`StoreError::Conflict`] reports and the caller answers by running the whole request
//! again. Row-level conditions would have to be written into each of those checks, and a missed
//! one is a silent lost update; serializable makes correctness the database's job, at the price
//! of retries under contention. Reads are `REPEATABLE READ READ ONLY`: one committed snapshot,
//! never a dirty or torn read, never blocked and never aborted.
//!
//! Keys are `TEXT COLLATE "C"`: compared by bytes, which for UTF-8 is code-point order, the order
//! the SQLite engine and the services' key layouts assume. Connections come from an r2d2 pool;
//! each carries its statements, prepared once when it connects, so a query is one round trip.

use crate::{prefix_end, Concurrency, Migration, Mode, Store, StoreError, Txn};
use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};
use std::time::Duration;

/// Workers running one request transaction each. The database does the real concurrency
/// control; more workers than this only queue inside PostgreSQL on a small machine.
const WORKERS: usize = 16;
/// A request waits this long for a connection before it is answered "unavailable".
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// `pg_advisory_lock` key held while a process creates the schema and migrates the data, so two
/// processes starting on an empty database do not race (ASCII "localyun").
const MIGRATION_LOCK: i64 = 0x6c6f_6361_6c79_756e;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS localyun_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS localyun_kv (
    tbl TEXT COLLATE "C" NOT NULL,
    k TEXT COLLATE "C" NOT NULL,
    v BYTEA NOT NULL,
    PRIMARY KEY (tbl, k)
);
CREATE TABLE IF NOT EXISTS localyun_nonce (fp BYTEA PRIMARY KEY, expires BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS localyun_nonce_expires ON localyun_nonce (expires);
"#;

/// A pooled connection with its prepared statements.
pub struct Conn {
    client: Client,
    stmts: Statements,
    /// Set when the connection's transaction state is unknown (a failed ROLLBACK): the pool
    /// throws it away instead of handing it to the next request.
    broken: bool,
}

struct Statements {
    get: Statement,
    put: Statement,
    delete: Statement,
    /// By (inclusive lower bound, upper bound given).
    scan: [Statement; 4],
    first_use: Statement,
}

impl Statements {
    fn prepare(c: &mut Client) -> Result<Self, postgres::Error> {
        Ok(Self {
            get: c.prepare("SELECT v FROM localyun_kv WHERE tbl = $1 AND k = $2")?,
            put: c.prepare("INSERT INTO localyun_kv (tbl, k, v) VALUES ($1, $2, $3) ON CONFLICT (tbl, k) DO UPDATE SET v = EXCLUDED.v")?,
            delete: c.prepare("DELETE FROM localyun_kv WHERE tbl = $1 AND k = $2")?,
            scan: [
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k > $2 ORDER BY k LIMIT $3")?,
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k > $2 AND k < $4 ORDER BY k LIMIT $3")?,
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k >= $2 ORDER BY k LIMIT $3")?,
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k >= $2 AND k < $4 ORDER BY k LIMIT $3")?,
            ],
            // Inserted, or an expired entry renewed: a row comes back; a live entry: none.
            first_use: c.prepare(
                "INSERT INTO localyun_nonce (fp, expires) VALUES ($1, $2) ON CONFLICT (fp) DO UPDATE SET expires = EXCLUDED.expires \
                 WHERE localyun_nonce.expires <= $3 RETURNING 1",
            )?,
        })
    }
}

/// Connects and prepares; the pool calls it (r2d2's adapter for this connection type).
struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        let mut client = self.config.connect(NoTls)?;
        let stmts = Statements::prepare(&mut client)?;
        Ok(Conn { client, stmts, broken: false })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    format: u32,
}

/// What a PostgreSQL error means for the request: retry, unavailable, or a fault.
fn classify(e: postgres::Error) -> StoreError {
    if let Some(code) = e.code() {
        if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            // A key another transaction inserted and committed after this one's snapshot.
            || *code == SqlState::UNIQUE_VIOLATION
        {
            return StoreError::Conflict(code.code().to_string());
        }
        let class = &code.code()[..2.min(code.code().len())];
        // 08: connection exception; 57P0x: the server is shutting down or starting;
        // 53: out of resources (too many connections).
        if class == "08" || class == "53" || code.code().starts_with("57P") {
            return StoreError::Unavailable(e.to_string());
        }
        return StoreError::Engine(e.to_string());
    }
    // No SQLSTATE: the connection itself failed (refused, reset, closed).
    StoreError::Unavailable(e.to_string())
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        classify(e)
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db` or `postgresql://…`), creates the
    /// schema if needed and brings the data to the format of the last of `migrations`.
    pub fn open(url: &str, migrations: &[Migration]) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url.parse().map_err(|e| StoreError::Engine(format!("bad PostgreSQL URL: {e}")))?;
        config.application_name("localyun").connect_timeout(CONNECT_TIMEOUT);
        // Keep-alives find a database host that vanished without closing its sockets.
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        let mut bootstrap = config.connect(NoTls).map_err(classify)?;
        let format = init_schema(&mut bootstrap, migrations)?;
        drop(bootstrap);
        let pool = r2d2::Pool::builder()
            .max_size((WORKERS + 4) as u32)
            .min_idle(Some(2))
            .connection_timeout(CONNECT_TIMEOUT)
            // Checking out must not cost a round trip; a dead connection fails its first query
            // (answered "unavailable", the SDKs retry) and is then dropped by `has_broken`.
            .test_on_check_out(false)
            .build(Manager { config })?;
        Ok(Self { pool, format })
    }
}

/// Creates the tables and migrates, holding the migration lock: a second process starting at
/// the same moment waits, then finds the schema made and the format current.
fn init_schema(client: &mut Client, migrations: &[Migration]) -> Result<u32, StoreError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = (|| {
        // IF NOT EXISTS on an existing schema is a NOTICE per table: not worth a log line.
        client.batch_execute("SET client_min_messages TO warning")?;
        client.batch_execute(SCHEMA)?;
        let stmts = Statements::prepare(client)?;
        client.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
        let found: Option<String> = client.query_opt("SELECT v FROM localyun_meta WHERE k = 'format'", &[])?.map(|r| r.get(0));
        let found: u32 = match found {
            None => 0,
            Some(v) => v.parse().map_err(|_| StoreError::Engine(format!("bad format version {v:?}")))?,
        };
        let mut txn = PgTxn { conn: ConnRef::Bootstrap(client, stmts), open: true, savepoints: Vec::new() };
        let format = crate::migrate(&mut txn, found, migrations)?;
        if format != found {
            txn.client().execute(
                "INSERT INTO localyun_meta (k, v) VALUES ('format', $1) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
                &[&format.to_string()],
            )?;
        }
        Box::new(txn).commit()?;
        Ok(format)
    })();
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    result
}

impl Store for PostgresStore {
    fn begin(&self, mode: Mode) -> Result<Box<dyn Txn + '_>, StoreError> {
        let mut conn = self.pool.get()?;
        conn.client.batch_execute(match mode {
            Mode::Write => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            Mode::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })?;
        Ok(Box::new(PgTxn { conn: ConnRef::Pooled(conn), open: true, savepoints: Vec::new() }))
    }

    fn engine(&self) -> &'static str {
        "postgres"
    }

    fn format_version(&self) -> u32 {
        self.format
    }

    fn concurrency(&self) -> Concurrency {
        Concurrency::PerRequest { workers: WORKERS }
    }

    fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get_timeout(Duration::from_secs(1))?;
        conn.client.simple_query("SELECT 1").map_err(|e| {
            conn.broken = true;
            classify(e)
        })?;
        Ok(())
    }

    fn purge_nonces(&self, now_ms: i64, limit: usize) -> Result<usize, StoreError> {
        let mut conn = self.pool.get()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Autocommit, and SKIP LOCKED: purges of several processes never wait for or abort
        // each other or a request.
        let n = conn.client.execute(
            "DELETE FROM localyun_nonce WHERE fp IN (SELECT fp FROM localyun_nonce WHERE expires <= $1 ORDER BY expires LIMIT $2 FOR UPDATE SKIP LOCKED)",
            &[&now_ms, &limit],
        )?;
        Ok(n as usize)
    }
}

// The transaction is boxed as a whole (`Box<dyn Txn>`): boxing the big variant again would
// only add an allocation per transaction.
#[allow(clippy::large_enum_variant)]
enum ConnRef<'a> {
    Pooled(r2d2::PooledConnection<Manager>),
    Bootstrap(&'a mut Client, Statements),
}

/// Savepoints cost a round trip each, and most requests never undo anything: a savepoint is
/// only sent to the server just before the first write after it, under a name of its depth
/// (`sp1`, `sp2`, …). Releasing one sends nothing: `ROLLBACK TO SAVEPOINT spN` undoes everything
/// after the most recent `spN`, released inner ones included, and COMMIT ends them all.
struct PgTxn<'a> {
    conn: ConnRef<'a>,
    open: bool,
    /// One entry per open savepoint: whether it was sent to the server.
    savepoints: Vec<bool>,
}

impl PgTxn<'_> {
    fn parts(&mut self) -> (&mut Client, &Statements) {
        match &mut self.conn {
            ConnRef::Pooled(c) => {
                let c = &mut **c;
                (&mut c.client, &c.stmts)
            }
            ConnRef::Bootstrap(c, s) => (&mut **c, &*s),
        }
    }

    fn client(&mut self) -> &mut Client {
        self.parts().0
    }

    fn simple(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.client().batch_execute(sql)?)
    }

    /// Sends the savepoints a write is about to need.
    fn before_write(&mut self) -> Result<(), StoreError> {
        for depth in 0..self.savepoints.len() {
            if !self.savepoints[depth] {
                self.simple(&format!("SAVEPOINT sp{}", depth + 1))?;
                self.savepoints[depth] = true;
            }
        }
        Ok(())
    }
}

impl Txn for PgTxn<'_> {
    fn get(&mut self, table: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (c, s) = self.parts();
        Ok(c.query_opt(&s.get, &[&table, &key])?.map(|r| r.get(0)))
    }

    fn put(&mut self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.before_write()?;
        let (c, s) = self.parts();
        c.execute(&s.put, &[&table, &key, &value])?;
        Ok(())
    }

    fn delete(&mut self, table: &str, key: &str) -> Result<bool, StoreError> {
        self.before_write()?;
        let (c, s) = self.parts();
        Ok(c.execute(&s.delete, &[&table, &key])? > 0)
    }

    fn scan(&mut self, table: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let (lower, inclusive) = match after {
            Some(a) if a >= prefix => (a, false),
            _ => (prefix, true),
        };
        let upper = prefix_end(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (c, s) = self.parts();
        let rows = match &upper {
            Some(u) => c.query(&s.scan[usize::from(inclusive) * 2 + 1], &[&table, &lower, &limit, u])?,
            None => c.query(&s.scan[usize::from(inclusive) * 2], &[&table, &lower, &limit])?,
        };
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn first_use(&mut self, fingerprint: &[u8; 16], expires_ms: i64, now_ms: i64) -> Result<bool, StoreError> {
        self.before_write()?;
        let (c, s) = self.parts();
        Ok(c.query_opt(&s.first_use, &[&&fingerprint[..], &expires_ms, &now_ms])?.is_some())
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.savepoints.push(false);
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        let depth = self.savepoints.len();
        match self.savepoints.pop() {
            Some(true) => self.simple(&format!("ROLLBACK TO SAVEPOINT sp{depth}")),
            // Never sent: nothing was written since it, nothing to undo.
            Some(false) => Ok(()),
            None => Err(StoreError::Engine("no savepoint to roll back to".into())),
        }
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        match self.savepoints.pop() {
            Some(_) => Ok(()),
            None => Err(StoreError::Engine("no savepoint to release".into())),
        }
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        // Whatever COMMIT answers, the transaction is over (a failed COMMIT rolls back).
        self.open = false;
        self.simple("COMMIT")
    }
}

impl Drop for PgTxn<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.simple("ROLLBACK") {
                tracing::warn!(error = %e, "rollback failed; the connection is dropped");
                if let ConnRef::Pooled(c) = &mut self.conn {
                    c.broken = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{self, TempDatabase, MIGRATIONS};

    fn db() -> Option<TempDatabase> {
        let db = TempDatabase::create();
        if db.is_none() {
            eprintln!("PostgreSQL tests skipped: LOCALYUN_TEST_POSTGRES is not set");
        }
        db
    }

    #[test]
    fn conformance() {
        let Some(db) = db() else { return };
        conformance::run_all(&PostgresStore::open(db.url(), MIGRATIONS).unwrap());
        conformance::persists_across_reopen(|| Box::new(PostgresStore::open(db.url(), MIGRATIONS).unwrap()));
    }

    #[test]
    fn conformance_with_several_writers() {
        let Some(db) = db() else { return };
        conformance::run_concurrent(&|| Box::new(PostgresStore::open(db.url(), MIGRATIONS).unwrap()) as Box<dyn Store>);
    }

    #[test]
    fn migrations() {
        let Some(db) = db() else { return };
        conformance::migrations_apply_once_in_order(&|m| PostgresStore::open(db.url(), m).map(|s| Box::new(s) as Box<dyn Store>));
    }

    #[test]
    fn unreachable_database_is_unavailable() {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        match PostgresStore::open("postgres://root@127.0.0.1:1/none", MIGRATIONS) {
            Err(StoreError::Unavailable(_)) => {}
            Err(other) => panic!("expected Unavailable, got {other}"),
            Ok(_) => panic!("expected Unavailable, got a store"),
        }
    }
}
