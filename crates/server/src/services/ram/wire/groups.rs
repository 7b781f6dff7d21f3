//! Groups and membership (ram.md 6.2). Group names follow the user-name rule.

use super::{marker_page, NamedUser, Paging, COMMENTS_MAX};
use crate::failure::Result;
use crate::identity::groups::{GroupRecord, Member};
use crate::rpc::decode::{opt_text, opt_user_name, user_name, FromParams, Named};
use crate::rpc::encode::Date;
use localyun_core::params::Params;
use serde::Serialize;

/// The group a call names by `GroupName` (GetGroup, DeleteGroup, and the first parameter of the
/// group's other calls).
pub struct GroupName(pub String);

impl FromParams for GroupName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(user_name(p, "GroupName")?))
    }
}

pub struct CreateGroup {
    pub group_name: String,
    pub comments: Option<String>,
}

impl FromParams for CreateGroup {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { group_name: user_name(p, "GroupName")?, comments: opt_text(p, "Comments", COMMENTS_MAX)? })
    }
}

/// UpdateGroup: the fields given replace the group's.
pub struct GroupChanges {
    pub new_group_name: Option<String>,
    pub new_comments: Option<String>,
}

impl FromParams for GroupChanges {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { new_group_name: opt_user_name(p, "NewGroupName")?, new_comments: opt_text(p, "NewComments", COMMENTS_MAX)? })
    }
}

pub type UpdateGroup = Named<GroupName, GroupChanges>;
/// AddUserToGroup, RemoveUserFromGroup: the group, then the user.
pub type Membership = Named<GroupName, NamedUser>;
pub type ListUsersForGroup = Named<GroupName, Paging>;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub group_id: String,
    pub group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub create_date: Date,
    /// CreateGroup's answer has none (SDK model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<Date>,
}

impl Group {
    pub fn of(g: &GroupRecord, with_update_date: bool) -> Self {
        Self {
            group_id: g.id.clone(),
            group_name: g.name.clone(),
            comments: g.comments.clone(),
            create_date: Date(g.created_ms),
            update_date: with_update_date.then_some(Date(g.updated_ms)),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupAnswer {
    pub group: Group,
}

crate::wrapper!(Groups, "Group", Group);

marker_page!(GroupPage, groups: Groups);

/// A group of ListGroupsForUser, with when the user joined it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JoinedGroup {
    pub group_id: String,
    pub group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub join_date: Date,
}

impl JoinedGroup {
    pub fn of(g: &GroupRecord, joined_ms: i64) -> Self {
        Self { group_id: g.id.clone(), group_name: g.name.clone(), comments: g.comments.clone(), join_date: Date(joined_ms) }
    }
}

crate::wrapper!(JoinedGroups, "Group", JoinedGroup);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JoinedGroupList {
    pub groups: JoinedGroups,
}

/// A user of ListUsersForGroup, with when it joined the group.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupMember {
    pub user_id: String,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub join_date: Date,
}

impl GroupMember {
    pub fn of(m: &Member) -> Self {
        Self {
            user_id: m.user.id.clone(),
            user_name: m.user.name.clone(),
            display_name: m.user.display_name.clone(),
            join_date: Date(m.joined),
        }
    }
}

crate::wrapper!(GroupMembers, "User", GroupMember);

marker_page!(MemberPage, users: GroupMembers);
