//! `--importar-padron ARCHIVO`: the institute's roster CSV into the central roster, read by
//! the stations' own parser (same columns, same per-line errors), in one transaction, and
//! audited. Only rows that change get a new `change_seq`, so the offices' next sync pulls
//! exactly what changed.

use crate::failure::Failure;
use registro_core::roster::{ImportProgress, LineError, RosterBatch, RosterRow, parse_roster_csv};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;
use std::path::Path;

/// Rows per round trip (one array per column).
const ROWS_PER_STATEMENT: usize = 2_000;

/// What an import did, for the administrator and the audit trail.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CentralImportReport {
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Changed rows whose credential serial changed.
    pub serial_changes: u64,
    pub rejected: u64,
    pub sha256: String,
}

/// Imports `path` into the central roster; `progress` after each batch and `line_error`
/// for each refused line, as they are read. Nothing is written unless the whole file is.
pub async fn import_roster(
    pool: &PgPool,
    path: &Path,
    mut progress: impl FnMut(&ImportProgress),
    mut line_error: impl FnMut(&LineError),
) -> Result<CentralImportReport, Failure> {
    // Read whole: the digest in the audit trail is of exactly the bytes parsed.
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::RosterFile(format!("no se pudo abrir «{}» ({e}).", path.display()))
    })?;
    let mut report = CentralImportReport {
        sha256: hex::encode(Sha256::digest(&bytes)),
        ..Default::default()
    };
    let total_bytes = bytes.len() as u64;
    let (sender, mut batches) = tokio::sync::mpsc::channel::<registro_core::Result<RosterBatch>>(4);
    let parser = tokio::task::spawn_blocking(move || {
        parse_roster_csv(std::io::Cursor::new(bytes), total_bytes, &sender)
    });

    let mut tx = pool.begin().await.map_err(database)?;
    while let Some(batch) = batches.recv().await {
        let batch = batch.map_err(file_refused)?;
        for error in &batch.errors {
            line_error(error);
        }
        report.rejected += batch.errors.len() as u64;
        for chunk in batch.rows.chunks(ROWS_PER_STATEMENT) {
            count_changes(&mut tx, chunk, &mut report).await?;
            upsert(&mut tx, chunk).await?;
        }
        progress(&batch.progress);
    }
    parser
        .await
        .map_err(|e| Failure::RosterFile(format!("la lectura del archivo se interrumpió ({e}).")))?
        .map_err(file_refused)?;

    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, clerk, office, workstation, detail)
         VALUES ($1, now(), 'padron_importado', current_user, 'central', 'registro-central', $2)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(serde_json::json!({
        "archivo": file_name,
        "sha256": report.sha256,
        "agregados": report.added,
        "cambiados": report.changed,
        "sin_cambio": report.unchanged,
        "series_cambiadas": report.serial_changes,
        "rechazados": report.rejected,
    }))
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    tx.commit().await.map_err(database)?;
    Ok(report)
}

type Stored = (String, String, String, bool);

/// Which rows of `chunk` are new, which change a row (and its serial), which leave it as is.
async fn count_changes(
    tx: &mut Transaction<'_, Postgres>,
    chunk: &[RosterRow],
    report: &mut CentralImportReport,
) -> Result<(), Failure> {
    let numbers: Vec<&str> = chunk.iter().map(|r| r.affiliation.as_str()).collect();
    let existing: HashMap<String, (String, Stored)> = sqlx::query_as::<
        _,
        (String, String, String, String, String, bool),
    >(
        "SELECT affiliation_number, credential_serial, full_name, kind, family_nucleus, is_current
           FROM roster_affiliates WHERE affiliation_number = ANY($1)",
    )
    .bind(&numbers)
    .fetch_all(&mut **tx)
    .await
    .map_err(database)?
    .into_iter()
    .map(|(number, serial, name, kind, nucleus, current)| {
        (number, (serial, (name, kind, nucleus, current)))
    })
    .collect();
    for row in chunk {
        match existing.get(row.affiliation.as_str()) {
            None => report.added += 1,
            Some((serial, rest)) => {
                let serial_changed = serial != row.serial.as_str();
                let same_rest = *rest
                    == (
                        row.full_name.clone(),
                        row.kind.as_str().to_owned(),
                        row.nucleus.clone(),
                        row.is_current,
                    );
                if serial_changed || !same_rest {
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

/// Inserts new rows and updates changed ones; an unchanged row keeps its `change_seq`, so
/// no station pulls it again.
async fn upsert(tx: &mut Transaction<'_, Postgres>, chunk: &[RosterRow]) -> Result<(), Failure> {
    let column = |f: fn(&RosterRow) -> String| chunk.iter().map(f).collect::<Vec<String>>();
    sqlx::query(
        "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name, kind,
                                        family_nucleus, is_current)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[])
         ON CONFLICT (affiliation_number) DO UPDATE SET
             credential_serial = EXCLUDED.credential_serial, full_name = EXCLUDED.full_name,
             kind = EXCLUDED.kind, family_nucleus = EXCLUDED.family_nucleus,
             is_current = EXCLUDED.is_current,
             change_seq = nextval('change_seq'), updated_at = now()
         WHERE (roster_affiliates.credential_serial, roster_affiliates.full_name, roster_affiliates.kind,
                roster_affiliates.family_nucleus, roster_affiliates.is_current)
               IS DISTINCT FROM
               (EXCLUDED.credential_serial, EXCLUDED.full_name, EXCLUDED.kind,
                EXCLUDED.family_nucleus, EXCLUDED.is_current)",
    )
    .bind(column(|r| r.affiliation.as_str().to_owned()))
    .bind(column(|r| r.serial.as_str().to_owned()))
    .bind(column(|r| r.full_name.clone()))
    .bind(column(|r| r.kind.as_str().to_owned()))
    .bind(column(|r| r.nucleus.clone()))
    .bind(chunk.iter().map(|r| r.is_current).collect::<Vec<bool>>())
    .execute(&mut **tx)
    .await
    .map_err(database)?;
    Ok(())
}

/// The parser's own sentence (what is wrong with the file), without the station's preamble.
fn file_refused(e: registro_core::Error) -> Failure {
    match e {
        registro_core::Error::RosterFile(why) => Failure::RosterFile(why),
        other => Failure::RosterFile(other.to_string()),
    }
}

fn database(e: sqlx::Error) -> Failure {
    Failure::Database(e.to_string())
}
