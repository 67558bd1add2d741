//! Validating a registration with the code from the email (at the desk) or with the
//! link's token (the central service): single use, expiring, a few wrong tries at most.
//! Success creates the account with a temporary password and queues its email.

use crate::audit::{self, AuditEvent};
use crate::desk::Desk;
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::security;
use crate::store::db_time;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
pub struct ValidationOutcome {
    pub registration_id: String,
    pub folio: String,
    pub username: String,
    pub email_masked: String,
    pub validated_at: DateTime<Utc>,
}

/// A folio as typed: trimmed, upper-cased, inner spaces removed.
pub fn parse_folio(raw: &str) -> std::result::Result<String, FieldError> {
    let folio: String = raw.split_whitespace().collect::<String>().to_uppercase();
    if folio.is_empty() {
        return Err(FieldError::new(
            Field::Folio,
            "requerido",
            "Escriba el folio del registro.",
        ));
    }
    if folio.len() > 40 || !folio.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(FieldError::new(
            Field::Folio,
            "formato",
            "El folio es como RSL-261125-7K3QX9: letras, números y guiones.",
        ));
    }
    Ok(folio)
}

/// The 6-digit code as typed (spaces allowed between digits).
pub fn parse_code(raw: &str) -> std::result::Result<String, FieldError> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.is_empty() {
        return Err(FieldError::new(
            Field::Code,
            "requerido",
            "Escriba el código de 6 dígitos que llegó en el correo de validación.",
        ));
    }
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            Field::Code,
            "formato",
            "El código de validación tiene exactamente 6 dígitos.",
        ));
    }
    Ok(code)
}

#[derive(sqlx::FromRow)]
struct Pending {
    registration_id: String,
    folio: String,
    affiliation_number: String,
    email: String,
    state: String,
    validated_at: Option<DateTime<Utc>>,
    full_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Token {
    id: String,
    code_sha256: String,
    state: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

/// Who acts when the affiliate validates by the email's link: nobody at a desk.
const LINK_ACTOR: &str = "afiliado (enlace)";

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
        let registration = self.pending_by_folio(&folio).await?;
        let token = self.latest_token(&registration.registration_id).await?;
        let token = check_token_usable(&registration, token, now)?;
        if !security::digests_equal(&security::code_hash(&token.id, &code), &token.code_sha256) {
            if self
                .is_superseded_code(&registration.registration_id, &code)
                .await?
            {
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
            "codigo_en_ventanilla",
            &clerk.username,
        )
        .await
    }

    /// Validates with the token from the email's link (what the central service calls).
    /// Used, expired, superseded and unknown links each get their own error.
    pub async fn validate_with_link(&self, token: &str) -> Result<ValidationOutcome> {
        let token = token.trim().to_ascii_lowercase();
        if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::LinkUnknown);
        }
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
        let registration = self.pending_by_folio(&folio).await?;
        let token: Option<Token> = sqlx::query_as(
            "SELECT id, code_sha256, state, expires_at, used_at FROM validation_tokens WHERE id = ?",
        )
        .bind(&token_id)
        .fetch_optional(self.store.reader())
        .await?;
        if registration.state == "pendiente_validacion"
            && token.as_ref().is_some_and(|t| t.state == "reemplazado")
        {
            return Err(Error::LinkSuperseded);
        }
        // Only this link's own token can validate: an older link never borrows a newer one.
        let token = check_token_usable(&registration, token, now)?;
        self.complete_validation(registration, token, now, "enlace", LINK_ACTOR)
            .await
    }

    /// Whether `code` belongs to an earlier, replaced validation email of the registration.
    async fn is_superseded_code(&self, registration_id: &str, code: &str) -> Result<bool> {
        let replaced: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, code_sha256 FROM validation_tokens WHERE registration_id = ? AND state = 'reemplazado'",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;
        Ok(replaced
            .iter()
            .any(|(id, hash)| security::digests_equal(&security::code_hash(id, code), hash)))
    }

    async fn pending_by_folio(&self, folio: &str) -> Result<Pending> {
        sqlx::query_as(
            "SELECT r.id AS registration_id, r.folio, r.affiliation_number, r.email, r.state,
                    r.validated_at, a.full_name
               FROM registrations r
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE r.folio = ?",
        )
        .bind(folio)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or_else(|| Error::FolioNotFound(folio.to_owned()))
    }

    /// The live token, else the newest; newest by insertion order, never by the clock
    /// (a clock put right between two resends must not make the older one "newer").
    async fn latest_token(&self, registration_id: &str) -> Result<Option<Token>> {
        Ok(sqlx::query_as(
            "SELECT id, code_sha256, state, expires_at, used_at
               FROM validation_tokens WHERE registration_id = ?
              ORDER BY state = 'activo' DESC, rowid DESC LIMIT 1",
        )
        .bind(registration_id)
        .fetch_optional(self.store.reader())
        .await?)
    }

    async fn record_wrong_code(
        &self,
        registration: &Pending,
        token: &Token,
        now: DateTime<Utc>,
        clerk: &str,
    ) -> Result<Error> {
        let settings = self.settings();
        let max = i64::from(settings.max_code_attempts.max(1));
        let mut tx = self.store.writer().begin().await?;
        let attempts: i64 = sqlx::query_scalar(
            "UPDATE validation_tokens
                SET failed_attempts = failed_attempts + 1,
                    state = CASE WHEN failed_attempts + 1 >= ? THEN 'agotado' ELSE state END
              WHERE id = ? RETURNING failed_attempts",
        )
        .bind(max)
        .bind(&token.id)
        .fetch_one(&mut *tx)
        .await?;
        if attempts == max {
            crate::sync::enqueue_event(
                &mut tx,
                &registration.registration_id,
                "token_agotado",
                json!({ "token_id": token.id }),
                now,
            )
            .await?;
        }
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent::about(
                clerk,
                if attempts >= max {
                    "codigo_agotado"
                } else {
                    "codigo_incorrecto"
                },
                &registration.registration_id,
                &registration.affiliation_number,
                json!({ "intento": attempts }),
            ),
        )
        .await?;
        tx.commit().await?;
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
        registration: Pending,
        token: Token,
        now: DateTime<Utc>,
        method: &'static str,
        actor: &str,
    ) -> Result<ValidationOutcome> {
        let settings = self.settings();
        let username = registration.affiliation_number.clone();
        let password = crate::actions::new_temporary_password(
            registration.full_name.as_deref(),
            &registration.folio,
            &username,
        )
        .await?;
        let hash = password.hash.clone();

        let mut tx = self.store.writer().begin().await?;
        // The state guard makes a concurrent second validation of the same token a no-op.
        let claimed = sqlx::query(
            "UPDATE validation_tokens SET state = 'usado', used_at = ? WHERE id = ? AND state = 'activo'",
        )
        .bind(db_time(now))
        .bind(&token.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Err(Error::AlreadyValidated(now));
        }
        sqlx::query(
            "UPDATE registrations SET state = 'validada', validated_at = ?, updated_at = ?
              WHERE id = ? AND state = 'pendiente_validacion'",
        )
        .bind(db_time(now))
        .bind(db_time(now))
        .bind(&registration.registration_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO accounts (registration_id, username, password_hash, must_change_password, password_set_at)
             VALUES (?, ?, ?, 1, ?)",
        )
        .bind(&registration.registration_id)
        .bind(&username)
        .bind(&hash)
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
        crate::sync::enqueue_event(
            &mut tx,
            &registration.registration_id,
            "validado_en_ventanilla",
            json!({ "metodo": method }),
            now,
        )
        .await?;
        crate::sync::enqueue(
            &mut tx,
            crate::sync::Entity::Account,
            &format!("cuenta:{}", registration.registration_id),
            Some(&registration.registration_id),
            json!({
                "registration_id": registration.registration_id, "username": username,
                "password_hash": hash, "must_change_password": true, "password_set_at": now,
            }),
            now,
        )
        .await?;
        crate::actions::queue_temporary_password(
            &mut tx,
            &settings,
            now,
            &registration.registration_id,
            &registration.email,
            password,
        )
        .await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent::about(
                actor,
                "registro_validado",
                &registration.registration_id,
                &registration.affiliation_number,
                json!({ "folio": registration.folio, "metodo": method }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.outbox_wake.notify_one();
        tracing::info!(registration_id = %registration.registration_id, "registration validated");

        let email_masked = crate::domain::EmailAddress::mask_stored(&registration.email);
        Ok(ValidationOutcome {
            registration_id: registration.registration_id,
            folio: registration.folio,
            username,
            email_masked,
            validated_at: now,
        })
    }
}

/// The token when the registration can still be validated with it; otherwise the reason.
fn check_token_usable(
    registration: &Pending,
    token: Option<Token>,
    now: DateTime<Utc>,
) -> Result<Token> {
    let facts = TokenFacts {
        folio: &registration.folio,
        registration_state: &registration.state,
        validated_at: registration.validated_at,
        token_state: token.as_ref().map(|t| t.state.as_str()),
        expires_at: token.as_ref().map(|t| t.expires_at),
        used_at: token.as_ref().and_then(|t| t.used_at),
    };
    judge(&facts, now)?;
    token.ok_or_else(|| Error::Internal("pending registration without a token".into()))
}

/// What decides whether a validation token may validate its registration. The desk
/// (SQLite) and the central service (PostgreSQL) both ask [`judge`].
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts<'a> {
    pub folio: &'a str,
    pub registration_state: &'a str,
    pub validated_at: Option<DateTime<Utc>>,
    /// `None` when no token was found.
    pub token_state: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Single use, expiring, replaced by a newer email, dead after too many wrong codes, and
/// useless once the registration is validated, expired or cancelled: each its own error.
pub fn judge(facts: &TokenFacts<'_>, now: DateTime<Utc>) -> Result<()> {
    match facts.registration_state {
        "pendiente_validacion" => {}
        "validada" | "activa" => {
            return Err(Error::AlreadyValidated(facts.validated_at.unwrap_or(now)));
        }
        other => {
            return Err(Error::RegistrationClosed {
                folio: facts.folio.to_owned(),
                state: other.replace('_', " "),
            });
        }
    }
    match facts.token_state {
        None => Err(Error::LinkUnknown),
        Some("usado") => Err(Error::AlreadyValidated(facts.used_at.unwrap_or(now))),
        Some("agotado") => Err(Error::CodeExhausted),
        Some("reemplazado") => Err(Error::LinkSuperseded),
        _ => match facts.expires_at {
            Some(expires_at) if expires_at <= now => Err(Error::CodeExpired(expires_at)),
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folio_and_code_are_normalised() {
        assert_eq!(
            parse_folio(" rsl-261125-7k3qx9 ").unwrap(),
            "RSL-261125-7K3QX9"
        );
        assert_eq!(parse_code(" 042 917 ").unwrap(), "042917");
        assert_eq!(parse_code("04291").unwrap_err().code, "formato");
        assert_eq!(parse_code("").unwrap_err().field, Field::Code);
        assert_eq!(parse_folio("").unwrap_err().field, Field::Folio);
    }
}
