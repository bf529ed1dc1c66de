//! The per-tenant change log that feeds delta. Append-only; sequence numbers start at 1 and grow by one.

use super::model::MemberRef;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Any change to a user (create, update, disable, soft/hard delete, restore, UPN rename).
    User(u32),
    /// Any change to a group's own properties, or its creation/deletion.
    Group(u32),
    MemberAdded {
        group: u32,
        member: MemberRef,
    },
    MemberRemoved {
        group: u32,
        member: MemberRef,
    },
}

#[derive(Copy, Clone, Debug)]
pub struct Change {
    /// Sim-clock seconds when the change happened (for the visibility-delay knob).
    pub at: i64,
    pub kind: ChangeKind,
}

#[derive(Default, Debug)]
pub struct ChangeLog {
    entries: Vec<Change>,
}

impl ChangeLog {
    pub fn push(&mut self, at: i64, kind: ChangeKind) -> u64 {
        self.entries.push(Change { at, kind });
        self.entries.len() as u64
    }

    /// Sequence number of the last change (0 = none yet).
    pub fn head(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Head as visible to delta when changes younger than `delay` seconds are hidden.
    pub fn visible_head(&self, now: i64, delay: u64) -> u64 {
        if delay == 0 {
            return self.head();
        }
        let cutoff = now - delay as i64;
        // `at` is non-decreasing except when a test rewinds nothing; partition_point needs monotone input,
        // which holds because the sim clock only moves forward.
        self.entries.partition_point(|c| c.at <= cutoff) as u64
    }

    /// Changes with sequence in `(after, upto]`.
    pub fn range(&self, after: u64, upto: u64) -> &[Change] {
        let len = self.entries.len() as u64;
        let lo = after.min(len) as usize;
        let hi = upto.min(len) as usize;
        if lo >= hi { &[] } else { &self.entries[lo..hi] }
    }
}
