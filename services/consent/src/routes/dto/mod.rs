//! Request and response bodies.

mod inputs;
mod prerequisites;
mod role;
mod state;

pub use inputs::{
    AdminIn, ConsentRequestOut, DirectoryIn, GroupCandidateOut, GroupSearchOut, GroupSearchQuery,
    GroupsIn, StartIn, UserGroupIn,
};
pub use prerequisites::{
    CONSENT_ROLES, ChecklistItem, PERMISSIONS, PermissionKind, PermissionOut, PrerequisitesOut,
    REQUIRED_ROLES,
};
pub use role::Role;
pub use state::{
    AdminOut, CompletionOut, ConsentOut, ConsentStatus, DirectoryOut, GroupOut, GroupsOut,
    PreflightOut, PreflightStatus, SessionOut, StepOut, StepStatus, TenantOut, WizardStateOut,
    WizardStatus,
};
