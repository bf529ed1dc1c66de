//! The Users search: word prefixes of name, UPN and mail (as Entra's `$search`), kept in step
//! with the synced directory, paged exactly once in every sort whichever way the statement
//! reads (one run, several runs merged, every person of a short prefix, a walk of the
//! tenant), and never another tenant's people.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Browser, TestApp};

/// The display names a search finds (first page of 200), in order.
async fn names(b: &mut Browser, query: &str) -> Vec<String> {
    let (s, page) = b
        .json(Method::GET, &format!("/v1/users?limit=200&{query}"), None)
        .await;
    assert_eq!(s, 200, "{query}: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every page of `query`, `limit` at a time: the items in order, and the page count.
async fn all_pages(b: &mut Browser, query: &str, limit: u32) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/v1/users?limit={limit}&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (s, page) = b.json(Method::GET, &path, None).await;
        assert_eq!(s, 200, "{path}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (items, pages),
        }
    }
}

/// Asserts `items` are `expected` people exactly once each, in the order of `sort`.
fn assert_each_once_in_order(items: &[Value], expected: usize, sort: &str) {
    let ids: HashSet<&str> = items
        .iter()
        .map(|u| u["object_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        (ids.len(), items.len()),
        (expected, expected),
        "{sort}: each match exactly once"
    );
    let field = sort.trim_start_matches('-');
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|u| {
            (
                u[field].as_str().unwrap_or_default().to_owned(),
                u["object_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    if sort.starts_with('-') {
        sorted.reverse();
    }
    assert_eq!(keys, sorted, "{sort}: in order");
}

#[tokio::test]
async fn a_search_matches_word_prefixes_of_the_name_upn_and_mail_in_any_order() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Lovelace", Some("admin")).await;
    app.person("Mary Garcia", Some("viewer")).await;
    app.person("Maryann Smith", Some("viewer")).await;
    app.person("Anna Garciamarquez", Some("manager")).await;
    let bob = app.person("Bob Builder", None).await;
    app.exec(
        "UPDATE directory_users SET user_principal_name = 'bbuilder@' || split_part(user_principal_name, '@', 2), \
         mail = 'Robert.B@works.example' WHERE tenant_id = $1 AND object_id = $2",
        bob.object_id,
    )
    .await;
    let mut b = app.signed_in(&admin).await;

    assert_eq!(
        names(&mut b, "search=garcia").await,
        ["Anna Garciamarquez", "Mary Garcia"]
    );
    assert_eq!(
        names(&mut b, "search=MARY").await,
        ["Mary Garcia", "Maryann Smith"],
        "case-insensitive prefixes"
    );
    assert!(
        names(&mut b, "search=arcia").await.is_empty(),
        "inside a word is not a match"
    );
    for term in ["mary%20gar", "garcia%20mary", "gar,%20m"] {
        assert_eq!(
            names(&mut b, &format!("search={term}")).await,
            ["Mary Garcia"],
            "{term}: every word, any order"
        );
    }
    assert!(names(&mut b, "search=mary%20lovelace").await.is_empty());
    // The UPN and the mail before the '@', word by word; a term with an '@' is an address.
    assert_eq!(names(&mut b, "search=bbuild").await, ["Bob Builder"]);
    assert_eq!(names(&mut b, "search=robert").await, ["Bob Builder"]);
    assert_eq!(
        names(&mut b, "search=robert.b%40works.ex").await,
        ["Bob Builder"]
    );
    assert!(names(&mut b, "search=robert.b%40other").await.is_empty());
    assert!(
        names(&mut b, "search=works").await.is_empty(),
        "domains are not words of the person"
    );
    assert_eq!(names(&mut b, "search=mary.garcia").await, ["Mary Garcia"]);
    assert!(names(&mut b, "search=%40%40").await.is_empty());
    // Filters narrow a search.
    assert_eq!(
        names(&mut b, "search=gar&role=manager").await,
        ["Anna Garciamarquez"]
    );
    assert_eq!(
        names(&mut b, "search=b&status=inactive").await,
        ["Bob Builder"]
    );
}

#[tokio::test]
async fn renames_and_deletions_reach_the_search_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Lovelace", Some("admin")).await;
    let jo = app.person("Jo Marsh", Some("viewer")).await;
    let mut b = app.signed_in(&admin).await;
    assert_eq!(names(&mut b, "search=marsh").await, ["Jo Marsh"]);

    app.exec(
        "UPDATE directory_users SET display_name = 'Jo Brook' WHERE tenant_id = $1 AND object_id = $2",
        jo.object_id,
    )
    .await;
    assert_eq!(names(&mut b, "search=brook").await, ["Jo Brook"]);
    // The UPN (set from the first name) still carries "marsh": only the name changed.
    assert_eq!(names(&mut b, "search=marsh").await, ["Jo Brook"]);
    app.exec(
        "UPDATE directory_users SET user_principal_name = 'jbrook@' || split_part(user_principal_name, '@', 2), \
         mail = NULL WHERE tenant_id = $1 AND object_id = $2",
        jo.object_id,
    )
    .await;
    assert!(names(&mut b, "search=marsh").await.is_empty());
    // Status and role changes leave the words alone.
    app.exec(
        "UPDATE directory_users SET role = NULL, role_source = NULL, status = 'inactive', \
         status_reason = 'removed_from_groups' WHERE tenant_id = $1 AND object_id = $2",
        jo.object_id,
    )
    .await;
    assert_eq!(names(&mut b, "search=jbro").await, ["Jo Brook"]);
    app.exec(
        "DELETE FROM directory_users WHERE tenant_id = $1 AND object_id = $2",
        jo.object_id,
    )
    .await;
    assert!(names(&mut b, "search=brook").await.is_empty());
    let left: i64 = {
        let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM console_user_words WHERE object_id = $1")
            .bind(jo.object_id)
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(left, 0, "a deleted person's words go with them");
}

#[tokio::test]
async fn a_prefix_of_several_words_pages_each_match_once_in_every_sort() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Lovelace", Some("admin")).await;
    for (i, surname) in ["Anders", "Andersen", "Anderson", "Andersson"]
        .iter()
        .enumerate()
    {
        for first in ["Kim", "Lee", "Sam"] {
            let role = if i % 2 == 0 { "viewer" } else { "manager" };
            app.person(&format!("{first} {surname}"), Some(role)).await;
        }
    }
    app.person("Sam Andrews", Some("viewer")).await;
    let mut b = app.signed_in(&admin).await;
    for sort in [
        "display_name",
        "-display_name",
        "user_principal_name",
        "-user_principal_name",
    ] {
        let (items, pages) = all_pages(&mut b, &format!("search=ander&sort={sort}"), 5).await;
        assert_each_once_in_order(&items, 12, sort);
        assert_eq!(pages, 3, "{sort}");
        let (items, _) = all_pages(&mut b, &format!("search=sam%20ander&sort={sort}"), 2).await;
        assert_each_once_in_order(&items, 4, sort);
        let (items, _) =
            all_pages(&mut b, &format!("search=ander&role=manager&sort={sort}"), 2).await;
        assert_each_once_in_order(&items, 6, sort);
    }
    // A cursor of the search continues the search, not the whole list.
    let (_, first) = b
        .json(Method::GET, "/v1/users?search=andr&limit=1", None)
        .await;
    assert_eq!(first["items"][0]["display_name"], "Sam Andrews");
    assert!(first["next_cursor"].is_null());
}

/// Inserts `n` people of the tenant named "{first} W{i:05}" (distinct words W00000…), as one
/// statement (a first sync's shape).
async fn bulk_people(app: &TestApp, first: &str, n: i32) {
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    sqlx::query(
        "INSERT INTO directory_users (tenant_id, object_id, user_principal_name, display_name, mail, \
         account_enabled, directory_state, role, role_source, status) \
         SELECT $1, gen_random_uuid(), lower($2) || '.w' || lpad(i::text, 5, '0') || '@bulk.example', \
                $2 || ' W' || lpad(i::text, 5, '0'), NULL, true, 'present', \
                CASE WHEN i % 10 = 0 THEN 'manager' ELSE 'viewer' END, 'group', 'active' \
           FROM generate_series(1, $3) AS i",
    )
    .bind(app.tenant)
    .bind(first)
    .bind(n)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn short_prefixes_of_many_words_page_each_match_once_through_both_fallbacks() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Lovelace", Some("admin")).await;
    // 60 distinct "w…" words (more than a prefix may merge): every one of them is read.
    bulk_people(&app, "Ivy", 60).await;
    let mut b = app.signed_in(&admin).await;
    for sort in ["display_name", "-user_principal_name"] {
        let (items, _) = all_pages(&mut b, &format!("search=w&sort={sort}"), 25).await;
        assert_each_once_in_order(&items, 60, sort);
        let (items, _) = all_pages(&mut b, &format!("search=w0&role=manager&sort={sort}"), 4).await;
        assert_each_once_in_order(&items, 6, sort);
    }
    assert_eq!(names(&mut b, "search=ivy%20w0006").await, ["Ivy W00060"]);
    // 4,500 of them: too many to read at once, so the tenant is walked in sort order.
    bulk_people(&app, "Oak", 4_500).await;
    for sort in ["-display_name", "user_principal_name"] {
        let (items, pages) = all_pages(&mut b, &format!("search=w&sort={sort}"), 200).await;
        assert_each_once_in_order(&items, 4_560, sort);
        assert_eq!(pages, 23, "{sort}");
    }
    let (items, _) = all_pages(&mut b, "search=w&role=manager", 200).await;
    assert_each_once_in_order(&items, 456, "display_name");
    assert_eq!(names(&mut b, "search=w04499%20o").await, ["Oak W04499"]);
}

#[tokio::test]
async fn a_search_never_finds_another_tenants_people() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Lovelace", Some("admin")).await;
    let mine = app.person("Mary Garcia", Some("viewer")).await;
    let elsewhere = app.other_tenant().await;
    for name in ["Mary Garcia", "Mary Gardner", "Ada Other"] {
        app.person_in(&elsewhere, name, Some("viewer")).await;
    }
    let mut b = app.signed_in(&admin).await;
    let (_, page) = b
        .json(Method::GET, "/v1/users?search=mary%20gar&limit=200", None)
        .await;
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["object_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine.object_id.to_string()]);
    assert_eq!(names(&mut b, "search=ada").await, ["Ada Lovelace"]);
    // Underneath: the words are tenant-owned rows under row-level security.
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    let visible: i64 =
        sqlx::query_scalar("SELECT count(*) FROM console_user_words WHERE tenant_id = $1")
            .bind(elsewhere.tenant)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(visible, 0);
}
