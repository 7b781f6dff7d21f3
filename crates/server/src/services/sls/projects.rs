//! Projects (sls.md 6.1): `POST /`, `GET /`, `PUT /`, `DELETE /` with the project in the Host.

use super::wire::contains;
use super::wire::projects::{CreateProject, HostProject, ListProject, Project, ProjectChanges, ProjectList, UpdateProject};
use crate::failure::Result;
use crate::identity::now_ms;
use crate::logservice::{self as ls, Pick, ProjectRecord};
use crate::sls::Context;
use localyun_core::sls::ResourceKind;
use localyun_store::Txn;

pub fn create_project(req: CreateProject, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let now = now_ms();
    let record = ProjectRecord {
        name: req.name,
        region: cx.region.to_string(),
        account_id: cx.account().to_string(),
        description: req.description,
        resource_group_id: req.resource_group_id,
        data_redundancy_type: req.data_redundancy_type,
        recycle_bin_enabled: req.recycle_bin_enabled,
        created_ms: now,
        updated_ms: now,
        tags: Default::default(),
    };
    // Project names are unique in a region across all accounts (sls.md 6.1).
    if ls::get_project(txn, cx.region, &record.name)?.is_some() {
        return Err(ResourceKind::Project.already_exists(&record.name).into());
    }
    ls::insert_project(txn, &record)
}

pub fn get_project(req: HostProject, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<Project> {
    Ok(ls::own_project(txn, cx.caller, cx.region, &req.project)?.into())
}

pub fn update_project(req: UpdateProject, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let mut p = ls::own_project(txn, cx.caller, cx.region, &req.project)?;
    let ProjectChanges { description, recycle_bin_enabled } = req.changes.take()?;
    if let Some(d) = description {
        p.description = d;
    }
    if let Some(b) = recycle_bin_enabled {
        p.recycle_bin_enabled = b;
    }
    p.updated_ms = now_ms();
    ls::save_project(txn, &p)
}

/// Removes the project with everything inside and all their tags.
pub fn delete_project(req: HostProject, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let p = ls::own_project(txn, cx.caller, cx.region, &req.project)?;
    ls::delete_project(txn, &p)
}

/// `GET /` without a project: the caller's projects in this region by name, filtered by name
/// and description substrings and an exact resource group. Names come from the owner index:
/// without a filter `total` is the account's counter and a page reads only index keys up to its
/// offset and its own projects; a name filter reads only index keys, the other filters each
/// project once to count the matches.
pub fn list_project(req: ListProject, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<ProjectList> {
    let (offset, size) = (req.paging.offset, req.paging.size);
    let (name, desc, group) = (req.name.as_deref(), req.description.as_deref(), req.resource_group_id.as_deref());
    let account = cx.account();
    let prefix = ls::project_prefix(account, cx.region);
    let (total, entries) = if name.is_none() && desc.is_none() && group.is_none() {
        let total = ls::project_count(txn, account, cx.region)?;
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
            Ok(match ls::get_project(t, cx.region, n)? {
                Some(p) if contains(desc, &p.description) && group.is_none_or(|g| p.resource_group_id.as_deref() == Some(g)) => {
                    Pick::Yes(Some(p))
                }
                _ => Pick::No,
            })
        })?
    };
    let mut projects: Vec<Project> = Vec::with_capacity(entries.len());
    for (n, record) in entries {
        let record = match record {
            Some(p) => Some(p),
            None => ls::get_project(txn, cx.region, &n)?,
        };
        projects.extend(record.map(Project::from));
    }
    Ok(ProjectList { count: projects.len(), total, projects })
}
