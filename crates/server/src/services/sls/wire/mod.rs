//! SLS's wire types (sls.md 6, 7): each action's request, decoded from the Host project, the
//! path item, the query and the JSON body, and its answer, encoded with the SDK models' field
//! names. Handlers see only these. Bodies decode leniently (a field of the wrong JSON type is
//! kept as [`Shape::Other`]) so that each field is checked in the order the real service
//! reports it, with its own code (`ParameterInvalid`, or `InvalidParameter` for machine groups
//! and configs, sls.md 5.2).
//!
//! One file per concept: projects, tags, the requests common to the kinds inside a project, and
//! one file per kind (its body, stored record, filters and answers).

pub mod config;
pub mod dashboard;
pub mod kind;
pub mod logstore;
pub mod machine_group;
pub mod projects;
pub mod resources;
pub mod tags;

use crate::failure::Result;
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::ApiError;
use serde::de::{DeserializeOwned, Deserializer, Error as _, IgnoredAny};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON value of the expected shape, or anything else (checked by the handler).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Shape<T> {
    Is(T),
    Other(IgnoredAny),
}

/// A body field: absent or `null` (`None`), or a value of the expected shape or not.
pub type Field<T> = Option<Shape<T>>;

/// A JSON object decoded as `T` (a struct also decodes from an array; the real service reads
/// such an item as carrying none of its fields).
#[derive(Debug)]
pub struct Obj<T>(pub T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        T::deserialize(Value::Object(map)).map(Obj).map_err(D::Error::custom)
    }
}

/// An integer sent as a JSON number or a JSON string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum IntText {
    Int(i64),
    Text(String),
}

pub fn bad(message: impl Into<String>) -> ApiError {
    ApiError::from(SlsError::parameter_invalid(message))
}

/// `ParameterInvalid` "The parameter <field> is invalid."
pub fn invalid(field: &str) -> ApiError {
    bad(format!("The parameter {field} is invalid."))
}

/// An optional field: absent and `null` are `None`, another shape is invalid.
pub fn opt<T>(f: Field<T>, name: &str) -> Result<Option<T>> {
    match f {
        None => Ok(None),
        Some(Shape::Is(v)) => Ok(Some(v)),
        Some(Shape::Other(_)) => Err(invalid(name).into()),
    }
}

pub fn required<T>(f: Field<T>, name: &str) -> Result<T> {
    opt(f, name)?.ok_or_else(|| bad(format!("The parameter {name} is required.")).into())
}

/// An integer in `min..=max`, from a number or a string.
pub fn opt_int(f: Field<IntText>, name: &str, min: i64, max: i64) -> Result<Option<i64>> {
    let n = match f {
        None => return Ok(None),
        Some(Shape::Is(IntText::Int(n))) => Some(n),
        Some(Shape::Is(IntText::Text(s))) => s.parse().ok(),
        Some(Shape::Other(_)) => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(invalid(name).into()),
    }
}

/// The field of a JSON object named at run time (the name field of the kinds' table).
pub fn field_at<T: DeserializeOwned>(body: &Value, name: &str) -> Field<T> {
    body.get(name).and_then(|v| Field::<T>::deserialize(v).ok().flatten())
}

/// `offset` (from 0) and `size` (1-500, default 100) of a list call (sls.md 6).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub offset: usize,
    pub size: usize,
}

impl Paging {
    pub fn read(query: &Params) -> Result<Self> {
        let offset = match query.optional("offset") {
            None => 0,
            Some(v) => v.parse::<usize>().map_err(|_| bad(format!("offset: {v} is invalid.")))?,
        };
        let size = match query.optional("size") {
            None => 100,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=500).contains(&n) => n,
                _ => return Err(bad(format!("sizes: {v} is invalid.")).into()),
            },
        };
        Ok(Self { offset, size })
    }
}

/// Substring name filters of list calls; an absent filter matches everything.
pub fn contains(filter: Option<&str>, value: &str) -> bool {
    filter.is_none_or(|f| value.contains(f))
}

/// `{"count": <names in the page>, "total": <all matches>, "<list field>": [names]}` (sls.md 6),
/// the list field from the kinds' table.
#[derive(Debug)]
pub struct NameList {
    pub field: &'static str,
    pub total: usize,
    pub names: Vec<String>,
}

impl Serialize for NameList {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("count", &self.names.len())?;
        m.serialize_entry("total", &self.total)?;
        m.serialize_entry(self.field, &self.names)?;
        m.end()
    }
}

/// A Get answer: the stored fields, then the times in Unix seconds.
#[derive(Debug, Serialize)]
pub struct Stamped<B> {
    #[serde(flatten)]
    pub body: B,
    #[serde(rename = "createTime")]
    pub create_time: i64,
    #[serde(rename = "lastModifyTime")]
    pub last_modify_time: i64,
}

impl<B> Stamped<B> {
    pub fn of(r: crate::logservice::Record<B>) -> Self {
        Self { create_time: r.created_ms / 1000, last_modify_time: r.updated_ms / 1000, body: r.body }
    }
}

/// Decodes `call` as the request of every action (for the fuzz targets: decoding is pure).
#[doc(hidden)]
pub fn decode_every_request(call: &crate::sls::SlsCall<'_>) {
    use crate::sls::FromCall;
    use config::Config;
    use dashboard::Dashboard;
    use logstore::Logstore;
    use machine_group::MachineGroup;
    let _ = projects::CreateProject::from_call(call);
    let _ = projects::UpdateProject::from_call(call).map(|r| r.changes.take());
    let _ = projects::ListProject::from_call(call);
    let _ = tags::TagResources::from_call(call);
    let _ = tags::UntagResources::from_call(call);
    let _ = tags::ListTagResources::from_call(call);
    fn kind<K: kind::Kind>(call: &crate::sls::SlsCall<'_>) {
        let _ = resources::CreateResource::<K>::from_call(call).map(|r| r.body.take());
        let _ = resources::UpdateResource::<K>::from_call(call).map(|r| r.body.take());
        let _ = resources::ListResources::<K>::from_call(call).map(|r| r.paging.take());
    }
    kind::<Logstore>(call);
    kind::<Dashboard>(call);
    kind::<MachineGroup>(call);
    kind::<Config>(call);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Body {
        s: Field<String>,
        n: Field<IntText>,
        o: Field<Obj<Map<String, Value>>>,
    }

    #[test]
    fn lenient_fields() {
        let b: Body = serde_json::from_value(serde_json::json!({"s": 1, "n": "7", "o": [1]})).unwrap();
        assert!(opt(b.s, "s").is_err());
        assert_eq!(opt_int(b.n, "n", 1, 9).unwrap(), Some(7));
        assert!(opt(b.o, "o").is_err());
        let b: Body = serde_json::from_value(serde_json::json!({"s": null, "n": 3.0})).unwrap();
        assert_eq!(opt(b.s, "s").unwrap(), None);
        assert!(opt_int(b.n, "n", 1, 9).is_err());
        let list = NameList { field: "logstores", total: 3, names: vec!["a".into()] };
        assert_eq!(serde_json::to_string(&list).unwrap(), r#"{"count":1,"total":3,"logstores":["a"]}"#);
    }
}
