//! IMS account-wide views: GetAccountSummary (identity counts and their quotas, the same limits
//! the other actions enforce) and the user credential report.

use crate::actions::Context;
use crate::failure::Result;
use crate::identity::{access_keys, attachments, credential_report, groups, now_ms, policies, roles, tables, users};
use crate::rpc::decode::{position_param, FromParams};
use crate::rpc::encode::Date;
use crate::services::next_marker;
use base64::Engine;
use localyun_core::error::RamError;
use localyun_core::mfa::MAX_DEVICES_PER_ACCOUNT;
use localyun_core::params::Params;
use localyun_store::Txn;
use serde::Serialize;

/// GetAccountSummary's `SummaryMap`: counts and the quotas localyun knows (the ones it has no
/// source for, such as API keys per service, are left out).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SummaryMap {
    pub users: usize,
    pub users_quota: usize,
    pub groups: usize,
    pub groups_quota: usize,
    pub groups_per_user_quota: usize,
    pub roles: usize,
    pub roles_quota: usize,
    pub policies: usize,
    pub policies_quota: usize,
    pub versions_per_policy_quota: usize,
    pub policy_size_quota: usize,
    pub attached_policies_per_user_quota: usize,
    pub attached_policies_per_group_quota: usize,
    pub attached_policies_per_role_quota: usize,
    pub attached_system_policies_per_user_quota: usize,
    pub attached_system_policies_per_group_quota: usize,
    pub attached_system_policies_per_role_quota: usize,
    pub access_keys_per_user_quota: usize,
    pub account_access_keys_per_account_quota: usize,
    #[serde(rename = "MFADevices")]
    pub mfa_devices: usize,
    #[serde(rename = "MFADevicesInUse")]
    pub mfa_devices_in_use: usize,
    #[serde(rename = "VirtualMFADevicesQuota")]
    pub virtual_mfa_devices_quota: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountSummary {
    pub summary_map: SummaryMap,
}

/// Rows of one account in a table keyed `{account}/...`, counted up to `limit`.
fn rows(txn: &mut dyn Txn, table: &str, account: &str, limit: usize) -> Result<usize> {
    Ok(txn.scan(table, &format!("{account}/"), None, limit)?.len())
}

pub fn get_account_summary(_req: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AccountSummary> {
    let a = cx.account();
    Ok(AccountSummary {
        summary_map: SummaryMap {
            users: users::count(txn, a)?,
            users_quota: users::MAX_USERS_PER_ACCOUNT,
            groups: rows(txn, tables::GROUP_BY_NAME, a, groups::MAX_GROUPS_PER_ACCOUNT)?,
            groups_quota: groups::MAX_GROUPS_PER_ACCOUNT,
            groups_per_user_quota: groups::MAX_GROUPS_PER_USER,
            roles: rows(txn, tables::ROLE_BY_NAME, a, roles::MAX_ROLES_PER_ACCOUNT)?,
            roles_quota: roles::MAX_ROLES_PER_ACCOUNT,
            policies: rows(txn, tables::POLICY, a, policies::MAX_CUSTOM_POLICIES)?,
            policies_quota: policies::MAX_CUSTOM_POLICIES,
            versions_per_policy_quota: policies::MAX_VERSIONS,
            policy_size_quota: localyun_core::policy::document::DocumentKind::Identity.max_chars(),
            attached_policies_per_user_quota: attachments::MAX_CUSTOM_PER_ENTITY,
            attached_policies_per_group_quota: attachments::MAX_CUSTOM_PER_ENTITY,
            attached_policies_per_role_quota: attachments::MAX_CUSTOM_PER_ENTITY,
            attached_system_policies_per_user_quota: attachments::MAX_SYSTEM_PER_ENTITY,
            attached_system_policies_per_group_quota: attachments::MAX_SYSTEM_PER_ENTITY,
            attached_system_policies_per_role_quota: attachments::MAX_SYSTEM_PER_ENTITY,
            access_keys_per_user_quota: access_keys::MAX_KEYS_PER_OWNER,
            account_access_keys_per_account_quota: access_keys::MAX_KEYS_PER_OWNER,
            mfa_devices: rows(txn, tables::MFA_DEVICE, a, MAX_DEVICES_PER_ACCOUNT)?,
            mfa_devices_in_use: rows(txn, tables::USER_MFA_DEVICE, a, MAX_DEVICES_PER_ACCOUNT)?,
            virtual_mfa_devices_quota: MAX_DEVICES_PER_ACCOUNT,
        },
    })
}

/// GenerateCredentialReport: the report is built at once, so it is `COMPLETED` when answered
/// (the real service may first answer `STARTED`; clients poll until `COMPLETED`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReportState {
    pub state: &'static str,
}

pub fn generate_credential_report(_req: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<ReportState> {
    credential_report::generate(txn, cx.account(), now_ms())?;
    Ok(ReportState { state: "COMPLETED" })
}

/// GetCredentialReport: `MaxItems` rows (1 to 3501, default 3501) after `NextToken`.
pub struct ReportPage {
    max: usize,
    after: Option<usize>,
}

impl FromParams for ReportPage {
    fn from_params(p: &Params) -> Result<Self> {
        let max = p.int_in("MaxItems", 1, 3501)?.unwrap_or(3501) as usize;
        let after = position_param(p, "NextToken")?.map(|pos| pos.parse::<usize>().unwrap_or(usize::MAX));
        Ok(Self { max, after })
    }
}

/// The CSV page, base64-encoded, each page with the header line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CredentialReportAnswer {
    pub content: String,
    pub generated_time: Date,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// No report generated yet is EntityNotExist.CredentialReport (no code is documented; RAM's
/// Entity* pattern).
pub fn get_credential_report(req: ReportPage, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<CredentialReportAnswer> {
    let report = credential_report::get(txn, cx.account())?.ok_or(RamError::CredentialReportNotFound)?;
    let start = req.after.map_or(0, |a| a.saturating_add(1));
    let end = start.saturating_add(req.max).min(report.rows.len());
    let rows = report.rows.get(start..end).unwrap_or_default();
    let more = end < report.rows.len();
    let mut csv = String::from(credential_report::HEADER);
    for r in rows {
        csv.push('\n');
        csv.push_str(r);
    }
    csv.push('\n');
    Ok(CredentialReportAnswer {
        content: base64::engine::general_purpose::STANDARD.encode(csv),
        generated_time: Date(report.generated_ms),
        is_truncated: more,
        next_token: next_marker(more, end.checked_sub(1).map(|last| last.to_string())),
    })
}
