//! IMS SAML identity providers (identity/saml_providers.rs): the providers STS
//! AssumeRoleWithSAML checks responses against.

use super::wire::{
    CreateSamlProvider, ImsPaging, SamlProvider, SamlProviderAnswer, SamlProviderName, SamlProviderPage, UpdateSamlProvider,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::providers;
use crate::identity::saml_providers::SamlProviderRecord;
use crate::services::next_marker;
use localyun_store::Txn;

pub fn create_saml_provider(req: CreateSamlProvider, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SamlProviderAnswer> {
    let p = providers::insert::<SamlProviderRecord>(txn, cx.account(), req.0)?;
    Ok(SamlProviderAnswer { provider: SamlProvider::of(&p, cx.account(), false) })
}

pub fn get_saml_provider(req: SamlProviderName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SamlProviderAnswer> {
    let p = providers::require::<SamlProviderRecord>(txn, cx.account(), &req.0)?;
    Ok(SamlProviderAnswer { provider: SamlProvider::of(&p, cx.account(), true) })
}

pub fn update_saml_provider(req: UpdateSamlProvider, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SamlProviderAnswer> {
    let mut p = providers::require::<SamlProviderRecord>(txn, cx.account(), &req.name.0)?;
    let c = req.rest.take()?;
    if let Some((document, meta)) = c.document {
        (p.metadata_document, p.entity_id, p.certificates) = (document, meta.entity_id, meta.certificates);
    }
    p.description = c.new_description.or(p.description);
    p.authn_sign_algo = c.authn_sign_algo.unwrap_or(p.authn_sign_algo);
    let p = providers::update::<SamlProviderRecord>(txn, cx.account(), p)?;
    Ok(SamlProviderAnswer { provider: SamlProvider::of(&p, cx.account(), false) })
}

pub fn delete_saml_provider(req: SamlProviderName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    providers::delete::<SamlProviderRecord>(txn, cx.account(), &req.0)
}

pub fn list_saml_providers(req: ImsPaging, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SamlProviderPage> {
    let (page, more) = providers::page::<SamlProviderRecord>(txn, cx.account(), req.0.after.as_deref(), req.0.max)?;
    let marker = next_marker(more, page.last().map(|p| p.name.clone()));
    let providers = page.iter().map(|p| SamlProvider::of(p, cx.account(), false)).collect::<Vec<_>>().into();
    Ok(SamlProviderPage { is_truncated: more, marker, providers })
}
