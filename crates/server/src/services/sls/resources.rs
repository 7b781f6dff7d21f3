//! Logstores, dashboards, machine groups and Logtail configs (sls.md 6.2-6.5): one set of
//! create/get/update/delete/list handlers, with what differs per kind behind [`Kind`].

use super::body::{contains, invalid, opt_bool, opt_int, opt_str, paging, req_str};
use crate::failure::Result;
use crate::identity::now_ms;
use crate::logservice::{self as ls, Pick, ResourceRecord};
use crate::sls::{Reply, SlsCall};
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde_json::{json, Map, Value};

type Body = Map<String, Value>;

/// What differs between the kinds of resource in a project.
pub trait Kind {
    const KIND: ResourceKind;
    /// The body field holding the name: `logstoreName`, `dashboardName`, `groupName`, `configName`.
    const NAME_FIELD: &'static str;
    /// The list response's field of names: `logstores`, `dashboards`, `machinegroups`, `configs`.
    const LIST_FIELD: &'static str;
    /// Resources of this kind a project may hold.
    const MAX_PER_PROJECT: usize = 10_000;

    /// Checks a create or update body and returns the fields to store. `existing` is the
    /// stored resource on update.
    fn accept(call: &SlsCall<'_>, txn: &mut dyn Txn, project: &str, body: Body, existing: Option<&ResourceRecord>) -> Result<Body>;

    /// The Get response.
    fn render(r: &ResourceRecord) -> Value {
        let mut out = r.body.clone();
        out.insert("createTime".into(), json!(r.created_ms / 1000));
        out.insert("lastModifyTime".into(), json!(r.updated_ms / 1000));
        Value::Object(out)
    }

    /// The list filters of the kind's query (the name filter is the `NAME_FIELD` parameter).
    fn matches(r: &ResourceRecord, query: &Params) -> bool;

    /// Whether the query filters on more than the name, so that a list must read records.
    fn filters_records(_query: &Params) -> bool {
        false
    }

    /// Whether the list response needs the page's records, not only their names.
    const LIST_RECORDS: bool = false;

    /// Extra fields of a list response besides the names (dashboards add `dashboardItems`).
    fn list_extra(_page: &[ResourceRecord], _out: &mut Body) {}
}

fn check_name<K: Kind>(name: &str) -> Result<()> {
    if K::KIND.valid_name(name) {
        Ok(())
    } else {
        Err(SlsError::parameter_invalid(format!("{} {name} is invalid.", K::NAME_FIELD)).into())
    }
}

pub fn create<K: Kind>(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let project = call.project()?;
    ls::own_project(txn, call.caller, call.region, project)?;
    let body = call.json_body()?;
    let name = req_str(body, K::NAME_FIELD)?.to_string();
    check_name::<K>(&name)?;
    if ls::get_resource::<ls::TaggedResource>(txn, call.region, project, K::KIND, &name)?.is_some() {
        return Err(K::KIND.already_exists(&name).into());
    }
    if ls::resource_count(txn, call.region, project, K::KIND)? >= K::MAX_PER_PROJECT {
        return Err(SlsError::ProjectQuotaExceed.into());
    }
    let stored = K::accept(call, txn, project, body.clone(), None)?;
    let now = now_ms();
    let record = ResourceRecord { name, body: stored, created_ms: now, updated_ms: now, tags: Default::default() };
    ls::insert_resource(txn, &call.caller.account_id, call.region, project, K::KIND, &record)?;
    Ok(Reply::Empty)
}

fn existing<K: Kind>(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<(String, ResourceRecord)> {
    let project = call.project()?;
    ls::own_project(txn, call.caller, call.region, project)?;
    let r = ls::require_resource(txn, call.region, project, K::KIND, call.item()?)?;
    Ok((project.to_string(), r))
}

pub fn get<K: Kind>(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let (_, r) = existing::<K>(call, txn)?;
    Ok(Reply::Json(K::render(&r)))
}

pub fn update<K: Kind>(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let (project, mut r) = existing::<K>(call, txn)?;
    let mut body = call.json_body()?.clone();
    match opt_str(&body, K::NAME_FIELD)? {
        Some(n) if n != r.name => return Err(SlsError::parameter_invalid(format!("{} {n} does not match the path.", K::NAME_FIELD)).into()),
        Some(_) => {}
        None => {
            body.insert(K::NAME_FIELD.into(), Value::String(r.name.clone()));
        }
    }
    r.body = K::accept(call, txn, &project, body, Some(&r))?;
    r.updated_ms = now_ms();
    ls::save_resource(txn, call.region, &project, K::KIND, &r)?;
    Ok(Reply::Empty)
}

/// Deletes the resource and, with it, its tags.
pub fn delete<K: Kind>(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let (project, r) = existing::<K>(call, txn)?;
    ls::delete_resource(txn, &call.caller.account_id, call.region, &project, K::KIND, &r.name)?;
    Ok(Reply::Empty)
}

/// `offset`/`size` over the kind's resources by name, with `count` and `total`. Names come from
/// the name index: without a filter `total` is the project's counter and a page reads only index
/// keys up to its offset (and, for dashboards, its own records); a name filter reads only index
/// keys, the other filters each resource once to count the matches.
pub fn list<K: Kind>(call: &SlsCall<'_>, txn: &mut dyn Txn) -> Result<Reply> {
    let project = call.project()?;
    ls::own_project(txn, call.caller, call.region, project)?;
    let (offset, size) = paging(call.query)?;
    let (region, q) = (call.region, call.query);
    let name_filter = q.optional(K::NAME_FIELD);
    let by_record = K::filters_records(q);
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
            Ok(match ls::get_resource(t, region, project, K::KIND, n)? {
                Some(r) if K::matches(&r, q) => Pick::Yes(Some(r)),
                _ => Pick::No,
            })
        })?
    };
    let mut out = Body::new();
    let names: Vec<Value> = entries.iter().map(|(n, _)| Value::String(n.clone())).collect();
    out.insert("count".into(), json!(names.len()));
    out.insert("total".into(), json!(total));
    out.insert(K::LIST_FIELD.into(), Value::Array(names));
    if K::LIST_RECORDS {
        let mut page = Vec::with_capacity(entries.len());
        for (n, record) in entries {
            match record {
                Some(r) => page.push(r),
                None => page.extend(ls::get_resource(txn, region, project, K::KIND, &n)?),
            }
        }
        K::list_extra(&page, &mut out);
    }
    Ok(Reply::Json(Value::Object(out)))
}

/// Copies the optional fields of `names` that are present, checking each with `check`.
fn keep(from: &Body, to: &mut Body, names: &[&str], check: impl Fn(&str, &Value) -> bool) -> Result<()> {
    for name in names {
        match from.get(*name) {
            None | Some(Value::Null) => {}
            Some(v) if check(name, v) => {
                to.insert((*name).to_string(), v.clone());
            }
            Some(_) => return Err(invalid(name).into()),
        }
    }
    Ok(())
}

pub struct LogstoreKind;

impl Kind for LogstoreKind {
    const KIND: ResourceKind = ResourceKind::Logstore;
    const NAME_FIELD: &'static str = "logstoreName";
    const LIST_FIELD: &'static str = "logstores";
    /// 200 logstores per project (sls.md 6.2).
    const MAX_PER_PROJECT: usize = 200;

    fn accept(_call: &SlsCall<'_>, _txn: &mut dyn Txn, _project: &str, body: Body, existing: Option<&ResourceRecord>) -> Result<Body> {
        let old = existing.map(|r| &r.body);
        let old_int = |f: &str| old.and_then(|b| b.get(f)).and_then(Value::as_i64);
        let ttl = opt_int(&body, "ttl", 1, 3650)?.or_else(|| old_int("ttl")).ok_or_else(|| invalid("ttl"))?;
        // shardCount is fixed after creation (SplitShard/MergeShards change it; sls.md 6.2).
        let shards = match old_int("shardCount") {
            Some(n) => n,
            None => opt_int(&body, "shardCount", 1, 256)?.ok_or_else(|| invalid("shardCount"))?,
        };
        if existing.is_some() {
            opt_int(&body, "shardCount", 1, 256)?;
        }
        let mut out = Body::new();
        out.insert("logstoreName".into(), body.get("logstoreName").cloned().unwrap_or_default());
        out.insert("ttl".into(), json!(ttl));
        out.insert("shardCount".into(), json!(shards));
        for (field, default) in [("enable_tracking", false), ("autoSplit", false), ("appendMeta", false)] {
            let v = opt_bool(&body, field)?.or_else(|| old.and_then(|b| b.get(field)).and_then(Value::as_bool)).unwrap_or(default);
            out.insert(field.into(), json!(v));
        }
        let max_split = opt_int(&body, "maxSplitShard", 1, 256)?.or_else(|| old_int("maxSplitShard")).unwrap_or(64);
        out.insert("maxSplitShard".into(), json!(max_split));
        if let Some(h) = opt_int(&body, "hot_ttl", 1, 3650)? {
            if h > ttl {
                return Err(invalid("hot_ttl").into());
            }
        }
        if let Some(m) = opt_str(&body, "mode")? {
            if !matches!(m, "standard" | "query" | "") {
                return Err(invalid("mode").into());
            }
        }
        keep(&body, &mut out, &["hot_ttl", "infrequentAccessTTL"], |_, v| v.is_i64())?;
        keep(&body, &mut out, &["telemetryType", "mode", "processorId", "resourceGroupId"], |_, v| v.is_string())?;
        keep(&body, &mut out, &["enableModify"], |_, v| v.is_boolean())?;
        keep(&body, &mut out, &["encrypt_conf", "shardingPolicy"], |_, v| v.is_object())?;
        if let Some(old) = old {
            for (k, v) in old {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Ok(out)
    }

    fn render(r: &ResourceRecord) -> Value {
        let mut out = r.body.clone();
        let t = out.get("telemetryType").and_then(Value::as_str).filter(|t| !t.is_empty()).unwrap_or("None").to_string();
        out.insert("telemetryType".into(), json!(t));
        out.entry("mode").or_insert_with(|| json!("standard"));
        out.insert("productType".into(), json!(""));
        out.insert("createTime".into(), json!(r.created_ms / 1000));
        out.insert("lastModifyTime".into(), json!(r.updated_ms / 1000));
        Value::Object(out)
    }

    fn filters_records(q: &Params) -> bool {
        q.optional("mode").is_some() || q.optional("telemetryType").is_some()
    }

    fn matches(r: &ResourceRecord, q: &Params) -> bool {
        let field = |f: &str| r.body.get(f).and_then(Value::as_str).unwrap_or("").to_string();
        contains(q.optional("logstoreName"), &r.name)
            && q.optional("mode").is_none_or(|m| field("mode").is_empty() && m == "standard" || field("mode") == m)
            && q.optional("telemetryType").is_none_or(|t| field("telemetryType") == t || (t == "None" && field("telemetryType").is_empty()))
    }
}

pub struct DashboardKind;

impl Kind for DashboardKind {
    const KIND: ResourceKind = ResourceKind::Dashboard;
    const NAME_FIELD: &'static str = "dashboardName";
    const LIST_FIELD: &'static str = "dashboards";

    fn accept(_call: &SlsCall<'_>, _txn: &mut dyn Txn, _project: &str, body: Body, _existing: Option<&ResourceRecord>) -> Result<Body> {
        let name = req_str(&body, "dashboardName")?.to_string();
        let mut out = Body::new();
        out.insert("dashboardName".into(), json!(name));
        // displayName is required by the Tea docstring; LogClient may leave it out (sls.md 6.3).
        out.insert("displayName".into(), json!(opt_str(&body, "displayName")?.unwrap_or(&name)));
        out.insert("description".into(), json!(opt_str(&body, "description")?.unwrap_or("")));
        match body.get("charts") {
            None | Some(Value::Null) => {
                out.insert("charts".into(), json!([]));
            }
            Some(Value::Array(c)) if c.iter().all(Value::is_object) => {
                out.insert("charts".into(), Value::Array(c.clone()));
            }
            Some(_) => return Err(invalid("charts").into()),
        }
        keep(&body, &mut out, &["attribute"], |_, v| v.as_object().is_some_and(|m| m.values().all(Value::is_string)))?;
        Ok(out)
    }

    fn render(r: &ResourceRecord) -> Value {
        Value::Object(r.body.clone())
    }

    const LIST_RECORDS: bool = true;

    fn filters_records(q: &Params) -> bool {
        q.optional("displayName").is_some()
    }

    fn matches(r: &ResourceRecord, q: &Params) -> bool {
        let display = r.body.get("displayName").and_then(Value::as_str).unwrap_or("");
        contains(q.optional("dashboardName"), &r.name) && contains(q.optional("displayName"), display)
    }

    /// Tea reads `dashboardItems` beside the names (sls.md 6.3).
    fn list_extra(page: &[ResourceRecord], out: &mut Body) {
        let items: Vec<Value> = page
            .iter()
            .map(|r| {
                json!({
                    "dashboardName": r.name,
                    "displayName": r.body.get("displayName").cloned().unwrap_or_default(),
                    "description": r.body.get("description").cloned().unwrap_or_else(|| json!("")),
                })
            })
            .collect();
        out.insert("dashboardItems".into(), Value::Array(items));
    }
}

pub struct GroupKind;

impl Kind for GroupKind {
    const KIND: ResourceKind = ResourceKind::MachineGroup;
    const NAME_FIELD: &'static str = "groupName";
    const LIST_FIELD: &'static str = "machinegroups";

    /// A body of the wrong shape is `InvalidParameter` "invalid group resource json" (sls.md 5.2).
    fn accept(_call: &SlsCall<'_>, _txn: &mut dyn Txn, _project: &str, body: Body, _existing: Option<&ResourceRecord>) -> Result<Body> {
        let bad = || ApiError::from(SlsError::InvalidParameter { why: "invalid group resource json".into() });
        let mut out = Body::new();
        out.insert("groupName".into(), body.get("groupName").cloned().ok_or_else(bad)?);
        match body.get("machineIdentifyType").and_then(Value::as_str) {
            Some(t @ ("ip" | "userdefined")) => out.insert("machineIdentifyType".into(), json!(t)),
            _ => return Err(bad().into()),
        };
        match body.get("machineList") {
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => out.insert("machineList".into(), Value::Array(list.clone())),
            _ => return Err(bad().into()),
        };
        match body.get("groupType") {
            None | Some(Value::Null) => out.insert("groupType".into(), json!("")),
            Some(Value::String(s)) => out.insert("groupType".into(), json!(s)),
            Some(_) => return Err(bad().into()),
        };
        match body.get("groupAttribute") {
            None | Some(Value::Null) => {}
            Some(Value::Object(a)) if a.values().all(Value::is_string) => {
                out.insert("groupAttribute".into(), Value::Object(a.clone()));
            }
            Some(_) => return Err(bad().into()),
        }
        Ok(out)
    }

    fn matches(r: &ResourceRecord, q: &Params) -> bool {
        contains(q.optional("groupName"), &r.name)
    }
}

pub struct ConfigKind;

impl Kind for ConfigKind {
    const KIND: ResourceKind = ResourceKind::LogtailConfig;
    const NAME_FIELD: &'static str = "configName";
    const LIST_FIELD: &'static str = "configs";

    /// A body of the wrong shape is `InvalidParameter` "Invalid config resource json."; the
    /// output logstore must exist (sls.md 6.5).
    fn accept(call: &SlsCall<'_>, txn: &mut dyn Txn, project: &str, body: Body, _existing: Option<&ResourceRecord>) -> Result<Body> {
        let bad = || ApiError::from(SlsError::InvalidParameter { why: "Invalid config resource json.".into() });
        let mut out = Body::new();
        out.insert("configName".into(), body.get("configName").cloned().ok_or_else(bad)?);
        match body.get("inputType").and_then(Value::as_str) {
            Some(t @ ("file" | "plugin" | "syslog")) => out.insert("inputType".into(), json!(t)),
            _ => return Err(bad().into()),
        };
        match body.get("inputDetail") {
            Some(Value::Object(d)) => out.insert("inputDetail".into(), Value::Object(d.clone())),
            _ => return Err(bad().into()),
        };
        match body.get("outputType").and_then(Value::as_str) {
            Some(t @ ("LogService" | "log")) => out.insert("outputType".into(), json!(t)),
            _ => return Err(bad().into()),
        };
        let output = match body.get("outputDetail") {
            Some(Value::Object(d)) => d.clone(),
            _ => return Err(bad().into()),
        };
        let logstore = output.get("logstoreName").and_then(Value::as_str).ok_or_else(bad)?;
        ls::require_resource(txn, call.region, project, ResourceKind::Logstore, logstore)?;
        out.insert("outputDetail".into(), Value::Object(output));
        match body.get("logSample") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                out.insert("logSample".into(), json!(s));
            }
            Some(_) => return Err(bad().into()),
        }
        Ok(out)
    }

    fn filters_records(q: &Params) -> bool {
        q.optional("logstoreName").is_some()
    }

    fn matches(r: &ResourceRecord, q: &Params) -> bool {
        let logstore = r.body.get("outputDetail").and_then(|d| d.get("logstoreName")).and_then(Value::as_str).unwrap_or("");
        contains(q.optional("configName"), &r.name) && q.optional("logstoreName").is_none_or(|l| l == logstore)
    }
}
