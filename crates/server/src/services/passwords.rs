//! Passwords in RAM 2015-05-01 and IMS 2019-08-15 alike: ChangePassword (a RAM user changes its
//! own console password, RAM API reference) and the login-profile settings both APIs read.

use crate::actions::Context;
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::login_profiles::{self, ProfileChange};
use crate::identity::users;
use crate::rpc::decode::FromParams;
use localyun_core::error::RamError;
use localyun_core::params::Params;
use localyun_core::Secret;
use localyun_store::Txn;

/// The calling user's `OldPassword` and `NewPassword`.
pub struct ChangePassword {
    pub old_password: Secret,
    pub new_password: Secret,
}

impl FromParams for ChangePassword {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { old_password: Secret::new(p.required("OldPassword")?), new_password: Secret::new(p.required("NewPassword")?) })
    }
}

/// What Create/UpdateLoginProfile of both APIs share: `Password` (required to create, optional
/// to update), `PasswordResetRequired`, `MFABindRequired`; IMS adds `Status`.
pub fn profile_change(p: &Params, password_required: bool) -> Result<ProfileChange> {
    let password = if password_required { Some(p.required("Password")?) } else { p.optional("Password") };
    Ok(ProfileChange {
        password: password.map(Secret::new),
        password_reset_required: p.bool("PasswordResetRequired")?,
        mfa_bind_required: p.bool("MFABindRequired")?,
        active: None,
    })
}

/// Only a RAM user may call it ("NotSupport.Account: This method can be only invoked by sub
/// user."); it needs a login profile.
pub fn change_password(req: ChangePassword, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let Identity::User { user_id, .. } = &cx.caller.identity else { return Err(RamError::NotSubUser.into()) };
    let user = users::require_by_id(txn, cx.account(), user_id)?;
    login_profiles::change_password(txn, cx.account(), &user.id, &user.name, req.old_password.expose(), req.new_password.expose())
}
