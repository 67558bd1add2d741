//! Audit trail: who did what, when and where. Details carry identifiers, never the
//! affiliate's name, email, phone or any secret.

use crate::config::Settings;
use crate::error::Result;
use crate::sync::{self, payload::AuditPayload};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

pub struct AuditEvent<'a> {
    pub action: &'static str,
    /// Who acted: the signed-in clerk, an approving supervisor, or "sistema".
    pub actor: &'a str,
    pub registration_id: Option<&'a str>,
    pub affiliation_number: Option<&'a str>,
    pub detail: serde_json::Value,
}

impl<'a> AuditEvent<'a> {
    /// A clerk acting on one registration.
    pub fn about(
        actor: &'a str,
        action: &'static str,
        registration_id: &'a str,
        affiliation_number: &'a str,
        detail: serde_json::Value,
    ) -> Self {
        AuditEvent {
            actor,
            action,
            registration_id: Some(registration_id),
            affiliation_number: Some(affiliation_number),
            detail,
        }
    }
}

impl<'a> AuditEvent<'a> {
    /// An event about the station itself (staff, sessions, settings), not a registration.
    pub fn station(actor: &'a str, action: &'static str, detail: serde_json::Value) -> Self {
        AuditEvent {
            actor,
            action,
            registration_id: None,
            affiliation_number: None,
            detail,
        }
    }
}

pub async fn record(
    conn: &mut SqliteConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    event: AuditEvent<'_>,
) -> Result<()> {
    let row = AuditPayload {
        id: uuid::Uuid::new_v4().to_string(),
        occurred_at: now,
        action: event.action,
        registration_id: event.registration_id.map(str::to_owned),
        affiliation_number: event.affiliation_number.map(str::to_owned),
        clerk: event.actor.to_owned(),
        office: settings.office.clone(),
        workstation: settings.workstation.clone(),
        detail: event.detail,
    };
    row.insert(conn).await?;
    // The institute keeps the audit trail too: it travels with the next sync.
    sync::share(conn, &row, now).await
}
