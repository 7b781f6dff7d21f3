//! Virtual MFA devices in RAM 2015-05-01 and IMS 2019-08-15 alike: Create/DeleteVirtualMFADevice
//! take the same parameters and answer the same fields in both (the SDK models); BindMFADevice's
//! serial number and codes are read here too. How a user is named (`UserName`,
//! `UserPrincipalName`) and the user lists stay in each API's wire layer.

use crate::actions::Context;
use crate::failure::Result;
use crate::identity::mfa_devices::{self, MfaDeviceRecord};
use crate::rpc::decode::FromParams;
use base64::Engine;
use localyun_core::mfa;
use localyun_core::params::Params;
use localyun_store::Txn;
use serde::Serialize;

/// CreateVirtualMFADevice: `VirtualMFADeviceName`.
pub struct CreateVirtualMfaDevice {
    pub name: String,
}

impl FromParams for CreateVirtualMfaDevice {
    fn from_params(p: &Params) -> Result<Self> {
        let name = p.required("VirtualMFADeviceName")?;
        mfa::check_device_name(name)?;
        Ok(Self { name: name.to_string() })
    }
}

/// DeleteVirtualMFADevice: `SerialNumber`.
pub struct SerialNumber(pub String);

impl FromParams for SerialNumber {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.required("SerialNumber")?.to_string()))
    }
}

/// BindMFADevice's device and its two consecutive codes, beside the API's own user parameter.
pub struct BindCodes {
    pub serial_number: String,
    pub code1: String,
    pub code2: String,
}

impl BindCodes {
    pub fn read(p: &Params) -> Result<Self> {
        let serial_number = p.required("SerialNumber")?.to_string();
        let code1 = p.required("AuthenticationCode1")?;
        let code2 = p.required("AuthenticationCode2")?;
        mfa::check_code(code1)?;
        mfa::check_code(code2)?;
        Ok(Self { serial_number, code1: code1.to_string(), code2: code2.to_string() })
    }
}

/// CreateVirtualMFADevice's answer: the key, in text and as a QR code (base64 of a PNG).
#[derive(Debug, Serialize)]
pub struct CreatedDevice {
    #[serde(rename = "VirtualMFADevice")]
    pub device: NewDevice,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewDevice {
    pub serial_number: String,
    pub base32_string_seed: String,
    #[serde(rename = "QRCodePNG")]
    pub qr_code_png: String,
}

/// A user's device as GetUserMFAInfo and UnbindMFADevice answer it (`MFADevice`); `Type` is
/// `VMFA`, the only kind localyun has (U2F keys are bound in the console).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaDevice {
    pub serial_number: String,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

impl MfaDevice {
    pub fn of(account: &str, rec: &MfaDeviceRecord, with_type: bool) -> Self {
        Self { serial_number: mfa::serial_number(account, &rec.name), kind: with_type.then_some("VMFA") }
    }
}

/// UnbindMFADevice: `{"MFADevice": {"SerialNumber"}}`.
#[derive(Debug, Serialize)]
pub struct UnboundDevice {
    #[serde(rename = "MFADevice")]
    pub device: MfaDevice,
}

pub fn create_virtual_mfa_device(req: CreateVirtualMfaDevice, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<CreatedDevice> {
    let account = cx.account();
    let created_by = match &cx.caller.identity {
        crate::caller::Identity::User { user_id, .. } => Some(user_id.as_str()),
        _ => None,
    };
    let rec = mfa_devices::create(txn, account, &req.name, created_by)?;
    let uri = mfa::provisioning_uri(account, &rec.name, &rec.seed);
    let png = mfa::qr_png(&uri).unwrap_or_default();
    Ok(CreatedDevice {
        device: NewDevice {
            serial_number: mfa::serial_number(account, &rec.name),
            base32_string_seed: rec.seed,
            qr_code_png: base64::engine::general_purpose::STANDARD.encode(png),
        },
    })
}

pub fn delete_virtual_mfa_device(req: SerialNumber, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    mfa_devices::delete(txn, cx.account(), &req.0)
}
