//! The one test suite every engine passes (STYLE: "one store trait, one conformance suite").
//! Engines call [`run_all`] from their own tests; a failure panics with the broken rule.
#![allow(clippy::unwrap_used)]

use crate::{transact, Mode, Store, StoreError, Txn};

fn put(store: &dyn Store, table: &str, key: &str, value: &str) {
    transact(store, Mode::Write, |t| t.put(table, key, value.as_bytes())).unwrap();
}

fn get(store: &dyn Store, table: &str, key: &str) -> Option<String> {
    transact(store, Mode::Read, |t| t.get(table, key)).unwrap().map(|v| String::from_utf8(v).unwrap())
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

/// Data committed through one handle is there after reopening the same location.
pub fn persists_across_reopen(open: impl Fn() -> Box<dyn Store>) {
    {
        let s = open();
        put(s.as_ref(), "durable", "k", "v");
    }
    let s = open();
    assert_eq!(get(s.as_ref(), "durable", "k").as_deref(), Some("v"));
}
