//! AccessKeys (ram.md 6.6): the shared wire types are in `services::access_keys::wire`; RAM
//! names the key's user by `UserName`.

use crate::failure::Result;
use crate::rpc::decode::{opt_user_name, FromParams};
use localyun_core::params::Params;

/// The key's user by an optional `UserName`; without it, the caller's own keys.
pub struct ByUserName(pub Option<String>);

impl FromParams for ByUserName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(opt_user_name(p, "UserName")?))
    }
}
