//! The HTTP side of localyun: the request pipeline, the RPC codec, the services and the server
//! loop. Built on the pure rules of `localyun-core` and the `localyun-store` engines.
// Nothing a request carries may panic the server (issue 11 item 6): no indexing or slicing that
// could be out of bounds, no expect/panic outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice, clippy::expect_used, clippy::panic, clippy::unreachable))]
#![forbid(unsafe_code)]

pub mod actions;
pub mod auth;
pub mod authz;
pub mod caller;
pub mod catalog;
pub mod connection;
pub mod executor;
pub mod failure;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod identity;
pub mod jwks;
pub mod key_usage;
pub mod logservice;
pub mod migrations;
pub mod pipeline;
pub mod record;
pub mod rpc;
pub mod server;
pub mod services;
pub mod sls;
pub mod state;
pub mod tls;
pub mod trust;
