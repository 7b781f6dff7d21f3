//! The account's user-based SSO settings (IMS Get/SetUserSsoSettings): whether RAM users log
//! on through a SAML IdP, its metadata, and how NameIDs name users. One per account.

use super::tables;
use crate::failure::Result;
use crate::record::{load, save};
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSsoSettings {
    pub sso_enabled: bool,
    /// Base64 SAML metadata, as given.
    pub metadata_document: String,
    pub auxiliary_domain: String,
    pub sso_login_with_domain: bool,
    pub authn_sign_algo: String,
}

impl Default for UserSsoSettings {
    fn default() -> Self {
        Self {
            sso_enabled: false,
            metadata_document: String::new(),
            auxiliary_domain: String::new(),
            sso_login_with_domain: true,
            authn_sign_algo: "rsa-sha1".to_string(),
        }
    }
}

pub fn get(txn: &mut dyn Txn, account: &str) -> Result<UserSsoSettings> {
    Ok(load(txn, tables::USER_SSO, account)?.unwrap_or_default())
}

pub fn set(txn: &mut dyn Txn, account: &str, s: &UserSsoSettings) -> Result<()> {
    save(txn, tables::USER_SSO, account, s)
}
