//! Logtail configs (sls.md 6.5): `/configs`, name field `configName`. A body of the wrong shape
//! is `InvalidParameter` "Invalid config resource json."; the output logstore must exist.

use super::kind::{At, Kind};
use super::{Field, NameList, Shape, Stamped};
use crate::failure::Result;
use crate::logservice::{self as ls, Record};
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Draft {
    input_type: Field<String>,
    input_detail: Field<Map<String, Value>>,
    output_type: Field<String>,
    output_detail: Field<Map<String, Value>>,
    log_sample: Field<String>,
}

/// A stored config, echoed complete by GetConfig with its times: LogClient rebuilds a typed
/// object from it (sls.md 6.5).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    #[serde(rename = "configName")]
    pub name: String,
    /// `file`, `plugin` or `syslog`.
    pub input_type: String,
    pub input_detail: Map<String, Value>,
    /// `LogService` (LogClient's apsara variant sends `log`).
    pub output_type: String,
    /// Holds `logstoreName`, the logstore the config writes to.
    pub output_detail: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_sample: Option<String>,
}

const OUTPUT_LOGSTORE: &str = "logstoreName";

impl Config {
    fn logstore(&self) -> &str {
        self.output_detail.get(OUTPUT_LOGSTORE).and_then(Value::as_str).unwrap_or("")
    }
}

fn bad() -> ApiError {
    ApiError::from(SlsError::InvalidParameter { why: "Invalid config resource json.".into() })
}

/// `logstoreName` of ListConfig (exact).
pub struct Filter {
    logstore: Option<String>,
}

impl Kind for Config {
    const KIND: ResourceKind = ResourceKind::LogtailConfig;
    type Draft = Draft;
    type Body = Config;
    type Filter = Filter;
    type Answer = Stamped<Config>;
    type Listing = NameList;

    fn accept(d: Draft, name: &str, _old: Option<Config>, txn: &mut dyn Txn, at: At<'_>) -> Result<Config> {
        let one_of = |f: Field<String>, allowed: &[&str]| match f {
            Some(Shape::Is(t)) if allowed.contains(&t.as_str()) => Ok(t),
            _ => Err(bad()),
        };
        let object = |f: Field<Map<String, Value>>| match f {
            Some(Shape::Is(o)) => Ok(o),
            _ => Err(bad()),
        };
        let input_type = one_of(d.input_type, &["file", "plugin", "syslog"])?;
        let input_detail = object(d.input_detail)?;
        let output_type = one_of(d.output_type, &["LogService", "log"])?;
        let output_detail = object(d.output_detail)?;
        let logstore = output_detail.get(OUTPUT_LOGSTORE).and_then(Value::as_str).ok_or_else(bad)?;
        ls::require_resource::<ls::ResourceRecord>(txn, at.region, at.project, ResourceKind::Logstore, logstore)?;
        let log_sample = match d.log_sample {
            None => None,
            Some(Shape::Is(s)) => Some(s),
            Some(Shape::Other(_)) => return Err(bad().into()),
        };
        Ok(Config { name: name.to_string(), input_type, input_detail, output_type, output_detail, log_sample })
    }

    fn render(r: Record<Config>) -> Stamped<Config> {
        Stamped::of(r)
    }

    fn filter(q: &Params) -> Filter {
        Filter { logstore: q.optional(OUTPUT_LOGSTORE).map(str::to_string) }
    }

    fn filters_records(f: &Filter) -> bool {
        f.logstore.is_some()
    }

    fn matches(r: &Record<Config>, f: &Filter) -> bool {
        f.logstore.as_deref().is_none_or(|l| l == r.body.logstore())
    }

    fn listing(names: NameList, _page: Vec<Record<Config>>) -> NameList {
        names
    }
}
