//! The test harness: a [`Stack`] per test (database, exchange, simulator, instances), the
//! tenants and directories tests build, and helpers that wait for runs and read the
//! directory as the admin console would.

pub mod db;
pub mod hospital;
pub mod probe;
pub mod stack;

use std::collections::HashSet;
use std::time::Duration;

use entra_sim::{NewUser, TenantSpec};
use pa_db::PgPool;
use pa_domain::TenantId;
use pa_events::{
    AccessRole, ConfiguredGroup, InitialAdmin, SetupCompleted, SyncKind, SyncRequested,
};
use pa_messaging::{Event, EventMeta};
pub use stack::Stack;
use sync_dispatch::repo::runs::{self, RunRecord};
use uuid::Uuid;

/// A tenant of a test: in the registry (`tenants`, active) and in the simulator (consented,
/// with an `admin@` user, the wizard's initial administrator).
#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: TenantId,
    pub entra: Uuid,
    pub domain: String,
    pub admin: Uuid,
}

impl Tenant {
    pub fn upn(&self, name: &str) -> String {
        format!("{name}@{}", self.domain)
    }
}

/// A user as the admin console reads `directory_users`.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub status: String,
    pub role: Option<String>,
    pub role_source: Option<String>,
    pub status_reason: Option<String>,
    pub account_enabled: bool,
    pub directory_state: String,
}

impl Stack {
    /// A new tenant (see [`Tenant`]).
    pub async fn tenant(&self, name: &str) -> Tenant {
        let id = TenantId::new();
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let domain = format!(
            "{slug}{}.onmicrosoft.com",
            &id.as_uuid().simple().to_string()[24..]
        );
        let t = self
            .sim
            .create_tenant(TenantSpec::new(name, &[domain.as_str()]).consented())
            .expect("sim tenant");
        let admin = self
            .sim
            .add_user(
                t.id,
                NewUser::new(&format!("admin@{domain}"), "Initial Admin"),
            )
            .expect("admin user");
        sqlx::query(
            "INSERT INTO tenants (id, display_name, contact_email, environment, status, setup_completed_at)
             VALUES ($1, $2, $3, 'production', 'active', now())",
        )
        .bind(id)
        .bind(name)
        .bind(format!("it@{domain}"))
        .execute(&self.admin)
        .await
        .expect("registry row");
        Tenant {
            id,
            entra: t.id,
            domain,
            admin: admin.id,
        }
    }

    /// A tenant whose directory the simulator generates (`users` people in "All Staff" ⊃
    /// departments ⊃ teams, none disabled), plus an `admin@` user in a group "PA Admins".
    /// Returns it with the ids of "All Staff" and "PA Admins".
    pub async fn generated(&self, seed: u64, users: usize) -> (Tenant, Uuid, Uuid) {
        let id = TenantId::new();
        let entra = Uuid::new_v4();
        let domain = format!(
            "gen{seed}x{}.onmicrosoft.com",
            &id.as_uuid().simple().to_string()[24..]
        );
        let spec = entra_sim::GenerateSpec {
            tenant_id: Some(entra),
            domain: Some(domain.clone()),
            users,
            departments: 4,
            teams_per_department: 2,
            extra_groups: 0,
            disabled_per_mille: 0,
            guest_per_mille: 0,
            consented: true,
            ..entra_sim::GenerateSpec::default()
        };
        self.sim
            .generate_directory(seed, spec)
            .expect("generated directory");
        let admin = self
            .sim
            .add_user(
                entra,
                NewUser::new(&format!("admin@{domain}"), "Initial Admin"),
            )
            .expect("admin")
            .id;
        let admins = self
            .sim
            .add_group(entra, entra_sim::NewGroup::security("PA Admins"))
            .expect("admins")
            .id;
        self.sim.add_member(entra, admins, admin).expect("member");
        let all_staff = self
            .sim
            .update_group(entra, "All Staff", entra_sim::GroupPatch::default())
            .expect("All Staff")
            .id;
        sqlx::query(
            "INSERT INTO tenants (id, display_name, contact_email, environment, status, setup_completed_at)
             VALUES ($1, 'Generated', $2, 'production', 'active', now())",
        )
        .bind(id)
        .bind(format!("it@{domain}"))
        .execute(&self.admin)
        .await
        .expect("registry row");
        let tenant = Tenant {
            id,
            entra,
            domain,
            admin,
        };
        (tenant, all_staff, admins)
    }

    /// Sets a tenant's sync settings (interval, thresholds) as the console would.
    pub async fn tenant_settings(&self, t: &Tenant, version: i64, interval_secs: u32) {
        let event = pa_events::TenantSettingsChanged {
            tenant_id: t.id,
            version,
            idle_timeout_secs: 900,
            absolute_lifetime_secs: 43_200,
            sync_interval_secs: interval_secs,
            deactivation_threshold_percent: 20,
            deactivation_threshold_count: 500,
            changed_by: "user:it".into(),
        };
        self.publish(t.id, &event).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self
            .count(
                t,
                "SELECT settings_version FROM sync_tenants WHERE tenant_id = $1",
            )
            .await
            < version
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "settings not applied"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Publishes `event` about `tenant` through the outbox (the instances' relays send it to
    /// the test's exchange), as its producer would.
    pub async fn publish<E: Event>(&self, tenant: TenantId, event: &E) {
        let mut tx = self.pool.begin().await.expect("tx");
        let meta = EventMeta {
            tenant_id: Some(tenant),
            request_id: Some(format!("it-{}", Uuid::now_v7())),
        };
        pa_messaging::enqueue(&mut tx, &meta, event)
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
    }

    /// The wizard finished: `groups` configured, the tenant's `admin@` the initial admin.
    pub async fn setup(&self, t: &Tenant, groups: &[(Uuid, AccessRole)]) {
        let groups = groups
            .iter()
            .map(|(id, role)| ConfiguredGroup {
                group_id: *id,
                display_name: format!("group {id}"),
                role: *role,
            })
            .collect();
        let event = SetupCompleted {
            tenant_id: t.id,
            entra_tenant_id: t.entra,
            link_id: Uuid::now_v7(),
            wizard_session_id: Uuid::now_v7(),
            completed_at: time::OffsetDateTime::now_utc(),
            initial_admin: InitialAdmin {
                object_id: t.admin,
                user_principal_name: t.upn("admin"),
                display_name: "Initial Admin".into(),
                mail: None,
            },
            groups,
            config_version: 1,
        };
        self.publish(t.id, &event).await;
    }

    /// Sets the tenant up and waits for its first full sync to end.
    pub async fn setup_and_sync(&self, t: &Tenant, groups: &[(Uuid, AccessRole)]) -> RunRecord {
        self.setup(t, groups).await;
        self.wait_run(t, &HashSet::new(), |r| !is_active(r)).await
    }

    /// Asks for a run ("sync now" from the console) and waits for it to end.
    pub async fn sync_now(&self, t: &Tenant, kind: SyncKind) -> RunRecord {
        let before = self.run_ids(t).await;
        let event = SyncRequested {
            tenant_id: t.id,
            kind,
            requested_by: "user:it".into(),
        };
        self.publish(t.id, &event).await;
        self.wait_run(t, &before, |r| !is_active(r)).await
    }

    /// The ids of the tenant's runs so far.
    pub async fn run_ids(&self, t: &Tenant) -> HashSet<Uuid> {
        self.runs(t).await.into_iter().map(|r| r.id).collect()
    }

    /// The tenant's runs, newest first.
    pub async fn runs(&self, t: &Tenant) -> Vec<RunRecord> {
        let mut tx = pa_db::begin_tenant(&self.pool, t.id).await.expect("tx");
        let runs = runs::list(&mut tx, t.id, None, None, 1_000)
            .await
            .expect("runs");
        tx.commit().await.expect("commit");
        runs
    }

    /// Waits (up to 90 s) for a run not in `before` that satisfies `pred`.
    pub async fn wait_run(
        &self,
        t: &Tenant,
        before: &HashSet<Uuid>,
        pred: impl Fn(&RunRecord) -> bool,
    ) -> RunRecord {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let runs = self.runs(t).await;
            if let Some(run) = runs.iter().find(|r| !before.contains(&r.id) && pred(r)) {
                return run.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no matching run; runs: {runs:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every user of the tenant, by UPN.
    pub async fn users(&self, t: &Tenant) -> Vec<UserRow> {
        let mut tx = pa_db::begin_tenant(&self.pool, t.id).await.expect("tx");
        let users = sqlx::query_as(
            "SELECT object_id, user_principal_name, status, role, role_source, status_reason,
                    account_enabled, directory_state
               FROM directory_users WHERE tenant_id = $1 ORDER BY user_principal_name",
        )
        .bind(t.id)
        .fetch_all(&mut *tx)
        .await
        .expect("users");
        tx.commit().await.expect("commit");
        users
    }

    /// One user, by object id.
    pub async fn user(&self, t: &Tenant, object_id: Uuid) -> UserRow {
        self.users(t)
            .await
            .into_iter()
            .find(|u| u.object_id == object_id)
            .unwrap_or_else(|| panic!("no user {object_id}"))
    }

    /// A scalar query under the tenant's context.
    pub async fn count(&self, t: &Tenant, sql: &str) -> i64 {
        let mut tx = pa_db::begin_tenant(&self.pool, t.id).await.expect("tx");
        let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(t.id)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        tx.commit().await.expect("commit");
        n
    }
}

/// Queued or running.
pub fn is_active(r: &RunRecord) -> bool {
    r.status == "queued" || r.status == "running"
}

/// `(status, role)` of a user row, for terse assertions.
pub fn access(u: &UserRow) -> (&str, Option<&str>) {
    (u.status.as_str(), u.role.as_deref())
}

/// Creates an operator key in `operator_api_keys` (as tenant-provisioning would); revoked
/// when asked. Returns the bearer secret and its id.
pub async fn operator_key(admin: &PgPool, revoked: bool) -> (String, Uuid) {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    let secret = format!(
        "pa_op_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let key = pa_operator_auth::OperatorKey::parse(&secret).expect("well formed");
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO operator_api_keys (id, name, key_prefix, key_hash, revoked_at)
         VALUES ($1, 'sync-dispatch tests', $2, $3, CASE WHEN $4 THEN now() END)",
    )
    .bind(id)
    .bind(key.prefix())
    .bind(key.hash().as_bytes())
    .bind(revoked)
    .execute(admin)
    .await
    .expect("operator key");
    (secret, id)
}
