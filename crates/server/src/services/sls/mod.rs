//! Simple Log Service: the action table (sls.md 1.4) and the handlers of projects, the four
//! kinds of resource inside them, and tags (sls.md 6, 7). Every handler is typed: it takes its
//! request from [`wire`] and returns its answer, and [`crate::sls::typed`] decodes and encodes.

mod projects;
pub mod resources;
mod tags;
mod targets;
pub mod wire;

pub use targets::targets;

use crate::sls::HostProject::{Absent, Any, Required};
use crate::sls::Route::{Collection, Item, Root, Tag, Tags, Untag};
use crate::sls::SlsAction;
use localyun_store::Mode::{Read, Write};
use wire::kind::Kind;
use wire::{config::Config, dashboard::Dashboard, logstore::Logstore, machine_group::MachineGroup};

/// One row: the API name (also the RAM action `log:<name>`), method, route, whether the Host
/// names a project, read or write, and the typed handler.
macro_rules! action {
    ($name:expr, $method:literal, $route:expr, $host:expr, $mode:expr, $handler:expr) => {
        SlsAction {
            name: $name,
            method: $method,
            route: $route,
            host_project: $host,
            mode: $mode,
            handler: |call, txn| crate::sls::typed(call, txn, $handler),
        }
    };
}

/// The table: the rows written out, and the five rows (create, list, get, update, delete) of
/// each kind inside a project, named by its row of the kinds' table (`localyun_core::sls`).
macro_rules! sls_actions {
    (rows: [$($row:expr),* $(,)?], kinds: [$($k:ty),* $(,)?], then: [$($then:expr),* $(,)?] $(,)?) => {
        &[
            $($row,)*
            $(
                action!(<$k as Kind>::KIND.spec().calls.create, "POST", Collection(<$k as Kind>::KIND), Required, Write, resources::create::<$k>),
                action!(<$k as Kind>::KIND.spec().calls.list, "GET", Collection(<$k as Kind>::KIND), Required, Read, resources::list::<$k>),
                action!(<$k as Kind>::KIND.spec().calls.get, "GET", Item(<$k as Kind>::KIND), Required, Read, resources::get::<$k>),
                action!(<$k as Kind>::KIND.spec().calls.update, "PUT", Item(<$k as Kind>::KIND), Required, Write, resources::update::<$k>),
                action!(<$k as Kind>::KIND.spec().calls.delete, "DELETE", Item(<$k as Kind>::KIND), Required, Write, resources::delete::<$k>),
            )*
            $($then),*
        ]
    };
}

pub static ACTIONS: &[SlsAction] = sls_actions! {
    rows: [
        // CreateProject: LogClient names the project in Host and body, Tea in the body only,
        // aliyun-sdk `undefined` in Host; the body's name is the one used (sls.md 1.1).
        action!("CreateProject", "POST", Root, Any, Write, projects::create_project),
        action!("GetProject", "GET", Root, Required, Read, projects::get_project),
        action!("ListProject", "GET", Root, Absent, Read, projects::list_project),
        action!("UpdateProject", "PUT", Root, Required, Write, projects::update_project),
        action!("DeleteProject", "DELETE", Root, Required, Write, projects::delete_project),
    ],
    // Adding a kind: its row in `localyun_core::sls`, its file under `wire/`, its name here.
    kinds: [Logstore, Dashboard, MachineGroup, Config],
    then: [
        // Tag calls take the project from resourceId; Tea sends no project in Host (sls.md 0.1 point 6).
        action!("TagResources", "POST", Tag, Any, Write, tags::tag_resources),
        action!("UntagResources", "POST", Untag, Any, Write, tags::untag_resources),
        action!("ListTagResources", "GET", Tags, Any, Read, tags::list_tag_resources),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_five_calls() {
        for k in localyun_core::sls::ResourceKind::ALL {
            let c = k.spec().calls;
            for name in [c.create, c.list, c.get, c.update, c.delete] {
                assert_eq!(ACTIONS.iter().filter(|a| a.name == name).count(), 1, "{name}");
            }
        }
        assert_eq!(ACTIONS.len(), 28);
    }
}
