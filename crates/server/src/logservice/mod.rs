//! Simple Log Service resources: projects (owned by an account, named uniquely per region) and
//! the four kinds of resource inside a project. Keys start with the region, so a project is
//! only found through its region's endpoint; ownership is checked on every access.

use crate::caller::Caller;
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::SlsError;
use localyun_core::sls::ResourceKind;
use localyun_core::tags::TagSet;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

pub mod tables {
    /// `{region}/{project}` → project record.
    pub const PROJECT: &str = "sls_project";
    /// `{account}/{region}/{project}` → empty, for ListProject.
    pub const PROJECT_BY_ACCOUNT: &str = "sls_project_by_account";
    /// `{region}/{project}/{kind}/{name}` → resource record.
    pub const RESOURCE: &str = "sls_resource";
    /// `{account}/{region}` → how many projects the account has in the region: the `total` of
    /// an unfiltered ListProject without a scan (format 3).
    pub const PROJECT_COUNT: &str = "sls_project_count";
    /// `{region}/{project}/{kind}/{name}` → empty: the resources of a kind by name, keys only,
    /// so a list call skips to its offset without reading records (format 3).
    pub const RESOURCE_NAME: &str = "sls_resource_name";
    /// `{region}/{project}/{kind}` → how many resources of the kind the project holds: the
    /// `total` of an unfiltered list and the quota check without a scan (format 3).
    pub const RESOURCE_COUNT: &str = "sls_resource_count";
    /// `{account}/{region}/{kind}/{resource id}` → empty, for the projects and resources carrying
    /// at least one tag: the resources of ListTagResources in its order (the `resourceId`:
    /// `project` or `project#name`), and none without rows (format 3).
    pub const TAGGED: &str = "sls_tagged";
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

/// A logstore, dashboard, machine group or Logtail config as stored: its name, its body `B`
/// (the kind's record, `services::sls::wire::<kind>`: the accepted fields under their wire
/// names, which GetX echoes), times and tags. The stored format is this envelope whatever `B`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record<B> {
    pub name: String,
    pub body: B,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
}

/// A record of any kind as tag calls, authorization and existence checks see it: the body stays
/// the JSON text it is stored as (they never look inside), so reading and rewriting tags parses
/// no body.
pub type ResourceRecord = Record<Box<serde_json::value::RawValue>>;

fn project_key(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

fn owner_key(account: &str, region: &str, name: &str) -> String {
    format!("{account}/{region}/{name}")
}

fn resource_key(region: &str, project: &str, kind: ResourceKind, name: &str) -> String {
    format!("{region}/{project}/{}/{name}", kind.arn_segment())
}

/// The prefix of a kind's keys in [`tables::RESOURCE`] and [`tables::RESOURCE_NAME`]; a key is
/// the prefix and the resource name.
pub fn resource_prefix(region: &str, project: &str, kind: ResourceKind) -> String {
    format!("{region}/{project}/{}/", kind.arn_segment())
}

/// The prefix of the account's projects in a region in [`tables::PROJECT_BY_ACCOUNT`]; a key is
/// the prefix and the project name.
pub fn project_prefix(account: &str, region: &str) -> String {
    format!("{account}/{region}/")
}

fn project_count_key(account: &str, region: &str) -> String {
    format!("{account}/{region}")
}

fn count_key(region: &str, project: &str, kind: ResourceKind) -> String {
    format!("{region}/{project}/{}", kind.arn_segment())
}

/// The prefix of a kind's entries in [`tables::TAGGED`]; a key is the prefix and the resource
/// ID of ListTagResources (`project` or `project#name`).
pub fn tagged_base(account: &str, region: &str, kind: ResourceKind) -> String {
    format!("{account}/{region}/{}/", kind.arn_segment())
}

fn resource_id(project: &str, name: &str) -> String {
    format!("{project}#{name}")
}

fn read_count(txn: &mut dyn Txn, table: &str, key: &str) -> Result<usize> {
    Ok(txn.get(table, key)?.and_then(|v| String::from_utf8_lossy(&v).parse().ok()).unwrap_or(0))
}

fn write_count(txn: &mut dyn Txn, table: &str, key: &str, n: usize) -> Result<()> {
    if n == 0 {
        txn.delete(table, key)?;
    } else {
        txn.put(table, key, n.to_string().as_bytes())?;
    }
    Ok(())
}

/// Keeps a resource's entry in [`tables::TAGGED`] in step with whether it carries tags.
fn index_tagged(txn: &mut dyn Txn, key: &str, tags: &TagSet) -> Result<()> {
    if tags.is_empty() {
        txn.delete(tables::TAGGED, key)?;
    } else {
        txn.put(tables::TAGGED, key, b"")?;
    }
    Ok(())
}

fn project_tagged_key(p: &ProjectRecord) -> String {
    format!("{}{}", tagged_base(&p.account_id, &p.region, ResourceKind::Project), p.name)
}

fn resource_tagged_key(account: &str, region: &str, project: &str, kind: ResourceKind, name: &str) -> String {
    format!("{}{}", tagged_base(account, region, kind), resource_id(project, name))
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
        None => Err(ResourceKind::Project.not_exist(name).into()),
        Some(p) if p.account_id != caller.account_id => Err(SlsError::ProjectNotYours.into()),
        Some(p) => Ok(p),
    }
}

/// What one call has read of a project and a resource, so that the handler reuses what
/// authorization loaded: a tag call reads both for `acs:ResourceTag` and again to change them,
/// in the same transaction, where the second read can only repeat the first.
#[derive(Default)]
pub struct Loaded {
    project: Option<(String, Option<ProjectRecord>)>,
    resource: Option<(String, Option<ResourceRecord>)>,
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
    ) -> Result<Option<ResourceRecord>> {
        let key = resource_key(region, project, kind, name);
        if let Some((k, found)) = &self.resource {
            if *k == key {
                return Ok(found.clone());
            }
        }
        let found: Option<ResourceRecord> = load(txn, tables::RESOURCE, &key)?;
        self.resource = Some((key, found.clone()));
        Ok(found)
    }
}

pub fn insert_project(txn: &mut dyn Txn, p: &ProjectRecord) -> Result<()> {
    save_project(txn, p)?;
    txn.put(tables::PROJECT_BY_ACCOUNT, &owner_key(&p.account_id, &p.region, &p.name), b"")?;
    let count = project_count_key(&p.account_id, &p.region);
    let n = read_count(txn, tables::PROJECT_COUNT, &count)?;
    write_count(txn, tables::PROJECT_COUNT, &count, n + 1)
}

pub fn save_project(txn: &mut dyn Txn, p: &ProjectRecord) -> Result<()> {
    save(txn, tables::PROJECT, &project_key(&p.region, &p.name), p)?;
    index_tagged(txn, &project_tagged_key(p), &p.tags)
}

/// Deletes the project and everything in it, tags included.
pub fn delete_project(txn: &mut dyn Txn, p: &ProjectRecord) -> Result<()> {
    let inside_prefix = format!("{}/{}/", p.region, p.name);
    let inside = txn.scan(tables::RESOURCE, &inside_prefix, None, usize::MAX)?;
    for (key, _) in inside {
        txn.delete(tables::RESOURCE, &key)?;
        txn.delete(tables::RESOURCE_NAME, &key)?;
        let Some((segment, name)) = localyun_store::key_rest(&key, &inside_prefix).split_once('/') else { continue };
        if let Some(kind) = ResourceKind::from_arn_segment(segment).filter(|k| *k != ResourceKind::Project) {
            txn.delete(tables::TAGGED, &resource_tagged_key(&p.account_id, &p.region, &p.name, kind, name))?;
        }
    }
    for kind in ResourceKind::sub_resources() {
        txn.delete(tables::RESOURCE_COUNT, &count_key(&p.region, &p.name, kind))?;
    }
    txn.delete(tables::PROJECT, &project_key(&p.region, &p.name))?;
    txn.delete(tables::PROJECT_BY_ACCOUNT, &owner_key(&p.account_id, &p.region, &p.name))?;
    txn.delete(tables::TAGGED, &project_tagged_key(p))?;
    let count = project_count_key(&p.account_id, &p.region);
    let n = read_count(txn, tables::PROJECT_COUNT, &count)?;
    write_count(txn, tables::PROJECT_COUNT, &count, n.saturating_sub(1))
}

/// How many projects the account has in the region.
pub fn project_count(txn: &mut dyn Txn, account: &str, region: &str) -> Result<usize> {
    read_count(txn, tables::PROJECT_COUNT, &project_count_key(account, region))
}

/// A resource of a kind, as the kind's [`Record`] or as tag calls see it ([`ResourceRecord`]).
pub fn get_resource<T: serde::de::DeserializeOwned>(
    txn: &mut dyn Txn,
    region: &str,
    project: &str,
    kind: ResourceKind,
    name: &str,
) -> Result<Option<T>> {
    load(txn, tables::RESOURCE, &resource_key(region, project, kind, name))
}

/// Saves a tag change of a resource in a project of `account`.
pub fn save_tags(txn: &mut dyn Txn, account: &str, region: &str, project: &str, kind: ResourceKind, r: &ResourceRecord) -> Result<()> {
    save(txn, tables::RESOURCE, &resource_key(region, project, kind, &r.name), r)?;
    index_tagged(txn, &resource_tagged_key(account, region, project, kind, &r.name), &r.tags)
}

/// A resource that must exist (`LogStoreNotExist`, ... otherwise).
pub fn require_resource<T: serde::de::DeserializeOwned>(
    txn: &mut dyn Txn,
    region: &str,
    project: &str,
    kind: ResourceKind,
    name: &str,
) -> Result<T> {
    get_resource(txn, region, project, kind, name)?.ok_or_else(|| kind.not_exist(name).into())
}

/// Stores a new resource in a project of `account`, with its name index entry and count.
pub fn insert_resource<B: Serialize>(
    txn: &mut dyn Txn,
    account: &str,
    region: &str,
    project: &str,
    kind: ResourceKind,
    r: &Record<B>,
) -> Result<()> {
    let key = resource_key(region, project, kind, &r.name);
    save(txn, tables::RESOURCE, &key, r)?;
    txn.put(tables::RESOURCE_NAME, &key, b"")?;
    index_tagged(txn, &resource_tagged_key(account, region, project, kind, &r.name), &r.tags)?;
    let count = count_key(region, project, kind);
    let n = read_count(txn, tables::RESOURCE_COUNT, &count)?;
    write_count(txn, tables::RESOURCE_COUNT, &count, n + 1)
}

/// Stores an updated resource; its tags are unchanged (tag calls use [`save_tags`]).
pub fn save_resource<B: Serialize>(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind, r: &Record<B>) -> Result<()> {
    save(txn, tables::RESOURCE, &resource_key(region, project, kind, &r.name), r)
}

/// Deletes a resource of a project of `account`, with its tags; returns whether it existed.
pub fn delete_resource(txn: &mut dyn Txn, account: &str, region: &str, project: &str, kind: ResourceKind, name: &str) -> Result<bool> {
    let key = resource_key(region, project, kind, name);
    if !txn.delete(tables::RESOURCE, &key)? {
        return Ok(false);
    }
    txn.delete(tables::RESOURCE_NAME, &key)?;
    txn.delete(tables::TAGGED, &resource_tagged_key(account, region, project, kind, name))?;
    let count = count_key(region, project, kind);
    let n = read_count(txn, tables::RESOURCE_COUNT, &count)?;
    write_count(txn, tables::RESOURCE_COUNT, &count, n.saturating_sub(1))?;
    Ok(true)
}

/// How many resources of a kind the project holds.
pub fn resource_count(txn: &mut dyn Txn, region: &str, project: &str, kind: ResourceKind) -> Result<usize> {
    read_count(txn, tables::RESOURCE_COUNT, &count_key(region, project, kind))
}

/// Index keys read per scan by the offset pagers.
const NAME_BATCH: usize = 1000;

/// The names `offset..offset + size` of a keys-only name index (keys `{prefix}{name}`, in name
/// order), reading index keys only: the offset is skipped a batch of keys at a time.
pub fn names_at(txn: &mut dyn Txn, table: &str, prefix: &str, offset: usize, size: usize) -> Result<Vec<String>> {
    let mut skipped = 0;
    let mut out = Vec::with_capacity(size.min(NAME_BATCH));
    let mut cursor: Option<String> = None;
    while out.len() < size {
        let want =
            if skipped < offset { (offset - skipped).saturating_add(size).min(NAME_BATCH) } else { (size - out.len()).min(NAME_BATCH) };
        let rows = txn.scan(table, prefix, cursor.as_deref(), want)?;
        let exhausted = rows.len() < want;
        for (k, _) in rows {
            if skipped < offset {
                skipped += 1;
            } else if out.len() < size {
                out.push(localyun_store::key_rest(&k, prefix).to_string());
            }
            cursor = Some(k);
        }
        if exhausted {
            break;
        }
    }
    Ok(out)
}

/// What a filtered list makes of one name: not listed, or listed with its record when the
/// filter had to read it.
pub enum Pick<T> {
    No,
    Yes(Option<T>),
}

/// Names of a page, each with the record its filter read, if any.
pub type NamedPage<T> = Vec<(String, Option<T>)>;

/// A filtered `offset`/`size` page of a name index: every name is offered to `pick` in name
/// order (which reads a record only when its filter needs one), the accepted ones are counted
/// for `total`, and those at `offset..offset + size` are returned with the record `pick` read.
pub fn filtered_names<T>(
    txn: &mut dyn Txn,
    table: &str,
    prefix: &str,
    offset: usize,
    size: usize,
    mut pick: impl FnMut(&mut dyn Txn, &str) -> Result<Pick<T>>,
) -> Result<(usize, NamedPage<T>)> {
    let mut total = 0;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let rows = txn.scan(table, prefix, cursor.as_deref(), NAME_BATCH)?;
        let exhausted = rows.len() < NAME_BATCH;
        for (k, _) in rows {
            let name = localyun_store::key_rest(&k, prefix);
            if let Pick::Yes(record) = pick(txn, name)? {
                if total >= offset && out.len() < size {
                    out.push((name.to_string(), record));
                }
                total += 1;
            }
            cursor = Some(k);
        }
        if exhausted {
            return Ok((total, out));
        }
    }
}

/// Format 3: the name index and counts of resources, the project counts, and the index of
/// tagged projects and resources, built from the records of an older store.
pub fn build_indexes(txn: &mut dyn Txn) -> Result<()> {
    use crate::record::{clear, for_each_row};
    use std::collections::BTreeMap;
    for table in [tables::RESOURCE_NAME, tables::RESOURCE_COUNT, tables::PROJECT_COUNT, tables::TAGGED] {
        clear(txn, table)?;
    }
    let mut projects: BTreeMap<String, usize> = BTreeMap::new();
    for_each_row(txn, tables::PROJECT_BY_ACCOUNT, |_, k, _| {
        // `{account}/{region}/{project}`: no part holds a `/`.
        if let Some((owner, _)) = k.rsplit_once('/') {
            *projects.entry(owner.to_string()).or_default() += 1;
        }
        Ok(())
    })?;
    for (key, n) in projects {
        write_count(txn, tables::PROJECT_COUNT, &key, n)?;
    }
    for_each_row(txn, tables::PROJECT, |t, _, v| {
        let p: ProjectRecord = decode(tables::PROJECT, v)?;
        index_tagged(t, &project_tagged_key(&p), &p.tags)
    })?;
    // Only the tags of a resource record are read; its owner is its project's.
    #[derive(Deserialize)]
    struct Tags {
        #[serde(default)]
        tags: TagSet,
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut owners: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
    for_each_row(txn, tables::RESOURCE, |t, k, v| {
        t.put(tables::RESOURCE_NAME, k, b"")?;
        // `{region}/{project}/{kind}/{name}`: no part holds a `/`.
        let mut parts = k.splitn(4, '/');
        let (Some(region), Some(project), Some(segment), Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Ok(());
        };
        let Some(kind) = ResourceKind::from_arn_segment(segment).filter(|k| *k != ResourceKind::Project) else { return Ok(()) };
        *counts.entry(count_key(region, project, kind)).or_default() += 1;
        let tags: Tags = decode(tables::RESOURCE, v)?;
        if tags.tags.is_empty() {
            return Ok(());
        }
        let owner = match owners.get(&(region.to_string(), project.to_string())) {
            Some(owner) => owner.clone(),
            None => {
                let owner = get_project(t, region, project)?.map(|p| p.account_id);
                owners.insert((region.to_string(), project.to_string()), owner.clone());
                owner
            }
        };
        if let Some(account) = owner {
            t.put(tables::TAGGED, &resource_tagged_key(&account, region, project, kind, name), b"")?;
        }
        Ok(())
    })?;
    for (key, n) in counts {
        write_count(txn, tables::RESOURCE_COUNT, &key, n)?;
    }
    Ok(())
}
