//! E-mail: the SMTP path is pa-mail's ([`Mailer`], shared with the consent service); this
//! module holds the setup-link template and the [`setup_link_mailer`] that sends setup
//! links off the request path.

pub mod setup_link_mailer;
mod template;

pub use pa_mail::{EmailError, Mailer, Rendered, deliverable};
pub use template::SetupEmail;
