//! Dashboards (sls.md 6.3): `/dashboards`, name field `dashboardName`; the list answers
//! `dashboardItems` beside the names.

use super::kind::{At, Kind};
use super::{contains, opt, Field, NameList, Obj, Shape};
use crate::failure::Result;
use crate::logservice::Record;
use localyun_core::params::Params;
use localyun_core::sls::ResourceKind;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A chart: a JSON object, kept as sent.
type Chart = Map<String, Value>;

#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Draft {
    display_name: Field<String>,
    description: Field<String>,
    charts: Field<Vec<Shape<Obj<Chart>>>>,
    attribute: Field<Map<String, Value>>,
}

/// A stored dashboard, which GetDashboard answers as it is (without times).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    #[serde(rename = "dashboardName")]
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// Each chart an object, kept as sent.
    pub charts: Vec<Chart>,
    /// String values only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<Map<String, Value>>,
}

/// Each item of `dashboardItems`, which Tea reads beside the names (sls.md 6.3).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    dashboard_name: String,
    display_name: String,
    description: String,
}

#[derive(Debug, Serialize)]
pub struct Listing {
    #[serde(flatten)]
    names: NameList,
    #[serde(rename = "dashboardItems")]
    items: Vec<Item>,
}

/// `displayName` of ListDashboard (substring).
pub struct Filter {
    display_name: Option<String>,
}

impl Kind for Dashboard {
    const KIND: ResourceKind = ResourceKind::Dashboard;
    type Draft = Draft;
    type Body = Dashboard;
    type Filter = Filter;
    type Answer = Dashboard;
    type Listing = Listing;

    fn accept(d: Draft, name: &str, _old: Option<Dashboard>, _txn: &mut dyn Txn, _at: At<'_>) -> Result<Dashboard> {
        // displayName is required by the Tea docstring; LogClient may leave it out (sls.md 6.3).
        let display_name = opt(d.display_name, "displayName")?.unwrap_or_else(|| name.to_string());
        let description = opt(d.description, "description")?.unwrap_or_default();
        let charts = match opt(d.charts, "charts")? {
            None => Vec::new(),
            Some(charts) => charts
                .into_iter()
                .map(|c| match c {
                    Shape::Is(Obj(c)) => Ok(c),
                    Shape::Other(_) => Err(super::invalid("charts")),
                })
                .collect::<Result<_, _>>()?,
        };
        let attribute = match opt(d.attribute, "attribute")? {
            Some(a) if !a.values().all(Value::is_string) => return Err(super::invalid("attribute").into()),
            a => a,
        };
        Ok(Dashboard { name: name.to_string(), display_name, description, charts, attribute })
    }

    fn render(r: Record<Dashboard>) -> Dashboard {
        r.body
    }

    fn filter(q: &Params) -> Filter {
        Filter { display_name: q.optional("displayName").map(str::to_string) }
    }

    fn filters_records(f: &Filter) -> bool {
        f.display_name.is_some()
    }

    fn matches(r: &Record<Dashboard>, f: &Filter) -> bool {
        contains(f.display_name.as_deref(), &r.body.display_name)
    }

    const LIST_RECORDS: bool = true;

    fn listing(names: NameList, page: Vec<Record<Dashboard>>) -> Listing {
        let items = page
            .into_iter()
            .map(|r| Item { dashboard_name: r.name, display_name: r.body.display_name, description: r.body.description })
            .collect();
        Listing { names, items }
    }
}
