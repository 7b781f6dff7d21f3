//! The account (ram.md 6.7).

use crate::failure::Result;
use crate::rpc::decode::FromParams;
use localyun_core::names;
use localyun_core::params::Params;
use localyun_core::password::PasswordPolicy;
use localyun_core::preference::{Api, PreferenceChange, SecurityPreference};
use serde::Serialize;

/// SetAccountAlias: `AccountAlias`, 3-63 characters of `a-z`, `0-9` and single inner `-`.
pub struct SetAccountAlias {
    pub account_alias: String,
}

impl FromParams for SetAccountAlias {
    fn from_params(p: &Params) -> Result<Self> {
        let alias = p.required("AccountAlias")?;
        names::check_account_alias(alias)?;
        Ok(Self { account_alias: alias.to_string() })
    }
}

/// GetAccountAlias: `{"AccountAlias": "myalias"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountAlias {
    pub account_alias: String,
}

/// SetPasswordPolicy: the settings RAM 2015-05-01 knows, each absent one at its default
/// (`Ram20150501` SetPasswordPolicyRequest); [`SetPasswordPolicy::applied_to`] keeps the
/// settings only IMS knows.
pub struct SetPasswordPolicy(PasswordPolicy);

impl FromParams for SetPasswordPolicy {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(PasswordPolicy::shared_settings(p, "HardExpiry")?))
    }
}

impl SetPasswordPolicy {
    pub fn applied_to(self, current: PasswordPolicy) -> PasswordPolicy {
        let r = self.0;
        PasswordPolicy {
            minimum_length: r.minimum_length,
            require_lowercase: r.require_lowercase,
            require_uppercase: r.require_uppercase,
            require_numbers: r.require_numbers,
            require_symbols: r.require_symbols,
            hard_expire: r.hard_expire,
            max_login_attempts: r.max_login_attempts,
            max_password_age: r.max_password_age,
            reuse_prevention: r.reuse_prevention,
            ..current
        }
    }
}

/// Get/SetPasswordPolicy: `{"PasswordPolicy": {...}}` with RAM's field names (`HardExpiry`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicyAnswer {
    pub password_policy: RamPasswordPolicy,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RamPasswordPolicy {
    pub minimum_password_length: u32,
    pub require_lowercase_characters: bool,
    pub require_uppercase_characters: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub hard_expiry: bool,
    pub max_login_attemps: u32,
    pub max_password_age: u32,
    pub password_reuse_prevention: u32,
}

impl From<&PasswordPolicy> for PasswordPolicyAnswer {
    fn from(p: &PasswordPolicy) -> Self {
        Self {
            password_policy: RamPasswordPolicy {
                minimum_password_length: p.minimum_length,
                require_lowercase_characters: p.require_lowercase,
                require_uppercase_characters: p.require_uppercase,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
                hard_expiry: p.hard_expire,
                max_login_attemps: p.max_login_attempts,
                max_password_age: p.max_password_age,
                password_reuse_prevention: p.reuse_prevention,
            },
        }
    }
}

/// SetSecurityPreference: the settings the RAM model knows; the rest stay as they are.
pub struct SetSecurityPreference(pub PreferenceChange);

impl FromParams for SetSecurityPreference {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(PreferenceChange::read(p, Api::Ram)?))
    }
}

/// Get/SetSecurityPreference: `{"SecurityPreference": {...}}`, grouped as the RAM model groups it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityPreferenceAnswer {
    pub security_preference: RamSecurityPreference,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RamSecurityPreference {
    pub access_key_preference: AccessKeyPreference,
    pub login_profile_preference: LoginProfilePreference,
    #[serde(rename = "MFAPreference")]
    pub mfa_preference: MfaPreference,
    pub public_key_preference: PublicKeyPreference,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyPreference {
    pub allow_user_to_manage_access_keys: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfilePreference {
    pub allow_user_to_change_password: bool,
    #[serde(rename = "EnableSaveMFATicket")]
    pub enable_save_mfa_ticket: bool,
    pub login_network_masks: String,
    pub login_session_duration: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaPreference {
    #[serde(rename = "AllowUserToManageMFADevices")]
    pub allow_user_to_manage_mfa_devices: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicKeyPreference {
    pub allow_user_to_manage_public_keys: bool,
}

impl From<&SecurityPreference> for SecurityPreferenceAnswer {
    fn from(p: &SecurityPreference) -> Self {
        Self {
            security_preference: RamSecurityPreference {
                access_key_preference: AccessKeyPreference { allow_user_to_manage_access_keys: p.allow_user_to_manage_access_keys },
                login_profile_preference: LoginProfilePreference {
                    allow_user_to_change_password: p.allow_user_to_change_password,
                    enable_save_mfa_ticket: p.enable_save_mfa_ticket,
                    login_network_masks: p.login_network_masks.clone(),
                    login_session_duration: p.login_session_duration,
                },
                mfa_preference: MfaPreference { allow_user_to_manage_mfa_devices: p.allow_user_to_manage_mfa_devices },
                public_key_preference: PublicKeyPreference { allow_user_to_manage_public_keys: p.allow_user_to_manage_public_keys },
            },
        }
    }
}
