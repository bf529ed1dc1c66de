//! [`TenantSettings`]: a tenant's console settings, their bounds and defaults.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Bounds (inclusive).
pub const IDLE_TIMEOUT_SECS: (u32, u32) = (300, 3_600);
pub const ABSOLUTE_LIFETIME_SECS: (u32, u32) = (3_600, 86_400);
pub const SYNC_INTERVAL_SECS: (u32, u32) = (10, 86_400);
pub const THRESHOLD_COUNT: (u32, u32) = (1, 1_000_000);
pub const RETENTION_DAYS: (u32, u32) = (365, 36_525);

/// Everything an Admin can set, with its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct TenantSettings {
    /// Increases with every change (the `tenant.settings_changed` version).
    pub version: i64,
    /// Automatic logoff after this much inactivity (300–3600 s; default 900, HIPAA 164.312(a)(2)(iii)).
    pub idle_timeout_secs: u32,
    /// Sessions end this long after sign-in whatever the activity (3600–86400 s; default 43200).
    pub absolute_lifetime_secs: u32,
    /// Incremental directory sync interval (10–86400 s; default 60).
    pub sync_interval_secs: u32,
    /// A sync run deactivating more than this share of active users is held (0–100; default 20).
    pub deactivation_threshold_percent: u8,
    /// … or more than this many users (1–1000000; default 500).
    pub deactivation_threshold_count: u32,
    /// Audit records older than this are purged (365–36525 days; default 2192, six years).
    pub audit_retention_days: u32,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            version: 1,
            idle_timeout_secs: 900,
            absolute_lifetime_secs: 43_200,
            sync_interval_secs: 60,
            deactivation_threshold_percent: 20,
            deactivation_threshold_count: 500,
            audit_retention_days: 2_192,
        }
    }
}

/// A change of settings: only the fields sent change.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// 300–3600.
    #[schema(minimum = 300, maximum = 3600)]
    pub idle_timeout_secs: Option<u32>,
    /// 3600–86400.
    #[schema(minimum = 3600, maximum = 86400)]
    pub absolute_lifetime_secs: Option<u32>,
    /// 10–86400.
    #[schema(minimum = 10, maximum = 86400)]
    pub sync_interval_secs: Option<u32>,
    /// 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub deactivation_threshold_percent: Option<u8>,
    /// 1–1000000.
    #[schema(minimum = 1, maximum = 1000000)]
    pub deactivation_threshold_count: Option<u32>,
    /// 365–36525.
    #[schema(minimum = 365, maximum = 36525)]
    pub audit_retention_days: Option<u32>,
}

impl SettingsPatch {
    /// The settings after this patch, or the first field out of bounds (`field`, message).
    pub fn apply(
        &self,
        current: &TenantSettings,
    ) -> Result<TenantSettings, (&'static str, String)> {
        fn bounded(
            field: &'static str,
            value: Option<u32>,
            current: u32,
            (lo, hi): (u32, u32),
        ) -> Result<u32, (&'static str, String)> {
            match value {
                None => Ok(current),
                Some(v) if (lo..=hi).contains(&v) => Ok(v),
                Some(_) => Err((field, format!("must be between {lo} and {hi}"))),
            }
        }
        let percent = match self.deactivation_threshold_percent {
            Some(p) if p > 100 => {
                return Err((
                    "deactivation_threshold_percent",
                    "must be between 0 and 100".into(),
                ));
            }
            Some(p) => p,
            None => current.deactivation_threshold_percent,
        };
        let next = TenantSettings {
            version: current.version + 1,
            idle_timeout_secs: bounded(
                "idle_timeout_secs",
                self.idle_timeout_secs,
                current.idle_timeout_secs,
                IDLE_TIMEOUT_SECS,
            )?,
            absolute_lifetime_secs: bounded(
                "absolute_lifetime_secs",
                self.absolute_lifetime_secs,
                current.absolute_lifetime_secs,
                ABSOLUTE_LIFETIME_SECS,
            )?,
            sync_interval_secs: bounded(
                "sync_interval_secs",
                self.sync_interval_secs,
                current.sync_interval_secs,
                SYNC_INTERVAL_SECS,
            )?,
            deactivation_threshold_percent: percent,
            deactivation_threshold_count: bounded(
                "deactivation_threshold_count",
                self.deactivation_threshold_count,
                current.deactivation_threshold_count,
                THRESHOLD_COUNT,
            )?,
            audit_retention_days: bounded(
                "audit_retention_days",
                self.audit_retention_days,
                current.audit_retention_days,
                RETENTION_DAYS,
            )?,
        };
        if next.idle_timeout_secs > next.absolute_lifetime_secs {
            return Err((
                "idle_timeout_secs",
                "must not exceed absolute_lifetime_secs".into(),
            ));
        }
        Ok(next)
    }

    /// The names of the fields sent (for the audit record).
    pub fn changed_fields(&self) -> Vec<&'static str> {
        [
            ("idle_timeout_secs", self.idle_timeout_secs.is_some()),
            (
                "absolute_lifetime_secs",
                self.absolute_lifetime_secs.is_some(),
            ),
            ("sync_interval_secs", self.sync_interval_secs.is_some()),
            (
                "deactivation_threshold_percent",
                self.deactivation_threshold_percent.is_some(),
            ),
            (
                "deactivation_threshold_count",
                self.deactivation_threshold_count.is_some(),
            ),
            ("audit_retention_days", self.audit_retention_days.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, sent)| sent.then_some(name))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_keeps_bounds_and_bumps_the_version() {
        let current = TenantSettings::default();
        let patch = SettingsPatch {
            idle_timeout_secs: Some(600),
            ..Default::default()
        };
        let next = patch.apply(&current).expect("valid");
        assert_eq!((next.version, next.idle_timeout_secs), (2, 600));
        assert_eq!(next.absolute_lifetime_secs, current.absolute_lifetime_secs);
        for bad in [299, 3601] {
            let patch = SettingsPatch {
                idle_timeout_secs: Some(bad),
                ..Default::default()
            };
            assert_eq!(patch.apply(&current).unwrap_err().0, "idle_timeout_secs");
        }
        let patch = SettingsPatch {
            deactivation_threshold_percent: Some(101),
            ..Default::default()
        };
        assert!(patch.apply(&current).is_err());
    }
}
