//! Operator authentication for every service that serves the vendor's operators
//! (tenant-provisioning and sync-dispatch): one up-front check on every operator route.
//!
//! Operators authenticate with the API keys tenant-provisioning issues
//! (`Authorization: Bearer pa_op_<43 base64url characters>`, table `operator_api_keys`,
//! migration 0011). This crate does the plain up-front check, read only:
//!
//! * [`OperatorKey`] parses a presented key (exact shape, else 401 without a lookup) and
//!   hashes it (SHA-256 of the whole key: what the table stores);
//! * [`authenticate`] finds the candidate rows by the key's display prefix and compares the
//!   hash in constant time; a revoked or unknown key is refused;
//! * [`require_operator`] is the actix middleware (`actix_web::middleware::from_fn`) that
//!   answers 401 (`unauthorized` problem, `WWW-Authenticate: Bearer`) before any extractor
//!   runs, so a request without a live key learns nothing else; it leaves an [`Operator`] in
//!   the request for the handler to extract.
//!
//! It never writes: recording `last_used_at` stays tenant-provisioning's business (it reads
//! [`Operator::last_use_stale`], found by the same lookup, to record a use at most once a
//! minute). A key is
//! checked against the table on every request, so a revocation holds from the next request
//! on, on every instance of every service. The key itself is never logged or echoed.
//!
//! ```ignore
//! App::new()
//!     .app_data(web::Data::new(pa_operator_auth::OperatorAuth::new(pool)))
//!     .service(web::scope("/v1").wrap(from_fn(pa_operator_auth::require_operator)).route(…))
//! ```

mod auth;
mod key;

pub use auth::{
    LiveKey, Operator, OperatorAuth, authenticate, lookup, require_operator, unauthorized,
};
pub use key::{OperatorKey, TokenHash};
