//! Service-linked roles (RAM Create/DeleteServiceLinkedRole, GetServiceLinkedRoleTemplate): a
//! role a cloud service assumes, made from the service's template with its fixed name, a trust
//! policy naming the service, and the service's system policy attached. localyun knows the
//! templates of Simple Log Service whose policies the RAM documentation publishes (system
//! policies AliyunServiceRolePolicyForSLSAlert and ...ForSLSSecurityLens, help.aliyun.com
//! "ram/developer-reference"); another service name is refused.

use super::attachments::{self, Entity, PolicyType};
use super::roles::{self, RoleRecord};
use crate::failure::Result;
use localyun_core::error::GatewayError;
use localyun_store::Txn;

pub struct ServiceRoleTemplate {
    /// The service's identity, e.g. `alert.log.aliyuncs.com`.
    pub service: &'static str,
    pub role_name: &'static str,
    pub policy_name: &'static str,
    pub description_en: &'static str,
    pub description_zh: &'static str,
}

/// The role's session limit, as CreateRole's default.
const MAX_SESSION_SECONDS: i64 = 3600;

pub static TEMPLATES: &[ServiceRoleTemplate] = &[
    ServiceRoleTemplate {
        service: "alert.log.aliyuncs.com",
        role_name: "AliyunServiceRoleForSLSAlert",
        policy_name: "AliyunServiceRolePolicyForSLSAlert",
        description_en: "Simple Log Service alerting uses this role to access your resources in other cloud services.",
        description_zh: "日志服务告警使用此角色来访问您在其他云产品中的资源。",
    },
    ServiceRoleTemplate {
        service: "securitylens.log.aliyuncs.com",
        role_name: "AliyunServiceRoleForSLSSecurityLens",
        policy_name: "AliyunServiceRolePolicyForSLSSecurityLens",
        description_en: "Simple Log Service SecurityLens uses this role to access your resources in other cloud services.",
        description_zh: "日志服务安全透视使用此角色来访问您在其他云产品中的资源。",
    },
];

/// The template of a service name; another name is `InvalidParameter.ServiceName` (no code is
/// documented for it).
pub fn template(service: &str) -> Result<&'static ServiceRoleTemplate> {
    TEMPLATES.iter().find(|t| t.service == service).ok_or_else(|| GatewayError::incorrect("ServiceName").into())
}

/// The trust policy of a service's role: only the service may assume it.
pub fn trust_policy(service: &str) -> String {
    format!(r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"Service":["{service}"]}}}}],"Version":"1"}}"#)
}

/// Makes the service's role with its policy attached (`EntityAlreadyExists.Role` when the
/// account has it already: none of these templates allows several roles or a suffix).
pub fn create(txn: &mut dyn Txn, account: &str, t: &ServiceRoleTemplate) -> Result<RoleRecord> {
    let role = RoleRecord {
        id: String::new(),
        name: t.role_name.to_string(),
        description: Some(t.description_en.to_string()),
        trust_policy: trust_policy(t.service),
        max_session_duration: MAX_SESSION_SECONDS,
        created_ms: 0,
        updated_ms: 0,
        tags: Default::default(),
        service_name: Some(t.service.to_string()),
    };
    let role = roles::create(txn, account, role)?;
    attachments::attach(txn, account, Entity::Role, &role.id, PolicyType::System, t.policy_name)?;
    Ok(role)
}

/// Deletes a service-linked role with its policies. The real API deletes in a task the
/// service may refuse while it still uses the role; localyun has no such use, so the task is
/// done before the answer. A role that is not service-linked is refused.
pub fn delete(txn: &mut dyn Txn, account: &str, name: &str) -> Result<()> {
    let role = roles::require_by_name(txn, account, name)?;
    if role.service_name.is_none() {
        return Err(GatewayError::incorrect("RoleName").into());
    }
    for (kind, policy, _) in attachments::of_entity(txn, account, Entity::Role, &role.id)? {
        attachments::detach(txn, account, Entity::Role, &role.id, kind, &policy)?;
    }
    roles::delete(txn, account, &role)
}
