//! `tenant.purged`: consent deletes the tenant's wizard data itself (tenant-provisioning's
//! purge reaches only its own tables since each service has its own role), audits it, and
//! leaves every other tenant's wizard alone.

use std::time::Duration;

use pa_domain::TenantId;
use pa_events::tenant::TenantPurged;
use pa_messaging::{EventMeta, OutboxSignal};

use crate::browser::Browser;
use crate::helpers::TestApp;
use crate::sim;

/// The tenant's rows in consent's tables: wizards, groups, sessions, consent states.
async fn rows(app: &TestApp, tenant: TenantId) -> [i64; 4] {
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.expect("tx");
    let mut counts = [0; 4];
    for (i, table) in [
        "consent_wizards",
        "consent_wizard_groups",
        "consent_sessions",
        "consent_states",
    ]
    .iter()
    .enumerate()
    {
        let sql = format!("SELECT count(*) FROM {table} WHERE tenant_id = $1");
        counts[i] = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
    }
    tx.commit().await.expect("commit");
    counts
}

/// Publishes `tenant.purged` the way tenant-provisioning's purge does (its outbox).
async fn publish_purged(app: &TestApp, tenant: TenantId) {
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.expect("tx");
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    pa_messaging::enqueue(&mut tx, &meta, &TenantPurged { tenant_id: tenant })
        .await
        .expect("enqueue");
    OutboxSignal::new().commit(tx).await.expect("commit");
}

#[tokio::test]
async fn a_purged_tenants_wizard_data_is_deleted_and_audited_and_other_tenants_keep_theirs() {
    let app = TestApp::spawn().await;
    let (h1, h2) = (
        sim::hospital(&app.sim, "Purged Clinic"),
        sim::hospital(&app.sim, "Kept Clinic"),
    );
    let (purged, kept) = (app.provision().await, app.provision().await);
    let gone = Browser::started(&app, &purged).await;
    gone.walk(&h1, "finish").await;
    let stays = Browser::started(&app, &kept).await;
    stays.walk(&h2, "finish").await;
    let before = rows(&app, purged.tenant).await;
    assert!(
        before[0] == 1 && before[1] > 0 && before[2] > 0,
        "{before:?}"
    );
    let kept_before = rows(&app, kept.tenant).await;

    publish_purged(&app, purged.tenant).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while rows(&app, purged.tenant).await != [0; 4] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the purged tenant's wizard data is still there: {:?}",
            rows(&app, purged.tenant).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let audited = app.audit(purged.tenant, "consent.tenant_data_purged").await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].0, "system");
    assert_eq!(
        rows(&app, kept.tenant).await,
        kept_before,
        "another tenant's wizard"
    );
    assert_eq!(stays.state().await.status, 200, "the other wizard goes on");
    assert_ne!(
        gone.state().await.status,
        200,
        "the purged wizard's session is gone"
    );
    assert!(
        app.audit(kept.tenant, "consent.tenant_data_purged")
            .await
            .is_empty()
    );
}
