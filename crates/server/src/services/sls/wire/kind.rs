//! The contract of a kind of resource inside a project (sls.md 6.2-6.5): what its file under
//! `wire/` declares (body, stored record, filters, answers) for the one set of handlers in
//! `services/sls/resources.rs`.

use super::NameList;
use crate::failure::Result;
use crate::logservice::Record;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_store::Txn;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where a resource lives, for a kind whose checks read other resources (a config's logstore).
pub struct At<'a> {
    pub region: &'a str,
    pub project: &'a str,
}

/// What differs between the kinds of resource in a project besides their table row.
pub trait Kind: Sized + 'static {
    const KIND: ResourceKind;
    /// A create or update body as sent, every field kept whatever its JSON type.
    type Draft: DeserializeOwned;
    /// The stored fields (the stored format: the accepted fields under their wire names).
    type Body: Serialize + DeserializeOwned;
    /// The list query's filters besides the name.
    type Filter;
    /// GetX's answer.
    type Answer: Serialize;
    /// ListX's answer.
    type Listing: Serialize;

    /// Checks a create or update body in the order the real service does and returns the fields
    /// to store; `existing` is the stored body on update.
    fn accept(draft: Self::Draft, name: &str, existing: Option<Self::Body>, txn: &mut dyn Txn, at: At<'_>) -> Result<Self::Body>;

    fn render(r: Record<Self::Body>) -> Self::Answer;

    fn filter(query: &Params) -> Self::Filter;

    /// Whether the filter looks at more than the name, so that a list must read records.
    fn filters_records(_filter: &Self::Filter) -> bool {
        false
    }

    /// Whether a record passes the kind's filters (the name filter is checked before).
    fn matches(_r: &Record<Self::Body>, _filter: &Self::Filter) -> bool {
        true
    }

    /// Whether the list answer needs the page's records, not only their names.
    const LIST_RECORDS: bool = false;

    fn listing(names: NameList, page: Vec<Record<Self::Body>>) -> Self::Listing;
}
