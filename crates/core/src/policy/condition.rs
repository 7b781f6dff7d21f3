//! Condition operators (policy.md 4.2) and their evaluation against request values (4.1).

use super::glob;
use chrono::DateTime;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    NotIpAddress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Numeric,
    Date,
    Bool,
    Ip,
}

impl Operator {
    /// Operator names are case-sensitive (policy.md 4.2).
    pub fn parse(name: &str) -> Option<Self> {
        use Operator::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            _ => return None,
        })
    }

    fn kind(self) -> Kind {
        use Operator::*;
        match self {
            StringEquals | StringNotEquals | StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | StringLike | StringNotLike => {
                Kind::String
            }
            NumericEquals | NumericNotEquals | NumericLessThan | NumericLessThanEquals | NumericGreaterThan | NumericGreaterThanEquals => {
                Kind::Numeric
            }
            DateEquals | DateNotEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => Kind::Date,
            Bool => Kind::Bool,
            IpAddress | NotIpAddress => Kind::Ip,
        }
    }

    /// Negated operators hold when no value matches, and when the key is absent (policy.md 4.1).
    pub fn is_negated(self) -> bool {
        use Operator::*;
        matches!(self, StringNotEquals | StringNotEqualsIgnoreCase | StringNotLike | NumericNotEquals | DateNotEquals | NotIpAddress)
    }

    /// Whether a policy value is well-formed for this operator (checked when the policy is written).
    pub fn valid_value(self, value: &str) -> bool {
        match self.kind() {
            Kind::String => true,
            Kind::Numeric => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
            Kind::Date => parse_date(value).is_some(),
            Kind::Bool => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
            Kind::Ip => parse_cidr(value).is_some(),
        }
    }

    /// The positive comparison of one request value with one policy value.
    fn compare(self, request: &str, policy: &str) -> bool {
        use Operator::*;
        match self {
            StringEquals | StringNotEquals => request == policy,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => request.to_lowercase() == policy.to_lowercase(),
            StringLike | StringNotLike => glob::matches(policy, request, false),
            NumericEquals | NumericNotEquals => num(request, policy, |a, b| a == b),
            NumericLessThan => num(request, policy, |a, b| a < b),
            NumericLessThanEquals => num(request, policy, |a, b| a <= b),
            NumericGreaterThan => num(request, policy, |a, b| a > b),
            NumericGreaterThanEquals => num(request, policy, |a, b| a >= b),
            DateEquals | DateNotEquals => date(request, policy, |a, b| a == b),
            DateLessThan => date(request, policy, |a, b| a < b),
            DateLessThanEquals => date(request, policy, |a, b| a <= b),
            DateGreaterThan => date(request, policy, |a, b| a > b),
            DateGreaterThanEquals => date(request, policy, |a, b| a >= b),
            Bool => request.eq_ignore_ascii_case(policy),
            IpAddress | NotIpAddress => match (request.parse::<IpAddr>(), parse_cidr(policy)) {
                (Ok(ip), Some(net)) => net.contains(ip),
                _ => false,
            },
        }
    }

    /// Whether the condition holds for the request's values of the key (`None`: key absent).
    /// Several policy values: any may match; several request values (`acs:TagKeys`): any.
    pub fn holds(self, request: Option<&[String]>, policy: &[String]) -> bool {
        let Some(values) = request.filter(|v| !v.is_empty()) else {
            return self.is_negated();
        };
        let any = values.iter().any(|r| policy.iter().any(|p| self.compare(r, p)));
        if self.is_negated() {
            !any
        } else {
            any
        }
    }
}

fn num(a: &str, b: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => f(a, b),
        _ => false,
    }
}

/// ISO 8601 with offset or `Z` (`2019-08-12T17:00:00+08:00`), as Unix milliseconds.
pub fn parse_date(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.timestamp_millis())
}

fn date(a: &str, b: &str, f: impl Fn(i64, i64) -> bool) -> bool {
    match (parse_date(a), parse_date(b)) {
        (Some(a), Some(b)) => f(a, b),
        _ => false,
    }
}

/// An address or a CIDR block.
#[derive(Debug, Clone, Copy)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => masked(u32::from(n) as u128, u32::from(i) as u128, self.prefix, 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => masked(u128::from(n), u128::from(i), self.prefix, 128),
            (IpAddr::V4(n), IpAddr::V6(i)) => {
                i.to_ipv4_mapped().is_some_and(|i| masked(u32::from(n) as u128, u32::from(i) as u128, self.prefix, 32))
            }
            _ => false,
        }
    }
}

fn masked(net: u128, ip: u128, prefix: u8, bits: u8) -> bool {
    let shift = u32::from(bits - prefix.min(bits));
    if shift >= 128 {
        return true;
    }
    (net >> shift) == (ip >> shift)
}

pub fn parse_cidr(s: &str) -> Option<Cidr> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let net: IpAddr = addr.parse().ok()?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some(Cidr { net, prefix })
}

#[cfg(test)]
mod tests {
    use super::Operator::*;
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn strings() {
        assert!(StringEquals.holds(Some(&v(&["dev"])), &v(&["prod", "dev"])));
        assert!(!StringEquals.holds(Some(&v(&["Dev"])), &v(&["dev"])));
        assert!(StringEqualsIgnoreCase.holds(Some(&v(&["Dev"])), &v(&["dev"])));
        assert!(StringLike.holds(Some(&v(&["team-a"])), &v(&["team-?"])));
        assert!(!StringNotEquals.holds(Some(&v(&["dev"])), &v(&["dev"])));
        assert!(StringNotEquals.holds(Some(&v(&["x"])), &v(&["dev"])));
    }

    #[test]
    fn absent_keys() {
        assert!(!StringEquals.holds(None, &v(&["dev"])));
        assert!(StringNotEquals.holds(None, &v(&["dev"])));
        assert!(NotIpAddress.holds(None, &v(&["10.0.0.0/8"])));
    }

    #[test]
    fn numbers_dates_bools() {
        assert!(NumericLessThan.holds(Some(&v(&["5"])), &v(&["10"])));
        assert!(!NumericGreaterThan.holds(Some(&v(&["5"])), &v(&["10"])));
        assert!(!DateLessThan.holds(Some(&v(&["2019-08-12T09:00:00Z"])), &v(&["2019-08-12T17:00:00+08:00"])));
        assert!(DateLessThan.holds(Some(&v(&["2019-08-12T08:59:59Z"])), &v(&["2019-08-12T17:00:00+08:00"])));
        assert!(Bool.holds(Some(&v(&["false"])), &v(&["FALSE"])));
        assert!(!Bool.holds(Some(&v(&["false"])), &v(&["true"])));
    }

    #[test]
    fn ip_addresses() {
        assert!(IpAddress.holds(Some(&v(&["127.0.0.1"])), &v(&["127.0.0.1/32"])));
        assert!(IpAddress.holds(Some(&v(&["10.1.2.3"])), &v(&["10.0.0.0/8"])));
        assert!(!IpAddress.holds(Some(&v(&["11.1.2.3"])), &v(&["10.0.0.0/8"])));
        assert!(IpAddress.holds(Some(&v(&["::1"])), &v(&["::1"])));
        assert!(IpAddress.holds(Some(&v(&["1.2.3.4"])), &v(&["0.0.0.0/0"])));
        assert!(NotIpAddress.holds(Some(&v(&["11.1.2.3"])), &v(&["10.0.0.0/8"])));
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("nonsense").is_none());
    }

    #[test]
    fn multi_valued_keys() {
        assert!(StringEquals.holds(Some(&v(&["a", "b"])), &v(&["b"])));
        assert!(!StringNotEquals.holds(Some(&v(&["a", "b"])), &v(&["b"])));
    }
}
