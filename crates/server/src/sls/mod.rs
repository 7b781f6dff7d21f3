//! The SLS REST/JSON front end (sls.md): routing on method and path with the project taken
//! from the Host, its own signatures, and `{"errorCode","errorMessage"}` errors. Services plug
//! in through one declarative table of [`SlsAction`]s.

pub mod auth;
pub mod request;
pub mod response;

use crate::caller::Caller;
use crate::failure::Result;
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_core::ApiError;
use localyun_store::{Mode, Txn};
use serde_json::Value;

/// What a handler sees: never HTTP, headers or signatures.
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
    pub loaded: std::cell::RefCell<crate::logservice::Loaded>,
}

impl<'a> SlsCall<'a> {
    /// The project of a project-scoped call (the table guarantees the Host named one).
    pub fn project(&self) -> Result<&str> {
        self.host_project.ok_or_else(|| SlsError::parameter_invalid("The project must be given in the Host header.").into())
    }

    pub fn item(&self) -> Result<&str> {
        self.item.ok_or_else(|| SlsError::parameter_invalid("The resource name is missing from the path.").into())
    }

    /// The body as a JSON object (`PostBodyInvalid` otherwise).
    pub fn json_body(&self) -> Result<&'a serde_json::Map<String, Value>> {
        match self.body {
            Value::Object(map) => Ok(map),
            _ => Err(SlsError::PostBodyInvalid.into()),
        }
    }
}

/// The tags an SLS request carries, for `acs:RequestTag/<key>` and `acs:TagKeys`: TagResources
/// sends `{"key","value"}` objects, UntagResources bare keys.
pub fn request_tags(body: &Value) -> (Vec<(String, String)>, Vec<String>) {
    let Value::Object(map) = body else { return (Vec::new(), Vec::new()) };
    let Some(Value::Array(items)) = map.get("tags") else { return (Vec::new(), Vec::new()) };
    let mut tags = Vec::new();
    let mut keys = Vec::new();
    for item in items {
        match item {
            Value::String(k) => keys.push(k.clone()),
            Value::Object(o) => {
                if let Some(k) = o.get("key").and_then(Value::as_str) {
                    tags.push((k.to_string(), o.get("value").and_then(Value::as_str).unwrap_or("").to_string()));
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

fn collection_kind(segment: &str) -> Option<ResourceKind> {
    match segment {
        "logstores" => Some(ResourceKind::Logstore),
        "dashboards" => Some(ResourceKind::Dashboard),
        "machinegroups" => Some(ResourceKind::MachineGroup),
        "configs" => Some(ResourceKind::LogtailConfig),
        _ => None,
    }
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
        (seg, None) => collection_kind(seg).map(|k| (Route::Collection(k), None)),
        (seg, Some(name)) if !name.is_empty() && !name.contains('/') => collection_kind(seg).map(|k| (Route::Item(k), Some(name))),
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
}
