//! RAM 2015-05-01 user operations (ram.md 6.1).

use crate::failure::Result;
use crate::identity::users::{self, NewUser, UserRecord};
use crate::rpc::Call;
use crate::services::{marker_params, opt_contact, opt_text, truncation, wrapped, Fields};
use localyun_core::names::check_user_name;
use localyun_store::Txn;
use serde_json::{Map, Value};

/// DisplayName and Comments: up to 128 characters in RAM (ram.md 6, name rules).
const DISPLAY_NAME_MAX: usize = 128;
const COMMENTS_MAX: usize = 128;

fn user_fields(u: &UserRecord, with_update_date: bool) -> Value {
    let f = Fields::new()
        .set("UserId", u.id.clone())
        .set("UserName", u.name.clone())
        .opt("DisplayName", u.display_name.clone())
        .opt("MobilePhone", u.mobile_phone.clone())
        .opt("Email", u.email.clone())
        .opt("Comments", u.comments.clone())
        .date("CreateDate", u.created_ms);
    if with_update_date { f.date("UpdateDate", u.updated_ms) } else { f }.into()
}

pub fn create_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let name = p.required("UserName")?;
    check_user_name("UserName", name)?;
    let new = NewUser {
        name: name.to_string(),
        display_name: opt_text(p, "DisplayName", DISPLAY_NAME_MAX)?.map(str::to_string),
        email: opt_contact(p, "Email")?.map(str::to_string),
        mobile_phone: opt_contact(p, "MobilePhone")?.map(str::to_string),
        comments: opt_text(p, "Comments", COMMENTS_MAX)?.map(str::to_string),
        tags: Default::default(),
    };
    let user = users::create(txn, &call.caller.account_id, new)?;
    Ok(Fields::new().set("User", user_fields(&user, false)).build())
}

fn named_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<UserRecord> {
    let name = call.params.required("UserName")?;
    check_user_name("UserName", name)?;
    users::require_by_name(txn, &call.caller.account_id, name)
}

pub fn get_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let user = named_user(call, txn)?;
    Ok(Fields::new().set("User", user_fields(&user, true)).build())
}

pub fn update_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let old = named_user(call, txn)?;
    let mut next = old.clone();
    if let Some(new_name) = p.optional("NewUserName") {
        check_user_name("NewUserName", new_name)?;
        next.name = new_name.to_string();
    }
    if let Some(v) = opt_text(p, "NewDisplayName", DISPLAY_NAME_MAX)? {
        next.display_name = Some(v.to_string());
    }
    if let Some(v) = opt_contact(p, "NewMobilePhone")? {
        next.mobile_phone = Some(v.to_string());
    }
    if let Some(v) = opt_contact(p, "NewEmail")? {
        next.email = Some(v.to_string());
    }
    if let Some(v) = opt_text(p, "NewComments", COMMENTS_MAX)? {
        next.comments = Some(v.to_string());
    }
    let user = users::update(txn, &call.caller.account_id, &old, next)?;
    Ok(Fields::new().set("User", user_fields(&user, true)).build())
}

pub fn delete_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let user = named_user(call, txn)?;
    users::delete(txn, &call.caller.account_id, &user)?;
    Ok(Map::new())
}

/// `Marker` / `MaxItems` paging (1-1000, default 100); `Marker` only while truncated (ram.md 6.1).
pub fn list_users(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let (max, after) = marker_params(call.params, 100)?;
    let (items, more) = users::page(txn, &call.caller.account_id, users::Listing::All, after.as_deref(), max, None)?;
    let f = truncation(more, "Marker", items.last().map(UserRecord::position));
    let users: Vec<Value> = items.iter().map(|u| user_fields(u, true)).collect();
    Ok(f.set("Users", wrapped("User", users)).build())
}
