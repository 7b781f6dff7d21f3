//! The pure core of localyun: everything that decides *what* a request means without doing I/O.
//!
//! Wire encodings (percent-encoding, form decoding), request signatures, parameter rules, names,
//! tag rules, paging tokens and the error data every service answers with. Nothing here touches
//! the network, the clock or the store: the dependency list (no tokio, no SQL) keeps it that way.
#![forbid(unsafe_code)]
// Everything here runs on request input: no panic may be reachable from it (issue 11). Slicing,
// indexing and unwrapping are refused outside tests; fallible forms (`get`, `split_at_checked`,
// `strip_prefix`, iterators) say what happens on bad input instead.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::expect_used,
        clippy::panic,
        clippy::unwrap_used,
        clippy::unreachable,
        clippy::string_slice,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod ak_policy;
pub mod encoding;
pub mod endpoints;
pub mod error;
pub mod mfa;
pub mod names;
pub mod oidc;
pub mod paging;
pub mod params;
pub mod password;
pub mod policy;
pub mod preference;
pub mod saml;
pub mod secret;
pub mod sig;
pub mod sls;
pub mod tags;
pub mod time;

pub use error::{AccessDenied, ApiError, GatewayError, MatchedPolicy, RamError, SlsError, StsError};
pub use secret::Secret;
