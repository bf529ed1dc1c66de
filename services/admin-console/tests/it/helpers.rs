//! The harness: the simulator with a customer directory, the service on port 0 with a shifted
//! clock, a tenant seeded as `setup.completed` would, directory rows as sync-dispatch would write
//! them, and a cookie-keeping browser.

use std::collections::HashMap;
use std::sync::Arc;

use admin_console::clock::ShiftedClock;
use admin_console::config::Settings;
use admin_console::startup::Application;
use base64::Engine as _;
use entra_sim::{NewUser, SimConfig, SimHandle, Simulator, TenantSpec};
use pa_db::PgPool;
use pa_domain::TenantId;
use pa_events::{AccessRole, ConfiguredGroup, InitialAdmin, SetupCompleted};
use reqwest::{Method, Response};
use serde_json::Value;
use url::Url;
use uuid::Uuid;

pub const CALLBACK: &str = "http://localhost:8084/auth/callback";

pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    pa_telemetry::init_for_tests();
}

/// A running console, its simulator and one seeded tenant.
pub struct TestApp {
    pub base: String,
    pub sim: SimHandle,
    pub clock: Arc<ShiftedClock>,
    pub pool: PgPool,
    pub tenant: TenantId,
    pub entra_tenant: Uuid,
    pub domain: String,
    pub admin_group: Uuid,
}

pub fn settings(sim: &SimHandle) -> Settings {
    let app = sim.app();
    let mut s = Settings::default();
    s.http.bind = "127.0.0.1:0".parse().unwrap();
    // The service's own role (least privilege); fixtures use `pool` (pa_app).
    s.database.url = pa_db::testing::service_url(admin_console::config::DB_ROLE).into();
    s.database.max_connections = 8;
    s.entra.login_base_url = sim.login_base_url();
    s.entra.graph_base_url = sim.graph_base_url();
    s.entra.client_id = app.client_id.clone();
    s.entra.credential = pa_entra::Credential::Secret(app.client_secret.clone().into());
    s.entra.redirect_uri = Some(Url::parse(CALLBACK).unwrap());
    s.console.cookie_secure = false;
    s.console.frontend_url = Url::parse("http://frontend.test/console/").unwrap();
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).unwrap();
    s.emergency.totp_key = base64::engine::general_purpose::STANDARD.encode(key).into();
    s.workers.seal_interval_ms = 200;
    s.workers.session_sweep_secs = 0;
    s.workers.retention_purge_secs = 0;
    s
}

/// A queue of the calling test's own for the console's event consumer: every console
/// instance on the broker would otherwise compete for the test's events. Delete it at the
/// end ([`delete_queue`]).
pub fn own_events_queue() -> String {
    format!("pa.test.admin-console.events.{}", Uuid::now_v7().simple())
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        init();
        let pool = pa_db::testing::app_pool().await;
        let sim = Simulator::start(SimConfig {
            workers: 1,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let slug = Uuid::now_v7().simple().to_string();
        let domain = format!("c{}.onmicrosoft.com", &slug[20..]);
        let t = sim
            .create_tenant(TenantSpec::new("Contoso Clinic", &[domain.as_str()]).consented())
            .unwrap();
        let admins = sim
            .add_group(t.id, entra_sim::NewGroup::security("Patient Access Admins"))
            .unwrap();
        let mut s = settings(&sim);
        tweak(&mut s);
        let clock = ShiftedClock::new();
        let app = Application::build_with_clock(s, clock.clone())
            .await
            .expect("app builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let tenant = create_tenant(&pool, "active").await;
        let me = Self {
            base,
            sim,
            clock,
            pool,
            tenant,
            entra_tenant: t.id,
            domain,
            admin_group: admins.id,
        };
        me.seed_setup(tenant, t.id).await;
        me
    }

    /// A second instance of the service on the same database, broker, simulator and clock, as
    /// a second replica runs; returns its base URL.
    pub async fn another_instance(&self, tweak: impl FnOnce(&mut Settings)) -> String {
        let mut s = settings(&self.sim);
        tweak(&mut s);
        let app = Application::build_with_clock(s, self.clock.clone())
            .await
            .expect("the second instance builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        base
    }

    /// Seeds `tenant` exactly as the `setup.completed` consumer does (no broker in between).
    pub async fn seed_setup(&self, tenant: TenantId, entra: Uuid) {
        self.seed_setup_with(tenant, entra, self.admin_group).await;
    }

    pub async fn seed_setup_with(&self, tenant: TenantId, entra: Uuid, admin_group: Uuid) {
        let event = SetupCompleted {
            tenant_id: tenant,
            entra_tenant_id: entra,
            link_id: Uuid::now_v7(),
            wizard_session_id: Uuid::now_v7(),
            completed_at: time::OffsetDateTime::now_utc(),
            initial_admin: InitialAdmin {
                object_id: Uuid::now_v7(),
                user_principal_name: format!("first@{}", self.domain),
                display_name: "First Admin".into(),
                mail: None,
            },
            groups: vec![ConfiguredGroup {
                group_id: admin_group,
                display_name: "Patient Access Admins".into(),
                role: AccessRole::Admin,
            }],
            config_version: 1,
        };
        let mut tx = pa_db::begin_tenant(&self.pool, tenant).await.unwrap();
        admin_console::service::setup::apply(&mut tx, &event)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    /// A person in the simulator's directory and in the synced read model with `role` (None: in
    /// scope without a role, i.e. inactive).
    pub async fn person(&self, name: &str, role: Option<&str>) -> Person {
        self.person_in(
            &Directory {
                tenant: self.tenant,
                entra: self.entra_tenant,
                domain: self.domain.clone(),
            },
            name,
            role,
        )
        .await
    }

    pub async fn person_in(&self, dir: &Directory, name: &str, role: Option<&str>) -> Person {
        let tenant = dir.tenant;
        let upn = format!(
            "{}.{}@{}",
            name.to_lowercase().replace(' ', "."),
            &Uuid::now_v7().simple().to_string()[24..],
            dir.domain
        );
        let user = self
            .sim
            .add_user(dir.entra, NewUser::new(&upn, name))
            .unwrap();
        let status = if role.is_some() { "active" } else { "inactive" };
        let mut tx = pa_db::begin_tenant(&self.pool, tenant).await.unwrap();
        sqlx::query(
            "INSERT INTO directory_users (tenant_id, object_id, user_principal_name, display_name, mail, \
             account_enabled, directory_state, role, role_source, status, status_reason) \
             VALUES ($1, $2, $3, $4, $3, true, 'present', $5, CASE WHEN $5 IS NULL THEN NULL ELSE 'group' END, $6, \
             CASE WHEN $5 IS NULL THEN 'removed_from_groups' END)",
        )
        .bind(tenant)
        .bind(user.id)
        .bind(&upn)
        .bind(name)
        .bind(role)
        .bind(status)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        Person {
            object_id: user.id,
            upn,
        }
    }

    /// Runs SQL under the tenant's context (fixtures of sync-dispatch's tables).
    pub async fn exec(&self, sql: &str, object_id: Uuid) {
        let mut tx = pa_db::begin_tenant(&self.pool, self.tenant).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(self.tenant)
            .bind(object_id)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    /// Signs `person` in with a fresh browser; panics unless it works.
    pub async fn signed_in(&self, person: &Person) -> Browser {
        self.signed_in_at(self.tenant, person).await
    }

    /// Signs `person` in to `tenant` (another tenant of ours: same service, other directory).
    pub async fn signed_in_at(&self, tenant: TenantId, person: &Person) -> Browser {
        let mut b = Browser::new(&self.base);
        let resp = self.sign_in_at(&mut b, tenant, person, |u| u).await;
        assert_eq!(
            resp.status(),
            303,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        b.load_csrf().await;
        b
    }

    /// The whole browser flow; `tamper` may change the authorize URL before it is followed.
    pub async fn sign_in(
        &self,
        b: &mut Browser,
        person: &Person,
        tamper: impl FnOnce(Url) -> Url,
    ) -> Response {
        self.sign_in_at(b, self.tenant, person, tamper).await
    }

    async fn sign_in_at(
        &self,
        b: &mut Browser,
        tenant: TenantId,
        person: &Person,
        tamper: impl FnOnce(Url) -> Url,
    ) -> Response {
        let authorize = self.start_sign_in(b, tenant, &person.upn).await;
        let callback = self.authorize(tamper(authorize)).await;
        b.get_url(&self.callback_url(&callback)).await
    }

    pub async fn start_sign_in(&self, b: &mut Browser, tenant: TenantId, upn: &str) -> Url {
        let resp = b
            .get(&format!(
                "/auth/login?tenant={tenant}&login_hint={}",
                urlencode(upn)
            ))
            .await;
        assert_eq!(
            resp.status(),
            302,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Follows the authorize URL at the simulator; returns where it redirects.
    pub async fn authorize(&self, url: Url) -> Url {
        let resp = no_redirects().get(url).send().await.unwrap();
        assert_eq!(
            resp.status(),
            302,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// The redirect to the registered callback, aimed at this instance.
    pub fn callback_url(&self, redirect: &Url) -> String {
        format!(
            "{}/auth/callback?{}",
            self.base,
            redirect.query().unwrap_or("")
        )
    }

    /// A second tenant of ours on the same directory kind (another customer).
    pub async fn other_tenant(&self) -> Directory {
        let slug = Uuid::now_v7().simple().to_string();
        let domain = format!("o{}.onmicrosoft.com", &slug[20..]);
        let t = self
            .sim
            .create_tenant(TenantSpec::new("Other Clinic", &[domain.as_str()]).consented())
            .unwrap();
        let tenant = create_tenant(&self.pool, "active").await;
        let group = self
            .sim
            .add_group(t.id, entra_sim::NewGroup::security("Other Admins"))
            .unwrap();
        self.seed_setup_with(tenant, t.id, group.id).await;
        Directory {
            tenant,
            entra: t.id,
            domain,
        }
    }
}

/// One of our tenants and its Entra directory.
#[derive(Clone, Debug)]
pub struct Directory {
    pub tenant: TenantId,
    pub entra: Uuid,
    pub domain: String,
}

/// A synced person.
#[derive(Clone, Debug)]
pub struct Person {
    pub object_id: Uuid,
    pub upn: String,
}

/// Inserts a tenant of ours (as tenant-provisioning would), `status` as given.
pub async fn create_tenant(pool: &PgPool, status: &str) -> TenantId {
    let id = TenantId::from_uuid(Uuid::now_v7());
    sqlx::query(
        "INSERT INTO tenants (id, display_name, contact_email, environment, status, setup_completed_at, suspended_at) \
         VALUES ($1, 'Console Test', $2, 'production', $3, now(), CASE WHEN $3 = 'suspended' THEN now() END)",
    )
    .bind(id)
    .bind(format!("it-{}@customer.example", Uuid::now_v7().simple()))
    .bind(status)
    .execute(pool)
    .await
    .unwrap();
    id
}

pub async fn set_tenant_status(pool: &PgPool, tenant: TenantId, status: &str) {
    sqlx::query("UPDATE tenants SET status = $2, suspended_at = CASE WHEN $2 = 'suspended' THEN now() END WHERE id = $1")
        .bind(tenant)
        .bind(status)
        .execute(pool)
        .await
        .unwrap();
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser: keeps cookies, sends the CSRF header once it knows it, never follows redirects.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: no_redirects(),
            cookies: HashMap::new(),
            csrf: None,
            bearer: None,
        }
    }

    /// The same browser (cookies, CSRF token) talking to the instance at `base`.
    pub fn on(&self, base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: no_redirects(),
            cookies: self.cookies.clone(),
            csrf: self.csrf.clone(),
            bearer: self.bearer.clone(),
        }
    }

    /// A partner tool with an API token.
    pub fn with_token(base: &str, token: &str) -> Self {
        Self {
            bearer: Some(token.to_owned()),
            ..Self::new(base)
        }
    }

    fn keep_cookies(&mut self, resp: &Response) {
        for value in resp.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let Some((pair, attrs)) = text.split_once(';').or(Some((text, ""))) else {
                continue;
            };
            let Some((name, v)) = pair.split_once('=') else {
                continue;
            };
            if attrs.to_ascii_lowercase().contains("max-age=0") || v.is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), v.trim().to_owned());
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, method: Method, url: &str, body: Option<&Value>) -> Response {
        let mut req = self.client.request(method.clone(), url);
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        if let Some(token) = &self.bearer {
            req = req.bearer_auth(token);
        }
        if let (Some(csrf), false) = (&self.csrf, method == Method::GET) {
            req = req.header("x-csrf-token", csrf);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.unwrap();
        self.keep_cookies(&resp);
        resp
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let url = format!("{}{path}", self.base);
        self.send(Method::GET, &url, None).await
    }

    pub async fn get_url(&mut self, url: &str) -> Response {
        self.send(Method::GET, url, None).await
    }

    pub async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let url = format!("{}{path}", self.base);
        self.send(method, &url, body).await
    }

    pub async fn json(&mut self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let resp = self.call(method, path, body).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Reads the session's CSRF token.
    pub async fn load_csrf(&mut self) {
        let (status, me) = self.json(Method::GET, "/v1/session", None).await;
        assert_eq!(status, 200, "{me}");
        self.csrf = me["csrf_token"].as_str().map(str::to_owned);
    }
}

/// Asserts a problem: status, content type, `code`; returns the body.
pub async fn assert_problem(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status of {}", resp.url());
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct}"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    body
}

/// The tenant's audit records with `action` (read under its context).
pub async fn audit_actions(
    pool: &PgPool,
    tenant: TenantId,
    action: &str,
) -> Vec<(String, String, Value)> {
    let mut tx = pa_db::begin_tenant(pool, tenant).await.unwrap();
    let rows: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT actor_type::text, actor_id::text, details FROM audit_log WHERE tenant_id = $1 AND action = $2 ORDER BY occurred_at, id",
    )
    .bind(tenant)
    .bind(action)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

/// Deletes this test's queue (best effort) so per-test queues do not pile up in the broker.
pub async fn delete_queue(queue: &str) {
    let settings = pa_messaging::AmqpSettings::default();
    let delete = async {
        let conn = pa_messaging::connect(&settings, "admin-console-it").await?;
        let channel = conn.create_channel().await?;
        channel
            .queue_delete(queue.into(), Default::default())
            .await?;
        let _ = conn.close(200, "test done".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), delete).await;
}

/// Waits (up to `within`) until `check` holds; panics after that.
pub async fn eventually(within: std::time::Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
