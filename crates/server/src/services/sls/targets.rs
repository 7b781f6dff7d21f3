//! The resources each SLS action is authorized on (sls.md 7.7):
//! `acs:log:<region>:<account>:project/<p>[/<type>/<name>]`, `…/*` for lists, and for the tag
//! calls the ARN of the tagged resource. Resources are resolved from the raw JSON body before
//! the request is decoded (as the RPC `Resources` rules read raw parameters), so that a
//! request without permission learns nothing from validation.

use crate::authz::Target;
use crate::failure::Result;
use crate::sls::{Route, SlsAction, SlsCall};
use localyun_core::sls::{parse_resource_id, ResourceKind};
use localyun_store::Txn;
use serde_json::Value;

/// The ARN of a project or of a resource in it, with its tags when it exists and is the caller's.
fn target(call: &SlsCall<'_>, txn: &mut dyn Txn, project: &str, sub: Option<(ResourceKind, &str)>) -> Result<Target> {
    let base = format!("acs:log:{}:{}:project/{project}", call.region, call.caller.account_id);
    let mut loaded = call.loaded.borrow_mut();
    let owned = loaded.project(txn, call.region, project)?.filter(|p| p.account_id == call.caller.account_id);
    Ok(match sub {
        None => Target { arn: base, tags: owned.map(|p| p.tags) },
        Some((kind, name)) => {
            let tags = match owned {
                Some(_) => loaded.tagged_resource(txn, call.region, project, kind, name)?.map(|r| r.tags),
                None => None,
            };
            Target { arn: format!("{base}/{}/{name}", kind.arn_segment()), tags }
        }
    })
}

fn all_projects(call: &SlsCall<'_>) -> Target {
    Target::arn(format!("acs:log:{}:{}:project/*", call.region, call.caller.account_id))
}

fn body_str(call: &SlsCall<'_>, field: &str) -> Option<String> {
    call.body.get(field)?.as_str().map(str::to_string)
}

fn tagged(call: &SlsCall<'_>, txn: &mut dyn Txn, type_name: Option<&str>, id: &str) -> Result<Target> {
    let kind = match type_name {
        Some(t) => ResourceKind::parse_tag_type(t),
        None if !id.contains('#') => Some(ResourceKind::Project),
        None => None,
    };
    match kind.and_then(|k| parse_resource_id(k, id).map(|r| (k, r))) {
        Some((k, r)) => target(call, txn, r.project, r.name.map(|n| (k, n))),
        // Malformed: authorize on the account's projects; the handler then refuses the input.
        None => Ok(all_projects(call)),
    }
}

pub fn targets(call: &SlsCall<'_>, txn: &mut dyn Txn, action: &SlsAction) -> Result<Vec<Target>> {
    let project = call.host_project;
    Ok(match action.route {
        Route::Root if action.name == ResourceKind::Project.spec().calls.list => vec![all_projects(call)],
        // The body names the project; the Host's prefix is ignored, as by the handler (sls.md 1.1).
        Route::Root if action.name == ResourceKind::Project.spec().calls.create => {
            match body_str(call, ResourceKind::Project.spec().name_field) {
                Some(p) => vec![target(call, txn, &p, None)?],
                None => vec![all_projects(call)],
            }
        }
        Route::Root => vec![target(call, txn, project.unwrap_or("*"), None)?],
        Route::Collection(kind) => {
            let p = project.unwrap_or("*");
            let name = if action.method == "POST" { body_str(call, kind.spec().name_field) } else { None };
            vec![target(call, txn, p, Some((kind, name.as_deref().unwrap_or("*"))))?]
        }
        Route::Item(kind) => vec![target(call, txn, project.unwrap_or("*"), Some((kind, call.item.unwrap_or("*"))))?],
        Route::Tag | Route::Untag => {
            let body = call.body;
            let type_name = body.get("resourceType").and_then(Value::as_str);
            let id = match body.get("resourceId") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Array(a)) if a.len() == 1 => a.first().and_then(Value::as_str).map(str::to_string),
                _ => None,
            };
            match id {
                Some(id) => vec![tagged(call, txn, type_name, &id)?],
                None => vec![all_projects(call)],
            }
        }
        Route::Tags => {
            let type_name = call.query.optional("resourceType");
            let ids: Vec<String> =
                call.query.optional("resourceId").and_then(|t| serde_json::from_str::<Vec<String>>(t).ok()).unwrap_or_default();
            if ids.is_empty() {
                vec![all_projects(call)]
            } else {
                ids.iter().map(|id| tagged(call, txn, type_name, id)).collect::<Result<Vec<_>>>()?
            }
        }
    })
}
