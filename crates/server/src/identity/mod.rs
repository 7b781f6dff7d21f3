//! Accounts, RAM users and AccessKeys: the identities both RAM 2015-05-01 and IMS 2019-08-15
//! act on (ram.md 0.1: "both act on the same identities"). Records go through the one record
//! codec (`crate::record`); their keys start with the account ID so accounts never see each other.

pub mod access_keys;
pub mod accounts;
pub mod attachments;
pub mod bulk;
pub mod credential_report;
pub mod groups;
pub mod login_profiles;
pub mod mfa_devices;
pub mod oidc_providers;
pub mod password_policy;
pub mod policies;
pub mod providers;
pub mod recycle_bin;
pub mod roles;
pub mod saml_providers;
pub mod security_preference;
pub mod service_credentials;
pub mod service_roles;
pub mod sts;
pub mod user_sso;
pub mod users;

use crate::failure::Result;
use localyun_store::Txn;
use serde::de::DeserializeOwned;

use crate::record::load;

/// Store tables of the identity domain.
pub mod tables {
    pub const ACCOUNT: &str = "account";
    /// `{account}/{user id}` → the user's login profile (password hashes, flags).
    pub const LOGIN_PROFILE: &str = "login_profile";
    /// `{account}` → the account's password policy (absent: the default one).
    pub const PASSWORD_POLICY: &str = "password_policy";
    /// `{account}` → the account's security preference (absent: the default one).
    pub const SECURITY_PREFERENCE: &str = "security_preference";
    /// `{account}/{device name}` → virtual MFA device (its key, the user it is bound to).
    pub const MFA_DEVICE: &str = "mfa_device";
    /// `{account}/{provider name}` → OIDC identity provider.
    pub const OIDC_PROVIDER: &str = "oidc_provider";
    /// `{account}/{provider name}` → SAML identity provider.
    pub const SAML_PROVIDER: &str = "saml_provider";
    /// `{account}` → the account's user-based SSO settings.
    pub const USER_SSO: &str = "user_sso";
    /// `{account}` → the account's last credential report.
    pub const CREDENTIAL_REPORT: &str = "credential_report";
    /// `{account}/{user id}` → a deleted user kept in the recycle bin.
    pub const RECYCLED_USER: &str = "recycled_user";
    /// `{account}/{user id}/{access key id}` → a deleted AccessKey kept in the recycle bin.
    pub const RECYCLED_KEY: &str = "recycled_key";
    /// `{account}/{user id}/{credential id}` → a service credential (API key).
    pub const SERVICE_CREDENTIAL: &str = "service_credential";
    /// `{account}/{user id}` → the name of the device bound to the user.
    pub const USER_MFA_DEVICE: &str = "user_mfa_device";
    /// `{alias}` → account ID: aliases are unique across the accounts of a store.
    pub const ACCOUNT_BY_ALIAS: &str = "account_by_alias";
    pub const ACCESS_KEY: &str = "access_key";
    /// `{access key id}` → when the key was last used (GetAccessKeyLastUsed).
    pub const ACCESS_KEY_LAST_USED: &str = "access_key_last_used";
    /// `{account}/{owner}/{access key id}` → empty; owner is a user ID or `root`.
    pub const ACCESS_KEY_BY_OWNER: &str = "access_key_by_owner";
    /// `{account}/{user id}` → user record.
    pub const USER: &str = "user";
    /// `{account}/{lower-case user name}` → user ID (names are unique regardless of case).
    pub const USER_BY_NAME: &str = "user_by_name";
    /// `{account}/{tag key}\u{1}{tag value}\u{1}{user position}` → user ID: the users carrying
    /// a tag, in listing order, so a tag filter reads only the matching users.
    pub const USER_TAG: &str = "user_tag";
    /// `{account}/{position}` → user ID: users in listing order (creation time, then ID), so a
    /// page of `ListUsers` reads only its own users (format 2).
    pub const USER_BY_POSITION: &str = "user_by_position";
    /// `{account}` → the number of users, for the quota check without a scan.
    pub const USER_COUNT: &str = "user_count";
    pub const META: &str = "meta";
    /// `{account}/{group id}` → group record; names indexed like users.
    pub const GROUP: &str = "group";
    pub const GROUP_BY_NAME: &str = "group_by_name";
    /// `{account}/{group id}/{user id}` and `{account}/{user id}/{group id}` → join time.
    pub const GROUP_MEMBER: &str = "group_member";
    pub const USER_GROUPS: &str = "user_groups";
    /// `{account}/{role id}` → role record; names indexed like users.
    pub const ROLE: &str = "role";
    pub const ROLE_BY_NAME: &str = "role_by_name";
    /// `{account}/{lower-case policy name}` → custom policy with its versions.
    pub const POLICY: &str = "policy";
    /// `{account}/{entity kind}/{entity id}/{policy type}/{policy name}` and
    /// `{account}/{policy type}/{policy name}/{entity kind}/{entity id}` → attach time.
    pub const ATTACHMENT: &str = "attachment";
    pub const ATTACHMENT_BY_POLICY: &str = "attachment_by_policy";
    /// `STS.…` AccessKey ID → temporary credentials of a role session.
    pub const STS_CREDENTIAL: &str = "sts_credential";
    /// `{account}` → a counter bumped by every identity change, so caches of credentials and of
    /// what policies apply to whom can tell they are stale with one read (also across processes).
    pub const IDENTITY_GENERATION: &str = "identity_generation";
}

/// Users, groups and roles share one layout: records at `{account}/{id}` and a name index
/// `{account}/{lower-case name}` → id (names are unique regardless of case, ram.md 6).
pub(crate) fn record_key(account: &str, id: &str) -> String {
    format!("{account}/{id}")
}

pub(crate) fn name_key(account: &str, name: &str) -> String {
    format!("{account}/{}", name.to_ascii_lowercase())
}

/// The record a name points to in that layout.
pub(crate) fn load_by_name<T: DeserializeOwned>(
    txn: &mut dyn Txn,
    records: &'static str,
    names: &'static str,
    account: &str,
    name: &str,
) -> Result<Option<T>> {
    match txn.get(names, &name_key(account, name))? {
        Some(id) => load(txn, records, &record_key(account, &String::from_utf8_lossy(&id))),
        None => Ok(None),
    }
}

/// The account's identity generation: a token replaced, in the same transaction, by every
/// change to an existing AccessKey (status, secret, deletion), to a user's name, and to which
/// policies apply to whom (attachments, group membership, default versions), so caches can tell
/// they are stale with one read, whichever process made the change.
pub fn generation(txn: &mut dyn Txn, account: &str) -> Result<u64> {
    Ok(txn.get(tables::IDENTITY_GENERATION, account)?.and_then(|v| String::from_utf8_lossy(&v).parse().ok()).unwrap_or(0))
}

/// A new random token, not the old value + 1: a token written by a transaction that then
/// failed to commit must never come back for a different state, or a cache entry made under it
/// would revive whatever that transaction had read (issue 10). Two bumps racing in different
/// processes conflict on this one key, and the store makes one of them run again.
pub fn bump_generation(txn: &mut dyn Txn, account: &str) -> Result<()> {
    let next = rand::random::<u64>().max(1);
    txn.put(tables::IDENTITY_GENERATION, account, next.to_string().as_bytes())?;
    Ok(())
}

pub(crate) fn random_alnum(n: usize) -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect()
}

/// 16 digits, not starting with 0: the shape of account, user and role IDs (ram.md 6.1, 6.3).
pub(crate) fn random_digits16() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    format!("{}{:015}", rng.gen_range(1..=9), rng.gen_range(0..1_000_000_000_000_000u64))
}

/// The current time in Unix milliseconds; the one place the service layer reads the clock.
pub fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
