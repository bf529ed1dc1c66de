//! The console's cookies: `pa_console` (the session) and `pa_console_signin` (the pre-session of
//! a sign-in in progress). HttpOnly, SameSite=Lax (so they come back on the top-level redirect
//! from Microsoft), Secure unless `console.cookie_secure` is off (plain-http local stack).

use actix_web::cookie::{Cookie, SameSite, time::Duration};

/// The pre-session cookie of a sign-in in progress.
pub const SIGNIN_COOKIE: &str = "pa_console_signin";

pub fn build(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age_secs: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::seconds(max_age_secs))
        .finish()
}

/// A cookie that removes `name`.
pub fn clear(name: &'static str, path: &'static str, secure: bool) -> Cookie<'static> {
    build(name, String::new(), path, 0, secure)
}
