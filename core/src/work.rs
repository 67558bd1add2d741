//! One change to the station's data, whole or not at all: one SQLite transaction, one
//! instant, one actor. What the institute must learn (the sync queue), the audit event
//! and any email ride in the same transaction; commit wakes the outbox when an email was
//! queued. Dropping a `Work` without committing rolls everything back.

use crate::audit;
pub(crate) use crate::audit::Subject;
use crate::clock::ClockOffset;
use crate::config::Settings;
use crate::domain::{EventKind, RegistrationState, SyncState};
use crate::error::Result;
use crate::outbox::{self, NewEmail};
use crate::store::Store;
use crate::sync::{self, payload::Synced};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Sqlite, SqliteConnection, Transaction};
use std::sync::Arc;
use tokio::sync::Notify;

/// Who makes a change, as the audit trail names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    /// The signed-in clerk, or the supervisor who approved the action.
    Staff(String),
    /// The app by itself (expiry).
    System,
    /// The affiliate following the email's link: nobody at a desk.
    AffiliateLink,
}

impl Actor {
    fn name(&self) -> &str {
        match self {
            Actor::Staff(username) => username,
            Actor::System => "sistema",
            Actor::AffiliateLink => "afiliado (enlace)",
        }
    }
}

/// What a change needs from the desk besides the store: the settings in force, the
/// central clock's offset (for times the affiliate reads) and the outbox's wake-up.
pub(crate) struct WorkContext {
    pub settings: Settings,
    pub central_offset: Option<ClockOffset>,
    pub outbox_wake: Arc<Notify>,
}

pub(crate) struct Work {
    tx: Transaction<'static, Sqlite>,
    now: DateTime<Utc>,
    actor: Actor,
    context: WorkContext,
    emails_queued: bool,
}

impl Work {
    pub(crate) async fn begin(
        store: &Store,
        now: DateTime<Utc>,
        actor: Actor,
        context: WorkContext,
    ) -> Result<Self> {
        Ok(Self::within(
            store.begin_write().await?,
            now,
            actor,
            context,
        ))
    }

    /// A change whose commit returns only once it is on the disk, so it survives a power
    /// cut as well as a crash ([`Store::begin_durable_write`]). For what the desk tells
    /// someone is saved (a registration's receipt); everyday changes survive a crash of
    /// the app but may lose the last commits to a power cut.
    pub(crate) async fn begin_durable(
        store: &Store,
        now: DateTime<Utc>,
        actor: Actor,
        context: WorkContext,
    ) -> Result<Self> {
        Ok(Self::within(
            store.begin_durable_write().await?,
            now,
            actor,
            context,
        ))
    }

    fn within(
        tx: Transaction<'static, Sqlite>,
        now: DateTime<Utc>,
        actor: Actor,
        context: WorkContext,
    ) -> Self {
        Self {
            tx,
            now,
            actor,
            context,
            emails_queued: false,
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.context.settings
    }

    /// The central clock's offset as last measured, if ever.
    pub(crate) fn central_offset(&self) -> Option<ClockOffset> {
        self.context.central_offset
    }

    /// The change is recorded under these settings (a settings change audits under the
    /// new office and station).
    pub(crate) fn with_settings(mut self, settings: Settings) -> Self {
        self.context.settings = settings;
        self
    }

    /// For the use case's own statements.
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// A row the central database must get.
    pub(crate) async fn share<R: Synced>(&mut self, row: &R) -> Result<()> {
        sync::share(&mut self.tx, row, self.now).await
    }

    /// Closes a registration as cancelled now, with `reason`. A registration held in
    /// conflict is settled by it (its rows stay here) and `true` comes back: the central
    /// database never had it, so no cancellation event is due.
    pub(crate) async fn cancel(&mut self, registration_id: &str, reason: &str) -> Result<bool> {
        sqlx::query(
            "UPDATE registrations SET state = ?4, closed_at = ?1, closed_reason = ?2, updated_at = ?1,
                    sync_state = CASE WHEN sync_state = ?5 THEN ?6 ELSE sync_state END
              WHERE id = ?3",
        )
        .bind(crate::store::db_time(self.now))
        .bind(reason)
        .bind(registration_id)
        .bind(RegistrationState::Cancelled)
        .bind(SyncState::Conflict)
        .bind(SyncState::Synced)
        .execute(&mut *self.tx)
        .await?;
        if sync::queue::held_back(&mut self.tx, registration_id).await? {
            sync::queue::settle_conflict_by_cancelling(&mut self.tx, registration_id).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Something that happened to a registration, for the central database to apply.
    pub(crate) async fn event(
        &mut self,
        registration_id: &str,
        kind: EventKind,
        detail: Value,
    ) -> Result<()> {
        sync::event(&mut self.tx, registration_id, kind, detail, self.now).await
    }

    /// Queues an email; the outbox is woken at commit.
    pub(crate) async fn email(&mut self, email: NewEmail<'_>) -> Result<String> {
        let id = outbox::enqueue(&mut self.tx, &self.context.settings, self.now, email).await?;
        self.emails_queued = true;
        Ok(id)
    }

    pub(crate) async fn audit(
        &mut self,
        action: &'static str,
        about: Subject<'_>,
        detail: Value,
    ) -> Result<()> {
        audit::record(
            &mut self.tx,
            &self.context.settings,
            self.now,
            self.actor.name(),
            about,
            action,
            detail,
        )
        .await
    }

    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        if self.emails_queued {
            self.context.outbox_wake.notify_one();
        }
        Ok(())
    }
}
