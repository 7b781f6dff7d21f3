//! The one test suite every engine passes (STYLE: "one store trait, one conformance suite").
//! Engines call [`run_all`], [`run_concurrent`] and the rest from their own tests; a failure
//! panics with the broken rule. The PostgreSQL engine's tests, and every other test that wants a
//! real database, get a database of their own from [`TempDatabase`] (dropped afterwards) on the
//! server named by `LOCALYUN_TEST_POSTGRES`.
#![allow(clippy::unwrap_used)]

use crate::{transact_store as transact, Migration, Mode, Store, StoreError, Txn};
use std::sync::{Arc, Barrier};

/// The format steps the engines' own tests open stores with: one that leaves a mark.
pub const MIGRATIONS: &[Migration] = &[Migration { to: 1, name: "conformance", apply: |t| t.put("migrated", "1", b"") }];

fn put(store: &dyn Store, table: &str, key: &str, value: &str) {
    transact(store, Mode::Write, |t| t.put(table, key, value.as_bytes())).unwrap();
}

fn get(store: &dyn Store, table: &str, key: &str) -> Option<String> {
    transact(store, Mode::Read, |t| t.get(table, key)).unwrap().map(|v| String::from_utf8(v).unwrap())
}

/// A database of its own on the test PostgreSQL server (`LOCALYUN_TEST_POSTGRES`, a URL of a
/// database to connect to for `CREATE DATABASE`), dropped with the value.
pub struct TempDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TempDatabase {
    /// `None` when no test server is configured.
    pub fn create() -> Option<Self> {
        let admin = std::env::var("LOCALYUN_TEST_POSTGRES").ok().filter(|v| !v.is_empty())?;
        let name = format!("localyun_test_{}_{:08x}", std::process::id(), rand::random::<u32>());
        admin_sql(&admin, &format!("CREATE DATABASE {name}")).expect("cannot reach LOCALYUN_TEST_POSTGRES");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
        let url = format!("{base}/{name}");
        Some(Self { admin, name, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Runs one statement on the admin database, on a runtime of its own.
fn admin_sql(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        let driver = tokio::spawn(connection);
        let out = client.batch_execute(sql).await;
        drop(client);
        let _ = driver.await;
        out
    })
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let _ = admin_sql(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn keys(rows: Vec<(String, Vec<u8>)>) -> Vec<String> {
    rows.into_iter().map(|(k, _)| k).collect()
}

/// Runs every rule against a fresh store.
pub fn run_all(store: &dyn Store) {
    put_get_delete(store);
    tables_are_separate(store);
    scan_is_ordered_prefixed_and_resumable(store);
    failed_transaction_changes_nothing(store);
    dropped_transaction_rolls_back(store);
    reads_see_committed_writes_only(store);
    savepoints_undo_only_their_part(store);
    savepoints_nest(store);
    released_savepoints_belong_to_the_enclosing_one(store);
    scans_are_in_byte_order_for_any_character(store);
    nonces_are_first_used_once_until_they_expire(store);
    migrated_at_open(store);
}

fn migrated_at_open(store: &dyn Store) {
    assert_eq!(store.format_version(), 1);
    assert_eq!(get(store, "migrated", "1").as_deref(), Some(""));
}

fn savepoints_nest(store: &dyn Store) {
    let mut t = store.begin(Mode::Write).unwrap();
    t.savepoint().unwrap();
    t.put("nest", "outer", b"1").unwrap();
    t.savepoint().unwrap();
    t.put("nest", "inner", b"2").unwrap();
    t.rollback_to_savepoint().unwrap();
    t.release_savepoint().unwrap();
    t.commit().unwrap();
    assert_eq!(get(store, "nest", "outer").as_deref(), Some("1"), "the outer savepoint keeps its writes");
    assert_eq!(get(store, "nest", "inner"), None, "the inner one undid its own");
}

/// A released inner savepoint's writes are undone with its enclosing one; a savepoint with no
/// write after it undoes nothing when rolled back; a later savepoint at the same depth is its own.
fn released_savepoints_belong_to_the_enclosing_one(store: &dyn Store) {
    let mut t = store.begin(Mode::Write).unwrap();
    t.put("rel", "before", b"1").unwrap();
    t.savepoint().unwrap();
    t.rollback_to_savepoint().unwrap();
    t.savepoint().unwrap();
    t.put("rel", "outer", b"1").unwrap();
    t.savepoint().unwrap();
    t.put("rel", "inner", b"1").unwrap();
    t.release_savepoint().unwrap();
    t.rollback_to_savepoint().unwrap();
    t.savepoint().unwrap();
    t.put("rel", "second", b"1").unwrap();
    t.savepoint().unwrap();
    t.put("rel", "second-inner", b"1").unwrap();
    t.rollback_to_savepoint().unwrap();
    t.release_savepoint().unwrap();
    t.commit().unwrap();
    assert_eq!(get(store, "rel", "before").as_deref(), Some("1"), "an empty savepoint undoes nothing");
    assert_eq!(get(store, "rel", "outer"), None);
    assert_eq!(get(store, "rel", "inner"), None, "released into the outer savepoint, undone with it");
    assert_eq!(get(store, "rel", "second").as_deref(), Some("1"));
    assert_eq!(get(store, "rel", "second-inner"), None);
}

/// Keys compare by their UTF-8 bytes (code-point order) and a prefix scan returns exactly the
/// keys with the prefix, whatever characters they hold: U+D7FF is followed by U+E000.
fn scans_are_in_byte_order_for_any_character(store: &dyn Store) {
    let inserted = ["a\u{D7FF}", "a\u{D7FF}z", "a\u{E000}", "a\u{FFFF}", "a\u{10000}", "a\u{10FFFF}", "aZ", "a\u{7F}", "a\u{80}", "b"];
    for k in inserted {
        put(store, "utf8", k, "");
    }
    let mut expected: Vec<String> = inserted.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(keys(transact(store, Mode::Read, |t| t.scan("utf8", "", None, 100)).unwrap()), expected);
    let only = keys(transact(store, Mode::Read, |t| t.scan("utf8", "a\u{D7FF}", None, 100)).unwrap());
    assert_eq!(only, vec!["a\u{D7FF}", "a\u{D7FF}z"]);
    let top = keys(transact(store, Mode::Read, |t| t.scan("utf8", "a\u{10FFFF}", None, 100)).unwrap());
    assert_eq!(top, vec!["a\u{10FFFF}"]);
    let after = keys(transact(store, Mode::Read, |t| t.scan("utf8", "a", Some("a\u{E000}"), 2)).unwrap());
    assert_eq!(after, vec!["a\u{FFFF}", "a\u{10000}"]);
}

/// Claims a nonce in a transaction of its own: `true` when accepted, `false` when refused.
fn claim(store: &dyn Store, fp: [u8; 16], expires_ms: i64, now_ms: i64) -> bool {
    match transact(store, Mode::Write, |t| t.claim_nonce(&fp, expires_ms, now_ms)) {
        Ok(()) => true,
        Err(StoreError::NonceUsed) => false,
        Err(e) => panic!("claiming a nonce failed: {e}"),
    }
}

fn nonces_are_first_used_once_until_they_expire(store: &dyn Store) {
    let fp = [7u8; 16];
    assert!(claim(store, fp, 1_000, 0));
    assert!(!claim(store, fp, 2_000, 999), "live: refused");
    assert!(claim(store, [8u8; 16], 1_000, 999), "another nonce");
    assert!(claim(store, fp, 3_000, 1_000), "expired: accepted again");
    // A rolled-back transaction leaves no nonce behind.
    {
        let mut t = store.begin(Mode::Write).unwrap();
        t.claim_nonce(&[9u8; 16], 5_000, 0).unwrap();
    }
    assert!(claim(store, [9u8; 16], 5_000, 0));
    // A transaction whose nonce is refused changes nothing, whenever the engine says so.
    let refused = transact(store, Mode::Write, |t| {
        t.put("nonce-tx", "k", b"v")?;
        t.claim_nonce(&fp, 9_000, 2_000)
    });
    assert!(matches!(refused, Err(StoreError::NonceUsed)), "{refused:?}");
    assert_eq!(get(store, "nonce-tx", "k"), None, "the refused transaction's write is undone");
    // Purging drops expired entries only.
    assert!(store.purge_nonces(2_000, 100).unwrap() >= 1, "the [8; 16] entry expired at 1000");
    assert!(!claim(store, fp, 4_000, 2_000), "live entries survive a purge");
    assert!(!claim(store, [9u8; 16], 6_000, 2_000));
}

fn savepoints_undo_only_their_part(store: &dyn Store) {
    let mut t = store.begin(Mode::Write).unwrap();
    t.savepoint().unwrap();
    t.put("sp", "kept", b"1").unwrap();
    t.release_savepoint().unwrap();
    t.savepoint().unwrap();
    t.put("sp", "undone", b"2").unwrap();
    t.put("sp", "kept", b"overwritten").unwrap();
    t.rollback_to_savepoint().unwrap();
    t.savepoint().unwrap();
    t.put("sp", "later", b"3").unwrap();
    t.release_savepoint().unwrap();
    t.commit().unwrap();
    assert_eq!(get(store, "sp", "kept").as_deref(), Some("1"));
    assert_eq!(get(store, "sp", "undone"), None);
    assert_eq!(get(store, "sp", "later").as_deref(), Some("3"));
}

fn put_get_delete(store: &dyn Store) {
    assert_eq!(get(store, "t1", "a"), None);
    put(store, "t1", "a", "1");
    assert_eq!(get(store, "t1", "a").as_deref(), Some("1"));
    put(store, "t1", "a", "2");
    assert_eq!(get(store, "t1", "a").as_deref(), Some("2"), "put overwrites");
    assert!(transact(store, Mode::Write, |t| t.delete("t1", "a")).unwrap());
    assert!(!transact(store, Mode::Write, |t| t.delete("t1", "a")).unwrap(), "second delete reports absence");
    assert_eq!(get(store, "t1", "a"), None);
}

fn tables_are_separate(store: &dyn Store) {
    put(store, "t2", "k", "x");
    assert_eq!(get(store, "t3", "k"), None);
}

fn scan_is_ordered_prefixed_and_resumable(store: &dyn Store) {
    for k in ["p/b", "p/a", "p/c", "p0", "o/z", "p/é"] {
        put(store, "scan", k, k);
    }
    let all = transact(store, Mode::Read, |t| t.scan("scan", "p/", None, 100)).unwrap();
    assert_eq!(keys(all), vec!["p/a", "p/b", "p/c", "p/é"]);
    let after = transact(store, Mode::Read, |t| t.scan("scan", "p/", Some("p/a"), 2)).unwrap();
    assert_eq!(keys(after), vec!["p/b", "p/c"]);
    let before_prefix = transact(store, Mode::Read, |t| t.scan("scan", "p/", Some("a"), 1)).unwrap();
    assert_eq!(keys(before_prefix), vec!["p/a"]);
    let everything = transact(store, Mode::Read, |t| t.scan("scan", "", None, 100)).unwrap();
    assert_eq!(everything.len(), 6);
}

fn failed_transaction_changes_nothing(store: &dyn Store) {
    put(store, "atomic", "a", "before");
    let r: Result<(), StoreError> = transact(store, Mode::Write, |t: &mut dyn Txn| {
        t.put("atomic", "a", b"after")?;
        t.put("atomic", "b", b"new")?;
        Err(StoreError::Engine("handler failed".into()))
    });
    assert!(r.is_err());
    assert_eq!(get(store, "atomic", "a").as_deref(), Some("before"));
    assert_eq!(get(store, "atomic", "b"), None);
}

fn dropped_transaction_rolls_back(store: &dyn Store) {
    {
        let mut t = store.begin(Mode::Write).unwrap();
        t.put("drop", "k", b"v").unwrap();
    }
    assert_eq!(get(store, "drop", "k"), None);
}

fn reads_see_committed_writes_only(store: &dyn Store) {
    let mut w = store.begin(Mode::Write).unwrap();
    w.put("vis", "k", b"v").unwrap();
    w.commit().unwrap();
    assert_eq!(get(store, "vis", "k").as_deref(), Some("v"));
}

/// Rules that need several writers: `open` gives another handle on the same data (another
/// process, as far as the engine can tell). Each rule races threads through a barrier, each
/// on a handle of its own, and checks the invariant a single writer would have kept.
pub fn run_concurrent(open: &(dyn Fn() -> Box<dyn Store> + Sync)) {
    let handles: Vec<Arc<dyn Store>> = (0..4).map(|_| Arc::from(open())).collect();
    racing_claims_leave_one_owner(&handles);
    concurrent_increments_are_not_lost(&handles);
    a_quota_checked_by_counting_holds(&handles);
    no_dirty_reads(&handles);
    exclusive_writers_never_conflict(&handles);
}

/// Exclusive write transactions, from several handles at once, run one after another and each
/// sees the one before: a read-modify-write of one counter never conflicts, first try.
fn exclusive_writers_never_conflict(handles: &[Arc<dyn Store>]) {
    const EACH: usize = 10;
    race(handles, |_, s| {
        for _ in 0..EACH {
            let mut t = s.begin_exclusive().unwrap();
            let n: usize = t.get("exclusive", "n").unwrap().map_or(0, |v| String::from_utf8_lossy(&v).parse().unwrap());
            std::thread::sleep(std::time::Duration::from_millis(1));
            t.put("exclusive", "n", (n + 1).to_string().as_bytes()).unwrap();
            t.commit().expect("an exclusive transaction commits first try");
        }
    });
    assert_eq!(get(handles[0].as_ref(), "exclusive", "n"), Some((EACH * handles.len()).to_string()));
    // The lock is released by commits and rollbacks alike: a later exclusive one still runs.
    drop(handles[1].begin_exclusive().unwrap());
    {
        let mut t = handles[2].begin_exclusive().unwrap();
        t.put("exclusive", "rolled", b"back").unwrap();
    }
    let mut t = handles[3].begin_exclusive().unwrap();
    assert_eq!(t.get("exclusive", "rolled").unwrap(), None);
    t.commit().unwrap();
}

/// Runs `f(i, store)` on one thread per handle, all released at once; returns their results.
fn race<T: Send + 'static>(handles: &[Arc<dyn Store>], f: impl Fn(usize, &dyn Store) -> T + Send + Sync + 'static) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(handles.len()));
    let threads: Vec<_> = handles
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (s, f, barrier) = (s.clone(), f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(i, s.as_ref())
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// "Create if the name is free" from several writers at once: exactly one wins.
fn racing_claims_leave_one_owner(handles: &[Arc<dyn Store>]) {
    for round in 0..10 {
        let name = format!("name{round}");
        let won = race(handles, move |i, s| {
            transact(s, Mode::Write, |t| {
                if t.get("claims", &name)?.is_some() {
                    return Ok(false);
                }
                t.put("claims", &name, i.to_string().as_bytes())?;
                t.put("claim_log", &format!("{name}/{i}"), b"")?;
                Ok(true)
            })
            .unwrap()
        });
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "round {round}: exactly one claim succeeds");
        let log = transact(handles[0].as_ref(), Mode::Read, |t| t.scan("claim_log", &format!("name{round}/"), None, 10)).unwrap();
        assert_eq!(log.len(), 1, "round {round}: one winner wrote");
    }
}

/// Read-modify-write of one counter from several writers: no increment is lost.
fn concurrent_increments_are_not_lost(handles: &[Arc<dyn Store>]) {
    const EACH: usize = 25;
    race(handles, |_, s| {
        for _ in 0..EACH {
            transact(s, Mode::Write, |t| {
                let n: usize = t.get("counter", "c")?.map_or(0, |v| String::from_utf8_lossy(&v).parse().unwrap());
                t.put("counter", "c", (n + 1).to_string().as_bytes())
            })
            .unwrap();
        }
    });
    assert_eq!(get(handles[0].as_ref(), "counter", "c"), Some((EACH * handles.len()).to_string()));
}

/// Each writer adds a different key after counting the existing ones against a limit (write
/// skew: no two writers touch the same key, so only serializability keeps the limit).
fn a_quota_checked_by_counting_holds(handles: &[Arc<dyn Store>]) {
    const LIMIT: usize = 5;
    race(handles, |i, s| {
        for j in 0..4 {
            transact(s, Mode::Write, |t| {
                if t.scan("quota", "q/", None, LIMIT + 1)?.len() < LIMIT {
                    t.put("quota", &format!("q/{i}-{j}"), b"")?;
                }
                Ok(())
            })
            .unwrap();
        }
    });
    let n = transact(handles[0].as_ref(), Mode::Read, |t| t.scan("quota", "q/", None, 100)).unwrap().len();
    assert_eq!(n, LIMIT, "the limit is reached and never exceeded");
}

/// A reader on another handle never sees a write before its commit, nor after its rollback.
fn no_dirty_reads(handles: &[Arc<dyn Store>]) {
    put(handles[0].as_ref(), "dirty", "k", "committed");
    let mut w = handles[0].begin(Mode::Write).unwrap();
    w.put("dirty", "k", b"uncommitted").unwrap();
    w.put("dirty", "new", b"uncommitted").unwrap();
    assert_eq!(get(handles[1].as_ref(), "dirty", "k").as_deref(), Some("committed"));
    assert_eq!(get(handles[1].as_ref(), "dirty", "new"), None);
    drop(w);
    assert_eq!(get(handles[1].as_ref(), "dirty", "k").as_deref(), Some("committed"));
}

/// A store opened with more steps applies only the new ones, in order, once, even when
/// several handles open it at the same moment; a store newer than the steps is refused.
pub fn migrations_apply_once_in_order(open: &(dyn Fn(&'static [Migration]) -> Result<Box<dyn Store>, StoreError> + Sync)) {
    const V1: &[Migration] = &[Migration { to: 1, name: "one", apply: |t| t.put("steps", "1", b"") }];
    const V3: &[Migration] = &[
        Migration { to: 1, name: "one", apply: |t| t.put("steps", "1", b"again") },
        Migration { to: 2, name: "two", apply: |t| bump(t, "2") },
        Migration { to: 3, name: "three", apply: |t| bump(t, "3") },
    ];
    fn bump(t: &mut dyn Txn, step: &str) -> Result<(), StoreError> {
        let n: u32 = t.get("steps", step)?.map_or(0, |v| String::from_utf8_lossy(&v).parse().unwrap());
        t.put("steps", step, (n + 1).to_string().as_bytes())
    }
    let first = open(V1).unwrap();
    assert_eq!(first.format_version(), 1);
    let opened: Vec<u32> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..3).map(|_| scope.spawn(|| open(V3).unwrap().format_version())).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(opened, vec![3, 3, 3]);
    let s = open(V3).unwrap();
    assert_eq!(get(s.as_ref(), "steps", "1").as_deref(), Some(""), "step 1 is not applied again");
    assert_eq!(get(s.as_ref(), "steps", "2").as_deref(), Some("1"), "step 2 ran once");
    assert_eq!(get(s.as_ref(), "steps", "3").as_deref(), Some("1"), "step 3 ran once");
    match open(V1) {
        Err(StoreError::UnsupportedFormat { found: 3, supported: 1 }) => {}
        Err(e) => panic!("expected UnsupportedFormat, got {e}"),
        Ok(_) => panic!("an older build must refuse a newer format"),
    }
}

/// Data committed through one handle is there after reopening the same location.
pub fn persists_across_reopen(open: impl Fn() -> Box<dyn Store>) {
    {
        let s = open();
        put(s.as_ref(), "durable", "k", "v");
    }
    let s = open();
    assert_eq!(get(s.as_ref(), "durable", "k").as_deref(), Some("v"));
}
