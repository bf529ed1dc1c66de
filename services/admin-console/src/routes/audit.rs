//! `/v1/audit-events`: the tenant's audit trail (pa-audit) — filtered pages, streamed CSV /
//! NDJSON export, and the hash-chain verification that names the first broken record.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};
use pa_audit::{
    ActionFilter, ActorKind, AuditCursor, AuditFilter, AuditRecord, ChainVerification,
    ExportFormat, FilterText,
};
use pa_http::{Json, Problem, Query};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Permission, Principal};
use crate::error::{ApiError, codes};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events)
        .service(export_events)
        .service(verify);
}

/// The kinds of actor an audit record names.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    ConsoleUser,
    ApiToken,
    EmergencyAccess,
    System,
    Operator,
    Admin,
    SetupSession,
}

impl From<ActorType> for ActorKind {
    fn from(t: ActorType) -> Self {
        match t {
            ActorType::ConsoleUser => Self::ConsoleUser,
            ActorType::ApiToken => Self::ApiToken,
            ActorType::EmergencyAccess => Self::EmergencyAccess,
            ActorType::System => Self::System,
            ActorType::Operator => Self::Operator,
            ActorType::Admin => Self::Admin,
            ActorType::SetupSession => Self::SetupSession,
        }
    }
}

/// The query of the audit page or its export: the filters both share (combined with AND),
/// then the operation's own parameters. Each operation declares exactly what it accepts, so
/// an unknown parameter — a cursor on the export, a format on the page — is refused by name.
macro_rules! audit_query {
    ($(#[$meta:meta])* $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Deserialize, IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Records at or after this instant (RFC 3339).
            #[param(value_type = Option<String>, format = DateTime)]
            pub since: Option<String>,
            /// Records before this instant (RFC 3339).
            #[param(value_type = Option<String>, format = DateTime)]
            pub until: Option<String>,
            /// Only records of this kind of actor.
            #[param(inline)]
            pub actor_type: Option<ActorType>,
            /// The actor's id (an Entra object id, token id, account id, component).
            #[param(min_length = 1, max_length = 255)]
            pub actor_id: Option<String>,
            /// An action (`session.signed_in`) or a prefix ending with `*` (`session.*`).
            #[param(min_length = 1, max_length = 255)]
            pub action: Option<String>,
            /// `user`, `session`, `group`, `settings`, …
            #[param(min_length = 1, max_length = 255)]
            pub target_type: Option<String>,
            /// The target's id.
            #[param(min_length = 1, max_length = 255)]
            pub target_id: Option<String>,
            $($own)*
        }

        impl $name {
            fn filter(&self) -> Result<AuditFilter, ApiError> {
                // `since` at or after `until` is an empty range: it matches nothing.
                Ok(AuditFilter {
                    since: time_param("since", self.since.as_deref())?,
                    until: time_param("until", self.until.as_deref())?,
                    actor_type: self.actor_type.map(ActorKind::from),
                    actor_id: text_param("actor_id", self.actor_id.as_deref())?,
                    action: self
                        .action
                        .as_deref()
                        // `*` alone: every action, i.e. no action filter.
                        .filter(|a| *a != "*")
                        .map(|a| ActionFilter::parse(a).map_err(|e| bad("action", e)))
                        .transpose()?,
                    target_type: text_param("target_type", self.target_type.as_deref())?,
                    target_id: text_param("target_id", self.target_id.as_deref())?,
                })
            }
        }
    };
}

audit_query!(
    /// The audit page's query: the filters, a cursor and a page size.
    AuditPageQuery {
        /// Page cursor: the `next_cursor` of the previous page.
        #[param(
            pattern = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$",
            min_length = 34,
            max_length = 34
        )]
        pub cursor: Option<String>,
        /// 1–500 (default 50).
        #[param(minimum = 1, maximum = 500)]
        pub limit: Option<u32>,
    }
);

audit_query!(
    /// The export's query: the filters and a format (no pages: every matching record).
    AuditExportQuery {
        /// `csv` (default) or `ndjson`.
        #[param(inline)]
        pub format: Option<AuditExportFormat>,
    }
);

/// The export's formats.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditExportFormat {
    /// RFC 4180 CSV with a header row.
    #[default]
    Csv,
    /// One JSON object per line.
    Ndjson,
}

fn bad(name: &'static str, message: impl ToString) -> ApiError {
    ApiError::InvalidQueryParameter {
        name,
        message: message.to_string(),
    }
}

fn time_param(name: &'static str, value: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    value
        .map(|v| {
            OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map_err(|_| bad(name, "must be an RFC 3339 timestamp"))
        })
        .transpose()
}

fn text_param(name: &'static str, value: Option<&str>) -> Result<Option<FilterText>, ApiError> {
    value
        .map(|v| FilterText::parse(v).map_err(|e| bad(name, e)))
        .transpose()
}

/// An audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub actor_type: String,
    pub actor_id: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    pub details: serde_json::Value,
    /// Position in the tenant's hash chain (null until sealed, about a second).
    pub chain_seq: Option<i64>,
    /// Hex SHA-256 chain hash at that position.
    pub chain_hash: Option<String>,
}

impl From<AuditRecord> for AuditEventOut {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            actor_type: r.actor_type.as_str().to_owned(),
            actor_id: r.actor_id,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            request_id: r.request_id,
            client_addr: r.client_addr.map(|a| a.to_string()),
            outcome: r.outcome.as_str().to_owned(),
            details: r.details,
            chain_seq: r.seal.map(|s| s.seq),
            chain_hash: r.seal.map(|s| s.hash.to_hex()),
        }
    }
}

/// One page, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageOut {
    pub items: Vec<AuditEventOut>,
    pub next_cursor: Option<String>,
}

/// The audit log.
///
/// Every sign-in, sign-out, timeout, session kill, role change, setting change, sync change and
/// emergency-access use, with actor, target, time, client address and request id.
#[utoipa::path(
    operation_id = "admin_console.audit.list",
    tag = "audit",
    security(("console_session" = []), ("api_token" = [])),
    params(AuditPageQuery),
    responses(
        (status = 200, description = "One page (role: manager).", body = AuditPageOut),
        (status = 400, description = "`invalid_query_parameter`, `invalid_cursor`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events")]
pub async fn list_events(
    principal: Principal,
    state: web::Data<AppState>,
    query: Query<AuditPageQuery>,
) -> Result<Json<AuditPageOut>, ApiError> {
    principal.require(Permission::ReadAudit)?;
    let filter = query.filter()?;
    let limit = match query.limit {
        None => 50,
        Some(n @ 1..=500) => n,
        Some(_) => return Err(bad("limit", "must be between 1 and 500")),
    };
    let cursor = query
        .cursor
        .as_deref()
        .map(|c| {
            AuditCursor::decode(c).map_err(|_| {
                ApiError::coded_field(codes::INVALID_CURSOR, "cursor", "not a cursor of this list")
            })
        })
        .transpose()?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let page =
        pa_audit::query_tenant(&mut tx, principal.tenant, &filter, cursor.as_ref(), limit).await?;
    tx.commit().await?;
    Ok(Json(AuditPageOut {
        items: page.records.into_iter().map(AuditEventOut::from).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Export the audit log (streamed).
///
/// CSV (RFC 4180, header row, formula-injection safe) or NDJSON, newest first, same filters as
/// the page; streamed in chunks with flat memory however many records match.
#[utoipa::path(
    operation_id = "admin_console.audit.export",
    tag = "audit",
    security(("console_session" = []), ("api_token" = [])),
    params(AuditExportQuery),
    responses(
        (status = 200, description = "The records (role: manager).", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "`invalid_query_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events/export")]
pub async fn export_events(
    principal: Principal,
    state: web::Data<AppState>,
    query: Query<AuditExportQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ReadAudit)?;
    let filter = query.filter()?;
    let format = match query.format.unwrap_or_default() {
        AuditExportFormat::Csv => ExportFormat::Csv,
        AuditExportFormat::Ndjson => ExportFormat::Ndjson,
    };
    let stream = pa_audit::export_tenant(state.pool.clone(), principal.tenant, filter, format);
    let name = format!("audit-{}.{}", principal.tenant, format.file_extension());
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

/// The chain check.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationOut {
    /// True when every sealed record still matches its seal.
    pub intact: bool,
    /// Records recomputed.
    pub verified: u64,
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
    /// Records not sealed yet (normally the last second's).
    pub unsealed: Option<u64>,
    /// The first broken chain position, when broken.
    pub broken_seq: Option<i64>,
    /// The audit record there, when known.
    pub broken_record_id: Option<Uuid>,
    /// `content_altered`, `record_deleted`, `chain_row_missing`, `link_broken`, `head_mismatch`.
    pub reason: Option<String>,
    pub explanation: Option<String>,
}

/// Verify the audit chain.
///
/// Recomputes the tenant's hash chain from its start (or the last retention checkpoint) and names
/// the first record that was altered or deleted.
#[utoipa::path(
    operation_id = "admin_console.audit.verify",
    tag = "audit",
    security(("console_session" = []), ("api_token" = [])),
    responses(
        (status = 200, description = "The verdict (role: manager).", body = VerificationOut),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events/verification")]
pub async fn verify(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<VerificationOut>, ApiError> {
    principal.require(Permission::ReadAudit)?;
    let verdict = pa_audit::verify_chain(&state.pool, principal.tenant, None).await?;
    Ok(Json(match verdict {
        ChainVerification::Intact(ok) => VerificationOut {
            intact: true,
            verified: ok.verified,
            head_seq: Some(ok.head_seq),
            head_hash: Some(ok.head_hash.to_hex()),
            unsealed: Some(ok.unsealed),
            broken_seq: None,
            broken_record_id: None,
            reason: None,
            explanation: None,
        },
        ChainVerification::Broken(b) => VerificationOut {
            intact: false,
            verified: b.verified,
            head_seq: None,
            head_hash: None,
            unsealed: None,
            broken_seq: Some(b.seq),
            broken_record_id: b.audit_id,
            reason: Some(b.reason.code().to_owned()),
            explanation: Some(b.reason.to_string()),
        },
    }))
}
