//! Roles (ram.md 6.3): trust policies validated on write and answered verbatim.

use super::{create_tags, document, marker_page, Paging, TagFilter, Tags, DESCRIPTION_MAX};
use crate::failure::Result;
use crate::identity::roles::RoleRecord;
use crate::identity::service_roles::ServiceRoleTemplate;
use crate::rpc::decode::{opt_text, FromParams, Named};
use crate::rpc::encode::Date;
use localyun_core::error::RamError;
use localyun_core::names::check_role_name;
use localyun_core::params::Params;
use localyun_core::policy::document::DocumentKind;
use localyun_core::tags::TagSet;
use serde::Serialize;

/// `MaxSessionDuration`: 3600-43200 seconds (ram.md 6.3).
fn max_session(p: &Params, name: &str) -> Result<Option<i64>> {
    match p.optional(name) {
        None => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (3600..=43200).contains(&n) => Ok(Some(n)),
            // One code for CreateRole and UpdateRole (ram.md 5.3).
            _ => Err(RamError::MaxSessionDuration { name: name.to_string() }.into()),
        },
    }
}

fn role_name(p: &Params) -> Result<String> {
    let name = p.required("RoleName")?;
    check_role_name("RoleName", name)?;
    Ok(name.to_string())
}

/// The role a call names by `RoleName`.
pub struct RoleName(pub String);

impl FromParams for RoleName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(role_name(p)?))
    }
}

pub struct CreateRole {
    pub role_name: String,
    pub assume_role_policy_document: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    pub tags: TagSet,
}

impl FromParams for CreateRole {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            role_name: role_name(p)?,
            assume_role_policy_document: document(p, "AssumeRolePolicyDocument", DocumentKind::Trust, true)?.unwrap_or_default(),
            description: opt_text(p, "Description", DESCRIPTION_MAX)?,
            max_session_duration: max_session(p, "MaxSessionDuration")?,
            tags: create_tags(p)?,
        })
    }
}

/// UpdateRole: the fields given replace the role's.
pub struct RoleChanges {
    pub new_assume_role_policy_document: Option<String>,
    pub new_description: Option<String>,
    pub new_max_session_duration: Option<i64>,
}

impl FromParams for RoleChanges {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            new_assume_role_policy_document: document(p, "NewAssumeRolePolicyDocument", DocumentKind::Trust, false)?,
            new_description: opt_text(p, "NewDescription", DESCRIPTION_MAX)?,
            new_max_session_duration: max_session(p, "NewMaxSessionDuration")?,
        })
    }
}

pub type UpdateRole = Named<RoleName, RoleChanges>;

/// ListRoles: a `Tag` filter, then the paging.
pub struct ListRoles {
    pub filter: TagFilter,
    pub paging: Paging,
}

impl FromParams for ListRoles {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { filter: TagFilter::read(p)?, paging: Paging::from_params(p)? })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub role_id: String,
    pub role_name: String,
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub assume_role_policy_document: String,
    pub create_date: Date,
    pub update_date: Date,
    pub max_session_duration: i64,
    pub is_service_linked_role: bool,
    /// Only in ListRoles (SDK model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

impl Role {
    pub fn of(r: &RoleRecord, account: &str, with_tags: bool) -> Self {
        Self {
            role_id: r.id.clone(),
            role_name: r.name.clone(),
            arn: r.arn(account),
            description: r.description.clone(),
            assume_role_policy_document: r.trust_policy.clone(),
            create_date: Date(r.created_ms),
            update_date: Date(r.updated_ms),
            max_session_duration: r.max_session_duration,
            is_service_linked_role: r.service_name.is_some(),
            tags: with_tags.then(|| Tags::of(&r.tags)),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleAnswer {
    pub role: Role,
}

crate::wrapper!(Roles, "Role", Role);

marker_page!(RolePage, roles: Roles);

// ---- service-linked roles (RAM API reference: CreateServiceLinkedRole, ...) ----

/// CreateServiceLinkedRole: `ServiceName`; `CustomSuffix` only for templates that allow several
/// roles (none of localyun's); a `Description` of a template without suffixes is ignored ("the
/// role description uses a preset value", SDK model).
pub struct CreateServiceLinkedRole {
    pub service_name: String,
    pub custom_suffix: Option<String>,
}

impl FromParams for CreateServiceLinkedRole {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { service_name: p.required("ServiceName")?.to_string(), custom_suffix: p.optional("CustomSuffix").map(str::to_string) })
    }
}

/// GetServiceLinkedRoleTemplate: `ServiceName`.
pub struct ServiceName(pub String);

impl FromParams for ServiceName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.required("ServiceName")?.to_string()))
    }
}

/// CreateServiceLinkedRole's `Role`: the fields of the SDK model.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceLinkedRole {
    pub role_id: String,
    pub role_name: String,
    pub arn: String,
    pub description: Option<String>,
    pub assume_role_policy_document: String,
    pub create_date: Date,
    pub is_service_linked_role: bool,
}

impl ServiceLinkedRole {
    pub fn of(r: &RoleRecord, account: &str) -> Self {
        Self {
            role_id: r.id.clone(),
            role_name: r.name.clone(),
            arn: r.arn(account),
            description: r.description.clone(),
            assume_role_policy_document: r.trust_policy.clone(),
            create_date: Date(r.created_ms),
            is_service_linked_role: true,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceLinkedRoleAnswer {
    pub role: ServiceLinkedRole,
}

/// DeleteServiceLinkedRole: the deletion task, done by the time it is answered.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletionTask {
    pub deletion_task_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleDescription {
    pub language: &'static str,
    pub description: &'static str,
}

crate::wrapper!(RoleDescriptions, "RoleDescription", RoleDescription);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceLinkedRoleTemplate {
    pub service_name: &'static str,
    pub role_name_prefix: &'static str,
    pub multiple_roles_allowed: bool,
    pub system_policy_name: &'static str,
    pub role_descriptions: RoleDescriptions,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TemplateAnswer {
    pub service_linked_role_template: ServiceLinkedRoleTemplate,
}

impl From<&ServiceRoleTemplate> for TemplateAnswer {
    fn from(t: &ServiceRoleTemplate) -> Self {
        Self {
            service_linked_role_template: ServiceLinkedRoleTemplate {
                service_name: t.service,
                role_name_prefix: t.role_name,
                multiple_roles_allowed: false,
                system_policy_name: t.policy_name,
                role_descriptions: vec![
                    RoleDescription { language: "en", description: t.description_en },
                    RoleDescription { language: "zh-cn", description: t.description_zh },
                ]
                .into(),
            },
        }
    }
}
