//! Audit trail: who did what, when and where. Details carry identifiers, never the
//! affiliate's name, email, phone or any secret. Written through [`crate::work::Work`].

use crate::config::Settings;
use crate::error::Result;
use crate::store::rows::RegistrationRow;
use crate::sync::{self, payload::AuditPayload};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

/// What an audit event is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    /// One registration of an affiliate.
    Registration { id: &'a str, affiliation: &'a str },
    /// An affiliation number, before any registration (wrong serials, a revealed serial).
    Affiliation(&'a str),
    /// The station itself: staff, sessions, settings.
    Station,
}

impl<'a> Subject<'a> {
    pub(crate) fn of(registration: &'a RegistrationRow) -> Self {
        Subject::Registration {
            id: &registration.id,
            affiliation: &registration.affiliation_number,
        }
    }

    fn registration_id(self) -> Option<&'a str> {
        match self {
            Subject::Registration { id, .. } => Some(id),
            _ => None,
        }
    }

    fn affiliation_number(self) -> Option<&'a str> {
        match self {
            Subject::Registration { affiliation, .. } | Subject::Affiliation(affiliation) => {
                Some(affiliation)
            }
            Subject::Station => None,
        }
    }
}

/// Writes one audit event, and queues it: the institute keeps the trail too.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    actor: &str,
    about: Subject<'_>,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<()> {
    let row = AuditPayload {
        id: uuid::Uuid::new_v4().to_string(),
        occurred_at: now,
        action,
        registration_id: about.registration_id().map(str::to_owned),
        affiliation_number: about.affiliation_number().map(str::to_owned),
        clerk: actor.to_owned(),
        office: settings.office.clone(),
        workstation: settings.workstation.clone(),
        detail,
    };
    row.insert(conn).await?;
    sync::share(conn, &row, now).await
}

/// The action of a registration's signed written consent (the family-grouping consent,
/// about health data) handed back to the desk. The audit trail is its only record: it
/// goes to the central database with the rest of the trail.
pub(crate) const CONSENT_FORM_COLLECTED: &str = "consentimiento_escrito_recogido";

/// When, by whom and where an audited action happened.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Recorded {
    pub(crate) occurred_at: DateTime<Utc>,
    pub(crate) clerk: String,
    pub(crate) office: String,
    pub(crate) workstation: String,
}

/// The latest time `action` was recorded about a registration at or after `since`, if
/// ever: the collection of the signed form of the grouping answer in force (a later answer
/// needs its own signed form).
pub(crate) async fn latest_about_since<'c, E>(
    conn: E,
    registration_id: &str,
    action: &str,
    since: DateTime<Utc>,
) -> Result<Option<Recorded>>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    Ok(sqlx::query_as(
        "SELECT occurred_at, clerk, office, workstation FROM audit_events
          WHERE registration_id = ? AND action = ? AND occurred_at >= ?
          ORDER BY occurred_at DESC, rowid DESC LIMIT 1",
    )
    .bind(registration_id)
    .bind(action)
    .bind(crate::store::db_time(since))
    .fetch_optional(conn)
    .await?)
}
