//! What can go wrong while serving a request: an error the client caused (sent as is), or a
//! failure of the store (logged with its source, answered with a generic 5xx).

use localyun_core::ApiError;
use localyun_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{} ({}): {}", .0.code, .0.status, .0.message)]
    Api(ApiError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("unreadable record in table {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl Failure {
    /// The error sent to the client; internal detail stays in the log.
    pub fn to_api(&self) -> ApiError {
        match self {
            Failure::Api(e) => e.clone(),
            Failure::Store(StoreError::Busy) => ApiError::service_unavailable(),
            Failure::Store(_) | Failure::Corrupt { .. } => ApiError::internal(),
        }
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;
