//! [`EndState`]: what the journey leaves behind, read from the run's database, the mail sink
//! and the broker — the same whatever faults were injected on the way. Counts that depend
//! only on time (how many scheduled incremental runs fit in the journey) are left out; every
//! effect of an event is counted exactly, so an event lost or applied twice shows.

use std::collections::BTreeMap;

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use pa_messaging::lapin;
use sqlx::PgPool;

use super::Journey;
use super::directory::{INITIAL_ADMIN, LEAVER};
use crate::stack::Stack;

/// Audit actions whose number depends on timing rather than on what the journey did: a
/// run that failed and was retried (a Graph burst, a database outage mid-run) is recorded
/// as such, which the fault variants report separately.
const TIMING_DEPENDENT: [&str; 2] = ["sync.run_failed", "directory.needs_attention"];

/// Every audit record the journey leaves, per action: the vendor's provisioning, the
/// wizard, activation, the console's seeding, the welcome mail, registration for sync, the
/// runs that changed something (the first sync, the leaver's), two sign-ins, two sync
/// requests (the console's and sync-dispatch's record of it), the leaver's deactivation and
/// the end of their session.
const EXPECTED_AUDIT: [(&str, i64); 20] = [
    ("admin.set", 1),
    ("admin.welcome_mailed", 1),
    ("consent.callback_received", 1),
    ("consent.granted", 1),
    ("consent.requested", 1),
    ("console.tenant_seeded", 1),
    ("directory.set", 1),
    ("groups.set", 1),
    ("preflight.ran", 1),
    ("session.ended", 1),
    ("session.signed_in", 2),
    ("setup.completed", 1),
    ("sync.requested", 2),
    ("sync.run_succeeded", 2),
    ("sync.tenant_registered", 1),
    ("tenant.activated", 1),
    ("tenant.provisioned", 1),
    ("tenant.setup_link_issued", 1),
    ("user.deactivated", 1),
    ("wizard.session_started", 1),
];

/// The end state (see the module docs).
#[derive(Debug, PartialEq, Eq)]
pub struct EndState {
    pub tenant_status: String,
    /// (UPN, role, status, status reason) of every synced user.
    pub users: Vec<(String, Option<String>, String, Option<String>)>,
    /// (UPN, change, how many) of the users' history.
    pub history: Vec<(String, String, i64)>,
    /// Audit records per action (timing-dependent actions left out).
    pub audit: BTreeMap<String, i64>,
    /// Mails per recipient.
    pub mails: BTreeMap<String, usize>,
    /// (UPN, ended, end reason) of the console sessions.
    pub sessions: Vec<(String, bool, Option<String>)>,
    /// Events still in the outbox (all must have been published).
    pub outbox_left: i64,
    /// Messages dead-lettered in the run (none may be).
    pub dead_lettered: u32,
    /// The tenant's full runs that succeeded with users created (the first sync, once).
    pub first_syncs: i64,
}

impl EndState {
    /// Reads it from the run.
    pub async fn read(stack: &Stack, j: &Journey) -> Self {
        let db = &stack.inspector;
        let tenant: uuid::Uuid = j.tenant.parse().expect("tenant id");
        let tenant_status: String = sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_one(db)
            .await
            .expect("the tenant");
        let users = sqlx::query_as(
            "SELECT user_principal_name, role, status, status_reason FROM directory_users \
             WHERE tenant_id = $1 ORDER BY user_principal_name",
        )
        .bind(tenant)
        .fetch_all(db)
        .await
        .expect("users");
        let history = sqlx::query_as(
            "SELECT u.user_principal_name, h.change, count(*) FROM directory_user_history h \
             JOIN directory_users u USING (tenant_id, object_id) WHERE h.tenant_id = $1 \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(tenant)
        .fetch_all(db)
        .await
        .expect("history");
        let audit = audit_counts(db, tenant).await;
        // Distinct messages per recipient: a mail sent again after a crash between the SMTP
        // hand-off and its commit (at least once, by design) carries the same Message-ID.
        let mut seen = std::collections::BTreeSet::new();
        let mut mails = BTreeMap::new();
        for mail in stack.sink.messages() {
            let id = mail
                .header("Message-ID")
                .unwrap_or_else(|| format!("sink#{}", mail.id));
            for rcpt in &mail.rcpt_to {
                if seen.insert((rcpt.clone(), id.clone())) {
                    *mails.entry(rcpt.clone()).or_insert(0) += 1;
                }
            }
        }
        let sessions: Vec<(String, bool, Option<String>)> = sqlx::query_as(
            "SELECT user_principal_name, ended_at IS NOT NULL, end_reason FROM console_sessions \
             WHERE tenant_id = $1 ORDER BY user_principal_name, created_at",
        )
        .bind(tenant)
        .fetch_all(db)
        .await
        .expect("sessions");
        let sessions = sessions
            .into_iter()
            .map(|(upn, ended, reason)| (upn, ended, reason.map(|r| lost_access(&r))))
            .collect();
        let outbox_left = sqlx::query_scalar("SELECT count(*) FROM outbox")
            .fetch_one(db)
            .await
            .expect("outbox");
        let first_syncs = sqlx::query_scalar(
            "SELECT count(*) FROM sync_runs WHERE tenant_id = $1 AND kind = 'full' \
             AND status = 'succeeded' AND users_created > 0",
        )
        .bind(tenant)
        .fetch_one(db)
        .await
        .expect("runs");
        Self {
            tenant_status,
            users,
            history,
            audit,
            mails,
            sessions,
            outbox_left,
            dead_lettered: dead_lettered(stack).await,
            first_syncs,
        }
    }

    /// What every variant of the journey must end in.
    pub fn expected(j: &Journey) -> Self {
        let users = j
            .dir
            .expected_users(true)
            .into_iter()
            .map(|(upn, r, status)| {
                let reason = (status == "inactive").then(|| "disabled".to_owned());
                (upn, r, status, reason)
            })
            .collect();
        let mut history: Vec<(String, String, i64)> = j
            .dir
            .expected_users(false)
            .into_iter()
            .map(|(upn, _, _)| (upn, "activated".to_owned(), 1))
            .collect();
        history.push((
            j.dir.person(LEAVER).upn.clone(),
            "deactivated".to_owned(),
            1,
        ));
        history.sort();
        let mut mails = BTreeMap::new();
        mails.insert(j.contact.clone(), 1);
        mails.insert(j.dir.person(INITIAL_ADMIN).upn.clone(), 1);
        let mut sessions = vec![
            (j.dir.person(INITIAL_ADMIN).upn.clone(), false, None),
            (
                j.dir.person(LEAVER).upn.clone(),
                true,
                Some(LOST_ACCESS.to_owned()),
            ),
        ];
        sessions.sort();
        Self {
            tenant_status: "active".to_owned(),
            users,
            history,
            audit: EXPECTED_AUDIT
                .iter()
                .map(|(action, n)| ((*action).to_owned(), *n))
                .collect(),
            mails,
            sessions,
            outbox_left: 0,
            dead_lettered: 0,
            first_syncs: 1,
        }
    }
}

/// A leaver's session ends either way, whichever comes first: the console's consumer of
/// `user.deactivated` (`user_deactivated`) or the session's own check on the next request
/// (`access_revoked`, the user is no longer active). Both count as the same outcome.
const LOST_ACCESS: &str = "user_deactivated|access_revoked";

fn lost_access(reason: &str) -> String {
    if LOST_ACCESS.split('|').any(|r| r == reason) {
        LOST_ACCESS.to_owned()
    } else {
        reason.to_owned()
    }
}

async fn audit_counts(db: &PgPool, tenant: uuid::Uuid) -> BTreeMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, count(*) FROM audit_log WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1",
    )
    .bind(tenant)
    .fetch_all(db)
    .await
    .expect("audit counts");
    rows.into_iter()
        .filter(|(action, _)| !TIMING_DEPENDENT.contains(&action.as_str()))
        .collect()
}

/// Messages in the run's dead-letter queue.
async fn dead_lettered(stack: &Stack) -> u32 {
    let amqp = pa_messaging::AmqpSettings::default();
    let conn = pa_messaging::connect(&amqp, "pa-e2e inspector")
        .await
        .expect("broker");
    let channel = conn.create_channel().await.expect("channel");
    let queue = stack.settings.dead_letter_queue();
    let declared = channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("the run's dead-letter queue exists");
    let _ = conn.close(200, "inspected".into()).await;
    declared.message_count()
}

/// kind, trigger, status, attempt, error code, users created, users deactivated.
type RunRow = (String, String, String, i32, Option<String>, i64, i64);

/// The tenant's sync runs, oldest first: "kind/trigger status (attempt n, error)", to show
/// what a fault did to them.
pub async fn runs_summary(stack: &Stack, j: &Journey) -> Vec<String> {
    let tenant: uuid::Uuid = j.tenant.parse().expect("tenant id");
    let rows: Vec<RunRow> = sqlx::query_as(
        "SELECT kind, trigger, status, attempt, error_code, users_created, users_deactivated \
         FROM sync_runs WHERE tenant_id = $1 ORDER BY queued_at, id",
    )
    .bind(tenant)
    .fetch_all(&stack.inspector)
    .await
    .expect("runs");
    rows.into_iter()
        .map(
            |(kind, trigger, status, attempt, error, created, deactivated)| {
                let mut line = format!("{kind}/{trigger} {status} (attempt {attempt}");
                if created > 0 {
                    line.push_str(&format!(", {created} created"));
                }
                if deactivated > 0 {
                    line.push_str(&format!(", {deactivated} deactivated"));
                }
                if let Some(error) = error {
                    line.push_str(&format!(", {error}"));
                }
                line.push(')');
                line
            },
        )
        .collect()
}
