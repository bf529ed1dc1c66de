use crate::common::{all_pages, app_token, graph, ids, sim};
use entra_sim::GenerateSpec;
use std::collections::HashSet;

#[tokio::test]
async fn pages_default_to_100_accept_999_and_reject_1000_with_the_exact_message() {
    let sim = sim().await;
    let t = sim
        .generate_directory(7, GenerateSpec::users(2_500))
        .expect("generate");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let first = graph(&sim, &tok, "users", &[]).await;
    assert_eq!(first.status, 200);
    let body = first.json();
    assert_eq!(body["value"].as_array().map(Vec::len), Some(100));
    let next = body["@odata.nextLink"].as_str().expect("nextLink");
    assert!(
        next.starts_with(&format!("{}/v1.0/users?", sim.graph_base_url())),
        "{next}"
    );
    assert!(next.contains("$skiptoken="));
    let r = graph(&sim, &tok, "users?$top=1000", &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_UnsupportedQuery");
    assert_eq!(
        r.json()["error"]["message"],
        "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
    );
    let inner = &r.json()["error"]["innerError"];
    assert!(inner["request-id"].is_string() && inner["date"].is_string());
    assert_eq!(graph(&sim, &tok, "users?$top=0", &[]).await.status, 400);
}

#[tokio::test]
async fn following_next_links_with_top_999_reaches_every_user_exactly_once() {
    let sim = sim().await;
    let t = sim
        .generate_directory(11, GenerateSpec::users(2_500))
        .expect("generate");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let pages = all_pages(
        &sim,
        &tok,
        "users?$top=999&$select=id,displayName,accountEnabled",
        &[],
    )
    .await;
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["value"].as_array().map(Vec::len), Some(999));
    for p in &pages[..2] {
        let link = p["@odata.nextLink"].as_str().unwrap_or_default();
        assert!(
            link.contains("$top=999") && link.contains("$select=id,displayName,accountEnabled"),
            "{link}"
        );
    }
    let all = ids(&pages);
    assert_eq!(all.len(), 2_500);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        2_500,
        "no duplicates"
    );
    assert!(
        pages
            .iter()
            .all(|p| !p["value"].as_array().map(Vec::is_empty).unwrap_or(true)),
        "no empty pages"
    );
    let first = &pages[0]["value"][0];
    assert_eq!(
        first.as_object().map(|o| o.len()),
        Some(3),
        "only the selected properties: {first}"
    );
}

#[tokio::test]
async fn the_duplicate_pages_knob_makes_one_next_link_repeat_its_page() {
    let sim = sim().await;
    let t = sim
        .generate_directory(3, GenerateSpec::users(300))
        .expect("generate");
    sim.update_tenant_faults(t.id, |f| f.duplicate_pages = 1)
        .expect("knob");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let pages = all_pages(&sim, &tok, "users?$top=100", &[]).await;
    let all = ids(&pages);
    assert_eq!(pages.len(), 4);
    assert_eq!(all.len(), 400);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 300);
}

#[tokio::test]
async fn transitive_members_of_nested_groups_page_without_duplicates() {
    let sim = sim().await;
    let t = sim
        .generate_directory(5, GenerateSpec::users(1_500))
        .expect("generate");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let g = graph(
        &sim,
        &tok,
        "groups?$filter=displayName eq 'All Staff'&$select=id",
        &[],
    )
    .await
    .json();
    let gid = g["value"][0]["id"].as_str().expect("All Staff").to_string();
    let direct = ids(&all_pages(&sim, &tok, &format!("groups/{gid}/members?$top=999"), &[]).await);
    assert_eq!(
        direct.len(),
        8,
        "All Staff directly holds the department groups"
    );
    let users = ids(&all_pages(
        &sim,
        &tok,
        &format!("groups/{gid}/transitiveMembers/microsoft.graph.user?$top=999&$select=id"),
        &[],
    )
    .await);
    assert_eq!(users.len(), 1_500);
    assert_eq!(users.iter().collect::<HashSet<_>>().len(), 1_500);
    let everything = ids(&all_pages(
        &sim,
        &tok,
        &format!("groups/{gid}/transitiveMembers?$top=999"),
        &[],
    )
    .await);
    assert_eq!(
        everything.len(),
        1_500 + 8 + 8 * 6,
        "users plus nested department and team groups"
    );
}

#[tokio::test]
async fn the_empty_pages_knob_serves_an_empty_page_that_still_links_onwards() {
    let sim = sim().await;
    let t = sim
        .generate_directory(9, GenerateSpec::users(150))
        .expect("generate");
    sim.update_tenant_faults(t.id, |f| f.empty_pages = 1)
        .expect("knob");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let pages = all_pages(&sim, &tok, "users", &[]).await;
    assert_eq!(pages.len(), 3);
    assert!(pages[0]["value"].as_array().is_some_and(Vec::is_empty));
    assert!(pages[0]["@odata.nextLink"].is_string());
    assert_eq!(ids(&pages).len(), 150);
}
