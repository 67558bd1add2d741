//! The copy of the affiliate roster kept on each workstation, and its CSV import: bad
//! lines are reported with their line number and column and skipped; good lines are
//! written in one transaction (all or none if the write itself fails), upserting by
//! affiliation number, so importing the same file twice changes nothing.

mod csv;

pub use crate::store::roster::{RosterEntry, RosterSummary, find, summary};
pub use csv::{
    Batch as RosterBatch, COLUMNS, ImportProgress, LineError, RosterRow,
    parse_csv as parse_roster_csv,
};

use crate::desk::Desk;
use crate::domain::AffiliateKind;
use crate::domain::search_key;
use crate::error::{Error, Result};
use crate::store::{Store, db_time, meta};
use chrono::{DateTime, Utc};
use csv::{Batch, parse_csv};
use serde::Serialize;
use sha2::{Digest, Sha256};
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
    /// Good lines written: `added + changed + unchanged`.
    pub imported: u64,
    /// Affiliation numbers the roster did not have.
    pub added: u64,
    /// Affiliation numbers whose row the file changed.
    pub changed: u64,
    pub unchanged: u64,
    /// Changed rows whose credential serial changed: the affiliate's only secret at the
    /// desk, so the audit trail counts them apart.
    pub serial_changes: u64,
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
    /// Only a supervisor imports (the serial in each row is what proves an affiliate at the
    /// desk, so whoever writes the roster decides who can register), and only a station
    /// without a central database (with one, the roster comes from the central one). The
    /// import is audited in its own transaction: who, which file and its SHA-256, and what
    /// it added, changed and refused.
    pub async fn import_roster(
        &self,
        path: &Path,
        progress: impl FnMut(ImportProgress) + Send,
    ) -> Result<ImportReport> {
        let supervisor = self.require_supervisor("importar el padrón")?;
        if self.central().is_some() {
            return Err(Error::RosterFile(
                "Esta estación recibe el padrón de la base central; no se importa aquí. El padrón se carga en el servicio central (registro-central --importar-padron)."
                    .into(),
            ));
        }
        let file = std::fs::File::open(path).map_err(|e| {
            Error::RosterFile(format!("no se pudo abrir «{}» ({e}).", path.display()))
        })?;
        let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let audit = ImportAudit {
            settings: self.settings(),
            actor: supervisor.username,
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        import(
            &self.store,
            file,
            total_bytes,
            self.clock.now(),
            Source::File,
            Some(audit),
            progress,
        )
        .await
    }
}

/// Who imported which file, for the audit event written with the import.
struct ImportAudit {
    settings: crate::config::Settings,
    actor: String,
    file_name: String,
}

/// Reads through to the parser while hashing exactly the bytes it parses.
struct HashingReader<R> {
    inner: R,
    hasher: std::sync::Arc<std::sync::Mutex<Sha256>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher
            .lock()
            .expect("import hash lock")
            .update(&buf[..n]);
        Ok(n)
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
        None,
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

/// Removes the demo roster (a station joined to the central database never keeps it) and
/// holds back what was registered on it (store::roster::retire_demo).
pub async fn retire_demo(store: &Store) -> Result<crate::store::roster::DemoRetired> {
    let mut tx = store.begin_write().await?;
    let retired = crate::store::roster::retire_demo(&mut tx).await?;
    tx.commit().await?;
    Ok(retired)
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
    import(store, file, total_bytes, now, Source::File, None, progress).await
}

/// Imports a roster CSV from any reader (the file, or bytes already in memory).
pub async fn import_csv_reader(
    store: &Store,
    reader: impl Read + Send + 'static,
    total_bytes: u64,
    now: DateTime<Utc>,
    progress: impl FnMut(ImportProgress) + Send,
) -> Result<ImportReport> {
    import(
        store,
        reader,
        total_bytes,
        now,
        Source::File,
        None,
        progress,
    )
    .await
}

async fn import(
    store: &Store,
    reader: impl Read + Send + 'static,
    total_bytes: u64,
    now: DateTime<Utc>,
    source: Source,
    audit: Option<ImportAudit>,
    mut progress: impl FnMut(ImportProgress) + Send,
) -> Result<ImportReport> {
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let reader = HashingReader {
        inner: reader,
        hasher: hasher.clone(),
    };
    // Parsing runs on a blocking thread while this task writes: on two cores the CSV
    // parse and the SQLite inserts overlap.
    let (tx_batches, mut rx_batches) = tokio::sync::mpsc::channel::<Result<Batch>>(4);
    let parser = tokio::task::spawn_blocking(move || parse_csv(reader, total_bytes, &tx_batches));

    let mut db = store.begin_write().await?;
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
        added: 0,
        changed: 0,
        unchanged: 0,
        serial_changes: 0,
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
            if audit.is_some() {
                count_changes(&mut db, chunk, &mut report).await?;
            }
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
    if let Some(audit) = audit {
        let sha256 = hex::encode(hasher.lock().expect("import hash lock").clone().finalize());
        crate::audit::record(
            &mut db,
            &audit.settings,
            now,
            &audit.actor,
            crate::audit::Subject::Station,
            "padron_importado",
            serde_json::json!({
                "archivo": audit.file_name,
                "sha256": sha256,
                "agregados": report.added,
                "cambiados": report.changed,
                "sin_cambio": report.unchanged,
                "series_cambiadas": report.serial_changes,
                "rechazados": report.rejected,
                "retiro_demostracion": report.replaced_demo,
            }),
        )
        .await?;
    }
    db.commit().await?;
    Ok(report)
}

/// Counts, before `chunk` is written, which of its rows are new, which change a row (and
/// its serial) and which leave it as it is. One indexed query per statement's worth of
/// rows; only audited imports pay it.
async fn count_changes(
    db: &mut sqlx::SqliteConnection,
    chunk: &[csv::RosterRow],
    report: &mut ImportReport,
) -> Result<()> {
    let placeholders = vec!["?"; chunk.len()].join(",");
    let sql = format!(
        "SELECT affiliation_number, credential_serial, full_name, kind, family_nucleus, is_current
           FROM roster_affiliates WHERE affiliation_number IN ({placeholders})"
    );
    let mut query =
        sqlx::query_as::<_, (String, String, String, AffiliateKind, String, bool)>(&sql);
    for row in chunk {
        query = query.bind(row.affiliation.as_str());
    }
    let existing: std::collections::HashMap<String, (String, String, AffiliateKind, String, bool)> =
        query
            .fetch_all(&mut *db)
            .await?
            .into_iter()
            .map(|(number, serial, name, kind, nucleus, current)| {
                (number, (serial, name, kind, nucleus, current))
            })
            .collect();
    for row in chunk {
        match existing.get(row.affiliation.as_str()) {
            None => report.added += 1,
            Some((serial, name, kind, nucleus, current)) => {
                let serial_changed = serial != row.serial.as_str();
                if serial_changed
                    || *name != row.full_name
                    || *kind != row.kind
                    || *nucleus != row.nucleus
                    || *current != row.is_current
                {
                    report.changed += 1;
                    report.serial_changes += u64::from(serial_changed);
                } else {
                    report.unchanged += 1;
                }
            }
        }
    }
    Ok(())
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
