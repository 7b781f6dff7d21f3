//! Name rules of RAM identities (ram.md 6 "Name rules", 7.1): lengths and character sets,
//! answered with RAM's dotted error codes naming the offending parameter.

use crate::error::ApiError;
use crate::error::GatewayError;
use crate::error::RamError;

fn char_count(s: &str) -> usize {
    s.chars().count()
}

fn check_charset(param: &str, name: &str, max: usize, extra: &[u8]) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > max {
        return Err(GatewayError::invalid_length(param).into());
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b)) {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(())
}

/// UserName / NewUserName, and GroupName: 1-64 characters of letters, digits, `.`, `-`, `_`.
pub fn check_user_name(param: &str, name: &str) -> Result<(), ApiError> {
    check_charset(param, name, 64, b".-_")
}

/// RoleName: 1-64 characters of letters, digits, `.`, `-` (no underscore; ram.md 6).
pub fn check_role_name(param: &str, name: &str) -> Result<(), ApiError> {
    check_charset(param, name, 64, b".-")
}

/// PolicyName: 1-128 characters of letters, digits, `-` (ram.md 6).
pub fn check_policy_name(param: &str, name: &str) -> Result<(), ApiError> {
    check_charset(param, name, 128, b"-")
}

/// Free text with a length limit in characters and no control characters
/// (DisplayName, Comments; RAM allows non-ASCII display names).
pub fn check_text(param: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
    if value.is_empty() || char_count(value) > max_chars {
        return Err(GatewayError::invalid_length(param).into());
    }
    if value.chars().any(char::is_control) {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(())
}

/// E-mail addresses and phone numbers are kept as given; only their size is bounded.
pub fn check_contact(param: &str, value: &str) -> Result<(), ApiError> {
    check_text(param, value, 128)
}

/// AccountAlias (SetAccountAlias, ram.md 6.7 and RAM's error center): 3-63 characters of
/// lower-case letters, digits and `-`, neither starting nor ending with `-`, no `--`.
pub fn check_account_alias(alias: &str) -> Result<(), ApiError> {
    if !(3..=63).contains(&alias.len()) {
        return Err(RamError::AliasLength.into());
    }
    let allowed = alias.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !allowed || alias.starts_with('-') || alias.ends_with('-') || alias.contains("--") {
        return Err(RamError::AliasFormat.into());
    }
    Ok(())
}

/// DefaultDomainName (IMS SetDefaultDomain, its API reference): `<alias>.onaliyun.com`, at most
/// 64 characters, letters, digits, `.`, `_` and `-`, not starting or ending with `-`, no `--`;
/// the alias is the part before the suffix. No document gives the codes: they are that
/// parameter's Length and InvalidChars.
pub fn default_domain_alias<'a>(param: &str, domain: &'a str) -> Result<&'a str, ApiError> {
    if domain.len() > 64 {
        return Err(GatewayError::invalid_length(param).into());
    }
    let alias = domain.strip_suffix(DOMAIN_SUFFIX).filter(|a| !a.is_empty()).ok_or_else(|| GatewayError::invalid_chars(param))?;
    let allowed = alias.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !allowed || alias.starts_with('-') || alias.ends_with('-') || alias.contains("--") {
        return Err(GatewayError::invalid_chars(param).into());
    }
    Ok(alias)
}

/// What every account's logon domain ends with (ram.md 7.1).
pub const DOMAIN_SUFFIX: &str = ".onaliyun.com";

/// The default logon domain of an account: `<alias or account id>.onaliyun.com` (ram.md 7.1).
/// The server asks `identity::users::logon_domain` for an account's domain, which calls this.
pub fn default_domain(account_alias_or_id: &str) -> String {
    format!("{account_alias_or_id}{DOMAIN_SUFFIX}")
}

/// The form of a UserPrincipalName `name@domain` (1-128 characters): its user-name prefix,
/// checked with the UserName rules, and its domain, not yet checked against the account's.
pub fn parse_principal_name<'a>(param: &str, upn: &'a str) -> Result<(&'a str, &'a str), ApiError> {
    if upn.is_empty() || upn.len() > 128 {
        return Err(GatewayError::invalid_length(param).into());
    }
    let Some((name, upn_domain)) = upn.split_once('@') else {
        return Err(GatewayError::invalid_chars(param).into());
    };
    check_user_name(param, name)?;
    Ok((name, upn_domain))
}

/// A logon name's domain must be the account's (any case).
pub fn check_domain(param: &str, upn_domain: &str, domain: &str) -> Result<(), ApiError> {
    if !upn_domain.eq_ignore_ascii_case(domain) {
        return Err(crate::error::RamError::WrongDomain { name: param.to_string(), domain: domain.to_string() }.into());
    }
    Ok(())
}

/// Splits a UserPrincipalName `name@domain` into its user-name prefix, checking its form and
/// the domain against the account's.
pub fn split_principal_name<'a>(param: &str, upn: &'a str, domain: &str) -> Result<&'a str, ApiError> {
    let (name, upn_domain) = parse_principal_name(param, upn)?;
    check_domain(param, upn_domain, domain)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        assert!(check_user_name("UserName", "alice.b-c_d9").is_ok());
        assert_eq!(check_user_name("UserName", "").unwrap_err().code, "InvalidParameter.UserName.Length");
        assert_eq!(check_user_name("UserName", &"a".repeat(65)).unwrap_err().code, "InvalidParameter.UserName.Length");
        assert!(check_user_name("UserName", &"a".repeat(64)).is_ok());
        assert_eq!(check_user_name("NewUserName", "a b").unwrap_err().code, "InvalidParameter.NewUserName.InvalidChars");
        assert_eq!(check_user_name("UserName", "a@b").unwrap_err().code, "InvalidParameter.UserName.InvalidChars");
    }

    #[test]
    fn account_aliases_and_default_domains() {
        for ok in ["abc", "my-alias", "a1-b2-c3", &"a".repeat(63)] {
            assert!(check_account_alias(ok).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("ab", "InvalidParameter.AccountAlias.Length"),
            (&"a".repeat(64) as &str, "InvalidParameter.AccountAlias.Length"),
            ("My-alias", "InvalidParameter.AccountAlias.Format"),
            ("-abc", "InvalidParameter.AccountAlias.Format"),
            ("abc-", "InvalidParameter.AccountAlias.Format"),
            ("a--b", "InvalidParameter.AccountAlias.Format"),
            ("a_b", "InvalidParameter.AccountAlias.Format"),
            ("a.b", "InvalidParameter.AccountAlias.Format"),
        ] {
            assert_eq!(check_account_alias(bad).unwrap_err().code, code, "{bad}");
        }
        let p = "DefaultDomainName";
        assert_eq!(default_domain_alias(p, "example-co.onaliyun.com").unwrap(), "example-co");
        for (bad, code) in [
            ("example.com", "InvalidParameter.DefaultDomainName.InvalidChars"),
            (".onaliyun.com", "InvalidParameter.DefaultDomainName.InvalidChars"),
            ("-ab.onaliyun.com", "InvalidParameter.DefaultDomainName.InvalidChars"),
            ("a--b.onaliyun.com", "InvalidParameter.DefaultDomainName.InvalidChars"),
            ("a b.onaliyun.com", "InvalidParameter.DefaultDomainName.InvalidChars"),
            (&format!("{}.onaliyun.com", "a".repeat(52)) as &str, "InvalidParameter.DefaultDomainName.Length"),
        ] {
            assert_eq!(default_domain_alias(p, bad).unwrap_err().code, code, "{bad}");
        }
    }

    #[test]
    fn role_and_policy_names() {
        assert!(check_role_name("RoleName", "ECS-Admin.1").is_ok());
        assert_eq!(check_role_name("RoleName", "a_b").unwrap_err().code, "InvalidParameter.RoleName.InvalidChars");
        assert!(check_policy_name("PolicyName", &"p".repeat(128)).is_ok());
        assert_eq!(check_policy_name("PolicyName", &"p".repeat(129)).unwrap_err().code, "InvalidParameter.PolicyName.Length");
        assert_eq!(check_policy_name("PolicyName", "p.x").unwrap_err().code, "InvalidParameter.PolicyName.InvalidChars");
    }

    #[test]
    fn principal_names() {
        let domain = default_domain("1234567890123456");
        assert_eq!(split_principal_name("UserPrincipalName", "bob@1234567890123456.onaliyun.com", &domain).unwrap(), "bob");
        assert_eq!(split_principal_name("UserPrincipalName", "bob@1234567890123456.ONALIYUN.com", &domain).unwrap(), "bob");
        assert!(split_principal_name("UserPrincipalName", "bob", &domain).is_err());
        assert!(split_principal_name("UserPrincipalName", "bob@other.onaliyun.com", &domain).is_err());
        assert!(split_principal_name("UserPrincipalName", "b b@1234567890123456.onaliyun.com", &domain).is_err());
    }

    #[test]
    fn text_lengths_count_characters() {
        assert!(check_text("DisplayName", &"é".repeat(24), 24).is_ok());
        assert!(check_text("DisplayName", &"é".repeat(25), 24).is_err());
        assert!(check_text("Comments", "a\u{0}b", 128).is_err());
    }
}
