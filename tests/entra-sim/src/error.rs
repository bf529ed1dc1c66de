//! Errors of the in-process control API (and of the `/_sim` HTTP API, which maps them to JSON).

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl SimError {
    pub fn code(&self) -> &'static str {
        match self {
            SimError::NotFound(_) => "not_found",
            SimError::BadRequest(_) => "bad_request",
            SimError::Conflict(_) => "conflict",
            SimError::Internal(_) => "internal",
        }
    }
}

pub type SimResult<T> = Result<T, SimError>;
