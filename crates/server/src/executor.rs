//! Where the store work of requests runs: one writer thread that commits writes in groups,
//! and a few reader threads, fed by channels. No request holds a lock or a connection across an
//! await, no thread is spawned per request, and concurrent writers do not queue on a mutex.
//!
//! Group commit: the writer takes every write job waiting, runs them in one transaction, each
//! inside its own savepoint (a failing request undoes only its own writes: "a request that fails
//! changes nothing"), commits once, and only then answers them ("nothing acknowledged is lost").

use crate::failure::Failure;
use localyun_store::{Mode, Store, StoreError, Txn};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// A job runs once with a transaction; it says whether its writes stand and returns what to
/// do once the transaction's fate is known.
type Deliver = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
type Job = Box<dyn FnOnce(&mut dyn Txn) -> (bool, Deliver) + Send>;

/// Jobs taken into one transaction at most.
const MAX_BATCH: usize = 256;
const READERS: usize = 2;

pub struct Executor {
    writes: Sender<Job>,
    reads: Sender<Job>,
}

fn batch(rx: &Receiver<Job>, first: Job) -> Vec<Job> {
    let mut jobs = vec![first];
    while jobs.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(j) => jobs.push(j),
            Err(_) => break,
        }
    }
    jobs
}

/// Runs a batch in one transaction; `isolate` gives each job its own savepoint.
fn run_batch(store: &dyn Store, mode: Mode, jobs: Vec<Job>) {
    let mut txn = match store.begin(mode) {
        Ok(t) => t,
        Err(e) => {
            // Every job learns the store failed; dropping a job drops its answer channel.
            tracing::error!(error = %e, "cannot begin a store transaction");
            drop(jobs);
            return;
        }
    };
    let isolate = mode == Mode::Write;
    let mut delivers: Vec<Deliver> = Vec::with_capacity(jobs.len());
    for job in jobs {
        if isolate && txn.savepoint().is_err() {
            continue;
        }
        // A panicking handler must not take the writer down: its savepoint is undone and its
        // caller, whose answer channel was dropped, gets an internal error.
        match catch_unwind(AssertUnwindSafe(|| job(txn.as_mut()))) {
            Ok((keep, deliver)) => {
                if isolate {
                    let done = if keep { txn.release_savepoint() } else { txn.rollback_to_savepoint() };
                    if let Err(e) = done {
                        deliver(Err(e));
                        continue;
                    }
                }
                delivers.push(deliver);
            }
            Err(_) => {
                tracing::error!("a request handler panicked; its writes are undone");
                if isolate {
                    let _ = txn.rollback_to_savepoint();
                }
            }
        }
    }
    let outcome = if isolate { txn.commit() } else { Ok(()) };
    for d in delivers {
        d(outcome.clone());
    }
}

impl Executor {
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (wtx, wrx) = channel::<Job>();
        let writer_store = store.clone();
        std::thread::Builder::new()
            .name("localyun-writer".into())
            .spawn(move || {
                while let Ok(first) = wrx.recv() {
                    run_batch(writer_store.as_ref(), Mode::Write, batch(&wrx, first));
                }
            })
            .ok();
        let (rtx, rrx) = channel::<Job>();
        let rrx = Arc::new(Mutex::new(rrx));
        for i in 0..READERS {
            let (rx, store) = (rrx.clone(), store.clone());
            std::thread::Builder::new()
                .name(format!("localyun-reader-{i}"))
                .spawn(move || loop {
                    let jobs = {
                        let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
                        match guard.recv() {
                            Ok(first) => batch(&guard, first),
                            Err(_) => return,
                        }
                    };
                    run_batch(store.as_ref(), Mode::Read, jobs);
                })
                .ok();
        }
        Self { writes: wtx, reads: rtx }
    }

    /// Runs `f` in a transaction of `mode` and answers once its outcome is durable. An error
    /// from `f` undoes its writes.
    pub async fn run<T: Send + 'static>(
        &self,
        mode: Mode,
        f: impl FnOnce(&mut dyn Txn) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let (tx, rx) = oneshot::channel::<Result<T, Failure>>();
        let job: Job = Box::new(move |txn| {
            let result = f(txn);
            let keep = result.is_ok();
            let deliver: Deliver = Box::new(move |outcome| {
                let _ = tx.send(match outcome {
                    Ok(()) => result,
                    Err(e) => Err(Failure::Store(e)),
                });
            });
            (keep, deliver)
        });
        let queue = if mode == Mode::Write { &self.writes } else { &self.reads };
        if queue.send(job).is_err() {
            return Err(Failure::Store(StoreError::Engine("the store workers have stopped".into())));
        }
        rx.await.unwrap_or_else(|_| Err(Failure::Store(StoreError::Engine("the request was dropped by the store worker".into()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use localyun_core::ApiError;
    use localyun_store::SqliteStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_commit_and_failures_roll_back_alone() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        let ex = Arc::new(Executor::start(store.clone()));
        let mut handles = Vec::new();
        for i in 0..200 {
            let ex = ex.clone();
            handles.push(tokio::spawn(async move {
                ex.run(Mode::Write, move |txn| {
                    txn.put("t", &format!("k{i}"), b"v")?;
                    if i % 3 == 0 {
                        return Err(Failure::Api(ApiError::internal()));
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
        assert_eq!(n, ok);
        assert_eq!(ok, 200 - 67);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_writer() {
        let ex = Executor::start(Arc::new(SqliteStore::in_memory().unwrap()));
        let r: Result<(), Failure> = ex
            .run(Mode::Write, |txn| {
                txn.put("t", "x", b"1")?;
                panic!("handler bug")
            })
            .await;
        assert!(r.is_err());
        let after = ex.run(Mode::Write, |txn| Ok(txn.get("t", "x")?)).await.unwrap();
        assert_eq!(after, None, "the panicking job's write was undone");
    }
}
