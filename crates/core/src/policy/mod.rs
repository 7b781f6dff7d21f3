//! The RAM policy engine (policy.md): documents are parsed and validated once, on write, into a
//! compiled form; evaluation is pure and does no I/O. Explicit Deny wins, then any Allow, else
//! implicit deny (policy.md 5.2).

pub mod condition;
pub mod document;
pub mod glob;

use crate::tags::TagSet;
use document::{Effect, Patterns, Policy, Principal, Statement};

/// Condition keys compare without case, except the tag key after `acs:RequestTag/` and
/// `acs:ResourceTag/`, because tag keys are case-sensitive (policy.md 4.1).
pub fn normalize_key(key: &str) -> String {
    match key.split_once('/') {
        Some((prefix, tag)) => format!("{}/{tag}", prefix.to_ascii_lowercase()),
        None => key.to_ascii_lowercase(),
    }
}

/// The request-side values of condition keys (policy.md 4.3), found by normalized name and
/// reported under the name they were set with. A request carries a handful of keys, so a list
/// searched in order is cheaper than a hash map to build and to read.
#[derive(Debug, Clone, Default)]
pub struct ConditionKeys(Vec<(String, String, Vec<String>)>);

impl ConditionKeys {
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        let normalized = normalize_key(key);
        match self.0.iter_mut().find(|(n, _, _)| *n == normalized) {
            Some(entry) => *entry = (normalized, key.to_string(), values),
            None => self.0.push((normalized, key.to_string(), values)),
        }
    }

    pub fn get(&self, normalized: &str) -> Option<&[String]> {
        self.0.iter().find(|(n, _, _)| n == normalized).map(|(_, _, v)| v.as_slice())
    }

    /// The keys (as set) and values, for diagnostics.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter().map(|(_, k, v)| (k, v))
    }
}

const RESOURCE_TAG_PREFIX: &str = "acs:resourcetag/";

/// One request to decide: an action on one resource (an ARN or the literal `*`).
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub keys: &'a ConditionKeys,
    /// The resource's tags, when it exists and carries them: the values of
    /// `acs:ResourceTag/<key>`, read in place rather than copied into `keys` per resource.
    pub resource_tags: Option<&'a TagSet>,
}

impl<'a> Request<'a> {
    pub fn new(action: &'a str, resource: &'a str, keys: &'a ConditionKeys) -> Self {
        Self { action, resource, keys, resource_tags: None }
    }

    /// The request's values of a condition key, by normalized name.
    pub fn key(&self, normalized: &str) -> Option<&'a [String]> {
        if let (Some(tags), Some(tag)) = (self.resource_tags, normalized.strip_prefix(RESOURCE_TAG_PREFIX)) {
            return tags.get(tag).map(std::slice::from_ref);
        }
        self.keys.get(normalized)
    }
}

fn patterns_match(p: &Patterns, value: &str, ignore_case: bool) -> bool {
    let any = p.patterns.iter().any(|pat| glob::matches(pat, value, ignore_case));
    any != p.negated
}

/// Whether a statement's Action, Resource and Condition all match the request. Actions compare
/// without case (policy.md 3.2), resources with case (3.3); a request for an action without
/// resource-level permission carries the literal resource `*`, which only a pattern matching
/// `*` covers (the seed's rule for `ram:UntagResources`).
pub fn statement_matches(s: &Statement, req: &Request<'_>) -> bool {
    patterns_match(&s.actions, req.action, true)
        && s.resources.as_ref().is_none_or(|r| patterns_match(r, req.resource, false))
        && s.conditions.iter().all(|c| c.operator.holds(req.key(&c.key), &c.values))
}

/// The outcome of evaluating a set of policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<P> {
    Allow,
    /// A Deny statement matched: which policy, and the statement's index in it.
    ExplicitDeny {
        policy: P,
        statement: usize,
    },
    ImplicitDeny,
}

impl<P> Decision<P> {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// Decides a request against policies (each tagged with whatever identifies it to the caller).
/// Order is irrelevant; the first matching Deny found is reported.
pub fn decide<'p, P: Clone + 'p>(policies: impl IntoIterator<Item = (P, &'p Policy)>, req: &Request<'_>) -> Decision<P> {
    let mut allowed = false;
    for (id, policy) in policies {
        for (i, s) in policy.statements.iter().enumerate() {
            if !statement_matches(s, req) {
                continue;
            }
            match s.effect {
                Effect::Deny => return Decision::ExplicitDeny { policy: id, statement: i },
                Effect::Allow => allowed = true,
            }
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Who is asking to assume a role, for matching a trust policy's `Principal` (policy.md 3.4).
pub struct TrustCaller<'a> {
    pub account_id: &'a str,
    /// The caller's own ARN: `acs:ram::<acct>:user/<name>`, or a session's
    /// `acs:ram::<acct>:role/<role>/<session>`.
    pub arn: &'a str,
    /// For a role session, its role's ARN `acs:ram::<acct>:role/<role>` (role chaining).
    pub role_arn: Option<&'a str>,
}

/// `RAM` entries: the caller's ARN, its role's ARN when it is a role session, or its account
/// (`acs:ram::<acct>:root` or the bare id) (policy.md 3.4).
pub fn principal_matches(p: &Principal, caller: &TrustCaller<'_>) -> bool {
    let root = format!("acs:ram::{}:root", caller.account_id);
    p.ram.iter().any(|entry| entry == caller.arn || Some(entry.as_str()) == caller.role_arn || *entry == root || entry == caller.account_id)
}

/// A trust policy allows `sts:AssumeRole` for the caller: some Allow statement matches the
/// action, the principal and the conditions, and no Deny does.
pub fn trust_allows(policy: &Policy, caller: &TrustCaller<'_>, keys: &ConditionKeys) -> bool {
    let req = Request::new("sts:AssumeRole", "*", keys);
    let mut allowed = false;
    for s in &policy.statements {
        let who = s.principal.as_ref().is_some_and(|p| principal_matches(p, caller));
        if !who || !statement_matches(s, &req) {
            continue;
        }
        match s.effect {
            Effect::Deny => return false,
            Effect::Allow => allowed = true,
        }
    }
    allowed
}

/// A trust policy lets an identity provider's federated users assume the role
/// (AssumeRoleWithOIDC/SAML): some Allow statement names `provider_arn` under `Federated` and
/// matches `sts:AssumeRole` with the token's condition keys (`oidc:iss`, `oidc:aud`,
/// `oidc:sub`), and no such Deny does.
pub fn federated_trust_allows(policy: &Policy, provider_arn: &str, keys: &ConditionKeys) -> bool {
    let req = Request::new("sts:AssumeRole", "*", keys);
    let mut allowed = false;
    for s in &policy.statements {
        let named = s.principal.as_ref().is_some_and(|p| p.federated.iter().any(|f| f == provider_arn));
        if !named || !statement_matches(s, &req) {
            continue;
        }
        match s.effect {
            Effect::Deny => return false,
            Effect::Allow => allowed = true,
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::document::{parse, DocumentKind};
    use super::*;

    fn policy(text: &str) -> Policy {
        parse(text, DocumentKind::Identity).unwrap()
    }

    fn decide_one(policies: &[&Policy], action: &str, resource: &str, keys: &ConditionKeys) -> Decision<usize> {
        decide(policies.iter().enumerate().map(|(i, p)| (i, *p)), &Request::new(action, resource, keys))
    }

    const ACCT: &str = "123456789012";

    /// policy.md 10: the suggested test matrix.
    #[test]
    fn matrix() {
        let none = ConditionKeys::default();
        let user = |n: &str| format!("acs:ram::{ACCT}:user/{n}");
        // 1. Allow ram:* + Deny ram:Delete* → DeleteUser explicitly denied, GetUser allowed.
        let allow_all = policy(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*","Resource":"*"}]}"#);
        let deny_delete = policy(r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"ram:Delete*","Resource":"*"}]}"#);
        assert_eq!(
            decide_one(&[&allow_all, &deny_delete], "ram:DeleteUser", &user("a"), &none),
            Decision::ExplicitDeny { policy: 1, statement: 0 }
        );
        assert!(decide_one(&[&allow_all, &deny_delete], "ram:GetUser", &user("a"), &none).is_allowed());
        // 2. No policy → implicit deny.
        assert_eq!(decide_one(&[], "ram:GetUser", &user("a"), &none), Decision::ImplicitDeny);
        // 4. NotAction with Allow: everything but deletes.
        let not_delete = policy(r#"{"Version":"1","Statement":[{"Effect":"Allow","NotAction":["ram:Delete*"],"Resource":"*"}]}"#);
        assert!(decide_one(&[&not_delete], "ram:CreateUser", &user("a"), &none).is_allowed());
        assert_eq!(decide_one(&[&not_delete], "ram:DeleteUser", &user("a"), &none), Decision::ImplicitDeny);
        // 5. Resource patterns.
        let dev = policy(&format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"ram:GetUser","Resource":"acs:ram:*:{ACCT}:user/dev-*"}}]}}"#
        ));
        assert!(decide_one(&[&dev], "ram:GetUser", &user("dev-alice"), &none).is_allowed());
        assert!(!decide_one(&[&dev], "ram:GetUser", &user("alice"), &none).is_allowed());
        // 6. "All Resources" actions: only a statement covering `*` grants them.
        let users_only = policy(&format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"ram:*","Resource":"acs:ram:*:{ACCT}:user/*"}}]}}"#
        ));
        assert!(!decide_one(&[&users_only], "ram:UntagResources", "*", &none).is_allowed());
        assert!(decide_one(&[&allow_all], "ram:UntagResources", "*", &none).is_allowed());
        // 7. SourceIp.
        let local = policy(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"127.0.0.1/32"}}}]}"#,
        );
        let mut k = ConditionKeys::default();
        k.set("acs:SourceIp", vec!["127.0.0.1".into()]);
        assert!(decide_one(&[&local], "ram:GetUser", "*", &k).is_allowed());
        k.set("acs:SourceIp", vec!["10.0.0.9".into()]);
        assert!(!decide_one(&[&local], "ram:GetUser", "*", &k).is_allowed());
        // 8. CurrentTime in the past.
        let expired = policy(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#,
        );
        let mut now = ConditionKeys::default();
        now.set("acs:CurrentTime", vec!["2026-11-25T00:00:00Z".into()]);
        assert!(!decide_one(&[&expired], "ram:GetUser", "*", &now).is_allowed());
        // 9. SecureTransport over plain HTTP.
        let tls = policy(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"}}}]}"#,
        );
        let mut plain = ConditionKeys::default();
        plain.set("acs:SecureTransport", vec!["false".into()]);
        assert!(!decide_one(&[&tls], "ram:GetUser", "*", &plain).is_allowed());
        // 10. ResourceTag; tag keys keep their case.
        let team = policy(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:GetUser","Resource":"*","Condition":{"StringEquals":{"ACS:ResourceTag/team":"dev"}}}]}"#,
        );
        let mut tagged = ConditionKeys::default();
        tagged.set("acs:ResourceTag/team", vec!["dev".into()]);
        assert!(decide_one(&[&team], "ram:GetUser", &user("a"), &tagged).is_allowed());
        let mut other_case = ConditionKeys::default();
        other_case.set("acs:ResourceTag/Team", vec!["dev".into()]);
        assert!(!decide_one(&[&team], "ram:GetUser", &user("a"), &other_case).is_allowed());
        assert!(!decide_one(&[&team], "ram:GetUser", &user("a"), &none).is_allowed());
        // ... and read from the resource's own tags in place, with the same case rule.
        let tags: TagSet = [("team".to_string(), "dev".to_string())].into();
        let on_resource = Request { resource_tags: Some(&tags), ..Request::new("ram:GetUser", "*", &none) };
        assert!(decide([(0, &team)], &on_resource).is_allowed());
        let other: TagSet = [("Team".to_string(), "dev".to_string())].into();
        let on_other = Request { resource_tags: Some(&other), ..Request::new("ram:GetUser", "*", &none) };
        assert!(!decide([(0, &team)], &on_other).is_allowed());
        // 13. Action case is ignored.
        let lower = policy(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"RAM:getuser","Resource":"*"}]}"#);
        assert!(decide_one(&[&lower], "ram:GetUser", "*", &none).is_allowed());
    }

    #[test]
    fn not_resource() {
        let none = ConditionKeys::default();
        let p = policy(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*","NotResource":"acs:ram:*:*:user/admin"}]}"#);
        assert!(decide_one(&[&p], "ram:GetUser", "acs:ram::1:user/bob", &none).is_allowed());
        assert!(!decide_one(&[&p], "ram:GetUser", "acs:ram::1:user/admin", &none).is_allowed());
        assert!(decide_one(&[&p], "ram:ListUsers", "*", &none).is_allowed());
    }

    #[test]
    fn trust_policies() {
        let none = ConditionKeys::default();
        let t = parse(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::111:root"]}},{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::111:user/mallory"}}]}"#,
            DocumentKind::Trust,
        )
        .unwrap();
        assert!(trust_allows(&t, &TrustCaller { account_id: "111", arn: "acs:ram::111:user/alice", role_arn: None }, &none));
        assert!(!trust_allows(&t, &TrustCaller { account_id: "111", arn: "acs:ram::111:user/mallory", role_arn: None }, &none));
        assert!(!trust_allows(&t, &TrustCaller { account_id: "222", arn: "acs:ram::222:user/alice", role_arn: None }, &none));
        let ext = parse(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"111"},"Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}]}"#,
            DocumentKind::Trust,
        )
        .unwrap();
        let mut k = ConditionKeys::default();
        assert!(!trust_allows(&ext, &TrustCaller { account_id: "111", arn: "acs:ram::111:user/a", role_arn: None }, &k));
        k.set("sts:ExternalId", vec!["abc".into()]);
        assert!(trust_allows(&ext, &TrustCaller { account_id: "111", arn: "acs:ram::111:user/a", role_arn: None }, &k));
        let chain = parse(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::111:role/r1"}}]}"#,
            DocumentKind::Trust,
        )
        .unwrap();
        let session = TrustCaller { account_id: "111", arn: "acs:ram::111:role/r1/s", role_arn: Some("acs:ram::111:role/r1") };
        assert!(trust_allows(&chain, &session, &ConditionKeys::default()));
        assert!(!trust_allows(
            &chain,
            &TrustCaller { account_id: "111", arn: "acs:ram::111:user/r1", role_arn: None },
            &ConditionKeys::default()
        ));
    }
}
