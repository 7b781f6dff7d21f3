//! Console login profiles of RAM users (RAM and IMS Create/Get/Update/DeleteLoginProfile,
//! ChangePassword): one per user, shared by both APIs. The password is kept as a salted hash
//! only, with the hashes of the previous ones the account's reuse-prevention setting needs.

use super::{now_ms, random_alnum, tables};
use crate::failure::Result;
use crate::record::{load, save};
use localyun_core::error::RamError;
use localyun_core::password::{self, PasswordPolicy};
use localyun_core::Secret;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// A stored password: `salt` and the hex SHA-256 of salt and password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordHash {
    pub salt: String,
    pub hash: String,
}

impl PasswordHash {
    fn new(password: &str) -> Self {
        let salt = random_alnum(16);
        Self { hash: password::hash(&salt, password), salt }
    }

    fn matches(&self, password: &str) -> bool {
        password::hash_matches(&self.salt, password, &self.hash)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginProfileRecord {
    pub user_id: String,
    pub password: PasswordHash,
    /// Earlier passwords, newest first, as many as reuse prevention may ask for (24).
    #[serde(default)]
    pub previous: Vec<PasswordHash>,
    pub password_reset_required: bool,
    pub mfa_bind_required: bool,
    /// IMS `Status`: console logon enabled.
    pub active: bool,
    /// The password was set by an administrator (create, update) and not yet changed by the user.
    pub initial: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub password_set_ms: i64,
}

/// Earlier passwords kept: the largest PasswordReusePrevention (IMS model: 0 to 24).
const HISTORY: usize = 24;

/// What a create or update asks for; `None` keeps the current value (update only).
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub password: Option<Secret>,
    pub password_reset_required: Option<bool>,
    pub mfa_bind_required: Option<bool>,
    pub active: Option<bool>,
}

fn key(account: &str, user_id: &str) -> String {
    format!("{account}/{user_id}")
}

pub fn get(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Option<LoginProfileRecord>> {
    load(txn, tables::LOGIN_PROFILE, &key(account, user_id))
}

pub fn require(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<LoginProfileRecord> {
    get(txn, account, user_id)?.ok_or_else(|| RamError::LoginProfileNotFound.into())
}

pub fn exists(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<bool> {
    Ok(txn.get(tables::LOGIN_PROFILE, &key(account, user_id))?.is_some())
}

/// The password checked against the account's policy for this user (`param` names it in errors).
fn checked(txn: &mut dyn Txn, account: &str, param: &str, password: &str, user_name: &str) -> Result<PasswordPolicy> {
    let policy = super::password_policy::get(txn, account)?;
    policy.check(param, password, user_name)?;
    Ok(policy)
}

pub fn create(txn: &mut dyn Txn, account: &str, user_id: &str, user_name: &str, change: ProfileChange) -> Result<LoginProfileRecord> {
    if exists(txn, account, user_id)? {
        return Err(RamError::LoginProfileExists.into());
    }
    let password = change.password.unwrap_or_else(|| Secret::new(""));
    let password = password.expose();
    checked(txn, account, "Password", password, user_name)?;
    let now = now_ms();
    let rec = LoginProfileRecord {
        user_id: user_id.to_string(),
        password: PasswordHash::new(password),
        previous: Vec::new(),
        password_reset_required: change.password_reset_required.unwrap_or(false),
        mfa_bind_required: change.mfa_bind_required.unwrap_or(false),
        active: change.active.unwrap_or(true),
        initial: true,
        created_ms: now,
        updated_ms: now,
        password_set_ms: now,
    };
    save(txn, tables::LOGIN_PROFILE, &key(account, user_id), &rec)?;
    Ok(rec)
}

/// Sets `new` as the password, refusing one of the last N the policy forbids (`param` names it).
fn replace_password(rec: &mut LoginProfileRecord, policy: &PasswordPolicy, param: &str, new: &str, now: i64) -> Result<()> {
    let n = policy.reuse_prevention as usize;
    if n > 0 && std::iter::once(&rec.password).chain(rec.previous.iter()).take(n).any(|h| h.matches(new)) {
        return Err(RamError::PasswordReused { name: param.to_string() }.into());
    }
    let old = std::mem::replace(&mut rec.password, PasswordHash::new(new));
    rec.previous.insert(0, old);
    rec.previous.truncate(HISTORY);
    rec.password_set_ms = now;
    Ok(())
}

pub fn update(txn: &mut dyn Txn, account: &str, user_id: &str, user_name: &str, change: ProfileChange) -> Result<LoginProfileRecord> {
    let mut rec = require(txn, account, user_id)?;
    let now = now_ms();
    if let Some(new) = change.password.as_ref().map(Secret::expose) {
        let policy = checked(txn, account, "Password", new, user_name)?;
        replace_password(&mut rec, &policy, "Password", new, now)?;
        rec.initial = true;
    }
    rec.password_reset_required = change.password_reset_required.unwrap_or(rec.password_reset_required);
    rec.mfa_bind_required = change.mfa_bind_required.unwrap_or(rec.mfa_bind_required);
    rec.active = change.active.unwrap_or(rec.active);
    rec.updated_ms = now;
    save(txn, tables::LOGIN_PROFILE, &key(account, user_id), &rec)?;
    Ok(rec)
}

pub fn delete(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<()> {
    if !txn.delete(tables::LOGIN_PROFILE, &key(account, user_id))? {
        return Err(RamError::LoginProfileNotFound.into());
    }
    Ok(())
}

/// ChangePassword by the user itself: the old password must match (RAM's codes:
/// `InvalidParameter.OldPassword.Incorrect`, `InvalidParameter.NewPassword.TooWeak` /
/// `.ReusePrevention`); the new one is no longer an initial password and needs no reset.
pub fn change_password(txn: &mut dyn Txn, account: &str, user_id: &str, user_name: &str, old: &str, new: &str) -> Result<()> {
    let mut rec = require(txn, account, user_id)?;
    if !rec.password.matches(old) {
        return Err(RamError::OldPasswordIncorrect.into());
    }
    let policy = checked(txn, account, "NewPassword", new, user_name)?;
    let now = now_ms();
    replace_password(&mut rec, &policy, "NewPassword", new, now)?;
    rec.initial = false;
    rec.password_reset_required = false;
    rec.updated_ms = now;
    save(txn, tables::LOGIN_PROFILE, &key(account, user_id), &rec)
}

/// Whether the password is still the one an administrator set (IMS `PasswordStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordStatus {
    /// The user changed it.
    NotInitial,
    InitialValid,
    /// Older than the policy's InitialPasswordAge days (0: never expires).
    InitialExpired,
}

pub fn password_status(rec: &LoginProfileRecord, policy: &PasswordPolicy, now: i64) -> PasswordStatus {
    const DAY_MS: i64 = 86_400_000;
    if !rec.initial {
        PasswordStatus::NotInitial
    } else if policy.initial_password_age > 0 && now - rec.password_set_ms > i64::from(policy.initial_password_age) * DAY_MS {
        PasswordStatus::InitialExpired
    } else {
        PasswordStatus::InitialValid
    }
}
