//! The one record codec of the store's tables, for every domain (identity, log service): a
//! record is a JSON document of the store's format version ([`FORMAT_VERSION`], kept in the
//! store's `meta.format`). A record that changes shape, or a new index over existing records,
//! is a new format version with a migration step (`migrations.rs`) that rewrites the old data
//! when a store is opened, so older data directories keep opening. A record that cannot be
//! read is reported as [`Failure::Corrupt`] with its table, never answered as a client error.

use crate::failure::{Failure, Result};
pub use crate::migrations::FORMAT_VERSION;
use localyun_store::Txn;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn load<T: DeserializeOwned>(txn: &mut dyn Txn, table: &'static str, key: &str) -> Result<Option<T>> {
    match txn.get(table, key)? {
        None => Ok(None),
        Some(bytes) => decode(table, &bytes).map(Some),
    }
}

pub fn decode<T: DeserializeOwned>(table: &'static str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Failure::Corrupt { table, detail: e.to_string() })
}

pub fn save<T: Serialize>(txn: &mut dyn Txn, table: &'static str, key: &str, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value).map_err(|e| Failure::Corrupt { table, detail: e.to_string() })?;
    txn.put(table, key, &bytes)?;
    Ok(())
}

/// Scans every record of `table` under `prefix`.
pub fn scan_all<T: DeserializeOwned>(txn: &mut dyn Txn, table: &'static str, prefix: &str) -> Result<Vec<T>> {
    txn.scan(table, prefix, None, usize::MAX)?.iter().map(|(_, v)| decode(table, v)).collect()
}

/// Rows read per scan while a migration walks a table (`for_each_row`, `clear`).
const MIGRATION_BATCH: usize = 10_000;

/// Calls `f` on every row of `table` in key order, a batch at a time; `f` may write to the
/// transaction (into other tables).
pub fn for_each_row(
    txn: &mut dyn Txn,
    table: &str,
    mut f: impl FnMut(&mut dyn Txn, &str, &[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut after: Option<String> = None;
    loop {
        let rows = txn.scan(table, "", after.as_deref(), MIGRATION_BATCH)?;
        for (k, v) in &rows {
            f(txn, k, v)?;
        }
        match rows.last() {
            Some((k, _)) if rows.len() == MIGRATION_BATCH => after = Some(k.clone()),
            _ => return Ok(()),
        }
    }
}

/// Empties `table`, so that a builder starts from nothing.
pub fn clear(txn: &mut dyn Txn, table: &str) -> Result<(), Failure> {
    loop {
        let rows = txn.scan(table, "", None, MIGRATION_BATCH)?;
        for (k, _) in &rows {
            txn.delete(table, k)?;
        }
        if rows.len() < MIGRATION_BATCH {
            return Ok(());
        }
    }
}
