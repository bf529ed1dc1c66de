//! The measured side: the pa-entra client, alone in a fresh process, streams every user and the
//! transitive (user) members of every group with page size 999. Peak RSS (VmHWM) is read before
//! and after, so the growth is the client's.

use std::time::Instant;

use anyhow::Context;
use pa_bench::procfs::peak_rss_kib;
use pa_entra::{
    Credential, EntraClient, EntraSettings, EntraTenantId, GroupFilter, GroupId, MemberScope,
    PageSize, SecretString, UserFilter,
};
use serde::{Deserialize, Serialize};

/// Where and as whom the client reads (handed from the parent process).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    /// Simulator base URL (login base); Graph is `{base}/graph`.
    pub base_url: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    /// How many times the user listing is read (one pass of 100,000 users takes well under a
    /// second; several make the rate stable).
    pub passes: u32,
}

/// What the client read and how fast.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientRun {
    /// Users read over all passes.
    pub users: u64,
    pub user_pages: u64,
    pub users_secs: f64,
    pub groups: u64,
    pub group_pages: u64,
    pub member_entries: u64,
    pub member_pages: u64,
    /// Listing groups + every group's transitive members.
    pub members_secs: f64,
    /// VmHWM once the client is built and holds a token, before reading.
    pub peak_rss_kib_before: u64,
    /// VmHWM after reading everything.
    pub peak_rss_kib_after: u64,
}

pub const PAGE: u16 = 999;

pub fn settings(t: &Target) -> anyhow::Result<EntraSettings> {
    let base = t.base_url.trim_end_matches('/');
    Ok(EntraSettings {
        login_base_url: format!("{base}/").parse()?,
        graph_base_url: format!("{base}/graph").parse()?,
        client_id: t.client_id.clone(),
        credential: Credential::Secret(SecretString::from(t.client_secret.clone())),
        request_timeout_ms: 120_000,
        ..EntraSettings::default()
    })
}

pub async fn run(t: &Target) -> anyhow::Result<ClientRun> {
    let client = EntraClient::new(settings(t)?)?;
    let tenant = EntraTenantId::parse(&t.tenant)?;
    // The token is acquired (and cached) before the clock starts.
    client
        .app_token(&tenant)
        .await
        .context("acquiring an app token")?;
    let graph = client.graph(tenant);
    let page = PageSize::new(PAGE).context("page size")?;
    let mut run = ClientRun {
        peak_rss_kib_before: peak_rss_kib().unwrap_or(0),
        ..ClientRun::default()
    };

    let started = Instant::now();
    for _ in 0..t.passes.max(1) {
        let mut users = graph.users(&UserFilter::default(), page);
        while let Some(p) = users.next_page().await? {
            run.users += p.items.len() as u64;
        }
        run.user_pages += users.pages_read();
    }
    run.users_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    // Group ids only (16 bytes each); the groups themselves are dropped page by page.
    let mut ids: Vec<GroupId> = Vec::new();
    let mut groups = graph.groups(&GroupFilter::default(), page);
    while let Some(p) = groups.next_page().await? {
        ids.extend(p.items.into_iter().map(|g| g.id));
    }
    run.groups = ids.len() as u64;
    run.group_pages = groups.pages_read();
    for id in ids {
        let mut members = graph.member_users(id, MemberScope::Transitive, page);
        while let Some(p) = members.next_page().await? {
            run.member_entries += p.items.len() as u64;
        }
        run.member_pages += members.pages_read();
    }
    run.members_secs = started.elapsed().as_secs_f64();
    run.peak_rss_kib_after = peak_rss_kib().unwrap_or(0);
    Ok(run)
}

/// Fetches an app token for the raw baseline (same credential, same token endpoint).
pub async fn bearer(t: &Target) -> anyhow::Result<String> {
    use pa_entra::ExposeSecret;
    let client = EntraClient::new(settings(t)?)?;
    let token = client.app_token(&EntraTenantId::parse(&t.tenant)?).await?;
    Ok(token.secret().expose_secret().to_owned())
}
