//! SAML identity providers of an account (IMS Create/Get/Update/Delete/ListSAMLProviders),
//! trusted by roles for STS AssumeRoleWithSAML. The metadata document is kept as given and as
//! parsed (localyun_core::saml).

use super::providers::{self, Provider};
use super::tables;
use localyun_core::error::RamError;
use localyun_core::saml::Metadata;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SamlProviderRecord {
    pub name: String,
    /// EncodedSAMLMetadataDocument as given.
    pub metadata_document: String,
    pub entity_id: String,
    pub certificates: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `rsa-sha1` (default) or `rsa-sha256`.
    pub authn_sign_algo: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl SamlProviderRecord {
    pub fn arn(&self, account: &str) -> String {
        providers::arn::<Self>(account, &self.name)
    }

    pub fn metadata(&self) -> Metadata {
        Metadata { entity_id: self.entity_id.clone(), certificates: self.certificates.clone() }
    }
}

impl Provider for SamlProviderRecord {
    const TABLE: &'static str = tables::SAML_PROVIDER;
    const KIND: &'static str = "saml-provider";
    const NOT_FOUND: RamError = RamError::SamlProviderNotFound;
    const EXISTS: RamError = RamError::SamlProviderExists;

    fn name(&self) -> &str {
        &self.name
    }

    fn stamp(&mut self, created_ms: Option<i64>, updated_ms: i64) {
        self.created_ms = created_ms.unwrap_or(self.created_ms);
        self.updated_ms = updated_ms;
    }
}
