//! Staff accounts, as a supervisor manages them: the station's first supervisor, new
//! accounts, deactivation and password resets. Each change is a new version of the
//! account for the office's other stations.

use super::credentials::{fields_ok, share_account};
use crate::desk::Desk;
use crate::domain::staff::{Clerk, Role, check_new_password, parse_full_name, parse_username};
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::security;
use crate::store::constraint;
use crate::store::db_time;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What a clerk who is not a supervisor is refused here.
const STAFF_TASK: &str = "administrar las cuentas del personal";

/// An account as the supervisor's staff screen lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct NewStaffMember {
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub password: String,
    pub confirmation: String,
}

impl Desk {
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
        self.refuse_if_office_has_staff().await?;
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

    /// A station joined to a central database whose office already has accounts takes
    /// them (the next sync round, now) instead of starting its own: the central database
    /// would refuse a second "first" supervisor anyway, and the clerks sign in with the
    /// accounts they have.
    async fn refuse_if_office_has_staff(&self) -> Result<()> {
        let Some(central) = self.central.read().expect("central lock").clone() else {
            return Ok(());
        };
        let office_has_staff: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM staff_versions)")
                .fetch_one(central.pool())
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "first supervisor: central database unreachable");
                    Error::CentralNeededForFirstAccount
                })?;
        if !office_has_staff {
            return Ok(());
        }
        self.sync_once().await.map_err(|e| {
            tracing::warn!(error = ?e, "first supervisor: could not pull the office's accounts");
            Error::CentralNeededForFirstAccount
        })?;
        Err(Error::OfficeHasStaff)
    }

    /// A supervisor opens an account; its holder must choose a new password at first
    /// sign-in (the supervisor knows this one).
    pub async fn create_staff(&self, member: &NewStaffMember) -> Result<StaffMember> {
        let supervisor = self.require_supervisor(STAFF_TASK)?;
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
        share_account(&mut work, username, actor).await?;
        work.audit(
            "cuenta_creada",
            Subject::Station,
            json!({ "usuario": username, "rol": role }),
        )
        .await?;
        work.commit().await
    }

    pub async fn list_staff(&self) -> Result<Vec<StaffMember>> {
        self.require_supervisor(STAFF_TASK)?;
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
        let supervisor = self.require_supervisor(STAFF_TASK)?;
        let member = self.staff_member(&username.trim().to_lowercase()).await?;
        if !active && member.username == supervisor.username {
            return Err(Error::CannotDeactivateSelf);
        }
        let mut work = self.work(Actor::Staff(supervisor.username.clone())).await?;
        let now = work.now();
        sqlx::query("UPDATE staff SET active = ?, changed_at = ? WHERE username = ?")
            .bind(active)
            .bind(db_time(now))
            .bind(&member.username)
            .execute(work.conn())
            .await?;
        share_account(&mut work, &member.username, &supervisor.username).await?;
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
        let supervisor = self.require_supervisor(STAFF_TASK)?;
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
