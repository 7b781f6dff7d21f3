//! Login profiles and passwords (RAM API reference: CreateLoginProfile, GetLoginProfile,
//! UpdateLoginProfile, DeleteLoginProfile).

use crate::failure::Result;
use crate::identity::login_profiles::{LoginProfileRecord, ProfileChange};
use crate::rpc::decode::{user_name, FromParams};
use crate::rpc::encode::Date;
use crate::services::passwords::profile_change;
use localyun_core::params::Params;
use serde::Serialize;

/// CreateLoginProfile / UpdateLoginProfile: the user by `UserName`; `Password` required to
/// create, optional to update; the flags default to false on create and stay on update.
pub struct LoginProfileChange {
    pub user_name: String,
    pub change: ProfileChange,
}

impl LoginProfileChange {
    fn read(p: &Params, password_required: bool) -> Result<Self> {
        Ok(Self { user_name: user_name(p, "UserName")?, change: profile_change(p, password_required)? })
    }
}

pub struct CreateLoginProfile(pub LoginProfileChange);

impl FromParams for CreateLoginProfile {
    fn from_params(p: &Params) -> Result<Self> {
        LoginProfileChange::read(p, true).map(Self)
    }
}

pub struct UpdateLoginProfile(pub LoginProfileChange);

impl FromParams for UpdateLoginProfile {
    fn from_params(p: &Params) -> Result<Self> {
        LoginProfileChange::read(p, false).map(Self)
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfile {
    pub user_name: String,
    pub password_reset_required: bool,
    #[serde(rename = "MFABindRequired")]
    pub mfa_bind_required: bool,
    pub create_date: Date,
}

impl LoginProfile {
    pub fn of(rec: &LoginProfileRecord, user_name: &str) -> Self {
        Self {
            user_name: user_name.to_string(),
            password_reset_required: rec.password_reset_required,
            mfa_bind_required: rec.mfa_bind_required,
            create_date: Date(rec.created_ms),
        }
    }
}

/// Create/GetLoginProfile: `{"LoginProfile": {...}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfileAnswer {
    pub login_profile: LoginProfile,
}
