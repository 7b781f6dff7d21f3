//! Who is calling: the identity an authenticated request acts as, whatever its API style.

use crate::identity::access_keys::{AccessKeyRecord, Owner};
use crate::identity::sts::StsCredential;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The account's root identity (an account-level AccessKey).
    Root,
    /// A RAM user of the account.
    User { user_id: String, user_name: String },
    /// STS credentials from AssumeRole (ram.md 8): the role's permissions, narrowed by the
    /// session policy when one was given.
    RoleSession { role_id: String, role_name: String, session_name: String, session_policy: Option<String> },
    /// An unsigned call of an action that takes none (AssumeRoleWithOIDC: the token is the
    /// credential); it belongs to no account until its handler finds one.
    Anonymous,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub identity: Identity,
    pub access_key_id: String,
}

impl Caller {
    /// A permanent key's caller; a RAM user's name is looked up by the authenticator.
    pub fn from_key(key: &AccessKeyRecord, user_name: Option<String>) -> Self {
        let identity = match &key.owner {
            Owner::Root => Identity::Root,
            Owner::User(id) => Identity::User { user_id: id.clone(), user_name: user_name.unwrap_or_default() },
        };
        Self { account_id: key.account_id.clone(), identity, access_key_id: key.id.clone() }
    }

    pub fn from_session(c: &StsCredential) -> Self {
        Self {
            account_id: c.account_id.clone(),
            identity: Identity::RoleSession {
                role_id: c.role_id.clone(),
                role_name: c.role_name.clone(),
                session_name: c.session_name.clone(),
                session_policy: c.session_policy.clone(),
            },
            access_key_id: c.access_key_id.clone(),
        }
    }

    pub fn anonymous() -> Self {
        Self { account_id: String::new(), identity: Identity::Anonymous, access_key_id: String::new() }
    }

    /// Whether the call was signed with a permanent AccessKey (not an STS one): the keys
    /// GetAccessKeyLastUsed reports on.
    pub fn has_permanent_key(&self) -> bool {
        matches!(self.identity, Identity::Root | Identity::User { .. })
    }

    /// The AccessKey owner this caller stands for, for "my own keys" operations; role sessions
    /// own no permanent keys.
    pub fn owner(&self) -> Option<Owner> {
        match &self.identity {
            Identity::Root => Some(Owner::Root),
            Identity::User { user_id, .. } => Some(Owner::User(user_id.clone())),
            Identity::RoleSession { .. } | Identity::Anonymous => None,
        }
    }

    /// The caller's ARN (ram.md 9): `…:root`, `…:user/<name>`, or the assumed-role form
    /// `…:role/<role>/<session>` (ram.md 8).
    pub fn arn(&self) -> String {
        let a = &self.account_id;
        match &self.identity {
            Identity::Root => format!("acs:ram::{a}:root"),
            Identity::User { user_name, .. } => format!("acs:ram::{a}:user/{user_name}"),
            Identity::RoleSession { role_name, session_name, .. } => format!("acs:ram::{a}:role/{role_name}/{session_name}"),
            Identity::Anonymous => String::new(),
        }
    }

    /// `AuthPrincipalType` of AccessDeniedDetail (ram.md 4.3).
    pub fn principal_type(&self) -> &'static str {
        match self.identity {
            Identity::Root => "Account",
            Identity::User { .. } => "SubUser",
            Identity::RoleSession { .. } => "AssumedRoleUser",
            Identity::Anonymous => "Anonymous",
        }
    }

    /// `AuthPrincipalDisplayName`: a RAM user's ID, a session's `<RoleId>:<SessionName>`.
    pub fn display_name(&self) -> String {
        match &self.identity {
            Identity::Root => self.account_id.clone(),
            Identity::User { user_id, .. } => user_id.clone(),
            Identity::RoleSession { role_id, session_name, .. } => format!("{role_id}:{session_name}"),
            Identity::Anonymous => String::new(),
        }
    }
}
