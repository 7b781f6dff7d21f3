//! Projects (sls.md 6.1): `POST /`, `GET /`, `PUT /`, `DELETE /` with the project in the Host.

use super::body::{contains, opt_bool, opt_str, paging, req_str};
use crate::failure::Result;
use crate::identity::now_ms;
use crate::logservice::{self as ls, Pick, ProjectRecord};
use crate::sls::{Reply, SlsCall};
use localyun_core::error::SlsError;
use localyun_core::sls::ResourceKind;
use localyun_core::time::format_sls_datetime;
use localyun_store::Txn;
use serde_json::{json, Value};

const DESCRIPTION_MAX: usize = 1024;

fn project_fields(p: &ProjectRecord) -> Value {
    json!({
        "projectName": p.name,
        "description": p.description,
        "status": "Normal",
        "region": p.region,
        "owner": p.account_id,
        "createTime": format_sls_datetime(p.created_ms),
        "lastModifyTime": format_sls_datetime(p.updated_ms),
        "resourceGroupId": p.resource_group_id.clone().unwrap_or_default(),
        "dataRedundancyType": p.data_redundancy_type.clone().unwrap_or_else(|| "LRS".into()),
        "recycleBinEnabled": p.recycle_bin_enabled,
    })
}

fn description(body: &serde_json::Map<String, Value>) -> Result<Option<String>> {
    match opt_str(body, "description")? {
        Some(d) if d.chars().count() > DESCRIPTION_MAX => Err(SlsError::parameter_invalid("The description is too long.").into()),
        d => Ok(d.map(str::to_string)),
    }
}

pub fn create_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let body = call.json_body()?;
    let name = req_str(body, "projectName")?;
    if !ResourceKind::Project.valid_name(name) {
        return Err(SlsError::parameter_invalid(format!("project name {name} is invalid.")).into());
    }
    // The body names the project; a project prefix in the Host is ignored (sls.md 1.1): aliyun-sdk
    // 1.12.10 `lib/services/sls.js` populateURI builds `Host: <params.projectName>.<endpoint>`, and
    // CreateProject's input has no such field (only `projectDetail.projectName`), so it sends
    // `Host: undefined.<endpoint>`, which the real service accepts.
    let redundancy = match opt_str(body, "dataRedundancyType")? {
        None | Some("") => None,
        Some(t @ ("LRS" | "ZRS")) => Some(t.to_string()),
        Some(_) => return Err(SlsError::parameter_invalid("The parameter dataRedundancyType is invalid.").into()),
    };
    let record = ProjectRecord {
        name: name.to_string(),
        region: call.region.to_string(),
        account_id: call.caller.account_id.clone(),
        description: description(body)?.unwrap_or_default(),
        resource_group_id: opt_str(body, "resourceGroupId")?.filter(|s| !s.is_empty()).map(str::to_string),
        data_redundancy_type: redundancy,
        recycle_bin_enabled: opt_bool(body, "recycleBinEnabled")?.unwrap_or(false),
        created_ms: now_ms(),
        updated_ms: now_ms(),
        tags: Default::default(),
    };
    // Project names are unique in a region across all accounts (sls.md 6.1).
    if ls::get_project(txn, call.region, name)?.is_some() {
        return Err(SlsError::ProjectAlreadyExist { project: name.into() }.into());
    }
    ls::insert_project(txn, &record)?;
    Ok(Reply::Empty)
}

pub fn get_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let p = ls::own_project(txn, call.caller, call.region, call.project()?)?;
    Ok(Reply::Json(project_fields(&p)))
}

pub fn update_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let mut p = ls::own_project(txn, call.caller, call.region, call.project()?)?;
    let body = call.json_body()?;
    if let Some(d) = description(body)? {
        p.description = d;
    }
    if let Some(b) = opt_bool(body, "recycleBinEnabled")? {
        p.recycle_bin_enabled = b;
    }
    p.updated_ms = now_ms();
    ls::save_project(txn, &p)?;
    Ok(Reply::Empty)
}

/// Removes the project with everything inside and all their tags.
pub fn delete_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let p = ls::own_project(txn, call.caller, call.region, call.project()?)?;
    ls::delete_project(txn, &p)?;
    Ok(Reply::Empty)
}

/// `GET /` without a project: the caller's projects in this region by name, filtered by name
/// and description substrings and an exact resource group. Names come from the owner index:
/// without a filter `total` is the account's counter and a page reads only index keys up to its
/// offset and its own projects; a name filter reads only index keys, the other filters each
/// project once to count the matches.
pub fn list_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let q = call.query;
    let (offset, size) = paging(q)?;
    let (name, desc, group) = (q.optional("projectName"), q.optional("description"), q.optional("resourceGroupId"));
    let account = &call.caller.account_id;
    let prefix = ls::project_prefix(account, call.region);
    let (total, entries) = if name.is_none() && desc.is_none() && group.is_none() {
        let total = ls::project_count(txn, account, call.region)?;
        let names = if offset < total { ls::names_at(txn, ls::tables::PROJECT_BY_ACCOUNT, &prefix, offset, size)? } else { Vec::new() };
        (total, names.into_iter().map(|n| (n, None)).collect())
    } else {
        ls::filtered_names(txn, ls::tables::PROJECT_BY_ACCOUNT, &prefix, offset, size, |t, n| {
            if !contains(name, n) {
                return Ok(Pick::No);
            }
            if desc.is_none() && group.is_none() {
                return Ok(Pick::Yes(None));
            }
            Ok(match ls::get_project(t, call.region, n)? {
                Some(p) if contains(desc, &p.description) && group.is_none_or(|g| p.resource_group_id.as_deref() == Some(g)) => {
                    Pick::Yes(Some(p))
                }
                _ => Pick::No,
            })
        })?
    };
    let mut projects: Vec<Value> = Vec::with_capacity(entries.len());
    for (n, record) in entries {
        let record = match record {
            Some(p) => Some(p),
            None => ls::get_project(txn, call.region, &n)?,
        };
        if let Some(p) = record {
            projects.push(project_fields(&p));
        }
    }
    Ok(Reply::Json(json!({"count": projects.len(), "total": total, "projects": projects})))
}
