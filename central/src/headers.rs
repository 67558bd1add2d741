//! The headers every response of the service carries, pages, stylesheet, API and errors
//! alike: no script at all, styles only from our own stylesheet, forms only to ourselves,
//! never in a frame, never cached (a page may hold a token or a folio), never a Referer
//! (the link's token is in the address).

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// `default-src 'none'` forbids every script, inline or not; the pages have none.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (HeaderName::from_static("x-robots-tag"), "noindex, nofollow"),
];

/// Middleware: sets the headers on whatever the handler (or axum itself) answered.
pub async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
