//! [`Step`]: the wizard's steps, in order.

use serde::Serialize;
use utoipa::ToSchema;

/// A wizard step, in the order the setup guide gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Enter the Entra tenant ID or a verified domain.
    Directory,
    /// Grant admin consent at Microsoft ("Continue to Microsoft Authentication").
    Consent,
    /// Exercise the grant: organization, users, groups.
    Preflight,
    /// Name the initial Patient Access administrator.
    Admin,
    /// Choose the admin groups (and optional user groups).
    Groups,
    /// Commit the configuration.
    Finish,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 6] = [
        Step::Directory,
        Step::Consent,
        Step::Preflight,
        Step::Admin,
        Step::Groups,
        Step::Finish,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Directory => "directory",
            Step::Consent => "consent",
            Step::Preflight => "preflight",
            Step::Admin => "admin",
            Step::Groups => "groups",
            Step::Finish => "finish",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
