//! Directory objects as the simulator stores them.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

use super::faults::UserFaults;

/// A user record. Slab-indexed inside its tenant's [`Directory`](super::Directory); the index never changes,
/// a hard-deleted user stays as a tombstone (`purged`) so delta can still report its id.
#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub upn: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub mail: Option<String>,
    pub mail_nickname: String,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub mobile_phone: Option<String>,
    pub business_phones: Vec<String>,
    pub preferred_language: Option<String>,
    pub employee_id: Option<String>,
    pub account_enabled: bool,
    pub user_type: String,
    pub created: i64,
    /// Soft-deleted at (restorable).
    pub deleted_at: Option<i64>,
    /// Hard-deleted: only `id` is meaningful any more.
    pub purged: bool,
    /// Direct memberships (group slab indices).
    pub member_of: Vec<u32>,
    pub faults: UserFaults,
}

impl User {
    pub fn is_live(&self) -> bool {
        !self.purged && self.deleted_at.is_none()
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    pub mail: Option<String>,
    pub mail_nickname: String,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub unified: bool,
    pub visibility: Option<String>,
    pub created: i64,
    pub deleted_at: Option<i64>,
    pub purged: bool,
    /// Members in insertion order, keyed by a per-group sequence (stable paging cursor).
    pub members: BTreeMap<u64, MemberRef>,
    pub member_pos: HashMap<MemberRef, u64>,
    pub next_member_seq: u64,
    pub member_of: Vec<u32>,
}

impl Group {
    pub fn is_live(&self) -> bool {
        !self.purged && self.deleted_at.is_none()
    }

    pub fn group_types(&self) -> &'static [&'static str] {
        if self.unified { &["Unified"] } else { &[] }
    }
}

/// A membership edge target: a user or a group, by slab index.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberRef {
    User(u32),
    Group(u32),
}

/// The kinds of group the control API creates.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// securityEnabled, not mail-enabled.
    #[default]
    Security,
    /// Microsoft 365 group: groupTypes ["Unified"], mail-enabled, not security-enabled.
    M365,
    /// Mail-enabled security group.
    MailSecurity,
    /// Distribution list: mail-enabled, not security-enabled.
    Distribution,
}

/// Tenant size class, which selects the RU limit per (app, tenant).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Small,
    Medium,
    Large,
}

impl SizeClass {
    pub fn for_user_count(n: usize) -> Self {
        if n < 50 {
            SizeClass::Small
        } else if n <= 500 {
            SizeClass::Medium
        } else {
            SizeClass::Large
        }
    }

    /// Resource units per 10 seconds (§6.2).
    pub fn ru_limit(self) -> u32 {
        match self {
            SizeClass::Small => 3_500,
            SizeClass::Medium => 5_000,
            SizeClass::Large => 8_000,
        }
    }
}
