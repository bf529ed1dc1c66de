//! The admin-console service: the API behind the Patient Access Admin Console.
//!
//! Code tour: a browser signs in with Entra ID ([`routes::signin`]: authorization code + PKCE,
//! `state` and `nonce` kept server-side, the ID token validated by pa-entra) and gets a
//! server-side session ([`auth`]: cookie `pa_console`, CSRF token, idle and absolute timeouts
//! checked on every request against the current role in the synced directory); partner tools use
//! tenant API tokens; break-glass accounts sign in with a secret and a TOTP code
//! ([`routes::emergency`]). Requests then run a use case from [`service`] in one transaction that
//! writes the change ([`repo`]), its audit record (pa-audit) and its event (pa-events, outbox).
//! What each role may do is one table: [`auth::Permission`]. [`consumer`] ends sessions when sync
//! deactivates a user, changes a role or a tenant is suspended, and seeds a tenant from
//! `setup.completed`; [`workers`] seal the audit chain, purge old audit records and sweep expired
//! sessions. [`startup`] wires it all.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod auth;
pub mod clock;
pub mod config;
pub mod consumer;
pub mod context;
pub mod domain;
pub mod error;
pub mod openapi;
pub mod repo;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
pub mod workers;
