//! Small extractors: UUID path parameters that name themselves when invalid, and an
//! optional JSON body.

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::{FromRequest, HttpRequest};
use pa_domain::TenantId;
use pa_http::{Json, Problem};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::ApiError;

fn uuid_param(req: &HttpRequest, name: &'static str) -> Result<Uuid, ApiError> {
    req.match_info()
        .get(name)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or(ApiError::InvalidPathParameter(name))
}

/// The `{tenant_id}` path segment (400 `invalid_path_parameter` unless a UUID).
pub struct TenantPath(pub TenantId);

impl FromRequest for TenantPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(uuid_param(req, "tenant_id").map(|id| Self(TenantId::from_uuid(id))))
    }
}

/// The `{tenant_id}` and `{run_id}` path segments.
pub struct RunPath(pub TenantId, pub Uuid);

impl FromRequest for RunPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = uuid_param(req, "tenant_id")
            .and_then(|t| Ok(Self(TenantId::from_uuid(t), uuid_param(req, "run_id")?)));
        ready(parsed)
    }
}

/// A JSON body that may be left out entirely (then `T::default()`); a body that is sent
/// is checked exactly like [`pa_http::Json`].
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let empty = !headers.contains_key(TRANSFER_ENCODING)
            && headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if empty {
            return Box::pin(async { Ok(Self(T::default())) });
        }
        let json = Json::<T>::from_request(req, payload);
        Box::pin(async move { json.await.map(|j| Self(j.into_inner())) })
    }
}
