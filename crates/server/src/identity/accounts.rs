//! Accounts: each is an isolated tenant with its own users and a root identity. The default
//! account comes from the environment (or the documented loopback defaults); more are made with
//! `localyun account create`.

use super::access_keys::{self, AccessKeyRecord, KeyStatus, Owner};
use super::{now_ms, tables};
use crate::failure::transact;
use crate::failure::Result;
use crate::record::{load, save, scan_all};
use localyun_core::error::RamError;
use localyun_core::Secret;
use localyun_store::{Mode, Store, Txn};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRecord {
    pub id: String,
    pub created_ms: i64,
    /// Set by SetAccountAlias, removed by ClearAccountAlias; absent in records written before
    /// aliases existed, which read as never set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The account-level AccessKey network policy (IMS SetAccessKeyPolicyForAccount), normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<String>,
}

/// Credentials of an account's root AccessKey, as `account create` prints them.
#[derive(Debug)]
pub struct RootCredentials {
    pub account_id: String,
    pub access_key_id: String,
    pub access_key_secret: Secret,
}

const DEFAULT_ACCOUNT_KEY: &str = "default_account";

/// The documented defaults of the default account (README), used when a server on a loopback
/// address is given no credentials. Published, so they must never guard a reachable server.
pub const WELL_KNOWN_ACCOUNT_ID: &str = "1234567890123456";
pub const WELL_KNOWN_ACCESS_KEY_ID: &str = "LTAI5tLocalyunRootKey01";
pub const WELL_KNOWN_ACCESS_KEY_SECRET: &str = "LocalyunRootSecretDoNotUseInProd";

/// Whether the well-known AccessKey would authenticate requests: present, active, and still
/// with its published secret (given other credentials under that ID, it is an ordinary key).
pub fn well_known_key_active(store: &dyn Store) -> Result<bool> {
    transact(store, Mode::Read, |txn| {
        Ok(access_keys::get(txn, WELL_KNOWN_ACCESS_KEY_ID)?
            .is_some_and(|k| k.status == KeyStatus::Active && k.secret.expose() == WELL_KNOWN_ACCESS_KEY_SECRET))
    })
}

/// Deactivates the well-known AccessKey (kept, so the data stays as it was; a loopback start
/// without credentials activates it again). Says whether there was an active one.
pub fn disable_well_known_key(store: &dyn Store) -> Result<bool> {
    transact(store, Mode::Write, |txn| match access_keys::get(txn, WELL_KNOWN_ACCESS_KEY_ID)? {
        Some(mut k) if k.status == KeyStatus::Active => {
            k.status = KeyStatus::Inactive;
            k.updated_ms = now_ms();
            access_keys::put(txn, &k)?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// `localyun account import-key-pair`: an RSA key pair of an existing account's root, its
/// private key as given (the console hands it out; the credentials SDKs sign with it).
pub fn import_key_pair(store: &dyn Store, account: &str, private_key: &str) -> Result<String> {
    let private_key = Secret::new(private_key);
    transact(store, Mode::Write, |txn| {
        if get(txn, account)?.is_none() {
            return Err(RamError::AccountNotFound { id: account.to_string() }.into());
        }
        Ok(access_keys::import_key_pair(txn, account, private_key.clone())?.id)
    })
}

pub fn is_valid_account_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The account's alias (RAM GetAccountAlias, ram.md 6.7): the account ID while none is set.
pub fn alias(txn: &mut dyn Txn, account: &str) -> Result<String> {
    Ok(get(txn, account)?.and_then(|a| a.alias).unwrap_or_else(|| account.to_string()))
}

/// SetAccountAlias: the alias is unique across accounts (it names the logon domain
/// `<alias>.onaliyun.com`) and may not be another account's ID, which is that account's domain
/// while it has no alias. An account with an alias must clear it before it sets another (the
/// error center's advice for EntityAlreadyExists.AccountAlias); setting the alias it already
/// has changes nothing.
pub fn set_alias(txn: &mut dyn Txn, account: &str, alias: &str) -> Result<()> {
    assign_alias(txn, account, Some(alias), false)
}

/// IMS SetAccessKeyPolicyForAccount: the account-level policy (normalized JSON); cached
/// credentials of the account carry the old one, so they are re-read.
pub fn set_network_policy(txn: &mut dyn Txn, account: &str, policy: &str) -> Result<()> {
    let mut rec = get(txn, account)?.unwrap_or_else(|| AccountRecord {
        id: account.to_string(),
        created_ms: now_ms(),
        alias: None,
        network_policy: None,
    });
    rec.network_policy = Some(policy.to_string());
    save(txn, tables::ACCOUNT, account, &rec)?;
    super::bump_generation(txn, account)
}

/// IMS SetDefaultDomain: like [`set_alias`], but an alias already set is replaced.
pub fn replace_alias(txn: &mut dyn Txn, account: &str, alias: &str) -> Result<()> {
    assign_alias(txn, account, Some(alias), true)
}

/// ClearAccountAlias: back to the account ID (and its default domain); clearing an account
/// without an alias changes nothing.
pub fn clear_alias(txn: &mut dyn Txn, account: &str) -> Result<()> {
    assign_alias(txn, account, None, true)
}

/// The one place the alias and its index change. `None` (or the account's own ID, the alias
/// of an account without one) means no alias; a different alias already set is refused unless
/// `replace`; a new alias must be nobody's alias or account ID.
fn assign_alias(txn: &mut dyn Txn, account: &str, requested: Option<&str>, replace: bool) -> Result<()> {
    let alias = requested.filter(|a| *a != account);
    let mut rec = get(txn, account)?.unwrap_or_else(|| AccountRecord {
        id: account.to_string(),
        created_ms: now_ms(),
        alias: None,
        network_policy: None,
    });
    if rec.alias.as_deref() == alias {
        return Ok(());
    }
    if rec.alias.is_some() && requested.is_some() && !replace {
        return Err(RamError::AliasTaken.into());
    }
    if let Some(new) = alias {
        if txn.get(tables::ACCOUNT_BY_ALIAS, new)?.is_some() || get(txn, new)?.is_some() {
            return Err(RamError::AliasTaken.into());
        }
        txn.put(tables::ACCOUNT_BY_ALIAS, new, account.as_bytes())?;
    }
    if let Some(old) = rec.alias.take() {
        txn.delete(tables::ACCOUNT_BY_ALIAS, &old)?;
    }
    rec.alias = alias.map(str::to_string);
    save(txn, tables::ACCOUNT, account, &rec)?;
    // Logon names (IMS UserPrincipalName) follow the alias; cached identities are re-read.
    super::bump_generation(txn, account)
}

/// The logon domain of the account's users, `<alias>.onaliyun.com` (ram.md 7.1): the one place
/// the server learns it, for IMS logon names, GetDefaultDomain and the domain checks.
pub fn logon_domain(txn: &mut dyn Txn, account: &str) -> Result<String> {
    Ok(localyun_core::names::default_domain(&alias(txn, account)?))
}

pub fn get(txn: &mut dyn Txn, id: &str) -> Result<Option<AccountRecord>> {
    load(txn, tables::ACCOUNT, id)
}

fn insert(txn: &mut dyn Txn, id: &str) -> Result<AccountRecord> {
    let rec = AccountRecord { id: id.to_string(), created_ms: now_ms(), alias: None, network_policy: None };
    save(txn, tables::ACCOUNT, id, &rec)?;
    Ok(rec)
}

/// Makes sure the default account and its root AccessKey exist with these values, so that
/// restarting with the same environment finds everything as it was.
pub fn ensure_default(store: &dyn Store, creds: &RootCredentials) -> Result<()> {
    transact(store, Mode::Write, |txn| {
        if get(txn, &creds.account_id)?.is_none() {
            insert(txn, &creds.account_id)?;
        }
        match access_keys::get(txn, &creds.access_key_id)? {
            Some(existing) if existing.account_id != creds.account_id || existing.owner != Owner::Root => {
                return Err(RamError::AccessKeyTaken { id: creds.access_key_id.clone() }.into());
            }
            Some(mut existing) => {
                // The environment is authoritative for the default key's secret and status.
                existing.secret = creds.access_key_secret.clone();
                existing.status = KeyStatus::Active;
                access_keys::put(txn, &existing)?;
            }
            None => {
                let now = now_ms();
                access_keys::insert(
                    txn,
                    AccessKeyRecord {
                        id: creds.access_key_id.clone(),
                        secret: creds.access_key_secret.clone(),
                        account_id: creds.account_id.clone(),
                        owner: Owner::Root,
                        status: KeyStatus::Active,
                        created_ms: now,
                        updated_ms: now,
                        network_policy: None,
                        kind: access_keys::KeyKind::Access,
                        expires_ms: None,
                    },
                )?;
            }
        }
        txn.put(tables::META, DEFAULT_ACCOUNT_KEY, creds.account_id.as_bytes())?;
        Ok(())
    })
}

/// Creates a new account with a random 16-digit ID and one root AccessKey.
pub fn create(store: &dyn Store) -> Result<RootCredentials> {
    transact(store, Mode::Write, |txn| {
        let id = loop {
            let candidate = super::random_digits16();
            if get(txn, &candidate)?.is_none() {
                break candidate;
            }
        };
        insert(txn, &id)?;
        let key = access_keys::create(txn, &id, Owner::Root)?;
        Ok(RootCredentials { account_id: id, access_key_id: key.id.clone(), access_key_secret: key.secret.clone() })
    })
}

/// Every account with its root AccessKey IDs, and which one is the default.
pub fn list(store: &dyn Store) -> Result<Vec<(AccountRecord, Vec<String>, bool)>> {
    transact(store, Mode::Read, |txn| {
        let default = txn.get(tables::META, DEFAULT_ACCOUNT_KEY)?.map(|b| String::from_utf8_lossy(&b).into_owned());
        let accounts: Vec<AccountRecord> = scan_all(txn, tables::ACCOUNT, "")?;
        accounts
            .into_iter()
            .map(|a| {
                let keys = access_keys::list(txn, &a.id, &Owner::Root)?.into_iter().map(|k| k.id).collect();
                let is_default = default.as_deref() == Some(a.id.as_str());
                Ok((a, keys, is_default))
            })
            .collect()
    })
}
