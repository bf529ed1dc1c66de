//! HTTP clients of the journey: a [`Browser`] (cookie jar, CSRF header, no automatic
//! redirects, optional bearer token), a [`Balancer`] that sends each request to the next
//! instance of a service, and a [`ClientTrace`] that puts every request in one trace.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, Response};
use serde_json::Value;

/// The instances of one service; [`Balancer::url`] alternates between them.
#[derive(Debug)]
pub struct Balancer {
    bases: Vec<String>,
    next: AtomicUsize,
}

impl Balancer {
    pub fn new(bases: Vec<String>) -> Self {
        assert!(!bases.is_empty(), "a service without instances");
        Self {
            bases,
            next: AtomicUsize::new(0),
        }
    }

    /// The base URL of the instance the next request goes to.
    pub fn base(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        &self.bases[i % self.bases.len()]
    }

    /// `{next instance}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// `url` (which names any instance, e.g. a redirect) aimed at the next instance.
    pub fn retarget(&self, url: &str) -> String {
        let parsed = url::Url::parse(url).expect("an absolute URL");
        let mut path = parsed.path().to_owned();
        if let Some(query) = parsed.query() {
            path.push('?');
            path.push_str(query);
        }
        self.url(&path)
    }
}

/// Client-side spans: every request carries `traceparent` with the journey's trace id and
/// a fresh span id, remembered with what the request was for.
#[derive(Debug)]
pub struct ClientTrace {
    pub trace_id: String,
    sent: Mutex<Vec<(String, String)>>,
}

impl ClientTrace {
    pub fn new() -> Arc<Self> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).expect("randomness");
        Arc::new(Self {
            trace_id: hex(&id),
            sent: Mutex::new(Vec::new()),
        })
    }

    fn next(&self, what: String) -> String {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).expect("randomness");
        let span = hex(&id);
        self.sent
            .lock()
            .expect("trace lock")
            .push((span.clone(), what));
        format!("00-{}-{span}-01", self.trace_id)
    }

    /// The client span id of the last request whose description contains `what`.
    pub fn span_of(&self, what: &str) -> Option<String> {
        self.sent
            .lock()
            .expect("trace lock")
            .iter()
            .rev()
            .find(|(_, w)| w.contains(what))
            .map(|(span, _)| span.clone())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A browser (or an API client with a bearer token): keeps cookies, sends the CSRF header
/// once it knows it, never follows redirects.
#[derive(Debug)]
pub struct Browser {
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub trace: Option<Arc<ClientTrace>>,
}

/// A reqwest client that does not follow redirects.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

impl Browser {
    pub fn new(trace: Option<Arc<ClientTrace>>) -> Self {
        Self {
            client: no_redirects(),
            cookies: BTreeMap::new(),
            csrf: None,
            bearer: None,
            trace,
        }
    }

    /// An API client authenticating with `token`.
    pub fn with_bearer(token: &str, trace: Option<Arc<ClientTrace>>) -> Self {
        Self {
            bearer: Some(token.to_owned()),
            ..Self::new(trace)
        }
    }

    fn keep_cookies(&mut self, resp: &Response) {
        for value in resp.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let Some((name, v)) = pair.split_once('=') else {
                continue;
            };
            if attrs.to_ascii_lowercase().contains("max-age=0") || v.trim().is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), v.trim().to_owned());
            }
        }
    }

    /// Sends one request; panics only when the server cannot be reached at all.
    pub async fn send(&mut self, method: Method, url: &str, body: Option<&Value>) -> Response {
        self.try_send(method, url, body)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// Sends one request.
    pub async fn try_send(
        &mut self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Response, reqwest::Error> {
        self.try_send_with(method, url, body, &[]).await
    }

    /// Sends one request with extra headers.
    pub async fn try_send_with(
        &mut self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Response, reqwest::Error> {
        let mut req = self.client.request(method.clone(), url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", jar.join("; "));
        }
        if let Some(token) = &self.bearer {
            req = req.bearer_auth(token);
        }
        if let (Some(csrf), false) = (&self.csrf, method == Method::GET) {
            req = req.header("x-csrf-token", csrf);
        }
        if let Some(trace) = &self.trace {
            let path = url::Url::parse(url)
                .map(|u| u.path().to_owned())
                .unwrap_or_default();
            req = req.header("traceparent", trace.next(format!("{method} {path}")));
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        self.keep_cookies(&resp);
        Ok(resp)
    }

    /// GETs `url` as JSON; `None` when it cannot be reached or does not answer 200 (for
    /// polls that ride out restarts).
    pub async fn poll_json(&mut self, url: &str) -> Option<Value> {
        let resp = self.try_send(Method::GET, url, None).await.ok()?;
        if resp.status().as_u16() != 200 {
            return None;
        }
        resp.json().await.ok()
    }

    /// Sends with extra headers, asserting the status; returns the JSON body.
    pub async fn expect_with(
        &mut self,
        status: u16,
        method: Method,
        url: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Value {
        let resp = self
            .try_send_with(method.clone(), url, body, headers)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let got = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert_eq!(got, status, "{method} {url} answered {got}: {value}");
        value
    }

    /// Sends and reads the body as JSON (a non-JSON body becomes a JSON string).
    pub async fn json(&mut self, method: Method, url: &str, body: Option<&Value>) -> (u16, Value) {
        let resp = self.send(method, url, body).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Like [`json`](Self::json), asserting the status.
    pub async fn expect(
        &mut self,
        status: u16,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Value {
        let (got, value) = self.json(method.clone(), url, body).await;
        assert_eq!(got, status, "{method} {url} answered {got}: {value}");
        value
    }
}
