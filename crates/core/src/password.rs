//! The account's password policy (RAM and IMS SetPasswordPolicy/GetPasswordPolicy) and the
//! rules it sets for console passwords (login profiles, ChangePassword). Ranges and defaults are
//! the IMS SDK model's (`alibabacloud_ims20190815` 3.5.0, SetPasswordPolicyRequest field docs);
//! RAM 2015-05-01 serves the subset its model knows. One policy per account, shared by both APIs.

use crate::error::{ApiError, GatewayError, RamError};
use serde::{Deserialize, Serialize};

/// The policy as stored and answered. `Default` is an account's policy before any Set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    /// Logon blocked once the password has expired (RAM `HardExpiry`, IMS `HardExpire`).
    pub hard_expire: bool,
    pub max_login_attempts: u32,
    /// Days; 0: passwords never expire.
    pub max_password_age: u32,
    /// How many previous passwords may not be used again; 0: no check.
    pub reuse_prevention: u32,
    pub minimum_different_characters: u32,
    pub not_contain_user_name: bool,
    /// Days an initial password stays valid (IMS only); 0: no limit.
    pub initial_password_age: u32,
    pub intercept_risk_password_on_api: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_lowercase: false,
            require_uppercase: false,
            require_numbers: false,
            require_symbols: false,
            hard_expire: false,
            max_login_attempts: 0,
            max_password_age: 0,
            reuse_prevention: 0,
            minimum_different_characters: 0,
            not_contain_user_name: false,
            initial_password_age: 14,
            intercept_risk_password_on_api: false,
        }
    }
}

/// The integer settings: wire name, inclusive range, and where each lives in the policy.
pub const RANGES: [(&str, u32, u32); 6] = [
    ("MinimumPasswordLength", 8, 32),
    ("MaxLoginAttemps", 0, 32),
    ("MaxPasswordAge", 0, 1095),
    ("PasswordReusePrevention", 0, 24),
    ("MinimumPasswordDifferentCharacter", 0, 8),
    ("InitialPasswordAge", 0, 90),
];

/// An integer setting outside its range: `InvalidParameter.<name>.Range`, worded as RAM's error
/// center words it for MinimumPasswordLength ("MUST be in the range of 8 and 32"); the center
/// lists no code for the others, which follow the same pattern.
pub fn check_range(name: &str, value: i64) -> Result<u32, ApiError> {
    let (_, min, max) = RANGES.iter().copied().find(|(n, _, _)| *n == name).unwrap_or((name, 0, u32::MAX));
    match u32::try_from(value) {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(RamError::OutOfRange { name: name.to_string(), min, max }.into()),
    }
}

/// The characters that count as symbols: printable ASCII that is neither letter nor digit.
fn is_symbol(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_alphanumeric()
}

/// The most characters a console password may have (CreateLoginProfile: 8-32 in the console;
/// the policy's minimum is at most 32).
pub const MAX_LENGTH: usize = 32;

impl PasswordPolicy {
    /// Reads the integer setting `name` of a Set request: absent → `None`, not an integer →
    /// the gateway's InvalidParameter, outside its range → [`check_range`].
    pub fn setting(p: &crate::params::Params, name: &str) -> Result<Option<u32>, ApiError> {
        match p.optional(name) {
            None => Ok(None),
            Some(v) => {
                let n = v.parse::<i64>().map_err(|_| GatewayError::invalid(name, "It must be an integer."))?;
                check_range(name, n).map(Some)
            }
        }
    }

    /// The settings RAM and IMS share, read from a Set request (absent → default); the
    /// hard-expiry flag is `HardExpiry` in RAM and `HardExpire` in IMS. The other settings are
    /// at their defaults.
    pub fn shared_settings(p: &crate::params::Params, hard_expire_param: &str) -> Result<Self, ApiError> {
        let d = Self::default();
        Ok(Self {
            minimum_length: Self::setting(p, "MinimumPasswordLength")?.unwrap_or(d.minimum_length),
            require_lowercase: p.bool("RequireLowercaseCharacters")?.unwrap_or(d.require_lowercase),
            require_uppercase: p.bool("RequireUppercaseCharacters")?.unwrap_or(d.require_uppercase),
            require_numbers: p.bool("RequireNumbers")?.unwrap_or(d.require_numbers),
            require_symbols: p.bool("RequireSymbols")?.unwrap_or(d.require_symbols),
            hard_expire: p.bool(hard_expire_param)?.unwrap_or(d.hard_expire),
            max_login_attempts: Self::setting(p, "MaxLoginAttemps")?.unwrap_or(d.max_login_attempts),
            max_password_age: Self::setting(p, "MaxPasswordAge")?.unwrap_or(d.max_password_age),
            reuse_prevention: Self::setting(p, "PasswordReusePrevention")?.unwrap_or(d.reuse_prevention),
            ..d
        })
    }

    /// Whether `password` satisfies the policy for the user named `user_name`; a password
    /// that does not is `InvalidParameter.Password.TooWeak` (RAM error center) under `param`.
    pub fn check(&self, param: &str, password: &str, user_name: &str) -> Result<(), ApiError> {
        let chars = password.chars().count();
        if chars > MAX_LENGTH {
            return Err(GatewayError::invalid_length(param).into());
        }
        if password.is_empty() || password.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(GatewayError::invalid_chars(param).into());
        }
        let mut distinct: Vec<char> = password.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        let weak = chars < self.minimum_length as usize
            || (self.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()))
            || (self.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()))
            || (self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()))
            || (self.require_symbols && !password.chars().any(is_symbol))
            || distinct.len() < self.minimum_different_characters as usize
            || (self.not_contain_user_name
                && !user_name.is_empty()
                && password.to_ascii_lowercase().contains(&user_name.to_ascii_lowercase()));
        if weak {
            return Err(RamError::PasswordTooWeak { name: param.to_string() }.into());
        }
        Ok(())
    }
}

/// The stored form of a console password: the hex SHA-256 of its salt and the password.
/// localyun serves no console logon, so a stored password is only ever compared again
/// (ChangePassword's old password, reuse prevention); salted, it is never kept in clear.
pub fn hash(salt: &str, password: &str) -> String {
    let mut input = Vec::with_capacity(salt.len() + 1 + password.len());
    input.extend_from_slice(salt.as_bytes());
    input.push(0);
    input.extend_from_slice(password.as_bytes());
    crate::sig::sha256_hex(&input)
}

/// Whether `password` is the one `expected` (from [`hash`]) was made of, compared in constant time.
pub fn hash_matches(salt: &str, password: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    hash(salt, password).as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), ApiError>) -> String {
        r.map_or_else(|e| e.code.to_string(), |()| "ok".into())
    }

    #[test]
    fn the_default_policy_asks_for_eight_characters_only() {
        let p = PasswordPolicy::default();
        assert_eq!(code(p.check("Password", "abcdefgh", "alice")), "ok");
        assert_eq!(code(p.check("Password", "abcdefg", "alice")), "InvalidParameter.Password.TooWeak");
        assert_eq!(code(p.check("Password", &"a".repeat(33), "alice")), "InvalidParameter.Password.Length");
        assert_eq!(code(p.check("Password", "abc defgh", "alice")), "InvalidParameter.Password.InvalidChars");
        assert_eq!(code(p.check("Password", "", "alice")), "InvalidParameter.Password.InvalidChars");
    }

    #[test]
    fn every_rule_of_a_strict_policy_is_enforced() {
        let p = PasswordPolicy {
            minimum_length: 12,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_symbols: true,
            minimum_different_characters: 8,
            not_contain_user_name: true,
            ..PasswordPolicy::default()
        };
        assert_eq!(code(p.check("Password", "Abcdefgh123!", "alice")), "ok");
        for weak in ["Abcdefg123!", "abcdefgh123!", "ABCDEFGH123!", "Abcdefghijk!", "Abcdefgh1234", "Aa1!Aa1!Aa1!Aa1!", "xAlice-1234567"] {
            assert_eq!(code(p.check("NewPassword", weak, "alice")), "InvalidParameter.NewPassword.TooWeak", "{weak}");
        }
    }

    #[test]
    fn ranges_are_checked_with_their_names() {
        assert_eq!(check_range("MinimumPasswordLength", 8).unwrap(), 8);
        let e = check_range("MinimumPasswordLength", 7).unwrap_err();
        assert_eq!(
            (e.code.as_ref(), e.message.as_str()),
            ("InvalidParameter.MinimumPasswordLength.Range", "The parameter - \"MinimumPasswordLength\" MUST be in the range of 8 and 32.")
        );
        assert_eq!(check_range("MaxPasswordAge", 1095).unwrap(), 1095);
        assert!(check_range("MaxPasswordAge", 1096).is_err());
        assert!(check_range("PasswordReusePrevention", -1).is_err());
        assert!(check_range("InitialPasswordAge", 91).is_err());
    }
}
