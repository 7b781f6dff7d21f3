//! The account's security preference for its RAM users (RAM and IMS Get/SetSecurityPreference):
//! what users may manage about themselves, and their console logon settings. One preference per
//! account, shared by both APIs. Defaults and ranges are the SDK models' field docs
//! (`alibabacloud_ims20190815` 3.5.0 SetSecurityPreferenceRequest, `alibabacloud_ram20150501`
//! 1.3.0) and the API references (AlibabaCloudDocs/ram, SetSecurityPreference).
//!
//! A Set changes only the settings it names (every setting is optional in both models), and
//! only those of its API's model.

use crate::error::{ApiError, GatewayError, RamError};
use crate::params::Params;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityPreference {
    pub allow_user_to_change_password: bool,
    pub allow_user_to_manage_access_keys: bool,
    pub allow_user_to_manage_mfa_devices: bool,
    /// RAM only ("valid only for the Japan site").
    pub allow_user_to_manage_public_keys: bool,
    pub allow_user_to_login_with_passkey: bool,
    pub allow_user_to_manage_personal_ding_talk: bool,
    pub allow_user_to_manage_service_credentials: bool,
    pub enable_save_mfa_ticket: bool,
    /// `;`-separated CIDR blocks; empty: logon from anywhere.
    pub login_network_masks: String,
    /// Hours.
    pub login_session_duration: u32,
    /// `mandatory`, `independent` or `adaptive`.
    pub mfa_operation_for_login: String,
    /// Deprecated in the IMS model; kept as set.
    pub operation_for_risk_login: String,
    pub max_idle_days_for_access_keys: u32,
    pub max_idle_days_for_users: u32,
    pub verification_types: Vec<String>,
}

impl Default for SecurityPreference {
    fn default() -> Self {
        Self {
            allow_user_to_change_password: true,
            allow_user_to_manage_access_keys: false,
            allow_user_to_manage_mfa_devices: true,
            allow_user_to_manage_public_keys: false,
            allow_user_to_login_with_passkey: true,
            allow_user_to_manage_personal_ding_talk: true,
            allow_user_to_manage_service_credentials: false,
            enable_save_mfa_ticket: false,
            login_network_masks: String::new(),
            login_session_duration: 6,
            mfa_operation_for_login: "independent".to_string(),
            operation_for_risk_login: "autonomous".to_string(),
            max_idle_days_for_access_keys: 730,
            max_idle_days_for_users: 730,
            verification_types: Vec::new(),
        }
    }
}

/// The API a Set came through: their ranges differ (RAM: LoginSessionDuration 6 to 24, at most
/// 25 masks; IMS: 1 to 24, at most 40 masks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Ram,
    Ims,
}

/// LoginNetworkMasks: at most 512 characters in all (both references).
const MASKS_MAX_CHARS: usize = 512;
/// MaxIdleDaysForAccessKeys / MaxIdleDaysForUsers: one of these (IMS model).
const IDLE_DAYS: [u32; 4] = [90, 180, 365, 730];
const MFA_OPERATIONS: [&str; 3] = ["mandatory", "independent", "adaptive"];
/// The MFA methods of VerificationTypes (IMS GetSecurityPreference: `sms`, `email`).
const VERIFICATION_TYPES: [&str; 2] = ["sms", "email"];

/// A bad setting is `InvalidParameter.<name>`, RAM's code for a value it does not accept (as
/// for `Status`): the error center lists no code of the security preference's own.
fn invalid(name: &str) -> ApiError {
    GatewayError::incorrect(name).into()
}

fn masks(text: &str, max: usize) -> Result<String, ApiError> {
    const NAME: &str = "LoginNetworkMasks";
    if text.chars().count() > MASKS_MAX_CHARS {
        return Err(GatewayError::invalid_length(NAME).into());
    }
    let parts: Vec<&str> = text.split(';').map(str::trim).filter(|m| !m.is_empty()).collect();
    if parts.len() > max {
        return Err(invalid(NAME));
    }
    if !parts.iter().all(|m| is_cidr(m)) {
        return Err(invalid(NAME));
    }
    Ok(parts.join(";"))
}

/// `a.b.c.d` or `a.b.c.d/n` (n from 0 to 32).
fn is_cidr(text: &str) -> bool {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    addr.parse::<std::net::Ipv4Addr>().is_ok() && bits.is_none_or(|b| b.parse::<u8>().is_ok_and(|n| n <= 32))
}

fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<String, ApiError> {
    if allowed.contains(&value) {
        Ok(value.to_string())
    } else {
        Err(invalid(name))
    }
}

fn idle_days(p: &Params, name: &str) -> Result<Option<u32>, ApiError> {
    match p.optional(name) {
        None => Ok(None),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if IDLE_DAYS.contains(&n) => Ok(Some(n)),
            _ => Err(invalid(name)),
        },
    }
}

/// What a Set request names, validated; `None` leaves a setting as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PreferenceChange {
    pub allow_user_to_change_password: Option<bool>,
    pub allow_user_to_manage_access_keys: Option<bool>,
    pub allow_user_to_manage_mfa_devices: Option<bool>,
    pub allow_user_to_manage_public_keys: Option<bool>,
    pub allow_user_to_login_with_passkey: Option<bool>,
    pub allow_user_to_manage_personal_ding_talk: Option<bool>,
    pub allow_user_to_manage_service_credentials: Option<bool>,
    pub enable_save_mfa_ticket: Option<bool>,
    pub login_network_masks: Option<String>,
    pub login_session_duration: Option<u32>,
    pub mfa_operation_for_login: Option<String>,
    pub operation_for_risk_login: Option<String>,
    pub max_idle_days_for_access_keys: Option<u32>,
    pub max_idle_days_for_users: Option<u32>,
    pub verification_types: Option<Vec<String>>,
}

impl PreferenceChange {
    /// The settings of a Set request through `api`; a bad setting refuses the whole request.
    pub fn read(p: &Params, api: Api) -> Result<Self, ApiError> {
        let (min_hours, max_masks) = match api {
            Api::Ram => (6, 25),
            Api::Ims => (1, 40),
        };
        let ims = api == Api::Ims;
        let only = |name: &str, wanted: bool| -> Result<Option<bool>, ApiError> {
            if wanted {
                p.bool(name)
            } else {
                Ok(None)
            }
        };
        let login_session_duration = match p.optional("LoginSessionDuration") {
            None => None,
            Some(v) => {
                const NAME: &str = "LoginSessionDuration";
                match v.parse::<i64>() {
                    Ok(h) if (min_hours..=24).contains(&h) => Some(h as u32),
                    Ok(_) => return Err(RamError::OutOfRange { name: NAME.to_string(), min: min_hours as u32, max: 24 }.into()),
                    Err(_) => return Err(invalid(NAME)),
                }
            }
        };
        let text = |name: &str, allowed: &[&str]| -> Result<Option<String>, ApiError> {
            match p.optional(name) {
                Some(v) if ims => one_of(name, v, allowed).map(Some),
                _ => Ok(None),
            }
        };
        // The Tea SDK sends the list as a JSON array (`VerificationTypes` shrink, 'json' style).
        let verification_types = match p.optional("VerificationTypes") {
            Some(v) if ims => {
                const NAME: &str = "VerificationTypes";
                let list: Vec<String> = serde_json::from_str(v).map_err(|_| invalid(NAME))?;
                for t in &list {
                    one_of(NAME, t, &VERIFICATION_TYPES)?;
                }
                Some(list)
            }
            _ => None,
        };
        Ok(Self {
            allow_user_to_change_password: p.bool("AllowUserToChangePassword")?,
            allow_user_to_manage_access_keys: p.bool("AllowUserToManageAccessKeys")?,
            allow_user_to_manage_mfa_devices: p.bool("AllowUserToManageMFADevices")?,
            allow_user_to_manage_public_keys: only("AllowUserToManagePublicKeys", !ims)?,
            allow_user_to_login_with_passkey: only("AllowUserToLoginWithPasskey", ims)?,
            allow_user_to_manage_personal_ding_talk: only("AllowUserToManagePersonalDingTalk", ims)?,
            allow_user_to_manage_service_credentials: only("AllowUserToManageServiceCredentials", ims)?,
            enable_save_mfa_ticket: p.bool("EnableSaveMFATicket")?,
            // An empty value is "absent" to the parameter reader; the SDKs never send one.
            login_network_masks: p.optional("LoginNetworkMasks").map(|v| masks(v, max_masks)).transpose()?,
            login_session_duration,
            mfa_operation_for_login: text("MFAOperationForLogin", &MFA_OPERATIONS)?,
            operation_for_risk_login: text("OperationForRiskLogin", &["autonomous", "enforceVerify"])?,
            max_idle_days_for_access_keys: if ims { idle_days(p, "MaxIdleDaysForAccessKeys")? } else { None },
            max_idle_days_for_users: if ims { idle_days(p, "MaxIdleDaysForUsers")? } else { None },
            verification_types,
        })
    }
}

impl SecurityPreference {
    /// This preference with the settings `change` names changed.
    pub fn updated(&self, change: PreferenceChange) -> Self {
        let c = change;
        let d = self.clone();
        Self {
            allow_user_to_change_password: c.allow_user_to_change_password.unwrap_or(d.allow_user_to_change_password),
            allow_user_to_manage_access_keys: c.allow_user_to_manage_access_keys.unwrap_or(d.allow_user_to_manage_access_keys),
            allow_user_to_manage_mfa_devices: c.allow_user_to_manage_mfa_devices.unwrap_or(d.allow_user_to_manage_mfa_devices),
            allow_user_to_manage_public_keys: c.allow_user_to_manage_public_keys.unwrap_or(d.allow_user_to_manage_public_keys),
            allow_user_to_login_with_passkey: c.allow_user_to_login_with_passkey.unwrap_or(d.allow_user_to_login_with_passkey),
            allow_user_to_manage_personal_ding_talk: c
                .allow_user_to_manage_personal_ding_talk
                .unwrap_or(d.allow_user_to_manage_personal_ding_talk),
            allow_user_to_manage_service_credentials: c
                .allow_user_to_manage_service_credentials
                .unwrap_or(d.allow_user_to_manage_service_credentials),
            enable_save_mfa_ticket: c.enable_save_mfa_ticket.unwrap_or(d.enable_save_mfa_ticket),
            login_network_masks: c.login_network_masks.unwrap_or(d.login_network_masks),
            login_session_duration: c.login_session_duration.unwrap_or(d.login_session_duration),
            mfa_operation_for_login: c.mfa_operation_for_login.unwrap_or(d.mfa_operation_for_login),
            operation_for_risk_login: c.operation_for_risk_login.unwrap_or(d.operation_for_risk_login),
            max_idle_days_for_access_keys: c.max_idle_days_for_access_keys.unwrap_or(d.max_idle_days_for_access_keys),
            max_idle_days_for_users: c.max_idle_days_for_users.unwrap_or(d.max_idle_days_for_users),
            verification_types: c.verification_types.unwrap_or(d.verification_types),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
    }

    #[test]
    fn a_set_changes_only_what_it_names() {
        let d = SecurityPreference::default();
        let change = PreferenceChange::read(&params(&[("AllowUserToManageAccessKeys", "true"), ("LoginSessionDuration", "12")]), Api::Ram);
        let next = d.updated(change.unwrap());
        assert!(next.allow_user_to_manage_access_keys && next.allow_user_to_change_password);
        assert_eq!(next.login_session_duration, 12);
        assert_eq!(SecurityPreference { allow_user_to_manage_access_keys: true, login_session_duration: 12, ..d }, next);
    }

    #[test]
    fn ranges_differ_by_api() {
        let two = params(&[("LoginSessionDuration", "2")]);
        assert_eq!(PreferenceChange::read(&two, Api::Ram).unwrap_err().code, "InvalidParameter.LoginSessionDuration.Range");
        assert_eq!(PreferenceChange::read(&two, Api::Ims).unwrap().login_session_duration, Some(2));
        let many = (0..30).map(|i| format!("10.0.{i}.0/24")).collect::<Vec<_>>().join(";");
        assert!(PreferenceChange::read(&params(&[("LoginNetworkMasks", &many)]), Api::Ram).is_err());
        assert!(PreferenceChange::read(&params(&[("LoginNetworkMasks", &many)]), Api::Ims).is_ok());
    }

    #[test]
    fn bad_settings_are_refused() {
        let d = SecurityPreference::default();
        // A setting the API's model does not have is not read (AllowUserToManagePublicKeys is RAM's).
        assert_eq!(
            PreferenceChange::read(&params(&[("AllowUserToManagePublicKeys", "true")]), Api::Ims).unwrap(),
            PreferenceChange::default()
        );
        for (k, v) in [
            ("LoginNetworkMasks", "10.0.0.0/33"),
            ("LoginNetworkMasks", "example.com"),
            ("MaxIdleDaysForUsers", "100"),
            ("MFAOperationForLogin", "always"),
            ("VerificationTypes", "[\"pigeon\"]"),
            ("AllowUserToChangePassword", "yes"),
            ("LoginSessionDuration", "25"),
        ] {
            assert!(PreferenceChange::read(&params(&[(k, v)]), Api::Ims).is_err(), "{k}={v}");
        }
        let change = PreferenceChange::read(
            &params(&[("LoginNetworkMasks", "192.168.0.0/16; 10.0.0.1"), ("VerificationTypes", "[\"sms\",\"email\"]")]),
            Api::Ims,
        );
        let ok = d.updated(change.unwrap());
        assert_eq!(ok.login_network_masks, "192.168.0.0/16;10.0.0.1");
        assert_eq!(ok.verification_types, ["sms", "email"]);
    }
}
