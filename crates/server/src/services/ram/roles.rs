//! RAM 2015-05-01 roles (ram.md 6.3): trust policies validated on write and stored verbatim.

use super::wire::{
    CreateRole, CreateServiceLinkedRole, DeletionTask, ListRoles, Role, RoleAnswer, RoleName, RolePage, ServiceLinkedRole,
    ServiceLinkedRoleAnswer, ServiceName, TemplateAnswer, UpdateRole,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::roles::{self, RoleRecord};
use crate::identity::service_roles;
use localyun_core::error::GatewayError;
use localyun_core::tags::matches_all;
use localyun_store::Txn;

/// MaxSessionDuration when CreateRole gives none (ram.md 6.3).
const DEFAULT_MAX_SESSION_SECONDS: i64 = 3600;

pub fn create_role(req: CreateRole, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RoleAnswer> {
    let role = RoleRecord {
        id: String::new(),
        name: req.role_name,
        description: req.description,
        trust_policy: req.assume_role_policy_document,
        max_session_duration: req.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION_SECONDS),
        created_ms: 0,
        updated_ms: 0,
        tags: req.tags,
        service_name: None,
    };
    let role = roles::create(txn, cx.account(), role)?;
    Ok(RoleAnswer { role: Role::of(&role, cx.account(), false) })
}

pub fn get_role(req: RoleName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RoleAnswer> {
    let r = roles::require_by_name(txn, cx.account(), &req.0)?;
    Ok(RoleAnswer { role: Role::of(&r, cx.account(), false) })
}

pub fn update_role(req: UpdateRole, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RoleAnswer> {
    let mut r = roles::require_by_name(txn, cx.account(), &req.name.0)?;
    let changes = req.rest.take()?;
    r.trust_policy = changes.new_assume_role_policy_document.unwrap_or(r.trust_policy);
    r.description = changes.new_description.or(r.description);
    r.max_session_duration = changes.new_max_session_duration.unwrap_or(r.max_session_duration);
    let r = roles::update(txn, cx.account(), r)?;
    Ok(RoleAnswer { role: Role::of(&r, cx.account(), false) })
}

pub fn delete_role(req: RoleName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let r = roles::require_by_name(txn, cx.account(), &req.0)?;
    roles::delete(txn, cx.account(), &r)
}

/// Without a filter a page reads only its own roles; with one, roles are read in listing order
/// until the page is full and one more matches.
pub fn list_roles(req: ListRoles, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RolePage> {
    let refs = req.filter.refs();
    let keep = |r: &RoleRecord| matches_all(&r.tags, &refs);
    let keep: Option<&dyn Fn(&RoleRecord) -> bool> = if refs.is_empty() { None } else { Some(&keep) };
    let (page, more) = roles::page(txn, cx.account(), req.paging.0.after.as_deref(), req.paging.0.max, keep)?;
    let items: Vec<Role> = page.iter().map(|r| Role::of(r, cx.account(), true)).collect();
    Ok(RolePage::new(more, page.last().map(RoleRecord::position), items))
}

/// No template of localyun's takes a suffix (MultipleRolesAllowed is false for each).
pub fn create_service_linked_role(req: CreateServiceLinkedRole, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<ServiceLinkedRoleAnswer> {
    let template = service_roles::template(&req.service_name)?;
    if req.custom_suffix.is_some() {
        return Err(GatewayError::incorrect("CustomSuffix").into());
    }
    let role = service_roles::create(txn, cx.account(), template)?;
    Ok(ServiceLinkedRoleAnswer { role: ServiceLinkedRole::of(&role, cx.account()) })
}

pub fn delete_service_linked_role(req: RoleName, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<DeletionTask> {
    service_roles::delete(txn, cx.account(), &req.0)?;
    Ok(DeletionTask { deletion_task_id: format!("task/acs-service-role-deletion/{}", uuid::Uuid::new_v4()) })
}

pub fn get_service_linked_role_template(req: ServiceName, _cx: &Context<'_>, _txn: &mut dyn Txn) -> Result<TemplateAnswer> {
    Ok(service_roles::template(&req.0)?.into())
}
