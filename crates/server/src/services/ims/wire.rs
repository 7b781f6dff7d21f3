//! IMS 2019-08-15's wire types (ram.md 7): each action's request, decoded from its parameters
//! with IMS's repeat lists (`Tag.N.Key`, `ResourceId.N`, `ResourcePrincipalName.N`, `TagKey.N`),
//! and its answer, encoded with the SDK models' field names. Handlers see only these.
//!
//! Where the service checks a parameter only after looking something up (the user, the
//! account's logon domain), the request keeps that part [`Deferred`] and the handler takes it
//! after the lookup.

use crate::failure::Result;
use crate::identity::groups::{GroupRecord, Member, NewGroup};
use crate::identity::login_profiles::{LoginProfileRecord, PasswordStatus, ProfileChange};
use crate::identity::mfa_devices::MfaDeviceRecord;
use crate::identity::oidc_providers::{OidcProviderRecord, MAX_CLIENT_IDS, MAX_FINGERPRINTS};
use crate::identity::recycle_bin::Recycled;
use crate::identity::saml_providers::SamlProviderRecord;
use crate::identity::service_credentials::ServiceCredentialRecord;
use crate::identity::user_sso::UserSsoSettings;
use crate::identity::users::{NewUser, UserRecord};
use crate::rpc::decode::{opt_contact, opt_text, opt_user_name, position_param, user_name, Deferred, FromParams, MarkerPage, Named};
use crate::rpc::encode::{Date, Tags};
use crate::services::mfa::{BindCodes, MfaDevice};
use crate::services::passwords::profile_change;
use localyun_core::error::{GatewayError, RamError};
use localyun_core::mfa;
use localyun_core::names::{check_domain, check_text, default_domain_alias, parse_principal_name};
use localyun_core::params::Params;
use localyun_core::password::PasswordPolicy;
use localyun_core::preference::{Api, PreferenceChange, SecurityPreference};
use localyun_core::tags::{TagSet, IMS_USER_TAGS};
use serde::Serialize;

/// IMS display names are 1-24 characters (ram.md 7.1; research note 2).
const DISPLAY_NAME_MAX: usize = 24;
const COMMENTS_MAX: usize = 128;
/// `ResourceId.N` / `ResourcePrincipalName.N`: N from 1 to 50 (seed).
const MAX_RESOURCES: usize = 50;
/// `TagKey.N`: N from 1 to 20, consecutive (seed).
const MAX_TAG_KEYS: usize = 20;
/// `Tag.N` filters of ListUsers and ListTagResources.
const MAX_FILTER_TAGS: usize = 20;

/// An `IsTruncated` / `Marker` page of an IMS list (`Marker` only while truncated, ram.md 7.1):
/// `marker_page!(GroupPage, groups: Groups)`, or with the list's wire name when PascalCase of
/// the field is not it: `marker_page!(OidcProviderPage, providers: OidcProviders as "OIDCProviders")`.
macro_rules! marker_page {
    ($name:ident, $field:ident: $ty:ty) => {
        #[derive(Debug, Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            pub is_truncated: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub marker: Option<String>,
            pub $field: $ty,
        }
    };
    ($name:ident, $field:ident: $ty:ty as $wire:literal) => {
        #[derive(Debug, Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            pub is_truncated: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub marker: Option<String>,
            #[serde(rename = $wire)]
            pub $field: $ty,
        }
    };
}

// ---- naming users (ram.md 7.1) ----

/// How a call names its user: by logon name, ID or one of its AccessKeys.
pub enum UserRef {
    PrincipalName(String),
    Id(String),
    AccessKey(String),
}

impl UserRef {
    /// Exactly one of `UserPrincipalName` / `UserId` (and, where `by_key`, `UserAccessKeyId`),
    /// as GetUser/UpdateUser/DeleteUser take it.
    fn read(p: &Params, by_key: bool) -> Result<Self> {
        let upn = p.optional("UserPrincipalName");
        let id = p.optional("UserId");
        let key = if by_key { p.optional("UserAccessKeyId") } else { None };
        let given = [upn.is_some(), id.is_some(), key.is_some()].iter().filter(|g| **g).count();
        if given > 1 {
            let names = if by_key { "UserPrincipalName, UserId and UserAccessKeyId" } else { "UserPrincipalName and UserId" };
            return Err(GatewayError::invalid("UserPrincipalName", &format!("Specify only one of {names}.")).into());
        }
        match (upn, id, key) {
            (Some(upn), _, _) => Ok(Self::PrincipalName(upn.to_string())),
            (_, Some(id), _) => Ok(Self::Id(id.to_string())),
            (_, _, Some(key)) => Ok(Self::AccessKey(key.to_string())),
            _ => Err(GatewayError::missing("UserPrincipalName").into()),
        }
    }

    /// The user a request names for its resource ARN (ram.md 9), read before the request is
    /// decoded and so never refused: the first of `UserPrincipalName`, `UserId`, and
    /// `UserAccessKeyId` unless `Status` is given (UpdateAccessKey's key is not its user's).
    pub fn for_resource(p: &Params) -> Option<Self> {
        if let Some(upn) = p.optional("UserPrincipalName") {
            Some(Self::PrincipalName(upn.to_string()))
        } else if let Some(id) = p.optional("UserId") {
            Some(Self::Id(id.to_string()))
        } else {
            p.optional("UserAccessKeyId").filter(|_| p.optional("Status").is_none()).map(|k| Self::AccessKey(k.to_string()))
        }
    }
}

/// A logon name `name@domain` of a well-formed name; whether the domain is the account's is
/// checked by the handler, which knows the account ([`PrincipalName::name_in`]).
pub struct PrincipalName {
    param: &'static str,
    name: String,
    domain: String,
}

impl PrincipalName {
    fn parse(param: &'static str, upn: &str) -> Result<Self> {
        let (name, domain) = parse_principal_name(param, upn)?;
        Ok(Self { param, name: name.to_string(), domain: domain.to_string() })
    }

    /// The user name, if the logon name is in the account's logon domain `domain`.
    pub fn name_in(self, domain: &str) -> Result<String> {
        check_domain(self.param, &self.domain, domain)?;
        Ok(self.name)
    }
}

// ---- users (ram.md 7.1) ----

/// CreateUser: the user's fields are checked after its logon name's domain; the user name of
/// `user` is left empty, it comes from `principal`.
pub struct CreateUser {
    pub principal: PrincipalName,
    pub user: Deferred<NewUser>,
}

impl FromParams for CreateUser {
    fn from_params(p: &Params) -> Result<Self> {
        let principal = PrincipalName::parse("UserPrincipalName", p.required("UserPrincipalName")?)?;
        let user = Deferred::decode(|| {
            let display_name = p.required("DisplayName")?;
            check_text("DisplayName", display_name, DISPLAY_NAME_MAX)?;
            let tags = IMS_USER_TAGS.merged(&TagSet::default(), &borrowed(&tag_pairs(p)?)).map_err(RamError::ims_tag)?;
            Ok(NewUser {
                name: String::new(),
                display_name: Some(display_name.to_string()),
                email: opt_contact(p, "Email")?,
                mobile_phone: opt_contact(p, "MobilePhone")?,
                comments: opt_text(p, "Comments", COMMENTS_MAX)?,
                tags,
            })
        });
        Ok(Self { principal, user })
    }
}

/// GetUser: the user by logon name, ID or AccessKey.
pub struct GetUser {
    pub user: UserRef,
}

impl FromParams for GetUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user: UserRef::read(p, true)? })
    }
}

/// DeleteUser: the user by logon name or ID.
pub struct DeleteUser {
    pub user: UserRef,
}

impl FromParams for DeleteUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user: UserRef::read(p, false)? })
    }
}

/// UpdateUser: the user by logon name or ID; the new values are checked after the user is
/// found, the new logon name first (its form, then its domain).
pub struct UpdateUser {
    pub user: UserRef,
    pub new_principal: Deferred<Option<PrincipalName>>,
    pub changes: Deferred<UserChanges>,
}

/// The fields UpdateUser replaces, those given.
pub struct UserChanges {
    pub display_name: Option<String>,
    pub comments: Option<String>,
    pub email: Option<String>,
    pub mobile_phone: Option<String>,
}

impl FromParams for UpdateUser {
    fn from_params(p: &Params) -> Result<Self> {
        let user = UserRef::read(p, false)?;
        let new_principal = Deferred::decode(|| {
            p.optional("NewUserPrincipalName").map(|upn| PrincipalName::parse("NewUserPrincipalName", upn)).transpose()
        });
        let changes = Deferred::decode(|| {
            Ok(UserChanges {
                display_name: opt_text(p, "NewDisplayName", DISPLAY_NAME_MAX)?,
                comments: opt_text(p, "NewComments", COMMENTS_MAX)?,
                email: opt_contact(p, "NewEmail")?,
                mobile_phone: opt_contact(p, "NewMobilePhone")?,
            })
        });
        Ok(Self { user, new_principal, changes })
    }
}

/// ListUsers: the `Tag.N` filter, `Marker` / `MaxItems` (1-1000, default 1000) and `Status`.
pub struct ListUsers {
    pub filter: TagFilter,
    pub page: MarkerPage,
    /// Whether active users are asked for; every localyun user is active (no freezing yet).
    pub active: bool,
}

impl FromParams for ListUsers {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { filter: TagFilter::read(p)?, page: MarkerPage::read(p, 1000)?, active: wants_active(p)? })
    }
}

/// Which user states a ListUsers call asks for: a comma-separated `Status` of `active` and
/// `freeze`, default `active` (with a Tag filter both states, which is the same set here).
fn wants_active(p: &Params) -> Result<bool> {
    match p.optional("Status") {
        None => Ok(true),
        Some(s) => {
            let mut active = false;
            for part in s.split(',') {
                match part.trim().to_ascii_lowercase().as_str() {
                    "active" => active = true,
                    "freeze" => {}
                    _ => return Err(GatewayError::incorrect("Status").into()),
                }
            }
            Ok(active)
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub user_id: String,
    pub user_principal_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub create_date: Date,
    pub update_date: Date,
    pub provision_type: &'static str,
    pub tags: Tags,
    /// GetUser adds UserName, the prefix of the logon name (ram.md 7.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// ListUsers adds the user's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

impl User {
    /// The user as CreateUser and UpdateUser answer it; `domain` is the account's logon domain.
    pub fn of(u: &UserRecord, domain: &str) -> Self {
        Self {
            user_id: u.id.clone(),
            user_principal_name: u.principal_name(domain),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            mobile_phone: u.mobile_phone.clone(),
            comments: u.comments.clone(),
            create_date: Date(u.created_ms),
            update_date: Date(u.updated_ms),
            provision_type: "Manual",
            tags: Tags::of(&u.tags),
            user_name: None,
            status: None,
        }
    }

    /// As GetUser answers it.
    pub fn with_name(self, u: &UserRecord) -> Self {
        Self { user_name: Some(u.name.clone()), ..self }
    }

    /// As ListUsers answers it: every localyun user is active.
    pub fn listed(self) -> Self {
        Self { status: Some("Active"), ..self }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserAnswer {
    pub user: User,
}

crate::wrapper!(Users, "User", User);

marker_page!(UserPage, users: Users);

/// A user of ListUserBasicInfos.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserBasicInfo {
    pub user_principal_name: String,
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `active`: localyun has no frozen users.
    pub status: &'static str,
}

impl UserBasicInfo {
    pub fn of(u: &UserRecord, domain: &str) -> Self {
        Self {
            user_principal_name: u.principal_name(domain),
            user_id: u.id.clone(),
            display_name: u.display_name.clone(),
            status: "active",
        }
    }
}

crate::wrapper!(UserBasicInfos, "UserBasicInfo", UserBasicInfo);

marker_page!(UserBasicInfoPage, infos: UserBasicInfos as "UserBasicInfos");

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultDomain {
    pub default_domain_name: String,
}

/// SetDefaultDomain: `DefaultDomainName` is `<alias>.onaliyun.com`, and setting it sets the
/// account's alias (the domain's prefix), so that RAM and IMS keep one logon domain.
pub struct SetDefaultDomain {
    pub alias: String,
}

impl FromParams for SetDefaultDomain {
    fn from_params(p: &Params) -> Result<Self> {
        const PARAM: &str = "DefaultDomainName";
        Ok(Self { alias: default_domain_alias(PARAM, p.required(PARAM)?)?.to_string() })
    }
}

// ---- password policy (the IMS SDK model's fields, a superset of RAM's) ----

/// SetPasswordPolicy: every setting of the IMS model, each absent one at its default.
pub struct SetPasswordPolicy(pub PasswordPolicy);

impl FromParams for SetPasswordPolicy {
    fn from_params(p: &Params) -> Result<Self> {
        let d = PasswordPolicy::default();
        Ok(Self(PasswordPolicy {
            minimum_different_characters: PasswordPolicy::setting(p, "MinimumPasswordDifferentCharacter")?
                .unwrap_or(d.minimum_different_characters),
            not_contain_user_name: p.bool("PasswordNotContainUserName")?.unwrap_or(d.not_contain_user_name),
            initial_password_age: PasswordPolicy::setting(p, "InitialPasswordAge")?.unwrap_or(d.initial_password_age),
            intercept_risk_password_on_api: p.bool("InterceptRiskPasswordOnApi")?.unwrap_or(d.intercept_risk_password_on_api),
            ..PasswordPolicy::shared_settings(p, "HardExpire")?
        }))
    }
}

/// Get/SetPasswordPolicy: `{"PasswordPolicy": {...}}` with the IMS field names (`HardExpire`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicyAnswer {
    pub password_policy: ImsPasswordPolicy,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImsPasswordPolicy {
    pub minimum_password_length: u32,
    pub require_lowercase_characters: bool,
    pub require_uppercase_characters: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub hard_expire: bool,
    pub max_login_attemps: u32,
    pub max_password_age: u32,
    pub password_reuse_prevention: u32,
    pub minimum_password_different_character: u32,
    pub password_not_contain_user_name: bool,
    pub initial_password_age: u32,
    pub intercept_risk_password_on_api: bool,
}

impl From<&PasswordPolicy> for PasswordPolicyAnswer {
    fn from(p: &PasswordPolicy) -> Self {
        Self {
            password_policy: ImsPasswordPolicy {
                minimum_password_length: p.minimum_length,
                require_lowercase_characters: p.require_lowercase,
                require_uppercase_characters: p.require_uppercase,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
                hard_expire: p.hard_expire,
                max_login_attemps: p.max_login_attempts,
                max_password_age: p.max_password_age,
                password_reuse_prevention: p.reuse_prevention,
                minimum_password_different_character: p.minimum_different_characters,
                password_not_contain_user_name: p.not_contain_user_name,
                initial_password_age: p.initial_password_age,
                intercept_risk_password_on_api: p.intercept_risk_password_on_api,
            },
        }
    }
}

// ---- security preference (the IMS SDK model's fields and groups) ----

/// SetSecurityPreference: the settings the IMS model knows; the rest stay as they are.
pub struct SetSecurityPreference(pub PreferenceChange);

impl FromParams for SetSecurityPreference {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(PreferenceChange::read(p, Api::Ims)?))
    }
}

/// Get/SetSecurityPreference: `{"SecurityPreference": {...}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityPreferenceAnswer {
    pub security_preference: ImsSecurityPreference,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImsSecurityPreference {
    pub access_key_preference: AccessKeyPreference,
    pub login_profile_preference: LoginProfilePreference,
    #[serde(rename = "MFAPreference")]
    pub mfa_preference: MfaPreference,
    pub max_idle_days: MaxIdleDays,
    pub personal_info_preference: PersonalInfoPreference,
    pub verification_preference: VerificationPreference,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyPreference {
    pub allow_user_to_manage_access_keys: bool,
    pub allow_user_to_manage_service_credentials: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfilePreference {
    pub allow_user_to_change_password: bool,
    pub allow_user_to_login_with_passkey: bool,
    #[serde(rename = "EnableSaveMFATicket")]
    pub enable_save_mfa_ticket: bool,
    pub login_network_masks: String,
    pub login_session_duration: u32,
    #[serde(rename = "MFAOperationForLogin")]
    pub mfa_operation_for_login: String,
    pub operation_for_risk_login: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaPreference {
    #[serde(rename = "AllowUserToManageMFADevices")]
    pub allow_user_to_manage_mfa_devices: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaxIdleDays {
    pub max_idle_days_for_access_keys: u32,
    pub max_idle_days_for_users: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PersonalInfoPreference {
    pub allow_user_to_manage_personal_ding_talk: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerificationPreference {
    pub verification_types: Vec<String>,
}

impl From<&SecurityPreference> for SecurityPreferenceAnswer {
    fn from(p: &SecurityPreference) -> Self {
        Self {
            security_preference: ImsSecurityPreference {
                access_key_preference: AccessKeyPreference {
                    allow_user_to_manage_access_keys: p.allow_user_to_manage_access_keys,
                    allow_user_to_manage_service_credentials: p.allow_user_to_manage_service_credentials,
                },
                login_profile_preference: LoginProfilePreference {
                    allow_user_to_change_password: p.allow_user_to_change_password,
                    allow_user_to_login_with_passkey: p.allow_user_to_login_with_passkey,
                    enable_save_mfa_ticket: p.enable_save_mfa_ticket,
                    login_network_masks: p.login_network_masks.clone(),
                    login_session_duration: p.login_session_duration,
                    mfa_operation_for_login: p.mfa_operation_for_login.clone(),
                    operation_for_risk_login: p.operation_for_risk_login.clone(),
                },
                mfa_preference: MfaPreference { allow_user_to_manage_mfa_devices: p.allow_user_to_manage_mfa_devices },
                max_idle_days: MaxIdleDays {
                    max_idle_days_for_access_keys: p.max_idle_days_for_access_keys,
                    max_idle_days_for_users: p.max_idle_days_for_users,
                },
                personal_info_preference: PersonalInfoPreference {
                    allow_user_to_manage_personal_ding_talk: p.allow_user_to_manage_personal_ding_talk,
                },
                verification_preference: VerificationPreference { verification_types: p.verification_types.clone() },
            },
        }
    }
}

// ---- tags (ram.md 7.2-7.4, the seed) ----

/// `Tag.N.Key` / `Tag.N.Value` as given to CreateUser and TagResources, checked with the IMS tag
/// rules; a missing value is the empty string.
fn tag_pairs(p: &Params) -> Result<Vec<(String, String)>> {
    let pairs: Vec<(&str, &str)> =
        p.key_values("Tag", IMS_USER_TAGS.max_per_resource)?.into_iter().map(|(k, v)| (k, v.unwrap_or(""))).collect();
    IMS_USER_TAGS.check_pairs(pairs.iter().copied()).map_err(RamError::ims_tag)?;
    Ok(pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// Tag pairs as the tag rules take them.
pub fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A `Tag.N.Key` / `Tag.N.Value` filter: a user matches when it carries every tag, any value
/// where the value is absent.
pub struct TagFilter(Vec<(String, Option<String>)>);

impl TagFilter {
    fn read(p: &Params) -> Result<Self> {
        let pairs = p.key_values("Tag", MAX_FILTER_TAGS)?;
        Ok(Self(pairs.into_iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()))
    }

    /// The filter as `localyun_core::tags::matches_all` takes it.
    pub fn pairs(&self) -> Vec<(&str, Option<&str>)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect()
    }

    /// The first filter tag.
    fn first(&self) -> Option<(String, Option<String>)> {
        self.0.first().cloned()
    }
}

/// `ResourceType`: only `user`; absent means `user`, its only value (ram.md 7.2 rule 1).
fn check_resource_type(p: &Params) -> Result<()> {
    match p.optional("ResourceType") {
        None | Some("user") => Ok(()),
        Some(_) => Err(RamError::ResourceType { valid: "Valid value: user." }.into()),
    }
}

/// The users a tag call names: exactly one of the two lists may be given (seed).
pub enum ResourceRefs {
    Ids(Vec<String>),
    PrincipalNames(Vec<String>),
}

impl ResourceRefs {
    /// `ResourceId.N` or `ResourcePrincipalName.N`; `None` when the call names no user.
    fn read(p: &Params) -> Result<Option<Self>> {
        let ids = p.list("ResourceId", MAX_RESOURCES)?;
        let names = p.list("ResourcePrincipalName", MAX_RESOURCES)?;
        let owned = |list: Vec<&str>| list.into_iter().map(str::to_string).collect();
        match (ids.is_empty(), names.is_empty()) {
            (false, false) => {
                Err(GatewayError::invalid("ResourceId", "You must specify only one of ResourceId and ResourcePrincipalName.").into())
            }
            (true, true) => Ok(None),
            (false, true) => Ok(Some(Self::Ids(owned(ids)))),
            (true, false) => Ok(Some(Self::PrincipalNames(owned(names)))),
        }
    }

    fn required(p: &Params) -> Result<Self> {
        Self::read(p)?.ok_or_else(|| missing_resources().into())
    }
}

fn missing_resources() -> GatewayError {
    GatewayError::missing("ResourceId")
}

/// TagResources: the tags are checked after the users are found.
pub struct TagResources {
    pub users: ResourceRefs,
    /// At least one (key, value).
    pub tags: Deferred<Vec<(String, String)>>,
}

impl FromParams for TagResources {
    fn from_params(p: &Params) -> Result<Self> {
        check_resource_type(p)?;
        let users = ResourceRefs::required(p)?;
        let tags = Deferred::decode(|| {
            let pairs = tag_pairs(p)?;
            if pairs.is_empty() {
                return Err(GatewayError::missing("Tag.1.Key").into());
            }
            Ok(pairs)
        });
        Ok(Self { users, tags })
    }
}

/// UntagResources (the seed): `TagKey.N`, else `All`.
pub struct UntagResources {
    pub keys: Vec<String>,
    pub all: bool,
    pub users: ResourceRefs,
}

impl FromParams for UntagResources {
    fn from_params(p: &Params) -> Result<Self> {
        check_resource_type(p)?;
        let keys = p.list("TagKey", MAX_TAG_KEYS)?.into_iter().map(str::to_string).collect();
        let all = p.bool("All")?.unwrap_or(false);
        Ok(Self { keys, all, users: ResourceRefs::required(p)? })
    }
}

/// What ListTagResources lists: the named users, or (without a resource list) the users
/// carrying the first filter tag.
pub enum TagScope {
    Named(ResourceRefs),
    Tagged { key: String, value: Option<String> },
}

/// ListTagResources: `PageSize` 1-100 (default 100), the `Tag.N` filter, `NextToken`, and a
/// resource list or a filter (research note 1).
pub struct ListTagResources {
    pub page_size: usize,
    pub filter: TagFilter,
    pub after: Option<String>,
    pub scope: TagScope,
}

impl FromParams for ListTagResources {
    fn from_params(p: &Params) -> Result<Self> {
        check_resource_type(p)?;
        let page_size = p.int_in("PageSize", 1, 100)?.unwrap_or(100) as usize;
        let filter = TagFilter::read(p)?;
        let after = position_param(p, "NextToken")?;
        let scope = match (ResourceRefs::read(p)?, filter.first()) {
            (Some(named), _) => TagScope::Named(named),
            (None, Some((key, value))) => TagScope::Tagged { key, value },
            (None, None) => return Err(missing_resources().into()),
        };
        Ok(Self { page_size, filter, after, scope })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResource {
    pub resource_id: String,
    pub resource_type: &'static str,
    pub tag_key: String,
    pub tag_value: String,
}

impl TagResource {
    pub fn user(id: String, tag_key: String, tag_value: String) -> Self {
        Self { resource_id: id, resource_type: "user", tag_key, tag_value }
    }
}

crate::wrapper!(TagResourceList, "TagResource", TagResource);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagPage {
    pub is_truncated: bool,
    /// Only while truncated (ram.md 7.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub tag_resources: TagResourceList,
}

// ---- login profiles (IMS API reference: Create/Get/Update/DeleteLoginProfile, ChangePassword) ----

/// Create/UpdateLoginProfile: the user by `UserPrincipalName`; `Password` required to create;
/// `Status` `Active` or `Inactive`.
pub struct ImsLoginProfileChange {
    pub user: UserRef,
    pub change: ProfileChange,
}

impl ImsLoginProfileChange {
    fn read(p: &Params, password_required: bool) -> Result<Self> {
        let upn = p.required("UserPrincipalName")?;
        let change = profile_change(p, password_required)?;
        let active = match p.optional("Status") {
            None => None,
            Some("Active") => Some(true),
            Some("Inactive") => Some(false),
            Some(_) => return Err(GatewayError::incorrect("Status").into()),
        };
        Ok(Self { user: UserRef::PrincipalName(upn.to_string()), change: ProfileChange { active, ..change } })
    }
}

pub struct CreateLoginProfile(pub ImsLoginProfileChange);

impl FromParams for CreateLoginProfile {
    fn from_params(p: &Params) -> Result<Self> {
        ImsLoginProfileChange::read(p, true).map(Self)
    }
}

pub struct UpdateLoginProfile(pub ImsLoginProfileChange);

impl FromParams for UpdateLoginProfile {
    fn from_params(p: &Params) -> Result<Self> {
        ImsLoginProfileChange::read(p, false).map(Self)
    }
}

/// Get/DeleteLoginProfile: the user by `UserPrincipalName`.
/// A user named by its required `UserPrincipalName` (login profiles, MFA).
pub struct LogonNamedUser {
    pub user: UserRef,
}

impl FromParams for LogonNamedUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user: UserRef::PrincipalName(p.required("UserPrincipalName")?.to_string()) })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfile {
    pub user_principal_name: String,
    pub password_reset_required: bool,
    #[serde(rename = "MFABindRequired")]
    pub mfa_bind_required: bool,
    pub status: &'static str,
    pub password_status: &'static str,
    pub update_date: Date,
}

impl LoginProfile {
    pub fn of(rec: &LoginProfileRecord, principal_name: String, password_status: PasswordStatus) -> Self {
        Self {
            user_principal_name: principal_name,
            password_reset_required: rec.password_reset_required,
            mfa_bind_required: rec.mfa_bind_required,
            status: if rec.active { "Active" } else { "Inactive" },
            password_status: match password_status {
                PasswordStatus::NotInitial => "NotInitial",
                PasswordStatus::InitialValid => "InitialValid",
                PasswordStatus::InitialExpired => "InitialExpired",
            },
            update_date: Date(rec.updated_ms),
        }
    }
}

/// Create/Get/UpdateLoginProfile: `{"LoginProfile": {...}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfileAnswer {
    pub login_profile: LoginProfile,
}

// ---- MFA devices (IMS API reference: BindMFADevice, GetUserMFAInfo, ListVirtualMFADevices) ----

/// BindMFADevice: `UserPrincipalName` and the device's serial number and codes.
pub struct BindMfaDevice {
    pub user: UserRef,
    pub codes: BindCodes,
}

impl FromParams for BindMfaDevice {
    fn from_params(p: &Params) -> Result<Self> {
        let user = UserRef::PrincipalName(p.required("UserPrincipalName")?.to_string());
        Ok(Self { user, codes: BindCodes::read(p)? })
    }
}

/// GetUserMFAInfo: `UserPrincipalName`, which a RAM user may leave out to ask about itself.
pub struct UserMfaQuery {
    pub user: Option<UserRef>,
}

impl FromParams for UserMfaQuery {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user: p.optional("UserPrincipalName").map(|u| UserRef::PrincipalName(u.to_string())) })
    }
}

/// GetUserMFAInfo: `IsMFAEnable` and, when a device is bound, `MFADevice`.
#[derive(Debug, Serialize)]
pub struct UserMfaInfo {
    #[serde(rename = "IsMFAEnable")]
    pub is_mfa_enable: bool,
    #[serde(rename = "MFADevice", skip_serializing_if = "Option::is_none")]
    pub device: Option<MfaDevice>,
}

/// GetAccountMFAInfo.
#[derive(Debug, Serialize)]
pub struct AccountMfaInfo {
    #[serde(rename = "IsMFAEnable")]
    pub is_mfa_enable: bool,
}

/// `Marker` and `MaxItems` 1 to 100, default 100: ListVirtualMFADevices, ListGroups,
/// ListUsersForGroup (IMS API reference, SDK models).
pub struct ImsPaging(pub MarkerPage);

impl FromParams for ImsPaging {
    fn from_params(p: &Params) -> Result<Self> {
        let max = p.int_in("MaxItems", 1, 100)?.unwrap_or(100) as usize;
        Ok(Self(MarkerPage { max, after: position_param(p, "Marker")? }))
    }
}

/// The bound user of a listed device; `{}` for an unbound one (API reference example).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activate_date: Option<Date>,
    pub user: DeviceUser,
}

impl VirtualMfaDevice {
    pub fn of(account: &str, rec: &MfaDeviceRecord, user: Option<&UserRecord>, domain: &str) -> Self {
        let user = user.map_or_else(DeviceUser::default, |u| DeviceUser {
            user_id: Some(u.id.clone()),
            user_principal_name: Some(u.principal_name(domain)),
            display_name: u.display_name.clone(),
        });
        Self { serial_number: mfa::serial_number(account, &rec.name), activate_date: rec.activated_ms.map(Date), user }
    }
}

crate::wrapper!(VirtualMfaDevices, "VirtualMFADevice", VirtualMfaDevice);

marker_page!(VirtualMfaDevicePage, devices: VirtualMfaDevices as "VirtualMFADevices");

// ---- groups (IMS API reference: CreateGroup, ..., ListUsersForGroup; the same groups as RAM's) ----

/// A group named by `GroupName` (the user-name rule, as in RAM).
pub struct GroupName(pub String);

impl FromParams for GroupName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(user_name(p, "GroupName")?))
    }
}

/// CreateGroup: `GroupName`, `DisplayName` (up to 24 characters), `Comments` (128).
pub struct CreateGroup(pub NewGroup);

impl FromParams for CreateGroup {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(NewGroup {
            name: user_name(p, "GroupName")?,
            display_name: opt_text(p, "DisplayName", DISPLAY_NAME_MAX)?,
            comments: opt_text(p, "Comments", COMMENTS_MAX)?,
        }))
    }
}

/// UpdateGroup: the fields given replace the group's.
pub struct GroupChanges {
    pub new_group_name: Option<String>,
    pub new_display_name: Option<String>,
    pub new_comments: Option<String>,
}

impl FromParams for GroupChanges {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            new_group_name: opt_user_name(p, "NewGroupName")?,
            new_display_name: opt_text(p, "NewDisplayName", DISPLAY_NAME_MAX)?,
            new_comments: opt_text(p, "NewComments", COMMENTS_MAX)?,
        })
    }
}

pub type UpdateGroup = Named<GroupName, GroupChanges>;
/// AddUserToGroup, RemoveUserFromGroup: the group, then the user.
pub type Membership = Named<GroupName, LogonNamedUser>;
pub type ListUsersForGroup = Named<GroupName, ImsPaging>;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub group_id: String,
    pub group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub create_date: Date,
    pub update_date: Date,
}

impl Group {
    pub fn of(g: &GroupRecord) -> Self {
        Self {
            group_id: g.id.clone(),
            group_name: g.name.clone(),
            display_name: g.display_name.clone(),
            comments: g.comments.clone(),
            create_date: Date(g.created_ms),
            update_date: Date(g.updated_ms),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupAnswer {
    pub group: Group,
}

crate::wrapper!(Groups, "Group", Group);

marker_page!(GroupPage, groups: Groups);

/// A group of ListGroupsForUser, with when the user joined it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JoinedGroup {
    pub group_id: String,
    pub group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub join_date: Date,
}

impl JoinedGroup {
    pub fn of(g: &GroupRecord, joined_ms: i64) -> Self {
        Self {
            group_id: g.id.clone(),
            group_name: g.name.clone(),
            display_name: g.display_name.clone(),
            comments: g.comments.clone(),
            join_date: Date(joined_ms),
        }
    }
}

crate::wrapper!(JoinedGroups, "Group", JoinedGroup);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JoinedGroupList {
    pub groups: JoinedGroups,
}

/// A user of ListUsersForGroup, by logon name, with when it joined the group.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupMember {
    pub user_id: String,
    pub user_principal_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub join_date: Date,
}

impl GroupMember {
    pub fn of(m: &Member, domain: &str) -> Self {
        Self {
            user_id: m.user.id.clone(),
            user_principal_name: m.user.principal_name(domain),
            display_name: m.user.display_name.clone(),
            join_date: Date(m.joined),
        }
    }
}

crate::wrapper!(GroupMembers, "User", GroupMember);

marker_page!(MemberPage, users: GroupMembers);

// ---- OIDC providers (IMS API reference and SDK model: CreateOIDCProvider, ...) ----

/// OIDCProviderName, SAMLProviderName: up to 128 letters, digits and `.`, `-`, `_`, not
/// starting or ending with one of those three.
fn provider_name_in(p: &Params, param: &str) -> Result<String> {
    let name = p.required(param)?;
    if name.chars().count() > 128 {
        return Err(GatewayError::invalid_length(param).into());
    }
    let special = |c: char| matches!(c, '.' | '-' | '_');
    let ok = name.chars().all(|c| c.is_ascii_alphanumeric() || special(c)) && !name.starts_with(special) && !name.ends_with(special);
    if !ok {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(name.to_string())
}

fn provider_name(p: &Params) -> Result<String> {
    provider_name_in(p, "OIDCProviderName")
}

/// IssuerUrl: `https://...` without `?`, `@` or `#`, up to 255 characters. localyun also takes
/// `http://` on a loopback host, so that tests can run their own issuer (issue 14).
fn issuer_url(p: &Params) -> Result<String> {
    const PARAM: &str = "IssuerUrl";
    let url = p.required(PARAM)?;
    if url.chars().count() > 255 {
        return Err(GatewayError::invalid_length(PARAM).into());
    }
    let loopback_http = url.strip_prefix("http://").is_some_and(|rest| {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        matches!(host, "127.0.0.1" | "localhost")
    });
    let https = url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty());
    if !(https || loopback_http) || url.contains(['?', '@', '#']) {
        return Err(GatewayError::incorrect(PARAM).into());
    }
    Ok(url.to_string())
}

/// A comma-separated list (ClientIds, Fingerprints), each item checked by `item`, at most `max`.
fn comma_list(p: &Params, param: &str, max: usize, item: fn(&str, &str) -> Result<()>) -> Result<Option<Vec<String>>> {
    let Some(text) = p.optional(param) else { return Ok(None) };
    let mut out: Vec<String> = Vec::new();
    for v in text.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        item(param, v)?;
        if !out.iter().any(|x| x == v) {
            out.push(v.to_string());
        }
    }
    if out.len() > max {
        return Err(RamError::OidcListLimit { name: param.to_string() }.into());
    }
    Ok(Some(out))
}

/// A client ID: up to 128 characters, letters, digits and `.`, `-`, `_`, `:`, `/`, not
/// starting with one of those.
fn client_id(param: &str, v: &str) -> Result<()> {
    let special = |c: char| matches!(c, '.' | '-' | '_' | ':' | '/');
    if v.chars().count() > 128 {
        return Err(GatewayError::invalid_length(param).into());
    }
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || special(c)) || v.starts_with(special) {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(())
}

/// A fingerprint: up to 128 letters and digits.
fn fingerprint(param: &str, v: &str) -> Result<()> {
    if v.chars().count() > 128 {
        return Err(GatewayError::invalid_length(param).into());
    }
    if !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(())
}

/// IssuanceLimitTime: hours, 1 to 168.
fn issuance_limit(p: &Params) -> Result<Option<u32>> {
    Ok(p.int_in("IssuanceLimitTime", 1, 168)?.map(|h| h as u32))
}

/// IssuanceLimitTime when CreateOIDCProvider gives none (hours; the console's default).
pub const DEFAULT_ISSUANCE_LIMIT_HOURS: u32 = 12;

pub struct CreateOidcProvider(pub OidcProviderRecord);

impl FromParams for CreateOidcProvider {
    fn from_params(p: &Params) -> Result<Self> {
        let name = provider_name(p)?;
        let issuer_url = issuer_url(p)?;
        Ok(Self(OidcProviderRecord {
            name,
            issuer_url,
            client_ids: comma_list(p, "ClientIds", MAX_CLIENT_IDS, client_id)?.unwrap_or_default(),
            fingerprints: comma_list(p, "Fingerprints", MAX_FINGERPRINTS, fingerprint)?.unwrap_or_default(),
            description: opt_text(p, "Description", 256)?,
            issuance_limit_hours: issuance_limit(p)?.unwrap_or(DEFAULT_ISSUANCE_LIMIT_HOURS),
            created_ms: 0,
            updated_ms: 0,
        }))
    }
}

/// Get/DeleteOIDCProvider: `OIDCProviderName`.
pub struct ProviderName(pub String);

impl FromParams for ProviderName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(provider_name(p)?))
    }
}

/// UpdateOIDCProvider: a new description, client-ID list or issuance limit.
pub struct OidcProviderChanges {
    pub new_description: Option<String>,
    pub client_ids: Option<Vec<String>>,
    pub issuance_limit_hours: Option<u32>,
}

impl FromParams for OidcProviderChanges {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            new_description: opt_text(p, "NewDescription", 256)?,
            client_ids: comma_list(p, "ClientIds", MAX_CLIENT_IDS, client_id)?,
            issuance_limit_hours: issuance_limit(p)?,
        })
    }
}

pub type UpdateOidcProvider = Named<ProviderName, OidcProviderChanges>;

/// Add/RemoveClientIdToOIDCProvider's `ClientId`, Add/RemoveFingerprint...'s `Fingerprint`.
pub struct ListItem(pub String);

pub struct ClientIdParam(pub ListItem);

impl FromParams for ClientIdParam {
    fn from_params(p: &Params) -> Result<Self> {
        let v = p.required("ClientId")?;
        client_id("ClientId", v)?;
        Ok(Self(ListItem(v.to_string())))
    }
}

pub struct FingerprintParam(pub ListItem);

impl FromParams for FingerprintParam {
    fn from_params(p: &Params) -> Result<Self> {
        let v = p.required("Fingerprint")?;
        fingerprint("Fingerprint", v)?;
        Ok(Self(ListItem(v.to_string())))
    }
}

pub type ClientIdChange = Named<ProviderName, ClientIdParam>;
pub type FingerprintChange = Named<ProviderName, FingerprintParam>;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OidcProvider {
    #[serde(rename = "OIDCProviderName")]
    pub name: String,
    pub arn: String,
    pub issuer_url: String,
    pub client_ids: String,
    pub fingerprints: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub issuance_limit_time: u32,
    pub create_date: Date,
    pub update_date: Date,
    /// Milliseconds, as text (the SDK model's type).
    pub gmt_create: String,
    pub gmt_modified: String,
}

impl OidcProvider {
    pub fn of(p: &OidcProviderRecord, account: &str) -> Self {
        Self {
            name: p.name.clone(),
            arn: p.arn(account),
            issuer_url: p.issuer_url.clone(),
            client_ids: p.client_ids.join(","),
            fingerprints: p.fingerprints.join(","),
            description: p.description.clone(),
            issuance_limit_time: p.issuance_limit_hours,
            create_date: Date(p.created_ms),
            update_date: Date(p.updated_ms),
            gmt_create: p.created_ms.to_string(),
            gmt_modified: p.updated_ms.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct OidcProviderAnswer {
    #[serde(rename = "OIDCProvider")]
    pub provider: OidcProvider,
}

crate::wrapper!(OidcProviders, "OIDCProvider", OidcProvider);

marker_page!(OidcProviderPage, providers: OidcProviders as "OIDCProviders");

// ---- SAML providers (IMS API reference and SDK model: CreateSAMLProvider, ...) ----

fn saml_provider_name(p: &Params) -> Result<String> {
    provider_name_in(p, "SAMLProviderName")
}

/// AuthnSignAlgo: `rsa-sha1` (default) or `rsa-sha256`.
fn authn_sign_algo(p: &Params) -> Result<Option<String>> {
    match p.optional("AuthnSignAlgo") {
        None => Ok(None),
        Some(v @ ("rsa-sha1" | "rsa-sha256")) => Ok(Some(v.to_string())),
        Some(_) => Err(GatewayError::incorrect("AuthnSignAlgo").into()),
    }
}

pub struct CreateSamlProvider(pub SamlProviderRecord);

impl FromParams for CreateSamlProvider {
    fn from_params(p: &Params) -> Result<Self> {
        let name = saml_provider_name(p)?;
        const DOC: &str = "EncodedSAMLMetadataDocument";
        let document = p.required(DOC)?;
        let meta = localyun_core::saml::parse_metadata(DOC, document)?;
        Ok(Self(SamlProviderRecord {
            name,
            metadata_document: document.to_string(),
            entity_id: meta.entity_id,
            certificates: meta.certificates,
            description: opt_text(p, "Description", 256)?,
            authn_sign_algo: authn_sign_algo(p)?.unwrap_or_else(|| "rsa-sha1".to_string()),
            created_ms: 0,
            updated_ms: 0,
        }))
    }
}

pub struct SamlProviderName(pub String);

impl FromParams for SamlProviderName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(saml_provider_name(p)?))
    }
}

/// UpdateSAMLProvider: a new metadata document, description or algorithm.
pub struct SamlProviderChanges {
    pub document: Option<(String, localyun_core::saml::Metadata)>,
    pub new_description: Option<String>,
    pub authn_sign_algo: Option<String>,
}

impl FromParams for SamlProviderChanges {
    fn from_params(p: &Params) -> Result<Self> {
        const DOC: &str = "NewEncodedSAMLMetadataDocument";
        let document = match p.optional(DOC) {
            Some(d) => Some((d.to_string(), localyun_core::saml::parse_metadata(DOC, d)?)),
            None => None,
        };
        Ok(Self { document, new_description: opt_text(p, "NewDescription", 256)?, authn_sign_algo: authn_sign_algo(p)? })
    }
}

pub type UpdateSamlProvider = Named<SamlProviderName, SamlProviderChanges>;

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SamlProvider {
    #[serde(rename = "SAMLProviderName")]
    pub name: String,
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub authn_sign_algo: String,
    pub create_date: Date,
    pub update_date: Date,
    /// GetSAMLProvider only (SDK models).
    #[serde(rename = "EncodedSAMLMetadataDocument", skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

impl SamlProvider {
    pub fn of(p: &SamlProviderRecord, account: &str, with_document: bool) -> Self {
        Self {
            name: p.name.clone(),
            arn: p.arn(account),
            description: p.description.clone(),
            authn_sign_algo: p.authn_sign_algo.clone(),
            create_date: Date(p.created_ms),
            update_date: Date(p.updated_ms),
            document: with_document.then(|| p.metadata_document.clone()),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SamlProviderAnswer {
    #[serde(rename = "SAMLProvider")]
    pub provider: SamlProvider,
}

crate::wrapper!(SamlProviders, "SAMLProvider", SamlProvider);

marker_page!(SamlProviderPage, providers: SamlProviders as "SAMLProviders");

// ---- user-based SSO (IMS Get/SetUserSsoSettings) ----

/// SetUserSsoSettings: the settings given change; a metadata document must be valid SAML
/// metadata, and SSO can be enabled only with one.
pub struct SetUserSsoSettings {
    pub sso_enabled: Option<bool>,
    pub metadata_document: Option<String>,
    pub auxiliary_domain: Option<String>,
    pub sso_login_with_domain: Option<bool>,
    pub authn_sign_algo: Option<String>,
}

impl FromParams for SetUserSsoSettings {
    fn from_params(p: &Params) -> Result<Self> {
        let metadata_document = match p.optional("MetadataDocument") {
            Some(d) => {
                localyun_core::saml::parse_metadata("MetadataDocument", d)?;
                Some(d.to_string())
            }
            None => None,
        };
        let auxiliary_domain = match p.optional("AuxiliaryDomain") {
            Some(d) if d.len() <= 255 && d.contains('.') && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') => {
                Some(d.to_ascii_lowercase())
            }
            Some(_) => return Err(GatewayError::incorrect("AuxiliaryDomain").into()),
            None => None,
        };
        Ok(Self {
            sso_enabled: p.bool("SsoEnabled")?,
            metadata_document,
            auxiliary_domain,
            sso_login_with_domain: p.bool("SsoLoginWithDomain")?,
            authn_sign_algo: authn_sign_algo(p)?,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSsoSettingsView {
    pub sso_enabled: bool,
    pub metadata_document: String,
    pub auxiliary_domain: String,
    pub sso_login_with_domain: bool,
    pub authn_sign_algo: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSsoSettingsAnswer {
    pub user_sso_settings: UserSsoSettingsView,
}

impl From<&UserSsoSettings> for UserSsoSettingsAnswer {
    fn from(s: &UserSsoSettings) -> Self {
        Self {
            user_sso_settings: UserSsoSettingsView {
                sso_enabled: s.sso_enabled,
                metadata_document: s.metadata_document.clone(),
                auxiliary_domain: s.auxiliary_domain.clone(),
                sso_login_with_domain: s.sso_login_with_domain,
                authn_sign_algo: s.authn_sign_algo.clone(),
            },
        }
    }
}

// ---- the recycle bin (IMS API reference: ListUsersInRecycleBin, ...) ----

/// A user in the recycle bin, named by `UserId`.
pub struct RecycledUserId(pub String);

impl FromParams for RecycledUserId {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.required("UserId")?.to_string()))
    }
}

/// GetUserInRecycleBin: exactly one of `UserId` and `UserAccessKeyId` (API reference).
pub enum RecycledUserRef {
    Id(String),
    AccessKey(String),
}

impl FromParams for RecycledUserRef {
    fn from_params(p: &Params) -> Result<Self> {
        match (p.optional("UserId"), p.optional("UserAccessKeyId")) {
            (Some(_), Some(_)) => Err(GatewayError::invalid("UserId", "Specify only one of UserId and UserAccessKeyId.").into()),
            (Some(id), None) => Ok(Self::Id(id.to_string())),
            (None, Some(k)) => Ok(Self::AccessKey(k.to_string())),
            (None, None) => Err(GatewayError::missing("UserId").into()),
        }
    }
}

/// A kept key: `UserId` and `UserAccessKeyId`.
pub struct RecycledKey {
    pub user_id: String,
    pub key_id: String,
}

impl FromParams for RecycledKey {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user_id: p.required("UserId")?.to_string(), key_id: p.required("UserAccessKeyId")?.to_string() })
    }
}

/// GetAccessKeyInfoInRecycleBin: `UserAccessKeyId`.
pub struct RecycledKeyId(pub String);

impl FromParams for RecycledKeyId {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.required("UserAccessKeyId")?.to_string()))
    }
}

/// ListUsersInRecycleBin: `Filter` (`UserPrincipalName eq <name>@<domain>`) and IMS paging.
pub struct RecycleBinListing {
    pub principal_name: Option<String>,
    pub page: MarkerPage,
}

impl FromParams for RecycleBinListing {
    fn from_params(p: &Params) -> Result<Self> {
        let principal_name = match p.optional("Filter") {
            None => None,
            Some(f) => {
                let name = f.trim().strip_prefix("UserPrincipalName eq ").map(str::trim).filter(|n| n.contains('@'));
                Some(name.ok_or_else(|| localyun_core::ApiError::from(GatewayError::incorrect("Filter")))?.to_string())
            }
        };
        Ok(Self { principal_name, page: ImsPaging::from_params(p)?.0 })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecycledUser {
    pub user_id: String,
    pub user_principal_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub create_date: Date,
    pub recycle_date: Date,
    pub delete_date: Date,
}

impl RecycledUser {
    pub fn of(r: &Recycled<UserRecord>, domain: &str) -> Self {
        Self {
            user_id: r.item.id.clone(),
            user_principal_name: r.item.principal_name(domain),
            display_name: r.item.display_name.clone(),
            create_date: Date(r.item.created_ms),
            recycle_date: Date(r.recycled_ms),
            delete_date: Date(r.delete_ms),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecycledUserAnswer {
    pub user: RecycledUser,
}

crate::wrapper!(RecycledUsers, "User", RecycledUser);

marker_page!(RecycledUserPage, users: RecycledUsers);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecycledAccessKey {
    pub access_key_id: String,
    pub create_date: Date,
    pub recycle_date: Date,
    pub delete_date: Date,
    /// GetAccessKeyInfoInRecycleBin only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_recycled: Option<bool>,
}

impl RecycledAccessKey {
    pub fn of(r: &Recycled<crate::identity::access_keys::AccessKeyRecord>) -> Self {
        Self {
            access_key_id: r.item.id.clone(),
            create_date: Date(r.item.created_ms),
            recycle_date: Date(r.recycled_ms),
            delete_date: Date(r.delete_ms),
            user_id: None,
            user_principal_name: None,
            user_recycled: None,
        }
    }
}

crate::wrapper!(RecycledAccessKeys, "AccessKey", RecycledAccessKey);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecycledAccessKeyList {
    pub access_keys: RecycledAccessKeys,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecycledAccessKeyAnswer {
    pub access_key: RecycledAccessKey,
}

// ---- service credentials (IMS API reference and SDK model: CreateServiceCredential, ...) ----

/// `UserPrincipalName`, which a RAM user may leave out to act on itself.
pub struct OptionalUser(pub Option<UserRef>);

impl FromParams for OptionalUser {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.optional("UserPrincipalName").map(|u| UserRef::PrincipalName(u.to_string()))))
    }
}

/// ServiceCredentialName: 1 to 128 letters, digits, `.`, `-` and `_`.
fn credential_name(p: &Params, param: &str, required: bool) -> Result<Option<String>> {
    let v = if required { Some(p.required(param)?) } else { p.optional(param) };
    let Some(v) = v else { return Ok(None) };
    if v.chars().count() > 128 {
        return Err(GatewayError::invalid_length(param).into());
    }
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(Some(v.to_string()))
}

pub struct CreateServiceCredential {
    pub user: OptionalUser,
    pub name: String,
    pub service: String,
    pub age_days: Option<i64>,
}

impl FromParams for CreateServiceCredential {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            user: OptionalUser::from_params(p)?,
            name: credential_name(p, "ServiceCredentialName", true)?.unwrap_or_default(),
            service: p.required("ServiceName")?.to_string(),
            age_days: p.int_in("CredentialAgeDays", 1, 36_600)?,
        })
    }
}

/// Get/DeleteServiceCredential: the user and `ServiceCredentialId`.
pub struct NamedServiceCredential {
    pub user: OptionalUser,
    pub id: String,
}

impl FromParams for NamedServiceCredential {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { user: OptionalUser::from_params(p)?, id: p.required("ServiceCredentialId")?.to_string() })
    }
}

/// UpdateServiceCredential: a new name and/or `Status` (`Active`, `Inactive`).
pub struct UpdateServiceCredential {
    pub target: NamedServiceCredential,
    pub name: Option<String>,
    pub active: Option<bool>,
}

impl FromParams for UpdateServiceCredential {
    fn from_params(p: &Params) -> Result<Self> {
        let active = match p.optional("Status") {
            None => None,
            Some("Active") => Some(true),
            Some("Inactive") => Some(false),
            Some(_) => return Err(GatewayError::incorrect("Status").into()),
        };
        Ok(Self { target: NamedServiceCredential::from_params(p)?, name: credential_name(p, "ServiceCredentialName", false)?, active })
    }
}

/// ListServiceCredentials: the user's (or, with `AllUsers`, every user's), of one service if
/// named, `MaxResults` 1 to 100 (default 10) after `NextToken`.
pub struct ListServiceCredentials {
    pub user: OptionalUser,
    pub all_users: bool,
    pub service: Option<String>,
    pub max: usize,
    pub after: Option<String>,
}

impl FromParams for ListServiceCredentials {
    fn from_params(p: &Params) -> Result<Self> {
        let user = OptionalUser::from_params(p)?;
        let all_users = p.bool("AllUsers")?.unwrap_or(false);
        if all_users && user.0.is_some() {
            return Err(GatewayError::invalid("AllUsers", "AllUsers and UserPrincipalName cannot be given together.").into());
        }
        Ok(Self {
            user,
            all_users,
            service: p.optional("ServiceName").map(str::to_string),
            max: p.int_in("MaxResults", 1, 100)?.unwrap_or(10) as usize,
            after: position_param(p, "NextToken")?,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceCredential {
    pub service_credential_id: String,
    pub service_credential_name: String,
    pub service_name: String,
    pub user_principal_name: String,
    pub status: &'static str,
    pub create_time: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<Date>,
    /// CreateServiceCredential only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_credential_secret: Option<String>,
}

impl ServiceCredential {
    pub fn of(c: &ServiceCredentialRecord, upn: String, now: i64, with_secret: bool) -> Self {
        Self {
            service_credential_id: c.id.clone(),
            service_credential_name: c.name.clone(),
            service_name: c.service.clone(),
            user_principal_name: upn,
            status: c.status(now),
            create_time: Date(c.created_ms),
            expiration_time: c.expires_ms.map(Date),
            service_credential_secret: with_secret.then(|| c.secret.expose().to_string()),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceCredentialAnswer {
    pub service_credential: ServiceCredential,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceCredentialPage {
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub max_results: usize,
    pub service_credentials: Vec<ServiceCredential>,
}
