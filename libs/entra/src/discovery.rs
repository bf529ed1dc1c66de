//! Tenant resolution through the v2 OpenID discovery document (reference §9).

use serde::Deserialize;
use url::Url;

use crate::error::{Endpoint, EntraError, sts_error};
use crate::http::Transport;
use crate::tenant::{EntraTenantId, TenantRef};

/// A tenant confirmed to exist by discovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedTenant {
    /// The tenant GUID (from the issuer, cross-checked with the token endpoint).
    pub id: EntraTenantId,
    /// What was looked up.
    pub input: TenantRef,
    /// `tenant_region_scope` (`NA`, `EU`, `WW`, …) when published.
    pub region_scope: Option<String>,
    /// `cloud_instance_name` (`microsoftonline.com` for the public cloud).
    pub cloud_instance_name: Option<String>,
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    token_endpoint: String,
    #[serde(default)]
    tenant_region_scope: Option<String>,
    #[serde(default)]
    cloud_instance_name: Option<String>,
}

/// `GET {login}/{tenant}/v2.0/.well-known/openid-configuration` and extract the tenant GUID.
pub(crate) async fn resolve(
    transport: &Transport,
    login_base: &Url,
    input: TenantRef,
) -> Result<ResolvedTenant, EntraError> {
    let url = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        login_base.as_str().trim_end_matches('/'),
        input.as_path_segment()
    );
    let resp = transport
        .send(Endpoint::Discovery, || transport.client().get(&url))
        .await?;
    let status = resp.status();
    if !status.is_success() {
        return Err(sts_error(Endpoint::Discovery, resp).await);
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| EntraError::transport(Endpoint::Discovery, e))?;
    let doc: DiscoveryDocument = serde_json::from_slice(&body).map_err(|e| {
        EntraError::unexpected(
            Endpoint::Discovery,
            Some(status.as_u16()),
            format!("discovery document: {e}"),
        )
    })?;
    let not_a_tenant = || EntraError::NotATenant {
        input: input.to_string(),
    };
    if doc.issuer.contains("{tenantid}") {
        return Err(not_a_tenant());
    }
    let from_issuer = tenant_segment(&doc.issuer, &["v2.0"]).ok_or_else(|| {
        EntraError::unexpected(
            Endpoint::Discovery,
            None,
            "issuer does not end with /{tenant}/v2.0",
        )
    })?;
    let from_token =
        tenant_segment(&doc.token_endpoint, &["oauth2", "v2.0", "token"]).ok_or_else(|| {
            EntraError::unexpected(
                Endpoint::Discovery,
                None,
                "token_endpoint does not end with /{tenant}/oauth2/v2.0/token",
            )
        })?;
    if !from_issuer.eq_ignore_ascii_case(&from_token) {
        return Err(EntraError::unexpected(
            Endpoint::Discovery,
            None,
            "issuer and token_endpoint name different tenants",
        ));
    }
    let id = match EntraTenantId::parse(&from_issuer) {
        Ok(id) => id,
        Err(e) if e.kind() == crate::ErrorKind::NotATenant => return Err(not_a_tenant()),
        Err(_) => {
            return Err(EntraError::unexpected(
                Endpoint::Discovery,
                None,
                "issuer tenant is not a GUID",
            ));
        }
    };
    if let TenantRef::Id(asked) = &input
        && *asked != id
    {
        return Err(EntraError::TenantMismatch {
            expected: *asked,
            actual: id.to_string(),
        });
    }
    Ok(ResolvedTenant {
        id,
        input,
        region_scope: doc.tenant_region_scope,
        cloud_instance_name: doc.cloud_instance_name,
    })
}

/// The path segment right before `suffix` at the end of `url`'s path.
fn tenant_segment(url: &str, suffix: &[&str]) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let segments: Vec<&str> = parsed.path_segments()?.filter(|s| !s.is_empty()).collect();
    let n = segments.len();
    if n < suffix.len() + 1 || segments[n - suffix.len()..] != *suffix {
        return None;
    }
    Some(segments[n - suffix.len() - 1].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_segment_is_found_before_the_suffix_even_with_a_path_prefix() {
        let t = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        assert_eq!(
            tenant_segment(
                &format!("https://login.microsoftonline.com/{t}/v2.0"),
                &["v2.0"]
            )
            .as_deref(),
            Some(t)
        );
        assert_eq!(
            tenant_segment(
                &format!("http://127.0.0.1:9/login/{t}/oauth2/v2.0/token"),
                &["oauth2", "v2.0", "token"]
            )
            .as_deref(),
            Some(t)
        );
        assert_eq!(
            tenant_segment("https://login.microsoftonline.com/v2.0", &["v2.0"]),
            None
        );
    }
}
