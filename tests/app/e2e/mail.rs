//! The emails the app sent: read from the station's folder of emails or from a real SMTP
//! server's mailbox, through the support crate's one `wait_for`.

use super::harness::{Harness, WAIT};
use registro_test_support::mail::{eml_files, wait_for};
use registro_test_support::smtp_server::SmtpServer;

/// The body of the email to `to` whose text contains `containing`, waiting for the worker
/// to write it to the station's folder of emails (no SMTP server configured).
pub async fn wait_for_email(h: &Harness, to: &str, containing: &str) -> String {
    let dir = h.data.path().join("correos");
    wait_for(|| eml_files(&dir), to, containing, 1, WAIT).await
}

/// The body of the newest message the SMTP server accepted for `to` with `containing`,
/// once it holds `at_least` of them.
pub async fn wait_for_smtp(
    server: &SmtpServer,
    to: &str,
    containing: &str,
    at_least: usize,
) -> String {
    wait_for(|| server.received_files(), to, containing, at_least, WAIT).await
}

/// What follows `label` on its line of an email's text: a code, a link's token, a password.
pub fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} not in email"))
        + label.len();
    text[at..].lines().next().unwrap().trim()
}
