//! Typed values of the wizard: parsed once at the edge, trusted afterwards.

mod checks;
mod client_addr;
mod consent_state;
mod secret;
mod session_cookie;
mod setup_token;
mod step;
mod upn;

pub use checks::{Attention, CheckName, PreflightCheck};
pub use client_addr::ClientAddrResolver;
pub use consent_state::ConsentState;
pub use secret::TokenHash;
pub use session_cookie::{COOKIE_NAME, CsrfToken, SessionCookie};
pub use setup_token::SetupToken;
pub use step::Step;
pub use upn::{Upn, UpnError};
