//! Validation tokens: each validation email carries a new one (a link and a code), which
//! replaces any earlier one of the registration.

use crate::domain::token::validation_link;
use crate::domain::{EmailKind, TokenState, local_time};
use crate::emails::{CODE_PLACEHOLDER, LINK_TOKEN_PLACEHOLDER, ValidationEmail};
use crate::error::Result;
use crate::outbox::{self, NewEmail};
use crate::security;
use crate::store::db_time;
use crate::store::rows::RegistrationRow;
use crate::sync::payload::TokenPayload;
use crate::work::Work;
use chrono::{DateTime, Duration, Utc};
use sqlx::SqliteConnection;

/// Whether the registration may already have had a validation email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EarlierEmails {
    /// A registration created in this very transaction: nothing to replace, and two
    /// statements (two trips to the driver's thread) spared at the desk.
    None,
    /// A resend, a corrected address: the live token and any unsent email are replaced.
    Replace,
}

/// Supersedes the registration's live validation token and any validation email not yet
/// sent (see [`EarlierEmails`]), then creates a new token and queues its email. Inside
/// the caller's transaction.
/// The token's instants are on this station's clock (the push moves them onto the central
/// one); the expiry the affiliate reads is on the institute's clock when it is known.
pub(crate) async fn issue_validation_email(
    work: &mut Work,
    registration: &RegistrationRow,
    earlier: EarlierEmails,
) -> Result<DateTime<Utc>> {
    let now = work.now();
    if earlier == EarlierEmails::Replace {
        supersede_active(work.conn(), &registration.id).await?;
        outbox::cancel_unsent(
            work.conn(),
            &registration.id,
            Some(EmailKind::Validation),
            now,
        )
        .await?;
    }
    let settings = work.settings();

    let token_id = uuid::Uuid::new_v4().to_string();
    let link_token = security::new_link_token();
    let code = security::new_code();
    let expires_at = now + Duration::hours(i64::from(settings.validation_ttl_hours));
    let link = validation_link(&settings.link_base_url, LINK_TOKEN_PLACEHOLDER);
    let rendered = ValidationEmail {
        name: registration
            .full_name
            .as_deref()
            .unwrap_or("afiliada o afiliado"),
        folio: &registration.folio,
        link: &link,
        code: Some(CODE_PLACEHOLDER),
        expires: &local_time(
            &work
                .central_offset()
                .map_or(expires_at, |o| o.to_central(expires_at)),
        ),
    }
    .render()?;
    let token = TokenPayload {
        link_sha256: security::sha256_hex(&link_token),
        code_sha256: security::code_hash(&token_id, &code),
        id: token_id,
        registration_id: registration.id.clone(),
        state: TokenState::Active,
        created_at: now,
        expires_at,
    };
    token.insert(work.conn()).await?;
    work.share(&token).await?;
    work.email(NewEmail {
        registration_id: &registration.id,
        kind: EmailKind::Validation,
        recipient: &registration.email,
        rendered,
        secrets: vec![
            (LINK_TOKEN_PLACEHOLDER, link_token),
            (CODE_PLACEHOLDER, code),
        ],
    })
    .await?;
    Ok(expires_at)
}

/// The registration's live token stops working (a newer email, or the registration closed).
pub(crate) async fn supersede_active(
    conn: &mut SqliteConnection,
    registration_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE validation_tokens SET state = ? WHERE registration_id = ? AND state = ?")
        .bind(TokenState::Superseded)
        .bind(registration_id)
        .bind(TokenState::Active)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the token used, if it still is live: the state guard makes a concurrent second
/// validation of the same token a no-op. Whether this call was the one that claimed it.
pub(crate) async fn claim(
    conn: &mut SqliteConnection,
    token_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let claimed = sqlx::query(
        "UPDATE validation_tokens SET state = ?, used_at = ? WHERE id = ? AND state = ?",
    )
    .bind(TokenState::Used)
    .bind(db_time(now))
    .bind(token_id)
    .bind(TokenState::Active)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}
