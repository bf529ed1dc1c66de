//! entra-sim: a stateful Microsoft Entra ID + Microsoft Graph simulator (issue 3).
//!
//! Boot it in a test with [`Simulator::start`] and drive it through the returned [`SimHandle`] (or over HTTP under
//! `/_sim`). The specification is `shared/reference/entra-graph.md`; the README documents every knob.
//!
//! Code tour: `identity/` is the STS (discovery, consent, authorize, token), `graph/` the Graph v1.0 surface
//! (one dispatcher in `graph/mod.rs`), `store/` the directories and their change log, `throttle.rs` the RU
//! buckets, `control/` the test API, `generator.rs`/`demo.rs` the data builders.

pub mod clock;
pub mod config;
pub mod control;
pub mod demo;
pub mod error;
pub mod generator;
pub mod graph;
mod handle;
mod handle_control;
pub mod identity;
pub mod keys;
mod server;
pub mod state;
pub mod store;
pub mod throttle;
mod tls;
pub mod util;

pub use clock::SimClock;
pub use config::{AppOverrides, AppRegistration, HttpsConfig, SimConfig};
pub use control::ops::TenantInfo;
pub use demo::{DEMO_ADMIN_UPN, DEMO_DOMAIN, DEMO_TENANT_ID};
pub use error::{SimError, SimResult};
pub use generator::GenerateSpec;
pub use handle::SimHandle;
pub use server::Simulator;
pub use store::faults::{TenantFaults, UserFaults};
pub use store::input::{GroupInfo, GroupPatch, NewGroup, NewUser, TenantSpec, UserInfo, UserPatch};
pub use store::model::{GroupKind, SizeClass};
pub use throttle::ThrottleStatus;
