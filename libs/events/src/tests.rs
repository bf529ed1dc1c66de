#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use serde_json::json;

use super::*;

#[test]
fn roles_order_by_privilege_and_round_trip_as_lowercase_names() {
    assert!(AccessRole::Admin > AccessRole::Manager && AccessRole::Manager > AccessRole::Viewer);
    assert_eq!(
        [AccessRole::Viewer, AccessRole::Admin, AccessRole::Manager]
            .iter()
            .max(),
        Some(&AccessRole::Admin)
    );
    for role in AccessRole::ALL {
        assert_eq!(AccessRole::from_str(role.as_str()), Ok(role));
        assert_eq!(serde_json::to_value(role).unwrap(), json!(role.as_str()));
    }
    assert!(AccessRole::from_str("Admin").is_err());
}

#[test]
fn setup_completed_reads_what_the_catalog_documents_and_ignores_unknown_fields() {
    let data = json!({
        "tenant_id": "019a6b1e-4b90-7c11-9d20-0a1b2c3d4e5f",
        "entra_tenant_id": "6c4c5f3e-1b2a-4d3c-9e8f-7a6b5c4d3e2f",
        "link_id": "019a6b1e-4c20-7e00-8b00-111111111111",
        "wizard_session_id": "019a6b1e-4c20-7e00-8b00-222222222222",
        "completed_at": "2026-12-06T09:15:02.123456Z",
        "initial_admin": {
            "object_id": "1b2c3d4e-0000-4000-8000-000000000001",
            "user_principal_name": "admin@contosohealth.onmicrosoft.com",
            "display_name": "Alex Admin",
            "mail": null
        },
        "groups": [
            {"group_id": "1b2c3d4e-0000-4000-8000-0000000000a1", "display_name": "Patient Access Admins", "role": "admin"},
            {"group_id": "1b2c3d4e-0000-4000-8000-0000000000b2", "display_name": "Nurses", "role": "viewer"}
        ],
        "config_version": 1,
        "added_later": true
    });
    let event: SetupCompleted = serde_json::from_value(data).unwrap();
    assert_eq!(event.groups[0].role, AccessRole::Admin);
    assert_eq!(event.initial_admin.mail, None);
    assert_eq!(event.config_version, 1);
}

#[test]
fn tenant_views_read_tenant_provisionings_fuller_events() {
    let data = json!({"tenant_id": "019a6b1e-4b90-7c11-9d20-0a1b2c3d4e5f", "previous_status": "active", "reason": null});
    let event: tenant::TenantSuspended = serde_json::from_value(data).unwrap();
    assert_eq!(
        event.tenant_id.to_string(),
        "019a6b1e-4b90-7c11-9d20-0a1b2c3d4e5f"
    );
}

#[test]
fn deactivation_reasons_are_snake_case() {
    assert_eq!(
        serde_json::to_value(DeactivationReason::RemovedFromGroups).unwrap(),
        json!("removed_from_groups")
    );
}
