//! Virtual MFA devices of an account and the one user each may be bound to, shared by RAM
//! 2015-05-01 and IMS 2019-08-15 (Create/Delete/ListVirtualMFADevices, Bind/UnbindMFADevice,
//! GetUserMFAInfo, IMS DisableVirtualMFA). A user has at most one device, a device at most one
//! user (error center: EntityAlreadyExists.User.MFADevice, EntityAlreadyExists.VirtualMFADevice.User).

use super::{now_ms, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_core::mfa;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfaDeviceRecord {
    pub name: String,
    /// The key, base32-encoded (`Base32StringSeed`).
    pub seed: String,
    pub created_ms: i64,
    /// The bound user's ID, and when it was bound (`ActivateDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_ms: Option<i64>,
    /// The RAM user that made it, when one did (self-service deletes only its own devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

fn key(account: &str, name: &str) -> String {
    format!("{account}/{name}")
}

pub fn get(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<MfaDeviceRecord>> {
    load(txn, tables::MFA_DEVICE, &key(account, name))
}

/// The device a serial number names; one of another account is a device that does not exist.
pub fn require_by_serial(txn: &mut dyn Txn, account: &str, serial: &str) -> Result<MfaDeviceRecord> {
    let found = match mfa::device_name(account, serial) {
        Some(name) => get(txn, account, name)?,
        None => None,
    };
    found.ok_or_else(|| RamError::MfaDeviceNotFound.into())
}

/// A new unbound device with a fresh random key, within the account's quota.
pub fn create(txn: &mut dyn Txn, account: &str, name: &str, created_by: Option<&str>) -> Result<MfaDeviceRecord> {
    if get(txn, account, name)?.is_some() {
        return Err(RamError::MfaDeviceExists.into());
    }
    // At most 101 keys are read; a concurrent create in another process conflicts on this
    // range (the stores' serializable write transactions).
    if txn.scan(tables::MFA_DEVICE, &format!("{account}/"), None, mfa::MAX_DEVICES_PER_ACCOUNT)?.len() >= mfa::MAX_DEVICES_PER_ACCOUNT {
        return Err(RamError::MfaLimit.into());
    }
    let mut seed = [0u8; mfa::SEED_BYTES];
    rand::Rng::fill(&mut rand::thread_rng(), &mut seed[..]);
    let rec = MfaDeviceRecord {
        name: name.to_string(),
        seed: mfa::seed_base32(&seed),
        created_ms: now_ms(),
        user_id: None,
        activated_ms: None,
        created_by: created_by.map(str::to_string),
    };
    save(txn, tables::MFA_DEVICE, &key(account, name), &rec)?;
    Ok(rec)
}

/// Deletes an unbound device (DeleteConflict.VirtualMFADevice.User while bound).
pub fn delete(txn: &mut dyn Txn, account: &str, serial: &str) -> Result<()> {
    let rec = require_by_serial(txn, account, serial)?;
    if rec.user_id.is_some() {
        return Err(RamError::MfaDeviceInUse.into());
    }
    txn.delete(tables::MFA_DEVICE, &key(account, &rec.name))?;
    Ok(())
}

/// The device bound to a user, if any.
pub fn of_user(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Option<MfaDeviceRecord>> {
    match txn.get(tables::USER_MFA_DEVICE, &key(account, user_id))? {
        Some(name) => get(txn, account, &String::from_utf8_lossy(&name)),
        None => Ok(None),
    }
}

pub fn has_device(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<bool> {
    Ok(txn.get(tables::USER_MFA_DEVICE, &key(account, user_id))?.is_some())
}

/// Binds a device to a user who has none, once `code1` and `code2`, two consecutive codes of
/// its key, prove the key is held. The codes are checked after the device and the user.
pub fn bind(txn: &mut dyn Txn, account: &str, serial: &str, user_id: &str, code1: &str, code2: &str) -> Result<MfaDeviceRecord> {
    let mut rec = require_by_serial(txn, account, serial)?;
    if has_device(txn, account, user_id)? {
        return Err(RamError::UserMfaExists.into());
    }
    if rec.user_id.is_some() {
        return Err(RamError::MfaDeviceBound.into());
    }
    let seed = mfa::seed_bytes(&rec.seed).unwrap_or_default();
    let now = now_ms();
    if !mfa::consecutive_codes(&seed, code1, code2, (now / 1000).max(0) as u64) {
        return Err(RamError::AuthenticationCodeWrong.into());
    }
    rec.user_id = Some(user_id.to_string());
    rec.activated_ms = Some(now);
    save(txn, tables::MFA_DEVICE, &key(account, &rec.name), &rec)?;
    txn.put(tables::USER_MFA_DEVICE, &key(account, user_id), rec.name.as_bytes())?;
    Ok(rec)
}

/// Unbinds the user's device, which stays in the account (EntityNotExist.User.MFADevice when
/// the user has none); returns it as it was bound.
pub fn unbind(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<MfaDeviceRecord> {
    let rec = of_user(txn, account, user_id)?.ok_or(RamError::UserHasNoMfa)?;
    let unbound = MfaDeviceRecord { user_id: None, activated_ms: None, ..rec.clone() };
    save(txn, tables::MFA_DEVICE, &key(account, &rec.name), &unbound)?;
    txn.delete(tables::USER_MFA_DEVICE, &key(account, user_id))?;
    Ok(rec)
}

/// Up to `limit` devices in name order after the device `after`, and whether more follow.
pub fn page(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<MfaDeviceRecord>, bool)> {
    let prefix = format!("{account}/");
    let after = after.map(|name| key(account, name));
    let rows = txn.scan(tables::MFA_DEVICE, &prefix, after.as_deref(), limit.saturating_add(1))?;
    let more = rows.len() > limit;
    let items = rows.iter().take(limit).map(|(_, v)| decode(tables::MFA_DEVICE, v)).collect::<Result<Vec<_>>>()?;
    Ok((items, more))
}
