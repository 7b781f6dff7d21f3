//! Where the store work of requests runs, on threads of its own fed by channels: no request
//! holds a lock or a connection across an await, no thread is spawned per request. The engine
//! says how writes run ([`Concurrency`]):
//!
//! - Group commit (SQLite, one writer): the writer thread takes every write job waiting, runs
//!   them in one transaction, each inside its own savepoint (a failing request undoes only its
//!   own writes: "a request that fails changes nothing"), commits once, and only then answers
//!   them ("nothing acknowledged is lost"). Reads run on a few reader threads.
//! - Per request (PostgreSQL, many writers in many processes): a pool of workers, each running
//!   one job in one serializable transaction.
//!
//! Either way a job that meets a conflict (the database aborted its transaction, or the batch's
//! commit failed on contention) is run again from the start in a new transaction, a bounded
//! number of times; the other jobs of its batch are not failed for it. Jobs are therefore
//! `FnMut`: they may run more than once, and only the last run's answer is delivered.
//!
//! Caches (credentials, applied policies) must be filled only from committed state: code on a
//! job's path hands its cache fills to [`after_commit`], and they run once the job's
//! transaction has committed, or never.

use crate::failure::Failure;
use localyun_store::{backoff, Concurrency, Mode, Store, StoreError, Txn, MAX_ATTEMPTS};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Jobs taken into one transaction at most.
const MAX_BATCH: usize = 256;
const READERS: usize = 2;
/// How often expired nonces are purged, and how many at a time.
const PURGE_EVERY: Duration = Duration::from_secs(10);
const PURGE_CHUNK: usize = 10_000;
const STS_PURGE_CHUNK: usize = 1_000;

type Deferred = Box<dyn FnOnce() + Send>;

thread_local! {
    /// The cache fills of the job running on this thread; `None` outside jobs.
    static DEFERRED: RefCell<Option<Vec<Deferred>>> = const { RefCell::new(None) };
}

/// Deletes expired nonces, a chunk per transaction, until none is left.
fn purge_nonces(store: &dyn Store) {
    loop {
        match store.purge_nonces(crate::identity::now_ms(), PURGE_CHUNK) {
            Ok(n) if n == PURGE_CHUNK => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "purging expired nonces failed");
                break;
            }
        }
    }
}

/// Deletes the expired STS credentials of one chunk of the table and returns where the next
/// round goes on, so a large table is walked over several rounds without a long transaction.
fn purge_sts(store: &dyn Store, after: Option<String>) -> Option<String> {
    let now = crate::identity::now_ms();
    match crate::failure::transact(store, Mode::Write, |txn| {
        crate::identity::sts::purge_expired(txn, after.as_deref(), STS_PURGE_CHUNK, now)
    }) {
        Ok((_, next)) => next,
        Err(e) => {
            tracing::warn!(error = %e, "purging expired STS credentials failed");
            after
        }
    }
}

/// One round of a chunked purge (`job` deletes what is past due in one chunk of a table and
/// says where the next chunk starts), in a transaction of its own.
fn purge_round(
    store: &dyn Store,
    what: &str,
    after: Option<String>,
    job: impl Fn(&mut dyn Txn, Option<&str>, i64) -> Result<(usize, Option<String>), Failure>,
) -> Option<String> {
    let now = crate::identity::now_ms();
    match crate::failure::transact(store, Mode::Write, |txn| job(txn, after.as_deref(), now)) {
        Ok((_, next)) => next,
        Err(e) => {
            tracing::warn!(error = %e, what, "purging failed");
            after
        }
    }
}

/// Runs `fill` once the current job's transaction has committed (dropped if it never does);
/// outside a job (tools, tests driving a transaction directly) it runs at once.
pub fn after_commit(fill: impl FnOnce() + Send + 'static) {
    let fill: Deferred = Box::new(fill);
    let pending = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(list) => {
            list.push(fill);
            None
        }
        None => Some(fill),
    });
    if let Some(fill) = pending {
        fill();
    }
}

/// One request's store work, runnable again after a conflict.
trait Job: Send {
    fn mode(&self) -> Mode;
    /// Runs once more against `txn`; returns whether its writes stand.
    fn run(&mut self, txn: &mut dyn Txn) -> bool;
    /// Whether the last run failed on contention and may be run again.
    fn should_retry(&self) -> bool;
    /// Runs made so far.
    fn attempts(&self) -> u32;
    /// Answers the caller with the last run's result once the transaction's `outcome` is known.
    fn deliver(self: Box<Self>, outcome: Result<(), StoreError>);
}

struct Task<F, T> {
    mode: Mode,
    f: F,
    attempts: u32,
    result: Option<Result<T, Failure>>,
    deferred: Vec<Deferred>,
    tx: oneshot::Sender<Result<T, Failure>>,
}

impl<F, T> Job for Task<F, T>
where
    F: FnMut(&mut dyn Txn) -> Result<T, Failure> + Send,
    T: Send,
{
    fn mode(&self) -> Mode {
        self.mode
    }

    fn run(&mut self, txn: &mut dyn Txn) -> bool {
        self.attempts += 1;
        DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
        // A panicking handler must not take a store thread down: its writes are undone and its
        // caller gets an internal error.
        let result = catch_unwind(AssertUnwindSafe(|| (self.f)(txn))).unwrap_or_else(|_| {
            tracing::error!("a request handler panicked; its writes are undone");
            Err(Failure::Store(StoreError::Engine("a request handler panicked".into())))
        });
        self.deferred = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
        let keep = result.is_ok();
        if !keep {
            // What it read included its own writes, which are being undone.
            self.deferred.clear();
        }
        self.result = Some(result);
        keep
    }

    fn should_retry(&self) -> bool {
        self.attempts < MAX_ATTEMPTS && matches!(&self.result, Some(Err(Failure::Store(e))) if e.is_retryable())
    }

    fn attempts(&self) -> u32 {
        self.attempts
    }

    fn deliver(self: Box<Self>, outcome: Result<(), StoreError>) {
        let answer = match outcome {
            Ok(()) => {
                for fill in self.deferred {
                    fill();
                }
                self.result.unwrap_or_else(|| Err(Failure::Store(StoreError::Engine("the job never ran".into()))))
            }
            Err(e) => Err(Failure::Store(e)),
        };
        let _ = self.tx.send(answer);
    }
}

type BoxedJob = Box<dyn Job>;

pub struct Executor {
    writes: Sender<BoxedJob>,
    /// `None` when one queue serves both modes.
    reads: Option<Sender<BoxedJob>>,
}

fn batch(rx: &Receiver<BoxedJob>, first: BoxedJob) -> Vec<BoxedJob> {
    let mut jobs = vec![first];
    while jobs.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(j) => jobs.push(j),
            Err(_) => break,
        }
    }
    jobs
}

/// Runs a batch in one transaction (each write job in its own savepoint) and answers every
/// job, running again those that met contention.
fn run_batch(store: &dyn Store, mode: Mode, mut jobs: Vec<BoxedJob>) {
    let isolate = mode == Mode::Write;
    let mut attempt = 1;
    while !jobs.is_empty() {
        let outcome: Result<(), StoreError> = (|| {
            let mut txn = store.begin(mode)?;
            for job in jobs.iter_mut() {
                if isolate {
                    txn.savepoint()?;
                }
                let keep = job.run(txn.as_mut());
                if isolate {
                    if keep {
                        txn.release_savepoint()?;
                    } else {
                        txn.rollback_to_savepoint()?;
                    }
                }
            }
            if isolate {
                txn.commit()?;
            }
            Ok(())
        })();
        match outcome {
            // The batch as a whole met contention (its begin or commit): all of it runs again.
            Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {}
            Err(e) => {
                for job in jobs {
                    job.deliver(Err(e.clone()));
                }
                return;
            }
            Ok(()) => {
                let (again, done): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| j.should_retry());
                for job in done {
                    job.deliver(Ok(()));
                }
                jobs = again;
            }
        }
        if !jobs.is_empty() {
            std::thread::sleep(backoff(attempt));
            attempt += 1;
        }
    }
}

/// Writers that collide on one record (a hot user or project) abort each other under
/// serializable isolation, and the retries of the workers collide again. So once a write of this
/// process met a conflict, this process runs its writes one at a time for a short while (and
/// every retry always), each in an exclusive transaction ([`Store::begin_exclusive`]: on
/// PostgreSQL an advisory lock that every process's exclusive writers share): contended writers
/// stop aborting each other, in this process and across processes, and a hot record is written
/// at the rate of one transaction after another, the best it can be.
static WRITE_LANE: Mutex<()> = Mutex::new(());
static CONTENDED_UNTIL_MS: AtomicI64 = AtomicI64::new(0);
const CONTENTION_WINDOW_MS: i64 = 200;

/// Runs one job in a transaction of its own until it succeeds, fails for good or runs out of
/// attempts, then answers it.
fn run_alone(store: &dyn Store, mut job: BoxedJob) {
    loop {
        let mode = job.mode();
        let serialize =
            mode == Mode::Write && (job.attempts() > 0 || crate::identity::now_ms() < CONTENDED_UNTIL_MS.load(Ordering::Relaxed));
        let lane = serialize.then(|| WRITE_LANE.lock().unwrap_or_else(|p| p.into_inner()));
        let outcome: Result<(), StoreError> = (|| {
            let mut txn = if serialize { store.begin_exclusive()? } else { store.begin(mode)? };
            if job.run(txn.as_mut()) && mode == Mode::Write {
                txn.commit()?;
            }
            Ok(())
        })();
        let retry = match &outcome {
            Err(e) => e.is_retryable() && job.attempts() < MAX_ATTEMPTS,
            Ok(()) => job.should_retry(),
        };
        drop(lane);
        if !retry {
            job.deliver(outcome);
            return;
        }
        CONTENDED_UNTIL_MS.store(crate::identity::now_ms() + CONTENTION_WINDOW_MS, Ordering::Relaxed);
        std::thread::sleep(backoff(job.attempts()));
    }
}

fn spawn(name: String, body: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name).spawn(body) {
        tracing::error!(error = %e, "cannot start a store thread");
    }
}

/// A queue several threads take jobs from.
fn shared(rx: Receiver<BoxedJob>) -> Arc<Mutex<Receiver<BoxedJob>>> {
    Arc::new(Mutex::new(rx))
}

fn take(rx: &Mutex<Receiver<BoxedJob>>, batched: bool) -> Option<Vec<BoxedJob>> {
    let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
    let first = guard.recv().ok()?;
    Some(if batched { batch(&guard, first) } else { vec![first] })
}

impl Executor {
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (wtx, wrx) = channel::<BoxedJob>();
        let reads = match store.concurrency() {
            Concurrency::GroupCommit => {
                let s = store.clone();
                spawn("localyun-writer".into(), move || {
                    while let Ok(first) = wrx.recv() {
                        run_batch(s.as_ref(), Mode::Write, batch(&wrx, first));
                    }
                });
                let (rtx, rrx) = channel::<BoxedJob>();
                let rrx = shared(rrx);
                for i in 0..READERS {
                    let (rx, s) = (rrx.clone(), store.clone());
                    spawn(format!("localyun-reader-{i}"), move || {
                        while let Some(jobs) = take(&rx, true) {
                            run_batch(s.as_ref(), Mode::Read, jobs);
                        }
                    });
                }
                Some(rtx)
            }
            Concurrency::PerRequest { workers } => {
                let wrx = shared(wrx);
                for i in 0..workers.max(1) {
                    let (rx, s) = (wrx.clone(), store.clone());
                    spawn(format!("localyun-worker-{i}"), move || {
                        while let Some(jobs) = take(&rx, false) {
                            for job in jobs {
                                run_alone(s.as_ref(), job);
                            }
                        }
                    });
                }
                None
            }
        };
        let purger = store.clone();
        spawn("localyun-purge".into(), move || {
            use crate::identity::{access_keys, recycle_bin, tables};
            let (mut sts_position, mut sessions, mut users, mut keys) = (None, None, None, None);
            loop {
                std::thread::sleep(PURGE_EVERY);
                purge_nonces(purger.as_ref());
                sts_position = purge_sts(purger.as_ref(), sts_position);
                // Expired session AccessKeys, and recycle-bin entries past their DeleteDate.
                let s = purger.as_ref();
                sessions = purge_round(s, "session AccessKeys", sessions, |t, a, now| {
                    access_keys::purge_expired_sessions(t, a, STS_PURGE_CHUNK, now)
                });
                users = purge_round(s, "recycled users", users, |t, a, now| {
                    recycle_bin::purge_expired(t, tables::RECYCLED_USER, a, STS_PURGE_CHUNK, now)
                });
                keys = purge_round(s, "recycled AccessKeys", keys, |t, a, now| {
                    recycle_bin::purge_expired(t, tables::RECYCLED_KEY, a, STS_PURGE_CHUNK, now)
                });
            }
        });
        Self { writes: wtx, reads }
    }

    /// Runs `f` in a transaction of `mode` and answers once its outcome is durable. An error
    /// from `f` undoes its writes. `f` runs again, from the start, when its transaction meets
    /// a conflict; only the last run's result is answered.
    pub async fn run<T: Send + 'static>(
        &self,
        mode: Mode,
        f: impl FnMut(&mut dyn Txn) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let (tx, rx) = oneshot::channel::<Result<T, Failure>>();
        let job: BoxedJob = Box::new(Task { mode, f, attempts: 0, result: None, deferred: Vec::new(), tx });
        let queue = match (mode, &self.reads) {
            (Mode::Read, Some(reads)) => reads,
            _ => &self.writes,
        };
        if queue.send(job).is_err() {
            return Err(Failure::Store(StoreError::Engine("the store workers have stopped".into())));
        }
        rx.await.unwrap_or_else(|_| Err(Failure::Store(StoreError::Engine("the request was dropped by the store worker".into()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::{self, Location, MIGRATIONS};
    use localyun_core::error::GatewayError;
    use localyun_core::ApiError;
    use localyun_store::conformance::TempDatabase;
    use std::sync::atomic::AtomicUsize;

    /// Runs `test` on every engine the tests can reach: SQLite in memory always, PostgreSQL
    /// when configured (`LOCALYUN_TEST_POSTGRES`). Stores are opened and databases dropped
    /// outside the async runtime: the PostgreSQL client blocks, as the store threads may.
    fn on_engines<F: std::future::Future<Output = ()>>(test: impl Fn(Arc<dyn Store>) -> F) {
        let db = TempDatabase::create();
        let mut stores = vec![migrations::open(Location::InMemory).unwrap()];
        if let Some(db) = &db {
            stores.push(migrations::open(Location::Postgres(db.url())).unwrap());
        }
        for store in stores {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(test(store));
        }
    }

    #[test]
    fn concurrent_writes_commit_and_failures_roll_back_alone() {
        on_engines(|store| async move {
            let ex = Arc::new(Executor::start(store.clone()));
            let mut handles = Vec::new();
            for i in 0..200 {
                let ex = ex.clone();
                handles.push(tokio::spawn(async move {
                    ex.run(Mode::Write, move |txn| {
                        txn.put("t", &format!("k{i}"), b"v")?;
                        if i % 3 == 0 {
                            return Err(Failure::Api(ApiError::from(GatewayError::Internal)));
                        }
                        Ok(i)
                    })
                    .await
                }));
            }
            let mut ok = 0;
            for h in handles {
                if h.await.unwrap().is_ok() {
                    ok += 1;
                }
            }
            let n = ex.run(Mode::Read, |txn| Ok(txn.scan("t", "", None, 1000)?.len())).await.unwrap();
            assert_eq!(n, ok, "{}", store.engine());
            assert_eq!(ok, 200 - 67);
        });
    }

    #[test]
    fn conflicting_read_modify_writes_are_retried_and_none_is_lost() {
        on_engines(|store| async move {
            let ex = Arc::new(Executor::start(store.clone()));
            let handles: Vec<_> = (0..64)
                .map(|_| {
                    let ex = ex.clone();
                    tokio::spawn(async move {
                        ex.run(Mode::Write, |txn| {
                            let n: u64 = txn.get("c", "n")?.map_or(0, |v| String::from_utf8_lossy(&v).parse().unwrap_or(0));
                            txn.put("c", "n", (n + 1).to_string().as_bytes())?;
                            Ok(())
                        })
                        .await
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap().unwrap();
            }
            let n = ex.run(Mode::Read, |txn| Ok(txn.get("c", "n")?)).await.unwrap();
            assert_eq!(n.as_deref(), Some(&b"64"[..]), "{}", store.engine());
        });
    }

    #[test]
    fn a_job_that_meets_a_conflict_runs_again_without_failing_its_batch() {
        on_engines(|store| async move {
            let ex = Arc::new(Executor::start(store.clone()));
            let runs = Arc::new(AtomicUsize::new(0));
            let r = runs.clone();
            let flaky = ex.run(Mode::Write, move |txn| {
                txn.put("f", "flaky", b"1")?;
                if r.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(Failure::Store(StoreError::Conflict("simulated".into())));
                }
                Ok("flaky")
            });
            let steady = ex.run(Mode::Write, |txn| {
                txn.put("f", "steady", b"1")?;
                Ok("steady")
            });
            let (a, b) = tokio::join!(flaky, steady);
            assert_eq!((a.unwrap(), b.unwrap()), ("flaky", "steady"));
            assert_eq!(runs.load(Ordering::SeqCst), 2, "run again once");
            let rows = ex.run(Mode::Read, |txn| Ok(txn.scan("f", "", None, 10)?.len())).await.unwrap();
            assert_eq!(rows, 2);
        });
    }

    #[test]
    fn endless_conflicts_end_in_an_error_after_the_attempts() {
        on_engines(|store| async move {
            let ex = Executor::start(store);
            let runs = Arc::new(AtomicUsize::new(0));
            let r = runs.clone();
            let out: Result<(), Failure> = ex
                .run(Mode::Write, move |_| {
                    r.fetch_add(1, Ordering::SeqCst);
                    Err(Failure::Store(StoreError::Conflict("always".into())))
                })
                .await;
            assert_eq!(out.unwrap_err().to_api().status, 503, "contention is temporary: 503, never 500");
            assert_eq!(runs.load(Ordering::SeqCst), MAX_ATTEMPTS as usize);
        });
    }

    #[test]
    fn cache_fills_run_only_after_a_commit() {
        on_engines(|store| async move {
            let ex = Executor::start(store);
            let filled = Arc::new(AtomicUsize::new(0));
            let f = filled.clone();
            let failed: Result<(), Failure> = ex
                .run(Mode::Write, move |txn| {
                    txn.put("x", "k", b"1")?;
                    let f = f.clone();
                    after_commit(move || {
                        f.fetch_add(1, Ordering::SeqCst);
                    });
                    Err(Failure::Api(ApiError::from(GatewayError::Internal)))
                })
                .await;
            assert!(failed.is_err());
            assert_eq!(filled.load(Ordering::SeqCst), 0, "a failed job's fills are dropped");
            let f = filled.clone();
            ex.run(Mode::Write, move |_| {
                let f = f.clone();
                after_commit(move || {
                    f.fetch_add(1, Ordering::SeqCst);
                });
                Ok(())
            })
            .await
            .unwrap();
            assert_eq!(filled.load(Ordering::SeqCst), 1, "a committed job's fills ran before its answer");
        });
    }

    #[test]
    fn a_panicking_job_does_not_stop_the_store_threads() {
        on_engines(|store| async move {
            let ex = Executor::start(store);
            let r: Result<(), Failure> = ex
                .run(Mode::Write, |txn| {
                    txn.put("t", "x", b"1")?;
                    panic!("handler bug")
                })
                .await;
            assert!(r.is_err());
            let after = ex.run(Mode::Write, |txn| Ok(txn.get("t", "x")?)).await.unwrap();
            assert_eq!(after, None, "the panicking job's write was undone");
        });
    }

    #[test]
    fn migrations_are_the_servers() {
        assert_eq!(MIGRATIONS.len(), crate::migrations::FORMAT_VERSION as usize);
    }
}
