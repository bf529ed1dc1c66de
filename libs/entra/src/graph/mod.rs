//! Typed Microsoft Graph v1.0 reads for one tenant.
//!
//! Every request: bearer app token from the cache, a fresh `client-request-id`, `ConsistencyLevel:
//! eventual` where the query needs it (and on every `@odata.nextLink` of such a query), retries per
//! [`crate::retry`], one re-acquisition of the token after a 401.

mod changes;
mod delta;
mod groups;
mod ids;
mod members;
mod membership;
mod organization;
mod query;
mod users;

pub use changes::{DeltaCursor, GroupChange, MemberChange, RemovalReason, UserChange};
pub use delta::{DeltaError, DeltaPage, DeltaPager, DeltaStart};
pub use groups::{GROUP_SELECT, Group, GroupFilter};
pub use ids::{GroupId, UserId};
pub use members::{DirectoryObject, MemberKind, MemberScope};
pub use organization::{Organization, VerifiedDomain};
pub use query::PageSize;
pub use users::{USER_SELECT, User, UserFilter};

use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use crate::client::EntraClient;
use crate::error::{Endpoint, EntraError, graph_error};
use crate::tenant::EntraTenantId;

/// Graph access for one tenant; cheap to clone.
#[derive(Clone, Debug)]
pub struct GraphClient {
    client: EntraClient,
    tenant: EntraTenantId,
}

impl GraphClient {
    pub(crate) fn new(client: EntraClient, tenant: EntraTenantId) -> Self {
        Self { client, tenant }
    }

    /// The tenant this client reads.
    pub fn tenant(&self) -> EntraTenantId {
        self.tenant
    }

    /// `{graph_base}/v1.0/{path}?{query}`; `path` must already be percent-encoded.
    pub(crate) fn url(&self, path: &str, query: &query::Query) -> String {
        let mut url = format!("{}/v1.0/{path}", self.client.inner.graph_base);
        query.append_to(&mut url);
        url
    }

    /// Refuses links (nextLink, deltaLink, cursors) that leave the configured Graph origin: the
    /// bearer token must never be sent elsewhere.
    pub(crate) fn check_link(&self, link: &str) -> Result<(), EntraError> {
        let base = &self.client.inner.settings.graph_base_url;
        let same_origin = url::Url::parse(link).is_ok_and(|u| {
            u.scheme() == base.scheme()
                && u.host_str() == base.host_str()
                && u.port_or_known_default() == base.port_or_known_default()
        });
        if same_origin {
            Ok(())
        } else {
            Err(EntraError::unexpected(
                Endpoint::Graph,
                None,
                "a paging link points outside the configured Graph URL",
            ))
        }
    }

    /// GETs `url` and returns the success response (errors typed from the Graph envelope).
    pub(crate) async fn get(
        &self,
        url: &str,
        eventual: bool,
    ) -> Result<reqwest::Response, EntraError> {
        let inner = &self.client.inner;
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut reauthenticated = false;
        loop {
            let token = self.client.app_token(&self.tenant).await?;
            let resp = inner
                .transport
                .send(Endpoint::Graph, || {
                    let mut request = inner
                        .transport
                        .client()
                        .get(url)
                        .bearer_auth(token.secret().expose_secret())
                        .header(ACCEPT, "application/json")
                        .header("client-request-id", &client_request_id);
                    if eventual {
                        request = request.header("ConsistencyLevel", "eventual");
                    }
                    request
                })
                .await?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && !reauthenticated {
                tracing::debug!(tenant = %self.tenant, "Graph returned 401; re-acquiring the app token once");
                reauthenticated = true;
                inner.tokens.reject(&token);
                let _ = resp.bytes().await;
                continue;
            }
            if !status.is_success() {
                let err = graph_error(resp).await;
                tracing::debug!(tenant = %self.tenant, status = status.as_u16(), code = err.graph_code(),
                    request_id = err.request_id(), "Graph request failed");
                return Err(err);
            }
            return Ok(resp);
        }
    }

    /// GETs `url` and deserialises the JSON body straight into `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        eventual: bool,
    ) -> Result<T, EntraError> {
        let resp = self.get(url, eventual).await?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| EntraError::transport(Endpoint::Graph, e))?;
        serde_json::from_slice(&body).map_err(|e| {
            EntraError::unexpected(Endpoint::Graph, Some(status), format!("response body: {e}"))
        })
    }

    /// GETs a `/$count` URL (`ConsistencyLevel: eventual`, `text/plain` integer).
    pub(crate) async fn get_count(&self, url: &str) -> Result<u64, EntraError> {
        let resp = self.get(url, true).await?;
        let status = resp.status().as_u16();
        let body = resp
            .text()
            .await
            .map_err(|e| EntraError::transport(Endpoint::Graph, e))?;
        body.trim()
            .trim_start_matches('\u{feff}')
            .parse()
            .map_err(|_| {
                EntraError::unexpected(
                    Endpoint::Graph,
                    Some(status),
                    "$count body is not an integer",
                )
            })
    }
}
