//! Office staff accounts. For now only what desk actions need: a supervisor approves
//! (username and password, checked against an argon2id hash, with a lockout).

use crate::audit::{self, AuditEvent};
use crate::desk::Desk;
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::security;
use crate::store::db_time;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

/// Wrong supervisor passwords before the account is locked, and for how long.
const MAX_FAILURES: i64 = 5;
const LOCK_MINUTES: i64 = 15;
const MIN_PASSWORD_LEN: usize = 10;

/// A supervisor's approval of an action, typed at the clerk's desk.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SupervisorApproval {
    pub username: String,
    pub password: String,
}

fn parse_username(raw: &str) -> std::result::Result<String, FieldError> {
    let username = raw.trim().to_lowercase();
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if username.len() < 3 || username.len() > 32 || !ok_chars {
        return Err(FieldError::new(
            Field::SupervisorUsername,
            "formato",
            "El usuario lleva de 3 a 32 letras sin acentos, números, punto, guion o guion bajo.",
        ));
    }
    Ok(username)
}

impl Desk {
    pub async fn has_supervisor(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM staff WHERE role = 'supervisor' AND active = 1",
        )
        .fetch_one(self.store.reader())
        .await?;
        Ok(count > 0)
    }

    /// Creates the station's first supervisor; refused once one exists.
    pub async fn create_first_supervisor(
        &self,
        username: &str,
        full_name: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<()> {
        let mut errors = Vec::new();
        let username = parse_username(username).map_err(|e| errors.push(e)).ok();
        let full_name = full_name.split_whitespace().collect::<Vec<_>>().join(" ");
        if full_name.is_empty() {
            errors.push(FieldError::new(
                Field::SupervisorFullName,
                "requerido",
                "Escriba el nombre completo del supervisor.",
            ));
        }
        if password.chars().count() < MIN_PASSWORD_LEN {
            errors.push(FieldError::new(
                Field::SupervisorPassword,
                "longitud",
                format!("La contraseña debe tener al menos {MIN_PASSWORD_LEN} caracteres."),
            ));
        } else if password != confirmation {
            errors.push(FieldError::new(
                Field::SupervisorPasswordConfirmation,
                "no_coinciden",
                "Las dos contraseñas no coinciden.",
            ));
        }
        let Some(username) = username.filter(|_| errors.is_empty()) else {
            return Err(Error::Fields(errors));
        };
        if self.has_supervisor().await? {
            return Err(Error::SupervisorExists);
        }
        let hash = hash_off_thread(password.to_owned()).await?;
        let now = self.clock.now();
        let settings = self.settings();
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "INSERT INTO staff (username, full_name, role, password_hash, created_at)
             VALUES (?, ?, 'supervisor', ?, ?)",
        )
        .bind(&username)
        .bind(&full_name)
        .bind(&hash)
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent {
                actor: Some(&username),
                action: "supervisor_creado",
                registration_id: None,
                affiliation_number: None,
                detail: json!({ "usuario": username }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a supervisor's approval; returns the supervisor's username.
    pub(crate) async fn approve(&self, approval: &SupervisorApproval) -> Result<String> {
        if !self.has_supervisor().await? {
            return Err(Error::NoSupervisor);
        }
        let username = approval.username.trim().to_lowercase();
        if username.is_empty() || approval.password.is_empty() {
            let mut errors = Vec::new();
            if username.is_empty() {
                errors.push(FieldError::new(
                    Field::SupervisorUsername,
                    "requerido",
                    "Escriba el usuario del supervisor.",
                ));
            }
            if approval.password.is_empty() {
                errors.push(FieldError::new(
                    Field::SupervisorPassword,
                    "requerido",
                    "Escriba la contraseña del supervisor.",
                ));
            }
            return Err(Error::Fields(errors));
        }
        let now = self.clock.now();
        let row: Option<(String, i64, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT password_hash, failed_attempts, locked_until FROM staff
              WHERE username = ? AND role = 'supervisor' AND active = 1",
        )
        .bind(&username)
        .fetch_optional(self.store.reader())
        .await?;
        if let Some((_, _, Some(until))) = &row
            && *until > now
        {
            return Err(Error::SupervisorLocked(*until));
        }
        // An unknown user costs the same hash as a known one: no timing hint.
        let (hash, known) = match &row {
            Some((hash, _, _)) => (hash.clone(), true),
            None => (security::hash_password("usuario-inexistente")?, false),
        };
        let password = approval.password.clone();
        let matches =
            tokio::task::spawn_blocking(move || security::verify_password(&password, &hash))
                .await
                .map_err(|e| Error::Internal(format!("verify task: {e}")))?;
        if matches && known {
            sqlx::query(
                "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
            )
            .bind(&username)
            .execute(self.store.writer())
            .await?;
            return Ok(username);
        }
        let failures = if known {
            let failures: i64 = sqlx::query_scalar(
                "UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE username = ? RETURNING failed_attempts",
            )
            .bind(&username)
            .fetch_one(self.store.writer())
            .await?;
            if failures >= MAX_FAILURES {
                let until = now + Duration::minutes(LOCK_MINUTES);
                sqlx::query(
                    "UPDATE staff SET failed_attempts = 0, locked_until = ? WHERE username = ?",
                )
                .bind(db_time(until))
                .bind(&username)
                .execute(self.store.writer())
                .await?;
                return Err(Error::SupervisorLocked(until));
            }
            failures
        } else {
            1
        };
        Err(Error::SupervisorRejected {
            remaining: u32::try_from(MAX_FAILURES - failures).unwrap_or(0),
        })
    }
}

pub(crate) async fn hash_off_thread(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || security::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("hashing task: {e}")))?
}
