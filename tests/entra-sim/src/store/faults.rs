//! Fault and behaviour knobs, per tenant and per user. Every field documented in the README.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TenantFaults {
    pub consent_decline: bool,
    pub consent_decline_error: String,
    pub consent_not_admin: bool,
    pub consent_roles: Option<Vec<String>>,
    pub consent_propagation_seconds: u64,
    pub token_ca_block: bool,
    pub token_ca_error: String,
    pub signin_ca_block: bool,
    pub signin_mfa_required: bool,
    pub signin_not_assigned: bool,
    /// `authorize` (redirect `interaction_required`) or `token` (code redemption fails with `basic_action`).
    pub mfa_at: String,
    pub not_assigned_page: bool,
    pub throttling: bool,
    pub ru_limit_per_10s: Option<u32>,
    pub force_429_count: u32,
    pub force_429_retry_after: Option<u32>,
    pub force_5xx_count: u32,
    pub force_5xx_rate: f64,
    pub force_5xx_status: u16,
    pub force_5xx_retry_after: Option<u32>,
    pub latency_ms: u64,
    pub duplicate_pages: u32,
    pub empty_pages: u32,
    pub delta_page_size: Option<usize>,
    pub delta_member_slice: Option<usize>,
    pub delta_token_ttl_seconds: u64,
    pub delta_expired_status: u16,
    pub delta_force_reset: u32,
    pub delta_duplicate_replay: bool,
    pub delta_visibility_delay_seconds: u64,
    /// ID tokens issued in this tenant carry this `aud` instead of the app's client id (a token
    /// minted for another application, to test audience checks).
    pub id_token_audience: Option<String>,
}

impl Default for TenantFaults {
    fn default() -> Self {
        Self {
            consent_decline: false,
            consent_decline_error: "consent_required".into(),
            consent_not_admin: false,
            consent_roles: None,
            consent_propagation_seconds: 0,
            token_ca_block: false,
            token_ca_error: "access_denied".into(),
            signin_ca_block: false,
            signin_mfa_required: false,
            signin_not_assigned: false,
            mfa_at: "authorize".into(),
            not_assigned_page: false,
            throttling: true,
            ru_limit_per_10s: None,
            force_429_count: 0,
            force_429_retry_after: None,
            force_5xx_count: 0,
            force_5xx_rate: 0.0,
            force_5xx_status: 503,
            force_5xx_retry_after: None,
            latency_ms: 0,
            duplicate_pages: 0,
            empty_pages: 0,
            delta_page_size: None,
            delta_member_slice: None,
            delta_token_ttl_seconds: 7 * 24 * 3600,
            delta_expired_status: 410,
            delta_force_reset: 0,
            delta_duplicate_replay: false,
            delta_visibility_delay_seconds: 0,
            id_token_audience: None,
        }
    }
}

impl TenantFaults {
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.force_5xx_status, 500..=599) {
            return Err("force_5xx_status must be a 5xx status".into());
        }
        if !matches!(self.delta_expired_status, 400..=499) {
            return Err("delta_expired_status must be a 4xx status".into());
        }
        if !(0.0..=1.0).contains(&self.force_5xx_rate) {
            return Err("force_5xx_rate must be within 0.0..=1.0".into());
        }
        if !matches!(self.mfa_at.as_str(), "authorize" | "token") {
            return Err("mfa_at must be \"authorize\" or \"token\"".into());
        }
        if self.delta_page_size == Some(0) || self.delta_member_slice == Some(0) {
            return Err("delta_page_size and delta_member_slice must be at least 1".into());
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct UserFaults {
    pub ca_block: bool,
    pub mfa_required: bool,
    pub not_assigned: bool,
    pub not_admin: bool,
}
