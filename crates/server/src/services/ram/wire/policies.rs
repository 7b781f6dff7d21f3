//! Policies and policy versions (ram.md 6.4, policy.md 8): documents are validated on write
//! (`MalformedPolicyDocument`) and answered verbatim.

use super::{create_tags, document, marker_page, Paging, TagFilter, Tags, DESCRIPTION_MAX, FIRST_VERSION};
use crate::failure::Result;
use crate::identity::attachments::PolicyType;
use crate::identity::policies::{self, AnyPolicy, PolicyRecord, PolicyVersion as VersionRecord, SystemPolicy, SYSTEM_POLICY_DATE_MS};
use crate::rpc::decode::{opt_text, FromParams, Named};
use crate::rpc::encode::Date;
use localyun_core::error::{GatewayError, RamError};
use localyun_core::names::check_policy_name;
use localyun_core::params::Params;
use localyun_core::policy::document::DocumentKind;
use localyun_core::tags::TagSet;
use serde::{Serialize, Serializer};

fn policy_type(p: &Params, required: bool) -> Result<Option<PolicyType>> {
    match p.optional("PolicyType") {
        None if required => Err(GatewayError::missing("PolicyType").into()),
        None => Ok(None),
        Some(t) => PolicyType::parse(t).map(Some).ok_or_else(|| GatewayError::incorrect("PolicyType").into()),
    }
}

fn policy_name(p: &Params) -> Result<String> {
    let name = p.required("PolicyName")?;
    check_policy_name("PolicyName", name)?;
    Ok(name.to_string())
}

fn identity_document(p: &Params) -> Result<String> {
    Ok(document(p, "PolicyDocument", DocumentKind::Identity, true)?.unwrap_or_default())
}

/// A policy of either type by `PolicyName` and an optional `PolicyType` (without it, a custom
/// policy of that name, else a system one).
pub struct PolicyRef {
    pub name: String,
    pub kind: Option<PolicyType>,
}

impl FromParams for PolicyRef {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { name: policy_name(p)?, kind: policy_type(p, false)? })
    }
}

/// A policy by `PolicyName` and a required `PolicyType` (Attach*/Detach*).
pub struct TypedPolicyRef {
    pub name: String,
    pub kind: PolicyType,
}

impl FromParams for TypedPolicyRef {
    fn from_params(p: &Params) -> Result<Self> {
        let name = policy_name(p)?;
        let kind = policy_type(p, true)?.ok_or_else(|| GatewayError::missing("PolicyType"))?;
        Ok(Self { name, kind })
    }
}

/// The custom policy a call that changes one names: a `PolicyType` of `System` answers "not
/// found" before the name is checked, as the real service does.
pub struct CustomPolicyName(pub String);

impl FromParams for CustomPolicyName {
    fn from_params(p: &Params) -> Result<Self> {
        if policy_type(p, false)? == Some(PolicyType::System) {
            return Err(policies::not_found().into());
        }
        Ok(Self(policy_name(p)?))
    }
}

pub struct CreatePolicy {
    pub policy_name: String,
    pub policy_document: String,
    pub description: Option<String>,
    pub tags: TagSet,
}

impl FromParams for CreatePolicy {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            policy_name: policy_name(p)?,
            policy_document: identity_document(p)?,
            description: opt_text(p, "Description", DESCRIPTION_MAX)?,
            tags: create_tags(p)?,
        })
    }
}

/// UpdatePolicyDescription: the new description; none clears it.
pub struct NewDescription(pub Option<String>);

impl FromParams for NewDescription {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(opt_text(p, "NewDescription", DESCRIPTION_MAX)?))
    }
}

pub type UpdatePolicyDescription = Named<CustomPolicyName, NewDescription>;

/// DeletePolicy: whether to detach the policy everywhere first.
pub struct Cascading(pub bool);

impl FromParams for Cascading {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.bool("CascadingDelete")?.unwrap_or(false)))
    }
}

pub type DeletePolicy = Named<CustomPolicyName, Cascading>;

/// ListPolicies: `PolicyType`, a `Tag` filter, then the paging.
pub struct ListPolicies {
    pub kind: Option<PolicyType>,
    pub filter: TagFilter,
    pub paging: Paging,
}

impl FromParams for ListPolicies {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { kind: policy_type(p, false)?, filter: TagFilter::read(p)?, paging: Paging::from_params(p)? })
    }
}

/// CreatePolicyVersion: the document, and whether it becomes the default; `rotate` deletes the
/// oldest non-default version at the limit.
pub struct NewVersion {
    pub policy_document: String,
    pub set_as_default: bool,
    pub rotate: bool,
}

impl FromParams for NewVersion {
    fn from_params(p: &Params) -> Result<Self> {
        let policy_document = identity_document(p)?;
        let set_as_default = p.bool("SetAsDefault")?.unwrap_or(false);
        let rotate = match p.optional("RotateStrategy") {
            None | Some("None") => false,
            Some("DeleteOldestNonDefaultVersionWhenLimitExceeded") => true,
            Some(_) => return Err(GatewayError::incorrect("RotateStrategy").into()),
        };
        Ok(Self { policy_document, set_as_default, rotate })
    }
}

pub type CreatePolicyVersion = Named<CustomPolicyName, NewVersion>;

/// A `VersionId`: `v` and digits.
pub struct VersionId(pub String);

impl FromParams for VersionId {
    fn from_params(p: &Params) -> Result<Self> {
        let id = p.required("VersionId")?;
        if !(id.len() > 1 && id.starts_with('v') && id.bytes().skip(1).all(|b| b.is_ascii_digit())) {
            return Err(RamError::VersionIdFormat.into());
        }
        Ok(Self(id.to_string()))
    }
}

/// SetDefaultPolicyVersion, DeletePolicyVersion.
pub type NamedVersion = Named<CustomPolicyName, VersionId>;

/// GetPolicyVersion: the version ID is checked before the policy's name.
pub struct GetPolicyVersion {
    pub version_id: VersionId,
    pub policy: PolicyRef,
}

impl FromParams for GetPolicyVersion {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { version_id: VersionId::from_params(p)?, policy: PolicyRef::from_params(p)? })
    }
}

/// A policy in the answers: CreatePolicy's has no `UpdateDate` nor `AttachmentCount`, only
/// ListPolicies' has `Tags` (SDK models).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub policy_name: String,
    pub policy_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub default_version: String,
    pub create_date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

impl Policy {
    pub fn created(c: &PolicyRecord) -> Self {
        Self {
            policy_name: c.name.clone(),
            policy_type: PolicyType::Custom.as_str(),
            description: c.description.clone(),
            default_version: FIRST_VERSION.to_string(),
            create_date: Date(c.created_ms),
            update_date: None,
            attachment_count: None,
            tags: None,
        }
    }

    /// Get and List answers: with the number of entities the policy is attached to.
    pub fn of(p: &AnyPolicy, attachment_count: usize) -> Self {
        let (description, default_version, created, updated) = match p {
            AnyPolicy::System(s) => {
                (Some(s.description.to_string()), FIRST_VERSION.to_string(), SYSTEM_POLICY_DATE_MS, SYSTEM_POLICY_DATE_MS)
            }
            AnyPolicy::Custom(c) => (c.description.clone(), c.default_version.clone(), c.created_ms, c.updated_ms),
        };
        Self {
            policy_name: p.name().to_string(),
            policy_type: p.policy_type().as_str(),
            description,
            default_version,
            create_date: Date(created),
            update_date: Some(Date(updated)),
            attachment_count: Some(attachment_count),
            tags: None,
        }
    }

    /// ListPolicies' items: system policies carry no tags.
    pub fn with_tags(mut self, p: &AnyPolicy) -> Self {
        self.tags = Some(match p {
            AnyPolicy::Custom(c) => Tags::of(&c.tags),
            AnyPolicy::System(_) => Tags::of(&TagSet::new()),
        });
        self
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyAnswer {
    pub policy: Policy,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    pub version_id: String,
    pub is_default_version: bool,
    pub policy_document: String,
    pub create_date: Date,
}

impl PolicyVersion {
    pub fn of(v: &VersionRecord, default_version: &str) -> Self {
        Self {
            version_id: v.id.clone(),
            is_default_version: v.id == default_version,
            policy_document: v.document.clone(),
            create_date: Date(v.created_ms),
        }
    }

    pub fn system(p: &SystemPolicy) -> Self {
        Self {
            version_id: FIRST_VERSION.to_string(),
            is_default_version: true,
            policy_document: p.document.to_string(),
            create_date: Date(SYSTEM_POLICY_DATE_MS),
        }
    }

    /// The default version of a policy; `None` for a custom policy that lost it.
    pub fn default_of(p: &AnyPolicy) -> Option<Self> {
        match p {
            AnyPolicy::System(s) => Some(Self::system(s)),
            AnyPolicy::Custom(c) => c.default().map(|v| Self::of(v, &c.default_version)),
        }
    }

    /// Every version of a policy.
    pub fn all_of(p: &AnyPolicy) -> Vec<Self> {
        match p {
            AnyPolicy::System(s) => vec![Self::system(s)],
            AnyPolicy::Custom(c) => c.versions.iter().map(|v| Self::of(v, &c.default_version)).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyAnswer {
    pub policy: Policy,
    /// `{}` when the default version cannot be found.
    #[serde(serialize_with = "object_or_empty")]
    pub default_policy_version: Option<PolicyVersion>,
}

fn object_or_empty<S: Serializer>(v: &Option<PolicyVersion>, s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match v {
        Some(v) => v.serialize(s),
        None => s.serialize_map(Some(0))?.end(),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionAnswer {
    pub policy_version: PolicyVersion,
}

crate::wrapper!(PolicyVersions, "PolicyVersion", PolicyVersion);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionList {
    pub policy_versions: PolicyVersions,
}

crate::wrapper!(Policies, "Policy", Policy);

marker_page!(PolicyPage, policies: Policies);
