//! IMS 2019-08-15 names a key's user by `UserPrincipalName` (ram.md 7.1); the AccessKey network
//! access restriction policies are IMS's alone.

use super::by_principal_name;
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::access_keys as key_store;
use crate::identity::accounts;
use crate::rpc::decode::{FromParams, Named};
use crate::services::access_keys::wire::KeyId;
use crate::services::access_keys::{self as keys, KeyOwnerParam};
use localyun_core::ak_policy::{self, NetworkPolicy};
use localyun_core::error::RamError;
use localyun_core::params::Params;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::Serialize;

/// The key's user by an optional `UserPrincipalName`; without it, the caller's own keys. A
/// logon name of another domain, or of no user, answers "user not found".
// The request type of IMS's wire module, kept here while that module is converted apart.
pub struct ByPrincipalName(pub Option<String>);

impl FromParams for ByPrincipalName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.optional("UserPrincipalName").map(str::to_string)))
    }
}

impl KeyOwnerParam for ByPrincipalName {
    const IMS_FIELDS: bool = true;

    fn user_id(&self, account: &str, txn: &mut dyn Txn) -> Result<Option<String>> {
        match &self.0 {
            Some(upn) => Ok(Some(by_principal_name(txn, account, upn)?.ok_or_else(|| ApiError::from(RamError::UserNotFound))?.id)),
            None => Ok(None),
        }
    }
}

// ---- network access restriction policies (IMS Set/GetAccessKeyPolicy[ForAccount]) ----

/// `AccessKeyPolicy`, checked (localyun_core::ak_policy).
pub struct PolicyParam(pub NetworkPolicy);

impl FromParams for PolicyParam {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(NetworkPolicy::parse(p.required("AccessKeyPolicy")?)?))
    }
}

/// The key and its new policy.
pub struct KeyPolicyChange {
    pub key_id: String,
    pub policy: NetworkPolicy,
}

impl FromParams for KeyPolicyChange {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { key_id: KeyId::from_params(p)?.0, policy: PolicyParam::from_params(p)?.0 })
    }
}

pub type SetAccessKeyPolicy = Named<ByPrincipalName, KeyPolicyChange>;
pub type GetAccessKeyPolicy = Named<ByPrincipalName, KeyId>;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyPolicyAnswer {
    pub access_key_id: String,
    pub access_key_policy: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountPolicyAnswer {
    pub access_key_policy: String,
}

/// Setting a key's policy changes its record: cached credentials of the account are re-read.
pub fn set_access_key_policy(req: SetAccessKeyPolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<KeyPolicyAnswer> {
    let change = req.rest.take()?;
    let mut key = keys::owned_key(&req.name, &change.key_id, cx, txn)?;
    let text = change.policy.to_json();
    key.network_policy = Some(text.clone());
    key_store::put(txn, &key)?;
    Ok(KeyPolicyAnswer { access_key_id: key.id, access_key_policy: text })
}

pub fn get_access_key_policy(req: GetAccessKeyPolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<KeyPolicyAnswer> {
    let key_id = req.rest.take()?.0;
    let key = keys::owned_key(&req.name, &key_id, cx, txn)?;
    Ok(KeyPolicyAnswer { access_key_policy: key.network_policy.unwrap_or_else(|| ak_policy::NONE.to_string()), access_key_id: key.id })
}

pub fn set_access_key_policy_for_account(req: PolicyParam, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AccountPolicyAnswer> {
    let text = req.0.to_json();
    accounts::set_network_policy(txn, cx.account(), &text)?;
    Ok(AccountPolicyAnswer { access_key_policy: text })
}

pub fn get_access_key_policy_for_account(_req: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AccountPolicyAnswer> {
    let text = accounts::get(txn, cx.account())?.and_then(|a| a.network_policy);
    Ok(AccountPolicyAnswer { access_key_policy: text.unwrap_or_else(|| ak_policy::NONE.to_string()) })
}
