//! The prerequisites checklist (setup guide, "Prepare Microsoft Entra ID"), built once from
//! the configuration.

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Settings;

/// Microsoft Graph permissions the application requests, as the consent page names them.
pub const PERMISSIONS: [(&str, &str, PermissionKind); 4] = [
    (
        "Read directory data",
        "Directory.Read.All",
        PermissionKind::Application,
    ),
    (
        "Read all groups",
        "Group.Read.All",
        PermissionKind::Application,
    ),
    (
        "Sign in and read user profile",
        "User.Read",
        PermissionKind::Delegated,
    ),
    (
        "Read all users' full profiles",
        "User.Read.All",
        PermissionKind::Application,
    ),
];

/// The application permissions an app token must carry to prove the grant (the delegated
/// one cannot show in an app token; admin consent to `/.default` grants it with the rest).
pub const REQUIRED_ROLES: [&str; 3] = ["Directory.Read.All", "Group.Read.All", "User.Read.All"];

/// The directory roles that can grant admin consent to Microsoft Graph application permissions.
pub const CONSENT_ROLES: [&str; 2] = ["Global Administrator", "Privileged Role Administrator"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    /// An app role: used by Patient Access's background sync.
    Application,
    /// Used on behalf of a signed-in user.
    Delegated,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PermissionOut {
    /// As Microsoft's consent page shows it.
    pub name: &'static str,
    /// The Microsoft Graph permission.
    pub graph_permission: &'static str,
    pub kind: PermissionKind,
}

/// One thing to do in Entra ID before (or during) the wizard.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChecklistItem {
    /// `named_locations`, `mfa_trusted_ips`, `admin_group`, `consent_role`,
    /// `conditional_access`.
    pub id: &'static str,
    pub title: &'static str,
    pub instructions: String,
    /// Values to enter (IP ranges, the application's name and id, role names).
    pub values: Vec<String>,
}

/// What the customer's IT admin needs in place.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PrerequisitesOut {
    /// The static egress IP ranges Patient Access calls Microsoft from.
    pub egress_ips: Vec<String>,
    /// The machine-readable list of those ranges.
    pub egress_manifest_url: Option<String>,
    /// The application to exclude from Conditional Access policies that require MFA.
    pub application_name: String,
    pub application_id: String,
    /// Roles that can grant the consent.
    pub consent_roles: Vec<&'static str>,
    /// The permissions Microsoft will ask to grant.
    pub permissions: Vec<PermissionOut>,
    pub checklist: Vec<ChecklistItem>,
}

impl PrerequisitesOut {
    pub fn from_settings(s: &Settings) -> Self {
        let ips: Vec<String> = s.egress.cidrs.iter().map(ToString::to_string).collect();
        let app = s.wizard.application_name.clone();
        let app_id = s.entra.client_id.clone();
        let checklist = vec![
            ChecklistItem {
                id: "named_locations",
                title: "Add the Patient Access IP addresses as a trusted named location",
                instructions: "In Microsoft Entra ID, go to Security > Named locations, select \
                    + IP ranges location, name it, select Mark as trusted location, add these \
                    ranges and click Create."
                    .into(),
                values: ips.clone(),
            },
            ChecklistItem {
                id: "mfa_trusted_ips",
                title: "Add the same addresses to the MFA trusted IPs",
                instructions: "If users are in per-user multifactor authentication, go to \
                    Security > Named locations > Configure multifactor authentication trusted \
                    IPs and add these ranges."
                    .into(),
                values: ips.clone(),
            },
            ChecklistItem {
                id: "admin_group",
                title: "Create a security group for Patient Access administrators",
                instructions: "Create a security group (for example \"Patient Access Admins\") \
                    with at least one member; you choose it in the wizard."
                    .into(),
                values: Vec::new(),
            },
            ChecklistItem {
                id: "consent_role",
                title: "Sign in to Microsoft as an administrator who can grant consent",
                instructions: "The permission step needs a Global Administrator or Privileged \
                    Role Administrator of your tenant."
                    .into(),
                values: CONSENT_ROLES.iter().map(|r| (*r).to_owned()).collect(),
            },
            ChecklistItem {
                id: "conditional_access",
                title: "Exclude Patient Access from Conditional Access policies that require MFA",
                instructions: format!(
                    "In Microsoft Entra ID, go to Security > Conditional Access; in every \
                     policy that requires MFA for Patient Access users, add {app} under Cloud \
                     apps or actions > Cloud apps > Exclude. The pre-flight step checks this."
                ),
                values: vec![app.clone(), app_id.clone()],
            },
        ];
        Self {
            egress_ips: ips,
            egress_manifest_url: s.egress.manifest_url.as_ref().map(ToString::to_string),
            application_name: app,
            application_id: app_id,
            consent_roles: CONSENT_ROLES.to_vec(),
            permissions: PERMISSIONS
                .iter()
                .map(|(name, graph_permission, kind)| PermissionOut {
                    name,
                    graph_permission,
                    kind: *kind,
                })
                .collect(),
            checklist,
        }
    }
}
