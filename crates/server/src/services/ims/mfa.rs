//! IMS MFA actions on users, named by logon name (Create/DeleteVirtualMFADevice are shared with
//! RAM: services/mfa.rs), and GetAccountMFAInfo.

use super::named_user;
use super::wire::{
    AccountMfaInfo, BindMfaDevice, ImsPaging, LogonNamedUser, UserMfaInfo, UserMfaQuery, VirtualMfaDevice, VirtualMfaDevicePage,
};
use crate::actions::Context;
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::accounts::logon_domain;
use crate::identity::mfa_devices::{self, MfaDeviceRecord};
use crate::identity::users;
use crate::services::mfa::{MfaDevice, UnboundDevice};
use crate::services::next_marker;
use localyun_core::error::GatewayError;
use localyun_core::mfa;
use localyun_store::Txn;

pub fn bind_mfa_device(req: BindMfaDevice, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = named_user(txn, cx.account(), &req.user)?;
    let c = &req.codes;
    mfa_devices::bind(txn, cx.account(), &c.serial_number, &user.id, &c.code1, &c.code2).map(drop)
}

pub fn unbind_mfa_device(req: LogonNamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UnboundDevice> {
    let user = named_user(txn, cx.account(), &req.user)?;
    let rec = mfa_devices::unbind(txn, cx.account(), &user.id)?;
    Ok(UnboundDevice { device: MfaDevice::of(cx.account(), &rec, false) })
}

/// DisableVirtualMFA "unbinds and deletes" the user's device (IMS API reference).
pub fn disable_virtual_mfa(req: LogonNamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = named_user(txn, cx.account(), &req.user)?;
    let rec = mfa_devices::unbind(txn, cx.account(), &user.id)?;
    mfa_devices::delete(txn, cx.account(), &mfa::serial_number(cx.account(), &rec.name))
}

/// Without `UserPrincipalName` a RAM user asks about itself; anyone else must name the user.
/// A user without a device answers `IsMFAEnable: false` and no `MFADevice` (the model's
/// flag, where RAM 2015-05-01 answers EntityNotExist.User.MFADevice).
pub fn get_user_mfa_info(req: UserMfaQuery, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserMfaInfo> {
    let user = match (&req.user, &cx.caller.identity) {
        (Some(named), _) => named_user(txn, cx.account(), named)?,
        (None, Identity::User { user_id, .. }) => users::require_by_id(txn, cx.account(), user_id)?,
        (None, _) => return Err(GatewayError::missing("UserPrincipalName").into()),
    };
    let device = mfa_devices::of_user(txn, cx.account(), &user.id)?;
    Ok(UserMfaInfo { is_mfa_enable: device.is_some(), device: device.map(|d| MfaDevice::of(cx.account(), &d, true)) })
}

/// The Alibaba Cloud account's own MFA device is bound in the console only, never through an
/// API, so an account served by localyun has none.
pub fn get_account_mfa_info(_req: (), _cx: &Context<'_>, _txn: &mut dyn Txn) -> Result<AccountMfaInfo> {
    Ok(AccountMfaInfo { is_mfa_enable: false })
}

pub fn list_virtual_mfa_devices(req: ImsPaging, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<VirtualMfaDevicePage> {
    let account = cx.account();
    let (devices, more) = mfa_devices::page(txn, account, req.0.after.as_deref(), req.0.max)?;
    let domain = logon_domain(txn, account)?;
    let mut items = Vec::with_capacity(devices.len());
    for d in &devices {
        let user = match &d.user_id {
            Some(id) => users::by_id(txn, account, id)?,
            None => None,
        };
        items.push(VirtualMfaDevice::of(account, d, user.as_ref(), &domain));
    }
    let last = devices.last().map(|d: &MfaDeviceRecord| d.name.clone());
    Ok(VirtualMfaDevicePage { is_truncated: more, marker: next_marker(more, last), devices: items.into() })
}
