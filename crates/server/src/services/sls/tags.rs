//! `POST /tag`, `POST /untag` (the seed) and `GET /tags` (sls.md 7): one resource per call,
//! 20 tags per call and per resource, the project taken from `resourceId`.

use super::wire::bad;
use super::wire::tags::{tag_error, ListTagResources, TagList, TagResource, TagResources, UntagResources};
use crate::failure::Result;
use crate::logservice::{self as ls, ProjectRecord, ResourceRecord};
use crate::services::{tag_rows_page, TagRow};
use crate::sls::Context;
use localyun_core::paging::{encode_token, page};
use localyun_core::sls::{parse_resource_id, ResourceKind};
use localyun_core::tags::{TagSet, SLS_TAGS};
use localyun_core::ApiError;
use localyun_store::Txn;

/// Rows of one ListTagResources page: the SDKs page until `nextToken` is `""` (sls.md 7.4).
const LIST_PAGE_ROWS: usize = 100;

/// A tagged resource found for the caller.
enum Target {
    Project(ProjectRecord),
    Resource { project: String, kind: ResourceKind, record: ResourceRecord },
}

impl Target {
    fn tags(&self) -> &TagSet {
        match self {
            Target::Project(p) => &p.tags,
            Target::Resource { record, .. } => &record.tags,
        }
    }

    fn id(&self) -> String {
        match self {
            Target::Project(p) => p.name.clone(),
            Target::Resource { project, record, .. } => format!("{project}#{}", record.name),
        }
    }

    /// Saves new tags; `account` owns the target (checked when it was resolved).
    fn save(mut self, txn: &mut dyn Txn, account: &str, region: &str, tags: TagSet) -> Result<()> {
        match &mut self {
            Target::Project(p) => {
                p.tags = tags;
                ls::save_project(txn, p)
            }
            Target::Resource { project, kind, record } => {
                record.tags = tags;
                ls::save_tags(txn, account, region, project, *kind, record)
            }
        }
    }
}

/// The resource an id names; the project must be the caller's, the resource must exist.
fn resolve(cx: &Context<'_>, txn: &mut dyn Txn, kind: ResourceKind, id: &str) -> Result<Target> {
    let parsed = parse_resource_id(kind, id).ok_or_else(|| bad(format!("resourceId {id} is invalid.")))?;
    let mut loaded = cx.loaded.borrow_mut();
    let project = ls::owned(loaded.project(txn, cx.region, parsed.project)?, cx.caller, parsed.project)?;
    match parsed.name {
        None => Ok(Target::Project(project)),
        Some(name) => {
            let record =
                loaded.tagged_resource(txn, cx.region, &project.name, kind, name)?.ok_or_else(|| ApiError::from(kind.not_exist(name)))?;
            Ok(Target::Resource { project: project.name, kind, record })
        }
    }
}

pub fn tag_resources(req: TagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let target = resolve(cx, txn, req.kind, &req.id)?;
    let pairs: Vec<(&str, &str)> = req.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let merged = SLS_TAGS.merged(target.tags(), &pairs).map_err(tag_error)?;
    target.save(txn, cx.account(), cx.region, merged)
}

/// `all=true` removes every tag; otherwise the keys in `tags` go (absent keys are fine), and no
/// keys with `all` false is a no-op (sls.md 7.3).
pub fn untag_resources(req: UntagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let target = resolve(cx, txn, req.kind, &req.id)?;
    let mut tags = target.tags().clone();
    if req.all {
        tags.clear();
    } else {
        tags.retain(|k, _| !req.keys.contains(k));
    }
    if tags.len() != target.tags().len() {
        target.save(txn, cx.account(), cx.region, tags)?;
    }
    Ok(())
}

/// One row per (resource, tag); resources filtered by every `tags` filter (AND); `nextToken`
/// always present, `""` on the last page (sls.md 7.4).
pub fn list_tag_resources(req: ListTagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<TagList> {
    let ListTagResources { spelled, kind, ids, filter, after } = req;
    let filter_refs: Vec<(&str, Option<&str>)> = filter.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    let (items, more) = if ids.is_empty() {
        every_tagged(cx, txn, kind, &filter_refs, after.as_deref())?
    } else {
        // At most 50 named resources: sorted here.
        let mut found: Vec<Target> = Vec::with_capacity(ids.len());
        for id in &ids {
            let t = resolve(cx, txn, kind, id)?;
            if !found.iter().any(|f| f.id() == t.id()) {
                found.push(t);
            }
        }
        found.sort_by_key(Target::id);
        let rows: Vec<TagRow> = found
            .iter()
            .filter(|t| localyun_core::tags::matches_all(t.tags(), &filter_refs))
            .flat_map(|t| {
                let id = t.id();
                t.tags().iter().map(move |(k, v)| TagRow {
                    position: format!("{id}\n{k}"),
                    resource: id.clone(),
                    key: k.clone(),
                    value: v.clone(),
                })
            })
            .collect();
        page(rows, after.as_ref(), LIST_PAGE_ROWS, |r| r.position.clone())
    };
    let next = match items.last() {
        Some(last) if more => encode_token(&last.position),
        _ => String::new(),
    };
    let tag_resources = items
        .into_iter()
        .map(|r| TagResource { resource_type: spelled.clone(), resource_id: r.resource, tag_key: r.key, tag_value: r.value })
        .collect();
    Ok(TagList { next_token: next, tag_resources })
}

/// Rows of every tagged resource of `kind` the caller has in this region (narrowed to the
/// Host's project), from the index of tagged resources in `resourceId` order: a page loads only
/// the resources of its rows (with a tag filter, resources until the page is full and one more
/// row matches).
fn every_tagged(
    cx: &Context<'_>,
    txn: &mut dyn Txn,
    kind: ResourceKind,
    filter: &[(&str, Option<&str>)],
    after: Option<&str>,
) -> Result<(Vec<TagRow>, bool)> {
    let account = cx.account();
    let region = cx.region;
    let base = ls::tagged_base(account, region, kind);
    let only = cx.host_project;
    // A project's ID is its name, a resource's `project#name`.
    let narrow = match (kind, only) {
        (_, None) => String::new(),
        (ResourceKind::Project, Some(p)) => p.to_string(),
        (_, Some(p)) => format!("{p}#"),
    };
    let in_scope = |id: &str| kind != ResourceKind::Project || only.is_none_or(|p| id == p);
    tag_rows_page(txn, ls::tables::TAGGED, &base, &narrow, after, LIST_PAGE_ROWS, filter, in_scope, |t, id, _| {
        Ok(match (kind, id.split_once('#')) {
            (ResourceKind::Project, _) => ls::get_project(t, region, id)?.filter(|p| p.account_id == account).map(|p| p.tags),
            (_, Some((project, name))) => ls::get_resource::<ResourceRecord>(t, region, project, kind, name)?.map(|r| r.tags),
            (_, None) => None,
        })
    })
}
