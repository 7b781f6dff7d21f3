//! RAM 2015-05-01 groups and membership (ram.md 6.2).

use super::wire::{
    CreateGroup, Group, GroupAnswer, GroupMember, GroupName, GroupPage, JoinedGroup, JoinedGroupList, ListUsersForGroup, MemberPage,
    Membership, NamedUser, Paging, UpdateGroup,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::groups::{self, GroupRecord, Member, NewGroup};
use crate::identity::users;
use localyun_store::Txn;

pub fn create_group(req: CreateGroup, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupAnswer> {
    let g = groups::create(txn, cx.account(), NewGroup { name: req.group_name, comments: req.comments, display_name: None })?;
    Ok(GroupAnswer { group: Group::of(&g, false) })
}

pub fn get_group(req: GroupName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupAnswer> {
    let g = groups::require_by_name(txn, cx.account(), &req.0)?;
    Ok(GroupAnswer { group: Group::of(&g, true) })
}

pub fn update_group(req: UpdateGroup, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupAnswer> {
    let old = groups::require_by_name(txn, cx.account(), &req.name.0)?;
    let changes = req.rest.take()?;
    let mut next = old.clone();
    next.name = changes.new_group_name.unwrap_or(next.name);
    next.comments = changes.new_comments.or(next.comments);
    let g = groups::update(txn, cx.account(), &old, next)?;
    Ok(GroupAnswer { group: Group::of(&g, true) })
}

pub fn delete_group(req: GroupName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let g = groups::require_by_name(txn, cx.account(), &req.0)?;
    groups::delete(txn, cx.account(), &g)
}

/// Groups by creation; a page reads only its groups.
pub fn list_groups(req: Paging, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GroupPage> {
    let (page, more) = groups::page(txn, cx.account(), req.0.after.as_deref(), req.0.max)?;
    Ok(GroupPage::new(more, page.last().map(GroupRecord::position), page.iter().map(|g| Group::of(g, true)).collect::<Vec<_>>()))
}

/// The group, then the user: a missing group answers before a malformed or missing user.
fn membership(req: Membership, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<(GroupRecord, users::UserRecord)> {
    let g = groups::require_by_name(txn, cx.account(), &req.name.0)?;
    let u = users::require_by_name(txn, cx.account(), &req.rest.take()?.user_name)?;
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

pub fn list_groups_for_user(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<JoinedGroupList> {
    let u = users::require_by_name(txn, cx.account(), &req.user_name)?;
    let joined = groups::groups_of_user(txn, cx.account(), &u.id)?;
    Ok(JoinedGroupList { groups: joined.iter().map(|(g, at)| JoinedGroup::of(g, *at)).collect::<Vec<_>>().into() })
}

pub fn list_users_for_group(req: ListUsersForGroup, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<MemberPage> {
    let g = groups::require_by_name(txn, cx.account(), &req.name.0)?;
    let paging = req.rest.take()?.0;
    let (page, more) = groups::members_page(txn, cx.account(), &g.id, paging.after.as_deref(), paging.max)?;
    Ok(MemberPage::new(more, page.last().map(Member::position), page.iter().map(GroupMember::of).collect::<Vec<_>>()))
}
