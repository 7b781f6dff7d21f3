//! ChangePassword, the same action in RAM 2015-05-01 and IMS 2019-08-15: a RAM user changes its
//! own console password (RAM API reference, ChangePassword).

use crate::actions::Context;
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::{login_profiles, users};
use crate::rpc::decode::FromParams;
use localyun_core::error::RamError;
use localyun_core::params::Params;
use localyun_store::Txn;

/// The calling user's `OldPassword` and `NewPassword`.
pub struct ChangePassword {
    pub old_password: String,
    pub new_password: String,
}

impl FromParams for ChangePassword {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { old_password: p.required("OldPassword")?.to_string(), new_password: p.required("NewPassword")?.to_string() })
    }
}

/// Only a RAM user may call it ("NotSupport.Account: This method can be only invoked by sub
/// user."); it needs a login profile.
pub fn change_password(req: ChangePassword, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let Identity::User { user_id, .. } = &cx.caller.identity else { return Err(RamError::NotSubUser.into()) };
    let user = users::require_by_id(txn, cx.account(), user_id)?;
    login_profiles::change_password(txn, cx.account(), &user.id, &user.name, &req.old_password, &req.new_password)
}
