//! Preparing the simulated directory through the simulator's control API (`{base}/_sim`).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::client::Target;

/// Generates a directory of `users` users from `seed`, turns throttling off (no injected
/// latency or faults), grants admin consent, and returns the client's target and the time the
/// generation took.
pub async fn prepare(
    base_url: &str,
    seed: u64,
    users: u64,
    passes: u32,
) -> anyhow::Result<(Target, Duration)> {
    let http = reqwest::Client::new();
    let sim = format!("{base_url}/_sim");
    let started = Instant::now();
    let generated = call(
        http.post(format!("{sim}/generate"))
            .json(&json!({"seed": seed, "users": users})),
    )
    .await
    .context("generating the directory")?;
    let generation = started.elapsed();
    let tenant = tenant_id(&generated).context("no tenant id in the /generate answer")?;

    call(
        http.put(format!("{sim}/tenants/{tenant}/faults"))
            .json(&json!({"throttling": false})),
    )
    .await
    .context("turning throttling off")?;
    call(
        http.put(format!("{sim}/tenants/{tenant}/consent"))
            .json(&json!({})),
    )
    .await
    .context("granting admin consent")?;
    let app = call(http.get(format!("{sim}/app")))
        .await
        .context("reading the app registration")?;
    let field = |name: &str| -> anyhow::Result<String> {
        app.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("no {name} in /_sim/app"))
    };
    let target = Target {
        base_url: base_url.to_owned(),
        tenant,
        client_id: field("client_id")?,
        client_secret: field("client_secret")?,
        passes,
    };
    Ok((target, generation))
}

async fn call(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let resp = request.timeout(Duration::from_secs(600)).send().await?;
    let status = resp.status();
    let body = resp.text().await?;
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body)?
    })
}

/// The tenant GUID in a control-API answer: `tenant_id`, `id`, or `tenant.id`.
fn tenant_id(v: &Value) -> Option<String> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    s(v.get("tenant_id"))
        .or_else(|| s(v.get("id")))
        .or_else(|| s(v.get("tenant").and_then(|t| t.get("id"))))
}
