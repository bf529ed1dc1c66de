//! The admin-console service (being built).
