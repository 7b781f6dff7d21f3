//! One folder per service: its declarative action table (`mod.rs`), its wire types (`wire`) and
//! its handlers, which take typed requests, act on the domains and return typed answers.

pub mod access_keys;
pub mod ims;
pub mod mfa;
pub mod passwords;
pub mod ram;
pub mod sls;
pub mod sts;

use crate::actions::RpcService;

/// Every RPC service localyun serves, by version.
pub static RPC_SERVICES: &[&RpcService] = &[&ram::SERVICE, &ims::SERVICE, &sts::SERVICE];

pub fn rpc_service(version: &str) -> Option<&'static RpcService> {
    RPC_SERVICES.iter().copied().find(|s| s.version == version)
}

use crate::failure::Result;
use localyun_core::paging::encode_token;

/// The paging token of the last returned position, only while more remain.
pub fn next_marker(more: bool, last_position: Option<String>) -> Option<String> {
    last_position.filter(|_| more).map(|pos| encode_token(&pos))
}

/// One row of a ListTagResources answer: a (resource, tag) pair at its paging position
/// `{resource id}\n{tag key}`.
pub struct TagRow {
    pub position: String,
    pub resource: String,
    pub key: String,
    pub value: String,
}

/// Index entries read per scan while a tag listing looks for its rows.
const TAG_ROWS_BATCH: usize = 32;

/// One page of ListTagResources rows over every tagged resource of a kind: resources in the
/// order of `table`, an index whose keys are `base` and the resource ID and which holds only
/// resources carrying tags (so every entry gives rows), and each resource's tags by key. Rows
/// come after the row position `after`, at most `size` of them, and only of the resources
/// whose ID starts with `narrow` and passes `in_scope`, carrying every tag of `filter`; `load`
/// reads a resource's tags given its ID and index value. Returns the rows and whether more
/// follow. Without a filter a page loads only the resources of its rows.
#[allow(clippy::too_many_arguments)]
pub fn tag_rows_page(
    txn: &mut dyn localyun_store::Txn,
    table: &str,
    base: &str,
    narrow: &str,
    after: Option<&str>,
    size: usize,
    filter: &[(&str, Option<&str>)],
    in_scope: impl Fn(&str) -> bool,
    mut load: impl FnMut(&mut dyn localyun_store::Txn, &str, &[u8]) -> Result<Option<localyun_core::tags::TagSet>>,
) -> Result<(Vec<TagRow>, bool)> {
    use localyun_core::paging::split_row_position;
    use localyun_core::tags::matches_all;
    let mut rows: Vec<TagRow> = Vec::with_capacity(size.min(100));
    // Adds the resource's rows after `skip`; true when a row is left over for the next page.
    let push = |rows: &mut Vec<TagRow>, id: &str, tags: &localyun_core::tags::TagSet, skip: Option<&str>| -> bool {
        for (k, v) in tags.iter().filter(|(k, _)| skip.is_none_or(|s| k.as_str() > s)) {
            if rows.len() == size {
                return true;
            }
            rows.push(TagRow { position: format!("{id}\n{k}"), resource: id.to_string(), key: k.clone(), value: v.clone() });
        }
        false
    };
    let resume = after.map(split_row_position);
    // Resuming inside a resource's rows: the rest of them first (a position without a tag key
    // comes before every row of its resource).
    if let Some((id, skip)) = resume {
        if id.starts_with(narrow) && in_scope(id) {
            if let Some(v) = txn.get(table, &format!("{base}{id}"))? {
                if let Some(tags) = load(txn, id, &v)? {
                    if matches_all(&tags, filter) && push(&mut rows, id, &tags, skip) {
                        return Ok((rows, true));
                    }
                }
            }
        }
    }
    let prefix = format!("{base}{narrow}");
    let mut cursor = resume.map(|(id, _)| format!("{base}{id}"));
    loop {
        let want = (size.saturating_sub(rows.len()) + 1).clamp(if filter.is_empty() { 1 } else { TAG_ROWS_BATCH }, 1000);
        let batch = txn.scan(table, &prefix, cursor.as_deref(), want)?;
        let exhausted = batch.len() < want;
        for (k, v) in batch {
            let id = localyun_store::key_rest(&k, base);
            if in_scope(id) {
                // Every indexed resource carries a tag, so without a filter it has a row.
                if filter.is_empty() && rows.len() == size {
                    return Ok((rows, true));
                }
                if let Some(tags) = load(txn, id, &v)? {
                    if matches_all(&tags, filter) && push(&mut rows, id, &tags, None) {
                        return Ok((rows, true));
                    }
                }
            }
            cursor = Some(k);
        }
        if exhausted {
            return Ok((rows, false));
        }
    }
}

#[cfg(test)]
mod list_tests;
