//! A browser as the wizard's front-end drives it: it keeps the `pa_wizard` cookie and the
//! CSRF token, calls the API, and follows the admin consent through the simulator.

use reqwest::Method;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{Link, TestApp};
use crate::sim::Hospital;

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    pub fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Asserts a problem+json with `status` and `code`.
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        let ct = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(ct.starts_with("application/problem+json"), "{ct}");
        self
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// A browser session of the wizard.
#[derive(Clone)]
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookie: None,
            csrf: None,
        }
    }

    /// `POST /v1/wizard/sessions` with `token`; keeps the cookie and CSRF token on success.
    pub async fn start(&mut self, token: &str) -> Reply {
        let r = reply(
            self.app
                .client
                .post(format!("{}/v1/wizard/sessions", self.app.base))
                .json(&json!({ "token": token }))
                .send()
                .await
                .expect("request"),
        )
        .await;
        if r.status == 201 {
            let set = r
                .headers
                .get(SET_COOKIE)
                .and_then(|v| v.to_str().ok())
                .expect("Set-Cookie");
            let pair = set.split(';').next().expect("cookie pair");
            self.cookie = Some(pair.to_owned());
            self.csrf = r.body["session"]["csrf_token"].as_str().map(str::to_owned);
        }
        r
    }

    /// Starts with `link` and asserts it worked.
    pub async fn started(app: &'a TestApp, link: &Link) -> Self {
        let mut b = Self::new(app);
        let r = b.start(&link.token).await;
        assert_eq!(r.status, 201, "{}", r.body);
        b
    }

    /// A request with the cookie and the CSRF token.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.base));
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        if let Some(t) = &self.csrf {
            req = req.header("X-CSRF-Token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.expect("request")).await
    }

    pub async fn state(&self) -> Reply {
        self.send(Method::GET, "/v1/wizard/state", None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn post(&self, path: &str) -> Reply {
        self.send(Method::POST, path, None).await
    }

    pub async fn set_directory(&self, tenant: &str) -> Reply {
        self.put("/v1/wizard/directory", json!({ "tenant": tenant }))
            .await
    }

    /// `POST /v1/wizard/consent-requests` → the consent URL.
    pub async fn consent_url(&self) -> String {
        let r = self.post("/v1/wizard/consent-requests").await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["consent_url"]
            .as_str()
            .expect("consent_url")
            .to_owned()
    }

    /// Follows `url` at the simulator as `login_hint` and returns where Microsoft sends the
    /// browser back (the callback URL), or the page it showed instead.
    pub async fn at_microsoft(&self, url: &str, login_hint: &str) -> Result<String, String> {
        let r = self
            .app
            .client
            .get(url)
            .query(&[("login_hint", login_hint)])
            .send()
            .await
            .expect("adminconsent");
        match r.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
            Some(l) if r.status().is_redirection() => Ok(l.to_owned()),
            _ => Err(r.text().await.unwrap_or_default()),
        }
    }

    /// `GET` the callback URL with this browser's cookie.
    pub async fn callback(&self, url: &str) -> Reply {
        let mut req = self.app.client.get(url);
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        reply(req.send().await.expect("callback")).await
    }

    /// The whole consent round trip as `login_hint`: the callback's answer.
    pub async fn consent_as(&self, login_hint: &str) -> Reply {
        let url = self.consent_url().await;
        let back = self
            .at_microsoft(&url, login_hint)
            .await
            .expect("Microsoft redirects back");
        self.callback(&back).await
    }

    /// Walks the wizard with `h` up to (not including) `until`: "consent", "preflight",
    /// "admin", "groups", "finish".
    pub async fn walk(&self, h: &Hospital, until: &str) {
        let steps = [
            "directory",
            "consent",
            "preflight",
            "admin",
            "groups",
            "finish",
        ];
        for step in steps.iter().take_while(|s| **s != until) {
            let r = match *step {
                "directory" => self.set_directory(&h.domain).await,
                "consent" => {
                    let r = self.consent_as(&h.admin_upn).await;
                    assert_eq!(r.status, 303, "{}", r.body);
                    assert!(
                        r.location().ends_with("consent=granted"),
                        "{}",
                        r.location()
                    );
                    continue;
                }
                "preflight" => self.post("/v1/wizard/preflight").await,
                "admin" => {
                    self.put(
                        "/v1/wizard/admin",
                        json!({ "user_principal_name": h.admin_upn }),
                    )
                    .await
                }
                "groups" => {
                    self.put(
                        "/v1/wizard/groups",
                        json!({
                            "admin_groups": [h.admins],
                            "user_groups": [{ "group_id": h.nurses, "role": "viewer" }],
                        }),
                    )
                    .await
                }
                _ => self.post("/v1/wizard/finish").await,
            };
            assert_eq!(r.status, 200, "{step}: {}", r.body);
        }
    }
}
