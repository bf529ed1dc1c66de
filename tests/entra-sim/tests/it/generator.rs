use crate::common::{all_pages, app_token, ids, sim};
use entra_sim::GenerateSpec;
use std::time::Instant;

#[tokio::test]
async fn the_same_seed_generates_the_same_directory() {
    let a = sim().await;
    let b = sim().await;
    let ta = a
        .generate_directory(42, GenerateSpec::users(500))
        .expect("a");
    let tb = b
        .generate_directory(42, GenerateSpec::users(500))
        .expect("b");
    assert_eq!(ta.id, tb.id);
    assert_eq!((ta.users, ta.groups), (tb.users, tb.groups));
    let (tka, tkb) = (
        app_token(&a, &ta.id.to_string()).await,
        app_token(&b, &tb.id.to_string()).await,
    );
    let ua = ids(&all_pages(&a, &tka, "users?$top=999&$select=id", &[]).await);
    let ub = ids(&all_pages(&b, &tkb, "users?$top=999&$select=id", &[]).await);
    assert_eq!(ua, ub);
    let other = a
        .generate_directory(43, GenerateSpec::users(10))
        .expect("other seed");
    assert_ne!(other.id, ta.id);
}

#[tokio::test]
async fn a_100k_user_directory_generates_quickly_and_serves_999_user_pages() {
    let sim = sim().await;
    let started = Instant::now();
    let t = sim
        .generate_directory(1, GenerateSpec::users(100_000))
        .expect("generate");
    let took = started.elapsed();
    eprintln!("generated 100,000 users in {took:?}");
    assert!(took.as_secs() < 20, "debug build generation took {took:?}");
    assert_eq!(t.users, 100_000);
    let tok = app_token(&sim, &t.id.to_string()).await;
    sim.update_tenant_faults(t.id, |f| f.throttling = false)
        .expect("knob");
    let started = Instant::now();
    let pages = all_pages(
        &sim,
        &tok,
        "users?$top=999&$select=id,displayName,userPrincipalName,accountEnabled",
        &[],
    )
    .await;
    eprintln!("read {} pages in {:?}", pages.len(), started.elapsed());
    assert_eq!(ids(&pages).len(), 100_000);
}
