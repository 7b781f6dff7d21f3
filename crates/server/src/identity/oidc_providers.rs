//! OIDC identity providers of an account (IMS Create/Get/Update/Delete/ListOIDCProviders and
//! the client-ID and fingerprint actions), trusted by roles for STS AssumeRoleWithOIDC. Names
//! are unique in the account, and so are issuer URLs ("The URL of the issuer must be unique
//! within an Alibaba Cloud account", SDK model).

use super::providers::{self, get, Provider};
use super::tables;
use crate::failure::Result;
use localyun_core::error::{GatewayError, RamError};
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// Client IDs and fingerprints per provider (no documented limit; AWS's are 100 and 5).
pub const MAX_CLIENT_IDS: usize = 50;
pub const MAX_FINGERPRINTS: usize = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OidcProviderRecord {
    pub name: String,
    pub issuer_url: String,
    pub client_ids: Vec<String>,
    pub fingerprints: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Hours (1 to 168); IssuanceLimitTime.
    pub issuance_limit_hours: u32,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl OidcProviderRecord {
    pub fn arn(&self, account: &str) -> String {
        providers::arn::<Self>(account, &self.name)
    }
}

impl Provider for OidcProviderRecord {
    const TABLE: &'static str = tables::OIDC_PROVIDER;
    const KIND: &'static str = "oidc-provider";
    const NOT_FOUND: RamError = RamError::OidcProviderNotFound;
    const EXISTS: RamError = RamError::OidcProviderExists;

    fn name(&self) -> &str {
        &self.name
    }

    fn stamp(&mut self, created_ms: Option<i64>, updated_ms: i64) {
        self.created_ms = created_ms.unwrap_or(self.created_ms);
        self.updated_ms = updated_ms;
    }
}

/// A new provider whose issuer no other provider of the account has.
pub fn create(txn: &mut dyn Txn, account: &str, rec: OidcProviderRecord) -> Result<OidcProviderRecord> {
    if get::<OidcProviderRecord>(txn, account, &rec.name)?.is_none()
        && providers::all::<OidcProviderRecord>(txn, account)?.iter().any(|p| p.issuer_url == rec.issuer_url)
    {
        return Err(GatewayError::invalid("IssuerUrl", "The URL of the issuer must be unique within the account.").into());
    }
    providers::insert(txn, account, rec)
}
