use crate::common::{app_token, get_url, graph, sim, tenant};
use entra_sim::{NewGroup, NewUser, SimHandle, UserPatch};
use serde_json::Value;
use std::collections::HashMap;

/// Run one full delta round from `url`; returns (all items, deltaLink, pages).
async fn round(tok: &str, url: &str) -> (Vec<Value>, String, usize) {
    let mut items = Vec::new();
    let mut url = url.to_string();
    let mut pages = 0;
    loop {
        let r = get_url(&url, tok, &[]).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let j = r.json();
        pages += 1;
        items.extend(j["value"].as_array().cloned().unwrap_or_default());
        if let Some(d) = j["@odata.deltaLink"].as_str() {
            return (items, d.to_string(), pages);
        }
        url = j["@odata.nextLink"]
            .as_str()
            .expect("nextLink or deltaLink")
            .to_string();
    }
}

fn by_id(items: &[Value]) -> HashMap<String, Value> {
    items
        .iter()
        .map(|v| (v["id"].as_str().unwrap_or_default().to_string(), v.clone()))
        .collect()
}

fn users(sim: &SimHandle, t: &entra_sim::TenantInfo, n: usize) -> Vec<entra_sim::UserInfo> {
    let d = &t.domains[0];
    (0..n)
        .map(|i| {
            sim.add_user(
                t.id,
                NewUser::new(&format!("u{i}@{d}"), &format!("User {i}")),
            )
            .expect("user")
        })
        .collect()
}

#[tokio::test]
async fn user_delta_rounds_reflect_every_control_change() {
    let sim = sim().await;
    let t = tenant(&sim, "Delta Clinic");
    let u = users(&sim, &t, 5);
    sim.update_tenant_faults(t.id, |f| f.delta_page_size = Some(2))
        .expect("knob");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let start = format!(
        "{}/v1.0/users/delta()?$select=displayName,accountEnabled,userPrincipalName",
        sim.graph_base_url()
    );
    let (items, link, pages) = round(&tok, &start).await;
    assert_eq!((items.len(), pages), (5, 3));
    assert!(link.contains("$deltatoken="));
    let d = &t.domains[0];
    let added = sim
        .add_user(t.id, NewUser::new(&format!("new@{d}"), "New Hire"))
        .expect("add");
    sim.update_user(
        t.id,
        u[0].id,
        UserPatch {
            display_name: Some("Renamed Zero".into()),
            ..Default::default()
        },
    )
    .expect("update");
    sim.disable_user(t.id, u[1].id).expect("disable");
    sim.soft_delete_user(t.id, u[2].id).expect("soft delete");
    sim.hard_delete_user(t.id, u[3].id).expect("hard delete");
    sim.rename_upn(t.id, u[4].id, &format!("renamed@{d}"))
        .expect("rename");
    let (items, link2, _) = round(&tok, &link).await;
    let m = by_id(&items);
    assert_eq!(m.len(), 6);
    assert_eq!(m[&added.id.to_string()]["displayName"], "New Hire");
    assert_eq!(m[&u[0].id.to_string()]["displayName"], "Renamed Zero");
    assert_eq!(m[&u[1].id.to_string()]["accountEnabled"], false);
    assert_eq!(m[&u[2].id.to_string()]["@removed"]["reason"], "changed");
    assert_eq!(m[&u[3].id.to_string()]["@removed"]["reason"], "deleted");
    assert_eq!(
        m[&u[4].id.to_string()]["userPrincipalName"],
        format!("renamed@{d}")
    );
    sim.restore_user(t.id, u[2].id).expect("restore");
    let (items, link3, _) = round(&tok, &link2).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], u[2].id.to_string());
    assert!(items[0].get("@removed").is_none());
    let (items, _, _) = round(&tok, &link3).await;
    assert!(items.is_empty(), "no changes, empty round");
}

#[tokio::test]
async fn group_delta_carries_members_with_removals_and_splits_big_groups() {
    let sim = sim().await;
    let t = tenant(&sim, "Group Delta Clinic");
    let u = users(&sim, &t, 5);
    let g = sim
        .add_group(t.id, NewGroup::security("Nurses"))
        .expect("group");
    for x in &u {
        sim.add_member(t.id, g.id, x.id).expect("member");
    }
    sim.update_tenant_faults(t.id, |f| f.delta_member_slice = Some(2))
        .expect("knob");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let (items, link, _) =
        round(&tok, &format!("{}/v1.0/groups/delta", sim.graph_base_url())).await;
    assert_eq!(
        items.len(),
        3,
        "5 members in slices of 2 → the group appears 3 times"
    );
    let members: usize = items
        .iter()
        .map(|i| i["members@delta"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(members, 5);
    sim.remove_member(t.id, g.id, u[0].id).expect("remove");
    let other = sim
        .add_group(t.id, NewGroup::m365("Team Site"))
        .expect("m365");
    sim.move_user(t.id, u[1].id, g.id, other.id).expect("move");
    let (items, _, _) = round(&tok, &link).await;
    let nurses: Vec<&Value> = items
        .iter()
        .filter(|i| i["id"] == g.id.to_string())
        .collect();
    let deltas: Vec<Value> = nurses
        .iter()
        .flat_map(|n| n["members@delta"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(deltas.len(), 2);
    assert!(deltas.iter().all(
        |d| d["@removed"]["reason"] == "deleted" && d["@odata.type"] == "#microsoft.graph.user"
    ));
    let site = items
        .iter()
        .find(|i| i["id"] == other.id.to_string())
        .expect("new group in delta");
    assert_eq!(site["members@delta"][0]["id"], u[1].id.to_string());
    assert_eq!(site["groupTypes"][0], "Unified");
}

#[tokio::test]
async fn latest_token_expiry_reset_and_replay_knobs() {
    let sim = sim().await;
    let t = tenant(&sim, "Token Clinic");
    users(&sim, &t, 3);
    let tok = app_token(&sim, &t.id.to_string()).await;
    let r = graph(&sim, &tok, "users/delta?$deltatoken=latest", &[])
        .await
        .json();
    assert!(r["value"].as_array().is_some_and(Vec::is_empty));
    let latest = r["@odata.deltaLink"]
        .as_str()
        .expect("deltaLink")
        .to_string();
    let d = &t.domains[0];
    sim.add_user(t.id, NewUser::new(&format!("later@{d}"), "Later"))
        .expect("add");
    let (items, link, _) = round(&tok, &latest).await;
    assert_eq!(items.len(), 1);
    sim.update_tenant_faults(t.id, |f| f.delta_duplicate_replay = true)
        .expect("knob");
    sim.add_user(t.id, NewUser::new(&format!("twice@{d}"), "Twice"))
        .expect("add");
    let (items, link, _) = round(&tok, &link).await;
    assert_eq!(items.len(), 2, "replayed");
    sim.update_tenant_faults(t.id, |f| f.delta_force_reset = 1)
        .expect("knob");
    let r = get_url(&link, &tok, &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (410, "resyncRequired".to_string())
    );
    let loc = r.header("location").expect("Location");
    assert!(
        loc.starts_with(&format!("{}/v1.0/users/delta?", sim.graph_base_url()))
            && loc.ends_with("$deltatoken="),
        "{loc}"
    );
    let (full, _, _) = round(&tok, &loc).await;
    assert_eq!(full.len(), 5, "the reset URL starts a full round");
    sim.advance_clock(std::time::Duration::from_secs(8 * 24 * 3600));
    let r = get_url(&link, &tok, &[]).await;
    assert_eq!(r.status, 401, "the access token expired too");
    let tok = app_token(&sim, &t.id.to_string()).await;
    let r = get_url(&link, &tok, &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (410, "syncStateNotFound".to_string())
    );
    sim.update_tenant_faults(t.id, |f| f.delta_expired_status = 400)
        .expect("knob");
    assert_eq!(get_url(&link, &tok, &[]).await.status, 400);
}
