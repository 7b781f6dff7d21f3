//! Simple Log Service resources: projects (owned by an account, named uniquely per region) and
//! the four kinds of resource inside a project. Keys start with the region, so a project is
//! only found through its region's endpoint; ownership is checked on every access.

use crate::caller::Caller;
use crate::failure::Result;
use crate::identity::{load, save, scan_all};
use localyun_core::sls::ResourceKind;
use localyun_core::tags::TagSet;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod tables {
    /// `{region}/{project}` → project record.
    pub const PROJECT: &str = "sls_project";
    /// `{account}/{region}/{project}` → empty, for ListProject.
    pub const PROJECT_BY_ACCOUNT: &str = "sls_project_by_account";
    /// `{region}/{project}/{kind}/{name}` → resource record.
    pub const RESOURCE: &str = "sls_resource";
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub name: String,
    pub region: String,
    pub account_id: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_redundancy_type: Option<String>,
    #[serde(default)]
    pub recycle_bin_enabled: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
}

/// A logstore, dashboard, machine group or Logtail config: the accepted fields of its body as
/// the client sent them (GetX echoes them back), plus times and tags.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceRecord {
    pub name: String,
    pub body: Map<String, Value>,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
}

/// The same record as tag calls and authorization see it: the body stays the JSON text it is
/// stored as (they never look inside), so reading and rewriting tags parses no body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaggedResource {
    pub name: String,
    pub body: Box<serde_json::value::RawValue>,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
}

fn project_key(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

fn owner_key(account: &str, region: &str, name: &str) -> String {
    format!("{account}/{region}/{name}")
}

fn resource_key(region: &str, project: &str, kind: ResourceKind, name: &str) -> String {
    format!("{region}/{project}/{}/{name}", kind.arn_segment())
}

fn resource_prefix(region: &str, project: &str, kind: ResourceKind) -> String {
    format!("{region}/{project}/{}/", kind.arn_segment())
}

pub fn get_project(txn: &mut dyn Txn, region: &str, name: &str) -> Result<Option<ProjectRecord>> {
    load(txn, tables::PROJECT, &project_key(region, name))
}

/// The caller's project: absent → `ProjectNotExist`; another account's → `Unauthorized`
/// "The project does not belong to you." (sls.md 5.1).
pub fn own_project(txn: &mut dyn Txn, caller: &Caller, region: &str, name: &str) -> Result<ProjectRecord> {
    owned(get_project(txn, region, name)?, caller, name)
}

/// The ownership rule of [`own_project`] on a project already read.
pub fn owned(found: Option<ProjectRecord>, caller: &Caller, name: &str) -> Result<ProjectRecord> {
    match found {
        None => Err(ApiError::sls_project_not_exist(name).into()),
        Some(p) if p.account_id != caller.account_id => Err(ApiError::sls_project_not_yours().into()),
        Some(p) => Ok(p),
    }
}

/// What one call has read of a project and a resource, so that the handler reuses what
/// authorization loaded: a tag call reads both for `acs:ResourceTag` and again to change them,
/// in the same transaction, where the second read can only repeat the first.
#[derive(Default)]
pub struct Loaded {
    project: Option<(String, Option<ProjectRecord>)>,
    resource: Option<(String, Option<TaggedResource>)>,
}

impl Loaded {
    pub fn project(&mut self, txn: &mut dyn Txn, region: &str, name: &str) -> Result<Option<ProjectRecord>> {
        if let Some((key, found)) = &self.project {
            if key == name {
                return Ok(found.clone());
            }
        }
        let found = get_project(txn, region, name)?;
        self.project = Some((name.to_string(), found.clone()));
        Ok(found)
    }

    pub fn tagged_resource(
        &mut self,
        txn: &mut dyn Txn,
        region: &str,
        project: &str,
        kind: ResourceKind,
        name: &str,
    ) -> Result<Option<TaggedResource>> {
        let key = resource_key(region, project, kind, name);
        if let Some((k, found)) = &self.resource {
            if *k == key {
                return Ok(found.clone());
            }
        }
        let found: Option<TaggedResource> = load(txn, tables::RESOURCE, &key)?;
        self.resource = Some((key, found.clone()));
        Ok(found)
    }
}

pub fn insert_project(txn: &mut dyn Txn, p: &ProjectRecord) -> Result<()> {
    save_project(txn, p)?;
    txn.put(tables::PROJECT_BY_ACCOUNT, &owner_key(&p.account_id, &p.region, &p.name), b"")?;
    Ok(())
}

pub fn save_project(txn: &mut dyn Txn, p: &ProjectRecord) -> Result<()> {
    save(txn, tables::PROJECT, &project_key(&p.region, &p.name), p)
}

/// Deletes the project and everything in it, tags included.
pub fn delete_project(txn: &mut dyn Txn, p: &ProjectRecord) -> Result<()> {
    let inside = txn.scan(tables::RESOURCE, &format!("{}/{}/", p.region, p.name), None, usize::MAX)?;
    for (key, _) in inside {
        txn.delete(tables::RESOURCE, &key)?;
    }
    txn.delete(tables::PROJECT, &project_key(&p.region, &p.name))?;
    txn.delete(tables::PROJECT_BY_ACCOUNT, &owner_key(&p.account_id, &p.region, &p.name))?;
    Ok(())
}

/// The account's projects in a region, by name.
pub fn list_projects(txn: &mut dyn Txn, account: &str, region: &str) -> Result<Vec<ProjectRecord>> {
    let prefix = format!("{account}/{region}/");
    let names: Vec<String> =
        txn.scan(tables::PROJECT_BY_ACCOUNT, &prefix, None, usize::MAX)?.into_iter().map(|(k, _)| k[prefix.len()..].to_string()).collect();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        if let Some(p) = get_project(txn, region, &n)? {
            out.push(p);
        }
    }
    Ok(out)
}

pub fn get_resource(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, name: &str) -> Result<Option<ResourceRecord>> {
    load(txn, tables::RESOURCE, &resource_key(region, project, kind, name))
}

pub fn save_tagged_resource(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, r: &TaggedResource) -> Result<()> {
    save(txn, tables::RESOURCE, &resource_key(region, project, kind, &r.name), r)
}

/// Every resource of a kind in a project, by name, as tag calls see them.
pub fn list_tagged_resources(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind) -> Result<Vec<TaggedResource>> {
    scan_all(txn, tables::RESOURCE, &resource_prefix(region, project, kind))
}

pub fn require_resource(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, name: &str) -> Result<ResourceRecord> {
    get_resource(txn, region, project, kind, name)?.ok_or_else(|| ApiError::sls_not_exist(kind, name).into())
}

pub fn save_resource(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, r: &ResourceRecord) -> Result<()> {
    save(txn, tables::RESOURCE, &resource_key(region, project, kind, &r.name), r)
}

pub fn delete_resource(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, name: &str) -> Result<bool> {
    Ok(txn.delete(tables::RESOURCE, &resource_key(region, project, kind, name))?)
}

/// Every resource of a kind in a project, by name.
pub fn list_resources(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind) -> Result<Vec<ResourceRecord>> {
    scan_all(txn, tables::RESOURCE, &resource_prefix(region, project, kind))
}

pub fn count_resources(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, limit: usize) -> Result<usize> {
    Ok(txn.scan(tables::RESOURCE, &resource_prefix(region, project, kind), None, limit)?.len())
}
