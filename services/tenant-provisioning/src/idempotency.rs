//! `Idempotency-Key` for creating POSTs.
//!
//! Protocol (keys scoped to the operator key, remembered 24 h), all in the request's ONE
//! transaction:
//! 1. Without the header the request simply runs.
//! 2. With it, the key is reserved first thing in the transaction (`INSERT … ON CONFLICT`,
//!    row `in_flight`, invisible to others until commit). A concurrent request with the
//!    same key blocks on that row until the first one commits or rolls back, then sees the
//!    outcome: a stored response → that response again, with `Idempotent-Replayed: true`
//!    (a different request fingerprint → 422 `idempotency_key_reused`); a rollback → it
//!    runs itself. So concurrent duplicates are replayed rather than refused.
//! 3. The response is stored (`completed`) just before the commit, so "effect committed"
//!    and "response stored" are one fact, and a failed or dropped request leaves nothing
//!    behind (its transaction rolls back with the reservation).
//! 4. A committed `in_flight` row (left by an older version of this service, which
//!    reserved in a separate transaction) still answers 409 `idempotency_key_in_use` until
//!    its 2-minute lease runs out, when it is taken over.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, LOCATION};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use pa_messaging::OutboxSignal;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::{IdempotencyKey, TokenHash};
use crate::error::ApiError;
use crate::repo::idempotency::{self as repo, Completion};

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

    /// The status as stored in `idempotency_keys.response_status`.
    fn status_column(&self) -> i16 {
        i16::try_from(self.status.as_u16()).unwrap_or(201)
    }

    fn into_response(self) -> HttpResponse {
        // A body that differs from its replay shows a secret: no cache may keep it.
        let secret = self.replay_body.is_some();
        let mut response = respond(self.status, self.body, self.location.as_deref(), false);
        if secret {
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        response
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

/// Runs `work` in `tx` under the idempotency protocol (see the module docs) and commits.
///
/// `tx` is the transaction the work needs (e.g. from `pa_db::begin_tenant`); `work` must not
/// commit it. The commit goes through `outbox`, so the events `work` enqueued leave at once.
pub async fn run<F>(
    mut tx: Transaction<'static, Postgres>,
    outbox: &OutboxSignal,
    operator: Uuid,
    key: Option<IdempotencyKey>,
    request: TokenHash,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: AsyncFnOnce(&mut PgConnection) -> Result<Created, ApiError>,
{
    if let Some(key) = &key
        && let Some(replay) = reserve(&mut tx, operator, key, request).await?
    {
        tx.rollback().await?;
        return Ok(replay);
    }
    let created = work(&mut tx).await?;
    if let Some(key) = &key {
        let body = created.replay_body.as_ref().unwrap_or(&created.body);
        repo::complete(
            &mut tx,
            operator,
            key,
            created.status_column(),
            body,
            created.location.as_deref(),
        )
        .await?;
    }
    outbox.commit(tx).await?;
    Ok(created.into_response())
}

/// Runs a create whose response is known before it writes (`created`): `work` writes
/// everything, the claim of the key and the stored response included, in ONE statement
/// that is its own transaction (see [`Completion`]) on `conn`, which is not inside a
/// transaction, and answers whether it claimed the key. Same protocol as [`run`] in one
/// round trip; the relay is signalled through `outbox` after the commit.
pub async fn run_prepared<F>(
    conn: &mut PgConnection,
    outbox: &OutboxSignal,
    operator: Uuid,
    key: Option<IdempotencyKey>,
    request: TokenHash,
    created: Created,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: AsyncFnOnce(&mut PgConnection, Option<&Completion<'_>>) -> Result<bool, ApiError>,
{
    let completion = key.as_ref().map(|key| Completion {
        operator_key: operator,
        key,
        request_hash: request,
        status: created.status_column(),
        body: created.replay_body.as_ref().unwrap_or(&created.body),
        location: created.location.as_deref(),
    });
    let claimed = work(&mut *conn, completion.as_ref()).await?;
    match key {
        Some(key) if !claimed => existing(conn, operator, &key, request).await,
        _ => {
            outbox.committed();
            Ok(created.into_response())
        }
    }
}

/// Reserves the key inside the request's transaction; `Some(response)` when the request
/// must not run.
async fn reserve(
    conn: &mut PgConnection,
    operator: Uuid,
    key: &IdempotencyKey,
    request: TokenHash,
) -> Result<Option<HttpResponse>, ApiError> {
    if repo::reserve(conn, operator, key, request).await? {
        return Ok(None);
    }
    existing(conn, operator, key, request).await.map(Some)
}

/// What to answer when a committed row holds the key: the stored response, or why not.
async fn existing(
    conn: &mut PgConnection,
    operator: Uuid,
    key: &IdempotencyKey,
    request: TokenHash,
) -> Result<HttpResponse, ApiError> {
    let Some(row) = repo::find(conn, operator, key).await? else {
        // Expired between the two statements: treat as in use, the client retries.
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
            Ok(respond(
                status,
                body,
                row.response_location.as_deref(),
                true,
            ))
        }
        _ => Err(ApiError::IdempotencyKeyInUse),
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
