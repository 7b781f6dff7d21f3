//! IMS 2019-08-15 user operations (ram.md 7.1).

use super::named_user;
use crate::actions::Call;
use crate::failure::Result;
use crate::identity::users::{self, NewUser, UserRecord};
use crate::services::{marker_params, opt_contact, opt_text, tag_fields, truncation, wrapped, Fields};
use localyun_core::error::GatewayError;
use localyun_core::names::{check_text, default_domain, split_principal_name};
use localyun_core::params::Params;
use localyun_core::tags::{matches_all, IMS_USER_TAGS};
use localyun_store::Txn;
use serde_json::{Map, Value};

/// IMS display names are 1-24 characters (ram.md 7.1; research note 2).
const DISPLAY_NAME_MAX: usize = 24;
const COMMENTS_MAX: usize = 128;

fn user_fields(u: &UserRecord, account: &str) -> Fields {
    Fields::new()
        .set("UserId", u.id.clone())
        .set("UserPrincipalName", u.principal_name(account))
        .opt("DisplayName", u.display_name.clone())
        .opt("Email", u.email.clone())
        .opt("MobilePhone", u.mobile_phone.clone())
        .opt("Comments", u.comments.clone())
        .date("CreateDate", u.created_ms)
        .date("UpdateDate", u.updated_ms)
        .set("ProvisionType", "Manual")
        .set("Tags", tag_fields(&u.tags))
}

/// `Tag.N.Key` / `Tag.N.Value` as given to CreateUser and TagResources, checked with the IMS tag
/// rules; a missing value is the empty string.
pub(super) fn tags_param(p: &Params) -> Result<Vec<(&str, &str)>> {
    let pairs: Vec<(&str, &str)> =
        p.key_values("Tag", IMS_USER_TAGS.max_per_resource)?.into_iter().map(|(k, v)| (k, v.unwrap_or(""))).collect();
    IMS_USER_TAGS.check_pairs(pairs.iter().copied()).map_err(super::tags::tag_error)?;
    Ok(pairs)
}

pub fn create_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    let upn = p.required("UserPrincipalName")?;
    let name = split_principal_name("UserPrincipalName", upn, &default_domain(account))?;
    let display_name = p.required("DisplayName")?;
    check_text("DisplayName", display_name, DISPLAY_NAME_MAX)?;
    let pairs = tags_param(p)?;
    let tags = IMS_USER_TAGS.merged(&Default::default(), &pairs).map_err(super::tags::tag_error)?;
    let new = NewUser {
        name: name.to_string(),
        display_name: Some(display_name.to_string()),
        email: opt_contact(p, "Email")?.map(str::to_string),
        mobile_phone: opt_contact(p, "MobilePhone")?.map(str::to_string),
        comments: opt_text(p, "Comments", COMMENTS_MAX)?.map(str::to_string),
        tags,
    };
    let user = users::create(txn, account, new)?;
    Ok(Fields::new().set("User", user_fields(&user, account)).build())
}

pub fn get_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let account = &call.caller.account_id;
    let user = named_user(txn, account, call.params, true)?;
    // GetUser adds UserName, the prefix of the logon name (ram.md 7.1).
    let fields = user_fields(&user, account).set("UserName", user.name.clone());
    Ok(Fields::new().set("User", fields).build())
}

pub fn update_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    let old = named_user(txn, account, p, false)?;
    let mut next = old.clone();
    if let Some(upn) = p.optional("NewUserPrincipalName") {
        next.name = split_principal_name("NewUserPrincipalName", upn, &default_domain(account))?.to_string();
    }
    if let Some(v) = p.optional("NewDisplayName") {
        check_text("NewDisplayName", v, DISPLAY_NAME_MAX)?;
        next.display_name = Some(v.to_string());
    }
    if let Some(v) = opt_text(p, "NewComments", COMMENTS_MAX)? {
        next.comments = Some(v.to_string());
    }
    if let Some(v) = opt_contact(p, "NewEmail")? {
        next.email = Some(v.to_string());
    }
    if let Some(v) = opt_contact(p, "NewMobilePhone")? {
        next.mobile_phone = Some(v.to_string());
    }
    let user = users::update(txn, account, &old, next)?;
    Ok(Fields::new().set("User", user_fields(&user, account)).build())
}

pub fn delete_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let account = &call.caller.account_id;
    let user = named_user(txn, account, call.params, false)?;
    users::delete(txn, account, &user)?;
    Ok(Map::new())
}

/// Which user states a ListUsers call asks for. Every localyun user is active (no freezing yet).
/// Default `active` (with a Tag filter both states, which is the same set here).
fn wants_active(p: &Params) -> Result<bool> {
    match p.optional("Status") {
        None => Ok(true),
        Some(s) => {
            let mut active = false;
            for part in s.split(',') {
                match part.trim().to_ascii_lowercase().as_str() {
                    "active" => active = true,
                    "freeze" => {}
                    _ => return Err(GatewayError::incorrect("Status").into()),
                }
            }
            Ok(active)
        }
    }
}

/// `Marker` / `MaxItems` (1-1000, default 1000) and the `Tag.N` filter (ram.md 7.1).
pub fn list_users(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    let filter = p.key_values("Tag", 20)?;
    let (max, after) = marker_params(p, 1000)?;
    let (items, more) = if wants_active(p)? {
        // A filter on a tag with its value reads only the users carrying it (their tag index
        // is in listing order too); otherwise every user is read in order and filtered.
        let listing = match filter.first() {
            Some((key, Some(value))) => users::Listing::Tagged { key, value },
            _ => users::Listing::All,
        };
        let keep = |u: &UserRecord| matches_all(&u.tags, &filter);
        users::page(txn, account, listing, after.as_deref(), max, (!filter.is_empty()).then_some(&keep as &dyn Fn(&UserRecord) -> bool))?
    } else {
        (Vec::new(), false)
    };
    let f = truncation(more, "Marker", items.last().map(UserRecord::position));
    let list: Vec<Value> = items.iter().map(|u| user_fields(u, account).set("Status", "Active").into()).collect();
    Ok(f.set("Users", wrapped("User", list)).build())
}

pub fn get_default_domain(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    Ok(Fields::new().set("DefaultDomainName", default_domain(&call.caller.account_id)).build())
}
