//! AccessKey network access restriction policies (IMS Set/GetAccessKeyPolicy, for one key, and
//! Set/GetAccessKeyPolicyForAccount, for every permanent key of the account), as the API
//! reference describes them:
//! `{"Version":1,"Status":"Active","Statements":[{"Type":"ClassicWhiteList","IPList":[...]},
//! {"Type":"VPCWhiteList","Value":"vpc-...","IPList":[...]}]}`. An active policy lets a key be
//! used only from an address its white lists hold; a key's own active policy takes the place of
//! the account's ("AccessKey-level policies have a higher priority"). STS tokens are not
//! restricted. localyun's clients reach it over the classic network, never from a VPC, so a
//! `VPCWhiteList` never admits a request.

use crate::error::{ApiError, GatewayError};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The policy of a key or account that never set one ("a disabled policy that carries no
/// statements is treated as no policy").
pub const NONE: &str = r#"{"Version":1,"Status":"Inactive","Statements":[]}"#;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkPolicy {
    #[serde(default = "version")]
    pub version: u32,
    pub status: Status,
    pub statements: Vec<Statement>,
}

fn version() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Active,
    Inactive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "Type")]
    pub kind: WhiteList,
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "IPList")]
    pub ip_list: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WhiteList {
    ClassicWhiteList,
    VPCWhiteList,
}

/// An address or CIDR block of an IP list, IPv4 or IPv6.
fn block(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let addr: IpAddr = addr.trim().parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b.trim().parse::<u8>().ok().filter(|b| *b <= max)?,
        None => max,
    };
    Some((addr, bits))
}

fn contains((net, bits): (IpAddr, u8), ip: IpAddr) -> bool {
    let ip = match (net, ip) {
        (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        _ => ip,
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

impl NetworkPolicy {
    /// The `AccessKeyPolicy` parameter: the documented structure, every IP list entry an
    /// address or CIDR block, a VPC list naming its VPC; else `InvalidParameter.AccessKeyPolicy`
    /// (no code is documented for it; RAM's pattern).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::from(GatewayError::incorrect("AccessKeyPolicy"));
        let p: NetworkPolicy = serde_json::from_str(text).map_err(|_| bad())?;
        if p.version != 1 {
            return Err(bad());
        }
        for s in &p.statements {
            if s.ip_list.is_empty() || s.ip_list.iter().any(|e| block(e).is_none()) {
                return Err(bad());
            }
            match (s.kind, &s.value) {
                (WhiteList::ClassicWhiteList, Some(_)) | (WhiteList::VPCWhiteList, None) => return Err(bad()),
                _ => {}
            }
        }
        Ok(p)
    }

    pub fn is_active(&self) -> bool {
        self.status == Status::Active
    }

    /// Whether a request from `ip` may use a key under this policy.
    pub fn allows(&self, ip: IpAddr) -> bool {
        !self.is_active()
            || self
                .statements
                .iter()
                .filter(|s| s.kind == WhiteList::ClassicWhiteList)
                .any(|s| s.ip_list.iter().filter_map(|e| block(e)).any(|b| contains(b, ip)))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| NONE.to_string())
    }
}

/// The policy that applies to a permanent key: its own when active, else the account's.
pub fn effective(key: Option<&NetworkPolicy>, account: Option<&NetworkPolicy>) -> Option<NetworkPolicy> {
    match key {
        Some(k) if k.is_active() => Some(k.clone()),
        _ => account.filter(|a| a.is_active()).cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn white_lists_admit_their_addresses_only() {
        let p = NetworkPolicy::parse(
            r#"{"Version":1,"Status":"Active","Statements":[{"Type":"ClassicWhiteList","IPList":["203.0.113.1","198.51.100.0/24","2001:db8::/32"]},{"Type":"VPCWhiteList","Value":"vpc-1","IPList":["172.16.0.0/16"]}]}"#,
        )
        .unwrap();
        for ok in ["203.0.113.1", "198.51.100.77", "2001:db8::1", "::ffff:198.51.100.5"] {
            assert!(p.allows(ip(ok)), "{ok}");
        }
        for no in ["203.0.113.2", "127.0.0.1", "172.16.0.1", "2001:db9::1"] {
            assert!(!p.allows(ip(no)), "{no}");
        }
        let inactive = NetworkPolicy { status: Status::Inactive, ..p.clone() };
        assert!(inactive.allows(ip("127.0.0.1")));
        assert_eq!(effective(Some(&inactive), Some(&p)), Some(p.clone()));
        assert_eq!(effective(Some(&p), None), Some(p));
        assert_eq!(effective(None, Some(&inactive)), None);
    }

    #[test]
    fn malformed_policies_are_refused() {
        for bad in [
            "not json",
            r#"{"Version":2,"Status":"Active","Statements":[]}"#,
            r#"{"Version":1,"Status":"On","Statements":[]}"#,
            r#"{"Version":1,"Status":"Active","Statements":[{"Type":"ClassicWhiteList","IPList":["10.0.0.0/33"]}]}"#,
            r#"{"Version":1,"Status":"Active","Statements":[{"Type":"ClassicWhiteList","IPList":[]}]}"#,
            r#"{"Version":1,"Status":"Active","Statements":[{"Type":"VPCWhiteList","IPList":["10.0.0.0/8"]}]}"#,
            r#"{"Version":1,"Status":"Active","Statements":null}"#,
        ] {
            assert_eq!(NetworkPolicy::parse(bad).unwrap_err().code, "InvalidParameter.AccessKeyPolicy", "{bad}");
        }
        assert!(NetworkPolicy::parse(NONE).is_ok());
    }
}
