//! Virtual MFA devices as RAM 2015-05-01 names their users (`UserName`); the fields both APIs
//! share are in services/mfa.rs (RAM API reference: BindMFADevice, ListVirtualMFADevices).

use crate::failure::Result;
use crate::identity::mfa_devices::MfaDeviceRecord;
use crate::identity::users::UserRecord;
use crate::rpc::decode::{user_name, FromParams};
use crate::rpc::encode::Date;
use crate::services::mfa::{BindCodes, MfaDevice};
use localyun_core::mfa;
use localyun_core::params::Params;
use serde::Serialize;

/// BindMFADevice: `UserName`, `SerialNumber`, `AuthenticationCode1`, `AuthenticationCode2`.
pub struct BindMfaDevice {
    pub user_name: String,
    pub codes: BindCodes,
}

impl FromParams for BindMfaDevice {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user_name: user_name(p, "UserName")?, codes: BindCodes::read(p)? })
    }
}

/// GetUserMFAInfo: `{"MFADevice": {"SerialNumber", "Type"}}`.
#[derive(Debug, Serialize)]
pub struct UserMfaInfo {
    #[serde(rename = "MFADevice")]
    pub device: MfaDevice,
}

/// The bound user of a listed device; `{}` for an unbound one (API reference example).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activate_date: Option<Date>,
    pub user: DeviceUser,
}

impl VirtualMfaDevice {
    pub fn of(account: &str, rec: &MfaDeviceRecord, user: Option<&UserRecord>) -> Self {
        let user = user.map_or_else(DeviceUser::default, |u| DeviceUser {
            user_id: Some(u.id.clone()),
            user_name: Some(u.name.clone()),
            display_name: u.display_name.clone(),
        });
        Self { serial_number: mfa::serial_number(account, &rec.name), activate_date: rec.activated_ms.map(Date), user }
    }
}

crate::wrapper!(VirtualMfaDevices, "VirtualMFADevice", VirtualMfaDevice);

/// ListVirtualMFADevices: every device of the account (the RAM model has no paging).
#[derive(Debug, Serialize)]
pub struct VirtualMfaDeviceList {
    #[serde(rename = "VirtualMFADevices")]
    pub devices: VirtualMfaDevices,
}
