//! STS 2015-04-01 (ram.md 8): AssumeRole issues temporary credentials for a role the caller is
//! trusted to assume; AssumeRoleWithOIDC for a role that trusts an OIDC provider, to the holder
//! of one of its tokens; GetCallerIdentity says who the credentials stand for.

mod wire;

use crate::actions::{Context, Resources, RpcService};
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::{roles, sts};
use crate::rpc::encode::Date;
use crate::rpc::response::Product;
use crate::rpc_actions;
use localyun_core::error::{RamError, StsError};
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::policy::{self, ConditionKeys, TrustCaller};
use localyun_core::ApiError;
use localyun_store::Txn;
use wire::{
    AssumeRole, AssumeRoleAnswer, AssumeRoleWithOidc, AssumeRoleWithOidcAnswer, AssumeRoleWithSaml, AssumeRoleWithSamlAnswer,
    AssumedRoleUser, CallerIdentity, Credentials, IdentityType, OidcTokenInfo, SamlAssertionInfo,
};

pub static SERVICE: RpcService = RpcService {
    version: "2015-04-01",
    product: Product { name: "Sts", host: "sts.aliyuncs.com" },
    ram_namespace: "sts",
    actions: rpc_actions![
        "AssumeRole" => Write(assume_role) on Resources::Arn("RoleArn"),
        "GetCallerIdentity" => Read(get_caller_identity) on Resources::Unchecked,
        "AssumeRoleWithSAML" => Write(assume_role_with_saml) on Resources::Anonymous,
        "AssumeRoleWithOIDC" => Write(assume_role_with_oidc) on Resources::Anonymous,
        "GenerateSessionAccessKey" => Write(generate_session_access_key) on Resources::KeyPair,
    ],
};

fn no_permission(message: &str) -> ApiError {
    ApiError::from(StsError::NoPermission { why: message.to_string() })
}

pub fn assume_role(req: AssumeRole, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AssumeRoleAnswer> {
    let caller = cx.caller;
    // The account root may not assume roles (ram.md 8, corrected from docs).
    if caller.identity == Identity::Root {
        return Err(no_permission("Roles may not be assumed by root accounts.").into());
    }
    let options = req.session.take()?;
    let role = roles::require_by_name(txn, &req.role_account, &req.role_name)?;
    let duration = req.duration.within(role.max_session_duration)?;
    // The trust policy must name the caller (policy.md 5.3 step 2); a role in another account
    // is reachable only this way.
    let trust = parse(&role.trust_policy, DocumentKind::Trust).map_err(RamError::from)?;
    let mut keys = ConditionKeys::default();
    if let Some(ext) = &options.external_id {
        keys.set("sts:ExternalId", vec![ext.clone()]);
    }
    let caller_arn = caller.arn();
    let caller_role_arn = match &caller.identity {
        Identity::RoleSession { role_name, .. } => Some(format!("acs:ram::{}:role/{role_name}", caller.account_id)),
        _ => None,
    };
    let who = TrustCaller { account_id: &caller.account_id, arn: &caller_arn, role_arn: caller_role_arn.as_deref() };
    if !policy::trust_allows(&trust, &who, &keys) {
        let role_arn = &req.role_arn;
        let message =
            format!("No permission perform sts:AssumeRole on this Role. The trust policy of {role_arn} does not allow {caller_arn}.");
        let mut e = no_permission(&message);
        e.denied = Some(Box::new(crate::authz::trust_denial(caller, role_arn)));
        return Err(e.into());
    }
    let (assumed_role_user, credentials) =
        role_session(txn, &req.role_account, &role, req.session_name, options.policy, &caller_arn, duration)?;
    Ok(AssumeRoleAnswer { assumed_role_user, credentials })
}

/// No permission is needed to ask who one is (ram.md 8).
pub fn get_caller_identity(_req: (), cx: &Context<'_>, _txn: &mut dyn Txn) -> Result<CallerIdentity> {
    let c = cx.caller;
    let (identity_type, principal_id, user_id, role_id) = match &c.identity {
        Identity::Root => (IdentityType::Account, c.account_id.clone(), None, None),
        Identity::User { user_id, .. } => (IdentityType::RamUser, user_id.clone(), Some(user_id.clone()), None),
        Identity::RoleSession { role_id, session_name, .. } => {
            (IdentityType::AssumedRoleUser, format!("{role_id}:{session_name}"), None, Some(role_id.clone()))
        }
        // GetCallerIdentity is signed; only an anonymous action's handler sees this caller.
        Identity::Anonymous => return Err(localyun_core::GatewayError::missing("AccessKeyId").into()),
    };
    Ok(CallerIdentity { account_id: c.account_id.clone(), arn: c.arn(), identity_type, principal_id, user_id, role_id })
}

/// Before AssumeRoleWithOIDC's transaction: the keys of the provider's issuer, fetched unless
/// kept (jwks.rs). A call naming no known provider fetches nothing; its handler refuses it.
pub async fn prepare_anonymous(state: &crate::state::AppState, action: &str, p: &localyun_core::params::Params) -> Result<()> {
    use crate::identity::oidc_providers;
    if action != "AssumeRoleWithOIDC" {
        return Ok(());
    }
    let (Some(arn), Some(token)) = (p.optional("OIDCProviderArn"), p.optional("OIDCToken")) else { return Ok(()) };
    let arn = arn.to_string();
    let issuer = state
        .executor
        .run(localyun_store::Mode::Read, move |txn| {
            Ok(crate::identity::providers::by_arn::<oidc_providers::OidcProviderRecord>(txn, &arn)?.map(|(_, p)| p.issuer_url))
        })
        .await?;
    let Some(issuer) = issuer else { return Ok(()) };
    crate::jwks::ensure(&issuer, localyun_core::oidc::key_id(token).as_deref()).await?;
    Ok(())
}

/// Unsigned: the token is the credential. Checked in the real service's order (STS error
/// codes page): the provider, the token (signature, issuer, audience, expiry), then the role's
/// trust policy, which must name the provider under `Federated` and whose conditions see the
/// token's `oidc:iss`, `oidc:aud` and `oidc:sub`.
pub fn assume_role_with_oidc(req: AssumeRoleWithOidc, _cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AssumeRoleWithOidcAnswer> {
    use crate::identity::oidc_providers;
    use localyun_core::oidc::{self, Provider};
    let Some((account, provider)) = crate::identity::providers::by_arn::<oidc_providers::OidcProviderRecord>(txn, &req.provider_arn)?
    else {
        return Err(StsError::NoSuchOidcProvider.into());
    };
    let keys = crate::jwks::cached(&provider.issuer_url)
        .ok_or_else(|| ApiError::from(StsError::OidcKeysUnavailable { why: "The issuer's keys are not available.".into() }))?;
    let checked = Provider {
        issuer_url: &provider.issuer_url,
        client_ids: &provider.client_ids,
        issuance_limit_hours: provider.issuance_limit_hours,
    };
    let token = oidc::verify(&req.token, &keys, &checked, crate::identity::now_ms() / 1000)?;
    if req.role_account != account {
        return Err(StsError::FederationDenied.into());
    }
    let role = roles::require_by_name(txn, &account, &req.role_name)?;
    let duration = req.duration.within(role.max_session_duration)?;
    let trust = parse(&role.trust_policy, DocumentKind::Trust).map_err(RamError::from)?;
    let mut keys = ConditionKeys::default();
    keys.set("oidc:iss", vec![token.issuer.clone()]);
    keys.set("oidc:aud", token.audience.clone());
    keys.set("oidc:sub", vec![token.subject.clone()]);
    if !policy::federated_trust_allows(&trust, &req.provider_arn, &keys) {
        return Err(StsError::FederationDenied.into());
    }
    let session_name = req.session_name.unwrap_or_else(|| oidc::session_name(&token.subject));
    let (assumed_role_user, credentials) = role_session(txn, &account, &role, session_name, req.policy, &req.provider_arn, duration)?;
    Ok(AssumeRoleWithOidcAnswer {
        assumed_role_user,
        credentials,
        token_info: OidcTokenInfo {
            issuer: token.issuer,
            subject: token.subject,
            client_ids: token.audience.join(","),
            issuance_time: Date(token.issued_at.saturating_mul(1000)),
            expiration_time: Date(token.expires_at.saturating_mul(1000)),
        },
    })
}

/// A session of `role` named `session_name` (every Assume*): its source is the caller's ARN or
/// the identity provider's.
fn role_session(
    txn: &mut dyn Txn,
    account: &str,
    role: &roles::RoleRecord,
    session_name: String,
    session_policy: Option<String>,
    source_arn: &str,
    duration_seconds: i64,
) -> Result<(AssumedRoleUser, Credentials)> {
    let cred = sts::issue(
        txn,
        sts::NewSession {
            account_id: account.to_string(),
            role_id: role.id.clone(),
            role_name: role.name.clone(),
            session_name: session_name.clone(),
            session_policy,
            source_arn: source_arn.to_string(),
            duration_seconds,
        },
    )?;
    Ok((
        AssumedRoleUser { arn: format!("{}/{session_name}", role.arn(account)), assumed_role_id: format!("{}:{session_name}", role.id) },
        Credentials {
            access_key_id: cred.access_key_id.clone(),
            access_key_secret: cred.secret.expose().to_string(),
            security_token: cred.token.expose().to_string(),
            expiration: Date(cred.expires_ms),
        },
    ))
}

/// Unsigned, like AssumeRoleWithOIDC: the SAML response is the credential (its checks and
/// their limit: localyun_core::saml). The response's role attribute must name this role with
/// this provider, and the role's trust policy must name the provider under `Federated`
/// (conditions see `saml:recipient`, `saml:sub`, `saml:iss`).
pub fn assume_role_with_saml(req: AssumeRoleWithSaml, _cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AssumeRoleWithSamlAnswer> {
    use crate::identity::saml_providers;
    use localyun_core::saml;
    let Some((account, provider)) = crate::identity::providers::by_arn::<saml_providers::SamlProviderRecord>(txn, &req.provider_arn)?
    else {
        return Err(StsError::NoSuchSamlProvider.into());
    };
    let checked = saml::check_response(&req.assertion, &provider.metadata(), crate::identity::now_ms() / 1000)?;
    let named = checked.roles.iter().any(|(r, p)| r.eq_ignore_ascii_case(&req.role_arn) && *p == req.provider_arn);
    if !named || req.role_account != account {
        return Err(StsError::FederationDenied.into());
    }
    let role = roles::require_by_name(txn, &account, &req.role_name)?;
    let duration = req.duration.within(role.max_session_duration)?;
    let trust = parse(&role.trust_policy, DocumentKind::Trust).map_err(RamError::from)?;
    let mut keys = ConditionKeys::default();
    keys.set("saml:recipient", vec![checked.recipient.clone()]);
    keys.set("saml:sub", vec![checked.subject.clone()]);
    keys.set("saml:iss", vec![checked.issuer.clone()]);
    if !policy::federated_trust_allows(&trust, &req.provider_arn, &keys) {
        return Err(StsError::FederationDenied.into());
    }
    let session_name = checked.session_name.clone().unwrap_or_else(|| localyun_core::oidc::session_name(&checked.subject));
    if !wire::valid_session_name(&session_name) {
        return Err(StsError::RoleSessionName.into());
    }
    let (assumed_role_user, credentials) = role_session(txn, &account, &role, session_name, req.policy, &req.provider_arn, duration)?;
    Ok(AssumeRoleWithSamlAnswer {
        assumed_role_user,
        credentials,
        assertion_info: SamlAssertionInfo {
            issuer: checked.issuer,
            subject: checked.subject,
            subject_type: checked.subject_type,
            recipient: checked.recipient,
        },
    })
}

/// GenerateSessionAccessKey: a session AccessKey of the account root, for the holder of one of
/// its RSA key pairs (the pipeline admits only calls signed with one). `DurationSeconds` 900 to
/// 3600, default 3600 (the credentials SDK's default and minimum; the root's sessions last an
/// hour at most).
pub fn generate_session_access_key(req: wire::SessionKeyRequest, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<wire::SessionKeyAnswer> {
    let expires = crate::identity::now_ms() + req.duration_seconds * 1000;
    let key = crate::identity::access_keys::create_session_key(txn, cx.account(), expires)?;
    Ok(wire::SessionKeyAnswer {
        session_access_key: wire::SessionAccessKey {
            session_access_key_id: key.id,
            session_access_key_secret: key.secret.expose().to_string(),
            expiration: Date(expires),
        },
    })
}
