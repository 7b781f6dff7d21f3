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
//!
//! Round trips are what a request costs here (each one wakes the database and this worker), so
//! a transaction's `BEGIN` is not sent on its own: it goes out in the same write as the
//! transaction's first statement (tokio-postgres pipelines requests that are in flight
//! together). The connection is driven on the store worker's own thread by a current-thread
//! runtime, as the `postgres` crate does, so no request crosses threads.

use crate::{prefix_end, Concurrency, Migration, Mode, Store, StoreError, Txn};
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Row, Statement};

/// Workers running one request transaction each. The database does the real concurrency
/// control; more only queue inside PostgreSQL on a small machine: on 2 cores, 8 per process
/// served 5-25 % more than 16 (one and three processes; 4 was no better), bench/NOTES.md.
const WORKERS: usize = 8;
/// How long opening a connection to the database may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// While the database is down a request waits at most this long for a pooled connection before
/// it is answered 503 (the SDKs retry): short, so that an outage does not pile requests up
/// behind the workers.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(1);
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

/// The connection's protocol state machine, polled while a request on it is awaited.
type Driver = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send>>;

/// A pooled connection with its prepared statements.
pub struct Conn {
    rt: tokio::runtime::Runtime,
    client: Client,
    /// `None` once the connection has closed.
    driver: Option<Driver>,
    stmts: Statements,
    /// Set when the connection's transaction state is unknown (a failed ROLLBACK): the pool
    /// throws it away instead of handing it to the next request.
    broken: bool,
}

/// Runs `fut` (requests on the connection `driver` belongs to) to completion on this thread,
/// driving the connection meanwhile.
fn drive<T>(
    rt: &tokio::runtime::Runtime,
    driver: &mut Option<Driver>,
    fut: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, StoreError> {
    let mut fut = pin!(fut);
    rt.block_on(std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        if let Some(d) = driver.as_mut() {
            if d.as_mut().poll(cx).is_ready() {
                // Closed: dropping it fails every request still waiting on it.
                *driver = None;
            }
        }
        fut.as_mut().poll(cx)
    }))
    .map_err(classify)
}

/// Both requests sent in this order in one write, then both answers awaited; the first's
/// error wins (a failed `BEGIN` fails the statement after it too).
async fn pipelined<A, B>(
    first: impl Future<Output = Result<A, tokio_postgres::Error>>,
    second: impl Future<Output = Result<B, tokio_postgres::Error>>,
) -> Result<B, tokio_postgres::Error> {
    let (a, b) = pipelined_both(first, second).await;
    a.and(b)
}

/// Both requests sent in this order in one write; both answers, whatever each is.
async fn pipelined_both<A, B>(
    first: impl Future<Output = Result<A, tokio_postgres::Error>>,
    second: impl Future<Output = Result<B, tokio_postgres::Error>>,
) -> (Result<A, tokio_postgres::Error>, Result<B, tokio_postgres::Error>) {
    let (mut first, mut second) = (pin!(first), pin!(second));
    let (mut a, mut b) = (None, None);
    std::future::poll_fn(|cx| {
        if a.is_none() {
            if let Poll::Ready(r) = first.as_mut().poll(cx) {
                a = Some(r);
            }
        }
        if b.is_none() {
            if let Poll::Ready(r) = second.as_mut().poll(cx) {
                b = Some(r);
            }
        }
        match (a.take(), b.take()) {
            (Some(ra), Some(rb)) => Poll::Ready((ra, rb)),
            (ra, rb) => {
                (a, b) = (ra, rb);
                Poll::Pending
            }
        }
    })
    .await
}

struct Statements {
    get: Statement,
    put: Statement,
    delete: Statement,
    /// By (inclusive lower bound, upper bound given).
    scan: [Statement; 4],
    claim_nonce: Statement,
}

impl Statements {
    async fn prepare(c: &Client) -> Result<Self, tokio_postgres::Error> {
        Ok(Self {
            get: c.prepare("SELECT v FROM localyun_kv WHERE tbl = $1 AND k = $2").await?,
            put: c
                .prepare("INSERT INTO localyun_kv (tbl, k, v) VALUES ($1, $2, $3) ON CONFLICT (tbl, k) DO UPDATE SET v = EXCLUDED.v")
                .await?,
            delete: c.prepare("DELETE FROM localyun_kv WHERE tbl = $1 AND k = $2").await?,
            scan: [
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k > $2 ORDER BY k LIMIT $3").await?,
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k > $2 AND k < $4 ORDER BY k LIMIT $3").await?,
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k >= $2 ORDER BY k LIMIT $3").await?,
                c.prepare("SELECT k, v FROM localyun_kv WHERE tbl = $1 AND k >= $2 AND k < $4 ORDER BY k LIMIT $3").await?,
            ],
            // Inserted, or an expired entry renewed: one row in `claimed`; a live entry: none, and
            // the division by zero (SQLSTATE 22012) fails the transaction, so a COMMIT sent
            // behind it in the same write rolls back instead.
            claim_nonce: c
                .prepare(
                    "WITH claimed AS (INSERT INTO localyun_nonce (fp, expires) VALUES ($1, $2) ON CONFLICT (fp) DO UPDATE \
                     SET expires = EXCLUDED.expires WHERE localyun_nonce.expires <= $3 RETURNING 1) \
                     SELECT 1 / (SELECT count(*)::int FROM claimed)",
                )
                .await?,
        })
    }
}

impl Conn {
    /// Connects; `before` runs on the bare connection before the statements are prepared
    /// (start-up creates the tables they name).
    fn open(config: &tokio_postgres::Config, before: Option<&str>) -> Result<Self, StoreError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Engine(format!("cannot start a runtime for a connection: {e}")))?;
        let (client, connection) = rt.block_on(config.connect(NoTls)).map_err(classify)?;
        let mut driver: Option<Driver> = Some(Box::pin(connection));
        if let Some(sql) = before {
            drive(&rt, &mut driver, client.batch_execute(sql))?;
        }
        let stmts = drive(&rt, &mut driver, Statements::prepare(&client))?;
        Ok(Conn { rt, client, driver, stmts, broken: false })
    }

    fn simple(&mut self, sql: &str) -> Result<(), StoreError> {
        drive(&self.rt, &mut self.driver, self.client.batch_execute(sql))
    }

    fn is_closed(&self) -> bool {
        self.driver.is_none() || self.client.is_closed()
    }
}

/// Connects and prepares; the pool calls it (r2d2's adapter for this connection type).
struct Manager {
    config: tokio_postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = StoreError;

    fn connect(&self) -> Result<Conn, StoreError> {
        Conn::open(&self.config, None)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), StoreError> {
        conn.simple("")
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.is_closed()
    }
}

pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    format: u32,
}

/// What a PostgreSQL error means for the request: retry, unavailable, or a fault.
fn classify(e: tokio_postgres::Error) -> StoreError {
    let text = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    if let Some(code) = e.code() {
        if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            // A key another transaction inserted and committed after this one's snapshot.
            || *code == SqlState::UNIQUE_VIOLATION
        {
            return StoreError::Conflict(code.code().to_string());
        }
        let class = code.code().get(..2).unwrap_or(code.code());
        // 08: connection exception; 57P0x: the server is shutting down or starting;
        // 53: out of resources (too many connections).
        if class == "08" || class == "53" || code.code().starts_with("57P") {
            return StoreError::Unavailable(text);
        }
        return StoreError::Engine(text);
    }
    // No SQLSTATE: the connection itself failed (refused, reset, closed, timed out).
    StoreError::Unavailable(text)
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
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| StoreError::Engine(format!("bad PostgreSQL URL: {e}")))?;
        config.application_name("localyun").connect_timeout(CONNECT_TIMEOUT);
        // Keep-alives find a database host that vanished without closing its sockets.
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        // The migration lock first, then the tables (IF NOT EXISTS on an existing schema is a
        // NOTICE per table: not worth a log line), then the statements that name them.
        let setup = format!("SELECT pg_advisory_lock({MIGRATION_LOCK}); SET client_min_messages TO warning; {SCHEMA}");
        let mut bootstrap = Conn::open(&config, Some(&setup))?;
        let format = init_schema(&mut bootstrap, migrations)?;
        drop(bootstrap);
        let pool = r2d2::Pool::builder()
            .max_size((WORKERS + 4) as u32)
            .min_idle(Some(2))
            .connection_timeout(CHECKOUT_TIMEOUT)
            // Checking out must not cost a round trip; a dead connection fails its first query
            // (answered "unavailable", the SDKs retry) and is then dropped by `has_broken`.
            .test_on_check_out(false)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(Manager { config })?;
        Ok(Self { pool, format })
    }
}

/// Migrates, holding the migration lock `conn` took when it connected (and created the tables):
/// a second process starting at the same moment waits, then finds the schema made and the format
/// current. The lock is taken before the transaction begins, so the transaction's snapshot sees
/// the other's work.
fn init_schema(conn: &mut Conn, migrations: &[Migration]) -> Result<u32, StoreError> {
    let result = (|| {
        let mut txn = PgTxn::new(ConnRef::Owned(conn), Mode::Write);
        let found = txn.query_opt_sql("SELECT v FROM localyun_meta WHERE k = 'format'")?.map(|r| r.get::<_, String>(0));
        let found: u32 = match found {
            None => 0,
            Some(v) => v.parse().map_err(|_| StoreError::Engine(format!("bad format version {v:?}")))?,
        };
        let format = crate::migrate(&mut txn, found, migrations)?;
        if format != found {
            txn.simple(&format!(
                "INSERT INTO localyun_meta (k, v) VALUES ('format', '{format}') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"
            ))?;
        }
        Box::new(txn).commit()?;
        Ok(format)
    })();
    let _ = conn.simple(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    result
}

impl Store for PostgresStore {
    fn begin(&self, mode: Mode) -> Result<Box<dyn Txn + '_>, StoreError> {
        Ok(Box::new(PgTxn::new(ConnRef::Pooled(self.pool.get()?), mode)))
    }

    /// The session-level advisory lock is taken before BEGIN, in the same write as BEGIN and
    /// the first statement: the server runs them in order, so the transaction's snapshot is
    /// taken once the lock is held and sees every exclusive transaction before it. It is
    /// released in the same write as COMMIT or ROLLBACK; a connection that cannot release it is
    /// thrown away, which releases it too.
    fn begin_exclusive(&self) -> Result<Box<dyn Txn + '_>, StoreError> {
        let mut txn = PgTxn::new(ConnRef::Pooled(self.pool.get()?), Mode::Write);
        txn.exclusive = true;
        Ok(Box::new(txn))
    }

    fn engine(&self) -> &'static str {
        "postgres"
    }

    /// Commits are as durable as the database is configured to make them (`synchronous_commit`,
    /// on by default: flushed at commit).
    fn durability(&self) -> &'static str {
        "database"
    }

    fn format_version(&self) -> u32 {
        self.format
    }

    fn concurrency(&self) -> Concurrency {
        Concurrency::PerRequest { workers: WORKERS }
    }

    fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get_timeout(Duration::from_secs(1))?;
        conn.simple("SELECT 1").inspect_err(|_| conn.broken = true)
    }

    fn purge_nonces(&self, now_ms: i64, limit: usize) -> Result<usize, StoreError> {
        let mut conn = self.pool.get()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let Conn { rt, client, driver, .. } = &mut *conn;
        // Autocommit, and SKIP LOCKED: purges of several processes never wait for or abort
        // each other or a request.
        let n = drive(
            rt,
            driver,
            client.execute(
                "DELETE FROM localyun_nonce WHERE fp IN (SELECT fp FROM localyun_nonce WHERE expires <= $1 ORDER BY expires LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&now_ms, &limit],
            ),
        )?;
        Ok(n as usize)
    }
}

// The transaction is boxed as a whole (`Box<dyn Txn>`): boxing the big variant again would
// only add an allocation per transaction.
#[allow(clippy::large_enum_variant)]
enum ConnRef<'a> {
    Pooled(r2d2::PooledConnection<Manager>),
    Owned(&'a mut Conn),
}

struct Parts<'t> {
    rt: &'t tokio::runtime::Runtime,
    driver: &'t mut Option<Driver>,
    client: &'t Client,
    stmts: &'t Statements,
    begin: Option<&'static str>,
    /// Take the exclusive lock before the `BEGIN` (a message of its own: in one simple query
    /// with BEGIN it would start an implicit transaction first).
    lock: bool,
}

impl Parts<'_> {
    /// Runs `fut` (built on `self.client`), behind the pending `BEGIN` (and lock) in the same
    /// write.
    fn run<T>(self, fut: impl Future<Output = Result<T, tokio_postgres::Error>>) -> Result<T, StoreError> {
        let c = self.client;
        match (self.begin, self.lock) {
            (Some(begin), true) => {
                drive(self.rt, self.driver, pipelined(c.batch_execute(EXCLUSIVE_LOCK), pipelined(c.batch_execute(begin), fut)))
            }
            (Some(begin), false) => drive(self.rt, self.driver, pipelined(c.batch_execute(begin), fut)),
            (None, _) => drive(self.rt, self.driver, fut),
        }
    }

    /// Runs `fut`, then releases the exclusive lock in the same write when `unlock`.
    fn run_then_unlock<T>(self, fut: impl Future<Output = Result<T, tokio_postgres::Error>>, unlock: bool) -> Result<T, StoreError> {
        if !unlock {
            return self.run(fut);
        }
        let c = self.client;
        let both = async move {
            let (out, released) = pipelined_both(fut, c.batch_execute(EXCLUSIVE_UNLOCK)).await;
            released?;
            out
        };
        self.run(both)
    }
}

/// Savepoints cost a round trip each, and most requests never undo anything: a savepoint is
/// only sent to the server just before the first write after it, under a name of its depth
/// (`sp1`, `sp2`, …). Releasing one sends nothing: `ROLLBACK TO SAVEPOINT spN` undoes everything
/// after the most recent `spN`, released inner ones included, and COMMIT ends them all.
struct PgTxn<'a> {
    conn: ConnRef<'a>,
    /// The `BEGIN` not sent yet: it goes out with the first statement.
    begin: Option<&'static str>,
    open: bool,
    /// One entry per open savepoint: whether it was sent to the server.
    savepoints: Vec<bool>,
    /// The nonce claimed: sent with COMMIT.
    nonce: Option<([u8; 16], i64, i64)>,
    /// Holds the exclusive lock (once its BEGIN went out): released with COMMIT or ROLLBACK.
    exclusive: bool,
}

/// The `pg_advisory_lock` key of exclusive write transactions ([`Store::begin_exclusive`]):
/// the migration lock's key + 1.
macro_rules! exclusive_lock {
    () => {
        "7813573148593976687"
    };
}
const EXCLUSIVE_LOCK: &str = concat!("SELECT pg_advisory_lock(", exclusive_lock!(), ")");
const EXCLUSIVE_UNLOCK: &str = concat!("SELECT pg_advisory_unlock(", exclusive_lock!(), ")");

impl<'a> PgTxn<'a> {
    fn new(conn: ConnRef<'a>, mode: Mode) -> Self {
        let begin = match mode {
            Mode::Write => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            Mode::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        Self { conn, begin: Some(begin), open: true, savepoints: Vec::new(), nonce: None, exclusive: false }
    }

    fn conn(&mut self) -> &mut Conn {
        match &mut self.conn {
            ConnRef::Pooled(c) => c,
            ConnRef::Owned(c) => c,
        }
    }

    /// The connection's parts for one request, and the `BEGIN` that must go out in front of
    /// it if it has not yet.
    fn parts(&mut self) -> Parts<'_> {
        let begin = self.begin.take();
        let lock = self.exclusive && begin.is_some();
        let conn: &mut Conn = match &mut self.conn {
            ConnRef::Pooled(c) => c,
            ConnRef::Owned(c) => c,
        };
        let Conn { rt, client, driver, stmts, .. } = conn;
        Parts { rt, driver, client, stmts, begin, lock }
    }

    fn simple(&mut self, sql: &str) -> Result<(), StoreError> {
        let p = self.parts();
        let c = p.client;
        p.run(c.batch_execute(sql))
    }

    fn query_opt_sql(&mut self, sql: &str) -> Result<Option<Row>, StoreError> {
        let p = self.parts();
        let c = p.client;
        p.run(c.query_opt(sql, &[]))
    }

    /// Sends the savepoints a write is about to need.
    fn before_write(&mut self) -> Result<(), StoreError> {
        // Savepoints are opened outermost first, so the unsent ones are a suffix.
        while let Some(depth) = self.savepoints.iter().position(|sent| !sent) {
            self.simple(&format!("SAVEPOINT sp{}", depth + 1))?;
            if let Some(sent) = self.savepoints.get_mut(depth) {
                *sent = true;
            }
        }
        Ok(())
    }
}

impl Txn for PgTxn<'_> {
    fn get(&mut self, table: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let p = self.parts();
        let (c, s) = (p.client, p.stmts);
        Ok(p.run(c.query_opt(&s.get, &[&table, &key]))?.map(|r| r.get(0)))
    }

    fn put(&mut self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.before_write()?;
        let p = self.parts();
        let (c, s) = (p.client, p.stmts);
        p.run(c.execute(&s.put, &[&table, &key, &value]))?;
        Ok(())
    }

    fn delete(&mut self, table: &str, key: &str) -> Result<bool, StoreError> {
        self.before_write()?;
        let p = self.parts();
        let (c, s) = (p.client, p.stmts);
        Ok(p.run(c.execute(&s.delete, &[&table, &key]))? > 0)
    }

    fn scan(&mut self, table: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let (lower, inclusive) = match after {
            Some(a) if a >= prefix => (a, false),
            _ => (prefix, true),
        };
        let upper = prefix_end(prefix);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let p = self.parts();
        let (c, s) = (p.client, p.stmts);
        let [exclusive_open, exclusive_bounded, inclusive_open, inclusive_bounded] = &s.scan;
        let rows = match (&upper, inclusive) {
            (Some(u), false) => p.run(c.query(exclusive_bounded, &[&table, &lower, &limit, u]))?,
            (Some(u), true) => p.run(c.query(inclusive_bounded, &[&table, &lower, &limit, u]))?,
            (None, false) => p.run(c.query(exclusive_open, &[&table, &lower, &limit]))?,
            (None, true) => p.run(c.query(inclusive_open, &[&table, &lower, &limit]))?,
        };
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn claim_nonce(&mut self, fingerprint: &[u8; 16], expires_ms: i64, now_ms: i64) -> Result<(), StoreError> {
        // Checked at commit, in the same write as COMMIT (the trait's contract).
        self.nonce = Some((*fingerprint, expires_ms, now_ms));
        Ok(())
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
        if self.exclusive && self.begin.is_some() {
            // Nothing was sent, not even the lock.
            self.exclusive = false;
        }
        let result = self.finish("COMMIT");
        if self.exclusive && matches!(&result, Err(e) if !matches!(e, StoreError::NonceUsed)) {
            // Whether the unlock ran is unknown: the connection goes, and the lock with it.
            self.conn().broken = true;
        }
        self.exclusive = false;
        result
    }
}

impl PgTxn<'_> {
    /// Sends the claimed nonce (if any), `end` (COMMIT or ROLLBACK) and, for an exclusive
    /// transaction, the unlock, in one write.
    fn finish(&mut self, end: &str) -> Result<(), StoreError> {
        let unlock = self.exclusive;
        let Some((fp, expires_ms, now_ms)) = self.nonce.take() else {
            if self.begin.is_some() {
                // Nothing was sent: there is nothing to commit.
                return Ok(());
            }
            let p = self.parts();
            let c = p.client;
            return p.run_then_unlock(c.batch_execute(end), unlock);
        };
        self.before_write()?;
        let fp = &fp[..];
        let p = self.parts();
        let (c, s) = (p.client, p.stmts);
        match p.run_then_unlock(pipelined(c.query_one(&s.claim_nonce, &[&fp, &expires_ms, &now_ms]), c.batch_execute(end)), unlock) {
            Err(StoreError::Engine(e)) if e.starts_with("22012") => Err(StoreError::NonceUsed),
            other => other,
        }
    }
}

impl Drop for PgTxn<'_> {
    fn drop(&mut self) {
        if self.open && self.begin.is_none() {
            self.nonce = None;
            if let Err(e) = self.finish("ROLLBACK") {
                tracing::warn!(error = %e, "rollback failed; the connection is dropped");
                self.conn().broken = true;
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
