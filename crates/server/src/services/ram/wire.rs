//! RAM 2015-05-01's wire types: each action's request, decoded from its parameters, and its
//! answer, encoded with the SDK models' field names (ram.md 6). Handlers see only these.

use crate::identity::users::{NewUser, UserRecord};
use crate::rpc::decode::{opt_contact, opt_text, opt_user_name, user_name, FromParams, MarkerPage};
use crate::rpc::encode::Date;
use crate::failure::Result;
use localyun_core::params::Params;
use serde::Serialize;

/// DisplayName and Comments: up to 128 characters in RAM (ram.md 6, name rules).
const DISPLAY_NAME_MAX: usize = 128;
const COMMENTS_MAX: usize = 128;

// ---- users (ram.md 6.1) ----

pub struct CreateUser(pub NewUser);

impl FromParams for CreateUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(NewUser {
            name: user_name(p, "UserName")?,
            display_name: opt_text(p, "DisplayName", DISPLAY_NAME_MAX)?,
            email: opt_contact(p, "Email")?,
            mobile_phone: opt_contact(p, "MobilePhone")?,
            comments: opt_text(p, "Comments", COMMENTS_MAX)?,
            tags: Default::default(),
        }))
    }
}

/// GetUser, DeleteUser: the user by `UserName`.
pub struct NamedUser {
    pub user_name: String,
}

impl FromParams for NamedUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user_name: user_name(p, "UserName")? })
    }
}

/// UpdateUser: the fields given replace the user's.
pub struct UpdateUser {
    pub user_name: String,
    pub new_user_name: Option<String>,
    pub new_display_name: Option<String>,
    pub new_mobile_phone: Option<String>,
    pub new_email: Option<String>,
    pub new_comments: Option<String>,
}

impl FromParams for UpdateUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            user_name: user_name(p, "UserName")?,
            new_user_name: opt_user_name(p, "NewUserName")?,
            new_display_name: opt_text(p, "NewDisplayName", DISPLAY_NAME_MAX)?,
            new_mobile_phone: opt_contact(p, "NewMobilePhone")?,
            new_email: opt_contact(p, "NewEmail")?,
            new_comments: opt_text(p, "NewComments", COMMENTS_MAX)?,
        })
    }
}

/// ListUsers: `Marker` / `MaxItems` paging (1-1000, default 100).
pub struct ListUsers(pub MarkerPage);

impl FromParams for ListUsers {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(MarkerPage::read(p, 100)?))
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub user_id: String,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub create_date: Date,
    /// CreateUser's answer has none (SDK model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<Date>,
}

impl User {
    pub fn of(u: &UserRecord, with_update_date: bool) -> Self {
        Self {
            user_id: u.id.clone(),
            user_name: u.name.clone(),
            display_name: u.display_name.clone(),
            mobile_phone: u.mobile_phone.clone(),
            email: u.email.clone(),
            comments: u.comments.clone(),
            create_date: Date(u.created_ms),
            update_date: with_update_date.then_some(Date(u.updated_ms)),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserAnswer {
    pub user: User,
}

crate::wrapper!(Users, "User", User);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPage {
    pub is_truncated: bool,
    /// Only while truncated (ram.md 6.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    pub users: Users,
}
