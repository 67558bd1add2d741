//! The affiliate's account: made at validation with a temporary password, replaced when
//! the affiliate loses it. The plaintext only ever travels in the email.

use crate::domain::{EmailKind, EventKind};
use crate::emails::{PASSWORD_PLACEHOLDER, RenderedEmail, TemporaryPasswordEmail};
use crate::error::Result;
use crate::outbox::{self, NewEmail};
use crate::security;
use crate::store::db_time;
use crate::store::rows::RegistrationRow;
use crate::work::Work;
use serde_json::json;

/// A fresh temporary password: the plaintext (it only travels in the email), its
/// argon2id hash (computed off the async threads) and the email, with a placeholder
/// where the password goes.
pub struct TemporaryPassword {
    pub plaintext: String,
    pub hash: String,
    pub email: RenderedEmail,
}

/// `sign_in_url`: where the email tells the affiliate to sign in for the first time
/// ([`crate::config::Settings::sign_in_address`]).
pub async fn new_temporary_password(
    full_name: Option<&str>,
    folio: &str,
    username: &str,
    sign_in_url: Option<&str>,
) -> Result<TemporaryPassword> {
    let plaintext = security::new_temporary_password();
    let hash = security::hash_off_thread(plaintext.clone()).await?;
    let email = TemporaryPasswordEmail {
        name: full_name.unwrap_or("afiliada o afiliado"),
        folio,
        username,
        replaces_earlier: false,
    }
    .render_with_sign_in(sign_in_url)?;
    Ok(TemporaryPassword {
        plaintext,
        hash,
        email,
    })
}

/// Queues the temporary-password email inside the change.
pub(crate) async fn queue_temporary_password(
    work: &mut Work,
    registration_id: &str,
    recipient: &str,
    password: TemporaryPassword,
) -> Result<()> {
    work.email(NewEmail {
        registration_id,
        kind: EmailKind::TemporaryPassword,
        recipient,
        rendered: password.email,
        secrets: vec![(PASSWORD_PLACEHOLDER, password.plaintext)],
    })
    .await?;
    Ok(())
}

/// A new temporary password replaces the account's (lost, or known to someone else):
/// the old one stops working centrally too, and any unsent password email is cancelled.
pub(crate) async fn replace_password(
    work: &mut Work,
    registration: &RegistrationRow,
    password: TemporaryPassword,
) -> Result<()> {
    let now = work.now();
    sqlx::query(
        "UPDATE accounts SET password_hash = ?, must_change_password = 1, password_set_at = ?
          WHERE registration_id = ?",
    )
    .bind(&password.hash)
    .bind(db_time(now))
    .bind(&registration.id)
    .execute(work.conn())
    .await?;
    work.event(
        &registration.id,
        EventKind::PasswordReissued,
        json!({ "password_hash": password.hash }),
    )
    .await?;
    outbox::cancel_unsent(
        work.conn(),
        &registration.id,
        Some(EmailKind::TemporaryPassword),
        now,
    )
    .await?;
    queue_temporary_password(work, &registration.id, &registration.email, password).await
}
