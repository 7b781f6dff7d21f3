//! Every list call pages from an index in listing order (issue 10, format 3): through the real
//! handlers of the action tables, a page reads only its own records (a counting [`Txn`] checks
//! it), pages cover the listing once in order with the tokens of the wire contract, and a store
//! of format 2 (without the indexes) lists the same after its migration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::actions::{Context, RpcService};
use crate::caller::{Caller, Identity};
use crate::failure::{transact, Result};
use crate::migrations::MIGRATIONS;
use crate::sls::{Reply, SlsCall};
use localyun_core::paging::encode_token;
use localyun_core::params::Params;
use localyun_store::{Mode, SqliteStore, Store, StoreError, Txn};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const ACCOUNT: &str = "1234567890123456";
const REGION: &str = "cn-hangzhou";

/// The tables format 3 added: a format-2 store has none of them.
const FORMAT_3_TABLES: &[&str] = &[
    crate::identity::groups::GROUP_BY_POSITION,
    crate::identity::groups::GROUP_MEMBER_BY_JOIN,
    crate::identity::roles::ROLE_BY_POSITION,
    crate::identity::roles::ROLE_TAGGED,
    crate::identity::policies::POLICY_BY_POSITION,
    crate::identity::policies::POLICY_TAGGED,
    crate::identity::attachments::ATTACHMENT_COUNT,
    crate::logservice::tables::PROJECT_COUNT,
    crate::logservice::tables::RESOURCE_NAME,
    crate::logservice::tables::RESOURCE_COUNT,
    crate::logservice::tables::TAGGED,
];

/// A transaction that counts what goes through it: gets and scanned rows, per table.
struct Counting<'a, 'b> {
    inner: &'a mut (dyn Txn + 'b),
    gets: BTreeMap<String, usize>,
    rows: BTreeMap<String, usize>,
}

impl<'a, 'b> Counting<'a, 'b> {
    fn new(inner: &'a mut (dyn Txn + 'b)) -> Self {
        Self { inner, gets: BTreeMap::new(), rows: BTreeMap::new() }
    }

    fn gets(&self, table: &str) -> usize {
        self.gets.get(table).copied().unwrap_or(0)
    }

    fn rows(&self, table: &str) -> usize {
        self.rows.get(table).copied().unwrap_or(0)
    }
}

impl Txn for Counting<'_, '_> {
    fn get(&mut self, table: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        *self.gets.entry(table.to_string()).or_default() += 1;
        self.inner.get(table, key)
    }
    fn put(&mut self, table: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.inner.put(table, key, value)
    }
    fn delete(&mut self, table: &str, key: &str) -> Result<bool, StoreError> {
        self.inner.delete(table, key)
    }
    fn scan(&mut self, table: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = self.inner.scan(table, prefix, after, limit)?;
        *self.rows.entry(table.to_string()).or_default() += rows.len();
        Ok(rows)
    }
    fn claim_nonce(&mut self, fingerprint: &[u8; 16], expires_ms: i64, now_ms: i64) -> Result<(), StoreError> {
        self.inner.claim_nonce(fingerprint, expires_ms, now_ms)
    }
    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.inner.savepoint()
    }
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.inner.rollback_to_savepoint()
    }
    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.inner.release_savepoint()
    }
}

fn caller() -> Caller {
    Caller { account_id: ACCOUNT.into(), identity: Identity::Root, access_key_id: "LTAIlisttests".into() }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
}

/// Runs an RPC action's handler, as its table names it.
fn rpc(txn: &mut dyn Txn, service: &RpcService, action: &str, pairs: &[(&str, &str)]) -> Result<Map<String, Value>> {
    let handler = service.action(action).and_then(|a| a.handler).expect("an implemented action");
    let (p, c) = (params(pairs), caller());
    (handler.run)(&p, &Context { caller: &c }, txn)
}

fn ram(txn: &mut dyn Txn, action: &str, pairs: &[(&str, &str)]) -> Map<String, Value> {
    rpc(txn, &crate::services::ram::SERVICE, action, pairs).unwrap_or_else(|e| panic!("{action} {pairs:?}: {e}"))
}

/// Runs an SLS action's handler with the project of the Host, the query and the body.
fn sls(txn: &mut dyn Txn, action: &str, project: Option<&str>, item: Option<&str>, query: &[(&str, &str)], body: Value) -> Value {
    let a = crate::services::sls::ACTIONS.iter().find(|a| a.name == action).expect("an SLS action");
    let (q, c) = (params(query), caller());
    let call = SlsCall { caller: &c, region: REGION, host_project: project, item, query: &q, body: &body, loaded: Default::default() };
    match (a.handler)(&call, txn).unwrap_or_else(|e| panic!("{action} {project:?} {query:?}: {e}")) {
        Reply::Empty => Value::Null,
        Reply::Json(v) => v,
    }
}

fn store() -> SqliteStore {
    SqliteStore::in_memory(MIGRATIONS).unwrap()
}

fn write<T>(store: &dyn Store, f: impl FnMut(&mut dyn Txn) -> Result<T>) -> T {
    transact(store, Mode::Write, f).unwrap()
}

/// The items of a wrapped list (`{"Groups": {"Group": [...]}}`) by one field.
fn names(body: &Map<String, Value>, outer: &str, inner: &str, field: &str) -> Vec<String> {
    body[outer][inner].as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_string()).collect()
}

/// Every `Marker` page of a RAM list call, checking the truncation fields on the way.
fn marker_pages(txn: &mut dyn Txn, action: &str, pairs: &[(&str, &str)], max: usize) -> Vec<Map<String, Value>> {
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    let max = max.to_string();
    loop {
        let mut p: Vec<(&str, &str)> = pairs.to_vec();
        p.push(("MaxItems", &max));
        if let Some(m) = &marker {
            p.push(("Marker", m));
        }
        let page = ram(txn, action, &p);
        let truncated = page["IsTruncated"].as_bool().unwrap();
        marker = page.get("Marker").and_then(Value::as_str).map(str::to_string);
        assert_eq!(truncated, marker.is_some(), "a Marker exactly while truncated: {page:?}");
        pages.push(page);
        if !truncated {
            return pages;
        }
        assert!(pages.len() < 10_000, "paging does not end");
    }
}

fn concat(pages: &[Map<String, Value>], outer: &str, inner: &str, field: &str) -> Vec<String> {
    pages.iter().flat_map(|p| names(p, outer, inner, field)).collect()
}

fn trust() -> String {
    json!({"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [format!("acs:ram::{ACCOUNT}:root")]}}]})
        .to_string()
}

fn policy_document() -> &'static str {
    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:GetUser","Resource":"*"}]}"#
}

// ----------------------------------------------------------------------------- RAM

#[test]
fn a_page_of_users_reads_only_its_users() {
    let store = store();
    write(&store, |t| {
        for i in 0..300 {
            let team = if i % 3 == 0 { "red" } else { "blue" };
            ram(t, "CreateUser", &[("UserName", &format!("user-{i:03}"))]);
            let id = crate::identity::users::require_by_name(t, ACCOUNT, &format!("user-{i:03}"))?.id;
            rpc(t, &crate::services::ims::SERVICE, "TagResources", &[("ResourceId.1", &id), ("Tag.1.Key", "team"), ("Tag.1.Value", team)])?;
        }
        Ok(())
    });
    write(&store, |t| {
        let all = crate::identity::users::list(t, ACCOUNT)?;
        assert_eq!(all.len(), 300);
        let mut c = Counting::new(t);
        let page = ram(&mut c, "ListUsers", &[("MaxItems", "2"), ("Marker", &encode_token(&all[99].position()))]);
        assert_eq!(names(&page, "Users", "User", "UserName"), vec![all[100].name.clone(), all[101].name.clone()]);
        assert_eq!(page["Marker"], json!(encode_token(&all[101].position())));
        assert_eq!(c.gets(crate::identity::tables::USER), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::identity::tables::USER), 0, "no scan of the user records");
        assert!(c.rows(crate::identity::tables::USER_BY_POSITION) <= 3, "{:?}", c.rows);
        let pages = marker_pages(t, "ListUsers", &[], 7);
        assert_eq!(concat(&pages, "Users", "User", "UserName"), all.iter().map(|u| u.name.clone()).collect::<Vec<_>>());

        // IMS ListUsers filtered by a tag and its value reads only the users carrying it.
        let red: Vec<String> =
            all.iter().filter(|u| u.tags.get("team").map(String::as_str) == Some("red")).map(|u| u.name.clone()).collect();
        let mut c = Counting::new(t);
        let ims =
            rpc(&mut c, &crate::services::ims::SERVICE, "ListUsers", &[("MaxItems", "3"), ("Tag.1.Key", "team"), ("Tag.1.Value", "red")])?;
        let got: Vec<String> = ims["Users"]["User"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["UserPrincipalName"].as_str().unwrap().split('@').next().unwrap().to_string())
            .collect();
        assert_eq!(got, red[..3].to_vec());
        assert_eq!(ims["IsTruncated"], json!(true));
        assert!(c.gets(crate::identity::tables::USER) <= 4, "only red users are read: {:?}", c.gets);
        Ok(())
    });
}

#[test]
fn a_page_of_groups_reads_only_its_groups() {
    let store = store();
    write(&store, |t| {
        for i in 0..300 {
            ram(t, "CreateGroup", &[("GroupName", &format!("group-{i:03}"))]);
        }
        Ok(())
    });
    write(&store, |t| {
        // The order: creation time, then ID (several groups share a millisecond).
        let mut all: Vec<crate::identity::groups::GroupRecord> =
            crate::record::scan_all(t, crate::identity::tables::GROUP, &format!("{ACCOUNT}/"))?;
        all.sort_by_cached_key(|g| g.position());
        let mut c = Counting::new(t);
        let page = ram(&mut c, "ListGroups", &[("MaxItems", "2"), ("Marker", &encode_token(&all[99].position()))]);
        assert_eq!(names(&page, "Groups", "Group", "GroupName"), vec![all[100].name.clone(), all[101].name.clone()]);
        assert_eq!(page["Marker"], json!(encode_token(&all[101].position())));
        assert_eq!(c.gets(crate::identity::tables::GROUP), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::identity::tables::GROUP), 0);
        assert!(c.rows(crate::identity::groups::GROUP_BY_POSITION) <= 3, "{:?}", c.rows);

        let pages = marker_pages(t, "ListGroups", &[], 7);
        assert_eq!(pages.len(), 43);
        assert_eq!(concat(&pages, "Groups", "Group", "GroupName"), all.iter().map(|g| g.name.clone()).collect::<Vec<_>>());
        // The default page is 100.
        let first = ram(t, "ListGroups", &[]);
        assert_eq!((names(&first, "Groups", "Group", "GroupName").len(), &first["IsTruncated"]), (100, &json!(true)));
        // A Marker whose group was deleted meanwhile resumes at the next one.
        let marker = page["Marker"].as_str().unwrap().to_string();
        ram(t, "DeleteGroup", &[("GroupName", &all[101].name)]);
        let next = ram(t, "ListGroups", &[("MaxItems", "1"), ("Marker", &marker)]);
        assert_eq!(names(&next, "Groups", "Group", "GroupName"), vec![all[102].name.clone()]);
        Ok(())
    });
}

#[test]
fn a_page_of_roles_reads_only_its_roles_and_a_tag_filter_stops_after_one_more_match() {
    let store = store();
    let trust = trust();
    write(&store, |t| {
        for i in 0..500 {
            // Every fifth role is tagged, one in fifty with team=a.
            let tag = json!([{"Key": "team", "Value": if i % 50 == 5 { "a" } else { "b" }}]).to_string();
            let name = format!("role-{i:03}");
            let mut p = vec![("RoleName", name.as_str()), ("AssumeRolePolicyDocument", trust.as_str())];
            if i % 5 == 0 {
                p.push(("Tag", &tag));
            }
            ram(t, "CreateRole", &p);
        }
        Ok(())
    });
    write(&store, |t| {
        let mut all: Vec<crate::identity::roles::RoleRecord> =
            crate::record::scan_all(t, crate::identity::tables::ROLE, &format!("{ACCOUNT}/"))?;
        all.sort_by_cached_key(|r| r.position());
        let mut c = Counting::new(t);
        let page = ram(&mut c, "ListRoles", &[("MaxItems", "2"), ("Marker", &encode_token(&all[249].position()))]);
        assert_eq!(names(&page, "Roles", "Role", "RoleName"), vec![all[250].name.clone(), all[251].name.clone()]);
        assert_eq!(c.gets(crate::identity::tables::ROLE), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::identity::tables::ROLE), 0);

        let pages = marker_pages(t, "ListRoles", &[], 33);
        assert_eq!(concat(&pages, "Roles", "Role", "RoleName"), all.iter().map(|r| r.name.clone()).collect::<Vec<_>>());

        let filter = json!([{"Key": "team", "Value": "a"}]).to_string();
        let wanted: Vec<String> =
            all.iter().filter(|r| r.tags.get("team").map(String::as_str) == Some("a")).map(|r| r.name.clone()).collect();
        assert_eq!(wanted.len(), 10);
        let pages = marker_pages(t, "ListRoles", &[("Tag", &filter)], 3);
        assert_eq!(concat(&pages, "Roles", "Role", "RoleName"), wanted);
        // A filtered page reads roles in order until the page is full and one more matches.
        let mut c = Counting::new(t);
        let page = ram(&mut c, "ListRoles", &[("Tag", &filter), ("MaxItems", "1")]);
        assert_eq!(names(&page, "Roles", "Role", "RoleName"), vec![wanted[0].clone()]);
        let second = all.iter().position(|r| r.name == wanted[1]).unwrap();
        assert_eq!(c.gets(crate::identity::tables::ROLE), second + 1, "up to the second match");
        let any_team = json!([{"Key": "team"}]).to_string();
        let tagged = ram(t, "ListRoles", &[("Tag", &any_team), ("MaxItems", "1000")]);
        assert_eq!(names(&tagged, "Roles", "Role", "RoleName").len(), 100);
        Ok(())
    });
}

#[test]
fn policy_pages_put_system_policies_first_and_read_only_their_custom_policies() {
    let store = store();
    write(&store, |t| {
        for i in 0..500 {
            let tag = json!([{"Key": "k", "Value": format!("{}", i % 100)}]).to_string();
            let name = format!("Policy{i:03}");
            let mut p = vec![("PolicyName", name.as_str()), ("PolicyDocument", policy_document())];
            if i % 10 == 0 {
                p.push(("Tag", &tag));
            }
            ram(t, "CreatePolicy", &p);
        }
        ram(t, "CreateUser", &[("UserName", "alice")]);
        ram(t, "CreateGroup", &[("GroupName", "devs")]);
        for (kind, name) in [("User", "alice"), ("Group", "devs")] {
            for policy in ["Policy001", "Policy002"] {
                ram(
                    t,
                    &format!("AttachPolicyTo{kind}"),
                    &[("PolicyType", "Custom"), ("PolicyName", policy), (&format!("{kind}Name"), name)],
                );
            }
            ram(
                t,
                &format!("AttachPolicyTo{kind}"),
                &[("PolicyType", "System"), ("PolicyName", "ReadOnlyAccess"), (&format!("{kind}Name"), name)],
            );
        }
        Ok(())
    });
    write(&store, |t| {
        let mut custom: Vec<crate::identity::policies::PolicyRecord> =
            crate::record::scan_all(t, crate::identity::tables::POLICY, &format!("{ACCOUNT}/"))?;
        custom.sort_by_cached_key(|p| p.position());
        let system: Vec<String> = crate::identity::policies::SYSTEM_POLICIES.iter().map(|s| s.name.to_string()).collect();
        let every: Vec<String> = system.iter().cloned().chain(custom.iter().map(|p| p.name.clone())).collect();

        for size in [1, 3, 7, 100] {
            let pages = marker_pages(t, "ListPolicies", &[], size);
            assert_eq!(concat(&pages, "Policies", "Policy", "PolicyName"), every, "MaxItems={size}");
        }
        let pages = marker_pages(t, "ListPolicies", &[("PolicyType", "System")], 2);
        assert_eq!(concat(&pages, "Policies", "Policy", "PolicyName"), system);
        // The page boundary falls right after the system policies: the custom ones follow.
        let first = ram(t, "ListPolicies", &[("MaxItems", &system.len().to_string())]);
        assert_eq!((names(&first, "Policies", "Policy", "PolicyName"), &first["IsTruncated"]), (system.clone(), &json!(true)));
        assert_eq!(first["Marker"], json!(encode_token(&format!("0/{:04}", system.len() - 1))));

        let mut c = Counting::new(t);
        let marker = encode_token(&format!("1/{}", custom[199].position()));
        let page = ram(&mut c, "ListPolicies", &[("PolicyType", "Custom"), ("MaxItems", "2"), ("Marker", &marker)]);
        assert_eq!(names(&page, "Policies", "Policy", "PolicyName"), vec![custom[200].name.clone(), custom[201].name.clone()]);
        assert_eq!(page["Marker"], json!(encode_token(&format!("1/{}", custom[201].position()))));
        assert_eq!(c.gets(crate::identity::tables::POLICY), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::identity::tables::POLICY), 0);
        assert_eq!(c.rows(crate::identity::tables::ATTACHMENT_BY_POLICY), 0, "AttachmentCount is a counter");

        let filter = json!([{"Key": "k", "Value": "10"}]).to_string();
        let tagged = ram(t, "ListPolicies", &[("Tag", &filter)]);
        assert_eq!(
            names(&tagged, "Policies", "Policy", "PolicyName"),
            vec!["Policy010", "Policy110", "Policy210", "Policy310", "Policy410"]
        );
        let counts: BTreeMap<String, i64> = ram(t, "ListPolicies", &[("MaxItems", "20")])["Policies"]["Policy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["PolicyName"].as_str().unwrap().to_string(), p["AttachmentCount"].as_i64().unwrap()))
            .collect();
        assert_eq!((counts["ReadOnlyAccess"], counts["AdministratorAccess"]), (2, 0));
        assert_eq!(ram(t, "GetPolicy", &[("PolicyName", "Policy001")])["Policy"]["AttachmentCount"], json!(2));
        ram(t, "DetachPolicyFromUser", &[("PolicyType", "Custom"), ("PolicyName", "Policy001"), ("UserName", "alice")]);
        assert_eq!(ram(t, "GetPolicy", &[("PolicyName", "Policy001")])["Policy"]["AttachmentCount"], json!(1));
        Ok(())
    });
}

#[test]
fn a_page_of_group_members_reads_only_its_users() {
    let store = store();
    write(&store, |t| {
        ram(t, "CreateGroup", &[("GroupName", "big")]);
        for i in 0..300 {
            let name = format!("member-{i:03}");
            ram(t, "CreateUser", &[("UserName", &name)]);
            ram(t, "AddUserToGroup", &[("GroupName", "big"), ("UserName", &name)]);
        }
        Ok(())
    });
    write(&store, |t| {
        let pages = marker_pages(t, "ListUsersForGroup", &[("GroupName", "big")], 13);
        let listed = concat(&pages, "Users", "User", "UserName");
        // Join order, then user ID: the order of the old in-memory sort.
        let g = crate::identity::groups::require_by_name(t, ACCOUNT, "big")?;
        let prefix = format!("{ACCOUNT}/{}/", g.id);
        let mut joined: Vec<(i64, String)> = t
            .scan(crate::identity::tables::GROUP_MEMBER, &prefix, None, usize::MAX)?
            .into_iter()
            .map(|(k, v)| (String::from_utf8_lossy(&v).parse().unwrap(), k[prefix.len()..].to_string()))
            .collect();
        joined.sort();
        let mut expected = Vec::new();
        for (_, id) in &joined {
            expected.push(crate::identity::users::require_by_id(t, ACCOUNT, id)?.name);
        }
        assert_eq!(listed, expected);

        let mut c = Counting::new(t);
        let page = ram(&mut c, "ListUsersForGroup", &[("GroupName", "big"), ("MaxItems", "2")]);
        assert_eq!(names(&page, "Users", "User", "UserName"), expected[..2].to_vec());
        assert_eq!(page["Marker"], json!(encode_token(&format!("{:016}/{}", joined[1].0, joined[1].1))));
        assert_eq!(c.gets(crate::identity::tables::USER), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::identity::tables::GROUP_MEMBER), 0);

        ram(t, "RemoveUserFromGroup", &[("GroupName", "big"), ("UserName", &expected[0])]);
        let page = ram(t, "ListUsersForGroup", &[("GroupName", "big"), ("MaxItems", "1")]);
        assert_eq!(names(&page, "Users", "User", "UserName"), vec![expected[1].clone()]);
        assert!(
            t.scan(crate::identity::groups::GROUP_MEMBER_BY_JOIN, &prefix, None, usize::MAX)?.len() == 299,
            "the removed member left the join index"
        );
        Ok(())
    });
}

#[test]
fn ram_tag_listings_read_only_the_tagged_resources_of_their_rows() {
    let store = store();
    let trust = trust();
    write(&store, |t| {
        for i in 0..500 {
            ram(t, "CreateRole", &[("RoleName", &format!("Role-{i:03}")), ("AssumeRolePolicyDocument", &trust)]);
        }
        // Exact-name order: `B…` before `a…`.
        for (name, tags) in
            [("Role-007", r#"[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}]"#), ("Role-300", r#"[{"Key":"a","Value":"3"}]"#)]
        {
            ram(t, "TagResources", &[("ResourceType", "role"), ("ResourceNames", &format!("[\"{name}\"]")), ("Tag", tags)]);
        }
        ram(t, "CreateRole", &[("RoleName", "aaa"), ("AssumeRolePolicyDocument", &trust), ("Tag", r#"[{"Key":"a","Value":"9"}]"#)]);
        Ok(())
    });
    write(&store, |t| {
        let rows = |body: &Map<String, Value>| -> Vec<String> {
            body["TagResources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    format!("{}:{}={}", r["ResourceName"].as_str().unwrap(), r["TagKey"].as_str().unwrap(), r["TagValue"].as_str().unwrap())
                })
                .collect()
        };
        let mut c = Counting::new(t);
        let all = ram(&mut c, "ListTagResources", &[("ResourceType", "role")]);
        assert_eq!(rows(&all), vec!["Role-007:a=1", "Role-007:b=2", "Role-300:a=3", "aaa:a=9"]);
        assert!(all.get("NextToken").is_none());
        assert_eq!(c.gets(crate::identity::tables::ROLE), 3, "{:?}", c.gets);
        assert_eq!(c.rows(crate::identity::tables::ROLE), 0);

        // One row a page, resuming inside a resource's tags.
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut p = vec![("ResourceType", "role"), ("PageSize", "1")];
            if let Some(tk) = &token {
                p.push(("NextToken", tk));
            }
            let page = ram(t, "ListTagResources", &p);
            seen.extend(rows(&page));
            token = page.get("NextToken").and_then(Value::as_str).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, rows(&all));
        let first = ram(t, "ListTagResources", &[("ResourceType", "role"), ("PageSize", "1")]);
        assert_eq!(first["NextToken"], json!(encode_token("Role-007\na")));

        let filtered = ram(t, "ListTagResources", &[("ResourceType", "role"), ("Tag", r#"[{"Key":"a","Value":"3"}]"#)]);
        assert_eq!(rows(&filtered), vec!["Role-300:a=3"]);
        let named = ram(t, "ListTagResources", &[("ResourceType", "role"), ("ResourceNames", r#"["aaa","Role-007"]"#)]);
        assert_eq!(rows(&named), vec!["Role-007:a=1", "Role-007:b=2", "aaa:a=9"]);

        // Untagging everything takes the resource out of the index; deleting too.
        ram(t, "UntagResources", &[("ResourceType", "role"), ("ResourceNames", r#"["Role-007"]"#), ("All", "true")]);
        ram(t, "DeleteRole", &[("RoleName", "aaa")]);
        assert_eq!(rows(&ram(t, "ListTagResources", &[("ResourceType", "role")])), vec!["Role-300:a=3"]);

        ram(t, "CreatePolicy", &[("PolicyName", "Zeta"), ("PolicyDocument", policy_document()), ("Tag", r#"[{"Key":"x","Value":"1"}]"#)]);
        ram(t, "CreatePolicy", &[("PolicyName", "alpha"), ("PolicyDocument", policy_document())]);
        ram(t, "TagResources", &[("ResourceType", "policy"), ("ResourceNames", r#"["alpha"]"#), ("Tag", r#"[{"Key":"y","Value":"2"}]"#)]);
        let policies = ram(t, "ListTagResources", &[("ResourceType", "policy")]);
        let listed: Vec<String> =
            policies["TagResources"].as_array().unwrap().iter().map(|r| r["ResourceName"].as_str().unwrap().to_string()).collect();
        assert_eq!(listed, vec!["Zeta", "alpha"]);
        Ok(())
    });
}

// ----------------------------------------------------------------------------- SLS

fn logstore(name: &str) -> Value {
    json!({"logstoreName": name, "ttl": 30, "shardCount": 2})
}

fn list_names(body: &Value, field: &str) -> Vec<String> {
    body[field].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_page_of_projects_reads_index_keys_and_its_own_projects() {
    let store = store();
    write(&store, |t| {
        for i in 0..300 {
            let desc = if i % 3 == 0 { "three" } else { "other" };
            sls(t, "CreateProject", None, None, &[], json!({"projectName": format!("proj-{i:03}"), "description": desc}));
        }
        Ok(())
    });
    write(&store, |t| {
        let mut c = Counting::new(t);
        let page = sls(&mut c, "ListProject", None, None, &[("offset", "100"), ("size", "2")], Value::Null);
        assert_eq!((&page["count"], &page["total"]), (&json!(2), &json!(300)));
        let listed: Vec<&str> = page["projects"].as_array().unwrap().iter().map(|p| p["projectName"].as_str().unwrap()).collect();
        assert_eq!(listed, vec!["proj-100", "proj-101"]);
        assert_eq!(c.gets(crate::logservice::tables::PROJECT), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::logservice::tables::PROJECT), 0);
        assert!(c.rows(crate::logservice::tables::PROJECT_BY_ACCOUNT) <= 102, "{:?}", c.rows);

        let past = sls(t, "ListProject", None, None, &[("offset", "300")], Value::Null);
        assert_eq!((&past["count"], &past["total"]), (&json!(0), &json!(300)));
        // A name filter reads index keys only; a description filter reads each project once.
        let mut c = Counting::new(t);
        let named = sls(&mut c, "ListProject", None, None, &[("projectName", "-1"), ("offset", "5"), ("size", "3")], Value::Null);
        assert_eq!((&named["count"], &named["total"]), (&json!(3), &json!(100)));
        assert_eq!(c.gets(crate::logservice::tables::PROJECT), 3);
        let described = sls(t, "ListProject", None, None, &[("description", "thr"), ("offset", "1"), ("size", "2")], Value::Null);
        let listed: Vec<&str> = described["projects"].as_array().unwrap().iter().map(|p| p["projectName"].as_str().unwrap()).collect();
        assert_eq!((listed, &described["total"]), (vec!["proj-003", "proj-006"], &json!(100)));

        sls(t, "DeleteProject", Some("proj-000"), None, &[], Value::Null);
        let after = sls(t, "ListProject", None, None, &[("size", "1")], Value::Null);
        assert_eq!((&after["total"], &after["projects"][0]["projectName"]), (&json!(299), &json!("proj-001")));
        Ok(())
    });
}

#[test]
fn a_page_of_resources_reads_names_from_the_index() {
    let store = store();
    write(&store, |t| {
        sls(t, "CreateProject", None, None, &[], json!({"projectName": "big-project"}));
        for i in 0..200 {
            sls(t, "CreateLogStore", Some("big-project"), None, &[], logstore(&format!("store-{i:03}")));
            let display = if i % 2 == 0 { "even" } else { "odd" };
            sls(
                t,
                "CreateDashboard",
                Some("big-project"),
                None,
                &[],
                json!({"dashboardName": format!("dash-{i:03}"), "displayName": display}),
            );
        }
        Ok(())
    });
    write(&store, |t| {
        let p = Some("big-project");
        let mut c = Counting::new(t);
        let page = sls(&mut c, "ListLogStores", p, None, &[("offset", "150"), ("size", "2")], Value::Null);
        assert_eq!(
            (list_names(&page, "logstores"), &page["count"], &page["total"]),
            (vec!["store-150".into(), "store-151".into()], &json!(2), &json!(200))
        );
        assert_eq!(c.rows(crate::logservice::tables::RESOURCE), 0, "names come from the name index");
        assert_eq!(c.gets(crate::logservice::tables::RESOURCE), 0);
        assert!(c.rows(crate::logservice::tables::RESOURCE_NAME) <= 152, "{:?}", c.rows);

        let mut c = Counting::new(t);
        let page = sls(&mut c, "ListDashboard", p, None, &[("offset", "10"), ("size", "2")], Value::Null);
        assert_eq!(list_names(&page, "dashboards"), vec!["dash-010", "dash-011"]);
        assert_eq!(page["dashboardItems"][1], json!({"dashboardName": "dash-011", "displayName": "odd", "description": ""}));
        assert_eq!(c.gets(crate::logservice::tables::RESOURCE), 2, "the page's dashboards only");

        // Filters keep their totals; a name filter reads no record.
        let mut c = Counting::new(t);
        let named = sls(&mut c, "ListLogStores", p, None, &[("logstoreName", "-19"), ("size", "3")], Value::Null);
        assert_eq!(
            (list_names(&named, "logstores"), &named["total"]),
            (vec!["store-190".into(), "store-191".into(), "store-192".into()], &json!(10))
        );
        assert_eq!(c.gets(crate::logservice::tables::RESOURCE), 0);
        let odd = sls(t, "ListDashboard", p, None, &[("displayName", "odd"), ("offset", "1"), ("size", "1")], Value::Null);
        assert_eq!((list_names(&odd, "dashboards"), &odd["total"]), (vec!["dash-003".into()], &json!(100)));
        let standard = sls(t, "ListLogStores", p, None, &[("mode", "standard"), ("size", "1")], Value::Null);
        assert_eq!(standard["total"], json!(200));

        sls(t, "DeleteLogStore", p, Some("store-000"), &[], Value::Null);
        let after = sls(t, "ListLogStores", p, None, &[("size", "1")], Value::Null);
        assert_eq!((list_names(&after, "logstores"), &after["total"]), (vec!["store-001".into()], &json!(199)));
        Ok(())
    });
}

#[test]
fn sls_tag_listings_read_only_the_tagged_resources_of_their_rows() {
    let store = store();
    write(&store, |t| {
        for p in ["alpha-project", "beta-project"] {
            sls(t, "CreateProject", None, None, &[], json!({"projectName": p}));
            for i in 0..150 {
                sls(t, "CreateLogStore", Some(p), None, &[], logstore(&format!("s{i:03}")));
            }
        }
        for (id, tags) in [
            ("beta-project#s007", json!([{"key": "env", "value": "dev"}, {"key": "team", "value": "x"}])),
            ("alpha-project#s100", json!([{"key": "env", "value": "prod"}])),
        ] {
            sls(t, "TagResources", None, None, &[], json!({"resourceType": "logstore", "resourceId": [id], "tags": tags}));
        }
        sls(
            t,
            "TagResources",
            None,
            None,
            &[],
            json!({"resourceType": "project", "resourceId": ["beta-project"], "tags": [{"key": "p", "value": "1"}]}),
        );
        Ok(())
    });
    write(&store, |t| {
        let rows = |body: &Value| -> Vec<String> {
            body["tagResources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    format!("{}:{}={}", r["resourceId"].as_str().unwrap(), r["tagKey"].as_str().unwrap(), r["tagValue"].as_str().unwrap())
                })
                .collect()
        };
        let mut c = Counting::new(t);
        let all = sls(&mut c, "ListTagResources", None, None, &[("resourceType", "logstore")], Value::Null);
        assert_eq!(rows(&all), vec!["alpha-project#s100:env=prod", "beta-project#s007:env=dev", "beta-project#s007:team=x"]);
        assert_eq!(all["nextToken"], json!(""));
        assert_eq!(c.gets(crate::logservice::tables::RESOURCE), 2, "{:?}", c.gets);
        assert_eq!(c.rows(crate::logservice::tables::RESOURCE), 0);

        let beta = sls(t, "ListTagResources", Some("beta-project"), None, &[("resourceType", "logstore")], Value::Null);
        assert_eq!(rows(&beta), vec!["beta-project#s007:env=dev", "beta-project#s007:team=x"]);
        let dev = sls(
            t,
            "ListTagResources",
            None,
            None,
            &[("resourceType", "logstore"), ("tags", r#"[{"key":"env","value":"dev"}]"#)],
            Value::Null,
        );
        assert_eq!(rows(&dev), vec!["beta-project#s007:env=dev", "beta-project#s007:team=x"]);
        let projects = sls(t, "ListTagResources", None, None, &[("resourceType", "project")], Value::Null);
        assert_eq!(rows(&projects), vec!["beta-project:p=1"]);
        let only_alpha = sls(t, "ListTagResources", Some("alpha-project"), None, &[("resourceType", "project")], Value::Null);
        assert_eq!(rows(&only_alpha), Vec::<String>::new());
        // Resuming inside a resource's rows.
        let token = encode_token("beta-project#s007\nenv");
        let rest = sls(t, "ListTagResources", None, None, &[("resourceType", "logstore"), ("nextToken", &token)], Value::Null);
        assert_eq!(rows(&rest), vec!["beta-project#s007:team=x"]);

        // Deleting the project takes its tagged resources out of the index.
        sls(t, "DeleteProject", Some("beta-project"), None, &[], Value::Null);
        let left = sls(t, "ListTagResources", None, None, &[("resourceType", "logstore")], Value::Null);
        assert_eq!(rows(&left), vec!["alpha-project#s100:env=prod"]);
        assert_eq!(rows(&sls(t, "ListTagResources", None, None, &[("resourceType", "project")], Value::Null)), Vec::<String>::new());
        Ok(())
    });
}

// ----------------------------------------------------------------------------- migration

/// Some of everything the format-3 indexes cover.
fn populate(store: &dyn Store) {
    let trust = trust();
    write(store, |t| {
        for i in 0..12 {
            ram(t, "CreateUser", &[("UserName", &format!("user-{i:02}"))]);
            ram(t, "CreateGroup", &[("GroupName", &format!("group-{i:02}")), ("Comments", "c")]);
            let tags = json!([{"Key": "n", "Value": format!("{}", i % 3)}]).to_string();
            let tags = if i % 2 == 0 { tags } else { "[]".to_string() };
            ram(t, "CreateRole", &[("RoleName", &format!("Role-{i:02}")), ("AssumeRolePolicyDocument", &trust), ("Tag", &tags)]);
            ram(t, "CreatePolicy", &[("PolicyName", &format!("policy-{i:02}")), ("PolicyDocument", policy_document()), ("Tag", &tags)]);
        }
        for i in 0..12 {
            let (user, group) = (format!("user-{i:02}"), format!("group-{:02}", i % 3));
            ram(t, "AddUserToGroup", &[("GroupName", &group), ("UserName", &user)]);
            ram(t, "AttachPolicyToUser", &[("PolicyType", "Custom"), ("PolicyName", &format!("policy-{:02}", i % 4)), ("UserName", &user)]);
            ram(
                t,
                "AttachPolicyToRole",
                &[("PolicyType", "System"), ("PolicyName", "ReadOnlyAccess"), ("RoleName", &format!("Role-{i:02}"))],
            );
        }
        for p in ["mig-one", "mig-two", "mig-three"] {
            sls(t, "CreateProject", None, None, &[], json!({"projectName": p, "description": format!("about {p}")}));
            for i in 0..5 {
                sls(t, "CreateLogStore", Some(p), None, &[], logstore(&format!("store-{i}")));
                sls(t, "CreateDashboard", Some(p), None, &[], json!({"dashboardName": format!("dash-{i}")}));
                sls(
                    t,
                    "CreateMachineGroup",
                    Some(p),
                    None,
                    &[],
                    json!({"groupName": format!("mg-{i}"), "machineIdentifyType": "ip", "machineList": []}),
                );
                let config = json!({"configName": format!("cfg-{i}"), "inputType": "file", "inputDetail": {}, "outputType": "LogService",
                    "outputDetail": {"logstoreName": format!("store-{i}")}});
                sls(t, "CreateConfig", Some(p), None, &[], config);
            }
            let tag = json!([{"key": "owner", "value": p}]);
            sls(t, "TagResources", None, None, &[], json!({"resourceType": "project", "resourceId": [p], "tags": tag}));
            for kind in ["logstore", "dashboard", "machinegroup", "logtailconfig"] {
                let name = match kind {
                    "logstore" => "store-1",
                    "dashboard" => "dash-2",
                    "machinegroup" => "mg-3",
                    _ => "cfg-4",
                };
                sls(t, "TagResources", None, None, &[], json!({"resourceType": kind, "resourceId": [format!("{p}#{name}")], "tags": tag}));
            }
        }
        Ok(())
    });
}

/// What every list call answers, whole pages included.
fn listings(store: &dyn Store) -> Vec<(String, Value)> {
    write(store, |t| {
        let mut out: Vec<(String, Value)> = Vec::new();
        let mut pages = |t: &mut dyn Txn, action: &str, pairs: &[(&str, &str)], max: usize| {
            let all = marker_pages(t, action, pairs, max);
            out.push((format!("{action} {pairs:?} by {max}"), Value::Array(all.into_iter().map(Value::Object).collect())));
        };
        for max in [1, 5, 100] {
            pages(t, "ListGroups", &[], max);
            pages(t, "ListRoles", &[], max);
            pages(t, "ListPolicies", &[], max);
            pages(t, "ListUsersForGroup", &[("GroupName", "group-01")], max);
        }
        pages(t, "ListRoles", &[("Tag", r#"[{"Key":"n","Value":"1"}]"#)], 1);
        pages(t, "ListPolicies", &[("PolicyType", "Custom"), ("Tag", r#"[{"Key":"n"}]"#)], 2);
        let mut once = |t: &mut dyn Txn, action: &str, pairs: &[(&str, &str)]| {
            let body = ram(t, action, pairs);
            out.push((format!("{action} {pairs:?}"), Value::Object(body)));
        };
        for rtype in ["role", "policy"] {
            once(t, "ListTagResources", &[("ResourceType", rtype)]);
            once(t, "ListTagResources", &[("ResourceType", rtype), ("PageSize", "1")]);
        }
        once(t, "ListGroupsForUser", &[("UserName", "user-04")]);
        once(t, "ListPoliciesForUser", &[("UserName", "user-05")]);
        once(t, "ListEntitiesForPolicy", &[("PolicyType", "Custom"), ("PolicyName", "policy-01")]);
        once(t, "GetPolicy", &[("PolicyType", "System"), ("PolicyName", "ReadOnlyAccess")]);
        let mut sls_once = |t: &mut dyn Txn, action: &str, project: Option<&str>, query: &[(&str, &str)]| {
            let body = sls(t, action, project, None, query, Value::Null);
            out.push((format!("{action} {project:?} {query:?}"), body));
        };
        sls_once(t, "ListProject", None, &[]);
        sls_once(t, "ListProject", None, &[("offset", "1"), ("size", "1")]);
        sls_once(t, "ListProject", None, &[("description", "two")]);
        for action in ["ListLogStores", "ListDashboard", "ListMachineGroup", "ListConfig"] {
            sls_once(t, action, Some("mig-two"), &[]);
            sls_once(t, action, Some("mig-two"), &[("offset", "2"), ("size", "2")]);
        }
        for kind in ["project", "logstore", "dashboard", "machinegroup", "logtailconfig"] {
            sls_once(t, "ListTagResources", None, &[("resourceType", kind)]);
            sls_once(t, "ListTagResources", Some("mig-one"), &[("resourceType", kind)]);
        }
        Ok(out)
    })
}

/// Turns a format-3 store into what format 2 left: the same records, none of the new indexes.
fn drop_format_3_tables(txn: &mut dyn Txn) -> Result<()> {
    for table in FORMAT_3_TABLES {
        crate::record::clear(txn, table)?;
    }
    Ok(())
}

fn migrate_to_3(txn: &mut dyn Txn) -> Result<(), StoreError> {
    (MIGRATIONS.iter().find(|m| m.to == 3).expect("a step to format 3").apply)(txn)
}

#[test]
fn the_migration_builds_every_list_index_from_format_2_records() {
    let store = store();
    populate(&store);
    let before = listings(&store);
    write(&store, drop_format_3_tables);
    let broken = listings(&store);
    assert_ne!(broken, before, "without the indexes the listings are empty");
    transact(&store, Mode::Write, |t| Ok(migrate_to_3(t)?)).unwrap();
    let after = listings(&store);
    for ((call, want), (_, got)) in before.iter().zip(&after) {
        assert_eq!(got, want, "{call}");
    }
    // Idempotent: a second run rebuilds the same indexes.
    transact(&store, Mode::Write, |t| Ok(migrate_to_3(t)?)).unwrap();
    assert_eq!(listings(&store), before);
    // And the store keeps working: counters and indexes go on from there.
    write(&store, |t| {
        sls(t, "CreateLogStore", Some("mig-two"), None, &[], logstore("store-9"));
        ram(t, "CreateGroup", &[("GroupName", "group-late")]);
        Ok(())
    });
    write(&store, |t| {
        assert_eq!(sls(t, "ListLogStores", Some("mig-two"), None, &[], Value::Null)["total"], json!(6));
        let groups = ram(t, "ListGroups", &[]);
        assert_eq!(names(&groups, "Groups", "Group", "GroupName").last().map(String::as_str), Some("group-late"));
        Ok(())
    });
}

/// A data directory written at format 2 is migrated when it is opened, on every engine.
#[test]
fn an_older_data_directory_is_migrated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let old = SqliteStore::open(dir.path(), &MIGRATIONS[..2]).unwrap();
        assert_eq!(old.format_version(), 2);
        populate(&old);
        let before = listings(&old);
        write(&old, drop_format_3_tables);
        old.checkpoint().unwrap();
        before
    };
    let opened = SqliteStore::open(dir.path(), MIGRATIONS).unwrap();
    assert_eq!(opened.format_version(), crate::migrations::FORMAT_VERSION);
    assert_eq!(listings(&opened), before);

    if let Some(db) = localyun_store::conformance::TempDatabase::create() {
        let before = {
            let old = localyun_store::PostgresStore::open(db.url(), &MIGRATIONS[..2]).unwrap();
            populate(&old);
            let before = listings(&old);
            write(&old, drop_format_3_tables);
            before
        };
        let opened = localyun_store::PostgresStore::open(db.url(), MIGRATIONS).unwrap();
        assert_eq!(opened.format_version(), crate::migrations::FORMAT_VERSION);
        assert_eq!(listings(&opened), before);
    }
}

// ----------------------------------------------------------------------------- the old listings

/// What a Marker list answered before format 3: every item in memory, in listing order, and
/// the page after the position (`localyun_core::paging::page`).
fn in_memory_page(items: &[(String, String)], marker: Option<&str>, max: usize) -> (Vec<String>, Option<String>) {
    let (page, more) = localyun_core::paging::page(items.to_vec(), marker.map(str::to_string).as_ref(), max, |(pos, _)| pos.clone());
    let next = if more { page.last().map(|(pos, _)| encode_token(pos)) } else { None };
    (page.into_iter().map(|(_, name)| name).collect(), next)
}

/// A tag filter as the listings take it.
type Filter<'a> = Vec<(&'a str, Option<&'a str>)>;

/// Markers to resume at: every position, and positions no item has.
fn markers(items: &[(String, String)]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None];
    for (pos, _) in items {
        out.push(Some(pos.clone()));
        out.push(Some(format!("{pos}0")));
        out.push(Some(pos[..pos.len() - 1].to_string()));
    }
    for forged in ["0", "0/", "0/0003", "0/9999", "1", "1/", "1/0", "1/9", "2", "~", "\u{1}", "a\nb"] {
        out.push(Some(forged.to_string()));
    }
    out
}

fn marker_list(
    t: &mut dyn Txn,
    action: &str,
    pairs: &[(&str, &str)],
    marker: Option<&str>,
    max: usize,
    field: (&str, &str, &str),
) -> (Vec<String>, Option<String>) {
    let max = max.to_string();
    let token = marker.map(encode_token);
    let mut p: Vec<(&str, &str)> = pairs.to_vec();
    p.push(("MaxItems", &max));
    if let Some(tk) = &token {
        p.push(("Marker", tk));
    }
    let body = ram(t, action, &p);
    let next = body.get("Marker").and_then(Value::as_str).map(str::to_string);
    assert_eq!(body["IsTruncated"].as_bool(), Some(next.is_some()));
    (names(&body, field.0, field.1, field.2), next)
}

/// Rows of ListTagResources as (position, "resource:key=value"), in the old order: resources by
/// ID, tags by key.
fn in_memory_rows(resources: &[(String, localyun_core::tags::TagSet)], filter: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut sorted = resources.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .filter(|(_, tags)| localyun_core::tags::matches_all(tags, filter))
        .flat_map(|(id, tags)| tags.iter().map(move |(k, v)| (format!("{id}\n{k}"), format!("{id}:{k}={v}"))))
        .collect()
}

fn row_tokens(rows: &[(String, String)]) -> Vec<Option<String>> {
    let mut out = markers(rows);
    for (pos, _) in rows {
        let (resource, _) = pos.split_once('\n').unwrap();
        out.push(Some(format!("{resource}\n")));
        out.push(Some(format!("{resource}\nzzz")));
        out.push(Some(format!("{resource}\u{1}")));
        out.push(Some(format!("{resource}\n\u{1}")));
    }
    out
}

#[test]
fn pages_answer_what_the_in_memory_listings_answered_for_any_marker() {
    let store = store();
    let trust = trust();
    write(&store, |t| {
        for i in 0..25 {
            ram(t, "CreateGroup", &[("GroupName", &format!("g{i:02}"))]);
            let tags = match i % 4 {
                0 => r#"[{"Key":"env","Value":"dev"}]"#.to_string(),
                1 => r#"[{"Key":"env","Value":"prod"},{"Key":"team","Value":"a"}]"#.to_string(),
                2 => format!(r#"[{{"Key":"n","Value":"{i}"}},{{"Key":"team","Value":"b"}},{{"Key":"z","Value":""}}]"#),
                _ => "[]".to_string(),
            };
            // Names whose exact order differs from their lower-case order.
            let role = if i % 3 == 0 { format!("Role{i:02}") } else { format!("role{i:02}") };
            ram(t, "CreateRole", &[("RoleName", &role), ("AssumeRolePolicyDocument", &trust), ("Tag", &tags)]);
            ram(t, "CreatePolicy", &[("PolicyName", &format!("pol{i:02}")), ("PolicyDocument", policy_document()), ("Tag", &tags)]);
            ram(t, "CreateUser", &[("UserName", &format!("u{i:02}"))]);
            ram(t, "AddUserToGroup", &[("GroupName", "g00"), ("UserName", &format!("u{i:02}"))]);
        }
        Ok(())
    });
    write(&store, |t| {
        let prefix = format!("{ACCOUNT}/");
        let mut groups: Vec<crate::identity::groups::GroupRecord> = crate::record::scan_all(t, crate::identity::tables::GROUP, &prefix)?;
        groups.sort_by_cached_key(|g| g.position());
        let mut roles: Vec<crate::identity::roles::RoleRecord> = crate::record::scan_all(t, crate::identity::tables::ROLE, &prefix)?;
        roles.sort_by_cached_key(|r| r.position());
        let mut custom: Vec<crate::identity::policies::PolicyRecord> =
            crate::record::scan_all(t, crate::identity::tables::POLICY, &prefix)?;
        custom.sort_by(|a, b| (a.created_ms, &a.name).cmp(&(b.created_ms, &b.name)));
        let g00 = groups.iter().find(|g| g.name == "g00").unwrap().id.clone();
        let member_prefix = format!("{ACCOUNT}/{g00}/");
        let mut members: Vec<(String, String)> = Vec::new();
        for (k, v) in t.scan(crate::identity::tables::GROUP_MEMBER, &member_prefix, None, usize::MAX)? {
            let uid = &k[member_prefix.len()..];
            let joined: i64 = String::from_utf8_lossy(&v).parse().unwrap();
            members.push((format!("{joined:016}/{uid}"), crate::identity::users::require_by_id(t, ACCOUNT, uid)?.name));
        }
        members.sort();

        let filters: [(&str, Filter); 4] = [
            ("", vec![]),
            (r#"[{"Key":"env","Value":"prod"}]"#, vec![("env", Some("prod"))]),
            (r#"[{"Key":"team"}]"#, vec![("team", None)]),
            (r#"[{"Key":"team"},{"Key":"z","Value":""}]"#, vec![("team", None), ("z", Some(""))]),
        ];
        let system: Vec<(String, String)> =
            crate::identity::policies::SYSTEM_POLICIES.iter().enumerate().map(|(i, s)| (format!("0/{i:04}"), s.name.to_string())).collect();
        let group_items: Vec<(String, String)> = groups.iter().map(|g| (g.position(), g.name.clone())).collect();
        for max in [1, 2, 7, 100] {
            for marker in markers(&group_items) {
                let m = marker.as_deref();
                assert_eq!(
                    marker_list(t, "ListGroups", &[], m, max, ("Groups", "Group", "GroupName")),
                    in_memory_page(&group_items, m, max),
                    "{m:?} {max}"
                );
            }
            for marker in markers(&members) {
                let m = marker.as_deref();
                let got = marker_list(t, "ListUsersForGroup", &[("GroupName", "g00")], m, max, ("Users", "User", "UserName"));
                assert_eq!(got, in_memory_page(&members, m, max), "{m:?} {max}");
            }
            for (param, filter) in &filters {
                let pairs: Vec<(&str, &str)> = if param.is_empty() { vec![] } else { vec![("Tag", param)] };
                let role_items: Vec<(String, String)> = roles
                    .iter()
                    .filter(|r| localyun_core::tags::matches_all(&r.tags, filter))
                    .map(|r| (r.position(), r.name.clone()))
                    .collect();
                for marker in markers(&role_items) {
                    let m = marker.as_deref();
                    let got = marker_list(t, "ListRoles", &pairs, m, max, ("Roles", "Role", "RoleName"));
                    assert_eq!(got, in_memory_page(&role_items, m, max), "{param} {m:?} {max}");
                }
                for wanted in [None, Some("System"), Some("Custom")] {
                    let mut items: Vec<(String, String)> = Vec::new();
                    if wanted != Some("Custom") && filter.is_empty() {
                        items.extend(system.iter().cloned());
                    }
                    if wanted != Some("System") {
                        items.extend(
                            custom
                                .iter()
                                .filter(|c| localyun_core::tags::matches_all(&c.tags, filter))
                                .map(|c| (format!("1/{:016}/{}", c.created_ms, c.name.to_ascii_lowercase()), c.name.clone())),
                        );
                    }
                    let mut pairs = pairs.clone();
                    if let Some(w) = wanted {
                        pairs.push(("PolicyType", w));
                    }
                    for marker in markers(&items) {
                        let m = marker.as_deref();
                        let got = marker_list(t, "ListPolicies", &pairs, m, max, ("Policies", "Policy", "PolicyName"));
                        assert_eq!(got, in_memory_page(&items, m, max), "{pairs:?} {m:?} {max}");
                    }
                }
            }
        }

        // RAM ListTagResources over every role and every policy.
        for (rtype, resources) in [
            ("role", roles.iter().map(|r| (r.name.clone(), r.tags.clone())).collect::<Vec<_>>()),
            ("policy", custom.iter().map(|p| (p.name.clone(), p.tags.clone())).collect::<Vec<_>>()),
        ] {
            for (param, filter) in &filters {
                let rows = in_memory_rows(&resources, filter);
                for size in [1, 2, 5, 100] {
                    for token in row_tokens(&rows) {
                        let (want, more) = localyun_core::paging::page(rows.clone(), token.as_ref(), size, |(pos, _)| pos.clone());
                        let want_next = if more { want.last().map(|(pos, _)| encode_token(pos)) } else { None };
                        let size_s = size.to_string();
                        let tk = token.as_deref().map(encode_token);
                        let mut p = vec![("ResourceType", rtype), ("PageSize", size_s.as_str())];
                        if !param.is_empty() {
                            p.push(("Tag", param));
                        }
                        if let Some(tk) = &tk {
                            p.push(("NextToken", tk));
                        }
                        let body = ram(t, "ListTagResources", &p);
                        let got: Vec<String> = body["TagResources"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| {
                                format!(
                                    "{}:{}={}",
                                    r["ResourceName"].as_str().unwrap(),
                                    r["TagKey"].as_str().unwrap(),
                                    r["TagValue"].as_str().unwrap()
                                )
                            })
                            .collect();
                        let next = body.get("NextToken").and_then(Value::as_str).map(str::to_string);
                        assert_eq!(
                            (got, next),
                            (want.into_iter().map(|(_, r)| r).collect::<Vec<_>>(), want_next),
                            "{rtype} {param} {token:?} {size}"
                        );
                    }
                }
            }
        }
        Ok(())
    });
}

#[test]
fn sls_pages_answer_what_the_in_memory_listings_answered() {
    let store = store();
    let projects = ["p-aa", "p-ab", "p-b", "pa-x", "zz-top"];
    write(&store, |t| {
        for (i, p) in projects.iter().enumerate() {
            sls(t, "CreateProject", None, None, &[], json!({"projectName": p, "description": if i % 2 == 0 { "even" } else { "odd" }}));
            for j in 0..9 {
                let name = format!("s{}-{j}", ["a", "b", "ab"][j % 3]);
                sls(t, "CreateLogStore", Some(p), None, &[], logstore(&name));
                if (i + j) % 3 == 0 {
                    let tags =
                        json!([{"key": "env", "value": if j % 2 == 0 { "dev" } else { "prod" }}, {"key": format!("k{j}"), "value": ""}]);
                    sls(
                        t,
                        "TagResources",
                        None,
                        None,
                        &[],
                        json!({"resourceType": "logstore", "resourceId": [format!("{p}#{name}")], "tags": tags}),
                    );
                }
            }
            if i % 2 == 1 {
                sls(
                    t,
                    "TagResources",
                    None,
                    None,
                    &[],
                    json!({"resourceType": "project", "resourceId": [p], "tags": [{"key": "env", "value": "dev"}]}),
                );
            }
        }
        Ok(())
    });
    write(&store, |t| {
        // ListProject / ListLogStores: names in order, filtered, then offset and size.
        let all_projects: Vec<String> = projects.iter().map(|p| p.to_string()).collect();
        for name in [None, Some("a"), Some("p-"), Some("q")] {
            for (offset, size) in [(0, 100), (0, 2), (1, 2), (3, 1), (4, 3), (5, 1), (9, 9)] {
                let matching: Vec<&String> = all_projects.iter().filter(|p| name.is_none_or(|n| p.contains(n))).collect();
                let want: Vec<&String> = matching.iter().copied().skip(offset).take(size).collect();
                let (o, s) = (offset.to_string(), size.to_string());
                let mut q = vec![("offset", o.as_str()), ("size", s.as_str())];
                if let Some(n) = name {
                    q.push(("projectName", n));
                }
                let body = sls(t, "ListProject", None, None, &q, Value::Null);
                let got: Vec<String> =
                    body["projects"].as_array().unwrap().iter().map(|p| p["projectName"].as_str().unwrap().to_string()).collect();
                assert_eq!(
                    (got, &body["count"], &body["total"]),
                    (want.iter().map(|s| s.to_string()).collect(), &json!(want.len()), &json!(matching.len()))
                );
                q.retain(|(k, _)| *k != "projectName");
                if let Some(n) = name {
                    q.push(("logstoreName", n));
                }
                let mut stores: Vec<String> =
                    (0..9).map(|j| format!("s{}-{j}", ["a", "b", "ab"][j % 3])).filter(|s| name.is_none_or(|n| s.contains(n))).collect();
                stores.sort();
                let body = sls(t, "ListLogStores", Some("p-ab"), None, &q, Value::Null);
                let want: Vec<String> = stores.iter().skip(offset).take(size).cloned().collect();
                assert_eq!((list_names(&body, "logstores"), &body["total"]), (want, &json!(stores.len())), "{q:?}");
            }
        }

        // SLS ListTagResources over every logstore and every project of the account.
        for (kind, host) in [("logstore", None), ("logstore", Some("p-b")), ("project", None), ("project", Some("p-ab"))] {
            let mut resources: Vec<(String, localyun_core::tags::TagSet)> = Vec::new();
            for p in projects.iter().filter(|p| host.is_none_or(|h| h == **p)) {
                if kind == "project" {
                    resources.push((p.to_string(), crate::logservice::get_project(t, REGION, p)?.unwrap().tags));
                } else {
                    for r in crate::record::scan_all::<crate::logservice::ResourceRecord>(
                        t,
                        crate::logservice::tables::RESOURCE,
                        &crate::logservice::resource_prefix(REGION, p, localyun_core::sls::ResourceKind::Logstore),
                    )? {
                        resources.push((format!("{p}#{}", r.name), r.tags));
                    }
                }
            }
            for (param, filter) in [
                ("", vec![]),
                (r#"[{"key":"env","value":"prod"}]"#, vec![("env", Some("prod"))]),
                (r#"[{"key":"k3"}]"#, vec![("k3", None)]),
            ] {
                let rows = in_memory_rows(&resources, &filter);
                for token in row_tokens(&rows) {
                    // One page is 100 rows: every row fits.
                    let (want, _) = localyun_core::paging::page(rows.clone(), token.as_ref(), 100, |(pos, _)| pos.clone());
                    let tk = token.as_deref().map(encode_token);
                    let mut q = vec![("resourceType", kind)];
                    if !param.is_empty() {
                        q.push(("tags", param));
                    }
                    if let Some(tk) = &tk {
                        q.push(("nextToken", tk));
                    }
                    let body = sls(t, "ListTagResources", host, None, &q, Value::Null);
                    let got: Vec<String> = body["tagResources"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| {
                            format!(
                                "{}:{}={}",
                                r["resourceId"].as_str().unwrap(),
                                r["tagKey"].as_str().unwrap(),
                                r["tagValue"].as_str().unwrap()
                            )
                        })
                        .collect();
                    assert_eq!(got, want.into_iter().map(|(_, r)| r).collect::<Vec<_>>(), "{kind} {host:?} {param} {token:?}");
                    assert_eq!(body["nextToken"], json!(""));
                }
            }
        }
        Ok(())
    });
}
