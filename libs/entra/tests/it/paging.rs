//! Users and groups: paging page by page, filters, single reads, typed Graph errors.

use std::collections::HashSet;

use entra_sim::{NewGroup, NewUser};
use futures::TryStreamExt as _;
use pa_entra::{ErrorKind, GroupFilter, PageSize, UserFilter, UserId};

use crate::support::Ctx;

/// Adds `n` users `user{i}@domain` (every 10th disabled).
fn add_users(ctx: &Ctx, n: usize) {
    for i in 0..n {
        let mut user = NewUser::new(
            &format!("user{i:05}@{}", ctx.domain),
            &format!("User {i:05}"),
        );
        if i % 10 == 0 {
            user = user.disabled();
        }
        ctx.sim.add_user(ctx.tenant.to_string(), user).unwrap();
    }
}

#[tokio::test]
async fn all_users_are_read_across_pages_of_999() {
    let ctx = Ctx::new("Big Hospital").await;
    add_users(&ctx, 2_500);
    let graph = ctx.client.graph(ctx.tenant);
    let mut pager = graph.users(&UserFilter::default(), PageSize::MAX);
    let mut ids = HashSet::new();
    let mut sizes = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        sizes.push(page.items.len());
        for user in page.items {
            assert!(user.user_principal_name.is_some() && user.account_enabled.is_some());
            assert!(ids.insert(user.id), "duplicate {}", user.id);
        }
    }
    assert_eq!(ids.len(), 2_501); // + admin
    assert_eq!(sizes, vec![999, 999, 503]);
    assert_eq!(pager.pages_read(), 3);
    assert_eq!(
        graph.count_users(&UserFilter::default()).await.unwrap(),
        2_501
    );
}

#[tokio::test]
async fn a_small_page_size_streams_many_pages() {
    let ctx = Ctx::new("Stream Hospital").await;
    add_users(&ctx, 2_500);
    let graph = ctx.client.graph(ctx.tenant);
    let pages: Vec<_> = graph
        .users(&UserFilter::default(), PageSize::new(100).unwrap())
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 26);
    assert!(pages.iter().all(|p| p.items.len() <= 100));
    let ids: HashSet<UserId> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|u| u.id))
        .collect();
    assert_eq!(ids.len(), 2_501);
}

#[tokio::test]
async fn filters_select_disabled_users_and_upn_prefixes() {
    let ctx = Ctx::new("Filter Hospital").await;
    add_users(&ctx, 50);
    let graph = ctx.client.graph(ctx.tenant);
    let disabled = graph
        .users(
            &UserFilter {
                account_enabled: Some(false),
                ..UserFilter::default()
            },
            PageSize::MAX,
        )
        .collect_all()
        .await
        .unwrap();
    assert_eq!(disabled.len(), 5);
    assert!(disabled.iter().all(|u| u.account_enabled == Some(false)));

    let prefixed = graph
        .users(
            &UserFilter {
                upn_starts_with: Some("user0001".into()),
                ..UserFilter::default()
            },
            PageSize::MAX,
        )
        .collect_all()
        .await
        .unwrap();
    assert_eq!(prefixed.len(), 10);
    let count = graph
        .count_users(&UserFilter {
            account_enabled: Some(false),
            ..UserFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(count, 5);
}

#[tokio::test]
async fn a_user_is_read_by_id_or_by_percent_encoded_upn() {
    let ctx = Ctx::new("Lookup Hospital").await;
    let guest_upn = format!("jo_partner.example#EXT#@{}", ctx.domain);
    let guest = ctx
        .sim
        .add_user(
            ctx.tenant.to_string(),
            NewUser::new(&guest_upn, "Jo Partner").guest(),
        )
        .unwrap();
    let graph = ctx.client.graph(ctx.tenant);

    let by_upn = graph.user_by_upn(&guest_upn).await.unwrap();
    assert_eq!(by_upn.id.as_uuid(), guest.id);
    assert_eq!(by_upn.user_type.as_deref(), Some("Guest"));
    let by_id = graph.user(by_upn.id).await.unwrap();
    assert_eq!(
        by_id.user_principal_name.as_deref(),
        Some(guest_upn.as_str())
    );
    let admin = graph.user_by_upn(&ctx.admin_upn()).await.unwrap();
    assert_eq!(admin.display_name.as_deref(), Some("Tenant Admin"));
}

#[tokio::test]
async fn a_missing_user_is_typed_not_found_with_the_graph_code_and_request_id() {
    let ctx = Ctx::new("Missing Hospital").await;
    let err = ctx
        .client
        .graph(ctx.tenant)
        .user_by_upn(&format!("ghost@{}", ctx.domain))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.graph_code(), Some("Request_ResourceNotFound"));
    assert_eq!(err.status(), Some(404));
    assert!(err.request_id().is_some());
    assert!(
        err.correlation_id().is_some(),
        "client-request-id is echoed"
    );
}

#[tokio::test]
async fn the_organization_names_the_tenant_and_its_domains() {
    let ctx = Ctx::new("Org Hospital").await;
    let org = ctx.client.graph(ctx.tenant).organization().await.unwrap();
    assert_eq!(org.id, ctx.tenant.to_string());
    assert_eq!(org.display_name.as_deref(), Some("Org Hospital"));
    assert!(
        org.verified_domains
            .iter()
            .any(|d| d.name == ctx.domain && d.is_initial)
    );
}

#[tokio::test]
async fn groups_are_filtered_to_security_groups() {
    let ctx = Ctx::new("Groups Hospital").await;
    let t = ctx.tenant.to_string();
    ctx.sim
        .add_group(t.clone(), NewGroup::security("Nurses"))
        .unwrap();
    ctx.sim
        .add_group(t.clone(), NewGroup::security("Physicians"))
        .unwrap();
    ctx.sim
        .add_group(t.clone(), NewGroup::m365("All Staff"))
        .unwrap();
    let graph = ctx.client.graph(ctx.tenant);
    let security = graph
        .groups(&GroupFilter::security(), PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    let mut names: Vec<_> = security
        .iter()
        .filter_map(|g| g.display_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, vec!["Nurses", "Physicians"]);
    let all = graph
        .groups(&GroupFilter::default(), PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert!(all.iter().any(|g| g.is_microsoft_365()));
    assert_eq!(
        graph.count_groups(&GroupFilter::security()).await.unwrap(),
        2
    );
    let one = graph.group(security[0].id).await.unwrap();
    assert_eq!(one, security[0]);
}

#[tokio::test]
async fn reading_users_without_the_permission_is_typed_access_denied() {
    let ctx = Ctx::new("Denied Hospital").await;
    ctx.sim
        .grant_consent(ctx.tenant.to_string(), Some(&["Group.Read.All"]))
        .unwrap();
    ctx.client.invalidate(&ctx.tenant);
    let err = ctx
        .client
        .graph(ctx.tenant)
        .users(&UserFilter::default(), PageSize::MAX)
        .next_page()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AccessDenied);
    assert_eq!(err.graph_code(), Some("Authorization_RequestDenied"));
    assert_eq!(err.status(), Some(403));
    assert!(err.remediation().contains("admin consent"));
}

#[tokio::test]
async fn a_duplicated_page_is_read_again_without_getting_stuck() {
    let ctx = Ctx::new("Duplicate Hospital").await;
    add_users(&ctx, 30);
    ctx.sim
        .set_tenant_faults(
            ctx.tenant.to_string(),
            entra_sim::TenantFaults {
                duplicate_pages: 1,
                ..entra_sim::TenantFaults::default()
            },
        )
        .unwrap();
    let graph = ctx.client.graph(ctx.tenant);
    let items = graph
        .users(&UserFilter::default(), PageSize::new(10).unwrap())
        .collect_all()
        .await
        .unwrap();
    let unique: HashSet<UserId> = items.iter().map(|u| u.id).collect();
    assert_eq!(unique.len(), 31);
    assert!(items.len() > 31, "one page was served twice");
}
