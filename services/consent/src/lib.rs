//! The consent service: the setup wizard's API, from the e-mailed setup link to a verified
//! Microsoft Entra ID grant, the first administrator, the admin groups and the first sync.
//!
//! Code tour: a request enters through [`routes`] (one module per resource; DTOs in
//! [`routes::dto`]), is authenticated by the wizard-session extractor ([`routes::auth`]:
//! cookie, CSRF, link still valid), and runs a step from [`service`]: input parsed into
//! [`domain`] types, Microsoft asked through pa-entra outside any transaction, then ONE
//! transaction that holds the wizard row's lock and writes the change ([`repo`]), its audit
//! record (pa-audit) and its events (pa-events types through the outbox). Errors become
//! problem documents in [`error`]. [`startup`] wires the HTTP server, the outbox relay and the
//! [admin-welcome mailer](mailer).
//!
//! Time is injected ([`clock`]) for session and consent-state expiry.

pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod domain;
pub mod error;
pub mod mailer;
pub mod openapi;
pub mod purge;
pub mod repo;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
