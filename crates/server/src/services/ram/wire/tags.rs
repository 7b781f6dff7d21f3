//! TagResources / UntagResources / ListTagResources for roles and policies, with the JSON-array
//! encoding of this version (ram.md 6.8): `ResourceNames=["r1"]`, `Tag=[{"Key":..,"Value":..}]`,
//! `TagKeys=["k"]`; the list answer is a bare array.

use super::TagFilter;
use crate::failure::Result;
use crate::rpc::decode::{json_strings, json_tags, position_param, FromParams};
use localyun_core::error::{GatewayError, RamError};
use localyun_core::params::Params;
use localyun_core::tags::RAM_TAGS;
use serde::Serialize;

/// At most 50 resources per call.
const MAX_RESOURCES: usize = 50;
/// ListTagResources' `PageSize`: 1-100, 100 when absent.
const PAGE_SIZE_MAX: i64 = 100;

/// `ResourceType`: `role` or `policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Role,
    Policy,
}

impl ResourceKind {
    fn read(p: &Params) -> Result<Self> {
        match p.required("ResourceType")? {
            "role" => Ok(Self::Role),
            "policy" => Ok(Self::Policy),
            _ => Err(RamError::ResourceType { valid: "Valid values: role, policy." }.into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::Policy => "policy",
        }
    }
}

/// `ResourceNames`; TagResources and UntagResources need one at least.
fn resource_names(p: &Params, required: bool) -> Result<Vec<String>> {
    let names = json_strings(p, "ResourceNames", MAX_RESOURCES)?;
    if names.is_empty() && required {
        return Err(GatewayError::missing("ResourceNames").into());
    }
    Ok(names)
}

pub struct TagResources {
    pub kind: ResourceKind,
    /// Checked with the RAM tag rules.
    pub tags: Vec<(String, String)>,
    pub resource_names: Vec<String>,
}

impl FromParams for TagResources {
    fn from_params(p: &Params) -> Result<Self> {
        let kind = ResourceKind::read(p)?;
        let tags: Vec<(String, String)> =
            json_tags(p, "Tag", RAM_TAGS.max_per_resource)?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect();
        if tags.is_empty() {
            return Err(GatewayError::missing("Tag").into());
        }
        RAM_TAGS.check_pairs(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(RamError::ram_tag)?;
        Ok(Self { kind, tags, resource_names: resource_names(p, true)? })
    }
}

pub struct UntagResources {
    pub kind: ResourceKind,
    pub tag_keys: Vec<String>,
    /// Without `TagKeys`: remove every tag.
    pub all: bool,
    pub resource_names: Vec<String>,
}

impl FromParams for UntagResources {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            kind: ResourceKind::read(p)?,
            tag_keys: json_strings(p, "TagKeys", RAM_TAGS.max_per_resource)?,
            all: p.bool("All")?.unwrap_or(false),
            resource_names: resource_names(p, true)?,
        })
    }
}

pub struct ListTagResources {
    pub kind: ResourceKind,
    pub page_size: usize,
    pub filter: TagFilter,
    /// The row position after `NextToken`.
    pub after: Option<String>,
    /// None: every tagged resource of the kind.
    pub resource_names: Vec<String>,
}

impl FromParams for ListTagResources {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            kind: ResourceKind::read(p)?,
            page_size: p.int_in("PageSize", 1, PAGE_SIZE_MAX)?.unwrap_or(PAGE_SIZE_MAX) as usize,
            filter: TagFilter::read(p)?,
            after: position_param(p, "NextToken")?,
            resource_names: resource_names(p, false)?,
        })
    }
}

/// One (resource, tag) row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResource {
    pub resource_name: String,
    pub resource_type: &'static str,
    pub tag_key: String,
    pub tag_value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourcePage {
    /// Only while more rows remain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub tag_resources: Vec<TagResource>,
}
