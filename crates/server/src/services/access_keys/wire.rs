//! The AccessKey wire types RAM 2015-05-01 and IMS 2019-08-15 share (ram.md 6.6, 7.1); each
//! service brings the parameter naming the key's user (`P`, a [`super::KeyOwnerParam`]).

use crate::failure::{Failure, Result};
use crate::identity::access_keys::{AccessKeyRecord, KeyStatus, LastUse};
use crate::rpc::decode::{key_status, FromParams, Named};
use crate::rpc::encode::Date;
use localyun_core::error::GatewayError;
use localyun_core::params::Params;
use serde::Serialize;

/// A call that names no user from a role session: a session owns no AccessKey. Both services
/// answer with RAM's parameter name.
pub fn owner_missing() -> Failure {
    GatewayError::missing("UserName").into()
}

/// `UserAccessKeyId`: the key a call acts on.
pub struct KeyId(pub String);

impl FromParams for KeyId {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.required("UserAccessKeyId")?.to_string()))
    }
}

/// UpdateAccessKey's key and its new `Status`.
pub struct StatusChange {
    pub key_id: String,
    pub status: KeyStatus,
}

impl FromParams for StatusChange {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { key_id: KeyId::from_params(p)?.0, status: key_status(p)? })
    }
}

/// The user is found before the key's parameters are checked.
pub type UpdateAccessKey<P> = Named<P, StatusChange>;
pub type DeleteAccessKey<P> = Named<P, KeyId>;
pub type LastUsedQuery<P> = Named<P, KeyId>;

/// CreateAccessKey's key: the only time the secret is ever answered (ram.md 6.6).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewAccessKey {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub status: &'static str,
    pub create_date: Date,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatedAccessKey {
    pub access_key: NewAccessKey,
}

impl CreatedAccessKey {
    pub fn of(k: &AccessKeyRecord) -> Self {
        Self {
            access_key: NewAccessKey {
                access_key_id: k.id.clone(),
                access_key_secret: k.secret.expose().to_string(),
                status: k.status.as_str(),
                create_date: Date(k.created_ms),
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    pub access_key_id: String,
    pub status: &'static str,
    pub create_date: Date,
    /// IMS answers it, RAM does not (SDK models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<Date>,
}

impl AccessKey {
    pub fn of(k: &AccessKeyRecord, with_update_date: bool) -> Self {
        Self {
            access_key_id: k.id.clone(),
            status: k.status.as_str(),
            create_date: Date(k.created_ms),
            update_date: with_update_date.then_some(Date(k.updated_ms)),
        }
    }
}

crate::wrapper!(AccessKeys, "AccessKey", AccessKey);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyList {
    pub access_keys: AccessKeys,
}

/// GetAccessKeyLastUsed: `{"AccessKeyLastUsed": {"LastUsedDate", "ServiceName" (IMS)}}`; a key
/// never used answers an empty `AccessKeyLastUsed`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LastUsedAnswer {
    pub access_key_last_used: LastUsed,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LastUsed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
}

impl LastUsedAnswer {
    pub fn of(used: Option<LastUse>, with_service: bool) -> Self {
        let (date, service) = match used {
            Some(u) => (Some(Date(u.at_ms)), with_service.then_some(u.service)),
            None => (None, None),
        };
        Self { access_key_last_used: LastUsed { last_used_date: date, service_name: service } }
    }
}
