//! Typed reads of JSON bodies and of the paging query, answering SLS's `ParameterInvalid`.

use crate::failure::Result;
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::ApiError;
use serde_json::{Map, Value};

pub fn invalid(field: &str) -> ApiError {
    ApiError::from(SlsError::parameter_invalid(format!("The parameter {field} is invalid.")))
}

pub fn opt_str<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(field).into()),
    }
}

pub fn req_str<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str> {
    opt_str(body, field)?.ok_or_else(|| SlsError::parameter_invalid(format!("The parameter {field} is required.")).into())
}

pub fn opt_bool(body: &Map<String, Value>, field: &str) -> Result<Option<bool>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(field).into()),
    }
}

/// An integer in `min..=max`; numbers sent as JSON strings are accepted too.
pub fn opt_int(body: &Map<String, Value>, field: &str, min: i64, max: i64) -> Result<Option<i64>> {
    let n = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(invalid(field).into()),
    }
}

/// `offset` (from 0) and `size` (1-500, default 100) of a list call (sls.md 6).
pub fn paging(query: &Params) -> Result<(usize, usize)> {
    let offset = match query.optional("offset") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| ApiError::from(SlsError::parameter_invalid(format!("offset: {v} is invalid."))))?,
    };
    let size = match query.optional("size") {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => return Err(SlsError::parameter_invalid(format!("sizes: {v} is invalid.")).into()),
        },
    };
    Ok((offset, size))
}

/// Substring name filters of list calls; an absent or empty filter matches everything.
pub fn contains(filter: Option<&str>, value: &str) -> bool {
    filter.is_none_or(|f| value.contains(f))
}
