//! RAM 2015-05-01 roles (ram.md 6.3): trust policies validated on write and stored verbatim.

use crate::actions::Call;
use crate::failure::Result;
use crate::identity::roles::{self, RoleRecord};
use crate::services::{json_tags, malformed_policy, marker_params, opt_text, tag_fields, truncation, wrapped, Fields};
use localyun_core::error::RamError;
use localyun_core::names::check_role_name;
use localyun_core::params::Params;
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::tags::{matches_all, TagSet, RAM_TAGS};
use localyun_store::Txn;
use serde_json::{Map, Value};

const DESCRIPTION_MAX: usize = 1024;

pub(super) fn role_fields(r: &RoleRecord, account: &str) -> Fields {
    Fields::new()
        .set("RoleId", r.id.clone())
        .set("RoleName", r.name.clone())
        .set("Arn", r.arn(account))
        .opt("Description", r.description.clone())
        .set("AssumeRolePolicyDocument", r.trust_policy.clone())
        .date("CreateDate", r.created_ms)
        .date("UpdateDate", r.updated_ms)
        .set("MaxSessionDuration", r.max_session_duration)
        .set("IsServiceLinkedRole", false)
}

/// `MaxSessionDuration`: 3600-43200 seconds (ram.md 6.3).
fn max_session(p: &Params, name: &str) -> Result<Option<i64>> {
    match p.optional(name) {
        None => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (3600..=43200).contains(&n) => Ok(Some(n)),
            // One code for CreateRole and UpdateRole (ram.md 5.3).
            _ => Err(RamError::MaxSessionDuration { name: name.to_string() }.into()),
        },
    }
}

fn trust_document<'a>(p: &'a Params, name: &str, required: bool) -> Result<Option<&'a str>> {
    let doc = if required { Some(p.required(name)?) } else { p.optional(name) };
    if let Some(d) = doc {
        parse(d, DocumentKind::Trust).map_err(malformed_policy)?;
    }
    Ok(doc)
}

/// `Tag` on CreateRole/CreatePolicy: a JSON list checked with the RAM tag rules.
pub(super) fn create_tags(p: &Params) -> Result<TagSet> {
    let pairs: Vec<(String, String)> =
        json_tags(p, "Tag", RAM_TAGS.max_per_resource)?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect();
    RAM_TAGS.check_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(super::tags::tag_error)?;
    Ok(pairs.into_iter().collect())
}

pub fn create_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let name = p.required("RoleName")?;
    check_role_name("RoleName", name)?;
    let trust = trust_document(p, "AssumeRolePolicyDocument", true)?.unwrap_or_default();
    let role = RoleRecord {
        id: String::new(),
        name: name.to_string(),
        description: opt_text(p, "Description", DESCRIPTION_MAX)?.map(str::to_string),
        trust_policy: trust.to_string(),
        max_session_duration: max_session(p, "MaxSessionDuration")?.unwrap_or(3600),
        created_ms: 0,
        updated_ms: 0,
        tags: create_tags(p)?,
    };
    let role = roles::create(txn, &call.caller.account_id, role)?;
    Ok(Fields::new().set("Role", role_fields(&role, &call.caller.account_id)).build())
}

fn named_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<RoleRecord> {
    let name = call.params.required("RoleName")?;
    check_role_name("RoleName", name)?;
    roles::require_by_name(txn, &call.caller.account_id, name)
}

pub fn get_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let r = named_role(call, txn)?;
    Ok(Fields::new().set("Role", role_fields(&r, &call.caller.account_id)).build())
}

pub fn update_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let mut r = named_role(call, txn)?;
    if let Some(doc) = trust_document(p, "NewAssumeRolePolicyDocument", false)? {
        r.trust_policy = doc.to_string();
    }
    if let Some(d) = opt_text(p, "NewDescription", DESCRIPTION_MAX)? {
        r.description = Some(d.to_string());
    }
    if let Some(m) = max_session(p, "NewMaxSessionDuration")? {
        r.max_session_duration = m;
    }
    let r = roles::update(txn, &call.caller.account_id, r)?;
    Ok(Fields::new().set("Role", role_fields(&r, &call.caller.account_id)).build())
}

pub fn delete_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let r = named_role(call, txn)?;
    roles::delete(txn, &call.caller.account_id, &r)?;
    Ok(Map::new())
}

/// `Marker`/`MaxItems` and a `Tag` filter: a role matches when it carries every given key with
/// the given value (any value when none is given; ram.md 6.3).
pub fn list_roles(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let account = &call.caller.account_id;
    let filter = json_tags(call.params, "Tag", 20)?;
    let refs: Vec<(&str, Option<&str>)> = filter.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    let (max, after) = marker_params(call.params, 100)?;
    // Without a filter a page reads only its own roles; with one, roles are read in listing
    // order until the page is full and one more matches.
    let keep = |r: &RoleRecord| matches_all(&r.tags, &refs);
    let keep: Option<&dyn Fn(&RoleRecord) -> bool> = if refs.is_empty() { None } else { Some(&keep) };
    let (page, more) = roles::page(txn, account, after.as_deref(), max, keep)?;
    let f = truncation(more, "Marker", page.last().map(RoleRecord::position));
    let items = page.iter().map(|r| role_fields(r, account).set("Tags", tag_fields(&r.tags)).into()).collect();
    Ok(f.set("Roles", wrapped("Role", items)).build())
}
