//! The shape of an RPC service's declarative action table (STYLE: "one table of actions"):
//! each row is the single source for an action — its wire name, whether it reads or writes,
//! the RAM action it is authorized as, how its resource ARNs are built, and its handler with
//! typed request and response. Routing, authorization, the "not implemented" answers and the
//! served-actions table of README (`localyun actions`) all derive from the rows.
//!
//! This module knows neither HTTP nor the services: the codec (`rpc/`) decodes a request into
//! [`Params`], the services fill the tables, the pipeline joins them.

use crate::authz::Target;
use crate::caller::Caller;
use crate::failure::{Failure, Result};
use crate::rpc::decode::FromParams;
use crate::rpc::response::Product;
use localyun_core::params::Params;
use localyun_store::{Mode, Txn};
use serde::Serialize;
use serde_json::{Map, Value};

/// What a handler sees besides its typed request: who is calling. Handlers never see HTTP,
/// `Format`, `Action` or the signature.
pub struct Context<'a> {
    pub caller: &'a Caller,
}

impl Context<'_> {
    pub fn account(&self) -> &str {
        &self.caller.account_id
    }
}

/// What a resource rule sees: the raw parameters (resources are resolved before the request is
/// decoded, so that a request without permission learns nothing from validation) and the caller.
pub struct Call<'a> {
    pub params: &'a Params,
    pub caller: &'a Caller,
}

/// Decode → handle → encode of one action, over the raw parameters.
pub type Run = fn(&Params, &Context<'_>, &mut dyn Txn) -> Result<Map<String, Value>>;

/// A handler erased to one signature, built from a typed handler by [`rpc_actions!`].
#[derive(Clone, Copy)]
pub struct Handler {
    /// Decodes the request, runs inside the request's store transaction and encodes the
    /// answer's fields (without `RequestId`); an error rolls the transaction back ([`typed`]).
    pub run: Run,
    /// The decode stage alone: whether the parameters make a valid request (fuzzing).
    pub decode: fn(&Params) -> Result<()>,
}

/// A typed handler: `fn(CreateUser, &Context, &mut dyn Txn) -> Result<UserAnswer>`.
pub type TypedHandler<Q, A> = fn(Q, &Context<'_>, &mut dyn Txn) -> Result<A>;

/// Decode → handle → encode, the last three stages of the pipeline for one action.
pub fn typed<Q: FromParams, A: Serialize>(
    p: &Params,
    cx: &Context<'_>,
    txn: &mut dyn Txn,
    handler: TypedHandler<Q, A>,
) -> Result<Map<String, Value>> {
    let request = Q::from_params(p)?;
    let answer = handler(request, cx, txn)?;
    encode_fields(&answer)
}

/// The decode stage of a typed handler alone.
pub fn decode_only<Q: FromParams, A>(p: &Params, _handler: TypedHandler<Q, A>) -> Result<()> {
    Q::from_params(p).map(drop)
}

/// An answer's fields: a struct becomes its object, `()` no fields.
pub fn encode_fields<A: Serialize>(answer: &A) -> Result<Map<String, Value>> {
    match serde_json::to_value(answer) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) | Err(_) => Err(Failure::Corrupt { table: "answer", detail: "an answer type is not a struct".into() }),
    }
}

/// The resources an action is authorized on (ram.md 9, policy.md 3.3), by the parameters that
/// name them. A parameter the request does not carry makes the resource `*`.
#[derive(Debug, Clone, Copy)]
pub enum Resources {
    /// `*`: actions without resource-level permission ("All Resources").
    All,
    /// No permission is needed (GetCallerIdentity).
    Unchecked,
    /// Unsigned calls (AssumeRoleWithOIDC): no signature and no policy; the handler checks the
    /// call's own credential (pipeline `anonymous`).
    Anonymous,
    /// Calls signed with an RSA key pair's public key ID, the account root's
    /// (GenerateSessionAccessKey); no policy applies, and no other call takes such a key.
    KeyPair,
    /// `acs:ram:*:<account>:user/<name>`.
    User(&'static str),
    /// AccessKey calls: the named user, else the calling user itself (ram.md 9).
    UserOrSelf(&'static str),
    /// `acs:ram:*:<account>:group/<name>`.
    Group(&'static str),
    /// `acs:ram:*:<account>:role/<name>`.
    Role(&'static str),
    /// A custom or system policy: the name parameter and the policy-type parameter.
    Policy { name: &'static str, kind: &'static str },
    /// An ARN given as is (AssumeRole's `RoleArn`, policy.md 5.3 step 1).
    Arn(&'static str),
    /// Attach/Detach: both the entity and the policy are checked (ram.md 6.5).
    Both(&'static Resources, &'static Resources),
    /// A rule of the service's own (IMS names users by logon name, ID or AccessKey).
    Custom(fn(&Call<'_>, &mut dyn Txn) -> Result<Vec<Target>>),
}

/// One row of an action table.
pub struct RpcAction {
    pub name: &'static str,
    /// Read actions run in a read transaction; write actions in a write transaction.
    pub mode: Mode,
    /// `None`: the real API has this action and localyun does not implement it yet; it answers
    /// with the "not implemented" error under its real name.
    pub handler: Option<Handler>,
    pub resources: Resources,
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

/// Rows of an action table: `"Name" => Read(handler) on resources`, where `on resources` (a
/// [`Resources`] rule) defaults to `All`; or `"Name" => Write` for an action the real API has
/// and localyun does not implement yet. A handler is a typed function
/// `fn(Request, &Context, &mut dyn Txn) -> Result<Answer>`.
#[macro_export]
macro_rules! rpc_actions {
    ($($name:literal => $mode:ident $(($handler:expr))? $(on $res:expr)?),* $(,)?) => {
        &[$($crate::actions::RpcAction {
            name: $name,
            mode: localyun_store::Mode::$mode,
            handler: $crate::rpc_actions!(@h $($handler)?),
            resources: $crate::rpc_actions!(@r $($res)?),
        }),*]
    };
    (@h) => { None };
    (@h $handler:expr) => {
        Some($crate::actions::Handler {
            run: |p, cx, txn| $crate::actions::typed(p, cx, txn, $handler),
            decode: |p| $crate::actions::decode_only(p, $handler),
        })
    };
    (@r) => { $crate::actions::Resources::All };
    (@r $res:expr) => { $res };
}
