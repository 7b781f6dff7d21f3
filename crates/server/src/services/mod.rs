//! One folder per RPC service: its action table and handlers. Handlers decode parameters with
//! the core rules, act on the identity domain and build the response fields.

pub mod access_keys;
pub mod ims;
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
use crate::identity::access_keys::{AccessKeyRecord, KeyStatus};
use localyun_core::error::{GatewayError, RamError};
use localyun_core::names;
use localyun_core::paging::{decode_token, encode_token};
use localyun_core::params::Params;
use localyun_core::time::format_iso8601;
use localyun_core::ApiError;
use serde_json::{Map, Value};

/// A response object under construction; `None` values are left out (ram.md 4.1: omit optional
/// fields that have no value).
#[derive(Default)]
pub struct Fields(Map<String, Value>);

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }

    pub fn opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    pub fn date(self, key: &str, millis: i64) -> Self {
        self.set(key, format_iso8601(millis))
    }

    pub fn build(self) -> Map<String, Value> {
        self.0
    }
}

impl From<Fields> for Value {
    fn from(f: Fields) -> Self {
        Value::Object(f.0)
    }
}

/// A collection in the SDKs' wrapper shape: `"Users": {"User": [...]}` (ram.md 4.1).
pub fn wrapped(singular: &str, items: Vec<Value>) -> Value {
    Fields::new().set(singular, items).into()
}

/// An optional free-text parameter checked against a character limit.
pub fn opt_text<'a>(p: &'a Params, name: &str, max_chars: usize) -> Result<Option<&'a str>> {
    match p.optional(name) {
        Some(v) => {
            names::check_text(name, v, max_chars)?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

pub fn opt_contact<'a>(p: &'a Params, name: &str) -> Result<Option<&'a str>> {
    match p.optional(name) {
        Some(v) => {
            names::check_contact(name, v)?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// `Status` of UpdateAccessKey: exactly `Active` or `Inactive`.
pub fn key_status(p: &Params) -> Result<KeyStatus> {
    let raw = p.required("Status")?;
    KeyStatus::parse(raw).ok_or_else(|| GatewayError::incorrect("Status").into())
}

pub fn access_key_fields(k: &AccessKeyRecord, with_update_date: bool) -> Value {
    let f = Fields::new().set("AccessKeyId", k.id.clone()).set("Status", k.status.as_str()).date("CreateDate", k.created_ms);
    if with_update_date { f.date("UpdateDate", k.updated_ms) } else { f }.into()
}

/// CreateAccessKey's answer: the only time the secret is ever returned (ram.md 6.6).
pub fn created_key_fields(k: &AccessKeyRecord) -> Map<String, Value> {
    let key = Fields::new()
        .set("AccessKeyId", k.id.clone())
        .set("AccessKeySecret", k.secret.expose())
        .set("Status", k.status.as_str())
        .date("CreateDate", k.created_ms);
    Fields::new().set("AccessKey", key).build()
}

/// A paging token parameter (`Marker`, `NextToken`) decoded to its position.
pub fn position_param(p: &Params, name: &str) -> Result<Option<String>> {
    match p.optional(name) {
        Some(t) => Ok(Some(decode_token(t).ok_or_else(|| ApiError::from(GatewayError::invalid(name, "The token is not valid.")))?)),
        None => Ok(None),
    }
}

/// The paging token of the last returned position, only while more remain.
pub fn next_marker(more: bool, last_position: Option<String>) -> Option<String> {
    last_position.filter(|_| more).map(|pos| encode_token(&pos))
}

/// `IsTruncated`, and the token of the last returned position only while more remain.
pub fn truncation(more: bool, token_name: &str, last_position: Option<String>) -> Fields {
    let f = Fields::new().set("IsTruncated", more);
    match last_position {
        Some(pos) if more => f.set(token_name, encode_token(&pos)),
        _ => f,
    }
}

/// `MaxItems` (1-1000, `default_max` when absent) and the position after `Marker`.
pub fn marker_params(p: &Params, default_max: i64) -> Result<(usize, Option<String>)> {
    let max = p.int_in("MaxItems", 1, 1000)?.unwrap_or(default_max) as usize;
    Ok((max, position_param(p, "Marker")?))
}

/// A policy document that fails the grammar (policy.md 9).
pub fn malformed_policy(e: localyun_core::policy::document::PolicyError) -> ApiError {
    ApiError::from(RamError::MalformedPolicy { why: e.0 })
}

/// A parameter carrying a JSON text (RAM 2015-05-01 "shrink" lists, ram.md 2.5).
pub fn json_param(p: &Params, name: &str) -> Result<Option<Value>> {
    match p.optional(name) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text).map(Some).map_err(|_| GatewayError::invalid(name, "It must be valid JSON.").into()),
    }
}

/// A JSON array of strings, at most `max` of them.
pub fn json_strings(p: &Params, name: &str, max: usize) -> Result<Vec<String>> {
    match json_param(p, name)? {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= max => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| GatewayError::invalid(name, "It must be a JSON array of strings.").into())
            })
            .collect(),
        Some(Value::Array(_)) => Err(GatewayError::invalid(name, &format!("At most {max} elements are allowed.")).into()),
        Some(_) => Err(GatewayError::invalid(name, "It must be a JSON array of strings.").into()),
    }
}

/// A JSON array of `{"Key","Value"}` objects (the value may be absent), at most `max`.
pub fn json_tags(p: &Params, name: &str, max: usize) -> Result<Vec<(String, Option<String>)>> {
    let bad = || ApiError::from(GatewayError::invalid(name, "It must be a JSON array of {\"Key\",\"Value\"} objects."));
    match json_param(p, name)? {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= max => items
            .iter()
            .map(|item| {
                let field = |k: &str, alt: &str| item.get(k).or_else(|| item.get(alt)).and_then(Value::as_str).map(str::to_string);
                Ok((field("Key", "key").ok_or_else(bad)?, field("Value", "value")))
            })
            .collect(),
        Some(Value::Array(_)) => Err(GatewayError::invalid(name, &format!("At most {max} elements are allowed.")).into()),
        Some(_) => Err(bad().into()),
    }
}

/// Tags as the entities' `Tags` field: `{"Tag": [{"TagKey","TagValue"}]}`.
pub fn tag_fields(tags: &localyun_core::tags::TagSet) -> Value {
    wrapped("Tag", tags.iter().map(|(k, v)| Fields::new().set("TagKey", k.clone()).set("TagValue", v.clone()).into()).collect())
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
