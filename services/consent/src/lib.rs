//! The consent service (being built).
