//! `has_transitive_member`: one filtered request tells whether a user is in a group,
//! directly or through nested groups.

use entra_sim::{NewGroup, NewUser};
use pa_entra::{GroupId, UserId};

use crate::support::Ctx;

#[tokio::test]
async fn membership_is_found_through_nested_groups_and_denied_for_outsiders() {
    let ctx = Ctx::new("Membership Clinic").await;
    let t = ctx.tenant.to_string();
    let sim = &ctx.sim;
    let admins = sim
        .add_group(t.clone(), NewGroup::security("Admins"))
        .unwrap();
    let it = sim.add_group(t.clone(), NewGroup::security("IT")).unwrap();
    sim.add_member(t.clone(), admins.id, it.id).unwrap();
    let user = |name: &str| {
        sim.add_user(
            t.clone(),
            NewUser::new(&format!("{name}@{}", ctx.domain), name),
        )
        .unwrap()
        .id
    };
    let direct = user("direct");
    let nested = user("nested");
    let outsider = user("outsider");
    sim.add_member(t.clone(), admins.id, direct).unwrap();
    sim.add_member(t.clone(), it.id, nested).unwrap();

    let graph = ctx.client.graph(ctx.tenant);
    let group = GroupId::from_uuid(admins.id);
    for (who, expected) in [(direct, true), (nested, true), (outsider, false)] {
        let found = graph
            .has_transitive_member(group, UserId::from_uuid(who))
            .await
            .unwrap();
        assert_eq!(found, expected, "{who}");
    }
    // The nested group itself is not a user member.
    let it_as_user = UserId::from_uuid(it.id);
    assert!(
        !graph
            .has_transitive_member(group, it_as_user)
            .await
            .unwrap()
    );
}
