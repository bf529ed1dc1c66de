//! PostgreSQL outages. These stop the shared database server, so they run serially in the
//! `fault_` pass only (see deploy/local/test.sh).

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, id_of, init, unique_email};

/// Runs `pg_ctlcluster <version> main <action>` for the machine's one cluster.
fn pg_ctlcluster(action: &str) -> bool {
    let script = format!(
        "pg_ctlcluster --skip-systemctl-redirect \"$(ls /etc/postgresql | head -n1)\" main {action}"
    );
    Command::new("bash")
        .args(["-c", &script])
        .status()
        .is_ok_and(|s| s.success())
}

/// Stops PostgreSQL; starts it again when dropped, even if the test fails, so a failing
/// test never leaves the shared database down.
struct PostgresOutage {
    running: bool,
}

impl PostgresOutage {
    fn begin() -> Self {
        assert!(pg_ctlcluster("stop -m fast"), "stopping PostgreSQL");
        Self { running: false }
    }

    fn end(&mut self) {
        if !self.running {
            assert!(pg_ctlcluster("start"), "starting PostgreSQL");
            self.running = true;
        }
    }
}

impl Drop for PostgresOutage {
    fn drop(&mut self) {
        if !self.running {
            let _ = pg_ctlcluster("start");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_provisioning_while_postgres_restarts_fails_cleanly_and_recovers_with_nothing_half_done()
 {
    init();
    let app = TestApp::spawn().await;
    let before = app.create_tenant().await;

    let mut outage = PostgresOutage::begin();
    let during_email = unique_email();
    let body = json!({
        "display_name": "Provisioned During Outage",
        "contact_email": during_email,
        "environment": "production",
    });
    let response = app.post("/v1/tenants", &body).await;
    let problem = assert_problem(response, 503, "service_unavailable").await;
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.contains("postgres") && !detail.contains("sqlx"),
        "no internals in the problem: {detail}"
    );
    let ready = app.get("/readyz").await;
    assert_eq!(
        ready.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready without PostgreSQL"
    );
    outage.end();

    // The pool reconnects by itself; give the server a few seconds to accept connections.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if app.get("/readyz").await.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "service ready again after the restart"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let after = app.create_tenant().await;
    assert_ne!(id_of(&after), id_of(&before));

    // What committed before the outage is intact; the failed request left no trace.
    let fetched = app.get(&format!("/v1/tenants/{}", id_of(&before))).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    let listed: Value = app
        .get("/v1/tenants?q=Provisioned%20During%20Outage&limit=200")
        .await
        .json()
        .await
        .expect("list json");
    let leaked = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|t| t["contact_email"] == during_email);
    assert!(!leaked, "a tenant from the failed request exists: {listed}");
}

/// The operator key is checked once, up front, like on every route: a create during an
/// outage waits for ONE pool acquisition (the check's) and answers 503, instead of queueing
/// for the pool a second time (the retired in-statement check did, for twice the timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_a_create_during_a_postgres_outage_answers_503_within_one_pool_timeout() {
    init();
    const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
    let app = TestApp::spawn_with(|s| {
        s.database.acquire_timeout_ms = u64::try_from(ACQUIRE_TIMEOUT.as_millis()).expect("ms");
    })
    .await;
    // The instance has used its key before (nothing about it is remembered any more).
    app.create_tenant().await;

    let mut outage = PostgresOutage::begin();
    let email = unique_email();
    let body = json!({
        "display_name": "Created During Outage",
        "contact_email": email,
        "environment": "non_production",
    });
    let started = Instant::now();
    let response = app.post("/v1/tenants", &body).await;
    let waited = started.elapsed();
    assert_problem(response, 503, "service_unavailable").await;
    outage.end();
    assert!(
        waited < ACQUIRE_TIMEOUT + ACQUIRE_TIMEOUT / 2,
        "503 after {waited:?}: more than one pool timeout ({ACQUIRE_TIMEOUT:?})"
    );

    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(Instant::now() < deadline, "ready again after the restart");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let listed: Value = app
        .get("/v1/tenants?q=Created%20During%20Outage&limit=200")
        .await
        .json()
        .await
        .expect("list json");
    let leaked = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|t| t["contact_email"] == email);
    assert!(!leaked, "the refused create wrote a tenant: {listed}");
}
