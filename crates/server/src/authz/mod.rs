//! Authorization: every call is decided before anything changes (policy.md 5). The account
//! root is always allowed; a RAM user by its own and its groups' policies; a role session by the
//! role's policies intersected with its session policy. Explicit Deny wins; the default is an
//! implicit deny. Each action's RAM name and resources come from its service's action table.
//!
//! What evaluation needs is cached: compiled documents by their text, and the set of
//! policies that apply to a principal, checked against the account's identity generation (read
//! once per request, by authentication) so that any RAM change, from any process, is seen by the next request.

pub mod arns;
mod self_service;

use crate::caller::{Caller, Identity};
use crate::failure::Result;
use crate::identity::attachments::{self, Entity, PolicyType};
use crate::identity::{groups, policies};
use localyun_core::error::{GatewayError, SlsError};
use localyun_core::policy::document::{parse, DocumentKind, Policy};
use localyun_core::policy::{decide, ConditionKeys, Decision, Request};
use localyun_core::tags::TagSet;
use localyun_core::{AccessDenied, ApiError, MatchedPolicy};
use localyun_store::Txn;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A resource an action touches: its ARN (or `*`) and, when it exists and carries tags, its
/// tags for `acs:ResourceTag/<key>`.
#[derive(Debug, Clone)]
pub struct Target {
    pub arn: String,
    pub tags: Option<TagSet>,
}

impl Target {
    pub fn all() -> Self {
        Target { arn: "*".into(), tags: None }
    }

    pub fn arn(arn: String) -> Self {
        Target { arn, tags: None }
    }
}

/// One policy that applies to a principal, with what identifies it in a denial.
#[derive(Debug, Clone)]
pub struct Applied {
    pub reference: MatchedPolicy,
    pub document: Arc<Policy>,
}

/// Bounded caches; a full map is simply cleared (entries are cheap to rebuild).
const CACHE_LIMIT: usize = 10_000;

/// The policies applying to one principal, as of an identity generation.
type PrincipalEntry = (u64, Arc<Vec<Applied>>);

#[derive(Default)]
pub struct PolicyCache {
    /// By document text: the same text always compiles to the same policy, whatever
    /// transaction read it, so this cache needs no commit.
    compiled: Mutex<HashMap<String, Arc<Policy>>>,
    /// Session policies, apart: the same text is validated by other rules (policy.md 2).
    compiled_sessions: Mutex<HashMap<String, Arc<Policy>>>,
    /// Filled only once the transaction that read the entry has committed (executor.rs).
    principals: Arc<Mutex<HashMap<String, PrincipalEntry>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PolicyCache {
    /// A document compiled once per (kind, text); a hit allocates nothing.
    fn compiled(&self, text: &str, kind: DocumentKind) -> Option<Arc<Policy>> {
        let cache = if kind == DocumentKind::Session { &self.compiled_sessions } else { &self.compiled };
        if let Some(p) = lock(cache).get(text) {
            return Some(p.clone());
        }
        let p = Arc::new(parse(text, kind).ok()?);
        let mut map = lock(cache);
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(text.to_string(), p.clone());
        Some(p)
    }
}

fn attached_to(e: Entity) -> &'static str {
    match e {
        Entity::User => "RamUser",
        Entity::Group => "RamGroup",
        Entity::Role => "RamRole",
    }
}

/// The default versions of the policies attached to an entity, compiled.
fn attached(cache: &PolicyCache, txn: &mut dyn Txn, account: &str, e: Entity, id: &str, out: &mut Vec<Applied>) -> Result<()> {
    for (t, name, _) in attachments::of_entity(txn, account, e, id)? {
        let (version, text) = match t {
            PolicyType::System => match policies::system(&name) {
                Some(s) => ("v1".to_string(), s.document.to_string()),
                None => continue,
            },
            PolicyType::Custom => {
                let Some(p) = policies::custom(txn, account, &name)? else { continue };
                let Some(v) = p.default() else { continue };
                (v.id.clone(), v.document.clone())
            }
        };
        if let Some(document) = cache.compiled(&text, DocumentKind::Identity) {
            let reference =
                MatchedPolicy { policy_type: t.as_str().into(), name, version, attached_to: attached_to(e).into(), statement: 0 };
            out.push(Applied { reference, document });
        }
    }
    Ok(())
}

/// The identity policies that apply to a RAM user (its own and its groups') or a role session
/// (the role's), from the cache while the account's generation (`gen`, read in this
/// transaction) is unchanged.
fn applied_policies(cache: &PolicyCache, txn: &mut dyn Txn, caller: &Caller, gen: u64) -> Result<Arc<Vec<Applied>>> {
    let account = &caller.account_id;
    let principal = match &caller.identity {
        // An anonymous caller has no policies: it is never authorized by them (actions that
        // take anonymous calls check their own credential, pipeline `anonymous`).
        Identity::Root | Identity::Anonymous => return Ok(Arc::new(Vec::new())),
        Identity::User { user_id, .. } => format!("{account}/user/{user_id}"),
        Identity::RoleSession { role_id, .. } => format!("{account}/role/{role_id}"),
    };
    if let Some((g, applied)) = lock(&cache.principals).get(&principal) {
        if *g == gen {
            return Ok(applied.clone());
        }
    }
    let mut out = Vec::new();
    match &caller.identity {
        Identity::User { user_id, .. } => {
            attached(cache, txn, account, Entity::User, user_id, &mut out)?;
            for (g, _) in groups::groups_of_user(txn, account, user_id)? {
                attached(cache, txn, account, Entity::Group, &g.id, &mut out)?;
            }
        }
        Identity::RoleSession { role_id, .. } => attached(cache, txn, account, Entity::Role, role_id, &mut out)?,
        Identity::Root | Identity::Anonymous => {}
    }
    let applied = Arc::new(out);
    let (principals, entry) = (cache.principals.clone(), applied.clone());
    crate::executor::after_commit(move || {
        let mut map = lock(&principals);
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(principal, (gen, entry));
    });
    Ok(applied)
}

fn denial(
    caller: &Caller,
    action: &str,
    target: &Target,
    keys: &ConditionKeys,
    policy_type: &str,
    matched: Option<MatchedPolicy>,
) -> AccessDenied {
    let mut conditions: Vec<(String, Vec<String>)> = keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    conditions.sort();
    AccessDenied {
        action: action.to_string(),
        resource: target.arn.clone(),
        account_id: caller.account_id.clone(),
        principal_type: caller.principal_type().into(),
        principal_display_name: caller.display_name(),
        principal_arn: caller.arn(),
        explicit: matched.is_some(),
        policy_type: policy_type.into(),
        matched,
        conditions,
    }
}

/// The denial of a trust policy (AssumeRole): the role does not trust the caller.
pub fn trust_denial(caller: &Caller, role_arn: &str) -> AccessDenied {
    denial(caller, "sts:AssumeRole", &Target::arn(role_arn.to_string()), &ConditionKeys::default(), "AssumeRolePolicy", None)
}

/// Decides `action` on every target; the first refusal explains itself. `generation` is the
/// account's identity generation as read in this transaction (by authentication).
pub fn authorize(
    cache: &PolicyCache,
    txn: &mut dyn Txn,
    caller: &Caller,
    generation: u64,
    action: &str,
    targets: &[Target],
    base: &ConditionKeys,
) -> Result<Result<(), Box<AccessDenied>>> {
    if caller.identity == Identity::Root || targets.is_empty() {
        return Ok(Ok(()));
    }
    let applied = applied_policies(cache, txn, caller, generation)?;
    let session = match &caller.identity {
        Identity::RoleSession { session_policy: Some(text), .. } => cache.compiled(text, DocumentKind::Session),
        _ => None,
    };
    for target in targets {
        let req = Request { resource_tags: target.tags.as_ref(), ..Request::new(action, &target.arn, base) };
        // What a denial reports: the request's keys and the resource's tags.
        let keys = || {
            let mut keys = base.clone();
            for (k, v) in target.tags.iter().flatten() {
                keys.set(&format!("acs:ResourceTag/{k}"), vec![v.clone()]);
            }
            keys
        };
        match decide(applied.iter().map(|a| (&a.reference, a.document.as_ref())), &req) {
            Decision::Allow => {}
            Decision::ExplicitDeny { policy, statement } => {
                let matched = MatchedPolicy { statement, ..policy.clone() };
                return Ok(Err(Box::new(denial(caller, action, target, &keys(), "AccountLevelIdentityBasedPolicy", Some(matched)))));
            }
            // What no policy allows, the security preference may (self_service.rs).
            Decision::ImplicitDeny if self_service::allows(txn, caller, action, target)? => {}
            Decision::ImplicitDeny => {
                return Ok(Err(Box::new(denial(caller, action, target, &keys(), "AccountLevelIdentityBasedPolicy", None))))
            }
        }
        // A session policy can only narrow what the role allows (policy.md 5.2).
        if let Some(doc) = &session {
            let session_ref = MatchedPolicy {
                policy_type: "SessionPolicy".into(),
                name: "SessionPolicy".into(),
                version: "v1".into(),
                attached_to: String::new(),
                statement: 0,
            };
            match decide([(&session_ref, doc.as_ref())], &req) {
                Decision::Allow => {}
                Decision::ExplicitDeny { statement, .. } => {
                    let matched = MatchedPolicy { statement, ..session_ref };
                    return Ok(Err(Box::new(denial(caller, action, target, &keys(), "SessionPolicy", Some(matched)))));
                }
                Decision::ImplicitDeny => return Ok(Err(Box::new(denial(caller, action, target, &keys(), "SessionPolicy", None)))),
            }
        }
    }
    Ok(Ok(()))
}

/// RAM/IMS/STS denial: `NoPermission` 403 with `AccessDeniedDetail` (ram.md 5.2, 4.3).
pub fn rpc_denial(d: Box<AccessDenied>) -> ApiError {
    ApiError::from(GatewayError::NoPermission { why: d.explain() }).with_denial(d)
}

/// SLS denial: 401 `Unauthorized`, `denied by sts or ram, action: …, resource: …` (sls.md 5.1).
pub fn sls_denial(d: Box<AccessDenied>) -> ApiError {
    let message = format!("denied by sts or ram, action: {}, resource: {}. {}", d.action, d.resource, d.explain());
    let mut e = ApiError::from(SlsError::unauthorized(message));
    e.denied = Some(d);
    e
}

/// The request's own condition keys (policy.md 4.3): the TCP peer address (never
/// `X-Forwarded-For`), the server clock, plain HTTP, the User-Agent, and the tags the request
/// carries.
pub fn base_keys(
    peer: Option<std::net::IpAddr>,
    secure: bool,
    now_ms: i64,
    user_agent: Option<&str>,
    request_tags: &[(String, String)],
    tag_keys: &[String],
) -> ConditionKeys {
    let mut keys = ConditionKeys::default();
    if let Some(ip) = peer {
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        keys.set("acs:SourceIp", vec![ip.to_string()]);
    }
    keys.set("acs:CurrentTime", vec![localyun_core::time::format_iso8601(now_ms)]);
    keys.set("acs:SecureTransport", vec![secure.to_string()]);
    keys.set("acs:MFAPresent", vec!["false".into()]);
    if let Some(ua) = user_agent {
        keys.set("acs:UserAgent", vec![ua.to_string()]);
    }
    for (k, v) in request_tags {
        keys.set(&format!("acs:RequestTag/{k}"), vec![v.clone()]);
    }
    let mut all_keys: Vec<String> = request_tags.iter().map(|(k, _)| k.clone()).chain(tag_keys.iter().cloned()).collect();
    all_keys.dedup();
    if !all_keys.is_empty() {
        keys.set("acs:TagKeys", all_keys);
    }
    keys
}
