//! The HTTP side of localyun: the request pipeline, the RPC codec, the services and the server
//! loop. Built on the pure rules of `localyun-core` and the `localyun-store` engines.
#![forbid(unsafe_code)]

pub mod auth;
pub mod authz;
pub mod caller;
pub mod executor;
pub mod failure;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod logservice;
pub mod migrations;
pub mod pipeline;
pub mod rpc;
pub mod server;
pub mod services;
pub mod sls;
pub mod state;
