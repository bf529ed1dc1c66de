use crate::common::{app_token, demo_sim, graph};
use entra_sim::{DEMO_DOMAIN, SimHandle};
use serde_json::Value;

const EVENTUAL: (&str, &str) = ("ConsistencyLevel", "eventual");

async fn setup() -> (SimHandle, String) {
    let sim = demo_sim().await;
    sim.grant_consent(DEMO_DOMAIN, None).expect("consent");
    let tok = app_token(&sim, DEMO_DOMAIN).await;
    (sim, tok)
}

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> = v["value"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| x["displayName"].as_str().unwrap_or_default().to_string())
        .collect();
    n.sort();
    n
}

async fn group_id(sim: &SimHandle, tok: &str, name: &str) -> String {
    let r = graph(
        sim,
        tok,
        &format!("groups?$filter=displayName eq '{name}'&$select=id"),
        &[],
    )
    .await;
    r.json()["value"][0]["id"]
        .as_str()
        .expect("group")
        .to_string()
}

#[tokio::test]
async fn advanced_operators_need_consistency_level_and_count() {
    let (sim, tok) = setup().await;
    let r = graph(&sim, &tok, "users?$filter=accountEnabled ne true", &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "Request_UnsupportedQuery".to_string())
    );
    assert_eq!(
        r.json()["error"]["message"],
        "Operator 'ne' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    );
    let r = graph(
        &sim,
        &tok,
        "users?$filter=accountEnabled ne true&$count=true",
        &[EVENTUAL],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["@odata.count"], 2);
    assert_eq!(names(&r.json()), vec!["Henry Wilson", "Priya Singh"]);
    let r = graph(
        &sim,
        &tok,
        "users?$filter=endsWith(mail,'@contosohealth.onmicrosoft.com')",
        &[],
    )
    .await;
    assert_eq!(r.status, 400);
    let r = graph(
        &sim,
        &tok,
        "groups?$filter=createdDateTime ge 2020-01-01T00:00:00Z",
        &[],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Operator 'ge'")
    );
}

#[tokio::test]
async fn default_filters_work_without_advanced_parameters() {
    let (sim, tok) = setup().await;
    let j = graph(&sim, &tok, "users?$filter=accountEnabled eq false", &[])
        .await
        .json();
    assert_eq!(names(&j), vec!["Henry Wilson", "Priya Singh"]);
    let j = graph(
        &sim,
        &tok,
        "groups?$filter=startswith(displayName,'Nur')",
        &[],
    )
    .await
    .json();
    assert_eq!(names(&j), vec!["Nurses"]);
    let j = graph(
        &sim,
        &tok,
        "groups?$filter=groupTypes/any(c:c eq 'Unified')",
        &[],
    )
    .await
    .json();
    assert_eq!(names(&j), vec!["Contoso Health Team"]);
    let j = graph(
        &sim,
        &tok,
        "groups?$filter=securityEnabled eq true&$top=999",
        &[],
    )
    .await
    .json();
    assert_eq!(j["value"].as_array().map(Vec::len), Some(7));
    let j = graph(&sim, &tok, "groups?$filter=mailEnabled eq true", &[])
        .await
        .json();
    assert_eq!(names(&j), vec!["Contoso Health Team"]);
    let a = group_id(&sim, &tok, "Nurses").await;
    let b = group_id(&sim, &tok, "Pharmacy").await;
    let j = graph(
        &sim,
        &tok,
        &format!("groups?$filter=id in ('{a}','{b}')"),
        &[],
    )
    .await
    .json();
    assert_eq!(names(&j), vec!["Nurses", "Pharmacy"]);
    let r = graph(
        &sim,
        &tok,
        "users?$filter=businessPhones/any(p:p eq '1')",
        &[],
    )
    .await;
    assert_eq!(
        r.status, 400,
        "un-indexed property rejected without advanced params"
    );
}

#[tokio::test]
async fn search_requires_the_header_and_matches_tokens() {
    let (sim, tok) = setup().await;
    let r = graph(&sim, &tok, "groups?$search=\"displayName:desk\"", &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"]["message"],
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
    );
    let j = graph(
        &sim,
        &tok,
        "groups?$search=\"displayName:desk\"",
        &[EVENTUAL],
    )
    .await
    .json();
    assert_eq!(names(&j), vec!["Front Desk"]);
    let j = graph(
        &sim,
        &tok,
        "users?$search=\"displayName:gar\" OR \"displayName:ali\"",
        &[EVENTUAL],
    )
    .await
    .json();
    assert_eq!(names(&j), vec!["Maria Garcia"]);
    let j = graph(
        &sim,
        &tok,
        "groups?$search=\"description:nested\"",
        &[EVENTUAL],
    )
    .await
    .json();
    assert_eq!(names(&j), vec!["Clinical Staff"]);
}

#[tokio::test]
async fn count_is_ignored_without_the_header_and_the_count_segment_needs_it() {
    let (sim, tok) = setup().await;
    let j = graph(&sim, &tok, "users?$count=true", &[]).await.json();
    assert!(j.get("@odata.count").is_none());
    let j = graph(&sim, &tok, "users?$count=true", &[EVENTUAL])
        .await
        .json();
    assert_eq!(j["@odata.count"], 16);
    let r = graph(&sim, &tok, "users/$count", &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "Request_BadRequest".to_string())
    );
    assert_eq!(
        r.json()["error"]["message"],
        "$count is not currently supported."
    );
    let r = graph(
        &sim,
        &tok,
        "users/$count",
        &[("consistencylevel", "eventual")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    assert_eq!(r.text, "16");
}

#[tokio::test]
async fn members_casts_and_transitive_members_follow_nesting() {
    let (sim, tok) = setup().await;
    let clinical = group_id(&sim, &tok, "Clinical Staff").await;
    let j = graph(&sim, &tok, &format!("groups/{clinical}/members"), &[])
        .await
        .json();
    assert_eq!(names(&j), vec!["Nurses", "Physicians"]);
    assert_eq!(j["value"][0]["@odata.type"], "#microsoft.graph.group");
    assert!(
        j["@odata.context"]
            .as_str()
            .unwrap_or_default()
            .ends_with("$metadata#directoryObjects")
    );
    let j = graph(
        &sim,
        &tok,
        &format!("groups/{clinical}/members/microsoft.graph.user"),
        &[],
    )
    .await
    .json();
    assert_eq!(j["value"].as_array().map(Vec::len), Some(0));
    let j = graph(
        &sim,
        &tok,
        &format!("groups/{clinical}/transitiveMembers/graph.user?$select=displayName"),
        &[],
    )
    .await
    .json();
    assert_eq!(j["value"].as_array().map(Vec::len), Some(8));
    let r = graph(
        &sim,
        &tok,
        &format!("groups/{clinical}/transitiveMembers/microsoft.graph.user/$count"),
        &[EVENTUAL],
    )
    .await;
    assert_eq!(r.text, "8");
    let r = graph(
        &sim,
        &tok,
        &format!("groups/{clinical}/transitiveMembers"),
        &[],
    )
    .await;
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("5"));
    let r = graph(&sim, &tok, &format!("groups/{clinical}/members"), &[]).await;
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("3"));
    let empty = group_id(&sim, &tok, "Pharmacy").await;
    let j = graph(&sim, &tok, &format!("groups/{empty}/members"), &[])
        .await
        .json();
    assert_eq!(j["value"].as_array().map(Vec::len), Some(0));
    assert!(j.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn users_by_upn_return_the_default_property_set_and_404_uses_the_envelope() {
    let (sim, tok) = setup().await;
    let r = graph(
        &sim,
        &tok,
        "users/maria.garcia%40contosohealth.onmicrosoft.com",
        &[("client-request-id", "abc-123")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("client-request-id").as_deref(), Some("abc-123"));
    assert!(r.header("request-id").is_some() && r.header("x-ms-ags-diagnostic").is_some());
    assert_eq!(r.header("odata-version").as_deref(), Some("4.0"));
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("2"));
    let j = r.json();
    let mut keys: Vec<&str> = j
        .as_object()
        .expect("obj")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "@odata.context",
            "businessPhones",
            "displayName",
            "givenName",
            "id",
            "jobTitle",
            "mail",
            "mobilePhone",
            "officeLocation",
            "preferredLanguage",
            "surname",
            "userPrincipalName"
        ]
    );
    assert!(
        j["@odata.context"]
            .as_str()
            .unwrap_or_default()
            .ends_with("$metadata#users/$entity")
    );
    let guest = graph(
        &sim,
        &tok,
        "users/riley_partner.example%23EXT%23%40contosohealth.onmicrosoft.com?$select=userType",
        &[],
    )
    .await;
    assert_eq!(guest.json()["userType"], "Guest");
    let r = graph(
        &sim,
        &tok,
        "users/nobody@contosohealth.onmicrosoft.com",
        &[],
    )
    .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "Request_ResourceNotFound".to_string())
    );
    assert!(r.json()["error"]["innerError"]["request-id"].is_string());
    let r = graph(&sim, &tok, "users?$select=nonsense", &[]).await;
    assert_eq!(r.status, 400);
    let org = graph(&sim, &tok, "organization", &[]).await.json();
    assert_eq!(org["value"][0]["verifiedDomains"][0]["name"], DEMO_DOMAIN);
}
