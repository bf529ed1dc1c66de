//! `$search` type-ahead for groups (`ConsistencyLevel: eventual` on every page).

use entra_sim::NewGroup;
use pa_entra::{GroupFilter, PageSize};

use crate::support::Ctx;

#[tokio::test]
async fn type_ahead_finds_groups_by_word_prefix_across_pages() {
    let ctx = Ctx::new("Search Hospital").await;
    let t = ctx.tenant.to_string();
    for i in 0..12 {
        ctx.sim
            .add_group(
                t.clone(),
                NewGroup::security(&format!("ICU Nurses Ward {i:02}")),
            )
            .unwrap();
    }
    ctx.sim
        .add_group(t.clone(), NewGroup::security("Physicians"))
        .unwrap();
    ctx.sim
        .add_group(t.clone(), NewGroup::m365("Nursing Newsletter"))
        .unwrap();
    let graph = ctx.client.graph(ctx.tenant);

    // Page size 5: the nextLink requests must carry ConsistencyLevel too, or Graph answers 400.
    let mut pager = graph.search_groups("nurs", &GroupFilter::default(), PageSize::new(5).unwrap());
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.count, Some(13));
    let mut found: Vec<String> = first
        .items
        .into_iter()
        .filter_map(|g| g.display_name)
        .collect();
    while let Some(page) = pager.next_page().await.unwrap() {
        found.extend(page.items.into_iter().filter_map(|g| g.display_name));
    }
    assert_eq!(found.len(), 13, "{found:?}");
    assert!(found.iter().all(|n| n.to_lowercase().contains("nurs")));
    assert!(pager.pages_read() >= 3);

    // Combined with a filter: security groups only.
    let security = graph
        .search_groups("nurs", &GroupFilter::security(), PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(security.len(), 12);
    // Words in any order.
    let ward = graph
        .search_groups("ward icu", &GroupFilter::default(), PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ward.len(), 12);
}

#[tokio::test]
async fn search_text_with_quotes_is_escaped_not_injected() {
    let ctx = Ctx::new("Quote Hospital").await;
    ctx.sim
        .add_group(ctx.tenant.to_string(), NewGroup::security("Physicians"))
        .unwrap();
    let graph = ctx.client.graph(ctx.tenant);
    let found = graph
        .search_groups(
            "\" OR \"displayName:Phys",
            &GroupFilter::default(),
            PageSize::MAX,
        )
        .collect_all()
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");
}
