//! The stored format's steps (the `meta.format` of every engine). A step turns data of the
//! previous format into its own; engines run the missing ones in order when a store is opened,
//! under their exclusive lock, and refuse a store newer than the last step (exit 2 at start).
//! Add a step whenever a record changes shape or a new index must cover existing data.

use crate::failure::Failure;
use localyun_store::{Migration, StoreError, Txn};

pub const MIGRATIONS: &[Migration] = &[
    // The format every build before issue 10 wrote.
    Migration { to: 1, name: "initial format", apply: |_| Ok(()) },
    Migration {
        to: 2,
        name: "users listed from a position index",
        apply: |t| store_error(crate::identity::users::build_position_index(t)),
    },
    Migration { to: 3, name: "every list served from an index in listing order", apply: |t| store_error(build_list_indexes(t)) },
    // Issue 14: account aliases (with their index) and password policies are new data that an
    // older build would not honour (logon domains, password rules): it must refuse the store.
    // Nothing existing changes shape, so there is nothing to rewrite.
    Migration { to: 4, name: "account aliases and password policies", apply: |_| Ok(()) },
];

/// The format this build writes.
pub const FORMAT_VERSION: u32 = 4;

/// Format 3 (issue 10): every list call reads a page from an index kept in its listing order,
/// and SLS totals come from counters. Each builder first empties the tables it owns and then
/// fills them from the records, so running it again gives the same tables.
fn build_list_indexes(txn: &mut dyn Txn) -> Result<(), Failure> {
    crate::identity::groups::build_indexes(txn)?;
    crate::identity::roles::build_indexes(txn)?;
    crate::identity::policies::build_indexes(txn)?;
    crate::identity::attachments::build_counts(txn)?;
    crate::logservice::build_indexes(txn)
}

fn store_error(r: Result<(), Failure>) -> Result<(), StoreError> {
    r.map_err(|e| match e {
        Failure::Store(e) => e,
        other => StoreError::Engine(other.to_string()),
    })
}

/// Where the store lives, as the command line names it.
pub enum Location<'a> {
    DataDir(&'a std::path::Path, localyun_store::Durability),
    InMemory,
    Postgres(&'a str),
}

/// Opens the store at `location`, migrated to [`FORMAT_VERSION`].
pub fn open(location: Location<'_>) -> Result<std::sync::Arc<dyn localyun_store::Store>, StoreError> {
    use localyun_store::{PostgresStore, SqliteStore};
    Ok(match location {
        Location::DataDir(dir, durability) => std::sync::Arc::new(SqliteStore::open_with(dir, MIGRATIONS, durability)?),
        Location::InMemory => std::sync::Arc::new(SqliteStore::in_memory(MIGRATIONS)?),
        Location::Postgres(url) => std::sync::Arc::new(PostgresStore::open(url, MIGRATIONS)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_the_last_step() {
        assert_eq!(MIGRATIONS.last().map(|m| m.to), Some(FORMAT_VERSION));
        assert!(MIGRATIONS.windows(2).all(|w| w[1].to == w[0].to + 1), "steps are consecutive");
    }
}
