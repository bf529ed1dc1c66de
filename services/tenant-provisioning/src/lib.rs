//! The tenant-provisioning service: the vendor's operators provision customer tenants,
//! manage their lifecycle and send the setup links that start the customer's setup
//! wizard.
//!
//! Code tour: a request enters through [`routes`] (one module per resource; DTOs next to
//! their handlers), is authenticated by [`auth`], made retry-safe by [`idempotency`], and
//! runs a use case from [`service`] inside one transaction that writes the state change
//! ([`repo`]), its audit record (pa-audit) and its outbox event ([`events`]) together.
//! Errors become problem documents in [`error`]. [`startup`] wires everything, including
//! the outbox relay, the [setup-link mailer](email::setup_link_mailer) and the [`purge`]
//! worker.
//!
//! Setup e-mails never go out inside a request: issuing a link commits the link (only the
//! SHA-256 of its token) and a `tenant.setup_link_issued` event; the mailer consumes the
//! event, derives the token again with the HMAC key `setup_links.token_key` (derivation
//! and security argument: [`domain::SetupToken`]'s module) and sends the mail, recording
//! `email_sent_at`. So an SMTP outage delays mail but never blocks provisioning.
//!
//! The consent service's `setup.completed` makes a tenant `active` here ([`activation`]):
//! this service owns `tenants` and `setup_links`.

pub mod activation;
pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod domain;
pub mod email;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod openapi;
pub mod purge;
pub mod repo;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
mod timefmt;
