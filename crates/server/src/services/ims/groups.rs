//! IMS groups and membership: the groups of RAM 2015-05-01 (identity/groups.rs), with IMS's
//! `DisplayName`, members named by logon name, and IMS paging (MaxItems up to 100).

use super::named_user;
use super::wire::{
    CreateGroup, Group, GroupAnswer, GroupMember, GroupName, GroupPage, ImsPaging, JoinedGroup, JoinedGroupList, ListUsersForGroup,
    LogonNamedUser, MemberPage, Membership, UpdateGroup,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::accounts::logon_domain;
use crate::identity::groups::{self, GroupRecord, Member};
use crate::identity::users::UserRecord;
use crate::services::next_marker;
use localyun_store::Txn;

pub fn create_group(req: CreateGroup, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupAnswer> {
    let g = groups::create(txn, cx.account(), req.0)?;
    Ok(GroupAnswer { group: Group::of(&g) })
}

pub fn get_group(req: GroupName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupAnswer> {
    let g = groups::require_by_name(txn, cx.account(), &req.0)?;
    Ok(GroupAnswer { group: Group::of(&g) })
}

pub fn update_group(req: UpdateGroup, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupAnswer> {
    let old = groups::require_by_name(txn, cx.account(), &req.name.0)?;
    let changes = req.rest.take()?;
    let mut next = old.clone();
    next.name = changes.new_group_name.unwrap_or(next.name);
    next.display_name = changes.new_display_name.or(next.display_name);
    next.comments = changes.new_comments.or(next.comments);
    let g = groups::update(txn, cx.account(), &old, next)?;
    Ok(GroupAnswer { group: Group::of(&g) })
}

pub fn delete_group(req: GroupName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let g = groups::require_by_name(txn, cx.account(), &req.0)?;
    groups::delete(txn, cx.account(), &g)
}

pub fn list_groups(req: ImsPaging, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupPage> {
    let (page, more) = groups::page(txn, cx.account(), req.0.after.as_deref(), req.0.max)?;
    let marker = next_marker(more, page.last().map(GroupRecord::position));
    Ok(GroupPage { is_truncated: more, marker, groups: page.iter().map(Group::of).collect::<Vec<_>>().into() })
}

/// The group, then the user: a missing group answers before a missing user.
fn membership(req: Membership, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<(GroupRecord, UserRecord)> {
    let g = groups::require_by_name(txn, cx.account(), &req.name.0)?;
    let u = named_user(txn, cx.account(), &req.rest.take()?.user)?;
    Ok((g, u))
}

pub fn add_user_to_group(req: Membership, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let (g, u) = membership(req, cx, txn)?;
    groups::add_user(txn, cx.account(), &g, &u.id)
}

pub fn remove_user_from_group(req: Membership, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let (g, u) = membership(req, cx, txn)?;
    groups::remove_user(txn, cx.account(), &g, &u.id)
}

pub fn list_groups_for_user(req: LogonNamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<JoinedGroupList> {
    let u = named_user(txn, cx.account(), &req.user)?;
    let joined = groups::groups_of_user(txn, cx.account(), &u.id)?;
    Ok(JoinedGroupList { groups: joined.iter().map(|(g, at)| JoinedGroup::of(g, *at)).collect::<Vec<_>>().into() })
}

pub fn list_users_for_group(req: ListUsersForGroup, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<MemberPage> {
    let g = groups::require_by_name(txn, cx.account(), &req.name.0)?;
    let paging = req.rest.take()?.0;
    let (page, more) = groups::members_page(txn, cx.account(), &g.id, paging.after.as_deref(), paging.max)?;
    let domain = logon_domain(txn, cx.account())?;
    let marker = next_marker(more, page.last().map(Member::position));
    Ok(MemberPage { is_truncated: more, marker, users: page.iter().map(|m| GroupMember::of(m, &domain)).collect::<Vec<_>>().into() })
}
