//! The RPC ("POP") front end: one codec for RAM, IMS and (later) STS, routed by the pair
//! (Version, Action) through each service's declarative action table (ram.md 1).

pub mod auth;
pub mod request;
pub mod response;

use crate::caller::Caller;
use crate::failure::Result;
use localyun_core::params::Params;
use localyun_store::{Mode, Txn};
use response::Product;
use serde_json::{Map, Value};

/// What a handler sees: decoded parameters and the authenticated caller. Handlers never see
/// HTTP, `Format`, `Action` or the signature.
pub struct Call<'a> {
    pub params: &'a Params,
    pub caller: &'a Caller,
}

/// A handler runs inside the request's store transaction and returns the response fields
/// (without `RequestId`); an error rolls the transaction back.
pub type Handler = fn(&Call<'_>, &mut dyn Txn) -> Result<Map<String, Value>>;

/// One row of an action table.
pub struct RpcAction {
    pub name: &'static str,
    /// Read actions run in a read transaction; write actions in a write transaction.
    pub mode: Mode,
    /// `None`: the real API has this action and localyun does not implement it yet; it answers
    /// with the "not implemented" error under its real name.
    pub handler: Option<Handler>,
    /// The resources the action is authorized on (default: `*`, "All Resources").
    pub resources: crate::authz::arns::Resources,
}

/// One RPC product version and its action table.
pub struct RpcService {
    pub version: &'static str,
    pub product: Product,
    /// The RAM namespace of its actions: `ram:CreateUser` (ram.md 9).
    pub ram_namespace: &'static str,
    pub actions: &'static [RpcAction],
}

impl RpcService {
    pub fn action(&self, name: &str) -> Option<&RpcAction> {
        self.actions.iter().find(|a| a.name == name)
    }
}

/// Rows of an action table: `"Name" => Read(handler) on resources`, where `on resources`
/// (an [`crate::authz::arns`] function) defaults to `*`; or `"Name" => Write` for an action the
/// real API has and localyun does not implement yet.
#[macro_export]
macro_rules! rpc_actions {
    ($($name:literal => $mode:ident $(($handler:path))? $(on $res:path)?),* $(,)?) => {
        &[$($crate::rpc::RpcAction {
            name: $name,
            mode: localyun_store::Mode::$mode,
            handler: $crate::rpc_actions!(@h $($handler)?),
            resources: $crate::rpc_actions!(@r $($res)?),
        }),*]
    };
    (@h) => { None };
    (@h $handler:path) => { Some($handler) };
    (@r) => { $crate::authz::arns::all };
    (@r $res:path) => { $res };
}

/// Every RPC service localyun serves.
pub static SERVICES: &[&RpcService] = &[&crate::services::ram::SERVICE, &crate::services::ims::SERVICE, &crate::services::sts::SERVICE];

pub fn service(version: &str) -> Option<&'static RpcService> {
    SERVICES.iter().copied().find(|s| s.version == version)
}

/// The product named in errors raised before the version is known.
pub const GATEWAY: Product = Product { name: "Ram", host: "ram.aliyuncs.com" };
