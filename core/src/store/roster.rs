//! The roster as the station keeps it: one row per affiliate, for checks made offline.

use crate::domain::{AffiliateKind, AffiliationNumber};
use crate::error::Result;
use crate::store::{Store, meta};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RosterEntry {
    pub affiliation_number: String,
    pub credential_serial: String,
    pub full_name: String,
    pub kind: AffiliateKind,
    pub family_nucleus: String,
    pub is_current: bool,
    pub is_demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterSummary {
    pub total: i64,
    pub current: i64,
    /// True while the roster is the embedded demo one.
    pub is_demo: bool,
    pub imported_at: Option<String>,
}

pub async fn find(store: &Store, number: &AffiliationNumber) -> Result<Option<RosterEntry>> {
    Ok(sqlx::query_as(
        "SELECT affiliation_number, credential_serial, full_name, kind, family_nucleus,
                is_current, is_demo
           FROM roster_affiliates WHERE affiliation_number = ?",
    )
    .bind(number.as_str())
    .fetch_optional(store.reader())
    .await?)
}

pub async fn summary(store: &Store) -> Result<RosterSummary> {
    let (total, current, demo): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(is_current), 0), coalesce(sum(is_demo), 0)
           FROM roster_affiliates",
    )
    .fetch_one(store.reader())
    .await?;
    Ok(RosterSummary {
        total,
        current,
        is_demo: total > 0 && demo == total,
        imported_at: meta::roster_imported_at(store.reader()).await?,
    })
}

/// What retiring the demo roster did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoRetired {
    pub rows: u64,
    /// Registrations made on the demo roster (its public serials) whose changes were still
    /// to go up: held here, never sent to the institute.
    pub registrations_held: u64,
}

/// The message a registration made on the demo roster carries once the station joins the
/// central database.
pub const DEMO_REGISTRATION_HELD: &str = "Registro de prueba hecho con el padrón de demostración: no se envía a la base central. Si era una prueba, un supervisor puede cancelarlo en «Buscar».";

/// Removes the demo roster (a station joined to the central database never keeps it) and
/// holds back what was registered on it: people and serials that are public test data
/// must never reach the institute's database.
pub async fn retire_demo(conn: &mut sqlx::SqliteConnection) -> Result<DemoRetired> {
    use crate::domain::{QueueState, SyncState};
    let demo_registrations = "SELECT r.id FROM registrations r
                                JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
                               WHERE a.is_demo = 1";
    let registrations_held = sqlx::query(&format!(
        "UPDATE registrations SET sync_state = ?1, sync_error = ?2
          WHERE id IN ({demo_registrations})
            AND EXISTS (SELECT 1 FROM sync_queue q WHERE q.registration_id = registrations.id
                          AND q.state IN ('pendiente', 'error'))"
    ))
    .bind(SyncState::Error)
    .bind(DEMO_REGISTRATION_HELD)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "UPDATE sync_queue SET state = ?1, last_error = ?2
          WHERE state IN ('pendiente', 'error') AND registration_id IN ({demo_registrations})"
    ))
    .bind(QueueState::Held)
    .bind(DEMO_REGISTRATION_HELD)
    .execute(&mut *conn)
    .await?;
    let rows = sqlx::query("DELETE FROM roster_affiliates WHERE is_demo = 1")
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(DemoRetired {
        rows,
        registrations_held,
    })
}
