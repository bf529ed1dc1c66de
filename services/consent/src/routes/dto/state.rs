//! `WizardStateOut`: everything the front-end needs to draw the wizard and resume it after a
//! reload — steps done, the next step, the prerequisites, everything entered so far, the last
//! failure and its fix.

use pa_domain::{Environment, TenantId};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::prerequisites::PrerequisitesOut;
use super::role::Role;
use crate::domain::{Attention, PreflightCheck, Step};
use crate::error::MicrosoftFailure;

/// The wizard as this session sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WizardStateOut {
    pub tenant: TenantOut,
    pub session: SessionOut,
    pub status: WizardStatus,
    /// Bumped by every change (two browsers on one link see each other's changes).
    pub revision: i64,
    /// Every step with its status, in order.
    pub steps: Vec<StepOut>,
    /// The steps done, in order.
    pub steps_done: Vec<Step>,
    /// The first step not done; `null` once finished.
    pub next_step: Option<Step>,
    pub prerequisites: PrerequisitesOut,
    /// The directory entered (step `directory`).
    pub directory: Option<DirectoryOut>,
    pub consent: ConsentOut,
    pub preflight: PreflightOut,
    /// The initial administrator (step `admin`).
    pub admin: Option<AdminOut>,
    pub groups: GroupsOut,
    /// Set once finished.
    pub completion: Option<CompletionOut>,
}

/// The Patient Access tenant being set up.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantOut {
    pub id: TenantId,
    pub display_name: String,
    pub environment: Environment,
}

/// This browser's session. The cookie itself is HttpOnly and never in a body.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: Uuid,
    /// Send it back as `X-CSRF-Token` on every POST, PUT and DELETE.
    pub csrf_token: String,
    /// The session ends at the earlier of these (absolute lifetime; inactivity).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub idle_expires_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WizardStatus {
    InProgress,
    Completed,
}

/// Where a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Done,
    /// The next step to do.
    Current,
    /// An earlier step is not done yet.
    Pending,
    /// Its last attempt failed (see the step's section for Microsoft's error and the fix).
    Failed,
    /// Was done, but Microsoft no longer honours it (consent revoked).
    NeedsAttention,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub step: Step,
    pub status: StepStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryOut {
    /// As entered (a tenant ID or a verified domain).
    pub input: String,
    /// The tenant GUID Microsoft resolved it to.
    pub entra_tenant_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Not granted yet.
    NotGranted,
    /// Microsoft reported the grant, but it is not verified yet (see `last_error`; "check
    /// again" with `POST /v1/wizard/consent/verification`).
    Unverified,
    /// Verified by an app token for the directory.
    Granted,
    /// Microsoft no longer knows Patient Access in the directory (see `attention`).
    NeedsAttention,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentOut {
    pub status: ConsentStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub granted_at: Option<OffsetDateTime>,
    /// The application permissions the verifying token carried.
    pub roles: Vec<String>,
    /// The last failure of this step (declined, sign-in blocked, wrong tenant, missing
    /// permission, still propagating, …) with Microsoft's code and the fix.
    pub last_error: Option<MicrosoftFailure>,
    /// Whether `POST /v1/wizard/consent/verification` may help now.
    pub can_check_again: bool,
    pub attention: Option<Attention>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreflightStatus {
    NotRun,
    Passed,
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreflightOut {
    pub status: PreflightStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ran_at: Option<OffsetDateTime>,
    pub checks: Vec<PreflightCheck>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOut {
    /// Entra object id (the HIPAA unique user identifier).
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    /// Where the console link is mailed on finish; `null`: no mail (the user has no address).
    pub mail: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub group_id: Uuid,
    pub display_name: String,
    pub role: Role,
    /// Transitive user members when chosen.
    pub member_count: i64,
    /// Whether the initial administrator is a (transitive) member.
    pub admin_is_member: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupsOut {
    /// Role `admin`.
    pub admin_groups: Vec<GroupOut>,
    /// Role `manager` or `viewer`.
    pub user_groups: Vec<GroupOut>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub set_at: Option<OffsetDateTime>,
    /// Whether the initial administrator is in at least one admin group (`null` before both
    /// are chosen). Informational: the initial administrator is an admin either way.
    pub admin_in_an_admin_group: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionOut {
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: OffsetDateTime,
    /// Where the administrators sign in: `{console}/?tenant={tenant_id}`.
    pub console_url: String,
    /// Whether the console link is mailed to the initial administrator.
    pub admin_mailed: bool,
}
