//! Machine groups (sls.md 6.4): `/machinegroups`, name field `groupName`. A body of the wrong
//! shape is `InvalidParameter` "invalid group resource json" (sls.md 5.2).

use super::kind::{At, Kind};
use super::{Field, NameList, Shape, Stamped};
use crate::failure::Result;
use crate::logservice::Record;
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
    machine_identify_type: Field<String>,
    machine_list: Field<Vec<Shape<String>>>,
    group_type: Field<String>,
    group_attribute: Field<Map<String, Value>>,
}

/// A stored machine group, echoed by GetMachineGroup with its times.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineGroup {
    #[serde(rename = "groupName")]
    pub name: String,
    /// `ip` or `userdefined`.
    pub machine_identify_type: String,
    pub machine_list: Vec<String>,
    pub group_type: String,
    /// String values only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_attribute: Option<Map<String, Value>>,
}

fn bad() -> ApiError {
    ApiError::from(SlsError::InvalidParameter { why: "invalid group resource json".into() })
}

impl Kind for MachineGroup {
    const KIND: ResourceKind = ResourceKind::MachineGroup;
    type Draft = Draft;
    type Body = MachineGroup;
    type Filter = ();
    type Answer = Stamped<MachineGroup>;
    type Listing = NameList;

    fn accept(d: Draft, name: &str, _old: Option<MachineGroup>, _txn: &mut dyn Txn, _at: At<'_>) -> Result<MachineGroup> {
        let machine_identify_type = match d.machine_identify_type {
            Some(Shape::Is(t)) if t == "ip" || t == "userdefined" => t,
            _ => return Err(bad().into()),
        };
        let machine_list = match d.machine_list {
            Some(Shape::Is(list)) => list
                .into_iter()
                .map(|m| match m {
                    Shape::Is(m) => Ok(m),
                    Shape::Other(_) => Err(bad()),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(bad().into()),
        };
        let group_type = match d.group_type {
            None => String::new(),
            Some(Shape::Is(t)) => t,
            Some(Shape::Other(_)) => return Err(bad().into()),
        };
        let group_attribute = match d.group_attribute {
            None => None,
            Some(Shape::Is(a)) if a.values().all(Value::is_string) => Some(a),
            Some(_) => return Err(bad().into()),
        };
        Ok(MachineGroup { name: name.to_string(), machine_identify_type, machine_list, group_type, group_attribute })
    }

    fn render(r: Record<MachineGroup>) -> Stamped<MachineGroup> {
        Stamped::of(r)
    }

    fn filter(_q: &Params) {}

    fn listing(names: NameList, _page: Vec<Record<MachineGroup>>) -> NameList {
        names
    }
}
