//! One folder per RPC service: its action table and handlers. Handlers decode parameters with
//! the core rules, act on the identity domain and build the response fields.

pub mod ims;
pub mod ram;

use crate::caller::Caller;
use crate::failure::Result;
use crate::identity::access_keys::{self, AccessKeyRecord, KeyStatus, Owner};
use localyun_core::names;
use localyun_core::params::Params;
use localyun_core::time::format_iso8601;
use localyun_core::ApiError;
use localyun_store::Txn;
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

/// The AccessKey owner a call names, or the caller itself when it names none.
pub fn key_owner(caller: &Caller, named_user_id: Option<String>) -> Owner {
    match named_user_id {
        Some(id) => Owner::User(id),
        None => caller.owner(),
    }
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

pub fn list_keys(txn: &mut dyn Txn, caller: &Caller, owner: &Owner, with_update_date: bool) -> Result<Map<String, Value>> {
    let keys = access_keys::list(txn, &caller.account_id, owner)?;
    let items = keys.iter().map(|k| access_key_fields(k, with_update_date)).collect();
    Ok(Fields::new().set("AccessKeys", wrapped("AccessKey", items)).build())
}

pub fn update_key(txn: &mut dyn Txn, caller: &Caller, owner: &Owner, p: &Params) -> Result<Map<String, Value>> {
    let id = p.required("UserAccessKeyId")?;
    let status = key_status(p)?;
    let key = access_keys::require_owned(txn, &caller.account_id, owner, id)?;
    access_keys::set_status(txn, key, status)?;
    Ok(Map::new())
}

pub fn delete_key(txn: &mut dyn Txn, caller: &Caller, owner: &Owner, p: &Params) -> Result<Map<String, Value>> {
    let id = p.required("UserAccessKeyId")?;
    let key = access_keys::require_owned(txn, &caller.account_id, owner, id)?;
    access_keys::delete(txn, &key)?;
    Ok(Map::new())
}
