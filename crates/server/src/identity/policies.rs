//! Permission policies: the account's custom policies with their versions (ram.md 6.4,
//! policy.md 8) and the read-only system policies every account sees (policy.md 7).

use super::attachments::{self, PolicyType};
use super::{now_ms, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_core::paging::walk;
use localyun_core::tags::TagSet;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// `{account}/{creation time:016}/{lower-case name}` → lower-case name: custom policies in
/// listing order, so a page of `ListPolicies` reads only its own policies (format 3).
pub const POLICY_BY_POSITION: &str = "policy_by_position";
/// `{account}/{policy name}` → lower-case name, for the custom policies carrying at least one
/// tag: the resources of RAM `ListTagResources` in its order (format 3). Policies are never
/// renamed.
pub const POLICY_TAGGED: &str = "policy_tagged";

pub const MAX_CUSTOM_POLICIES: usize = 1500;
/// Versions per custom policy (policy.md 8).
pub const MAX_VERSIONS: usize = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...: never reused (ram.md 6.4).
    pub id: String,
    /// Verbatim as submitted.
    pub document: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub default_version: String,
    pub next_version: u32,
    pub versions: Vec<PolicyVersion>,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
}

impl PolicyRecord {
    /// Listing order among custom policies: creation time, then the lower-case name; the
    /// paging position of `ListPolicies` is `1/` and this.
    pub fn position(&self) -> String {
        format!("{:016}/{}", self.created_ms, self.name.to_ascii_lowercase())
    }

    pub fn version(&self, id: &str) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn default(&self) -> Option<&PolicyVersion> {
        self.version(&self.default_version)
    }
}

/// A policy the platform provides (policy.md 7; documents approximate the real ones).
pub struct SystemPolicy {
    pub name: &'static str,
    pub description: &'static str,
    pub document: &'static str,
}

/// When the system policies "were created", so listings are stable.
pub const SYSTEM_POLICY_DATE_MS: i64 = 1_420_070_400_000;

pub static SYSTEM_POLICIES: &[SystemPolicy] = &[
    SystemPolicy {
        name: "AdministratorAccess",
        description: "Provides full access to Alibaba Cloud services and resources.",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    },
    SystemPolicy {
        name: "ReadOnlyAccess",
        description: "Provides read-only access to Alibaba Cloud services and resources.",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:List*","*:Get*","*:BatchGet*","*:Query*","*:BatchQuery*"],"Resource":"*"}]}"#,
    },
    SystemPolicy {
        name: "AliyunRAMFullAccess",
        description: "Provides full access to Resource Access Management (RAM).",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*","Resource":"*"}]}"#,
    },
    SystemPolicy {
        name: "AliyunRAMReadOnlyAccess",
        description: "Provides read-only access to Resource Access Management (RAM).",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:Get*","ram:List*"],"Resource":"*"}]}"#,
    },
    SystemPolicy {
        name: "AliyunLogFullAccess",
        description: "Provides full access to Simple Log Service.",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"log:*","Resource":"*"}]}"#,
    },
    SystemPolicy {
        name: "AliyunLogReadOnlyAccess",
        description: "Provides read-only access to Simple Log Service.",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["log:Get*","log:List*"],"Resource":"*"}]}"#,
    },
    SystemPolicy {
        name: "AliyunSTSAssumeRoleAccess",
        description: "Provides access to call AssumeRole of Security Token Service (STS).",
        document: r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
    },
    // The policies of the service-linked roles localyun knows (service_roles.rs), as the RAM
    // documentation publishes them (help.aliyun.com, ram/developer-reference).
    SystemPolicy {
        name: "AliyunServiceRolePolicyForSLSAlert",
        description: "The policy of the service-linked role AliyunServiceRoleForSLSAlert.",
        document: r#"{"Version":"1","Statement":[{"Action":["log:GetJob","log:UpdateJob","log:GetResource","log:ListResources","log:GetResourceRecord","log:ListResourceRecords","log:UpdateResourceRecord"],"Resource":["acs:log:*:*:project/*","acs:log:*:*:resource/*"],"Effect":"Allow"},{"Effect":"Allow","Action":["log:GetLogStoreLogs"],"Resource":"acs:log:*:*:project/sls-alert-*"},{"Action":["eventbridge:PutEvents"],"Resource":"*","Effect":"Allow"},{"Action":["fc:InvokeFunction"],"Resource":"acs:fc:*:*:services/*/functions/sls-ops-*","Effect":"Allow"},{"Action":"ram:DeleteServiceLinkedRole","Resource":"*","Effect":"Allow","Condition":{"StringEquals":{"ram:ServiceName":"alert.log.aliyuncs.com"}}}]}"#,
    },
    SystemPolicy {
        name: "AliyunServiceRolePolicyForSLSSecurityLens",
        description: "The policy of the service-linked role AliyunServiceRoleForSLSSecurityLens.",
        document: r#"{"Version":"1","Statement":[{"Action":["kms:ListKmsInstances","kms:GetKmsInstance"],"Resource":"*","Effect":"Allow"},{"Action":["log:CreateProject","log:GetProject","log:ListProject","log:ListLogStores","log:GetLogStore","log:CreateIndex","log:UpdateIndex","log:GetIndex","log:CreateDashboard","log:UpdateDashboard","log:ListDashboard","log:CreateLogStore","log:CreateSavedSearch","log:UpdateSavedSearch"],"Resource":"acs:log:*:*:project/*","Effect":"Allow"},{"Action":"ram:DeleteServiceLinkedRole","Resource":"*","Effect":"Allow","Condition":{"StringEquals":{"ram:ServiceName":"securitylens.log.aliyuncs.com"}}}]}"#,
    },
];

pub fn system(name: &str) -> Option<&'static SystemPolicy> {
    SYSTEM_POLICIES.iter().find(|p| p.name == name)
}

fn key(account: &str, name: &str) -> String {
    format!("{account}/{}", name.to_ascii_lowercase())
}

pub fn not_found() -> ApiError {
    ApiError::from(RamError::PolicyNotFound)
}

pub fn custom(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<PolicyRecord>> {
    load(txn, tables::POLICY, &key(account, name))
}

pub fn require_custom(txn: &mut dyn Txn, account: &str, name: &str) -> Result<PolicyRecord> {
    custom(txn, account, name)?.ok_or_else(|| not_found().into())
}

/// A policy of either type, as GetPolicy/Attach* name it: `(PolicyType, PolicyName)`.
pub enum AnyPolicy {
    System(&'static SystemPolicy),
    Custom(PolicyRecord),
}

impl AnyPolicy {
    pub fn policy_type(&self) -> PolicyType {
        match self {
            AnyPolicy::System(_) => PolicyType::System,
            AnyPolicy::Custom(_) => PolicyType::Custom,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            AnyPolicy::System(p) => p.name,
            AnyPolicy::Custom(p) => &p.name,
        }
    }
}

pub fn require(txn: &mut dyn Txn, account: &str, t: PolicyType, name: &str) -> Result<AnyPolicy> {
    match t {
        PolicyType::System => system(name).map(AnyPolicy::System).ok_or_else(|| not_found().into()),
        PolicyType::Custom => require_custom(txn, account, name).map(AnyPolicy::Custom),
    }
}

pub fn create(
    txn: &mut dyn Txn,
    account: &str,
    name: &str,
    description: Option<String>,
    document: &str,
    tags: TagSet,
) -> Result<PolicyRecord> {
    if custom(txn, account, name)?.is_some() || SYSTEM_POLICIES.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
        return Err(RamError::PolicyExists.into());
    }
    if txn.scan(tables::POLICY, &format!("{account}/"), None, MAX_CUSTOM_POLICIES)?.len() >= MAX_CUSTOM_POLICIES {
        return Err(RamError::PolicyLimit.into());
    }
    let now = now_ms();
    let p = PolicyRecord {
        name: name.to_string(),
        description,
        default_version: "v1".into(),
        next_version: 2,
        versions: vec![PolicyVersion { id: "v1".into(), document: document.to_string(), created_ms: now }],
        created_ms: now,
        updated_ms: now,
        tags,
    };
    save(txn, tables::POLICY, &key(account, name), &p)?;
    txn.put(POLICY_BY_POSITION, &position_key(account, &p), p.name.to_ascii_lowercase().as_bytes())?;
    index_tagged(txn, account, &p)?;
    Ok(p)
}

/// Saves a policy. Its default version may have changed, so caches of what applies to whom
/// are told (authz).
pub fn save_policy(txn: &mut dyn Txn, account: &str, p: &PolicyRecord) -> Result<()> {
    save(txn, tables::POLICY, &key(account, &p.name), p)?;
    index_tagged(txn, account, p)?;
    super::bump_generation(txn, account)
}

fn position_key(account: &str, p: &PolicyRecord) -> String {
    format!("{account}/{}", p.position())
}

fn tagged_key(account: &str, name: &str) -> String {
    format!("{account}/{name}")
}

/// Keeps the policy's entry in [`POLICY_TAGGED`] in step with whether it carries tags.
fn index_tagged(txn: &mut dyn Txn, account: &str, p: &PolicyRecord) -> Result<()> {
    let k = tagged_key(account, &p.name);
    if p.tags.is_empty() {
        txn.delete(POLICY_TAGGED, &k)?;
    } else {
        txn.put(POLICY_TAGGED, &k, p.name.to_ascii_lowercase().as_bytes())?;
    }
    Ok(())
}

/// The prefix of the account's entries in [`POLICY_TAGGED`]; an entry's key is the prefix and
/// the policy name.
pub fn tagged_prefix(account: &str) -> String {
    format!("{account}/")
}

/// Refused while attached, and (without `cascading`) while non-default versions exist.
pub fn delete(txn: &mut dyn Txn, account: &str, p: &PolicyRecord, cascading: bool) -> Result<()> {
    if let Some(entity) = attachments::first_of_policy(txn, account, PolicyType::Custom, &p.name)? {
        return Err(RamError::PolicyAttached { entity: entity.code(), what: entity.as_str() }.into());
    }
    if !cascading && p.versions.len() > 1 {
        return Err(RamError::PolicyHasVersions.into());
    }
    txn.delete(tables::POLICY, &key(account, &p.name))?;
    txn.delete(POLICY_BY_POSITION, &position_key(account, p))?;
    txn.delete(POLICY_TAGGED, &tagged_key(account, &p.name))?;
    super::bump_generation(txn, account)
}

/// Adds a version; at the limit, `rotate` deletes the oldest non-default version first.
pub fn add_version(
    txn: &mut dyn Txn,
    account: &str,
    mut p: PolicyRecord,
    document: &str,
    set_default: bool,
    rotate: bool,
) -> Result<(PolicyRecord, PolicyVersion)> {
    if p.versions.len() >= MAX_VERSIONS {
        if !rotate {
            return Err(RamError::PolicyVersionLimit.into());
        }
        if let Some(oldest) = p.versions.iter().filter(|v| v.id != p.default_version).min_by_key(|v| v.created_ms).map(|v| v.id.clone()) {
            p.versions.retain(|v| v.id != oldest);
        }
    }
    let version = PolicyVersion { id: format!("v{}", p.next_version), document: document.to_string(), created_ms: now_ms() };
    p.next_version += 1;
    p.versions.push(version.clone());
    if set_default {
        p.default_version = version.id.clone();
    }
    p.updated_ms = now_ms();
    save_policy(txn, account, &p)?;
    Ok((p, version))
}

pub fn version_not_found() -> ApiError {
    ApiError::from(RamError::PolicyVersionNotFound)
}

/// Up to `limit` custom policies that `keep` accepts, in listing order after the position
/// `after` (of [`PolicyRecord::position`]), and whether more follow, read from the position
/// index a batch at a time. `keep: None` takes every policy: then a page loads only its own.
pub fn page_custom(
    txn: &mut dyn Txn,
    account: &str,
    after: Option<&str>,
    limit: usize,
    keep: Option<&dyn Fn(&PolicyRecord) -> bool>,
) -> Result<(Vec<PolicyRecord>, bool)> {
    let prefix = format!("{account}/");
    walk(
        txn,
        |t, a, n| Ok(t.scan(POLICY_BY_POSITION, &prefix, a, n)?),
        after.map(|a| format!("{prefix}{a}")),
        limit,
        keep.is_none(),
        |t, _, name| Ok(custom(t, account, &String::from_utf8_lossy(name))?.filter(|p| keep.is_none_or(|f| f(p)))),
    )
}

/// Format 3: the position and tagged-policy indexes, built from the custom policies of an older
/// store.
pub fn build_indexes(txn: &mut dyn Txn) -> Result<()> {
    use crate::record::{clear, for_each_row};
    clear(txn, POLICY_BY_POSITION)?;
    clear(txn, POLICY_TAGGED)?;
    for_each_row(txn, tables::POLICY, |t, k, v| {
        let p: PolicyRecord = decode(tables::POLICY, v)?;
        let account = k.split_once('/').map_or("", |(a, _)| a);
        t.put(POLICY_BY_POSITION, &position_key(account, &p), p.name.to_ascii_lowercase().as_bytes())?;
        index_tagged(t, account, &p)
    })
}
