//! Loading many users at once (the benchmark's 1M-user data set) through the same validation
//! and store functions as the API, in large transactions instead of one per request.

use super::users::{self, NewUser};
use crate::failure::transact;
use crate::failure::Result;
use localyun_core::error::GatewayError;
use localyun_core::names::check_user_name;
use localyun_core::tags::{TagSet, IMS_USER_TAGS};
use localyun_core::ApiError;
use localyun_store::{Mode, Store};

const USERS_PER_TRANSACTION: usize = 10_000;

/// Creates `count` users `<prefix>-<i>` in `account`, each with `tags_per_user` tags
/// `k<j>` = `v<(i + j) % 1000>`; the account's user quota is raised to fit them.
pub fn load_users(store: &dyn Store, account: &str, prefix: &str, count: usize, tags_per_user: usize) -> Result<usize> {
    let mut created = 0;
    while created < count {
        let end = (created + USERS_PER_TRANSACTION).min(count);
        transact(store, Mode::Write, |txn| {
            for i in created..end {
                let name = format!("{prefix}-{i}");
                check_user_name("UserName", &name)?;
                let tags: TagSet = (0..tags_per_user).map(|j| (format!("k{j}"), format!("v{}", (i + j) % 1000))).collect();
                IMS_USER_TAGS
                    .check_pairs(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .map_err(|e| ApiError::from(GatewayError::invalid("Tag", &e.to_string())))?;
                IMS_USER_TAGS
                    .merged(&TagSet::new(), &tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>())
                    .map_err(|e| ApiError::from(GatewayError::invalid("Tag", &e.to_string())))?;
                let new = NewUser { name, display_name: Some(format!("bulk {i}")), tags, ..Default::default() };
                users::create_within(txn, account, new, usize::MAX)?;
            }
            Ok::<(), crate::failure::Failure>(())
        })?;
        created = end;
    }
    Ok(created)
}
