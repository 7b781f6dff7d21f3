//! `POST /tag`, `POST /untag` (the seed) and `GET /tags` (sls.md 7): one resource per call,
//! 20 tags per call and per resource, the project taken from `resourceId`.

use super::{bad, opt, Field, Obj, Shape};
use crate::failure::Result;
use crate::sls::{FromCall, SlsCall};
use localyun_core::paging::decode_token;
use localyun_core::sls::ResourceKind;
use localyun_core::tags::{TagError, SLS_TAGS};
use localyun_core::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Resources named in one ListTagResources call.
const MAX_LIST_RESOURCES: usize = 50;

pub fn tag_error(e: TagError) -> ApiError {
    bad(format!("The tags are invalid: {e}."))
}

fn kind_of(spelled: &str) -> Result<ResourceKind> {
    ResourceKind::parse_tag_type(spelled).ok_or_else(|| bad(format!("resourceType {spelled} is not supported.")).into())
}

/// `resourceId`: an array of strings, or (the seed's sample) a bare string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Ids {
    One(String),
    Many(Vec<Shape<String>>),
}

impl Ids {
    fn strings(self) -> Result<Vec<String>> {
        match self {
            Ids::One(s) => Ok(vec![s]),
            Ids::Many(items) => items
                .into_iter()
                .map(|v| match v {
                    Shape::Is(s) => Ok(s),
                    Shape::Other(_) => Err(bad("resourceId must hold strings.").into()),
                })
                .collect(),
        }
    }
}

/// Exactly one resource per Tag/Untag call (sls.md 7.5).
fn single_resource(f: Field<Ids>) -> Result<String> {
    let ids = match f {
        Some(Shape::Is(ids)) => ids.strings()?,
        _ => return Err(bad("The parameter resourceId is required.").into()),
    };
    let n = ids.len();
    match <[String; 1]>::try_from(ids) {
        Ok([id]) => Ok(id),
        Err(_) if n == 0 => Err(bad("The parameter resourceId is required.").into()),
        Err(_) => Err(bad(format!("Only one resource can be given per call, got {n}.")).into()),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TagItem {
    key: Field<String>,
    value: Field<String>,
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct TagBody {
    resource_type: Field<String>,
    resource_id: Field<Ids>,
    tags: Field<Vec<Field<Obj<TagItem>>>>,
}

/// TagResources: `{"resourceType", "resourceId": [id], "tags": [{"key", "value"}]}`; a key
/// already on the resource takes the new value.
pub struct TagResources {
    pub kind: ResourceKind,
    pub id: String,
    pub pairs: Vec<(String, String)>,
}

impl FromCall for TagResources {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let body: TagBody = call.json_body()?;
        let kind = kind_of(&opt(body.resource_type, "resourceType")?.ok_or_else(|| bad("The parameter resourceType is required."))?)?;
        let id = single_resource(body.resource_id)?;
        let Some(Shape::Is(items)) = body.tags else {
            return Err(bad("The parameter tags is required.").into());
        };
        if items.is_empty() || items.len() > SLS_TAGS.max_per_resource {
            return Err(bad(format!("A call must give 1 to {} tags.", SLS_TAGS.max_per_resource)).into());
        }
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(items.len());
        for item in items {
            let Some(Shape::Is(Obj(TagItem { key: Some(Shape::Is(key)), value }))) = item else {
                return Err(bad("Each tag needs a string key.").into());
            };
            let value = match value {
                None => String::new(),
                Some(Shape::Is(v)) => v,
                Some(Shape::Other(_)) => return Err(bad("A tag value must be a string.").into()),
            };
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(bad(format!("The tag key {key} is given twice.")).into());
            }
            pairs.push((key, value));
        }
        SLS_TAGS.check_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(tag_error)?;
        Ok(Self { kind, id, pairs })
    }
}

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct UntagBody {
    resource_type: Field<String>,
    resource_id: Field<Ids>,
    all: Field<bool>,
    tags: Field<Vec<Shape<String>>>,
}

/// UntagResources: `all=true` removes every tag; otherwise the keys in `tags` go (sls.md 7.3).
pub struct UntagResources {
    pub kind: ResourceKind,
    pub id: String,
    pub all: bool,
    pub keys: Vec<String>,
}

impl FromCall for UntagResources {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let body: UntagBody = call.json_body()?;
        let id = single_resource(body.resource_id)?;
        let kind = match opt(body.resource_type, "resourceType")? {
            Some(t) => kind_of(&t)?,
            // Absent: a project when the id has no `#` (sls.md 7.3).
            None if !id.contains('#') => ResourceKind::Project,
            None => return Err(bad("The parameter resourceType is required.").into()),
        };
        let all = opt(body.all, "all")?.unwrap_or(false);
        let keys: Vec<String> = match body.tags {
            None => Vec::new(),
            Some(Shape::Is(items)) => items
                .into_iter()
                .map(|v| match v {
                    Shape::Is(k) => Ok(k),
                    Shape::Other(_) => Err(bad("tags must hold tag keys.")),
                })
                .collect::<Result<_, _>>()?,
            Some(Shape::Other(_)) => return Err(bad("tags must be an array of tag keys.").into()),
        };
        if keys.len() > SLS_TAGS.max_per_resource {
            return Err(bad(format!("At most {} tag keys can be given.", SLS_TAGS.max_per_resource)).into());
        }
        Ok(Self { kind, id, all, keys })
    }
}

/// A JSON text carried in a query parameter (`resourceId=["p"]`, `tags=[{"key":..}]`).
fn json_query<T: serde::de::DeserializeOwned>(call: &SlsCall<'_>, name: &str) -> Result<Option<Shape<T>>> {
    match call.query.optional(name) {
        None => Ok(None),
        Some(text) => {
            let v: Value = serde_json::from_str(text).map_err(|_| bad(format!("The parameter {name} is not valid JSON.")))?;
            Ok(Shape::<T>::deserialize(v).ok())
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TagFilter {
    key: Field<String>,
    value: Field<String>,
}

/// ListTagResources `GET /tags`: `resourceType`, `resourceId` (a JSON array), `tags` (JSON
/// `{"key","value"}` filters, AND-ed) and `nextToken` (sls.md 7.4).
pub struct ListTagResources {
    /// Echoed in every row as the caller spelled it.
    pub spelled: String,
    pub kind: ResourceKind,
    pub ids: Vec<String>,
    pub filter: Vec<(String, Option<String>)>,
    pub after: Option<String>,
}

impl FromCall for ListTagResources {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let spelled = call.query.optional("resourceType").ok_or_else(|| bad("The parameter resourceType is required."))?;
        let kind = kind_of(spelled)?;
        let ids = match json_query::<Ids>(call, "resourceId")? {
            None => Vec::new(),
            Some(Shape::Is(ids)) => ids.strings()?,
            Some(Shape::Other(_)) => return Err(bad("resourceId must be a JSON array.").into()),
        };
        if ids.len() > MAX_LIST_RESOURCES {
            return Err(bad(format!("At most {MAX_LIST_RESOURCES} resources can be listed per call.")).into());
        }
        let filter = match json_query::<Vec<Shape<Obj<TagFilter>>>>(call, "tags")? {
            None => Vec::new(),
            Some(Shape::Is(items)) if items.len() <= SLS_TAGS.max_per_resource => items
                .into_iter()
                .map(|f| match f {
                    Shape::Is(Obj(TagFilter { key: Some(Shape::Is(key)), value })) => Ok((key, opt(value, "value").ok().flatten())),
                    _ => Err(bad("Each tag filter needs a key.")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("tags must be a JSON array of at most 20 filters.").into()),
        };
        let after = match call.query.optional("nextToken") {
            Some(t) => Some(decode_token(t).ok_or_else(|| bad("The nextToken is invalid."))?),
            None => None,
        };
        Ok(Self { spelled: spelled.to_string(), kind, ids, filter, after })
    }
}

/// One row of ListTagResources: a (resource, tag) pair.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResource {
    pub resource_type: String,
    pub resource_id: String,
    pub tag_key: String,
    pub tag_value: String,
}

/// `nextToken` is always present, `""` on the last page; `tagResources` always present.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagList {
    pub next_token: String,
    pub tag_resources: Vec<TagResource>,
}
