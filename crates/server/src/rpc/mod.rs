//! The RPC ("POP") codec: one for RAM, IMS and STS (ram.md 1). It decodes requests into
//! parameters, checks their signatures and encodes answers; the services' action tables
//! (`services::RPC_SERVICES`) say what each (Version, Action) pair means.

pub mod auth;
pub mod decode;
pub mod encode;
pub mod request;
pub mod response;

use response::Product;

/// The product named in errors raised before the version is known.
pub const GATEWAY: Product = Product { name: "Ram", host: "ram.aliyuncs.com" };
