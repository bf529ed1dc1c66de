//! The sync-dispatch service (being built).
