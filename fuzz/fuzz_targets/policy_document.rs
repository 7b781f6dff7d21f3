//! Policy documents (CreatePolicy, CreateRole's trust policy, AssumeRole's session policy) and
//! what evaluation does with them: the condition operators on request values, CIDR and date
//! parsing, wildcard matching. Also the other base64/JSON texts a client can send back:
//! DecodeDiagnosticMessage's message and paging tokens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localyun_core::paging::{decode_token, split_row_position};
use localyun_core::policy::condition::{parse_cidr, parse_date, Operator};
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::policy::{decide, glob, trust_allows, ConditionKeys, Request, TrustCaller};
use localyun_core::AccessDenied;

const OPERATORS: [&str; 21] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "IpAddress",
    "NotIpAddress",
];

fuzz_target!(|data: &[u8]| {
    let text = localyun_fuzz::text(data);
    let s = text.as_ref();
    for kind in [DocumentKind::Identity, DocumentKind::Trust, DocumentKind::Session] {
        let Ok(policy) = parse(s, kind) else { continue };
        // Request values taken from the document itself reach every comparison path.
        let mut keys = ConditionKeys::default();
        let mut values: Vec<String> = vec!["127.0.0.1".into(), "2026-11-25T17:51:31Z".into(), "true".into(), "10".into()];
        for c in policy.statements.iter().flat_map(|st| &st.conditions) {
            values.extend(c.values.iter().cloned());
            keys.set(&c.key, values.clone());
        }
        let first = policy.statements.first();
        let action = first.and_then(|st| st.actions.patterns.first()).map_or("ram:GetUser", String::as_str);
        let resource = first.and_then(|st| st.resources.as_ref()).and_then(|r| r.patterns.first()).map_or("*", String::as_str);
        let _ = decide([(0, &policy)], &Request::new(action, resource, &keys));
        let _ = decide([(0, &policy)], &Request::new("ram:GetUser", "acs:ram::1:user/a", &keys));
        let caller = TrustCaller { account_id: "111", arn: "acs:ram::111:user/a", role_arn: Some("acs:ram::111:role/r") };
        let _ = trust_allows(&policy, &caller, &keys);
    }
    let lines = localyun_fuzz::lines(s, 16);
    for (i, line) in lines.iter().enumerate() {
        let _ = parse_cidr(line);
        let _ = parse_date(line);
        let other = lines.get(i + 1).copied().unwrap_or("");
        let _ = glob::matches(line, other, false);
        let _ = glob::matches(line, other, true);
        for op in OPERATORS.iter().filter_map(|name| Operator::parse(name)) {
            let _ = op.valid_value(line);
            let _ = op.holds(Some(&[other.to_string()]), &[line.to_string()]);
        }
    }
    let _ = AccessDenied::decode(s);
    if let Some(position) = decode_token(s) {
        let _ = split_row_position(&position);
    }
    let _ = split_row_position(s);
});
