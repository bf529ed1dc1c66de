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

impl actix_web::ResponseError for SimError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            SimError::NotFound(_) => StatusCode::NOT_FOUND,
            SimError::BadRequest(_) => StatusCode::BAD_REQUEST,
            SimError::Conflict(_) => StatusCode::CONFLICT,
            SimError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        actix_web::HttpResponse::build(self.status_code())
            .json(serde_json::json!({"error": self.code(), "message": self.to_string()}))
    }
}
