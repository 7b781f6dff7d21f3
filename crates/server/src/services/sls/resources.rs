//! Logstores, dashboards, machine groups and Logtail configs (sls.md 6.2-6.5): one set of
//! create/get/update/delete/list handlers; what differs per kind is its row of the kinds' table
//! (`localyun_core::sls`) and its [`Kind`] (body, stored record, filters, answers) in its file
//! under `wire/`.

pub use super::wire::kind::{At, Kind};
use super::wire::resources::{Changed, CreateResource, ListResources, NewResource, ResourceAt, UpdateResource};
use super::wire::{contains, NameList};
use crate::failure::Result;
use crate::identity::now_ms;
use crate::logservice::{self as ls, Pick, Record};
use crate::sls::Context;
use localyun_core::error::SlsError;
use localyun_store::Txn;

pub fn create<K: Kind>(req: CreateResource<K>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let project = req.project.as_str();
    ls::own_project(txn, cx.caller, cx.region, project)?;
    let NewResource { name, draft } = req.body.take()?;
    if ls::get_resource::<ls::ResourceRecord>(txn, cx.region, project, K::KIND, &name)?.is_some() {
        return Err(K::KIND.already_exists(&name).into());
    }
    if ls::resource_count(txn, cx.region, project, K::KIND)? >= K::KIND.spec().max_per_project {
        return Err(SlsError::ProjectQuotaExceed.into());
    }
    let body = K::accept(draft, &name, None, txn, At { region: cx.region, project })?;
    let now = now_ms();
    let record = Record { name, body, created_ms: now, updated_ms: now, tags: Default::default() };
    ls::insert_resource(txn, cx.account(), cx.region, project, K::KIND, &record)
}

fn existing<K: Kind>(at: &ResourceAt, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<Record<K::Body>> {
    ls::own_project(txn, cx.caller, cx.region, &at.project)?;
    ls::require_resource(txn, cx.region, &at.project, K::KIND, &at.name)
}

pub fn get<K: Kind>(req: ResourceAt, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<K::Answer> {
    Ok(K::render(existing::<K>(&req, cx, txn)?))
}

pub fn update<K: Kind>(req: UpdateResource<K>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let r = existing::<K>(&req.at, cx, txn)?;
    let Changed { name, draft } = req.body.take()?;
    if let Some(n) = name.filter(|n| *n != r.name) {
        return Err(UpdateResource::<K>::mismatch(&n));
    }
    let Record { name, body, created_ms, tags, .. } = r;
    let body = K::accept(draft, &name, Some(body), txn, At { region: cx.region, project: &req.at.project })?;
    let record = Record { name, body, created_ms, updated_ms: now_ms(), tags };
    ls::save_resource(txn, cx.region, &req.at.project, K::KIND, &record)
}

/// Deletes the resource and, with it, its tags.
pub fn delete<K: Kind>(req: ResourceAt, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    existing::<K>(&req, cx, txn)?;
    ls::delete_resource(txn, cx.account(), cx.region, &req.project, K::KIND, &req.name)?;
    Ok(())
}

/// `offset`/`size` over the kind's resources by name, with `count` and `total`. Names come from
/// the name index: without a filter `total` is the project's counter and a page reads only index
/// keys up to its offset (and, for dashboards, its own records); a name filter reads only index
/// keys, the other filters each resource once to count the matches.
pub fn list<K: Kind>(req: ListResources<K>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<K::Listing> {
    let (region, project) = (cx.region, req.project.as_str());
    ls::own_project(txn, cx.caller, region, project)?;
    let paging = req.paging.take()?;
    let (offset, size) = (paging.offset, paging.size);
    let name_filter = req.name.as_deref();
    let by_record = K::filters_records(&req.filter);
    let prefix = ls::resource_prefix(region, project, K::KIND);
    let (total, entries) = if name_filter.is_none() && !by_record {
        let total = ls::resource_count(txn, region, project, K::KIND)?;
        let names = if offset < total { ls::names_at(txn, ls::tables::RESOURCE_NAME, &prefix, offset, size)? } else { Vec::new() };
        (total, names.into_iter().map(|n| (n, None)).collect())
    } else {
        ls::filtered_names(txn, ls::tables::RESOURCE_NAME, &prefix, offset, size, |t, n| {
            if !contains(name_filter, n) {
                return Ok(Pick::No);
            }
            if !by_record {
                return Ok(Pick::Yes(None));
            }
            Ok(match ls::get_resource::<Record<K::Body>>(t, region, project, K::KIND, n)? {
                Some(r) if K::matches(&r, &req.filter) => Pick::Yes(Some(r)),
                _ => Pick::No,
            })
        })?
    };
    let names = NameList { field: K::KIND.spec().list_field, total, names: entries.iter().map(|(n, _)| n.clone()).collect() };
    let mut page = Vec::new();
    if K::LIST_RECORDS {
        page.reserve(entries.len());
        for (n, record) in entries {
            match record {
                Some(r) => page.push(r),
                None => page.extend(ls::get_resource::<Record<K::Body>>(txn, region, project, K::KIND, &n)?),
            }
        }
    }
    Ok(K::listing(names, page))
}
