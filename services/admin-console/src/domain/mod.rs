//! Typed values of the console: tenant-bearing secrets (session cookies, sign-in states, API
//! tokens), TOTP, sealed secrets, settings, cursors.

pub mod cursor;
pub mod sealing;
pub mod secret;
pub mod settings;
pub mod totp;

pub use cursor::Cursor;
pub use pa_events::AccessRole;
pub use secret::{SecretHash, TenantSecret};
pub use settings::{SettingsPatch, TenantSettings};
