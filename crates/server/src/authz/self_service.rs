//! What a RAM user may do to itself without any policy, as the account's security preference
//! allows it (SetSecurityPreference: "whether RAM users can change their passwords", "manage
//! their AccessKey pairs", "manage their MFA devices"; the MFA example policy's console note:
//! "To authorize all the RAM users ... set Manage MFA Devices to Allowed"). Consulted only
//! when the user's policies do not allow the action, so an explicit Deny still wins.

use super::Target;
use crate::caller::{Caller, Identity};
use crate::failure::Result;
use crate::identity::security_preference;
use localyun_core::preference::SecurityPreference;
use localyun_store::Txn;

/// Whether the preference lets the calling user do `action` on `target`: its own user (the
/// password, AccessKeys, MFA binding), a new MFA device (CreateVirtualMFADevice names no user:
/// a device is made before it is bound), or a device it made itself (delete).
pub fn allows(txn: &mut dyn Txn, caller: &Caller, action: &str, target: &Target) -> Result<bool> {
    let Identity::User { user_name, .. } = &caller.identity else { return Ok(false) };
    let account = &caller.account_id;
    let own = target.arn.strip_prefix("acs:ram:*:").and_then(|r| r.strip_prefix(account.as_str())).and_then(|r| r.strip_prefix(":user/"))
        == Some(user_name.as_str());
    // `acs:ram:*:<acct>:mfa/*` (create) or a serial number `acs:ram::<acct>:mfa/<name>` (delete).
    let device = [format!("acs:ram:*:{account}:mfa/"), format!("acs:ram::{account}:mfa/")].iter().any(|p| target.arn.starts_with(p));
    let setting: fn(&SecurityPreference) -> bool = match action {
        "ram:ChangePassword" if own => |p| p.allow_user_to_change_password,
        "ram:CreateAccessKey" | "ram:UpdateAccessKey" | "ram:DeleteAccessKey" | "ram:ListAccessKeys" | "ram:GetAccessKeyLastUsed"
            if own =>
        {
            |p| p.allow_user_to_manage_access_keys
        }
        "ram:BindMFADevice" | "ram:UnbindMFADevice" | "ram:GetUserMFAInfo" | "ram:DisableVirtualMFA" if own => {
            |p| p.allow_user_to_manage_mfa_devices
        }
        "ram:CreateVirtualMFADevice" if device => |p| p.allow_user_to_manage_mfa_devices,
        // Only a device the user made itself: the setting is about a user's own devices.
        "ram:DeleteVirtualMFADevice" if device && made_by(txn, caller, &target.arn)? => |p| p.allow_user_to_manage_mfa_devices,
        _ => return Ok(false),
    };
    Ok(setting(&security_preference::get(txn, account)?))
}

/// Whether the device a serial number names was made by the calling user.
fn made_by(txn: &mut dyn Txn, caller: &Caller, serial: &str) -> Result<bool> {
    let Identity::User { user_id, .. } = &caller.identity else { return Ok(false) };
    let Some(name) = localyun_core::mfa::device_name(&caller.account_id, serial) else { return Ok(false) };
    Ok(crate::identity::mfa_devices::get(txn, &caller.account_id, name)?.is_some_and(|d| d.created_by.as_deref() == Some(user_id.as_str())))
}
