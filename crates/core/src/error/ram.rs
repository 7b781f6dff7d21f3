//! RAM 2015-05-01 and IMS 2019-08-15 business codes (ram.md 5.3). The two APIs share one
//! identity model, so they share its codes; the identity domain returns these.

crate::error_codes! {
    pub enum RamError {
        UserNotFound => 404, "EntityNotExist.User", "The user does not exist.";
        UserExists => 409, "EntityAlreadyExists.User", "The user does already EXIST.";
        UserLimit => 409, "LimitExceeded.User", "The count of users beyond the current limits.";
        UserInGroup => 409, "DeleteConflict.User.Group", "The user CAN NOT be in any group while deleting the user.";
        UserHasPolicy => 409, "DeleteConflict.User.Policy", "The user CAN NOT has any attached policy while deleting the user.";
        UserHasAccessKey => 409, "DeleteConflict.User.AccessKey", "The user CAN NOT has any access key while deleting the user.";
        /// IMS names users by logon name: its domain must be the account's (ram.md 7).
        WrongDomain { name: String, domain: String } => 400, "InvalidParameter.{name}.Domain",
            "The domain of the parameter - \"{name}\" must be the default domain {domain} of the account.";

        /// SetAccountAlias while the alias is another account's, or while the account has a
        /// different one ("Set a new account alias after deleting existing account aliases by
        /// using ClearAccountAlias": RAM error center, AlibabaCloudDocs/ram "Error messages").
        AliasTaken => 409, "EntityAlreadyExists.AccountAlias", "The account alias does already exist.";
        /// The error center's words, also for the length: it says 3 to 63 where the API reference
        /// says 32; the service's own message decides (ram.md 6.7 noted both).
        AliasFormat => 400, "InvalidParameter.AccountAlias.Format", "The format of parameter - \"AccountAlias\" is incorrect.";
        AliasLength => 400, "InvalidParameter.AccountAlias.Length", "The parameter - \"AccountAlias\" MUST be in the range of 3 and 63.";

        /// Password policy settings (RAM error center for MinimumPasswordLength; the same
        /// pattern for the other integer settings).
        OutOfRange { name: String, min: u32, max: u32 } => 400, "InvalidParameter.{name}.Range",
            "The parameter - \"{name}\" MUST be in the range of {min} and {max}.";
        /// A password the account's policy refuses (RAM error center: `Password`).
        PasswordTooWeak { name: String } => 400, "InvalidParameter.{name}.TooWeak",
            "The parameter - \"{name}\" is not compliant with the password policy.";

        LoginProfileNotFound => 404, "EntityNotExist.User.LoginProfile", "The user login profile does not exist.";
        LoginProfileExists => 409, "EntityAlreadyExists.User.LoginProfile", "The user login profile does already EXIST.";
        UserHasLoginProfile => 409, "DeleteConflict.User.LoginProfile", "The user CAN NOT has any login profile while deleting the user.";
        /// ChangePassword (RAM API reference).
        OldPasswordIncorrect => 400, "InvalidParameter.OldPassword.Incorrect", "The parameter - \"OldPassword\" is incorrect.";
        PasswordReused { name: String } => 400, "InvalidParameter.{name}.ReusePrevention",
            "The parameter - \"{name}\" is not compliant with the reuse prevention password policy.";
        NotSubUser => 400, "NotSupport.Account", "This method can be only invoked by sub user.";

        /// Virtual MFA devices (RAM error center; messages as it gives them).
        MfaNameChars => 400, "InvalidParameter.VirtualMFADeviceName.InvalidChars",
            "The parameter - \"VirtualMFADeviceName\" contains invalid chars.";
        MfaNameLength => 400, "InvalidParameter.VirtualMFADeviceName.Length",
            "The parameter - \"VirtualMFADeviceName\" beyond the length limit.";
        AuthenticationCodeFormat => 400, "InvalidParameter.AuthenticationCode.Format",
            "The parameter - \"AuthenticationCode\" MUST be 6 numbers.";
        /// Codes that are not two consecutive codes of the device's key (the error center's
        /// spelling of "incorrect" kept).
        AuthenticationCodeWrong => 403, "CheckAuthenticationCodeFail", "The parameter - \"AuthenticationCode\" is inccorrect.";
        MfaDeviceNotFound => 404, "EntityNotExist.VirtualMFADevice", "The virtual mfa device does not exist.";
        UserHasNoMfa => 404, "EntityNotExist.User.MFADevice", "The user has not bound any MFA device.";
        MfaDeviceExists => 409, "EntityAlreadyExists.VirtualMFADevice", "The virtual mfa device does already EXIST.";
        UserMfaExists => 409, "EntityAlreadyExists.User.MFADevice", "The user has already bound a MFA device.";
        MfaDeviceBound => 409, "EntityAlreadyExists.VirtualMFADevice.User", "The virtual mfa device does already been bound to a user.";
        UserHasMfa => 409, "DeleteConflict.User.MFADevice", "The user CAN NOT has any mfa device while deleting the user.";
        MfaDeviceInUse => 409, "DeleteConflict.VirtualMFADevice.User",
            "The virtual mfa device CAN NOT been bound to any user while deleting it.";
        MfaLimit => 409, "LimitExceeded.VirtualMFADevice", "The count of virtual mfa devices beyond the current limits.";

        /// OIDC identity providers (IMS; the RAM error center lists no code for them, these follow
        /// its Entity* pattern).
        OidcProviderNotFound => 404, "EntityNotExist.OIDCProvider", "The OIDC provider does not exist.";
        OidcProviderExists => 409, "EntityAlreadyExists.OIDCProvider", "The OIDC provider does already EXIST.";
        ClientIdExists => 409, "EntityAlreadyExists.OIDCProvider.ClientId", "The client ID does already EXIST.";
        ClientIdNotFound => 404, "EntityNotExist.OIDCProvider.ClientId", "The client ID does not exist.";
        FingerprintExists => 409, "EntityAlreadyExists.OIDCProvider.Fingerprint", "The fingerprint does already EXIST.";
        FingerprintNotFound => 404, "EntityNotExist.OIDCProvider.Fingerprint", "The fingerprint does not exist.";
        OidcListLimit { name: String } => 409, "LimitExceeded.OIDCProvider.{name}", "The count of {name} beyond the current limits.";

        SamlProviderNotFound => 404, "EntityNotExist.SAMLProvider", "The SAML provider does not exist.";
        SamlProviderExists => 409, "EntityAlreadyExists.SAMLProvider", "The SAML provider does already EXIST.";

        CredentialReportNotFound => 404, "EntityNotExist.CredentialReport", "The credential report does not exist.";

        /// Service credentials (no codes documented; RAM's Entity*/LimitExceeded.* pattern).
        ServiceCredentialNotFound => 404, "EntityNotExist.ServiceCredential", "The service credential does not exist.";
        ServiceCredentialLimit => 409, "LimitExceeded.ServiceCredential", "The count of service credentials beyond the current limits.";

        /// The command line's account (import-key-pair) does not exist in the store.
        AccountNotFound { id: String } => 404, "EntityNotExist.Account", "The account {id} does not exist.";

        AccessKeyOfUserNotFound => 404, "EntityNotExist.User.AccessKey", "The user access key does not exist.";
        AccessKeyLimit => 409, "LimitExceeded.User.AccessKey", "The access key count of the user access keys beyond the current limits.";
        /// Start-up: the configured default key already belongs to another identity.
        AccessKeyTaken { id: String } => 409, "EntityAlreadyExists.AccessKey", "AccessKey {id} already belongs to another identity";

        GroupNotFound => 404, "EntityNotExist.Group", "The group does not exist.";
        GroupExists => 409, "EntityAlreadyExists.Group", "The group does already EXIST.";
        GroupLimit => 409, "LimitExceeded.Group", "The count of groups beyond the current limits.";
        GroupHasUser => 409, "DeleteConflict.Group.User", "The group CAN NOT has any user member while deleting the group.";
        GroupHasPolicy => 409, "DeleteConflict.Group.Policy", "The group CAN NOT has any attached policy while deleting the group.";
        AlreadyInGroup => 409, "EntityAlreadyExists.User.Group", "The user has already joined the group.";
        GroupsOfUserLimit => 409, "LimitExceeded.User.Group", "The count of groups the target user joined beyond the current limits.";
        NotInGroup => 404, "EntityNotExist.User.Group", "The user has not joined the group.";

        RoleNotFound => 404, "EntityNotExist.Role", "The role does not exist.";
        RoleExists => 409, "EntityAlreadyExists.Role", "The role does already EXIST.";
        RoleLimit => 409, "LimitExceeded.Role", "The count of roles beyond the current limits.";
        RoleHasPolicy => 409, "DeleteConflict.Role.Policy", "The role CAN NOT has any attached policy while deleting the role.";
        MaxSessionDuration { name: String } => 400, "InvalidParameter.MaxSessionDuration",
            "The parameter - \"{name}\" must be from 3600 to 43200.";

        PolicyNotFound => 404, "EntityNotExist.Policy", "The policy does not exist.";
        PolicyExists => 409, "EntityAlreadyExists.Policy", "The policy does already EXIST.";
        PolicyLimit => 409, "LimitExceeded.Policy", "The count of policy beyond the current limits.";
        /// `entity` is `User`, `Group` or `Role`; `what` its lower-case name.
        PolicyAttached { entity: &'static str, what: &'static str } => 409, "DeleteConflict.Policy.{entity}",
            "The policy CAN NOT be attached to any {what} while deleting the policy.";
        PolicyHasVersions => 409, "DeleteConflict.Policy.Version",
            "The policy CAN NOT has any non-default version while deleting the policy.";
        PolicyVersionLimit => 409, "LimitExceeded.Policy.Version", "The count of policy version beyond the current limits.";
        PolicyVersionNotFound => 404, "EntityNotExist.Policy.Version", "The policy version does not exist.";
        DefaultVersionDelete => 409, "DeleteConflict.Policy.Version.Default", "The default policy version CAN NOT been deleted directly.";
        VersionIdFormat => 400, "InvalidParameter.VersionId.Format", "The parameter - \"VersionId\" format is incorrect.";
        /// A policy document that fails the grammar (policy.md 9).
        MalformedPolicy { why: String } => 400, "MalformedPolicyDocument", "{why}";
        /// `entity` is `User`, `Group` or `Role`; `what` its lower-case name.
        AlreadyAttached { entity: &'static str, what: &'static str } => 409, "EntityAlreadyExists.{entity}.Policy",
            "The {what} has already been attached this policy.";
        AttachmentLimit { entity: &'static str, what: &'static str } => 409, "LimitExceeded.{entity}.Policy",
            "The policy count of the {what} attached policies beyond the current limits.";
        NotAttached { entity: &'static str, what: &'static str } => 404, "EntityNotExist.{entity}.Policy",
            "The policy is not attached to the {what}.";

        /// RAM's JSON tag lists and IMS's repeat lists word tag errors differently (SDK models).
        TagKeyInvalid { why: String } => 400, "InvalidParameter.TagKey", "The tag key is invalid: {why}.";
        TagValueInvalid { why: String } => 400, "InvalidParameter.TagValue", "The tag value is invalid: {why}.";
        ImsTagKeyInvalid { why: String } => 400, "InvalidParameter.TagKey", "The Tag.N.Key parameter is invalid: {why}.";
        ImsTagValueInvalid { why: String } => 400, "InvalidParameter.TagValue", "The Tag.N.Value parameter is invalid: {why}.";
        TagLimit { max: usize } => 400, "QuotaExceeded.TagNum", "The number of tags of the resource is exceeded. The maximum is {max}.";
        /// `valid` lists the resource types the service tags.
        ResourceType { valid: &'static str } => 400, "InvalidParameter.ResourceType",
            "The parameter - \"ResourceType\" is incorrect. {valid}";

        DiagnosticMessage => 400, "InvalidParameter.EncodedDiagnosticMessage",
            "The parameter - \"EncodedDiagnosticMessage\" is incorrect.";
    }
}

/// A policy document that fails the grammar is `MalformedPolicyDocument` (policy.md 9).
impl From<crate::policy::document::PolicyError> for RamError {
    fn from(e: crate::policy::document::PolicyError) -> Self {
        Self::MalformedPolicy { why: e.0 }
    }
}

impl RamError {
    /// A tag rule broken, as RAM 2015-05-01 words it for its JSON tag lists.
    pub fn ram_tag(e: crate::tags::TagError) -> Self {
        Self::tag(e, |why| Self::TagKeyInvalid { why }, |why| Self::TagValueInvalid { why })
    }

    /// A tag rule broken, as IMS words it for its `Tag.N.Key` lists. IMS documents no codes for
    /// tag-rule violations (ram.md 7.2); these follow the Tag service's conventions that sibling
    /// products answer with.
    pub fn ims_tag(e: crate::tags::TagError) -> Self {
        Self::tag(e, |why| Self::ImsTagKeyInvalid { why }, |why| Self::ImsTagValueInvalid { why })
    }

    fn tag(e: crate::tags::TagError, key: fn(String) -> Self, value: fn(String) -> Self) -> Self {
        use crate::tags::TagError::*;
        match e {
            TooManyTags(max) => Self::TagLimit { max },
            ValueTooLong(_) | ValueReserved(_) | ValueHasUrl | ValueHasControl => value(e.to_string()),
            EmptyKey | KeyTooLong(_) | KeyReserved(_) | KeyHasUrl | KeyHasControl => key(e.to_string()),
        }
    }
}
