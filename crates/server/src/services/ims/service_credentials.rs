//! IMS service credentials (identity/service_credentials.rs), named by their user's logon name
//! or, for a RAM user acting on itself, by nothing.

use super::named_user;
use super::wire::{
    CreateServiceCredential, ListServiceCredentials, NamedServiceCredential, OptionalUser, ServiceCredential, ServiceCredentialAnswer,
    ServiceCredentialPage, UpdateServiceCredential,
};
use crate::actions::Context;
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::accounts::logon_domain;
use crate::identity::now_ms;
use crate::identity::service_credentials;
use crate::identity::users::{self, UserRecord};
use crate::services::next_marker;
use localyun_core::GatewayError;
use localyun_store::Txn;

/// The named user, or the calling RAM user; anyone else must name one.
fn user_of(txn: &mut dyn Txn, cx: &Context<'_>, user: &OptionalUser) -> Result<UserRecord> {
    match (&user.0, &cx.caller.identity) {
        (Some(named), _) => named_user(txn, cx.account(), named),
        (None, Identity::User { user_id, .. }) => users::require_by_id(txn, cx.account(), user_id),
        (None, _) => Err(GatewayError::missing("UserPrincipalName").into()),
    }
}

pub fn create_service_credential(req: CreateServiceCredential, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<ServiceCredentialAnswer> {
    let user = user_of(txn, cx, &req.user)?;
    let c = service_credentials::create(txn, cx.account(), &user.id, &req.name, &req.service, req.age_days)?;
    let upn = user.principal_name(&logon_domain(txn, cx.account())?);
    Ok(ServiceCredentialAnswer { service_credential: ServiceCredential::of(&c, upn, now_ms(), true) })
}

pub fn get_service_credential(req: NamedServiceCredential, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<ServiceCredentialAnswer> {
    let user = user_of(txn, cx, &req.user)?;
    let c = service_credentials::require(txn, cx.account(), &user.id, &req.id)?;
    let upn = user.principal_name(&logon_domain(txn, cx.account())?);
    Ok(ServiceCredentialAnswer { service_credential: ServiceCredential::of(&c, upn, now_ms(), false) })
}

/// The SDK model's answer is the RequestId only.
pub fn update_service_credential(req: UpdateServiceCredential, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = user_of(txn, cx, &req.target.user)?;
    let mut c = service_credentials::require(txn, cx.account(), &user.id, &req.target.id)?;
    c.name = req.name.unwrap_or(c.name);
    c.active = req.active.unwrap_or(c.active);
    service_credentials::save_changes(txn, cx.account(), &c)
}

pub fn delete_service_credential(req: NamedServiceCredential, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = user_of(txn, cx, &req.user)?;
    service_credentials::delete(txn, cx.account(), &user.id, &req.id)
}

pub fn list_service_credentials(req: ListServiceCredentials, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<ServiceCredentialPage> {
    let scope = if req.all_users { None } else { Some(user_of(txn, cx, &req.user)?.id) };
    let mut all = service_credentials::list(txn, cx.account(), scope.as_deref())?;
    all.retain(|c| req.service.as_ref().is_none_or(|s| *s == c.service));
    let position = |c: &service_credentials::ServiceCredentialRecord| format!("{:016}/{}", c.created_ms, c.id);
    if let Some(after) = &req.after {
        all.retain(|c| position(c).as_str() > after.as_str());
    }
    let more = all.len() > req.max;
    all.truncate(req.max);
    let domain = logon_domain(txn, cx.account())?;
    let now = now_ms();
    let mut items = Vec::with_capacity(all.len());
    for c in &all {
        let upn = users::by_id(txn, cx.account(), &c.user_id)?.map(|u| u.principal_name(&domain)).unwrap_or_default();
        items.push(ServiceCredential::of(c, upn, now, false));
    }
    Ok(ServiceCredentialPage {
        is_truncated: more,
        next_token: next_marker(more, all.last().map(position)),
        max_results: req.max,
        service_credentials: items,
    })
}
