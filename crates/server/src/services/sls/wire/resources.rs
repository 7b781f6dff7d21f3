//! The requests common to the kinds inside a project (sls.md 6.2-6.5): create, get, update,
//! delete and list, with the name field and the list's name filter from the kinds' table.

use super::kind::Kind;
use super::{bad, field_at, opt, required, Field, Paging};
use crate::failure::Deferred;
use crate::failure::Result;
use crate::sls::{FromCall, SlsCall};

/// CreateX: the body's name and the rest of the body, checked once the project is the caller's
/// (the name first, the rest after the existence and quota checks).
pub struct CreateResource<K: Kind> {
    pub project: String,
    pub body: Deferred<NewResource<K>>,
}

pub struct NewResource<K: Kind> {
    pub name: String,
    pub draft: K::Draft,
}

impl<K: Kind> FromCall for CreateResource<K> {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let body = Deferred::decode(|| {
            let draft: K::Draft = call.json_body()?;
            let field = K::KIND.spec().name_field;
            let name: String = required(field_at(call.body, field), field)?;
            if !K::KIND.valid_name(&name) {
                return Err(bad(format!("{field} {name} is invalid.")).into());
            }
            Ok(NewResource { name, draft })
        });
        Ok(Self { project: call.project()?.to_string(), body })
    }
}

/// GetX, DeleteX: `/<collection>/<name>` in the Host's project.
pub struct ResourceAt {
    pub project: String,
    pub name: String,
}

impl FromCall for ResourceAt {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        Ok(Self { project: call.project()?.to_string(), name: call.item()?.to_string() })
    }
}

/// UpdateX: the body, checked once the resource is found; its name field, when given, must be
/// the path's.
pub struct UpdateResource<K: Kind> {
    pub at: ResourceAt,
    pub body: Deferred<Changed<K>>,
}

pub struct Changed<K: Kind> {
    pub name: Option<String>,
    pub draft: K::Draft,
}

impl<K: Kind> FromCall for UpdateResource<K> {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let at = ResourceAt::from_call(call)?;
        let body = Deferred::decode(|| {
            let draft: K::Draft = call.json_body()?;
            let field = K::KIND.spec().name_field;
            let name: Field<String> = field_at(call.body, field);
            Ok(Changed { name: opt(name, field)?, draft })
        });
        Ok(Self { at, body })
    }
}

impl<K: Kind> UpdateResource<K> {
    /// `<nameField> <n> does not match the path.`
    pub fn mismatch(given: &str) -> crate::failure::Failure {
        bad(format!("{} {given} does not match the path.", K::KIND.spec().name_field)).into()
    }
}

/// ListX: paging (checked once the project is the caller's), the name filter (the kind's name
/// field as a query parameter) and the kind's own filters.
pub struct ListResources<K: Kind> {
    pub project: String,
    pub paging: Deferred<Paging>,
    pub name: Option<String>,
    pub filter: K::Filter,
}

impl<K: Kind> FromCall for ListResources<K> {
    fn from_call(call: &SlsCall<'_>) -> Result<Self> {
        let q = call.query;
        Ok(Self {
            project: call.project()?.to_string(),
            paging: Deferred::decode(|| Paging::read(q)),
            name: q.optional(K::KIND.spec().name_field).map(str::to_string),
            filter: K::filter(q),
        })
    }
}
