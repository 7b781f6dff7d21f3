//! IMS OIDC identity providers (identity/oidc_providers.rs): the providers STS
//! AssumeRoleWithOIDC checks tokens against.

use super::wire::{
    ClientIdChange, CreateOidcProvider, FingerprintChange, ImsPaging, OidcProvider, OidcProviderAnswer, OidcProviderPage, ProviderName,
    UpdateOidcProvider,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::oidc_providers::{self, OidcProviderRecord, MAX_CLIENT_IDS, MAX_FINGERPRINTS};
use crate::identity::providers;
use crate::services::next_marker;
use localyun_core::error::RamError;
use localyun_store::Txn;

fn answer(p: &OidcProviderRecord, cx: &Context<'_>) -> OidcProviderAnswer {
    OidcProviderAnswer { provider: OidcProvider::of(p, cx.account()) }
}

pub fn create_oidc_provider(req: CreateOidcProvider, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    let p = oidc_providers::create(txn, cx.account(), req.0)?;
    Ok(answer(&p, cx))
}

pub fn get_oidc_provider(req: ProviderName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    Ok(answer(&providers::require::<OidcProviderRecord>(txn, cx.account(), &req.0)?, cx))
}

pub fn update_oidc_provider(req: UpdateOidcProvider, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    let mut p = providers::require::<OidcProviderRecord>(txn, cx.account(), &req.name.0)?;
    let c = req.rest.take()?;
    p.description = c.new_description.or(p.description);
    p.client_ids = c.client_ids.unwrap_or(p.client_ids);
    p.issuance_limit_hours = c.issuance_limit_hours.unwrap_or(p.issuance_limit_hours);
    Ok(answer(&providers::update::<OidcProviderRecord>(txn, cx.account(), p)?, cx))
}

pub fn delete_oidc_provider(req: ProviderName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    providers::delete::<OidcProviderRecord>(txn, cx.account(), &req.0)
}

pub fn list_oidc_providers(req: ImsPaging, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderPage> {
    let (page, more) = providers::page::<OidcProviderRecord>(txn, cx.account(), req.0.after.as_deref(), req.0.max)?;
    let marker = next_marker(more, page.last().map(|p| p.name.clone()));
    Ok(OidcProviderPage {
        is_truncated: more,
        marker,
        providers: page.iter().map(|p| OidcProvider::of(p, cx.account())).collect::<Vec<_>>().into(),
    })
}

/// Which list of a provider a call changes.
#[derive(Clone, Copy)]
enum List {
    ClientIds,
    Fingerprints,
}

fn change_list(txn: &mut dyn Txn, cx: &Context<'_>, name: &str, list: List, item: String, add: bool) -> Result<OidcProviderAnswer> {
    let mut p = providers::require::<OidcProviderRecord>(txn, cx.account(), name)?;
    let (items, max, param) = match list {
        List::ClientIds => (&mut p.client_ids, MAX_CLIENT_IDS, "ClientIds"),
        List::Fingerprints => (&mut p.fingerprints, MAX_FINGERPRINTS, "Fingerprints"),
    };
    let present = items.iter().position(|x| *x == item);
    match (add, present, list) {
        (true, Some(_), List::ClientIds) => return Err(RamError::ClientIdExists.into()),
        (true, Some(_), List::Fingerprints) => return Err(RamError::FingerprintExists.into()),
        (true, None, _) if items.len() >= max => return Err(RamError::OidcListLimit { name: param.to_string() }.into()),
        (true, None, _) => items.push(item),
        (false, None, List::ClientIds) => return Err(RamError::ClientIdNotFound.into()),
        (false, None, List::Fingerprints) => return Err(RamError::FingerprintNotFound.into()),
        (false, Some(i), _) => {
            items.remove(i);
        }
    }
    Ok(answer(&providers::update::<OidcProviderRecord>(txn, cx.account(), p)?, cx))
}

pub fn add_client_id(req: ClientIdChange, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    let item = req.rest.take()?.0 .0;
    change_list(txn, cx, &req.name.0, List::ClientIds, item, true)
}

pub fn remove_client_id(req: ClientIdChange, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    let item = req.rest.take()?.0 .0;
    change_list(txn, cx, &req.name.0, List::ClientIds, item, false)
}

pub fn add_fingerprint(req: FingerprintChange, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    let item = req.rest.take()?.0 .0;
    change_list(txn, cx, &req.name.0, List::Fingerprints, item, true)
}

pub fn remove_fingerprint(req: FingerprintChange, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<OidcProviderAnswer> {
    let item = req.rest.take()?.0 .0;
    change_list(txn, cx, &req.name.0, List::Fingerprints, item, false)
}
