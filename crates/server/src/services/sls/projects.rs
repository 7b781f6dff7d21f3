//! Projects (sls.md 6.1): `POST /`, `GET /`, `PUT /`, `DELETE /` with the project in the Host.

use super::body::{contains, opt_bool, opt_str, page_of, paging, req_str};
use crate::failure::Result;
use crate::identity::now_ms;
use crate::logservice::{self as ls, ProjectRecord};
use crate::sls::{Reply, SlsCall};
use localyun_core::sls::ResourceKind;
use localyun_core::time::format_sls_datetime;
use localyun_core::ApiError;
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
        Some(d) if d.chars().count() > DESCRIPTION_MAX => Err(ApiError::sls_parameter_invalid("The description is too long.").into()),
        d => Ok(d.map(str::to_string)),
    }
}

pub fn create_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let body = call.json_body()?;
    let name = req_str(body, "projectName")?;
    if !ResourceKind::Project.valid_name(name) {
        return Err(ApiError::sls_parameter_invalid(format!("project name {name} is invalid.")).into());
    }
    if call.host_project.is_some_and(|h| h != name) {
        return Err(ApiError::sls_parameter_invalid("The project in the Host header differs from projectName.").into());
    }
    let redundancy = match opt_str(body, "dataRedundancyType")? {
        None | Some("") => None,
        Some(t @ ("LRS" | "ZRS")) => Some(t.to_string()),
        Some(_) => return Err(ApiError::sls_parameter_invalid("The parameter dataRedundancyType is invalid.").into()),
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
        return Err(ApiError::sls_project_exists(name).into());
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

/// `GET /` without a project: the caller's projects in this region, filtered by name and
/// description substrings and an exact resource group.
pub fn list_project(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let q = call.query;
    let (offset, size) = paging(q)?;
    let group = q.optional("resourceGroupId");
    let all: Vec<ProjectRecord> = ls::list_projects(txn, &call.caller.account_id, call.region)?
        .into_iter()
        .filter(|p| contains(q.optional("projectName"), &p.name) && contains(q.optional("description"), &p.description))
        .filter(|p| group.is_none_or(|g| p.resource_group_id.as_deref() == Some(g)))
        .collect();
    let (total, page) = page_of(all, offset, size);
    let projects: Vec<Value> = page.iter().map(project_fields).collect();
    Ok(Reply::Json(json!({"count": projects.len(), "total": total, "projects": projects})))
}
