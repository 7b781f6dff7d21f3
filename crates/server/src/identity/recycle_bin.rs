//! The user recycle bin (IMS ListUsersInRecycleBin, GetUserInRecycleBin, RestoreUserFromRecycleBin,
//! DeleteUserInRecycleBin and the AccessKey counterparts): a deleted RAM user, and a deleted
//! AccessKey of a RAM user, is kept for [`RETENTION_MS`] and can be restored until then, with its
//! ID, creation date and (for a key) its secret. The API reference's examples keep entries one
//! month (RecycleDate 2020-10-12, DeleteDate 2020-11-12); an entry past its DeleteDate is gone.
//! Kept entries hold no name or key index: a deleted user's name may be reused at once, and a
//! kept key never authenticates. This module keeps entries of any kind; users.rs and
//! access_keys.rs say what they keep and how it comes back.

use super::now_ms;
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_store::Txn;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// 30 days.
pub const RETENTION_MS: i64 = 30 * 86_400_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recycled<T> {
    pub item: T,
    pub recycled_ms: i64,
    pub delete_ms: i64,
}

/// Keeps `item`, deleted now, at `key` of `table`.
pub fn keep<T: Serialize>(txn: &mut dyn Txn, table: &'static str, key: &str, item: &T) -> Result<()> {
    let now = now_ms();
    save(txn, table, key, &Recycled { item, recycled_ms: now, delete_ms: now + RETENTION_MS })
}

/// The entry at `key`, unless it is past its DeleteDate.
pub fn get<T: DeserializeOwned>(txn: &mut dyn Txn, table: &'static str, key: &str) -> Result<Option<Recycled<T>>> {
    let now = now_ms();
    Ok(load::<Recycled<T>>(txn, table, key)?.filter(|r| r.delete_ms > now))
}

pub fn remove(txn: &mut dyn Txn, table: &'static str, key: &str) -> Result<()> {
    txn.delete(table, key)?;
    Ok(())
}

/// Live entries with their keys, and whether more follow.
pub type Page<T> = (Vec<(String, Recycled<T>)>, bool);

/// Up to `limit` live entries under `prefix` in key order after the key `after`, and whether
/// more follow.
pub fn page<T: DeserializeOwned>(
    txn: &mut dyn Txn,
    table: &'static str,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<T>> {
    const BATCH: usize = 64;
    let now = now_ms();
    let mut out = Vec::new();
    let mut cursor = after.map(str::to_string);
    loop {
        let rows = txn.scan(table, prefix, cursor.as_deref(), BATCH)?;
        let done = rows.len() < BATCH;
        for (k, v) in rows {
            cursor = Some(k.clone());
            let r: Recycled<T> = decode(table, &v)?;
            if r.delete_ms <= now {
                continue;
            }
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push((k, r));
        }
        if done {
            return Ok((out, false));
        }
    }
}

/// One chunk of `table` after the key `after`: entries past their DeleteDate are deleted for
/// good (their records, secrets included, do not outlive the retention). Returns how many, and
/// where the next chunk starts (`None`: the walk is done).
pub fn purge_expired(
    txn: &mut dyn Txn,
    table: &'static str,
    after: Option<&str>,
    limit: usize,
    now_ms: i64,
) -> Result<(usize, Option<String>)> {
    #[derive(Deserialize)]
    struct Due {
        delete_ms: i64,
    }
    let rows = txn.scan(table, "", after, limit)?;
    let next = if rows.len() < limit { None } else { rows.last().map(|(k, _)| k.clone()) };
    let mut purged = 0;
    for (key, bytes) in &rows {
        let due: Due = decode(table, bytes)?;
        if now_ms >= due.delete_ms {
            txn.delete(table, key)?;
            purged += 1;
        }
    }
    Ok((purged, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::transact;
    use crate::identity::tables;
    use localyun_store::{Mode, SqliteStore};

    #[test]
    fn purge_deletes_only_entries_past_their_delete_date() {
        let store = SqliteStore::in_memory(crate::migrations::MIGRATIONS).unwrap();
        let now = now_ms();
        transact(&store, Mode::Write, |txn| {
            for (k, delete_ms) in [("a/1", now - 1), ("a/2", now + RETENTION_MS), ("b/3", now - 5)] {
                save(txn, tables::RECYCLED_USER, k, &Recycled { item: k.to_string(), recycled_ms: now - RETENTION_MS, delete_ms })?;
            }
            Ok(())
        })
        .unwrap();
        // One chunk of two, then the rest: the walk resumes where it stopped.
        let (n, next) = transact(&store, Mode::Write, |txn| purge_expired(txn, tables::RECYCLED_USER, None, 2, now)).unwrap();
        assert_eq!((n, next.as_deref()), (1, Some("a/2")));
        let (n, next) = transact(&store, Mode::Write, |txn| purge_expired(txn, tables::RECYCLED_USER, next.as_deref(), 2, now)).unwrap();
        assert_eq!((n, next), (1, None));
        let left = transact(&store, Mode::Read, |txn| page::<String>(txn, tables::RECYCLED_USER, "", None, 10)).unwrap();
        assert_eq!(left.0.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["a/2"]);
    }
}
