//! The decoded parameters of an RPC request and the typed reads every handler needs
//! (ram.md 2.5: booleans in any case, repeat lists `Name.N` with consecutive `N`, JSON lists).

use crate::error::ApiError;
use crate::error::GatewayError;

/// At most this many parameters in one request: far above any real call (50 resources,
/// 20 tags with key and value, plus the common parameters), and a bound on the work a
/// hostile request can cause.
pub const MAX_PARAMS: usize = 500;

/// Request parameters in arrival order, with a name index. A name may appear once.
/// The index is the pairs' positions sorted by name, searched by bisection: no copies of the
/// names and no hashing, which matters because every request builds one.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    by_name: Vec<u16>,
}

impl Params {
    /// Builds the set, refusing repeated names (two values for one name would leave the
    /// signature and the handler disagreeing on which one counts) and oversized sets.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        if pairs.len() > MAX_PARAMS {
            return Err(GatewayError::malformed("too many parameters").into());
        }
        // MAX_PARAMS < u16::MAX, so positions fit.
        let mut by_name: Vec<u16> = (0..pairs.len() as u16).collect();
        by_name.sort_by(|&a, &b| name_at(&pairs, a).cmp(name_at(&pairs, b)).then(a.cmp(&b)));
        // Of all repeated names, report the one whose repetition arrives first.
        let repeated = by_name
            .windows(2)
            .filter_map(|w| match *w {
                [a, b] if name_at(&pairs, a) == name_at(&pairs, b) => Some(b),
                _ => None,
            })
            .min();
        if let Some(i) = repeated {
            return Err(GatewayError::invalid(name_at(&pairs, i), "The parameter is given more than once.").into());
        }
        Ok(Self { pairs, by_name })
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let found = self.by_name.binary_search_by(|&i| name_at(&self.pairs, i).cmp(name)).ok()?;
        let &i = self.by_name.get(found)?;
        self.pairs.get(usize::from(i)).map(|(_, v)| v.as_str())
    }

    /// A parameter that must be present and non-empty.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(GatewayError::missing(name).into()),
        }
    }

    /// An optional parameter; an empty value counts as absent, as the SDKs never send one on purpose.
    pub fn optional(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// Booleans: Python SDKs send `True`/`False`, the others `true`/`false` (ram.md 2.5).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.optional(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(GatewayError::invalid(name, "It must be true or false.").into()),
        }
    }

    /// An integer within `min..=max`.
    pub fn int_in(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        match self.optional(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(GatewayError::invalid(name, &format!("It must be an integer from {min} to {max}.")).into()),
            },
        }
    }

    /// The elements `prefix.N<rest>` as `(N, rest, value)` sorted by `N`, checked to use exactly
    /// the indices `1..=k` with `k <= max` ("N must be consecutive", seed). `rest` is `""` for
    /// `TagKey.N` and `.Key`/`.Value` for `Tag.N.Key`. One pass, no names built.
    fn elements<'a>(&'a self, prefix: &str, rest_allowed: &[&str], max: usize) -> Result<Vec<(usize, &'a str, &'a str)>, ApiError> {
        let mut found: Vec<(usize, &str, &str)> = Vec::new();
        for (name, value) in &self.pairs {
            let Some(tail) = name.strip_prefix(prefix).and_then(|t| t.strip_prefix('.')) else { continue };
            let (num, rest) = tail.find('.').and_then(|dot| tail.split_at_checked(dot)).unwrap_or((tail, ""));
            let valid_num = !num.is_empty() && !num.starts_with('0') && num.bytes().all(|b| b.is_ascii_digit());
            if !valid_num || !rest_allowed.contains(&rest) {
                return Err(GatewayError::invalid(name, "Unexpected list element.").into());
            }
            let n: usize = num.parse().unwrap_or(usize::MAX);
            if n > max {
                return Err(GatewayError::invalid(prefix, &format!("At most {max} elements are allowed.")).into());
            }
            found.push((n, rest, value.as_str()));
        }
        found.sort_unstable();
        let mut expected = 1;
        for &(n, _, _) in &found {
            if n == expected {
                expected += 1;
            } else if n + 1 != expected {
                return Err(GatewayError::invalid(prefix, "The index N must be consecutive and start at 1.").into());
            }
        }
        Ok(found)
    }

    /// A repeat list `prefix.1 .. prefix.k` (ram.md 2.5), in index order; empty when absent.
    pub fn list(&self, prefix: &str, max: usize) -> Result<Vec<&str>, ApiError> {
        Ok(self.elements(prefix, &[""], max)?.into_iter().map(|(_, _, v)| v).collect())
    }

    /// A repeat list of key/value objects `prefix.N.Key` / `prefix.N.Value`. The value may be
    /// absent (`None`); the key may not.
    pub fn key_values(&self, prefix: &str, max: usize) -> Result<Vec<(&str, Option<&str>)>, ApiError> {
        let elements = self.elements(prefix, &[".Key", ".Value"], max)?;
        let mut out: Vec<(&str, Option<&str>)> = Vec::with_capacity(elements.len() / 2 + 1);
        // Sorted by (N, rest): `.Key` comes before `.Value` of the same N.
        for group in elements.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(n, _, _)) = group.first() else { continue };
            let key = group.iter().find(|e| e.1 == ".Key").map(|e| e.2);
            let key = key.ok_or_else(|| ApiError::from(GatewayError::missing(&format!("{prefix}.{n}.Key"))))?;
            out.push((key, group.iter().find(|e| e.1 == ".Value").map(|e| e.2)));
        }
        Ok(out)
    }
}

/// The name at a position of the index (positions come from `0..pairs.len()`, so one is always there).
fn name_at(pairs: &[(String, String)], i: u16) -> &str {
    pairs.get(usize::from(i)).map_or("", |(name, _)| name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(items: &[(&str, &str)]) -> Params {
        Params::from_pairs(items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
    }

    #[test]
    fn booleans_in_any_case() {
        let p = params(&[("A", "True"), ("B", "FALSE"), ("C", "yes")]);
        assert_eq!(p.bool("A").unwrap(), Some(true));
        assert_eq!(p.bool("B").unwrap(), Some(false));
        assert_eq!(p.bool("Z").unwrap(), None);
        assert_eq!(p.bool("C").unwrap_err().code, "InvalidParameter");
    }

    #[test]
    fn repeated_names_are_refused() {
        let pairs = vec![("A".to_string(), "1".to_string()), ("A".to_string(), "2".to_string())];
        assert_eq!(Params::from_pairs(pairs).unwrap_err().code, "InvalidParameter");
        // The repetition that arrives first is the one named.
        let pairs: Vec<(String, String)> =
            ["B", "Z", "A", "B", "A"].iter().enumerate().map(|(i, k)| (k.to_string(), i.to_string())).collect();
        assert!(Params::from_pairs(pairs).unwrap_err().message.contains("\"B\""));
    }

    #[test]
    fn lookups_find_every_name_and_no_other() {
        let names: Vec<String> = (0..50).map(|i| format!("N{}", (i * 37) % 50)).collect();
        let p = Params::from_pairs(names.iter().map(|n| (n.clone(), format!("v{n}"))).collect()).unwrap();
        for n in &names {
            assert_eq!(p.get(n), Some(format!("v{n}").as_str()));
        }
        assert_eq!(p.get("N50"), None);
        assert_eq!(p.get(""), None);
    }

    #[test]
    fn lists_must_be_consecutive_and_bounded() {
        let p = params(&[("TagKey.2", "b"), ("TagKey.1", "a")]);
        assert_eq!(p.list("TagKey", 20).unwrap(), vec!["a", "b"]);
        assert!(p.list("Other", 20).unwrap().is_empty());
        assert!(params(&[("TagKey.1", "a"), ("TagKey.3", "c")]).list("TagKey", 20).is_err());
        assert!(params(&[("TagKey.2", "a")]).list("TagKey", 20).is_err());
        assert!(params(&[("TagKey.01", "a")]).list("TagKey", 20).is_err());
        assert!(params(&[("TagKey.21", "a")]).list("TagKey", 20).is_err());
        assert!(params(&[("TagKey.x", "a")]).list("TagKey", 20).is_err());
        let many: Vec<(String, String)> = (1..=21).map(|i| (format!("TagKey.{i}"), "k".to_string())).collect();
        assert!(Params::from_pairs(many).unwrap().list("TagKey", 20).is_err());
    }

    #[test]
    fn key_value_lists() {
        let p = params(&[("Tag.1.Key", "k1"), ("Tag.1.Value", "v1"), ("Tag.2.Key", "k2")]);
        assert_eq!(p.key_values("Tag", 20).unwrap(), vec![("k1", Some("v1")), ("k2", None)]);
        assert!(params(&[("Tag.1.Value", "v")]).key_values("Tag", 20).is_err());
        assert!(params(&[("Tag.1.Other", "v")]).key_values("Tag", 20).is_err());
    }

    #[test]
    fn integers_in_range() {
        let p = params(&[("MaxItems", "1000"), ("Bad", "10x"), ("Big", "1001")]);
        assert_eq!(p.int_in("MaxItems", 1, 1000).unwrap(), Some(1000));
        assert!(p.int_in("Bad", 1, 1000).is_err());
        assert!(p.int_in("Big", 1, 1000).is_err());
    }
}
