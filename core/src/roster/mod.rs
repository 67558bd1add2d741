//! The copy of the affiliate roster kept on each workstation, and its CSV import: bad
//! lines are reported with their line number and column and skipped; good lines are
//! written in one transaction (all or none if the write itself fails), upserting by
//! affiliation number, so importing the same file twice changes nothing.

mod csv;

pub use crate::store::roster::{RosterEntry, RosterSummary, find, summary};
pub use csv::{COLUMNS, ImportProgress, LineError};

use crate::desk::Desk;
use crate::domain::search_key;
use crate::error::{Error, Result};
use crate::store::{Store, db_time, meta};
use chrono::{DateTime, Utc};
use csv::{Batch, parse_csv};
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// Rows per INSERT statement: 9 parameters each stays far below SQLite's limit, and one
/// prepared statement of this shape is reused for the whole file.
const ROWS_PER_STATEMENT: usize = 400;
/// Line errors kept in the report; the rest are only counted.
const MAX_REPORTED_ERRORS: usize = 1000;
const DEMO_CSV: &str = include_str!("../../demo/padron_demo.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub imported: u64,
    pub rejected: u64,
    /// The first errors, in line order (at most 1000).
    pub errors: Vec<LineError>,
    pub replaced_demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Demo,
    File,
}

impl Desk {
    /// Imports a roster CSV file chosen at the desk; `progress` is called after each batch.
    pub async fn import_roster(
        &self,
        path: &Path,
        progress: impl FnMut(ImportProgress) + Send,
    ) -> Result<ImportReport> {
        self.current_clerk()?;
        import_csv_file(&self.store, path, self.clock.now(), progress).await
    }
}

/// Loads the embedded demo roster when the roster is empty, so a new install can follow
/// the whole flow. Every demo row is flagged and removed by the first real import.
pub async fn seed_demo_if_empty(store: &Store, now: DateTime<Utc>) -> Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM roster_affiliates")
        .fetch_one(store.reader())
        .await?;
    if count > 0 {
        return Ok(false);
    }
    let report = import(
        store,
        DEMO_CSV.as_bytes(),
        DEMO_CSV.len() as u64,
        now,
        Source::Demo,
        |_| {},
    )
    .await?;
    if report.rejected > 0 {
        return Err(Error::Internal(format!(
            "demo roster has {} bad lines",
            report.rejected
        )));
    }
    Ok(true)
}

/// Imports a roster CSV file; `progress` is called after each batch of rows.
pub async fn import_csv_file(
    store: &Store,
    path: &Path,
    now: DateTime<Utc>,
    progress: impl FnMut(ImportProgress) + Send,
) -> Result<ImportReport> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::RosterFile(format!("no se pudo abrir «{}» ({e}).", path.display())))?;
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    import(store, file, total_bytes, now, Source::File, progress).await
}

/// Imports a roster CSV from any reader (the file, or bytes already in memory).
pub async fn import_csv_reader(
    store: &Store,
    reader: impl Read + Send + 'static,
    total_bytes: u64,
    now: DateTime<Utc>,
    progress: impl FnMut(ImportProgress) + Send,
) -> Result<ImportReport> {
    import(store, reader, total_bytes, now, Source::File, progress).await
}

async fn import(
    store: &Store,
    reader: impl Read + Send + 'static,
    total_bytes: u64,
    now: DateTime<Utc>,
    source: Source,
    mut progress: impl FnMut(ImportProgress) + Send,
) -> Result<ImportReport> {
    // Parsing runs on a blocking thread while this task writes: on two cores the CSV
    // parse and the SQLite inserts overlap.
    let (tx_batches, mut rx_batches) = tokio::sync::mpsc::channel::<Result<Batch>>(4);
    let parser = tokio::task::spawn_blocking(move || parse_csv(reader, total_bytes, &tx_batches));

    let mut db = store.writer().begin().await?;
    let replaced_demo = if source == Source::File {
        sqlx::query("DELETE FROM roster_affiliates WHERE is_demo = 1")
            .execute(&mut *db)
            .await?
            .rows_affected()
            > 0
    } else {
        false
    };
    let updated_at = db_time(now);
    let full_statement = insert_statement(ROWS_PER_STATEMENT);
    let mut report = ImportReport {
        imported: 0,
        rejected: 0,
        errors: Vec::new(),
        replaced_demo,
    };
    while let Some(batch) = rx_batches.recv().await {
        let batch = batch?;
        report.rejected += batch.errors.len() as u64;
        let room = MAX_REPORTED_ERRORS.saturating_sub(report.errors.len());
        report.errors.extend(batch.errors.into_iter().take(room));
        for chunk in batch.rows.chunks(ROWS_PER_STATEMENT) {
            let partial;
            let sql = if chunk.len() == ROWS_PER_STATEMENT {
                full_statement.as_str()
            } else {
                partial = insert_statement(chunk.len());
                partial.as_str()
            };
            let mut query = sqlx::query(sql);
            for row in chunk {
                query = query
                    .bind(row.affiliation.as_str())
                    .bind(row.serial.as_str())
                    .bind(&row.full_name)
                    .bind(search_key(&row.full_name))
                    .bind(row.kind)
                    .bind(&row.nucleus)
                    .bind(row.is_current)
                    .bind(source == Source::Demo)
                    .bind(&updated_at);
            }
            query.execute(&mut *db).await?;
            report.imported += chunk.len() as u64;
        }
        progress(batch.progress);
    }
    parser
        .await
        .map_err(|e| Error::Internal(format!("roster parser thread: {e}")))??;
    if source == Source::File {
        meta::set(&mut db, meta::ROSTER_IMPORTED_AT, &updated_at).await?;
    }
    db.commit().await?;
    Ok(report)
}

fn insert_statement(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name,
                                        search_name, kind, family_nucleus, is_current, is_demo,
                                        updated_at) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?,?)");
    }
    sql.push_str(
        " ON CONFLICT (affiliation_number) DO UPDATE SET
            credential_serial = excluded.credential_serial, full_name = excluded.full_name,
            search_name = excluded.search_name,
            kind = excluded.kind, family_nucleus = excluded.family_nucleus,
            is_current = excluded.is_current, is_demo = excluded.is_demo,
            updated_at = excluded.updated_at",
    );
    sql
}
