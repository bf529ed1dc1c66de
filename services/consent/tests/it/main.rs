//! Integration tests of the consent service: the real service on a pre-bound port, real
//! PostgreSQL (`PA_TEST_DATABASE`), real RabbitMQ, an in-process Entra simulator and SMTP sink.

mod browser;
mod bus;
mod consent;
mod directory;
mod faults;
mod helpers;
mod openapi;
mod people;
mod purge;
mod race;
mod sim;
mod start;
mod wizard;
