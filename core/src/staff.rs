//! Office staff: accounts (capturista or supervisor, argon2id, lockout after failed
//! passwords), the signed-in clerk's session with its inactivity lock, supervisors
//! managing accounts, and a supervisor's approval of a delicate action.
//!
//! Every station keeps its own copy of the accounts, so signing in never needs the
//! network; with a central database, each change travels to the office's other stations
//! as a new version (the newest wins).

use crate::desk::Desk;
pub(crate) use crate::domain::staff::Session;
pub use crate::domain::staff::{Clerk, Role, SupervisorApproval};
use crate::domain::staff::{check_new_password, parse_full_name, parse_username};
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::security;
use crate::store::constraint;
use crate::store::db_time;
use crate::store::rows::StaffAccountRow;
use crate::sync::payload::StaffVersion;
use crate::work::{Actor, Subject, Work};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Wrong passwords before an account is locked, and for how long.
const MAX_FAILURES: i64 = 5;
const LOCK_MINUTES: i64 = 15;

/// What the front end needs to decide which screen comes first.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// No supervisor yet: the first-run screen creates one.
    pub first_run: bool,
    pub clerk: Option<Clerk>,
    pub locked: bool,
    pub lock_after_minutes: u32,
}

/// An account as the supervisor's staff screen lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StaffMember {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
    pub must_change_password: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What a supervisor types to open an account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewStaffMember {
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub password: String,
    pub confirmation: String,
}

/// Why a password check failed, before it is told as a sign-in or an approval failure.
enum Denied {
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
    if value.is_empty() {
        errors.push(FieldError::new(field, "requerido", message));
    }
}

fn fields_ok(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Fields(errors))
    }
}

/// A username and password typed into a sign-in or approval form, both required; the
/// username comes back as accounts store it.
fn typed_credentials(
    (username, username_field, username_message): (&str, Field, &str),
    (password, password_field, password_message): (&str, Field, &str),
) -> Result<String> {
    let mut errors = Vec::new();
    required(username, username_field, username_message, &mut errors);
    required_password(password, password_field, password_message, &mut errors);
    fields_ok(errors)?;
    Ok(username.trim().to_lowercase())
}

impl Desk {
    pub async fn has_supervisor(&self) -> Result<bool> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM staff WHERE role = ? AND active = 1")
                .bind(Role::Supervisor)
                .fetch_one(self.store.reader())
                .await?;
        Ok(count > 0)
    }

    pub async fn session_view(&self) -> Result<SessionView> {
        let first_run = !self.has_supervisor().await?;
        let lock_after_minutes = self.settings().session_lock_minutes;
        // Reading the view must not count as activity, nor miss a lock that is due.
        let _ = self.current_clerk_at(self.clock.now(), false);
        let session = self.session.read().expect("session lock").clone();
        Ok(SessionView {
            first_run,
            locked: session.as_ref().is_some_and(|s| s.locked),
            clerk: session.map(|s| s.clerk),
            lock_after_minutes,
        })
    }

    /// The signed-in clerk, counting this call as activity. Fails when nobody is signed in,
    /// the session is locked (by the clerk, or by inactivity), or the clerk still holds a
    /// password the supervisor set.
    pub fn current_clerk(&self) -> Result<Clerk> {
        let clerk = self.current_clerk_at(self.clock.now(), true)?;
        if clerk.must_change_password {
            return Err(Error::PasswordChangeRequired);
        }
        Ok(clerk)
    }

    fn current_clerk_at(&self, now: DateTime<Utc>, touch: bool) -> Result<Clerk> {
        let idle_limit = Duration::minutes(i64::from(self.settings().session_lock_minutes));
        let mut guard = self.session.write().expect("session lock");
        let session = guard.as_mut().ok_or(Error::NotSignedIn)?;
        if !session.locked && now - session.last_activity > idle_limit {
            session.locked = true;
            tracing::info!("session locked after inactivity");
        }
        if session.locked {
            return Err(Error::SessionLocked);
        }
        if touch {
            session.last_activity = now;
        }
        Ok(session.clerk.clone())
    }

    pub(crate) fn require_supervisor(&self) -> Result<Clerk> {
        let clerk = self.current_clerk()?;
        if clerk.role != Role::Supervisor {
            return Err(Error::SupervisorOnly);
        }
        Ok(clerk)
    }

    /// Signs a clerk in, replacing whoever was signed in (or locked) before.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Clerk> {
        let username = typed_credentials(
            (username, Field::Username, "Escriba su usuario."),
            (password, Field::Password, "Escriba su contraseña."),
        )?;
        let clerk = self.check_password(&username, password, None).await??;
        self.start_session(clerk.clone(), "sesion_iniciada").await?;
        Ok(clerk)
    }

    /// The same clerk comes back to a locked session: their password, nothing else.
    pub async fn unlock(&self, password: &str) -> Result<Clerk> {
        let username = {
            let guard = self.session.read().expect("session lock");
            guard
                .as_ref()
                .ok_or(Error::NotSignedIn)?
                .clerk
                .username
                .clone()
        };
        if password.is_empty() {
            return Err(
                FieldError::new(Field::Password, "requerido", "Escriba su contraseña.").into(),
            );
        }
        let clerk = self.check_password(&username, password, None).await??;
        self.start_session(clerk.clone(), "sesion_desbloqueada")
            .await?;
        Ok(clerk)
    }

    /// "Bloquear": the clerk steps away; their password opens it again.
    pub async fn lock_session(&self) -> Result<()> {
        let clerk = {
            let mut guard = self.session.write().expect("session lock");
            match guard.as_mut() {
                Some(session) if !session.locked => {
                    session.locked = true;
                    session.clerk.clone()
                }
                _ => return Ok(()),
            }
        };
        self.audit_staff(&clerk.username, "sesion_bloqueada", json!({}))
            .await
    }

    pub async fn sign_out(&self) -> Result<()> {
        let previous = self.session.write().expect("session lock").take();
        if let Some(session) = previous {
            self.audit_staff(&session.clerk.username, "sesion_cerrada", json!({}))
                .await?;
        }
        Ok(())
    }

    async fn start_session(&self, clerk: Clerk, action: &'static str) -> Result<()> {
        self.audit_staff(&clerk.username, action, json!({})).await?;
        *self.session.write().expect("session lock") = Some(Session {
            clerk,
            last_activity: self.clock.now(),
            locked: false,
        });
        Ok(())
    }

    async fn audit_staff(
        &self,
        actor: &str,
        action: &'static str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let mut work = self.work(Actor::Staff(actor.to_owned())).await?;
        work.audit(action, Subject::Station, detail).await?;
        work.commit().await
    }

    /// Creates the station's first supervisor, refused once one exists, and signs them in.
    pub async fn create_first_supervisor(
        &self,
        username: &str,
        full_name: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<Clerk> {
        let member = NewStaffMember {
            username: username.to_owned(),
            full_name: full_name.to_owned(),
            role: "supervisor".to_owned(),
            password: password.to_owned(),
            confirmation: confirmation.to_owned(),
        };
        let (username, full_name, _) = parse_new_member(&member, FIRST_SUPERVISOR_FIELDS)?;
        if self.has_supervisor().await? {
            return Err(Error::SupervisorExists);
        }
        self.insert_staff(
            &username,
            &full_name,
            Role::Supervisor,
            password,
            false,
            &username,
        )
        .await?;
        let clerk = Clerk {
            username,
            full_name,
            role: Role::Supervisor,
            must_change_password: false,
        };
        self.start_session(clerk.clone(), "sesion_iniciada").await?;
        Ok(clerk)
    }

    /// A supervisor opens an account; its holder must choose a new password at first
    /// sign-in (the supervisor knows this one).
    pub async fn create_staff(&self, member: &NewStaffMember) -> Result<StaffMember> {
        let supervisor = self.require_supervisor()?;
        let (username, full_name, role) = parse_new_member(member, STAFF_FIELDS)?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT username FROM staff WHERE username = ?")
                .bind(&username)
                .fetch_optional(self.store.reader())
                .await?;
        if exists.is_some() {
            return Err(FieldError::new(
                Field::StaffUsername,
                "existente",
                "Ya existe una cuenta con ese usuario; elija otro.",
            )
            .into());
        }
        self.insert_staff(
            &username,
            &full_name,
            role,
            &member.password,
            true,
            &supervisor.username,
        )
        .await?;
        self.staff_member(&username).await
    }

    async fn insert_staff(
        &self,
        username: &str,
        full_name: &str,
        role: Role,
        password: &str,
        must_change_password: bool,
        actor: &str,
    ) -> Result<()> {
        let hash = security::hash_off_thread(password.to_owned()).await?;
        let mut work = self.work(Actor::Staff(actor.to_owned())).await?;
        let now = work.now();
        sqlx::query(
            "INSERT INTO staff (username, full_name, role, password_hash, created_at, changed_at,
                                must_change_password)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        )
        .bind(username)
        .bind(full_name)
        .bind(role)
        .bind(&hash)
        .bind(db_time(now))
        .bind(must_change_password)
        .execute(work.conn())
        .await
        // Another station's account with this name may have arrived since the check.
        .map_err(constraint::into_error)?;
        share_account(&mut work, username).await?;
        work.audit(
            "cuenta_creada",
            Subject::Station,
            json!({ "usuario": username, "rol": role }),
        )
        .await?;
        work.commit().await
    }

    pub async fn list_staff(&self) -> Result<Vec<StaffMember>> {
        self.require_supervisor()?;
        Ok(sqlx::query_as(
            "SELECT username, full_name, role, active = 1 AS active,
                    must_change_password = 1 AS must_change_password, locked_until, created_at
               FROM staff ORDER BY active DESC, full_name",
        )
        .fetch_all(self.store.reader())
        .await?)
    }

    async fn staff_member(&self, username: &str) -> Result<StaffMember> {
        sqlx::query_as(
            "SELECT username, full_name, role, active = 1 AS active,
                    must_change_password = 1 AS must_change_password, locked_until, created_at
               FROM staff WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or_else(|| Error::StaffNotFound(username.to_owned()))
    }

    /// Deactivating keeps the account (its name stays on past audit events) but it can
    /// no longer sign in or approve.
    pub async fn set_staff_active(&self, username: &str, active: bool) -> Result<StaffMember> {
        let supervisor = self.require_supervisor()?;
        let member = self.staff_member(&username.trim().to_lowercase()).await?;
        if !active && member.username == supervisor.username {
            return Err(Error::CannotDeactivateSelf);
        }
        let mut work = self.work(Actor::Staff(supervisor.username)).await?;
        let now = work.now();
        sqlx::query("UPDATE staff SET active = ?, changed_at = ? WHERE username = ?")
            .bind(active)
            .bind(db_time(now))
            .bind(&member.username)
            .execute(work.conn())
            .await?;
        share_account(&mut work, &member.username).await?;
        let action = if active {
            "cuenta_reactivada"
        } else {
            "cuenta_desactivada"
        };
        work.audit(
            action,
            Subject::Station,
            json!({ "usuario": member.username }),
        )
        .await?;
        work.commit().await?;
        self.staff_member(&member.username).await
    }

    /// A supervisor gives a clerk a new password (forgotten, or locked out): it unlocks
    /// the account, and the clerk replaces it at the next sign-in.
    pub async fn reset_staff_password(
        &self,
        username: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<StaffMember> {
        let supervisor = self.require_supervisor()?;
        let member = self.staff_member(&username.trim().to_lowercase()).await?;
        let mut errors = Vec::new();
        check_new_password(
            password,
            confirmation,
            &member.username,
            (Field::StaffPassword, Field::StaffPasswordConfirmation),
            &mut errors,
        );
        fields_ok(errors)?;
        let own = member.username == supervisor.username;
        self.store_password(
            &member.username,
            password,
            !own,
            &supervisor.username,
            "contrasena_restablecida",
        )
        .await?;
        self.staff_member(&member.username).await
    }

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

    async fn store_password(
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
        share_account(&mut work, username).await?;
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
    async fn check_password(
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

/// Which fields a new account's errors point at: the first-run screen has its own.
type NewMemberFields = [Field; 5];
const FIRST_SUPERVISOR_FIELDS: NewMemberFields = [
    Field::SupervisorUsername,
    Field::SupervisorFullName,
    Field::StaffRole,
    Field::SupervisorPassword,
    Field::SupervisorPasswordConfirmation,
];
const STAFF_FIELDS: NewMemberFields = [
    Field::StaffUsername,
    Field::StaffFullName,
    Field::StaffRole,
    Field::StaffPassword,
    Field::StaffPasswordConfirmation,
];

fn parse_new_member(
    member: &NewStaffMember,
    [
        username_field,
        name_field,
        role_field,
        password_field,
        confirmation_field,
    ]: NewMemberFields,
) -> Result<(String, String, Role)> {
    let mut errors = Vec::new();
    let username = parse_username(&member.username, username_field)
        .map_err(|e| errors.push(e))
        .ok();
    let full_name = parse_full_name(&member.full_name, name_field)
        .map_err(|e| errors.push(e))
        .ok();
    let role = member.role.parse::<Role>().ok();
    if role.is_none() {
        errors.push(FieldError::new(
            role_field,
            "requerido",
            "Elija el tipo de cuenta: capturista o supervisor.",
        ));
    }
    check_new_password(
        &member.password,
        &member.confirmation,
        username.as_deref().unwrap_or_default(),
        (password_field, confirmation_field),
        &mut errors,
    );
    match (username, full_name, role) {
        (Some(username), Some(full_name), Some(role)) if errors.is_empty() => {
            Ok((username, full_name, role))
        }
        _ => Err(Error::Fields(errors)),
    }
}

/// Queues the account's new version for the office's other stations (through the
/// central database, with the next sync): how every account change ends.
async fn share_account(work: &mut Work, username: &str) -> Result<()> {
    let version = StaffVersion::load(work.conn(), username).await?;
    work.share(&version).await
}
