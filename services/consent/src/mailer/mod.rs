//! The admin-welcome mailer: after finish, the initial administrator is mailed the admin
//! console's URL — off the request path, through pa-mail like tenant-provisioning's setup mail.

mod template;
mod welcome;

pub use template::WelcomeEmail;
pub use welcome::{CONSUMER, ROUTING_KEY, WelcomeMailer};
