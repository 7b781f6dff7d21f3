//! DecodeDiagnosticMessage: turns the `EncodedDiagnosticMessage` of a denial back into its
//! explanation, in the shape of the SDK model (ram.md 6.9).

use crate::actions::Call;
use crate::failure::Result;
use crate::services::Fields;
use localyun_core::error::RamError;
use localyun_core::{AccessDenied, ApiError};
use localyun_store::Txn;
use serde_json::{Map, Value};

pub fn decode_diagnostic_message(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let encoded = call.params.required("EncodedDiagnosticMessage")?;
    // Only the account that was denied may read why.
    let d = AccessDenied::decode(encoded)
        .filter(|d| d.account_id == call.caller.account_id)
        .ok_or_else(|| ApiError::from(RamError::DiagnosticMessage))?;
    let principal = Fields::new()
        .set("AuthPrincipalType", d.principal_type.clone())
        .set("AuthPrincipalOwnerId", d.account_id.clone())
        .set("AuthPrincipalDisplayName", d.principal_display_name.clone());
    let conditions: Vec<Value> =
        d.conditions.iter().map(|(k, v)| Fields::new().set("ConditionKey", k.clone()).set("ConditionValues", v.clone()).into()).collect();
    let matched: Vec<Value> = d
        .matched
        .iter()
        .map(|m| {
            Fields::new()
                .set("PolicyType", m.policy_type.clone())
                .set("PolicyIdentifier", m.name.clone())
                .set("PolicyVersion", m.version.clone())
                .set("Effect", "Deny")
                .set("AttachedEntityType", m.attached_to.clone())
                .set("AttachedScope", "Account")
                .into()
        })
        .collect();
    let decoded = Fields::new()
        .set("AuthAction", d.action.clone())
        .set("AuthResource", d.resource.clone())
        .set("AuthPrincipal", principal)
        .set("AuthConditions", conditions)
        .set("ExplicitDeny", d.explicit)
        .set("NoPermissionPolicyType", d.policy_type.clone())
        .set("MatchedPolicies", matched);
    Ok(Fields::new().set("DecodedDiagnosticMessage", decoded).build())
}
