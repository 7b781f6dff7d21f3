//! The SLS REST/JSON front end (sls.md): routing on method and path with the project taken
//! from the Host, its own signatures, and `{"errorCode","errorMessage"}` errors. Services plug
//! in through one declarative table of [`SlsAction`]s.

pub mod auth;
pub mod request;
pub mod response;

use crate::caller::Caller;
use crate::failure::{Failure, Result};
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_core::ApiError;
use localyun_store::{Mode, Txn};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;

/// What the table's handler gets: the request as routed, never HTTP, headers or signatures.
/// Typed handlers see only their decoded request and a [`Context`] (see [`typed`]).
pub struct SlsCall<'a> {
    pub caller: &'a Caller,
    /// From the endpoint name (`<region>.log.aliyuncs.com`) or the server's `--region`.
    pub region: &'a str,
    /// The project named by the Host header, if any.
    pub host_project: Option<&'a str>,
    /// The `{name}` of an item path such as `/logstores/{name}`.
    pub item: Option<&'a str>,
    pub query: &'a Params,
    /// The body parsed once as JSON (`Null` when empty or not JSON); the raw bytes only matter
    /// to the signature.
    pub body: &'a Value,
    /// Records this call has read, shared by authorization and the handler.
    pub loaded: RefCell<crate::logservice::Loaded>,
}

impl<'a> SlsCall<'a> {
    /// The project of a project-scoped call (the table guarantees the Host named one).
    pub fn project(&self) -> Result<&'a str> {
        self.host_project.ok_or_else(|| SlsError::parameter_invalid("The project must be given in the Host header.").into())
    }

    pub fn item(&self) -> Result<&'a str> {
        self.item.ok_or_else(|| SlsError::parameter_invalid("The resource name is missing from the path.").into())
    }

    /// The body decoded as `T` when it is a JSON object (`PostBodyInvalid` otherwise). Bodies
    /// are decoded leniently (every field accepts any JSON), so that the handler checks the
    /// fields in the order the real service reports them.
    pub fn json_body<T: DeserializeOwned>(&self) -> Result<T> {
        match self.body {
            Value::Object(_) => T::deserialize(self.body).map_err(|_| SlsError::PostBodyInvalid.into()),
            _ => Err(SlsError::PostBodyInvalid.into()),
        }
    }

    pub fn context(&self) -> Context<'_> {
        Context { caller: self.caller, region: self.region, host_project: self.host_project, loaded: &self.loaded }
    }
}

/// What a typed handler sees besides its request: who calls, in which region, the Host's
/// project (ListTagResources narrows to it) and the records authorization already read.
pub struct Context<'a> {
    pub caller: &'a Caller,
    pub region: &'a str,
    pub host_project: Option<&'a str>,
    pub loaded: &'a RefCell<crate::logservice::Loaded>,
}

impl Context<'_> {
    pub fn account(&self) -> &str {
        &self.caller.account_id
    }
}

/// An action's request, decoded from the routed call (Host project, path item, query, JSON body).
pub trait FromCall: Sized {
    fn from_call(call: &SlsCall<'_>) -> Result<Self>;
}

/// A typed handler: `fn(UpdateProject, &Context, &mut dyn Txn) -> Result<()>`.
pub type TypedHandler<Q, A> = fn(Q, &Context<'_>, &mut dyn Txn) -> Result<A>;

/// Decode → handle → encode: an answer of `()` is the empty 200, any other its JSON.
pub fn typed<Q: FromCall, A: Serialize>(call: &SlsCall<'_>, txn: &mut dyn Txn, handler: TypedHandler<Q, A>) -> Result<Reply> {
    let request = Q::from_call(call)?;
    let answer = handler(request, &call.context(), txn)?;
    match serde_json::to_value(&answer) {
        Ok(Value::Null) => Ok(Reply::Empty),
        Ok(v) => Ok(Reply::Json(v)),
        Err(e) => Err(Failure::Corrupt { table: "answer", detail: e.to_string() }),
    }
}

/// A `{"key","value"}` item of a TagResources body.
#[derive(Deserialize)]
struct RequestTag {
    #[serde(default)]
    key: Option<Value>,
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Deserialize)]
struct RequestTagsBody {
    #[serde(default)]
    tags: Option<Value>,
}

/// The tags an SLS request carries, for `acs:RequestTag/<key>` and `acs:TagKeys`: TagResources
/// sends `{"key","value"}` objects, UntagResources bare keys; anything else carries no tag.
pub fn request_tags(body: &Value) -> (Vec<(String, String)>, Vec<String>) {
    let mut tags = Vec::new();
    let mut keys = Vec::new();
    if !body.is_object() {
        return (tags, keys);
    }
    let Ok(RequestTagsBody { tags: Some(Value::Array(items)) }) = RequestTagsBody::deserialize(body) else { return (tags, keys) };
    for item in items {
        match item {
            Value::String(k) => keys.push(k),
            Value::Object(_) => {
                if let Ok(RequestTag { key: Some(Value::String(k)), value }) = RequestTag::deserialize(&item) {
                    let value = match value {
                        Some(Value::String(v)) => v,
                        _ => String::new(),
                    };
                    tags.push((k, value));
                }
            }
            _ => {}
        }
    }
    (tags, keys)
}

pub enum Reply {
    /// 200 with an empty body (create, update, delete, tag, untag).
    Empty,
    Json(Value),
}

/// A handler erased to one signature, built from a typed handler by [`typed`].
pub type SlsHandler = fn(&SlsCall<'_>, &mut dyn Txn) -> Result<Reply>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/`: projects.
    Root,
    /// `/logstores`, `/dashboards`, `/machinegroups`, `/configs`.
    Collection(ResourceKind),
    /// `/logstores/{name}` and the like.
    Item(ResourceKind),
    Tag,
    Untag,
    Tags,
}

/// Whether an action needs the Host to name a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostProject {
    Any,
    Required,
    Absent,
}

pub struct SlsAction {
    /// The API name, also the RAM action `log:<name>` (sls.md 7.7).
    pub name: &'static str,
    pub method: &'static str,
    pub route: Route,
    pub host_project: HostProject,
    pub mode: Mode,
    pub handler: SlsHandler,
}

/// The route of a decoded path and the item name it carries.
pub fn parse_route(path: &str) -> Option<(Route, Option<&str>)> {
    let trimmed = path.strip_prefix('/')?;
    let mut parts = trimmed.splitn(2, '/');
    let first = parts.next().unwrap_or("");
    let second = parts.next();
    match (first, second) {
        ("", None) => Some((Route::Root, None)),
        ("tag", None) => Some((Route::Tag, None)),
        ("untag", None) => Some((Route::Untag, None)),
        ("tags", None) => Some((Route::Tags, None)),
        (seg, None) => ResourceKind::from_path(seg).map(|k| (Route::Collection(k), None)),
        (seg, Some(name)) if !name.is_empty() && !name.contains('/') => ResourceKind::from_path(seg).map(|k| (Route::Item(k), Some(name))),
        _ => None,
    }
}

/// The action for a method on a route; 404 for an unknown path, 405 for a known path with
/// another method (sls.md 5.1), 400 when the Host lacks a project the action needs.
pub fn resolve<'t>(table: &'t [SlsAction], method: &str, path: &str, route: Route, has_project: bool) -> Result<&'t SlsAction, ApiError> {
    let on_route: Vec<&SlsAction> = table.iter().filter(|a| a.route == route).collect();
    if on_route.is_empty() {
        return Err(SlsError::PathNotFound { path: path.into() }.into());
    }
    let with_method: Vec<&SlsAction> = on_route.into_iter().filter(|a| a.method == method).collect();
    if with_method.is_empty() {
        return Err(SlsError::InvalidMethod { path: path.into() }.into());
    }
    with_method
        .iter()
        .copied()
        .find(|a| match a.host_project {
            HostProject::Any => true,
            HostProject::Required => has_project,
            HostProject::Absent => !has_project,
        })
        .ok_or_else(|| ApiError::from(SlsError::parameter_invalid("The project must be given in the Host header.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(parse_route("/"), Some((Route::Root, None)));
        assert_eq!(parse_route("/logstores"), Some((Route::Collection(ResourceKind::Logstore), None)));
        assert_eq!(parse_route("/configs/c1"), Some((Route::Item(ResourceKind::LogtailConfig), Some("c1"))));
        assert_eq!(parse_route("/untag"), Some((Route::Untag, None)));
        assert_eq!(parse_route("/logstores/a/shards"), None);
        assert_eq!(parse_route("/logstores/"), None);
        assert_eq!(parse_route("/nothing"), None);
    }

    #[test]
    fn request_tags_of_both_bodies() {
        let body = serde_json::json!({"tags": [{"key": "env", "value": "dev"}, {"key": "k"}, {"key": 1}, {"value": "v"}, "team", 3, null, ["a", "b"]]});
        assert_eq!(request_tags(&body), (vec![("env".into(), "dev".into()), ("k".into(), String::new())], vec!["team".to_string()]));
        assert_eq!(request_tags(&serde_json::json!({"tags": "x"})), (vec![], vec![]));
        assert_eq!(request_tags(&Value::Null), (vec![], vec![]));
    }
}
