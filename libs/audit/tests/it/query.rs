//! The audit page: filters, newest first, keyset pages, one tenant only.

use std::collections::HashSet;

use pa_audit::{
    ActionFilter, Actor, ActorKind, AuditEntry, AuditFilter, AuditPage, FilterText, Outcome,
    Sealer, query_tenant,
};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::init;
use crate::support::{seal, write_entry};

/// One record of the fixture: minutes ago, actor, action, target id.
type Fixture = (
    i64,
    ActorKind,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const ALICE: &str = "0b6e5c3a-0000-4000-8000-00000000a11c";
const TOKEN: &str = "0b6e5c3a-0000-4000-8000-0000000070c4";

/// Ten records a console would write, one a minute, oldest first.
const FIXTURE: [Fixture; 10] = [
    (10, ActorKind::ConsoleUser, ALICE, "session.started", None),
    (
        9,
        ActorKind::ConsoleUser,
        ALICE,
        "user.deactivated",
        Some("bob"),
    ),
    (
        8,
        ActorKind::ApiToken,
        TOKEN,
        "user.role_changed",
        Some("carol"),
    ),
    (7, ActorKind::ConsoleUser, ALICE, "settings.changed", None),
    (
        6,
        ActorKind::System,
        "sync-dispatch",
        "sync.completed",
        None,
    ),
    (
        5,
        ActorKind::ConsoleUser,
        ALICE,
        "user.reactivated",
        Some("bob"),
    ),
    (
        4,
        ActorKind::EmergencyAccess,
        ALICE,
        "session.started",
        None,
    ),
    (3, ActorKind::ConsoleUser, ALICE, "session.timed_out", None),
    (
        2,
        ActorKind::ApiToken,
        TOKEN,
        "user.deactivated",
        Some("dave"),
    ),
    (1, ActorKind::ConsoleUser, ALICE, "session.ended", None),
];

/// Writes [`FIXTURE`] for a fresh tenant; returns the tenant, the base time and the ids
/// newest first.
async fn fixture(pool: &PgPool) -> (TenantId, OffsetDateTime, Vec<Uuid>) {
    let tenant = TenantId::new();
    let base = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("valid");
    let mut tx = begin_tenant(pool, tenant).await.expect("begin");
    let mut ids = Vec::new();
    for (minutes, kind, actor, action, target) in FIXTURE {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, id, occurred_at, actor_type, actor_id, action, \
             target_type, target_id, client_addr, outcome, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '198.51.100.4', 'success', '{\"n\": 1}')",
        )
        .bind(tenant)
        .bind(id)
        .bind(base - Duration::minutes(minutes))
        .bind(kind.as_str())
        .bind(actor)
        .bind(action)
        .bind(target.map(|_| "user"))
        .bind(target)
        .execute(&mut *tx)
        .await
        .expect("insert");
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    ids.reverse();
    (tenant, base, ids)
}

async fn page(
    pool: &PgPool,
    tenant: TenantId,
    filter: &AuditFilter,
    after: Option<&pa_audit::AuditCursor>,
    limit: u32,
) -> AuditPage {
    let mut tx = begin_tenant(pool, tenant).await.expect("begin");
    query_tenant(&mut tx, tenant, filter, after, limit)
        .await
        .expect("queried")
}

async fn actions(pool: &PgPool, tenant: TenantId, filter: AuditFilter) -> Vec<String> {
    page(pool, tenant, &filter, None, 100)
        .await
        .records
        .into_iter()
        .map(|r| r.action)
        .collect()
}

fn text(value: &str) -> FilterText {
    FilterText::parse(value).expect("valid")
}

#[tokio::test]
async fn records_come_newest_first_with_every_field() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, base, ids) = fixture(&pool).await;
    let all = page(&pool, tenant, &AuditFilter::default(), None, 100).await;
    assert_eq!(all.records.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    assert_eq!(all.next, None);
    let newest = &all.records[0];
    assert_eq!(newest.occurred_at, base - Duration::minutes(1));
    assert_eq!(
        (
            newest.actor_type,
            newest.actor_id.as_str(),
            newest.action.as_str()
        ),
        (ActorKind::ConsoleUser, ALICE, "session.ended")
    );
    assert_eq!(
        newest.client_addr,
        Some("198.51.100.4".parse().expect("ip"))
    );
    assert_eq!(newest.outcome, Outcome::Success);
    assert_eq!(newest.details, serde_json::json!({"n": 1}));
    assert_eq!(newest.seal, None, "not sealed yet");
}

#[tokio::test]
async fn each_filter_selects_its_records() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, base, _) = fixture(&pool).await;

    let by_time = AuditFilter {
        since: Some(base - Duration::minutes(5)),
        until: Some(base - Duration::minutes(2)),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&pool, tenant, by_time).await,
        ["session.timed_out", "session.started", "user.reactivated"]
    );
    let by_actor_type = AuditFilter {
        actor_type: Some(ActorKind::ApiToken),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&pool, tenant, by_actor_type).await,
        ["user.deactivated", "user.role_changed"]
    );
    let by_actor = AuditFilter {
        actor_type: Some(ActorKind::EmergencyAccess),
        actor_id: Some(text(ALICE)),
        ..AuditFilter::default()
    };
    assert_eq!(actions(&pool, tenant, by_actor).await, ["session.started"]);
    let exact = AuditFilter {
        action: Some(ActionFilter::Exact(text("user.deactivated"))),
        ..AuditFilter::default()
    };
    assert_eq!(actions(&pool, tenant, exact).await.len(), 2);
    let prefix = AuditFilter {
        action: Some(ActionFilter::parse("session.*").expect("valid")),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&pool, tenant, prefix).await,
        [
            "session.ended",
            "session.timed_out",
            "session.started",
            "session.started"
        ]
    );
    let by_target = AuditFilter {
        target_type: Some(text("user")),
        target_id: Some(text("bob")),
        ..AuditFilter::default()
    };
    assert_eq!(
        actions(&pool, tenant, by_target).await,
        ["user.reactivated", "user.deactivated"]
    );
    let nothing = AuditFilter {
        action: Some(ActionFilter::parse("session%*").expect("valid")),
        ..AuditFilter::default()
    };
    assert!(
        actions(&pool, tenant, nothing).await.is_empty(),
        "% is no wildcard"
    );
}

#[tokio::test]
async fn keyset_pages_cover_every_record_once_even_while_records_are_written() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _, ids) = fixture(&pool).await;
    let filter = AuditFilter::default();
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let p = page(&pool, tenant, &filter, cursor.as_ref(), 3).await;
        assert!(p.records.len() <= 3);
        seen.extend(p.records.iter().map(|r| r.id));
        pages += 1;
        // A newer record written between pages never shifts the later ones.
        write_entry(
            &pool,
            tenant,
            &AuditEntry::new(Actor::System { component: "t" }, "test.meanwhile"),
        )
        .await;
        match p.next {
            Some(next) => cursor = Some(pa_audit::AuditCursor::decode(&next.encode()).expect("ok")),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, ids);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 10);
}

#[tokio::test]
async fn a_page_holds_at_most_the_maximum_and_shows_seals() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _, ids) = fixture(&pool).await;
    seal(&Sealer::new(pool.clone()), tenant).await;
    let p = page(&pool, tenant, &AuditFilter::default(), None, 0).await;
    assert_eq!(p.records.len(), 1, "a limit of 0 is raised to 1");
    let seal = p.records[0].seal.expect("sealed");
    assert!((1..=10).contains(&seal.seq));
    assert_eq!(p.records[0].id, ids[0]);
    assert!(p.next.is_some());
}

#[tokio::test]
async fn another_tenants_records_are_never_returned() {
    init();
    let pool = testing::app_pool().await;
    let (mine, _, _) = fixture(&pool).await;
    let (theirs, _, _) = fixture(&pool).await;
    // Asking for their records from my context: row-level security returns nothing.
    let mut tx = begin_tenant(&pool, mine).await.expect("begin");
    let p = query_tenant(&mut tx, theirs, &AuditFilter::default(), None, 100)
        .await
        .expect("queried");
    assert!(p.records.is_empty());
    let p = query_tenant(&mut tx, mine, &AuditFilter::default(), None, 100)
        .await
        .expect("queried");
    assert_eq!(p.records.len(), 10);
}
