//! User credential reports (IMS GenerateCredentialReport, GetCredentialReport): a CSV of the
//! account root and every RAM user with their password, MFA and AccessKey states, in the
//! columns and values RAM documents ("Generate and download user credential reports",
//! AlibabaCloudDocs/ram). A report is built whole when generated and kept until the next one.

use super::access_keys::{self, AccessKeyRecord, KeyStatus, Owner};
use super::{accounts, login_profiles, mfa_devices, password_policy, tables, users};
use crate::failure::Result;
use crate::record::{load, save};
use localyun_core::time::format_iso8601;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

pub const HEADER: &str = "user,user_creation_time,user_last_logon,password_exist,password_active,password_last_changed,\
password_next_rotation,mfa_active,access_key_1_exist,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used,\
access_key_2_exist,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CredentialReport {
    pub generated_ms: i64,
    /// One CSV line per principal, the root first; without the header.
    pub rows: Vec<String>,
}

pub fn get(txn: &mut dyn Txn, account: &str) -> Result<Option<CredentialReport>> {
    load(txn, tables::CREDENTIAL_REPORT, account)
}

fn flag(b: bool) -> &'static str {
    if b {
        "TRUE"
    } else {
        "FALSE"
    }
}

/// The four columns of each of the owner's first two AccessKeys, oldest first.
fn key_columns(txn: &mut dyn Txn, account: &str, owner: &Owner) -> Result<Vec<String>> {
    let mut keys: Vec<AccessKeyRecord> = access_keys::list(txn, account, owner)?;
    keys.sort_by_key(|k| k.created_ms);
    let mut out = Vec::with_capacity(8);
    for i in 0..2 {
        match keys.get(i) {
            Some(k) => {
                let used = access_keys::last_use(txn, &k.id)?.map_or_else(|| "-".to_string(), |u| format_iso8601(u.at_ms));
                out.extend(["TRUE".to_string(), flag(k.status == KeyStatus::Active).to_string(), format_iso8601(k.updated_ms), used]);
            }
            None => out.extend(["FALSE", "N/A", "N/A", "N/A"].map(str::to_string)),
        }
    }
    Ok(out)
}

/// Builds and keeps the account's report as of `now_ms`.
pub fn generate(txn: &mut dyn Txn, account: &str, now_ms: i64) -> Result<CredentialReport> {
    const DAY_MS: i64 = 86_400_000;
    let created = accounts::get(txn, account)?.map_or(0, |a| a.created_ms);
    let mut root = vec!["<root>".to_string(), format_iso8601(created), "-".into(), "TRUE".into(), "N/A".into(), "N/A".into()];
    // The account's own MFA is a console matter (GetAccountMFAInfo answers false).
    root.extend(["N/A".to_string(), "FALSE".to_string()]);
    root.extend(key_columns(txn, account, &Owner::Root)?);
    let mut rows = vec![root.join(",")];
    let domain = accounts::logon_domain(txn, account)?;
    let policy = password_policy::get(txn, account)?;
    for u in users::list(txn, account)? {
        let mut cols = vec![u.principal_name(&domain), format_iso8601(u.created_ms), "-".to_string()];
        match login_profiles::get(txn, account, &u.id)? {
            Some(p) => {
                let rotation = match policy.max_password_age {
                    0 => "-".to_string(),
                    days => format_iso8601(p.password_set_ms + i64::from(days) * DAY_MS),
                };
                let mfa = mfa_devices::has_device(txn, account, &u.id)?;
                cols.extend([
                    "TRUE".to_string(),
                    flag(p.active).to_string(),
                    format_iso8601(p.password_set_ms),
                    rotation,
                    flag(mfa).to_string(),
                ]);
            }
            None => cols.extend(["FALSE", "N/A", "N/A", "N/A", "N/A"].map(str::to_string)),
        }
        cols.extend(key_columns(txn, account, &Owner::User(u.id.clone()))?);
        rows.push(cols.join(","));
    }
    let report = CredentialReport { generated_ms: now_ms, rows };
    save(txn, tables::CREDENTIAL_REPORT, account, &report)?;
    Ok(report)
}
