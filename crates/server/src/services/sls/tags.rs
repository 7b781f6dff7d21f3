//! `POST /tag`, `POST /untag` (the seed) and `GET /tags` (sls.md 7): one resource per call,
//! 20 tags per call and per resource, the project taken from `resourceId`.

use super::body::{opt_bool, opt_str};
use crate::failure::Result;
use crate::logservice::{self as ls, ProjectRecord, TaggedResource};
use crate::services::{tag_rows_page, TagRow};
use crate::sls::{Reply, SlsCall};
use localyun_core::error::SlsError;
use localyun_core::paging::{decode_token, encode_token, page};
use localyun_core::sls::{parse_resource_id, ResourceKind};
use localyun_core::tags::{TagError, TagSet, SLS_TAGS};
use localyun_core::ApiError;
use localyun_store::Txn;
use serde_json::{json, Map, Value};

/// Rows of one ListTagResources page: the SDKs page until `nextToken` is `""` (sls.md 7.4).
const LIST_PAGE_ROWS: usize = 100;
/// Resources named in one ListTagResources call.
const MAX_LIST_RESOURCES: usize = 50;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::from(SlsError::parameter_invalid(message))
}

fn tag_error(e: TagError) -> ApiError {
    bad(format!("The tags are invalid: {e}."))
}

/// A tagged resource found for the caller.
enum Target {
    Project(ProjectRecord),
    Resource { project: String, kind: ResourceKind, record: TaggedResource },
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
                ls::save_tagged_resource(txn, account, region, project, *kind, record)
            }
        }
    }
}

fn kind_of(spelled: &str) -> Result<ResourceKind> {
    ResourceKind::parse_tag_type(spelled).ok_or_else(|| bad(format!("resourceType {spelled} is not supported.")).into())
}

/// The resource an id names; the project must be the caller's, the resource must exist.
fn resolve(call: &SlsCall<'_>, txn: &mut dyn Txn, kind: ResourceKind, id: &str) -> Result<Target> {
    let parsed = parse_resource_id(kind, id).ok_or_else(|| bad(format!("resourceId {id} is invalid.")))?;
    let mut loaded = call.loaded.borrow_mut();
    let project = ls::owned(loaded.project(txn, call.region, parsed.project)?, call.caller, parsed.project)?;
    match parsed.name {
        None => Ok(Target::Project(project)),
        Some(name) => {
            let record =
                loaded.tagged_resource(txn, call.region, &project.name, kind, name)?.ok_or_else(|| ApiError::from(kind.not_exist(name)))?;
            Ok(Target::Resource { project: project.name, kind, record })
        }
    }
}

/// `resourceId`: an array of strings, or (the seed's sample) a bare string.
fn resource_ids(body: &Map<String, Value>) -> Result<Vec<String>> {
    match body.get("resourceId") {
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad("resourceId must hold strings.").into())).collect()
        }
        _ => Err(bad("The parameter resourceId is required.").into()),
    }
}

/// Exactly one resource per Tag/Untag call (sls.md 7.5).
fn single_resource(body: &Map<String, Value>) -> Result<String> {
    let mut ids = resource_ids(body)?;
    match ids.len() {
        1 => Ok(ids.remove(0)),
        0 => Err(bad("The parameter resourceId is required.").into()),
        n => Err(bad(format!("Only one resource can be given per call, got {n}.")).into()),
    }
}

pub fn tag_resources(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let body = call.json_body()?;
    let kind = kind_of(opt_str(body, "resourceType")?.ok_or_else(|| bad("The parameter resourceType is required."))?)?;
    let id = single_resource(body)?;
    let Some(Value::Array(items)) = body.get("tags") else {
        return Err(bad("The parameter tags is required.").into());
    };
    if items.is_empty() || items.len() > SLS_TAGS.max_per_resource {
        return Err(bad(format!("A call must give 1 to {} tags.", SLS_TAGS.max_per_resource)).into());
    }
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(items.len());
    for item in items {
        let key = item.get("key").and_then(Value::as_str).ok_or_else(|| bad("Each tag needs a string key."))?;
        let value = match item.get("value") {
            None | Some(Value::Null) => "",
            Some(Value::String(v)) => v,
            Some(_) => return Err(bad("A tag value must be a string.").into()),
        };
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err(bad(format!("The tag key {key} is given twice.")).into());
        }
        pairs.push((key, value));
    }
    SLS_TAGS.check_pairs(pairs.iter().copied()).map_err(tag_error)?;
    let target = resolve(call, txn, kind, &id)?;
    let merged = SLS_TAGS.merged(target.tags(), &pairs).map_err(tag_error)?;
    target.save(txn, &call.caller.account_id, call.region, merged)?;
    Ok(Reply::Empty)
}

/// `all=true` removes every tag; otherwise the keys in `tags` go (absent keys are fine), and no
/// keys with `all` false is a no-op (sls.md 7.3).
pub fn untag_resources(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let body = call.json_body()?;
    let id = single_resource(body)?;
    let kind = match opt_str(body, "resourceType")? {
        Some(t) => kind_of(t)?,
        // Absent: a project when the id has no `#` (sls.md 7.3).
        None if !id.contains('#') => ResourceKind::Project,
        None => return Err(bad("The parameter resourceType is required.").into()),
    };
    let all = opt_bool(body, "all")?.unwrap_or(false);
    let keys: Vec<&str> = match body.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().ok_or_else(|| bad("tags must hold tag keys."))).collect::<Result<_, _>>()?
        }
        Some(_) => return Err(bad("tags must be an array of tag keys.").into()),
    };
    if keys.len() > SLS_TAGS.max_per_resource {
        return Err(bad(format!("At most {} tag keys can be given.", SLS_TAGS.max_per_resource)).into());
    }
    let target = resolve(call, txn, kind, &id)?;
    let mut tags = target.tags().clone();
    if all {
        tags.clear();
    } else {
        tags.retain(|k, _| !keys.contains(&k.as_str()));
    }
    if tags.len() != target.tags().len() {
        target.save(txn, &call.caller.account_id, call.region, tags)?;
    }
    Ok(Reply::Empty)
}

/// A JSON text carried in a query parameter (`resourceId=["p"]`, `tags=[{"key":..}]`).
fn json_query(call: &SlsCall<'_>, name: &str) -> Result<Option<Value>> {
    match call.query.optional(name) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text).map(Some).map_err(|_| bad(format!("The parameter {name} is not valid JSON.")).into()),
    }
}

/// One row per (resource, tag); resources filtered by every `tags` filter (AND); `nextToken`
/// always present, `""` on the last page (sls.md 7.4).
pub fn list_tag_resources(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let spelled = call.query.optional("resourceType").ok_or_else(|| bad("The parameter resourceType is required."))?;
    let kind = kind_of(spelled)?;
    let ids: Vec<String> = match json_query(call, "resourceId")? {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad("resourceId must hold strings.")))
            .collect::<Result<_, _>>()?,
        Some(Value::String(s)) => vec![s],
        Some(_) => return Err(bad("resourceId must be a JSON array.").into()),
    };
    if ids.len() > MAX_LIST_RESOURCES {
        return Err(bad(format!("At most {MAX_LIST_RESOURCES} resources can be listed per call.")).into());
    }
    let filter: Vec<(String, Option<String>)> = match json_query(call, "tags")? {
        None => Vec::new(),
        Some(Value::Array(items)) if items.len() <= SLS_TAGS.max_per_resource => items
            .iter()
            .map(|f| {
                let key = f.get("key").and_then(Value::as_str).ok_or_else(|| bad("Each tag filter needs a key."))?;
                Ok((key.to_string(), f.get("value").and_then(Value::as_str).map(str::to_string)))
            })
            .collect::<Result<_, ApiError>>()?,
        Some(_) => return Err(bad("tags must be a JSON array of at most 20 filters.").into()),
    };
    let after = match call.query.optional("nextToken") {
        Some(t) => Some(decode_token(t).ok_or_else(|| bad("The nextToken is invalid."))?),
        None => None,
    };
    let filter_refs: Vec<(&str, Option<&str>)> = filter.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    let (items, more) = if ids.is_empty() {
        every_tagged(call, txn, kind, &filter_refs, after.as_deref())?
    } else {
        // At most 50 named resources: sorted here.
        let mut found: Vec<Target> = Vec::with_capacity(ids.len());
        for id in &ids {
            let t = resolve(call, txn, kind, id)?;
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
    let list: Vec<Value> = items
        .into_iter()
        .map(|r| json!({"resourceType": spelled, "resourceId": r.resource, "tagKey": r.key, "tagValue": r.value}))
        .collect();
    Ok(Reply::Json(json!({"nextToken": next, "tagResources": list})))
}

/// Rows of every tagged resource of `kind` the caller has in this region (narrowed to the
/// Host's project), from the index of tagged resources in `resourceId` order: a page loads only
/// the resources of its rows (with a tag filter, resources until the page is full and one more
/// row matches).
fn every_tagged(
    call: &SlsCall<'_>,
    txn: &mut dyn Txn,
    kind: ResourceKind,
    filter: &[(&str, Option<&str>)],
    after: Option<&str>,
) -> Result<(Vec<TagRow>, bool)> {
    let account = &call.caller.account_id;
    let region = call.region;
    let base = ls::tagged_base(account, region, kind);
    let only = call.host_project;
    // A project's ID is its name, a resource's `project#name`.
    let narrow = match (kind, only) {
        (_, None) => String::new(),
        (ResourceKind::Project, Some(p)) => p.to_string(),
        (_, Some(p)) => format!("{p}#"),
    };
    let in_scope = |id: &str| kind != ResourceKind::Project || only.is_none_or(|p| id == p);
    tag_rows_page(txn, ls::tables::TAGGED, &base, &narrow, after, LIST_PAGE_ROWS, filter, in_scope, |t, id, _| {
        Ok(match (kind, id.split_once('#')) {
            (ResourceKind::Project, _) => ls::get_project(t, region, id)?.filter(|p| &p.account_id == account).map(|p| p.tags),
            (_, Some((project, name))) => ls::get_resource::<ls::TaggedResource>(t, region, project, kind, name)?.map(|r| r.tags),
            (_, None) => None,
        })
    })
}
