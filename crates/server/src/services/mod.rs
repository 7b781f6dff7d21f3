//! One folder per RPC service: its action table and handlers. Handlers decode parameters with
//! the core rules, act on the identity domain and build the response fields.

pub mod access_keys;
pub mod ims;
pub mod ram;
pub mod sls;
pub mod sts;

use crate::failure::Result;
use crate::identity::access_keys::{AccessKeyRecord, KeyStatus};
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
    KeyStatus::parse(raw).ok_or_else(|| ApiError::new(400, "InvalidParameter.Status", "The parameter - \"Status\" is incorrect.").into())
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
        Some(t) => Ok(Some(decode_token(t).ok_or_else(|| ApiError::invalid_parameter(name, "The token is not valid."))?)),
        None => Ok(None),
    }
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

/// One `Marker`/`MaxItems` page (1-1000) of `items`, already in listing order, with
/// `IsTruncated` and, while truncated, the next `Marker` (ram.md 6.1).
pub fn marker_page<T>(p: &Params, items: Vec<T>, default_max: i64, position: impl Fn(&T) -> String) -> Result<(Vec<T>, Fields)> {
    let (max, after) = marker_params(p, default_max)?;
    let (page, more) = localyun_core::paging::page(items, after.as_ref(), max, &position);
    let fields = truncation(more, "Marker", page.last().map(&position));
    Ok((page, fields))
}

/// A policy document that fails the grammar (policy.md 9).
pub fn malformed_policy(e: localyun_core::policy::document::PolicyError) -> ApiError {
    ApiError::new(400, "MalformedPolicyDocument", e.0)
}

/// A parameter carrying a JSON text (RAM 2015-05-01 "shrink" lists, ram.md 2.5).
pub fn json_param(p: &Params, name: &str) -> Result<Option<Value>> {
    match p.optional(name) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text).map(Some).map_err(|_| ApiError::invalid_parameter(name, "It must be valid JSON.").into()),
    }
}

/// A JSON array of strings, at most `max` of them.
pub fn json_strings(p: &Params, name: &str, max: usize) -> Result<Vec<String>> {
    match json_param(p, name)? {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= max => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::invalid_parameter(name, "It must be a JSON array of strings.").into())
            })
            .collect(),
        Some(Value::Array(_)) => Err(ApiError::invalid_parameter(name, &format!("At most {max} elements are allowed.")).into()),
        Some(_) => Err(ApiError::invalid_parameter(name, "It must be a JSON array of strings.").into()),
    }
}

/// A JSON array of `{"Key","Value"}` objects (the value may be absent), at most `max`.
pub fn json_tags(p: &Params, name: &str, max: usize) -> Result<Vec<(String, Option<String>)>> {
    let bad = || ApiError::invalid_parameter(name, "It must be a JSON array of {\"Key\",\"Value\"} objects.");
    match json_param(p, name)? {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= max => items
            .iter()
            .map(|item| {
                let field = |k: &str, alt: &str| item.get(k).or_else(|| item.get(alt)).and_then(Value::as_str).map(str::to_string);
                Ok((field("Key", "key").ok_or_else(bad)?, field("Value", "value")))
            })
            .collect(),
        Some(Value::Array(_)) => Err(ApiError::invalid_parameter(name, &format!("At most {max} elements are allowed.")).into()),
        Some(_) => Err(bad().into()),
    }
}

/// Tags as the entities' `Tags` field: `{"Tag": [{"TagKey","TagValue"}]}`.
pub fn tag_fields(tags: &localyun_core::tags::TagSet) -> Value {
    wrapped("Tag", tags.iter().map(|(k, v)| Fields::new().set("TagKey", k.clone()).set("TagValue", v.clone()).into()).collect())
}
