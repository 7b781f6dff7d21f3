//! RAM 2015-05-01 policies and policy versions (ram.md 6.4, policy.md 8): documents are
//! validated on write (`MalformedPolicyDocument`) and returned verbatim.

use crate::actions::Call;
use crate::failure::Result;
use crate::identity::attachments::{self, PolicyType};
use crate::identity::policies::{self, AnyPolicy, PolicyRecord, PolicyVersion, SystemPolicy, SYSTEM_POLICIES, SYSTEM_POLICY_DATE_MS};
use crate::services::{json_tags, malformed_policy, marker_params, opt_text, tag_fields, truncation, wrapped, Fields};
use localyun_core::error::{GatewayError, RamError};
use localyun_core::names::check_policy_name;
use localyun_core::params::Params;
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::tags::{matches_all, TagSet};
use localyun_store::Txn;
use serde_json::{Map, Value};

const DESCRIPTION_MAX: usize = 1024;

pub(super) fn policy_type(p: &Params, required: bool) -> Result<Option<PolicyType>> {
    match p.optional("PolicyType") {
        None if required => Err(GatewayError::missing("PolicyType").into()),
        None => Ok(None),
        Some(t) => PolicyType::parse(t).map(Some).ok_or_else(|| GatewayError::incorrect("PolicyType").into()),
    }
}

pub(super) fn policy_name(p: &Params) -> Result<&str> {
    let name = p.required("PolicyName")?;
    check_policy_name("PolicyName", name)?;
    Ok(name)
}

/// The policy a call names; without `PolicyType`, a custom policy of that name, else a system one.
pub(super) fn named_policy(call: &Call<'_>, txn: &mut dyn Txn, type_required: bool) -> Result<AnyPolicy> {
    let name = policy_name(call.params)?;
    match policy_type(call.params, type_required)? {
        Some(t) => policies::require(txn, &call.caller.account_id, t, name),
        None => match policies::custom(txn, &call.caller.account_id, name)? {
            Some(p) => Ok(AnyPolicy::Custom(p)),
            None => policies::system(name).map(AnyPolicy::System).ok_or_else(|| policies::not_found().into()),
        },
    }
}

fn custom_only(call: &Call<'_>, txn: &mut dyn Txn) -> Result<PolicyRecord> {
    if policy_type(call.params, false)? == Some(PolicyType::System) {
        return Err(policies::not_found().into());
    }
    policies::require_custom(txn, &call.caller.account_id, policy_name(call.params)?)
}

fn version_fields(v: &PolicyVersion, default: &str) -> Fields {
    Fields::new()
        .set("VersionId", v.id.clone())
        .set("IsDefaultVersion", v.id == default)
        .set("PolicyDocument", v.document.clone())
        .date("CreateDate", v.created_ms)
}

fn system_version(p: &SystemPolicy) -> Fields {
    Fields::new()
        .set("VersionId", "v1")
        .set("IsDefaultVersion", true)
        .set("PolicyDocument", p.document)
        .date("CreateDate", SYSTEM_POLICY_DATE_MS)
}

/// The common fields of a policy in Get/List answers.
fn policy_fields(txn: &mut dyn Txn, account: &str, p: &AnyPolicy) -> Result<Fields> {
    let count = attachments::count_of_policy(txn, account, p.policy_type(), p.name())?;
    Ok(match p {
        AnyPolicy::System(s) => Fields::new()
            .set("PolicyName", s.name)
            .set("PolicyType", "System")
            .set("Description", s.description)
            .set("DefaultVersion", "v1")
            .date("CreateDate", SYSTEM_POLICY_DATE_MS)
            .date("UpdateDate", SYSTEM_POLICY_DATE_MS)
            .set("AttachmentCount", count),
        AnyPolicy::Custom(c) => Fields::new()
            .set("PolicyName", c.name.clone())
            .set("PolicyType", "Custom")
            .opt("Description", c.description.clone())
            .set("DefaultVersion", c.default_version.clone())
            .date("CreateDate", c.created_ms)
            .date("UpdateDate", c.updated_ms)
            .set("AttachmentCount", count),
    })
}

fn identity_document(p: &Params) -> Result<&str> {
    let doc = p.required("PolicyDocument")?;
    parse(doc, DocumentKind::Identity).map_err(malformed_policy)?;
    Ok(doc)
}

pub fn create_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let name = policy_name(p)?;
    let doc = identity_document(p)?;
    let description = opt_text(p, "Description", DESCRIPTION_MAX)?.map(str::to_string);
    let tags = super::roles::create_tags(p)?;
    let record = policies::create(txn, &call.caller.account_id, name, description, doc, tags)?;
    let f = Fields::new()
        .set("PolicyName", record.name.clone())
        .set("PolicyType", "Custom")
        .opt("Description", record.description.clone())
        .set("DefaultVersion", "v1")
        .date("CreateDate", record.created_ms);
    Ok(Fields::new().set("Policy", f).build())
}

pub fn get_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let account = call.caller.account_id.clone();
    let p = named_policy(call, txn, false)?;
    let default = match &p {
        AnyPolicy::System(s) => system_version(s),
        AnyPolicy::Custom(c) => c.default().map(|v| version_fields(v, &c.default_version)).unwrap_or_default(),
    };
    let f = policy_fields(txn, &account, &p)?;
    Ok(Fields::new().set("Policy", f).set("DefaultPolicyVersion", default).build())
}

pub fn update_policy_description(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let mut p = custom_only(call, txn)?;
    p.description = opt_text(call.params, "NewDescription", DESCRIPTION_MAX)?.map(str::to_string);
    p.updated_ms = crate::identity::now_ms();
    policies::save_policy(txn, &call.caller.account_id, &p)?;
    let f = policy_fields(txn, &call.caller.account_id, &AnyPolicy::Custom(p))?;
    Ok(Fields::new().set("Policy", f).build())
}

pub fn delete_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = custom_only(call, txn)?;
    let cascading = call.params.bool("CascadingDelete")?.unwrap_or(false);
    policies::delete(txn, &call.caller.account_id, &p, cascading)?;
    Ok(Map::new())
}

/// System policies first (fixed order), then custom ones by creation; `PolicyType` filters,
/// `Tag` filters custom policies (system policies carry no tags). Positions are `0/{index}` for
/// system policies and `1/{creation}/{lower-case name}` for custom ones; the custom part of a
/// page is read from the position index, so a page loads only its own policies (with a tag
/// filter, policies in listing order until the page is full and one more matches).
pub fn list_policies(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let account = call.caller.account_id.clone();
    let wanted = policy_type(call.params, false)?;
    let filter = json_tags(call.params, "Tag", 20)?;
    let refs: Vec<(&str, Option<&str>)> = filter.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    let (max, after) = marker_params(call.params, 100)?;
    let mut page: Vec<(String, AnyPolicy)> = Vec::new();
    let mut more = false;
    if wanted != Some(PolicyType::Custom) && refs.is_empty() {
        for (i, s) in SYSTEM_POLICIES.iter().enumerate() {
            let pos = format!("0/{i:04}");
            if after.as_deref().is_some_and(|a| pos.as_str() <= a) {
                continue;
            }
            if page.len() == max {
                more = true;
                break;
            }
            page.push((pos, AnyPolicy::System(s)));
        }
    }
    if !more && wanted != Some(PolicyType::System) {
        if let Some(custom_after) = custom_after(after.as_deref()) {
            let keep = |c: &PolicyRecord| matches_all(&c.tags, &refs);
            let keep: Option<&dyn Fn(&PolicyRecord) -> bool> = if refs.is_empty() { None } else { Some(&keep) };
            let (custom, more_custom) = policies::page_custom(txn, &account, custom_after, max - page.len(), keep)?;
            page.extend(custom.into_iter().map(|c| (format!("1/{}", c.position()), AnyPolicy::Custom(c))));
            more = more_custom;
        }
    }
    let f = truncation(more, "Marker", page.last().map(|(pos, _)| pos.clone()));
    let mut items = Vec::with_capacity(page.len());
    for (_, p) in &page {
        let tags = match p {
            AnyPolicy::Custom(c) => c.tags.clone(),
            AnyPolicy::System(_) => TagSet::new(),
        };
        items.push(policy_fields(txn, &account, p)?.set("Tags", tag_fields(&tags)).into());
    }
    Ok(f.set("Policies", wrapped("Policy", items)).build())
}

/// Where the custom policies resume after the position `after` (a custom position is `1/` and
/// the index position): `Some(None)` from the first, `Some(Some(p))` after index position `p`,
/// `None` when every custom position comes before `after`.
fn custom_after(after: Option<&str>) -> Option<Option<&str>> {
    match after {
        None => Some(None),
        Some(a) if a < "1/" => Some(None),
        Some(a) => a.strip_prefix("1/").map(Some),
    }
}

pub fn create_policy_version(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = custom_only(call, txn)?;
    let doc = identity_document(call.params)?;
    let set_default = call.params.bool("SetAsDefault")?.unwrap_or(false);
    let rotate = match call.params.optional("RotateStrategy") {
        None | Some("None") => false,
        Some("DeleteOldestNonDefaultVersionWhenLimitExceeded") => true,
        Some(_) => return Err(GatewayError::incorrect("RotateStrategy").into()),
    };
    let (p, v) = policies::add_version(txn, &call.caller.account_id, p, doc, set_default, rotate)?;
    Ok(Fields::new().set("PolicyVersion", version_fields(&v, &p.default_version)).build())
}

fn version_id(p: &Params) -> Result<&str> {
    let id = p.required("VersionId")?;
    if !(id.len() > 1 && id.starts_with('v') && id.bytes().skip(1).all(|b| b.is_ascii_digit())) {
        return Err(RamError::VersionIdFormat.into());
    }
    Ok(id)
}

pub fn get_policy_version(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let id = version_id(call.params)?;
    let f = match named_policy(call, txn, false)? {
        AnyPolicy::System(s) if id == "v1" => system_version(s),
        AnyPolicy::System(_) => return Err(policies::version_not_found().into()),
        AnyPolicy::Custom(c) => version_fields(c.version(id).ok_or_else(policies::version_not_found)?, &c.default_version),
    };
    Ok(Fields::new().set("PolicyVersion", f).build())
}

pub fn list_policy_versions(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let items = match named_policy(call, txn, false)? {
        AnyPolicy::System(s) => vec![system_version(s).into()],
        AnyPolicy::Custom(c) => c.versions.iter().map(|v| version_fields(v, &c.default_version).into()).collect(),
    };
    Ok(Fields::new().set("PolicyVersions", wrapped("PolicyVersion", items)).build())
}

pub fn set_default_policy_version(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let mut p = custom_only(call, txn)?;
    let id = version_id(call.params)?;
    if p.version(id).is_none() {
        return Err(policies::version_not_found().into());
    }
    p.default_version = id.to_string();
    p.updated_ms = crate::identity::now_ms();
    policies::save_policy(txn, &call.caller.account_id, &p)?;
    Ok(Map::new())
}

pub fn delete_policy_version(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let mut p = custom_only(call, txn)?;
    let id = version_id(call.params)?;
    if p.version(id).is_none() {
        return Err(policies::version_not_found().into());
    }
    if p.default_version == id {
        return Err(RamError::DefaultVersionDelete.into());
    }
    p.versions.retain(|v| v.id != id);
    policies::save_policy(txn, &call.caller.account_id, &p)?;
    Ok(Map::new())
}
