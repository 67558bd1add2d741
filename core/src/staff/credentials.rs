//! Passwords: checked against their argon2id hash with a lock after repeated failures,
//! changed by their holder, and a supervisor's approval of a delicate action.

use crate::desk::Desk;
use crate::domain::staff::{Clerk, MAX_PASSWORD_LEN, Role, SupervisorApproval, check_new_password};
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::security;
use crate::store::db_time;
use crate::store::rows::StaffAccountRow;
use crate::sync::payload::StaffVersion;
use crate::work::{Actor, Subject, Work};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Wrong passwords before an account is locked, and for how long.
const MAX_FAILURES: i64 = 5;
const LOCK_MINUTES: i64 = 15;

/// Why a password check failed, before it is told as a sign-in or an approval failure.
pub(super) enum Denied {
    Rejected { remaining: u32 },
    Locked(DateTime<Utc>),
}

/// As a sign-in failure (an approval tells it as the supervisor's, in `approve`).
impl From<Denied> for Error {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Rejected { remaining } => Error::SignInRejected { remaining },
            Denied::Locked(until) => Error::AccountLocked(until),
        }
    }
}

/// What an unknown username is checked against, so it costs what a known one costs.
fn unknown_user_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| security::hash_password("usuario-inexistente").unwrap_or_default())
}

fn required(value: &str, field: Field, message: &str, errors: &mut Vec<FieldError>) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, "requerido", message));
    }
}

/// Unlike [`required`], a password of spaces counts as written: it is checked as typed.
fn required_password(value: &str, field: Field, message: &str, errors: &mut Vec<FieldError>) {
    let length = value.chars().count();
    if value.is_empty() {
        errors.push(FieldError::new(field, "requerido", message));
    } else if length > MAX_PASSWORD_LEN {
        // No password is that long: it is refused before any hash is computed.
        errors.push(FieldError::new(
            field,
            "longitud",
            format!("La contraseña admite hasta {MAX_PASSWORD_LEN} caracteres (tiene {length})."),
        ));
    }
}

pub(super) fn fields_ok(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Fields(errors))
    }
}

/// A username and password typed into a sign-in or approval form, both required; the
/// username comes back as accounts store it.
pub(super) fn typed_credentials(
    (username, username_field, username_message): (&str, Field, &str),
    (password, password_field, password_message): (&str, Field, &str),
) -> Result<String> {
    let mut errors = Vec::new();
    required(username, username_field, username_message, &mut errors);
    required_password(password, password_field, password_message, &mut errors);
    fields_ok(errors)?;
    Ok(username.trim().to_lowercase())
}

/// Queues the account's new version, made by `changed_by`, for the office's other
/// stations (through the central database, with the next sync): how every account
/// change ends.
pub(super) async fn share_account(work: &mut Work, username: &str, changed_by: &str) -> Result<()> {
    let version = StaffVersion::load(work.conn(), username, changed_by).await?;
    work.share(&version).await
}

impl Desk {
    /// The signed-in clerk replaces their own password (required after a reset).
    pub async fn change_own_password(
        &self,
        current: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<Clerk> {
        let clerk = self.current_clerk_at(self.clock.now(), true)?;
        let mut errors = Vec::new();
        required_password(
            current,
            Field::Password,
            "Escriba su contraseña actual.",
            &mut errors,
        );
        check_new_password(
            password,
            confirmation,
            &clerk.username,
            (Field::StaffPassword, Field::StaffPasswordConfirmation),
            &mut errors,
        );
        if password == current && errors.is_empty() {
            errors.push(FieldError::new(
                Field::StaffPassword,
                "igual",
                "La contraseña nueva debe ser distinta de la actual.",
            ));
        }
        fields_ok(errors)?;
        self.check_password(&clerk.username, current, None)
            .await??;
        self.store_password(
            &clerk.username,
            password,
            false,
            &clerk.username,
            "contrasena_cambiada",
        )
        .await?;
        let clerk = Clerk {
            must_change_password: false,
            ..clerk
        };
        if let Some(session) = self.session.write().expect("session lock").as_mut() {
            session.clerk = clerk.clone();
        }
        Ok(clerk)
    }

    pub(super) async fn store_password(
        &self,
        username: &str,
        password: &str,
        must_change_password: bool,
        actor: &str,
        action: &'static str,
    ) -> Result<()> {
        let hash = security::hash_off_thread(password.to_owned()).await?;
        let mut work = self.work(Actor::Staff(actor.to_owned())).await?;
        let now = work.now();
        sqlx::query(
            "UPDATE staff SET password_hash = ?, must_change_password = ?, failed_attempts = 0,
                              locked_until = NULL, changed_at = ?
              WHERE username = ?",
        )
        .bind(&hash)
        .bind(must_change_password)
        .bind(db_time(now))
        .bind(username)
        .execute(work.conn())
        .await?;
        share_account(&mut work, username, actor).await?;
        work.audit(action, Subject::Station, json!({ "usuario": username }))
            .await?;
        work.commit().await
    }

    /// Checks a supervisor's approval; returns the supervisor's username.
    pub(crate) async fn approve(&self, approval: &SupervisorApproval) -> Result<String> {
        if !self.has_supervisor().await? {
            return Err(Error::NoSupervisor);
        }
        let username = typed_credentials(
            (
                &approval.username,
                Field::SupervisorUsername,
                "Escriba el usuario del supervisor.",
            ),
            (
                &approval.password,
                Field::SupervisorPassword,
                "Escriba la contraseña del supervisor.",
            ),
        )?;
        match self
            .check_password(&username, &approval.password, Some(Role::Supervisor))
            .await?
        {
            Ok(clerk) => Ok(clerk.username),
            Err(Denied::Rejected { remaining }) => Err(Error::SupervisorRejected { remaining }),
            Err(Denied::Locked(until)) => Err(Error::SupervisorLocked(until)),
        }
    }

    /// Verifies a password against the account's argon2id hash, counting failures and
    /// locking the account after [`MAX_FAILURES`]. `role` narrows who qualifies.
    pub(super) async fn check_password(
        &self,
        username: &str,
        password: &str,
        role: Option<Role>,
    ) -> Result<std::result::Result<Clerk, Denied>> {
        let now = self.clock.now();
        let row = StaffAccountRow::active(self.store.reader(), username)
            .await?
            .filter(|r| role.is_none_or(|role| r.role == role));
        if let Some(until) = row.as_ref().and_then(|r| r.locked_until)
            && until > now
        {
            return Ok(Err(Denied::Locked(until)));
        }
        // An unknown user costs one verification too: no timing hint.
        let hash = row.as_ref().map(|row| row.password_hash.clone());
        let typed = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            let hash = match hash.as_deref() {
                Some(hash) => hash,
                None => unknown_user_hash(),
            };
            security::verify_password(&typed, hash)
        })
        .await
        .map_err(|e| Error::Internal(format!("verify task: {e}")))?;
        let Some(StaffAccountRow {
            full_name,
            role: stored_role,
            must_change_password,
            ..
        }) = row
        else {
            return Ok(Err(Denied::Rejected {
                remaining: u32::try_from(MAX_FAILURES - 1).unwrap_or(0),
            }));
        };
        if matches {
            sqlx::query(
                "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
            )
            .bind(username)
            .execute(self.store.writer())
            .await?;
            return Ok(Ok(Clerk {
                username: username.to_owned(),
                full_name,
                role: stored_role,
                must_change_password,
            }));
        }
        let failures: i64 = sqlx::query_scalar(
            "UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE username = ? RETURNING failed_attempts",
        )
        .bind(username)
        .fetch_one(self.store.writer())
        .await?;
        if failures >= MAX_FAILURES {
            let until = now + Duration::minutes(LOCK_MINUTES);
            sqlx::query(
                "UPDATE staff SET failed_attempts = 0, locked_until = ? WHERE username = ?",
            )
            .bind(db_time(until))
            .bind(username)
            .execute(self.store.writer())
            .await?;
            self.audit_staff(username, "cuenta_bloqueada", json!({ "usuario": username }))
                .await?;
            return Ok(Err(Denied::Locked(until)));
        }
        Ok(Err(Denied::Rejected {
            remaining: u32::try_from(MAX_FAILURES - failures).unwrap_or(0),
        }))
    }
}
