//! The account (ram.md 6.7).

use serde::Serialize;

/// GetAccountAlias: `{"AccountAlias": "myalias"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountAlias {
    pub account_alias: String,
}
