//! RAM 2015-05-01 groups and membership (ram.md 6.2).

use crate::actions::Call;
use crate::failure::Result;
use crate::identity::groups::{self, GroupRecord};
use crate::identity::users;
use crate::services::{marker_params, opt_text, truncation, wrapped, Fields};
use localyun_core::names::check_user_name;
use localyun_store::Txn;
use serde_json::{Map, Value};

const COMMENTS_MAX: usize = 128;

fn group_fields(g: &GroupRecord, with_update_date: bool) -> Fields {
    let f = Fields::new()
        .set("GroupId", g.id.clone())
        .set("GroupName", g.name.clone())
        .opt("Comments", g.comments.clone())
        .date("CreateDate", g.created_ms);
    if with_update_date {
        f.date("UpdateDate", g.updated_ms)
    } else {
        f
    }
}

fn named_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<GroupRecord> {
    let name = call.params.required("GroupName")?;
    check_user_name("GroupName", name)?;
    groups::require_by_name(txn, &call.caller.account_id, name)
}

pub fn create_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let name = call.params.required("GroupName")?;
    check_user_name("GroupName", name)?;
    let comments = opt_text(call.params, "Comments", COMMENTS_MAX)?.map(str::to_string);
    let g = groups::create(txn, &call.caller.account_id, name, comments)?;
    Ok(Fields::new().set("Group", group_fields(&g, false)).build())
}

pub fn get_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let g = named_group(call, txn)?;
    Ok(Fields::new().set("Group", group_fields(&g, true)).build())
}

pub fn update_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let old = named_group(call, txn)?;
    let mut next = old.clone();
    if let Some(n) = call.params.optional("NewGroupName") {
        check_user_name("NewGroupName", n)?;
        next.name = n.to_string();
    }
    if let Some(c) = opt_text(call.params, "NewComments", COMMENTS_MAX)? {
        next.comments = Some(c.to_string());
    }
    let g = groups::update(txn, &call.caller.account_id, &old, next)?;
    Ok(Fields::new().set("Group", group_fields(&g, true)).build())
}

pub fn delete_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let g = named_group(call, txn)?;
    groups::delete(txn, &call.caller.account_id, &g)?;
    Ok(Map::new())
}

/// `Marker` / `MaxItems` (1-1000, default 100), groups by creation; a page reads only its groups.
pub fn list_groups(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let (max, after) = marker_params(call.params, 100)?;
    let (page, more) = groups::page(txn, &call.caller.account_id, after.as_deref(), max)?;
    let f = truncation(more, "Marker", page.last().map(GroupRecord::position));
    let items = page.iter().map(|g| group_fields(g, true).into()).collect();
    Ok(f.set("Groups", wrapped("Group", items)).build())
}

fn named_user_id(call: &Call<'_>, txn: &mut dyn Txn) -> Result<users::UserRecord> {
    let name = call.params.required("UserName")?;
    check_user_name("UserName", name)?;
    users::require_by_name(txn, &call.caller.account_id, name)
}

pub fn add_user_to_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let g = named_group(call, txn)?;
    let u = named_user_id(call, txn)?;
    groups::add_user(txn, &call.caller.account_id, &g, &u.id)?;
    Ok(Map::new())
}

pub fn remove_user_from_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let g = named_group(call, txn)?;
    let u = named_user_id(call, txn)?;
    groups::remove_user(txn, &call.caller.account_id, &g, &u.id)?;
    Ok(Map::new())
}

pub fn list_groups_for_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let u = named_user_id(call, txn)?;
    let items = groups::groups_of_user(txn, &call.caller.account_id, &u.id)?
        .iter()
        .map(|(g, joined)| {
            Fields::new()
                .set("GroupId", g.id.clone())
                .set("GroupName", g.name.clone())
                .opt("Comments", g.comments.clone())
                .date("JoinDate", *joined)
                .into()
        })
        .collect();
    Ok(Fields::new().set("Groups", wrapped("Group", items)).build())
}

pub fn list_users_for_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let g = named_group(call, txn)?;
    let (max, after) = marker_params(call.params, 100)?;
    let (page, more) = groups::members_page(txn, &call.caller.account_id, &g.id, after.as_deref(), max)?;
    let f = truncation(more, "Marker", page.last().map(groups::Member::position));
    let items = page
        .iter()
        .map(|m| {
            Fields::new()
                .set("UserId", m.user.id.clone())
                .set("UserName", m.user.name.clone())
                .opt("DisplayName", m.user.display_name.clone())
                .date("JoinDate", m.joined)
                .into()
        })
        .collect();
    Ok(f.set("Users", wrapped("User", items)).build())
}
