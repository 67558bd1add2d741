//! The affiliate's account: made at validation with a temporary password, replaced when
//! the affiliate loses it. The plaintext only ever travels in the email.

use crate::config::Settings;
use crate::domain::EmailKind;
use crate::emails::{PASSWORD_PLACEHOLDER, RenderedEmail, TemporaryPasswordEmail};
use crate::error::Result;
use crate::outbox::{self, NewEmail};
use crate::security;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

/// A fresh temporary password: the plaintext (it only travels in the email), its
/// argon2id hash (computed off the async threads) and the email, with a placeholder
/// where the password goes.
pub struct TemporaryPassword {
    pub plaintext: String,
    pub hash: String,
    pub email: RenderedEmail,
}

pub async fn new_temporary_password(
    full_name: Option<&str>,
    folio: &str,
    username: &str,
) -> Result<TemporaryPassword> {
    let plaintext = security::new_temporary_password();
    let hash = security::hash_off_thread(plaintext.clone()).await?;
    let email = TemporaryPasswordEmail {
        name: full_name.unwrap_or("afiliada o afiliado"),
        folio,
        username,
    }
    .render()?;
    Ok(TemporaryPassword {
        plaintext,
        hash,
        email,
    })
}

/// Queues the temporary-password email inside the caller's transaction.
pub(crate) async fn queue_temporary_password(
    tx: &mut SqliteConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    registration_id: &str,
    recipient: &str,
    password: TemporaryPassword,
) -> Result<()> {
    outbox::enqueue(
        tx,
        settings,
        now,
        NewEmail {
            registration_id,
            kind: EmailKind::TemporaryPassword,
            recipient,
            rendered: password.email,
            secrets: vec![(PASSWORD_PLACEHOLDER, password.plaintext)],
        },
    )
    .await?;
    Ok(())
}
