//! Reading the mail the tests' servers received or the app wrote to its folder of emails,
//! as the affiliate would read it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The `.eml` files in `dir` (the server's mailbox, or the app's folder of emails when no
/// SMTP server is configured), sorted by name; none if the folder does not exist yet.
/// A message still being written is not one of them: the test server writes it as
/// `.NNNNNN.eml` and renames it when whole, and that name sorts before every other, so
/// counting it made "the newest message" an older one.
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// One email as the affiliate would read it.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

impl Email {
    pub fn read(path: &Path) -> Email {
        Email::try_read(path).expect("a readable, parsable email")
    }

    /// `None` for a file that cannot be read or parsed yet (one still being written).
    pub fn try_read(path: &Path) -> Option<Email> {
        let raw = std::fs::read(path).ok()?;
        let msg = mail_parser::MessageParser::default().parse(&raw)?;
        Some(Email {
            to: msg
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned(),
            subject: msg.subject().unwrap_or_default().to_owned(),
            text: msg.body_text(0).unwrap_or_default().into_owned(),
            html: msg.body_html(0).unwrap_or_default().into_owned(),
            message_id: msg.message_id().unwrap_or_default().to_owned(),
        })
    }

    /// The 6-digit code after "código de validación:".
    pub fn validation_code(&self) -> String {
        let at = self
            .text
            .find("código de validación: ")
            .expect("a code in the email")
            + "código de validación: ".len();
        self.text[at..at + 6].to_owned()
    }

    pub fn link(&self) -> String {
        self.text
            .lines()
            .find(|l| l.starts_with("https://") || l.starts_with("http://"))
            .expect("a link")
            .trim()
            .to_owned()
    }

    /// The token at the end of the validation link.
    pub fn link_token(&self) -> String {
        self.link()
            .rsplit('=')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn temporary_password(&self) -> String {
        let line = self
            .text
            .lines()
            .find(|l| l.starts_with("Contraseña temporal: "))
            .expect("a password line");
        line["Contraseña temporal: ".len()..].trim().to_owned()
    }
}

/// The text of the newest email to `to` whose text contains `containing` (any email to
/// `to` if it is empty) among the `.eml` files that `files` lists, once there are at least
/// `at_least` such emails. Fails the test after `timeout`.
///
/// Every test that waits for mail waits here. It sleeps on the tokio timer, not the thread:
/// the service that sends the mail may run on the waiting test's own runtime.
pub async fn wait_for(
    files: impl Fn() -> Vec<PathBuf>,
    to: &str,
    containing: &str,
    at_least: usize,
    timeout: Duration,
) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        // A file still being written does not parse yet: skip it, it is read next round.
        let mut matching: Vec<String> = files()
            .iter()
            .filter_map(|p| Email::try_read(p))
            .filter(|e| e.to == to && e.text.contains(containing))
            .map(|e| e.text)
            .collect();
        if matching.len() >= at_least.max(1) {
            return matching.pop().expect("at least one");
        }
        assert!(
            Instant::now() < deadline,
            "{} of {at_least} emails to {to} with {containing:?}",
            matching.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's message still being written (renamed when whole) is not yet mail.
    #[test]
    fn a_message_still_being_written_is_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("000001.eml"), "primero").unwrap();
        std::fs::write(dir.path().join(".000002.eml"), "a medio escribir").unwrap();
        assert_eq!(eml_files(dir.path()), vec![dir.path().join("000001.eml")]);
    }
}
