//! Parsing and validating policy documents once, on write (policy.md 2, 9), into the compiled
//! form the evaluator uses. The text itself is stored verbatim by the caller.

use super::condition::Operator;
use serde_json::{Map, Value};

/// Which kind of document: the rules differ (policy.md 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// Permission policy (CreatePolicy, CreatePolicyVersion): up to 6144 characters.
    Identity,
    /// A role's trust policy (CreateRole, UpdateRole).
    Trust,
    /// AssumeRole's `Policy`: up to 2048 characters.
    Session,
}

impl DocumentKind {
    pub fn max_chars(self) -> usize {
        match self {
            DocumentKind::Identity => 6144,
            DocumentKind::Trust | DocumentKind::Session => 2048,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: patterns, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    pub negated: bool,
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    pub ram: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    /// Normalized with [`super::normalize_key`].
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub effect: Effect,
    pub actions: Patterns,
    /// Absent in trust policies.
    pub resources: Option<Patterns>,
    pub principal: Option<Principal>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

/// Why a document was refused; the message names the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, PolicyError> {
    Err(PolicyError(msg.into()))
}

/// A string or a non-empty array of non-empty strings (a single value and a one-element array
/// are equivalent, policy.md 2).
fn strings(v: &Value, what: &str) -> Result<Vec<String>, PolicyError> {
    let list: Vec<&Value> = match v {
        Value::String(_) => vec![v],
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        _ => return err(format!("{what} must be a string or a non-empty array of strings.")),
    };
    list.into_iter()
        .map(|item| match item {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            _ => err(format!("{what} must hold non-empty strings.")),
        })
        .collect()
}

fn check_action(a: &str) -> Result<(), PolicyError> {
    // `*` or `<ram-code>:<action>`; the code may itself be a pattern (`*:List*`, policy.md 7).
    match a.split_once(':') {
        _ if a == "*" => Ok(()),
        Some((code, name))
            if !code.is_empty()
                && !name.is_empty()
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*' || c == '?') =>
        {
            Ok(())
        }
        _ => err(format!("Invalid action format: {a}.")),
    }
}

fn check_resource(r: &str) -> Result<(), PolicyError> {
    if r == "*" || r.starts_with("acs:") {
        Ok(())
    } else {
        err(format!("Invalid ARN prefix: {r}."))
    }
}

/// Condition values are quoted strings in the docs; unquoted numbers and booleans are accepted
/// too (lenient, policy.md 2).
fn condition_values(v: &Value, key: &str) -> Result<Vec<String>, PolicyError> {
    let one = |x: &Value| match x {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => err(format!("Invalid condition value for {key}.")),
    };
    match v {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => err(format!("Empty condition value for {key}.")),
        other => Ok(vec![one(other)?]),
    }
}

fn conditions(v: &Value) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else { return err("Condition must be an object.") };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let operator = Operator::parse(op_name).ok_or_else(|| PolicyError(format!("Invalid condition operator: {op_name}.")))?;
        let Value::Object(keys) = keys else { return err(format!("The {op_name} condition must be an object.")) };
        if keys.is_empty() {
            return err(format!("The {op_name} condition is empty."));
        }
        for (key, values) in keys {
            match key.split_once(':') {
                Some((code, name)) if !code.is_empty() && !name.is_empty() => {}
                _ => return err(format!("Invalid condition key format: {key}.")),
            }
            let values = condition_values(values, key)?;
            if operator == Operator::Bool && values.len() != 1 {
                return err(format!("Invalid condition multiple Boolean: {key}."));
            }
            if let Some(bad) = values.iter().find(|v| !operator.valid_value(v)) {
                return err(format!("Invalid value {bad} for the {op_name} condition on {key}."));
            }
            out.push(Condition { operator, key: super::normalize_key(key), values });
        }
    }
    Ok(out)
}

fn principal(v: &Value) -> Result<Principal, PolicyError> {
    let Value::Object(map) = v else { return err("Principal must be an object.") };
    if map.is_empty() {
        return err("Principal is empty.");
    }
    let mut p = Principal::default();
    for (k, v) in map {
        let list = strings(v, &format!("Principal.{k}"))?;
        match k.as_str() {
            "RAM" => p.ram = list,
            "Service" => p.service = list,
            "Federated" => p.federated = list,
            _ => return err(format!("Invalid principal type: {k}.")),
        }
    }
    Ok(p)
}

fn either(stmt: &Map<String, Value>, a: &str, b: &str, required: bool) -> Result<Option<Patterns>, PolicyError> {
    match (stmt.get(a), stmt.get(b)) {
        (Some(_), Some(_)) => err(format!("A statement may have {a} or {b}, not both.")),
        (Some(v), None) => Ok(Some(Patterns { negated: false, patterns: strings(v, a)? })),
        (None, Some(v)) => Ok(Some(Patterns { negated: true, patterns: strings(v, b)? })),
        (None, None) if required => err(format!("A statement needs {a} or {b}.")),
        (None, None) => Ok(None),
    }
}

fn statement(v: &Value, kind: DocumentKind) -> Result<Statement, PolicyError> {
    let Value::Object(stmt) = v else { return err("Each statement must be an object.") };
    const KEYS: [&str; 8] = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition"];
    if let Some(unknown) = stmt.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return err(format!("Unknown statement element: {unknown}."));
    }
    let effect = match stmt.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(_) => return err("Invalid effect: Effect must be Allow or Deny."),
        None => return err("A statement needs Effect."),
    };
    let actions = either(stmt, "Action", "NotAction", true)?.ok_or_else(|| PolicyError("A statement needs Action.".into()))?;
    for a in &actions.patterns {
        check_action(a)?;
    }
    let trust = kind == DocumentKind::Trust;
    let resources = either(stmt, "Resource", "NotResource", !trust)?;
    if trust && resources.is_some() {
        return err("A trust policy statement has no Resource.");
    }
    if let Some(r) = &resources {
        for p in &r.patterns {
            check_resource(p)?;
        }
    }
    let principal = match (stmt.get("Principal"), trust) {
        (Some(p), true) => Some(principal(p)?),
        (None, true) => return err("A trust policy statement needs Principal."),
        (Some(_), false) => return err("Principal is only allowed in trust policies."),
        (None, false) => None,
    };
    if let Some(sid) = stmt.get("Sid") {
        if !sid.is_string() {
            return err("Sid must be a string.");
        }
    }
    let conditions = match stmt.get("Condition") {
        Some(c) => conditions(c)?,
        None => Vec::new(),
    };
    Ok(Statement { effect, actions, resources, principal, conditions })
}

/// Parses and validates a document of `kind`.
pub fn parse(text: &str, kind: DocumentKind) -> Result<Policy, PolicyError> {
    if text.trim().is_empty() {
        return err("The policy document is empty.");
    }
    if text.chars().count() > kind.max_chars() {
        return err(format!("The policy document is longer than {} characters.", kind.max_chars()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| PolicyError(format!("The policy document is not valid JSON: {e}.")))?;
    let Value::Object(doc) = value else { return err("The policy document must be a JSON object.") };
    if let Some(unknown) = doc.keys().find(|k| *k != "Version" && *k != "Statement") {
        return err(format!("Unknown policy element: {unknown}."));
    }
    match doc.get("Version") {
        Some(Value::String(v)) if v == "1" => {}
        _ => return err("Version must be \"1\"."),
    }
    let statements = match doc.get("Statement") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().map(|s| statement(s, kind)).collect::<Result<Vec<_>, _>>()?,
        // A single statement object, not wrapped in an array: accepted (policy.md 2).
        Some(s @ Value::Object(_)) => vec![statement(s, kind)?],
        _ => return err("Statement must be a non-empty array."),
    };
    Ok(Policy { statements })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, kind: DocumentKind) -> Policy {
        parse(text, kind).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn bad(text: &str, kind: DocumentKind) -> String {
        parse(text, kind).expect_err(text).0
    }

    #[test]
    fn sdk_examples_parse() {
        use DocumentKind::*;
        ok(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"acs:ecs:cn-qingdao:*:instance/*"}]}"#,
            Identity,
        );
        ok(r#"{"Version":"1","Statement":[{"Action":["oss:*"],"Effect":"Allow","Resource":["acs:oss:*:*:*"]}]}"#, Identity);
        let t = ok(
            r#"{"Version":"1","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":"acs:ram::123456789012****:root"}}]}"#,
            Trust,
        );
        assert_eq!(t.statements[0].principal.as_ref().unwrap().ram, vec!["acs:ram::123456789012****:root"]);
        ok(r#"{"Version":"1","Statement":[{"Action":["*"],"Effect":"Allow","Resource":["*"]}]}"#, Session);
        ok(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:List*"],"Resource":"*"}]}"#, Identity);
    }

    #[test]
    fn conditions_compile() {
        let p = ok(
            r#"{"Version":"1","Statement":[{"Effect":"Deny","NotAction":"ram:Get*","NotResource":"acs:ram:*:1:user/x","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","127.0.0.1"]},"Bool":{"acs:SecureTransport":"true"},"StringEquals":{"acs:ResourceTag/Team":"dev"}}}]}"#,
            DocumentKind::Identity,
        );
        let s = &p.statements[0];
        assert!(s.actions.negated && s.resources.as_ref().unwrap().negated);
        assert_eq!(s.conditions.len(), 3);
        assert!(s.conditions.iter().any(|c| c.key == "acs:resourcetag/Team"));
    }

    #[test]
    fn grammar_errors() {
        use DocumentKind::*;
        let cases = [
            ("", "empty"),
            ("[]", "JSON object"),
            ("{nope", "not valid JSON"),
            (r#"{"Version":"2","Statement":[]}"#, "Version"),
            (r#"{"Version":"1"}"#, "Statement"),
            (r#"{"Version":"1","Statement":[]}"#, "Statement"),
            (r#"{"Version":"1","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}"#, "Invalid effect"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}"#, "Action"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"GetUser","Resource":"*"}]}"#, "Invalid action format"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}"#, "Resource"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:x"}]}"#, "Invalid ARN prefix"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}"#, "not both"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"RAM":"x"}}]}"#, "Principal"),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Foo":1}]}"#, "Unknown statement element"),
            (
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}]}"#,
                "Invalid condition operator",
            ),
            (
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"nokey":"c"}}}]}"#,
                "Invalid condition key format",
            ),
            (
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":["true","false"]}}}]}"#,
                "multiple Boolean",
            ),
            (
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"not-an-ip"}}}]}"#,
                "Invalid value",
            ),
            (
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"tomorrow"}}}]}"#,
                "Invalid value",
            ),
            (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#, "non-empty"),
        ];
        for (text, expect) in cases {
            let e = bad(text, Identity);
            assert!(e.contains(expect), "{text}: {e}");
        }
        assert!(bad(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#, Trust).contains("Principal"));
        assert!(bad(
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":{"RAM":"x"}}]}"#,
            Trust
        )
        .contains("no Resource"));
        let long = format!(r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"*","Resource":"acs:x:{}"}}]}}"#, "a".repeat(6200));
        assert!(bad(&long, Identity).contains("longer than 6144"));
    }
}
