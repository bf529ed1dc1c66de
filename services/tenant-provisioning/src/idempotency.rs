//! `Idempotency-Key` for creating POSTs.
//!
//! Protocol (keys scoped to the operator key, remembered 24 h):
//! 1. Without the header the request simply runs.
//! 2. With it, the key is reserved in its own short transaction (`in_flight`). If another
//!    live row holds it: a different request fingerprint → 422 `idempotency_key_reused`;
//!    a stored response → that response again, with `Idempotent-Replayed: true`; still in
//!    flight → 409 `idempotency_key_in_use`.
//! 3. The handler's transaction stores the response ([`Reservation::store`]) just before it
//!    commits, so "effect committed" and "response stored" are one fact.
//! 4. If the handler fails, or its future is dropped (client went away), the reservation is
//!    released; releasing only ever deletes an `in_flight` row, so it is always safe.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use pa_db::PgPool;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{IdempotencyKey, TokenHash};
use crate::error::ApiError;
use crate::repo::idempotency as repo;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// Set to `true` on a replayed response.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// The optional `Idempotency-Key` request header (400 `invalid_idempotency_key` when it
/// is not 1–255 visible ASCII characters).
pub struct IdempotencyHeader(pub Option<IdempotencyKey>);

impl FromRequest for IdempotencyHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(HEADER) {
            None => Ok(Self(None)),
            Some(v) => v
                .to_str()
                .map_err(|_| "must be visible ASCII characters".to_owned())
                .and_then(|s| IdempotencyKey::parse(s).map_err(|e| e.to_string()))
                .map(|k| Self(Some(k)))
                .map_err(ApiError::InvalidIdempotencyKey),
        };
        std::future::ready(parsed)
    }
}

/// SHA-256 over method, path and the body re-serialised with sorted keys, so whitespace
/// and key order do not matter but any value does.
pub fn fingerprint<B: Serialize>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<TokenHash, ApiError> {
    let mut canonical = Vec::new();
    write_canonical(&serde_json::to_value(body)?, &mut canonical)?;
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(&canonical);
    TokenHash::from_slice(&h.finalize())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("digest length")))
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k)?;
                out.push(b':');
                write_canonical(v, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out)?;
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar)?,
    }
    Ok(())
}

/// A created resource's response: what the client gets now, and what a replay gets.
pub struct Created {
    status: StatusCode,
    body: Vec<u8>,
    /// The body stored for replays when it must differ (it held a secret).
    replay_body: Option<Vec<u8>>,
    location: Option<String>,
}

impl Created {
    /// `201 Created` with a JSON body and `Location`.
    pub fn new<T: Serialize>(body: &T, location: String) -> Result<Self, ApiError> {
        Ok(Self {
            status: StatusCode::CREATED,
            body: serde_json::to_vec(body)?,
            replay_body: None,
            location: Some(location),
        })
    }

    /// Replays get `replay` instead of the body (used when the body shows a secret once).
    pub fn with_replay_body<T: Serialize>(mut self, replay: &T) -> Result<Self, ApiError> {
        self.replay_body = Some(serde_json::to_vec(replay)?);
        Ok(self)
    }

    fn into_response(self) -> HttpResponse {
        respond(self.status, self.body, self.location.as_deref(), false)
    }
}

fn respond(
    status: StatusCode,
    body: Vec<u8>,
    location: Option<&str>,
    replayed: bool,
) -> HttpResponse {
    let mut b = HttpResponse::build(status);
    b.insert_header((CONTENT_TYPE, "application/json"));
    if let Some(loc) = location {
        b.insert_header((LOCATION, loc));
    }
    if replayed {
        b.insert_header((REPLAYED_HEADER, "true"));
    }
    b.body(body)
}

/// The right to store this request's response; a no-op without an idempotency key.
pub struct Reservation(Option<(Uuid, IdempotencyKey)>);

impl Reservation {
    /// Stores `created` as the key's response, in the request's transaction.
    pub async fn store(&self, conn: &mut PgConnection, created: &Created) -> Result<(), ApiError> {
        let Some((operator, key)) = &self.0 else {
            return Ok(());
        };
        let body = created.replay_body.as_ref().unwrap_or(&created.body);
        let status = i16::try_from(created.status.as_u16()).unwrap_or(201);
        repo::complete(
            conn,
            *operator,
            key,
            status,
            body,
            created.location.as_deref(),
        )
        .await?;
        Ok(())
    }
}

/// Runs `work` under the idempotency protocol (see the module docs).
pub async fn run<F>(
    pool: &PgPool,
    operator: Uuid,
    key: Option<IdempotencyKey>,
    request: TokenHash,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: AsyncFnOnce(Reservation) -> Result<Created, ApiError>,
{
    let Some(key) = key else {
        return work(Reservation(None)).await.map(Created::into_response);
    };
    if let Some(replay) = reserve(pool, operator, &key, request).await? {
        return Ok(replay);
    }
    let mut guard = ReleaseGuard {
        pool: pool.clone(),
        operator,
        key: Some(key.clone()),
    };
    let result = work(Reservation(Some((operator, key)))).await;
    match &result {
        Ok(_) => guard.key = None,
        Err(_) => guard.release_now().await,
    }
    result.map(Created::into_response)
}

/// Reserves the key; `Some(response)` when the request must not run.
async fn reserve(
    pool: &PgPool,
    operator: Uuid,
    key: &IdempotencyKey,
    request: TokenHash,
) -> Result<Option<HttpResponse>, ApiError> {
    let mut conn = pool.acquire().await.map_err(pa_db::DbError::from)?;
    if repo::reserve(&mut conn, operator, key, request).await? {
        return Ok(None);
    }
    let Some(row) = repo::find(&mut conn, operator, key).await? else {
        // Expired or released between the two statements: treat as in use, the client retries.
        return Err(ApiError::IdempotencyKeyInUse);
    };
    let same_request = TokenHash::from_slice(&row.request_hash).is_some_and(|h| h.ct_eq(&request));
    if !same_request {
        return Err(ApiError::IdempotencyKeyReused);
    }
    match (row.state.as_str(), row.response_status, row.response_body) {
        ("completed", Some(status), Some(body)) => {
            let status = u16::try_from(status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            Ok(Some(respond(
                status,
                body,
                row.response_location.as_deref(),
                true,
            )))
        }
        _ => Err(ApiError::IdempotencyKeyInUse),
    }
}

/// Releases an in-flight reservation when the request fails or is dropped.
struct ReleaseGuard {
    pool: PgPool,
    operator: Uuid,
    key: Option<IdempotencyKey>,
}

impl ReleaseGuard {
    async fn release_now(&mut self) {
        if let Some(key) = self.key.take() {
            release(self.pool.clone(), self.operator, key).await;
        }
    }
}

impl Drop for ReleaseGuard {
    fn drop(&mut self) {
        if let Some(key) = self.key.take()
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            handle.spawn(release(self.pool.clone(), self.operator, key));
        }
    }
}

async fn release(pool: PgPool, operator: Uuid, key: IdempotencyKey) {
    let result = match pool.acquire().await {
        Ok(mut conn) => repo::release(&mut conn, operator, &key).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        tracing::warn!(error = %crate::error::error_chain(&e), "releasing an idempotency key failed; it frees itself after its lease");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_key_order_but_not_values() {
        let a = serde_json::json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
        let b = serde_json::json!({"b": {"d": "x", "c": [1, 2]}, "a": 1});
        let c = serde_json::json!({"a": 1, "b": {"c": [2, 1], "d": "x"}});
        let f = |v| fingerprint("POST", "/v1/tenants", v).expect("hash");
        assert_eq!(f(&a), f(&b));
        assert_ne!(f(&a), f(&c));
        assert_ne!(f(&a), fingerprint("POST", "/v1/other", &a).expect("hash"));
    }
}
