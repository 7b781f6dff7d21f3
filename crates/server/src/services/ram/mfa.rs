//! RAM 2015-05-01 MFA actions on users (Create/DeleteVirtualMFADevice are shared with IMS:
//! services/mfa.rs).

use super::wire::{BindMfaDevice, NamedUser, UserMfaInfo, VirtualMfaDevice, VirtualMfaDeviceList};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::{mfa_devices, users};
use crate::services::mfa::{MfaDevice, UnboundDevice};
use localyun_core::error::RamError;
use localyun_core::mfa::MAX_DEVICES_PER_ACCOUNT;
use localyun_store::Txn;

pub fn bind_mfa_device(req: BindMfaDevice, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    let c = &req.codes;
    mfa_devices::bind(txn, cx.account(), &c.serial_number, &user.id, &c.code1, &c.code2).map(drop)
}

pub fn unbind_mfa_device(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UnboundDevice> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    let rec = mfa_devices::unbind(txn, cx.account(), &user.id)?;
    Ok(UnboundDevice { device: MfaDevice::of(cx.account(), &rec, false) })
}

/// A user without a device is EntityNotExist.User.MFADevice (error center: "The user has not
/// bound any MFA device"; the RAM model has no field to say "none").
pub fn get_user_mfa_info(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserMfaInfo> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    let rec = mfa_devices::of_user(txn, cx.account(), &user.id)?.ok_or(RamError::UserHasNoMfa)?;
    Ok(UserMfaInfo { device: MfaDevice::of(cx.account(), &rec, true) })
}

pub fn list_virtual_mfa_devices(_req: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<VirtualMfaDeviceList> {
    let (devices, _) = mfa_devices::page(txn, cx.account(), None, MAX_DEVICES_PER_ACCOUNT)?;
    let mut items = Vec::with_capacity(devices.len());
    for d in &devices {
        let user = match &d.user_id {
            Some(id) => users::by_id(txn, cx.account(), id)?,
            None => None,
        };
        items.push(VirtualMfaDevice::of(cx.account(), d, user.as_ref()));
    }
    Ok(VirtualMfaDeviceList { devices: items.into() })
}
