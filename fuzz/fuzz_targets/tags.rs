//! Tag, name and SLS resource rules applied to request values: tag keys and values of all three
//! services, merging and filters, RAM identity names, SLS `resourceType` and `resourceId`.
//!
//! Input lines: alternately tag key and value (also used as names and ids).
#![no_main]

use libfuzzer_sys::fuzz_target;
use localyun_core::names;
use localyun_core::sls::{parse_resource_id, ResourceKind};
use localyun_core::tags::{matches_all, TagSet, IMS_USER_TAGS, RAM_TAGS, SLS_TAGS};

fuzz_target!(|data: &[u8]| {
    let text = localyun_fuzz::text(data);
    let lines = localyun_fuzz::lines(&text, 64);
    let pairs: Vec<(&str, &str)> = lines.chunks(2).map(|c| (c.first().copied().unwrap_or(""), c.get(1).copied().unwrap_or(""))).collect();
    let (first, rest) = pairs.split_at(pairs.len() / 2);
    for rules in [IMS_USER_TAGS, RAM_TAGS, SLS_TAGS] {
        let _ = rules.check_pairs(pairs.iter().copied());
        let current: TagSet = first.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if let Ok(next) = rules.merged(&current, rest) {
            assert!(next.len() <= rules.max_per_resource);
            let filter: Vec<(&str, Option<&str>)> = rest.iter().map(|(k, v)| (*k, Some(*v).filter(|v| !v.is_empty()))).collect();
            assert!(matches_all(&next, &filter) || filter.iter().any(|(k, _)| rest.iter().filter(|(r, _)| r == k).count() > 1));
        }
    }
    let domain = names::default_domain("1234567890123456");
    let kinds =
        [ResourceKind::Project, ResourceKind::Logstore, ResourceKind::Dashboard, ResourceKind::MachineGroup, ResourceKind::LogtailConfig];
    for line in &lines {
        let _ = names::check_user_name("UserName", line);
        let _ = names::check_role_name("RoleName", line);
        let _ = names::check_policy_name("PolicyName", line);
        let _ = names::check_text("DisplayName", line, 24);
        let _ = names::check_contact("Email", line);
        let _ = names::split_principal_name("UserPrincipalName", line, &domain);
        let _ = ResourceKind::parse_tag_type(line);
        for kind in kinds {
            let _ = kind.valid_name(line);
            let _ = parse_resource_id(kind, line);
        }
    }
});
