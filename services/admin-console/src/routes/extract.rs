//! Small extractors: UUID path parameters that name themselves when invalid.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use uuid::Uuid;

use crate::error::ApiError;

fn uuid_param(req: &HttpRequest, name: &'static str) -> Result<Uuid, ApiError> {
    req.match_info()
        .get(name)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or(ApiError::InvalidPathParameter(name))
}

macro_rules! uuid_path {
    ($name:ident, $param:literal) => {
        #[doc = concat!("The `{", $param, "}` path segment (400 `invalid_path_parameter` unless a UUID).")]
        pub struct $name(pub Uuid);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(uuid_param(req, $param).map(Self))
            }
        }
    };
}

uuid_path!(ObjectIdPath, "object_id");
uuid_path!(GroupIdPath, "group_id");
uuid_path!(RunIdPath, "run_id");
uuid_path!(SessionIdPath, "session_id");
uuid_path!(TokenIdPath, "token_id");
uuid_path!(AccountIdPath, "account_id");

/// A page size: 1–200, default 50.
pub fn page_limit(limit: Option<u32>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(50),
        Some(n @ 1..=200) => Ok(i64::from(n)),
        Some(_) => Err(ApiError::InvalidQueryParameter {
            name: "limit",
            message: "must be between 1 and 200".into(),
        }),
    }
}

/// A JSON body that may be left out entirely (then `T::default()`); a body that is sent is
/// checked exactly like [`pa_http::Json`].
pub struct OptionalJson<T>(pub T);

impl<T: serde::de::DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = pa_http::Problem;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, pa_http::Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
        let headers = req.headers();
        let empty = !headers.contains_key(TRANSFER_ENCODING)
            && headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if empty {
            return Box::pin(async { Ok(Self(T::default())) });
        }
        let json = pa_http::Json::<T>::from_request(req, payload);
        Box::pin(async move { json.await.map(|j| Self(j.into_inner())) })
    }
}
