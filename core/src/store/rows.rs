//! Rows the use cases read back to act on: a registration, its validation token, a
//! staff account. Their states are enums from the column on.

use crate::domain::{RegistrationState, Role, TokenState};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

/// A registration as the desk's actions need it, with the affiliate's name from the roster.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RegistrationRow {
    pub id: String,
    pub folio: String,
    pub affiliation_number: String,
    pub email: String,
    pub phone_e164: String,
    pub state: RegistrationState,
    pub validated_at: Option<DateTime<Utc>>,
    pub full_name: Option<String>,
}

const REGISTRATION_SELECT: &str =
    "SELECT r.id, r.folio, r.affiliation_number, r.email, r.phone_e164, r.state, r.validated_at,
           a.full_name
   FROM registrations r
   LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number";

impl RegistrationRow {
    pub(crate) async fn by_id(reader: &SqlitePool, id: &str) -> Result<Self> {
        sqlx::query_as(&format!("{REGISTRATION_SELECT} WHERE r.id = ?"))
            .bind(id)
            .fetch_optional(reader)
            .await?
            .ok_or(Error::RegistrationNotFound)
    }

    pub(crate) async fn by_folio(reader: &SqlitePool, folio: &str) -> Result<Self> {
        // A folio drawn again at sync keeps finding it by the first one (previous_folios).
        sqlx::query_as(&format!(
            "{REGISTRATION_SELECT} WHERE r.folio = ?1
                OR r.id = (SELECT registration_id FROM previous_folios WHERE folio = ?1)"
        ))
        .bind(folio)
        .fetch_optional(reader)
        .await?
        .ok_or_else(|| Error::FolioNotFound(folio.to_owned()))
    }

    /// Actions that resend or correct the validation email need it still pending.
    pub(crate) fn require_pending(&self) -> Result<()> {
        if self.state == RegistrationState::PendingValidation {
            Ok(())
        } else {
            Err(Error::NotPending {
                folio: self.folio.clone(),
                state: self.state,
            })
        }
    }
}

/// A validation token as validation needs it (never the link's hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct TokenRow {
    pub id: String,
    pub code_sha256: String,
    pub state: TokenState,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    pub(crate) async fn by_id(reader: &SqlitePool, id: &str) -> Result<Option<Self>> {
        Ok(sqlx::query_as(
            "SELECT id, code_sha256, state, expires_at, used_at FROM validation_tokens WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(reader)
        .await?)
    }

    /// The live token, else the newest; newest by insertion order, never by the clock
    /// (a clock put right between two resends must not make the older one "newer").
    pub(crate) async fn latest_of(
        reader: &SqlitePool,
        registration_id: &str,
    ) -> Result<Option<Self>> {
        Ok(sqlx::query_as(
            "SELECT id, code_sha256, state, expires_at, used_at
               FROM validation_tokens WHERE registration_id = ?
              ORDER BY state = ? DESC, rowid DESC LIMIT 1",
        )
        .bind(registration_id)
        .bind(TokenState::Active)
        .fetch_optional(reader)
        .await?)
    }
}

/// An active staff account as a password check needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct StaffAccountRow {
    pub password_hash: String,
    pub full_name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub locked_until: Option<DateTime<Utc>>,
}

impl StaffAccountRow {
    pub(crate) async fn active(reader: &SqlitePool, username: &str) -> Result<Option<Self>> {
        Ok(sqlx::query_as(
            "SELECT password_hash, full_name, role, must_change_password = 1 AS must_change_password,
                    locked_until
               FROM staff WHERE username = ? AND active = 1",
        )
        .bind(username)
        .fetch_optional(reader)
        .await?)
    }
}
