//! IMS security settings: the account's password policy (the same one RAM 2015-05-01 reads and
//! sets, with the settings only IMS has).

use super::wire::{PasswordPolicyAnswer, SetPasswordPolicy};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::password_policy;
use localyun_store::Txn;

pub fn get_password_policy(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    Ok((&password_policy::get(txn, cx.account())?).into())
}

pub fn set_password_policy(req: SetPasswordPolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    password_policy::set(txn, cx.account(), &req.0)?;
    Ok((&req.0).into())
}
