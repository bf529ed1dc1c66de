//! All simulated directories: a registry of tenants (by GUID and by verified domain), each with its directory,
//! consent state and knobs behind their own locks so Graph reads never wait on control-plane bookkeeping.

pub mod changes;
pub mod directory;
pub mod faults;
pub mod input;
pub mod membership;
pub mod model;

use parking_lot::{Mutex, RwLock};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub use directory::Directory;
use faults::TenantFaults;
use input::TenantSpec;
use model::SizeClass;

use crate::error::{SimError, SimResult};
use crate::util::{SplitMix, parse_guid};

/// Tenant properties that rarely change.
#[derive(Clone, Debug, Serialize)]
pub struct TenantMeta {
    pub id: Uuid,
    pub display_name: String,
    pub domains: Vec<String>,
    pub size_class: Option<SizeClass>,
    pub region_scope: String,
    pub created: i64,
}

/// The app's service principal in a tenant, created by admin consent.
#[derive(Clone, Debug, Serialize)]
pub struct Consent {
    pub sp_object_id: Uuid,
    pub roles: Vec<String>,
    pub delegated: Vec<String>,
    pub granted_at: i64,
}

pub struct TenantControl {
    pub consent: Option<Consent>,
    pub faults: TenantFaults,
    pub rng: SplitMix,
}

pub struct TenantCell {
    pub meta: RwLock<TenantMeta>,
    pub dir: RwLock<Directory>,
    pub control: Mutex<TenantControl>,
    pub delta_plans: crate::graph::delta_plan::PlanCache,
}

impl TenantCell {
    pub fn id(&self) -> Uuid {
        self.meta.read().id
    }

    pub fn size_class(&self) -> SizeClass {
        let explicit = self.meta.read().size_class;
        explicit.unwrap_or_else(|| SizeClass::for_user_count(self.dir.read().live_users))
    }

    pub fn faults(&self) -> TenantFaults {
        self.control.lock().faults.clone()
    }
}

#[derive(Default)]
struct Registry {
    by_id: HashMap<Uuid, Arc<TenantCell>>,
    by_domain: HashMap<String, Uuid>,
    order: Vec<Uuid>,
}

#[derive(Default)]
pub struct Store {
    reg: RwLock<Registry>,
}

impl Store {
    pub fn create_tenant(
        &self,
        now: i64,
        spec: TenantSpec,
        consent: Option<Consent>,
    ) -> SimResult<Arc<TenantCell>> {
        let id = spec.id.unwrap_or_else(Uuid::new_v4);
        let name = if spec.display_name.trim().is_empty() {
            format!("Tenant {}", &id.to_string()[..8])
        } else {
            spec.display_name.trim().to_string()
        };
        let mut domains: Vec<String> = spec
            .domains
            .iter()
            .map(|d| d.trim().to_lowercase())
            .collect();
        if domains.is_empty() {
            let slug: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_lowercase();
            domains.push(format!(
                "{}.onmicrosoft.com",
                if slug.is_empty() { "tenant" } else { &slug }
            ));
        }
        for d in &domains {
            if !crate::identity::tenant::is_dns_name(d) {
                return Err(SimError::BadRequest(format!(
                    "{d:?} is not a valid domain name"
                )));
            }
        }
        let mut reg = self.reg.write();
        if reg.by_id.contains_key(&id) {
            return Err(SimError::Conflict(format!("tenant {id} already exists")));
        }
        if let Some(d) = domains.iter().find(|d| reg.by_domain.contains_key(*d)) {
            return Err(SimError::Conflict(format!(
                "domain {d} is already verified by another tenant"
            )));
        }
        let cell = Arc::new(TenantCell {
            meta: RwLock::new(TenantMeta {
                id,
                display_name: name,
                domains: domains.clone(),
                size_class: spec.size_class,
                region_scope: spec.region_scope.unwrap_or_else(|| "WW".into()),
                created: now,
            }),
            dir: RwLock::new(Directory::default()),
            control: Mutex::new(TenantControl {
                consent,
                faults: TenantFaults::default(),
                rng: SplitMix(id.as_u64_pair().0),
            }),
            delta_plans: Default::default(),
        });
        for d in domains {
            reg.by_domain.insert(d, id);
        }
        reg.by_id.insert(id, cell.clone());
        reg.order.push(id);
        Ok(cell)
    }

    pub fn get(&self, id: &Uuid) -> Option<Arc<TenantCell>> {
        self.reg.read().by_id.get(id).cloned()
    }

    /// By GUID or verified domain (case-insensitive).
    pub fn resolve(&self, key: &str) -> Option<Arc<TenantCell>> {
        let reg = self.reg.read();
        let id = match parse_guid(key) {
            Some(id) => id,
            None => *reg.by_domain.get(&key.to_lowercase())?,
        };
        reg.by_id.get(&id).cloned()
    }

    pub fn require(&self, key: &str) -> SimResult<Arc<TenantCell>> {
        self.resolve(key)
            .ok_or_else(|| SimError::NotFound(format!("tenant {key}")))
    }

    pub fn all(&self) -> Vec<Arc<TenantCell>> {
        let reg = self.reg.read();
        reg.order
            .iter()
            .filter_map(|id| reg.by_id.get(id).cloned())
            .collect()
    }
}
