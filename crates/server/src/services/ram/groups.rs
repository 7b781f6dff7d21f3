//! RAM 2015-05-01 groups and membership (ram.md 6.2).

use crate::failure::Result;
use crate::identity::groups::{self, GroupRecord};
use crate::identity::users;
use crate::rpc::Call;
use crate::services::{marker_page, opt_text, wrapped, Fields};
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

pub fn list_groups(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let all = groups::list(txn, &call.caller.account_id)?;
    let (page, f) = marker_page(call.params, all, 100, GroupRecord::position)?;
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
    let account = &call.caller.account_id;
    let mut members = Vec::new();
    for (uid, joined) in groups::members(txn, account, &g.id)? {
        if let Some(u) = users::by_id(txn, account, &uid)? {
            members.push((u, joined));
        }
    }
    let (page, f) = marker_page(call.params, members, 100, |(u, joined)| format!("{joined:016}/{}", u.id))?;
    let items = page
        .iter()
        .map(|(u, joined)| {
            Fields::new()
                .set("UserId", u.id.clone())
                .set("UserName", u.name.clone())
                .opt("DisplayName", u.display_name.clone())
                .date("JoinDate", *joined)
                .into()
        })
        .collect();
    Ok(f.set("Users", wrapped("User", items)).build())
}
