//! Simple Log Service: the action table (sls.md 1.4) and the handlers of projects, the four
//! kinds of resource inside them, and tags (sls.md 6, 7).

pub(crate) mod body;
mod projects;
mod resources;
mod tags;
mod targets;

pub use targets::targets;

use crate::sls::HostProject::{Absent, Any, Required};
use crate::sls::Route::{Collection, Item, Root, Tag, Tags, Untag};
use crate::sls::SlsAction;
use localyun_core::sls::ResourceKind::{Dashboard, Logstore, LogtailConfig, MachineGroup};
use localyun_store::Mode::{Read, Write};
use resources::{ConfigKind, DashboardKind, GroupKind, LogstoreKind};

macro_rules! action {
    ($name:literal, $method:literal, $route:expr, $host:expr, $mode:expr, $handler:expr) => {
        SlsAction { name: $name, method: $method, route: $route, host_project: $host, mode: $mode, handler: $handler }
    };
}

pub static ACTIONS: &[SlsAction] = &[
    // CreateProject: LogClient names the project in Host and body, Tea in the body only, aliyun-sdk
    // `undefined` in Host; the body's name is the one used (sls.md 1.1).
    action!("CreateProject", "POST", Root, Any, Write, projects::create_project),
    action!("GetProject", "GET", Root, Required, Read, projects::get_project),
    action!("ListProject", "GET", Root, Absent, Read, projects::list_project),
    action!("UpdateProject", "PUT", Root, Required, Write, projects::update_project),
    action!("DeleteProject", "DELETE", Root, Required, Write, projects::delete_project),
    action!("CreateLogStore", "POST", Collection(Logstore), Required, Write, resources::create::<LogstoreKind>),
    action!("ListLogStores", "GET", Collection(Logstore), Required, Read, resources::list::<LogstoreKind>),
    action!("GetLogStore", "GET", Item(Logstore), Required, Read, resources::get::<LogstoreKind>),
    action!("UpdateLogStore", "PUT", Item(Logstore), Required, Write, resources::update::<LogstoreKind>),
    action!("DeleteLogStore", "DELETE", Item(Logstore), Required, Write, resources::delete::<LogstoreKind>),
    action!("CreateDashboard", "POST", Collection(Dashboard), Required, Write, resources::create::<DashboardKind>),
    action!("ListDashboard", "GET", Collection(Dashboard), Required, Read, resources::list::<DashboardKind>),
    action!("GetDashboard", "GET", Item(Dashboard), Required, Read, resources::get::<DashboardKind>),
    action!("UpdateDashboard", "PUT", Item(Dashboard), Required, Write, resources::update::<DashboardKind>),
    action!("DeleteDashboard", "DELETE", Item(Dashboard), Required, Write, resources::delete::<DashboardKind>),
    action!("CreateMachineGroup", "POST", Collection(MachineGroup), Required, Write, resources::create::<GroupKind>),
    action!("ListMachineGroup", "GET", Collection(MachineGroup), Required, Read, resources::list::<GroupKind>),
    action!("GetMachineGroup", "GET", Item(MachineGroup), Required, Read, resources::get::<GroupKind>),
    action!("UpdateMachineGroup", "PUT", Item(MachineGroup), Required, Write, resources::update::<GroupKind>),
    action!("DeleteMachineGroup", "DELETE", Item(MachineGroup), Required, Write, resources::delete::<GroupKind>),
    action!("CreateConfig", "POST", Collection(LogtailConfig), Required, Write, resources::create::<ConfigKind>),
    action!("ListConfig", "GET", Collection(LogtailConfig), Required, Read, resources::list::<ConfigKind>),
    action!("GetConfig", "GET", Item(LogtailConfig), Required, Read, resources::get::<ConfigKind>),
    action!("UpdateConfig", "PUT", Item(LogtailConfig), Required, Write, resources::update::<ConfigKind>),
    action!("DeleteConfig", "DELETE", Item(LogtailConfig), Required, Write, resources::delete::<ConfigKind>),
    // Tag calls take the project from resourceId; Tea sends no project in Host (sls.md 0.1 point 6).
    action!("TagResources", "POST", Tag, Any, Write, tags::tag_resources),
    action!("UntagResources", "POST", Untag, Any, Write, tags::untag_resources),
    action!("ListTagResources", "GET", Tags, Any, Read, tags::list_tag_resources),
];
