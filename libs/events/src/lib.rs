//! The events that cross service boundaries, as Rust types: the producer serialises them and
//! every consumer deserialises the very same type, so the wire contract
//! (`openapi/events.md`) has one definition in code.
//!
//! Events a service only publishes for itself or for operators' tooling stay in that
//! service (e.g. tenant-provisioning's `tenant.*` events, which consumers read with the
//! small views in [`tenant`]).
//!
//! Rules (see `openapi/events.md`): `tenant_id` is in the envelope and repeated in `data`;
//! no event carries a token, secret, setup link or session id; consumers ignore unknown
//! fields, so fields may be added; where order matters `data` carries a `version`.

mod access;
mod consent;
mod role;
mod sync;
pub mod tenant;
mod user;

pub use access::{AccessConfigChanged, ConfiguredGroup, DirectAssignment, TenantSettingsChanged};
pub use consent::{ConsentGranted, InitialAdmin, SetupCompleted};
pub use role::{AccessRole, UnknownRole};
pub use sync::{
    DirectoryNeedsAttention, EmergencyAccessUsed, HoldDecision, SyncHoldDecided, SyncKind,
    SyncRequested, SyncRunFinished, SyncRunOutcome,
};
pub use user::{DeactivationReason, UserActivated, UserDeactivated, UserRoleChanged};

#[cfg(test)]
mod tests;
