//! Test helpers: boot a simulator, get tokens, call Graph.

use entra_sim::{SimConfig, SimHandle, Simulator, TenantInfo, TenantSpec};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn sim() -> SimHandle {
    init();
    Simulator::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

pub async fn demo_sim() -> SimHandle {
    init();
    Simulator::start(SimConfig {
        seed_demo: true,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A consented tenant with a few users.
pub fn tenant(sim: &SimHandle, name: &str) -> TenantInfo {
    let slug: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    sim.create_tenant(TenantSpec::new(name, &[&format!("{slug}.onmicrosoft.com")]).consented())
        .expect("tenant")
}

pub fn token_url(sim: &SimHandle, tenant: &str) -> String {
    format!("{}{tenant}/oauth2/v2.0/token", sim.login_base_url())
}

pub async fn post_token(sim: &SimHandle, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = client()
        .post(token_url(sim, tenant))
        .form(form)
        .send()
        .await
        .expect("token call");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

pub async fn app_token(sim: &SimHandle, tenant: &str) -> String {
    let app = sim.app();
    let (status, body) = post_token(
        sim,
        tenant,
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(status, 200, "token: {body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// GET an absolute URL with a bearer token and optional extra headers.
pub async fn get_url(url: &str, token: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = client().get(url).bearer_auth(token);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("graph call");
    Resp {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        text: r.text().await.expect("body"),
    }
}

/// GET `{graph}/v1.0/{path}`.
pub async fn graph(sim: &SimHandle, token: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
    get_url(
        &format!("{}/v1.0/{path}", sim.graph_base_url()),
        token,
        headers,
    )
    .await
}

/// Follow `@odata.nextLink` to the end; returns every page body.
pub async fn all_pages(
    sim: &SimHandle,
    token: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut url = format!("{}/v1.0/{path}", sim.graph_base_url());
    loop {
        let r = get_url(&url, token, headers).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let body = r.json();
        let next = body["@odata.nextLink"].as_str().map(str::to_string);
        pages.push(body);
        match next {
            Some(n) => url = n,
            None => return pages,
        }
    }
}

pub fn ids(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["value"].as_array().cloned().unwrap_or_default())
        .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Query-string parameters of a redirect `Location`.
pub fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let u = url::Url::parse(location).expect("location URL");
    u.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
