//! Tag rules shared by every taggable resource: key and value checks, overwrite on re-tag,
//! the per-resource limit, and tag filters (ram.md 7.2-7.4; sls.md 7.5 uses the same shape).

use std::collections::BTreeMap;

/// A resource's tags, ordered by key so listings are stable. Keys compare case-sensitively
/// (ram.md 7.2 rule 9).
pub type TagSet = BTreeMap<String, String>;

/// The limits of one service's tags.
#[derive(Debug, Clone, Copy)]
pub struct TagRules {
    pub max_per_resource: usize,
    pub key_max_chars: usize,
    pub value_max_chars: usize,
    pub reserved_key_prefixes: &'static [&'static str],
    pub reserved_value_prefixes: &'static [&'static str],
}

/// IMS user tags (ram.md 7.1 and 7.3): 20 per user, keys and values up to 128 characters.
pub const IMS_USER_TAGS: TagRules = TagRules {
    max_per_resource: 20,
    key_max_chars: 128,
    value_max_chars: 128,
    reserved_key_prefixes: &["aliyun", "acs:"],
    reserved_value_prefixes: &["acs:"],
};

/// RAM 2015-05-01 role and policy tags (ram.md 6.8): keys up to 128, values up to 256 characters.
pub const RAM_TAGS: TagRules = TagRules {
    max_per_resource: 20,
    key_max_chars: 128,
    value_max_chars: 256,
    reserved_key_prefixes: &["aliyun", "acs:"],
    reserved_value_prefixes: &[],
};

/// SLS resource tags (sls.md 7.5): 20 per resource and per call; keys 1-128 characters without
/// the `aliyun` / `acs:` prefixes; values 0-128 (the value-prefix rule is not SLS-documented).
pub const SLS_TAGS: TagRules = TagRules {
    max_per_resource: 20,
    key_max_chars: 128,
    value_max_chars: 128,
    reserved_key_prefixes: &["aliyun", "acs:"],
    reserved_value_prefixes: &[],
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("the tag key must not be empty")]
    EmptyKey,
    #[error("the tag key is longer than {0} characters")]
    KeyTooLong(usize),
    #[error("the tag key must not start with {0}")]
    KeyReserved(&'static str),
    #[error("the tag key must not contain http:// or https://")]
    KeyHasUrl,
    #[error("the tag key must not contain control characters")]
    KeyHasControl,
    #[error("the tag value is longer than {0} characters")]
    ValueTooLong(usize),
    #[error("the tag value must not start with {0}")]
    ValueReserved(&'static str),
    #[error("the tag value must not contain http:// or https://")]
    ValueHasUrl,
    #[error("the tag value must not contain control characters")]
    ValueHasControl,
    #[error("a resource can have at most {0} tags")]
    TooManyTags(usize),
}

fn has_url(s: &str) -> bool {
    s.contains("http://") || s.contains("https://")
}

/// No tag rule of RAM, IMS or SLS documents control characters, and the services' consoles
/// cannot enter them; they are refused with the tag-rule error rather than stored, because no
/// XML answer could carry them (XML 1.0 `Char`), tab and line feed included for consistency.
/// U+FFFE and U+FFFF are not characters either.
fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

impl TagRules {
    pub fn check_key(&self, key: &str) -> Result<(), TagError> {
        if key.is_empty() {
            return Err(TagError::EmptyKey);
        }
        if key.chars().count() > self.key_max_chars {
            return Err(TagError::KeyTooLong(self.key_max_chars));
        }
        if let Some(p) = self.reserved_key_prefixes.iter().find(|p| key.starts_with(**p)) {
            return Err(TagError::KeyReserved(p));
        }
        if has_url(key) {
            return Err(TagError::KeyHasUrl);
        }
        if has_control(key) {
            return Err(TagError::KeyHasControl);
        }
        Ok(())
    }

    pub fn check_value(&self, value: &str) -> Result<(), TagError> {
        if value.chars().count() > self.value_max_chars {
            return Err(TagError::ValueTooLong(self.value_max_chars));
        }
        if let Some(p) = self.reserved_value_prefixes.iter().find(|p| value.starts_with(**p)) {
            return Err(TagError::ValueReserved(p));
        }
        if has_url(value) {
            return Err(TagError::ValueHasUrl);
        }
        if has_control(value) {
            return Err(TagError::ValueHasControl);
        }
        Ok(())
    }

    /// Checks every pair of a request before anything is applied.
    pub fn check_pairs<'a>(&self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(), TagError> {
        for (k, v) in pairs {
            self.check_key(k)?;
            self.check_value(v)?;
        }
        Ok(())
    }

    /// The tags after applying `pairs` to `current`: an existing key gets the new value,
    /// and the result may not exceed the per-resource limit. `current` is left untouched on error.
    pub fn merged(&self, current: &TagSet, pairs: &[(&str, &str)]) -> Result<TagSet, TagError> {
        let mut next = current.clone();
        for (k, v) in pairs {
            next.insert((*k).to_string(), (*v).to_string());
        }
        if next.len() > self.max_per_resource {
            return Err(TagError::TooManyTags(self.max_per_resource));
        }
        Ok(next)
    }
}

/// Whether `tags` carries every `(key, value)` of the filter; a `None` value matches any value
/// (several filter tags are ANDed, as in the Tag service).
pub fn matches_all(tags: &TagSet, filter: &[(&str, Option<&str>)]) -> bool {
    filter.iter().all(|(k, v)| match (tags.get(*k), v) {
        (Some(_), None) => true,
        (Some(have), Some(want)) => have == want,
        (None, _) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const R: TagRules = IMS_USER_TAGS;

    #[test]
    fn key_rules() {
        assert_eq!(R.check_key(""), Err(TagError::EmptyKey));
        assert_eq!(R.check_key(&"k".repeat(129)), Err(TagError::KeyTooLong(128)));
        assert!(R.check_key(&"k".repeat(128)).is_ok());
        assert_eq!(R.check_key("aliyunx"), Err(TagError::KeyReserved("aliyun")));
        assert_eq!(R.check_key("acs:x"), Err(TagError::KeyReserved("acs:")));
        assert_eq!(R.check_key("see http://x"), Err(TagError::KeyHasUrl));
        for bad in ["a\u{1}b", "a\tb", "a\nb", "\u{7f}", "\u{85}", "a\u{ffff}"] {
            assert_eq!(R.check_key(bad), Err(TagError::KeyHasControl), "{bad:?}");
            assert_eq!(R.check_value(bad), Err(TagError::ValueHasControl), "{bad:?}");
        }
        assert_eq!(R.check_key("k é 键 ☃"), Ok(()));
        assert!(R.check_key("Aliyun").is_ok());
    }

    #[test]
    fn value_rules() {
        assert!(R.check_value("").is_ok());
        assert_eq!(R.check_value(&"v".repeat(129)), Err(TagError::ValueTooLong(128)));
        assert_eq!(R.check_value("acs:v"), Err(TagError::ValueReserved("acs:")));
        assert_eq!(R.check_value("https://v"), Err(TagError::ValueHasUrl));
        assert!(R.check_value("aliyun is fine in values").is_ok());
    }

    #[test]
    fn merge_overwrites_and_limits() {
        let mut current = TagSet::new();
        current.insert("a".into(), "1".into());
        let next = R.merged(&current, &[("a", "2"), ("b", "3")]).unwrap();
        assert_eq!(next.get("a").map(String::as_str), Some("2"));
        assert_eq!(next.len(), 2);
        let full: TagSet = (0..20).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(R.merged(&full, &[("k0", "x")]).is_ok());
        assert_eq!(R.merged(&full, &[("new", "x")]), Err(TagError::TooManyTags(20)));
    }

    #[test]
    fn filters_are_anded() {
        let tags: TagSet = [("a", "1"), ("b", "2")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert!(matches_all(&tags, &[]));
        assert!(matches_all(&tags, &[("a", Some("1")), ("b", None)]));
        assert!(!matches_all(&tags, &[("a", Some("1")), ("c", None)]));
        assert!(!matches_all(&tags, &[("a", Some("2"))]));
    }

    proptest! {
        #[test]
        fn merged_never_exceeds_the_limit(n_existing in 0usize..25, n_new in 0usize..25) {
            let current: TagSet = (0..n_existing.min(20)).map(|i| (format!("k{i}"), String::new())).collect();
            let keys: Vec<String> = (0..n_new).map(|i| format!("k{}", i * 2)).collect();
            let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
            match R.merged(&current, &pairs) {
                Ok(next) => {
                    prop_assert!(next.len() <= 20);
                    for (k, _) in &pairs { prop_assert_eq!(next.get(*k).map(String::as_str), Some("v")); }
                }
                Err(e) => prop_assert_eq!(e, TagError::TooManyTags(20)),
            }
        }
    }
}
