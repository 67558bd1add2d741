//! Validating a registration with the code from the email (at the desk) or with the
//! link's token (the central service): single use, expiring, a few wrong tries at most.
//! Success creates the account with a temporary password and queues its email.

use crate::affiliate_account::{new_temporary_password, queue_temporary_password};
use crate::desk::Desk;
use crate::domain::registration::parse_folio;
use crate::domain::token::{TokenFacts, judge, parse_code, parse_link_token};
use crate::domain::{EventKind, RegistrationState, TokenState, ValidationMethod};
use crate::error::{Error, Result};
use crate::security;
use crate::store::db_time;
use crate::store::rows::{RegistrationRow, TokenRow};
use crate::sync::payload::AccountPayload;
use crate::tokens;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValidationOutcome {
    pub registration_id: String,
    pub folio: String,
    pub username: String,
    pub email_masked: String,
    pub validated_at: DateTime<Utc>,
}

impl Desk {
    /// Validates the registration `folio` with the code the affiliate read from the email.
    pub async fn validate_with_code(&self, folio: &str, code: &str) -> Result<ValidationOutcome> {
        let clerk = self.current_clerk()?;
        let (folio, code) = match (parse_folio(folio), parse_code(code)) {
            (Ok(f), Ok(c)) => (f, c),
            (f, c) => return Err(Error::Fields(f.err().into_iter().chain(c.err()).collect())),
        };
        self.expire_overdue().await?;
        let now = self.clock.now();
        let registration = RegistrationRow::by_folio(self.store.reader(), &folio).await?;
        let token = TokenRow::latest_of(self.store.reader(), &registration.id).await?;
        let token = check_token_usable(&registration, token, now)?;
        if !security::digests_equal(&security::code_hash(&token.id, &code), &token.code_sha256) {
            if self.is_superseded_code(&registration.id, &code).await? {
                return Err(Error::CodeSuperseded);
            }
            return Err(self
                .record_wrong_code(&registration, &token, now, &clerk.username)
                .await?);
        }
        self.complete_validation(
            registration,
            token,
            now,
            ValidationMethod::CodeAtDesk,
            Actor::Staff(clerk.username),
        )
        .await
    }

    /// Validates with the token from the email's link (what the central service calls).
    /// Used, expired, superseded and unknown links each get their own error.
    pub async fn validate_with_link(&self, token: &str) -> Result<ValidationOutcome> {
        let token = parse_link_token(token).ok_or(Error::LinkUnknown)?;
        self.expire_overdue().await?;
        let now = self.clock.now();
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT t.id, r.folio FROM validation_tokens t JOIN registrations r ON r.id = t.registration_id
              WHERE t.link_sha256 = ?",
        )
        .bind(security::sha256_hex(&token))
        .fetch_optional(self.store.reader())
        .await?;
        let Some((token_id, folio)) = found else {
            return Err(Error::LinkUnknown);
        };
        let registration = RegistrationRow::by_folio(self.store.reader(), &folio).await?;
        let token = TokenRow::by_id(self.store.reader(), &token_id).await?;
        if registration.state == RegistrationState::PendingValidation
            && token
                .as_ref()
                .is_some_and(|t| t.state == TokenState::Superseded)
        {
            return Err(Error::LinkSuperseded);
        }
        // Only this link's own token can validate: an older link never borrows a newer one.
        let token = check_token_usable(&registration, token, now)?;
        self.complete_validation(
            registration,
            token,
            now,
            ValidationMethod::Link,
            Actor::AffiliateLink,
        )
        .await
    }

    /// Whether `code` belongs to an earlier, replaced validation email of the registration.
    async fn is_superseded_code(&self, registration_id: &str, code: &str) -> Result<bool> {
        let replaced: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, code_sha256 FROM validation_tokens WHERE registration_id = ? AND state = ?",
        )
        .bind(registration_id)
        .bind(TokenState::Superseded)
        .fetch_all(self.store.reader())
        .await?;
        Ok(replaced
            .iter()
            .any(|(id, hash)| security::digests_equal(&security::code_hash(id, code), hash)))
    }

    async fn record_wrong_code(
        &self,
        registration: &RegistrationRow,
        token: &TokenRow,
        now: DateTime<Utc>,
        clerk: &str,
    ) -> Result<Error> {
        let mut work = self.work_at(Actor::Staff(clerk.to_owned()), now).await?;
        let max = i64::from(work.settings().max_code_attempts.max(1));
        let attempts: i64 = sqlx::query_scalar(
            "UPDATE validation_tokens
                SET failed_attempts = failed_attempts + 1,
                    state = CASE WHEN failed_attempts + 1 >= ?1 THEN ?2 ELSE state END
              WHERE id = ?3 RETURNING failed_attempts",
        )
        .bind(max)
        .bind(TokenState::Exhausted)
        .bind(&token.id)
        .fetch_one(work.conn())
        .await?;
        if attempts == max {
            work.event(
                &registration.id,
                EventKind::TokenExhausted,
                json!({ "token_id": token.id }),
            )
            .await?;
        }
        let action = if attempts >= max {
            "codigo_agotado"
        } else {
            "codigo_incorrecto"
        };
        work.audit(
            action,
            Subject::of(registration),
            json!({ "intento": attempts }),
        )
        .await?;
        work.commit().await?;
        Ok(if attempts >= max {
            Error::CodeExhausted
        } else {
            Error::CodeMismatch {
                remaining: u32::try_from(max - attempts).unwrap_or(0),
            }
        })
    }

    /// Marks the token used and the registration validated, creates the account with a
    /// fresh temporary password (only its argon2id hash is stored) and queues its email.
    async fn complete_validation(
        &self,
        registration: RegistrationRow,
        token: TokenRow,
        now: DateTime<Utc>,
        method: ValidationMethod,
        actor: Actor,
    ) -> Result<ValidationOutcome> {
        let username = registration.affiliation_number.clone();
        let password = new_temporary_password(
            registration.full_name.as_deref(),
            &registration.folio,
            &username,
            self.settings().sign_in_address().as_deref(),
        )
        .await?;
        let hash = password.hash.clone();

        let mut work = self.work_at(actor, now).await?;
        // Dropping the work rolls back: a second validation of the same token changes nothing.
        if !tokens::claim(work.conn(), &token.id, now).await? {
            return Err(Error::AlreadyValidated(now));
        }
        sqlx::query(
            "UPDATE registrations SET state = ?1, validated_at = ?2, updated_at = ?2
              WHERE id = ?3 AND state = ?4",
        )
        .bind(RegistrationState::Validated)
        .bind(db_time(now))
        .bind(&registration.id)
        .bind(RegistrationState::PendingValidation)
        .execute(work.conn())
        .await?;
        let account = AccountPayload {
            registration_id: registration.id.clone(),
            username: username.clone(),
            password_hash: hash,
            must_change_password: true,
            password_set_at: now,
        };
        account.insert(work.conn()).await?;
        // The account travels inside its event: offices cannot insert accounts centrally,
        // the database's own trigger creates it from this.
        work.event(
            &registration.id,
            EventKind::ValidatedAtDesk,
            json!({ "metodo": method, "cuenta": account.as_event_part() }),
        )
        .await?;
        queue_temporary_password(&mut work, &registration.id, &registration.email, password)
            .await?;
        work.audit(
            "registro_validado",
            Subject::of(&registration),
            json!({ "folio": registration.folio, "metodo": method }),
        )
        .await?;
        work.commit().await?;
        tracing::info!(registration_id = %registration.id, "registration validated");

        let email_masked = crate::domain::EmailAddress::mask_stored(&registration.email);
        Ok(ValidationOutcome {
            registration_id: registration.id,
            folio: registration.folio,
            username,
            email_masked,
            validated_at: now,
        })
    }
}

/// The token when the registration can still be validated with it; otherwise the reason.
fn check_token_usable(
    registration: &RegistrationRow,
    token: Option<TokenRow>,
    now: DateTime<Utc>,
) -> Result<TokenRow> {
    let facts = TokenFacts {
        folio: &registration.folio,
        registration_state: registration.state,
        validated_at: registration.validated_at,
        token_state: token.as_ref().map(|t| t.state),
        expires_at: token.as_ref().map(|t| t.expires_at),
        used_at: token.as_ref().and_then(|t| t.used_at),
    };
    judge(&facts, now)?;
    token.ok_or_else(|| Error::Internal("pending registration without a token".into()))
}
