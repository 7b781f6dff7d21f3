//! IMS security settings: the account's password policy and security preference (the same ones
//! RAM 2015-05-01 reads and sets, with the settings only IMS has).

use super::wire::{
    PasswordPolicyAnswer, SecurityPreferenceAnswer, SetPasswordPolicy, SetSecurityPreference, SetUserSsoSettings, UserSsoSettingsAnswer,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::{password_policy, security_preference, user_sso};
use localyun_core::GatewayError;
use localyun_store::Txn;

pub fn get_password_policy(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    Ok((&password_policy::get(txn, cx.account())?).into())
}

pub fn set_password_policy(req: SetPasswordPolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    password_policy::set(txn, cx.account(), &req.0)?;
    Ok((&req.0).into())
}

pub fn get_security_preference(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SecurityPreferenceAnswer> {
    Ok((&security_preference::get(txn, cx.account())?).into())
}

pub fn set_security_preference(req: SetSecurityPreference, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SecurityPreferenceAnswer> {
    let next = security_preference::get(txn, cx.account())?.updated(req.0);
    security_preference::set(txn, cx.account(), &next)?;
    Ok((&next).into())
}

pub fn get_user_sso_settings(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserSsoSettingsAnswer> {
    Ok((&user_sso::get(txn, cx.account())?).into())
}

/// Enabling SSO needs IdP metadata, given now or before (no code is documented for the lack of
/// it: the gateway's missing-parameter code names it).
pub fn set_user_sso_settings(req: SetUserSsoSettings, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserSsoSettingsAnswer> {
    let mut s = user_sso::get(txn, cx.account())?;
    s.metadata_document = req.metadata_document.unwrap_or(s.metadata_document);
    s.auxiliary_domain = req.auxiliary_domain.unwrap_or(s.auxiliary_domain);
    s.sso_login_with_domain = req.sso_login_with_domain.unwrap_or(s.sso_login_with_domain);
    s.authn_sign_algo = req.authn_sign_algo.unwrap_or(s.authn_sign_algo);
    s.sso_enabled = req.sso_enabled.unwrap_or(s.sso_enabled);
    if s.sso_enabled && s.metadata_document.is_empty() {
        return Err(GatewayError::missing("MetadataDocument").into());
    }
    user_sso::set(txn, cx.account(), &s)?;
    Ok((&s).into())
}
