//! The clerk at the keyboard: signing in and out, the session that locks when the desk
//! is left alone, and whether the station has a supervisor yet.

use super::credentials::typed_credentials;
use crate::desk::Desk;
use crate::domain::staff::{Clerk, Role, Session};
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::work::{Actor, Subject};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// What the front end needs to decide which screen comes first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    /// No supervisor yet: the first-run screen creates one.
    pub first_run: bool,
    pub clerk: Option<Clerk>,
    pub locked: bool,
    pub lock_after_minutes: u32,
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

    /// The signed-in clerk, for a screen that refreshes by itself («Pendientes», polled by
    /// the status bar): reading it is not activity, so the session still locks when idle.
    pub(crate) fn signed_in_clerk(&self) -> Result<Clerk> {
        let clerk = self.current_clerk_at(self.clock.now(), false)?;
        if clerk.must_change_password {
            return Err(Error::PasswordChangeRequired);
        }
        Ok(clerk)
    }

    pub(super) fn current_clerk_at(&self, now: DateTime<Utc>, touch: bool) -> Result<Clerk> {
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

    /// The signed-in supervisor; `task` says what a clerk was refused ("importar el padrón").
    pub(crate) fn require_supervisor(&self, task: &'static str) -> Result<Clerk> {
        let clerk = self.current_clerk()?;
        if clerk.role != Role::Supervisor {
            return Err(Error::SupervisorOnly(task));
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

    pub(super) async fn start_session(&self, clerk: Clerk, action: &'static str) -> Result<()> {
        self.audit_staff(&clerk.username, action, json!({})).await?;
        *self.session.write().expect("session lock") = Some(Session {
            clerk,
            last_activity: self.clock.now(),
            locked: false,
        });
        Ok(())
    }

    pub(super) async fn audit_staff(
        &self,
        actor: &str,
        action: &'static str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let mut work = self.work(Actor::Staff(actor.to_owned())).await?;
        work.audit(action, Subject::Station, detail).await?;
        work.commit().await
    }
}
