//! Who is calling: the identity an authenticated request acts as, whatever its API style.

use crate::identity::access_keys::{AccessKeyRecord, Owner};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The account's root identity (an account-level AccessKey).
    Root,
    /// A RAM user of the account.
    User { user_id: String },
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub identity: Identity,
    pub access_key_id: String,
}

impl Caller {
    pub fn from_key(key: &AccessKeyRecord) -> Self {
        let identity = match &key.owner {
            Owner::Root => Identity::Root,
            Owner::User(id) => Identity::User { user_id: id.clone() },
        };
        Self { account_id: key.account_id.clone(), identity, access_key_id: key.id.clone() }
    }

    /// The AccessKey owner this caller stands for, for "my own keys" operations.
    pub fn owner(&self) -> Owner {
        match &self.identity {
            Identity::Root => Owner::Root,
            Identity::User { user_id } => Owner::User(user_id.clone()),
        }
    }
}
