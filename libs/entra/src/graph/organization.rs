//! `GET /organization`: the tenant's own record.

use serde::Deserialize;

use super::GraphClient;
use super::query::Query;
use crate::error::{Endpoint, EntraError};

/// The tenant's organization object.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// The tenant id.
    pub id: String,
    /// Organisation name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Verified domains.
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

/// One verified domain of the tenant.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    /// Domain name.
    pub name: String,
    /// The default domain for new users.
    #[serde(default)]
    pub is_default: bool,
    /// The initial `*.onmicrosoft.com` domain.
    #[serde(default)]
    pub is_initial: bool,
    /// `Managed` or `Federated`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Deserialize)]
struct OrganizationList {
    #[serde(default)]
    value: Vec<Organization>,
}

impl GraphClient {
    /// `GET /organization?$select=id,displayName,verifiedDomains`.
    pub async fn organization(&self) -> Result<Organization, EntraError> {
        let url = self.url(
            "organization",
            &Query::new().push("$select", "id,displayName,verifiedDomains"),
        );
        let list: OrganizationList = self.get_json(&url, false).await?;
        list.value.into_iter().next().ok_or_else(|| {
            EntraError::unexpected(
                Endpoint::Graph,
                Some(200),
                "/organization returned no object",
            )
        })
    }
}
