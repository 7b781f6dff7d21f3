//! Typed reads of RPC parameters (ram.md 2.5): every action's request type decodes itself from
//! the parameters through these, so the wire names (`UserName`, `TagKey.N`, `MaxItems`) stay in
//! the request types of the services' `wire` modules and handlers see Rust fields.

use crate::failure::Result;
use crate::identity::access_keys::KeyStatus;
use localyun_core::error::GatewayError;
use localyun_core::names;
use localyun_core::paging::decode_token;
use localyun_core::params::Params;
use localyun_core::ApiError;
use serde_json::Value;

/// An action's request, decoded from its parameters. Fields are read, and checked, in the order
/// the real service reports their errors.
pub trait FromParams: Sized {
    fn from_params(p: &Params) -> Result<Self>;
}

/// Actions without parameters of their own.
impl FromParams for () {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(())
    }
}

/// An optional free-text parameter checked against a character limit.
pub fn opt_text(p: &Params, name: &str, max_chars: usize) -> Result<Option<String>> {
    match p.optional(name) {
        Some(v) => {
            names::check_text(name, v, max_chars)?;
            Ok(Some(v.to_string()))
        }
        None => Ok(None),
    }
}

pub fn opt_contact(p: &Params, name: &str) -> Result<Option<String>> {
    match p.optional(name) {
        Some(v) => {
            names::check_contact(name, v)?;
            Ok(Some(v.to_string()))
        }
        None => Ok(None),
    }
}

/// A required user name (`UserName`, `NewUserName`) following RAM's name rule.
pub fn user_name(p: &Params, name: &str) -> Result<String> {
    let v = p.required(name)?;
    names::check_user_name(name, v)?;
    Ok(v.to_string())
}

/// An optional user name following RAM's name rule.
pub fn opt_user_name(p: &Params, name: &str) -> Result<Option<String>> {
    match p.optional(name) {
        Some(v) => {
            names::check_user_name(name, v)?;
            Ok(Some(v.to_string()))
        }
        None => Ok(None),
    }
}

/// `Status` of UpdateAccessKey: exactly `Active` or `Inactive`.
pub fn key_status(p: &Params) -> Result<KeyStatus> {
    let raw = p.required("Status")?;
    KeyStatus::parse(raw).ok_or_else(|| GatewayError::incorrect("Status").into())
}

/// A paging token parameter (`Marker`, `NextToken`) decoded to its position.
pub fn position_param(p: &Params, name: &str) -> Result<Option<String>> {
    match p.optional(name) {
        Some(t) => Ok(Some(decode_token(t).ok_or_else(|| ApiError::from(GatewayError::invalid(name, "The token is not valid.")))?)),
        None => Ok(None),
    }
}

/// `Marker` / `MaxItems` paging: at most `max` items after the position `after`.
#[derive(Debug, Clone, Default)]
pub struct MarkerPage {
    pub max: usize,
    pub after: Option<String>,
}

impl MarkerPage {
    /// `MaxItems` (1-1000, `default_max` when absent) and the position after `Marker`.
    pub fn read(p: &Params, default_max: i64) -> Result<Self> {
        let max = p.int_in("MaxItems", 1, 1000)?.unwrap_or(default_max) as usize;
        Ok(Self { max, after: position_param(p, "Marker")? })
    }
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
    let bad = || GatewayError::invalid(name, "It must be a JSON array of strings.");
    match json_param(p, name)? {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= max => {
            items.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad().into())).collect()
        }
        Some(Value::Array(_)) => Err(GatewayError::invalid(name, &format!("At most {max} elements are allowed.")).into()),
        Some(_) => Err(bad().into()),
    }
}

/// A JSON array of `{"Key","Value"}` objects (the value may be absent), at most `max`.
pub fn json_tags(p: &Params, name: &str, max: usize) -> Result<Vec<(String, Option<String>)>> {
    let bad = || GatewayError::invalid(name, "It must be a JSON array of {\"Key\",\"Value\"} objects.");
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

/// The tags an RPC request carries, for `acs:RequestTag/<key>` and `acs:TagKeys`: IMS repeat
/// lists (`Tag.N.Key`, `TagKey.N`) and RAM JSON lists (`Tag`, `TagKeys`). Malformed lists are
/// left to the handler to refuse.
pub fn request_tags(p: &Params) -> (Vec<(String, String)>, Vec<String>) {
    let mut tags: Vec<(String, String)> =
        p.key_values("Tag", 50).unwrap_or_default().into_iter().map(|(k, v)| (k.to_string(), v.unwrap_or("").to_string())).collect();
    if let Ok(json) = json_tags(p, "Tag", 50) {
        tags.extend(json.into_iter().map(|(k, v)| (k, v.unwrap_or_default())));
    }
    let mut keys: Vec<String> = p.list("TagKey", 50).unwrap_or_default().into_iter().map(str::to_string).collect();
    keys.extend(json_strings(p, "TagKeys", 50).unwrap_or_default());
    (tags, keys)
}

pub use crate::failure::Deferred;

/// A request that names a stored entity (`N`) and carries other parameters (`T`) the real
/// service checks only once that entity is found: a missing user answers `EntityNotExist.User`
/// before a malformed `NewUserName` does. The handler takes `rest` after its lookup.
pub struct Named<N, T> {
    pub name: N,
    pub rest: Deferred<T>,
}

impl<N: FromParams, T: FromParams> FromParams for Named<N, T> {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { name: N::from_params(p)?, rest: Deferred::decode(|| T::from_params(p)) })
    }
}
