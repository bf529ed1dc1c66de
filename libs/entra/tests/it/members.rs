//! Direct and transitive group members of nested groups.

use std::collections::HashSet;

use entra_sim::{NewGroup, NewUser};
use pa_entra::{DirectoryObject, GroupId, MemberScope, PageSize};

use crate::support::Ctx;

/// All Staff ⊃ Clinical ⊃ {Nurses, Physicians}; users in each level; returns (all staff, nurses).
fn nested(ctx: &Ctx) -> (GroupId, GroupId) {
    let t = ctx.tenant.to_string();
    let sim = &ctx.sim;
    let all = sim
        .add_group(t.clone(), NewGroup::security("All Staff"))
        .unwrap();
    let clinical = sim
        .add_group(t.clone(), NewGroup::security("Clinical"))
        .unwrap();
    let nurses = sim
        .add_group(t.clone(), NewGroup::security("Nurses"))
        .unwrap();
    let physicians = sim
        .add_group(t.clone(), NewGroup::security("Physicians"))
        .unwrap();
    sim.add_member(t.clone(), all.id, clinical.id).unwrap();
    sim.add_member(t.clone(), clinical.id, nurses.id).unwrap();
    sim.add_member(t.clone(), clinical.id, physicians.id)
        .unwrap();
    let user = |name: &str| {
        sim.add_user(
            t.clone(),
            NewUser::new(&format!("{name}@{}", ctx.domain), name),
        )
        .unwrap()
        .id
    };
    let reception = user("reception");
    sim.add_member(t.clone(), all.id, reception).unwrap();
    let lead = user("clinical.lead");
    sim.add_member(t.clone(), clinical.id, lead).unwrap();
    for i in 0..30 {
        let id = user(&format!("nurse{i:02}"));
        sim.add_member(t.clone(), nurses.id, id).unwrap();
    }
    for i in 0..5 {
        let id = user(&format!("doctor{i}"));
        sim.add_member(t.clone(), physicians.id, id).unwrap();
    }
    // A nurse who is also a physician is listed once.
    sim.add_member(t.clone(), physicians.id, format!("nurse00@{}", ctx.domain))
        .unwrap();
    (GroupId::from_uuid(all.id), GroupId::from_uuid(nurses.id))
}

#[tokio::test]
async fn transitive_member_users_of_nested_groups_are_flattened_once_each() {
    let ctx = Ctx::new("Nested Hospital").await;
    let (all_staff, _) = nested(&ctx);
    let graph = ctx.client.graph(ctx.tenant);

    let mut pager = graph.member_users(
        all_staff,
        MemberScope::Transitive,
        PageSize::new(7).unwrap(),
    );
    let mut upns = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        assert!(page.items.len() <= 7);
        upns.extend(
            page.items
                .into_iter()
                .map(|u| u.user_principal_name.unwrap()),
        );
    }
    let unique: HashSet<_> = upns.iter().cloned().collect();
    assert_eq!(unique.len(), 37, "{upns:?}"); // reception + lead + 30 nurses + 5 doctors
    assert_eq!(upns.len(), 37, "no duplicates");
    assert!(pager.pages_read() >= 6);
    assert_eq!(
        graph
            .count_members(all_staff, MemberScope::Transitive, true)
            .await
            .unwrap(),
        37
    );
}

#[tokio::test]
async fn direct_members_list_users_and_nested_groups() {
    let ctx = Ctx::new("Direct Hospital").await;
    let (all_staff, nurses) = nested(&ctx);
    let graph = ctx.client.graph(ctx.tenant);

    let direct = graph
        .members(all_staff, MemberScope::Direct, PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(direct.len(), 2);
    assert!(direct.iter().any(
        |m| matches!(m, DirectoryObject::Group(g) if g.display_name.as_deref() == Some("Clinical"))
    ));
    assert!(direct.iter().any(
        |m| matches!(m, DirectoryObject::User(u) if u.display_name.as_deref() == Some("reception"))
    ));

    let transitive = graph
        .members(all_staff, MemberScope::Transitive, PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    let groups = transitive
        .iter()
        .filter(|m| matches!(m, DirectoryObject::Group(_)))
        .count();
    assert_eq!(groups, 3, "nested groups are listed too");
    assert_eq!(
        graph
            .count_members(all_staff, MemberScope::Direct, false)
            .await
            .unwrap(),
        2
    );

    let nurse_users = graph
        .member_users(nurses, MemberScope::Direct, PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(nurse_users.len(), 30);
    assert!(nurse_users.iter().all(|u| u.account_enabled == Some(true)));
}

#[tokio::test]
async fn transitive_member_groups_list_every_nested_group_and_no_user() {
    let ctx = Ctx::new("Nested Groups Hospital").await;
    let (all_staff, nurses) = nested(&ctx);
    let graph = ctx.client.graph(ctx.tenant);

    let names = |scope| {
        let graph = graph.clone();
        async move {
            let mut names: Vec<String> = graph
                .member_groups(all_staff, scope, PageSize::new(2).unwrap())
                .collect_all()
                .await
                .unwrap()
                .into_iter()
                .map(|g| g.display_name.unwrap())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        names(MemberScope::Transitive).await,
        ["Clinical", "Nurses", "Physicians"]
    );
    assert_eq!(names(MemberScope::Direct).await, ["Clinical"]);
    let leaf = graph
        .member_groups(nurses, MemberScope::Transitive, PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert!(leaf.is_empty());
}
