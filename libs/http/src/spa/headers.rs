//! The security headers of every SPA response.

use actix_web::HttpResponseBuilder;
use actix_web::http::header::{
    CONTENT_SECURITY_POLICY, HeaderName, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};

/// Only this origin's scripts, styles, images, fonts and connections; no inline script or style
/// elements (no `'unsafe-inline'`), no plugins, no `<base>`, forms post only here, and no page may
/// frame the SPA.
pub const DEFAULT_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

pub(super) fn security(res: &mut HttpResponseBuilder, csp: &str) {
    res.insert_header((CONTENT_SECURITY_POLICY, csp))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((REFERRER_POLICY, "no-referrer"))
        .insert_header((X_FRAME_OPTIONS, "DENY"))
        .insert_header((CROSS_ORIGIN_OPENER_POLICY, "same-origin"));
}
