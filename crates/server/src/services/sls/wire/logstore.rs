//! Logstores (sls.md 6.2): `/logstores`, name field `logstoreName`, 200 per project.

use super::kind::{At, Kind};
use super::{invalid, opt, opt_int, Field, IntText, NameList};
use crate::failure::Result;
use crate::logservice::Record;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A CreateLogStore / UpdateLogStore body as sent.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Draft {
    ttl: Field<IntText>,
    #[serde(rename = "shardCount")]
    shard_count: Field<IntText>,
    enable_tracking: Field<bool>,
    #[serde(rename = "autoSplit")]
    auto_split: Field<bool>,
    #[serde(rename = "appendMeta")]
    append_meta: Field<bool>,
    #[serde(rename = "maxSplitShard")]
    max_split_shard: Field<IntText>,
    hot_ttl: Field<IntText>,
    #[serde(rename = "infrequentAccessTTL")]
    infrequent_access_ttl: Field<i64>,
    #[serde(rename = "telemetryType")]
    telemetry_type: Field<String>,
    mode: Field<String>,
    #[serde(rename = "processorId")]
    processor_id: Field<String>,
    #[serde(rename = "resourceGroupId")]
    resource_group_id: Field<String>,
    #[serde(rename = "enableModify")]
    enable_modify: Field<bool>,
    encrypt_conf: Field<Map<String, Value>>,
    #[serde(rename = "shardingPolicy")]
    sharding_policy: Field<Map<String, Value>>,
}

/// A stored logstore: the accepted fields under their wire names, in the order they are written
/// (GetLogStore echoes them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Logstore {
    #[serde(rename = "logstoreName")]
    pub name: String,
    pub ttl: i64,
    #[serde(rename = "shardCount")]
    pub shard_count: i64,
    pub enable_tracking: bool,
    #[serde(rename = "autoSplit")]
    pub auto_split: bool,
    #[serde(rename = "appendMeta")]
    pub append_meta: bool,
    #[serde(rename = "maxSplitShard")]
    pub max_split_shard: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_ttl: Option<i64>,
    #[serde(rename = "infrequentAccessTTL", default, skip_serializing_if = "Option::is_none")]
    pub infrequent_access_ttl: Option<i64>,
    #[serde(rename = "telemetryType", default, skip_serializing_if = "Option::is_none")]
    pub telemetry_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(rename = "processorId", default, skip_serializing_if = "Option::is_none")]
    pub processor_id: Option<String>,
    #[serde(rename = "resourceGroupId", default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    #[serde(rename = "enableModify", default, skip_serializing_if = "Option::is_none")]
    pub enable_modify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_conf: Option<Map<String, Value>>,
    #[serde(rename = "shardingPolicy", default, skip_serializing_if = "Option::is_none")]
    pub sharding_policy: Option<Map<String, Value>>,
}

/// The telemetry type as answered: `None` when unset or empty.
fn telemetry(t: Option<&str>) -> &str {
    t.filter(|t| !t.is_empty()).unwrap_or("None")
}

/// GetLogStore: the stored fields (an unset `telemetryType` answered as `None`, an unset `mode`
/// as `standard`, both after the stored fields), then `productType` and the times.
#[derive(Debug, Serialize)]
pub struct Answer {
    #[serde(flatten)]
    stored: Logstore,
    #[serde(flatten)]
    defaults: Defaults,
    #[serde(rename = "productType")]
    product_type: &'static str,
    #[serde(rename = "createTime")]
    create_time: i64,
    #[serde(rename = "lastModifyTime")]
    last_modify_time: i64,
}

#[derive(Debug, Serialize)]
struct Defaults {
    #[serde(rename = "telemetryType", skip_serializing_if = "Option::is_none")]
    telemetry_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
}

/// `mode` and `telemetryType` of ListLogStores.
pub struct Filter {
    mode: Option<String>,
    telemetry_type: Option<String>,
}

impl Kind for Logstore {
    const KIND: ResourceKind = ResourceKind::Logstore;
    type Draft = Draft;
    type Body = Logstore;
    type Filter = Filter;
    type Answer = Answer;
    type Listing = NameList;

    fn accept(d: Draft, name: &str, old: Option<Logstore>, _txn: &mut dyn Txn, _at: At<'_>) -> Result<Logstore> {
        let ttl = match opt_int(d.ttl, "ttl", 1, 3650)?.or(old.as_ref().map(|o| o.ttl)) {
            Some(t) => t,
            None => return Err(invalid("ttl").into()),
        };
        // shardCount is fixed after creation (SplitShard/MergeShards change it; sls.md 6.2), yet
        // still checked on update.
        let shard_count = match &old {
            Some(o) => {
                opt_int(d.shard_count, "shardCount", 1, 256)?;
                o.shard_count
            }
            None => opt_int(d.shard_count, "shardCount", 1, 256)?.ok_or_else(|| invalid("shardCount"))?,
        };
        let flag = |f: Field<bool>, name: &str, was: fn(&Logstore) -> bool| -> Result<bool> {
            Ok(opt(f, name)?.or(old.as_ref().map(was)).unwrap_or(false))
        };
        let enable_tracking = flag(d.enable_tracking, "enable_tracking", |o| o.enable_tracking)?;
        let auto_split = flag(d.auto_split, "autoSplit", |o| o.auto_split)?;
        let append_meta = flag(d.append_meta, "appendMeta", |o| o.append_meta)?;
        let max_split_shard =
            opt_int(d.max_split_shard, "maxSplitShard", 1, 256)?.or(old.as_ref().map(|o| o.max_split_shard)).unwrap_or(64);
        // hot_ttl: 1-3650 days, at most the ttl, and a JSON integer (checked after `mode`).
        let hot_ttl_given = matches!(d.hot_ttl, Some(super::Shape::Is(IntText::Int(_))));
        let hot_ttl = opt_int(d.hot_ttl, "hot_ttl", 1, 3650)?;
        if hot_ttl.is_some_and(|h| h > ttl) {
            return Err(invalid("hot_ttl").into());
        }
        let mode = opt(d.mode, "mode")?;
        if mode.as_deref().is_some_and(|m| !matches!(m, "standard" | "query" | "")) {
            return Err(invalid("mode").into());
        }
        if hot_ttl.is_some() && !hot_ttl_given {
            return Err(invalid("hot_ttl").into());
        }
        let infrequent_access_ttl = opt(d.infrequent_access_ttl, "infrequentAccessTTL")?;
        let telemetry_type = opt(d.telemetry_type, "telemetryType")?;
        let processor_id = opt(d.processor_id, "processorId")?;
        let resource_group_id = opt(d.resource_group_id, "resourceGroupId")?;
        let enable_modify = opt(d.enable_modify, "enableModify")?;
        let encrypt_conf = opt(d.encrypt_conf, "encrypt_conf")?;
        let sharding_policy = opt(d.sharding_policy, "shardingPolicy")?;
        // What the update leaves out stays as it was.
        let old = old.as_ref();
        Ok(Logstore {
            name: name.to_string(),
            ttl,
            shard_count,
            enable_tracking,
            auto_split,
            append_meta,
            max_split_shard,
            hot_ttl: hot_ttl.or(old.and_then(|o| o.hot_ttl)),
            infrequent_access_ttl: infrequent_access_ttl.or(old.and_then(|o| o.infrequent_access_ttl)),
            telemetry_type: telemetry_type.or(old.and_then(|o| o.telemetry_type.clone())),
            mode: mode.or(old.and_then(|o| o.mode.clone())),
            processor_id: processor_id.or(old.and_then(|o| o.processor_id.clone())),
            resource_group_id: resource_group_id.or(old.and_then(|o| o.resource_group_id.clone())),
            enable_modify: enable_modify.or(old.and_then(|o| o.enable_modify)),
            encrypt_conf: encrypt_conf.or(old.and_then(|o| o.encrypt_conf.clone())),
            sharding_policy: sharding_policy.or(old.and_then(|o| o.sharding_policy.clone())),
        })
    }

    fn render(r: Record<Logstore>) -> Answer {
        let mut stored = r.body;
        let defaults = Defaults {
            telemetry_type: stored.telemetry_type.is_none().then_some("None"),
            mode: stored.mode.is_none().then_some("standard"),
        };
        if let Some(t) = stored.telemetry_type.as_mut() {
            *t = telemetry(Some(t)).to_string();
        }
        Answer { stored, defaults, product_type: "", create_time: r.created_ms / 1000, last_modify_time: r.updated_ms / 1000 }
    }

    fn filter(q: &Params) -> Filter {
        Filter { mode: q.optional("mode").map(str::to_string), telemetry_type: q.optional("telemetryType").map(str::to_string) }
    }

    fn filters_records(f: &Filter) -> bool {
        f.mode.is_some() || f.telemetry_type.is_some()
    }

    fn matches(r: &Record<Logstore>, f: &Filter) -> bool {
        let mode = r.body.mode.as_deref().unwrap_or("");
        let telemetry_type = r.body.telemetry_type.as_deref().unwrap_or("");
        f.mode.as_deref().is_none_or(|m| mode.is_empty() && m == "standard" || mode == m)
            && f.telemetry_type.as_deref().is_none_or(|t| telemetry_type == t || (t == "None" && telemetry_type.is_empty()))
    }

    fn listing(names: NameList, _page: Vec<Record<Logstore>>) -> NameList {
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the untyped handlers wrote it (the accepted fields in their order) reads and
    /// writes back byte for byte, and GetLogStore answers its fields in the same order.
    #[test]
    fn stored_format_and_answer_order() {
        let stored = r#"{"name":"s1","body":{"logstoreName":"s1","ttl":30,"shardCount":2,"enable_tracking":false,"autoSplit":true,"appendMeta":false,"maxSplitShard":64,"hot_ttl":7,"mode":"query","encrypt_conf":{"enable":true}},"created_ms":1000,"updated_ms":2000,"tags":{}}"#;
        let r: Record<Logstore> = serde_json::from_str(stored).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), stored);
        let answer = serde_json::to_string(&Logstore::render(r)).unwrap();
        assert_eq!(
            answer,
            r#"{"logstoreName":"s1","ttl":30,"shardCount":2,"enable_tracking":false,"autoSplit":true,"appendMeta":false,"maxSplitShard":64,"hot_ttl":7,"mode":"query","encrypt_conf":{"enable":true},"telemetryType":"None","productType":"","createTime":1,"lastModifyTime":2}"#
        );
    }
}
