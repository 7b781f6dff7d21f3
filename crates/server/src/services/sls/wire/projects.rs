//! Projects (sls.md 6.1): `POST /`, `GET /`, `PUT /`, `DELETE /` with the project in the Host,
//! and ListProject.

use super::{bad, opt, required, Field, Paging};
use crate::failure::Deferred;
use crate::failure::Result;
use crate::logservice::ProjectRecord;
use crate::sls::{FromCall, SlsCall};
use localyun_core::sls::ResourceKind;
use localyun_core::time::format_sls_datetime;
use serde::{Deserialize, Serialize};

const DESCRIPTION_MAX: usize = 1024;

fn description(f: Field<String>) -> Result<Option<String>> {
    match opt(f, "description")? {
        Some(d) if d.chars().count() > DESCRIPTION_MAX => Err(bad("The description is too long.").into()),
        d => Ok(d),
    }
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct CreateProjectBody {
    project_name: Field<String>,
    description: Field<String>,
    resource_group_id: Field<String>,
    data_redundancy_type: Field<String>,
    recycle_bin_enabled: Field<bool>,
}

/// CreateProject: the body names the project; a project prefix in the Host is ignored
/// (sls.md 1.1): aliyun-sdk 1.12.10 `lib/services/sls.js` populateURI builds
/// `Host: <params.projectName>.<endpoint>`, and CreateProject's input has no such field (only
/// `projectDetail.projectName`), so it sends `Host: undefined.<endpoint>`, which the real
/// service accepts.
pub struct CreateProject {
    pub name: String,
    pub description: String,
    pub resource_group_id: Option<String>,
    /// `LRS` or `ZRS`.
    pub data_redundancy_type: Option<String>,
    pub recycle_bin_enabled: bool,
}

impl FromCall for CreateProject {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let body: CreateProjectBody = call.json_body()?;
        let name = required(body.project_name, "projectName")?;
        if !ResourceKind::Project.valid_name(&name) {
            return Err(bad(format!("project name {name} is invalid.")).into());
        }
        let data_redundancy_type = match opt(body.data_redundancy_type, "dataRedundancyType")? {
            None => None,
            Some(t) if t.is_empty() => None,
            Some(t) if t == "LRS" || t == "ZRS" => Some(t),
            Some(_) => return Err(bad("The parameter dataRedundancyType is invalid.").into()),
        };
        Ok(Self {
            name,
            data_redundancy_type,
            description: description(body.description)?.unwrap_or_default(),
            resource_group_id: opt(body.resource_group_id, "resourceGroupId")?.filter(|s| !s.is_empty()),
            recycle_bin_enabled: opt(body.recycle_bin_enabled, "recycleBinEnabled")?.unwrap_or(false),
        })
    }
}

/// GetProject, DeleteProject: the project of the Host.
pub struct HostProject {
    pub project: String,
}

impl FromCall for HostProject {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        Ok(Self { project: call.project()?.to_string() })
    }
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct UpdateProjectBody {
    description: Field<String>,
    recycle_bin_enabled: Field<bool>,
}

/// UpdateProject: the fields given replace the project's; the body is checked once the
/// project is found to be the caller's.
pub struct UpdateProject {
    pub project: String,
    pub changes: Deferred<ProjectChanges>,
}

pub struct ProjectChanges {
    pub description: Option<String>,
    pub recycle_bin_enabled: Option<bool>,
}

impl FromCall for UpdateProject {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let changes = Deferred::decode(|| {
            let body: UpdateProjectBody = call.json_body()?;
            Ok(ProjectChanges {
                description: description(body.description)?,
                recycle_bin_enabled: opt(body.recycle_bin_enabled, "recycleBinEnabled")?,
            })
        });
        Ok(Self { project: call.project()?.to_string(), changes })
    }
}

/// ListProject `GET /` without a project: paging and substring filters on name and description,
/// an exact resource group.
pub struct ListProject {
    pub paging: Paging,
    pub name: Option<String>,
    pub description: Option<String>,
    pub resource_group_id: Option<String>,
}

impl FromCall for ListProject {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let q = call.query;
        let paging = Paging::read(q)?;
        let text = |name: &str| q.optional(name).map(str::to_string);
        Ok(Self { paging, name: text("projectName"), description: text("description"), resource_group_id: text("resourceGroupId") })
    }
}

/// GetProject's answer, also each item of ListProject.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub project_name: String,
    pub description: String,
    pub status: &'static str,
    pub region: String,
    pub owner: String,
    /// `YYYY-MM-DD HH:MM:SS` strings (sls.md 6).
    pub create_time: String,
    pub last_modify_time: String,
    pub resource_group_id: String,
    pub data_redundancy_type: String,
    pub recycle_bin_enabled: bool,
}

impl From<ProjectRecord> for Project {
    fn from(p: ProjectRecord) -> Self {
        Self {
            project_name: p.name,
            description: p.description,
            status: "Normal",
            region: p.region,
            owner: p.account_id,
            create_time: format_sls_datetime(p.created_ms),
            last_modify_time: format_sls_datetime(p.updated_ms),
            resource_group_id: p.resource_group_id.unwrap_or_default(),
            data_redundancy_type: p.data_redundancy_type.unwrap_or_else(|| "LRS".into()),
            recycle_bin_enabled: p.recycle_bin_enabled,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProjectList {
    pub count: usize,
    pub total: usize,
    pub projects: Vec<Project>,
}
