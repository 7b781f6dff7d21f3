//! RAM 2015-05-01's wire types: each action's request, decoded from its parameters, and its
//! answer, encoded with the SDK models' field names (ram.md 6). Handlers see only these; one
//! file per concept.

mod access_keys;
mod account;
mod attachments;
mod diagnostics;
mod groups;
mod login_profiles;
mod mfa;
mod policies;
mod roles;
mod tags;
mod users;

pub use access_keys::*;
pub use account::*;
pub use attachments::*;
pub use diagnostics::*;
pub use groups::*;
pub use login_profiles::*;
pub use mfa::*;
pub use policies::*;
pub use roles::*;
pub use tags::*;
pub use users::*;

use crate::failure::Result;
use crate::rpc::decode::{json_tags, FromParams, MarkerPage};
use localyun_core::error::RamError;
use localyun_core::params::Params;
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::tags::{TagSet, RAM_TAGS};

/// Comments of users and groups: up to 128 characters (ram.md 6, name rules).
const COMMENTS_MAX: usize = 128;
/// Descriptions of roles and policies: up to 1024 characters (ram.md 6.3, 6.4).
const DESCRIPTION_MAX: usize = 1024;
/// The version a new custom policy starts with, and the only version of a system policy.
const FIRST_VERSION: &str = "v1";
/// Filters of ListRoles, ListPolicies and ListTagResources: at most 20 tags.
const TAG_FILTER_MAX: usize = 20;

/// `Marker` / `MaxItems` paging of the RAM lists (1-1000, default 100).
pub struct Paging(pub MarkerPage);

impl FromParams for Paging {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(MarkerPage::read(p, 100)?))
    }
}

/// A `Tag` filter: a listed entity matches when it carries every given key with the given value
/// (any value when none is given; ram.md 6.3).
pub struct TagFilter(pub Vec<(String, Option<String>)>);

impl TagFilter {
    fn read(p: &Params) -> Result<Self> {
        Ok(Self(json_tags(p, "Tag", TAG_FILTER_MAX)?))
    }

    pub fn refs(&self) -> Vec<(&str, Option<&str>)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect()
    }
}

/// `Tag` on CreateRole/CreatePolicy: a JSON list checked with the RAM tag rules.
fn create_tags(p: &Params) -> Result<TagSet> {
    let pairs: Vec<(String, String)> =
        json_tags(p, "Tag", RAM_TAGS.max_per_resource)?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect();
    RAM_TAGS.check_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(RamError::ram_tag)?;
    Ok(pairs.into_iter().collect())
}

/// A policy document parameter that must follow the grammar of its kind (policy.md 9).
fn document(p: &Params, name: &str, kind: DocumentKind, required: bool) -> Result<Option<String>> {
    let doc = if required { Some(p.required(name)?) } else { p.optional(name) };
    if let Some(d) = doc {
        parse(d, kind).map_err(RamError::from)?;
    }
    Ok(doc.map(str::to_string))
}

/// An `IsTruncated` / `Marker` page of a RAM list: `marker_page!(UserPage, users: Users)`.
/// `Marker` is answered only while truncated (ram.md 6.1).
macro_rules! marker_page {
    ($name:ident, $field:ident: $ty:ty) => {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            pub is_truncated: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub marker: Option<String>,
            pub $field: $ty,
        }

        impl $name {
            /// A page of `items`, `more` following the position `last`.
            pub fn new(more: bool, last: Option<String>, items: impl Into<$ty>) -> Self {
                Self { is_truncated: more, marker: $crate::services::next_marker(more, last), $field: items.into() }
            }
        }
    };
}
use marker_page;

pub use crate::rpc::encode::Tags;
