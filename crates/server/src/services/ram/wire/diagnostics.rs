//! DecodeDiagnosticMessage: the explanation behind a denial's `EncodedDiagnosticMessage`, in the
//! shape of the SDK model (ram.md 6.9).

use crate::failure::Result;
use crate::rpc::decode::FromParams;
use localyun_core::params::Params;
use localyun_core::AccessDenied;
use serde::Serialize;

pub struct DecodeDiagnosticMessage {
    pub encoded_diagnostic_message: String,
}

impl FromParams for DecodeDiagnosticMessage {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { encoded_diagnostic_message: p.required("EncodedDiagnosticMessage")?.to_string() })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthPrincipal {
    pub auth_principal_type: String,
    pub auth_principal_owner_id: String,
    pub auth_principal_display_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthCondition {
    pub condition_key: String,
    pub condition_values: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MatchedPolicy {
    pub policy_type: String,
    pub policy_identifier: String,
    pub policy_version: String,
    /// Only explicit denials name a policy.
    pub effect: &'static str,
    pub attached_entity_type: String,
    pub attached_scope: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecodedDiagnosticMessage {
    pub auth_action: String,
    pub auth_resource: String,
    pub auth_principal: AuthPrincipal,
    pub auth_conditions: Vec<AuthCondition>,
    pub explicit_deny: bool,
    pub no_permission_policy_type: String,
    pub matched_policies: Vec<MatchedPolicy>,
}

impl DecodedDiagnosticMessage {
    pub fn of(d: AccessDenied) -> Self {
        Self {
            auth_action: d.action,
            auth_resource: d.resource,
            auth_principal: AuthPrincipal {
                auth_principal_type: d.principal_type,
                auth_principal_owner_id: d.account_id,
                auth_principal_display_name: d.principal_display_name,
            },
            auth_conditions: d
                .conditions
                .into_iter()
                .map(|(condition_key, condition_values)| AuthCondition { condition_key, condition_values })
                .collect(),
            explicit_deny: d.explicit,
            no_permission_policy_type: d.policy_type,
            matched_policies: d
                .matched
                .into_iter()
                .map(|m| MatchedPolicy {
                    policy_type: m.policy_type,
                    policy_identifier: m.name,
                    policy_version: m.version,
                    effect: "Deny",
                    attached_entity_type: m.attached_to,
                    attached_scope: "Account",
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiagnosticAnswer {
    pub decoded_diagnostic_message: DecodedDiagnosticMessage,
}
