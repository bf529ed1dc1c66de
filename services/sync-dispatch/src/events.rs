//! What this service publishes: the pa-events types `user.activated`, `user.deactivated`,
//! `user.role_changed` (written set-based by [`crate::repo::apply`] in the envelope
//! `pa_messaging::enqueue` writes), `sync.run_finished` and `directory.needs_attention`
//! (through `pa_messaging::enqueue`), plus its own sync jobs ([`crate::jobs`]).

use std::collections::BTreeMap;

use pa_domain::TenantId;

/// The AMQP headers `pa_messaging::enqueue` records with an event (`tenant_id`, the current
/// span's `traceparent`, `request_id`), as JSON text, for events written by SQL.
pub fn amqp_headers(tenant: TenantId, request_id: Option<&str>) -> String {
    let mut headers = BTreeMap::new();
    if let Some(traceparent) = pa_telemetry::current_traceparent() {
        headers.insert("traceparent", traceparent);
    }
    headers.insert("tenant_id", tenant.to_string());
    if let Some(request_id) = request_id {
        headers.insert("request_id", request_id.to_owned());
    }
    serde_json::to_string(&headers).unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_the_tenant_and_request() {
        let tenant = TenantId::new();
        let json: serde_json::Value =
            serde_json::from_str(&amqp_headers(tenant, Some("r-1"))).expect("json");
        assert_eq!(json["tenant_id"], tenant.to_string());
        assert_eq!(json["request_id"], "r-1");
    }
}
