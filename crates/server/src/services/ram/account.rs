//! RAM 2015-05-01 account operations (ram.md 6.7).

use super::wire::AccountAlias;
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::accounts;
use localyun_store::Txn;

pub fn get_account_alias(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AccountAlias> {
    Ok(AccountAlias { account_alias: accounts::alias(txn, cx.account())? })
}
