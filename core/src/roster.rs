//! The copy of the affiliate roster kept on each workstation, and its CSV import.
//!
//! CSV format (UTF-8, header required, comma or semicolon separated, any column order):
//!
//! | column              | content                                                  |
//! |---------------------|----------------------------------------------------------|
//! | `numero_afiliacion` | affiliation number (spaces and hyphens ignored)          |
//! | `numero_serie`      | serial printed on the back of the credential             |
//! | `nombre_completo`   | full name                                                |
//! | `tipo`              | `titular` or `beneficiario` (also `T` / `B`)             |
//! | `nucleo_familiar`   | identifier of the family nucleus (the titular's number)  |
//! | `vigente`           | `si` / `no` (also `1`/`0`, `true`/`false`)               |
//!
//! Bad lines are reported with their line number and column and skipped; good lines are
//! written in one transaction (all or none if the write itself fails), upserting by
//! affiliation number, so importing the same file twice changes nothing.

use crate::desk::Desk;
pub use crate::domain::AffiliateKind;
use crate::domain::{AffiliationNumber, CredentialSerial, normalize_identifier, search_key};
use crate::error::{Error, Result};
pub use crate::store::roster::{RosterEntry, RosterSummary, find, summary};
use crate::store::{Store, db_time, meta};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Read;
use std::path::Path;

pub const COLUMNS: [&str; 6] = [
    "numero_afiliacion",
    "numero_serie",
    "nombre_completo",
    "tipo",
    "nucleo_familiar",
    "vigente",
];

/// Rows per INSERT statement: 9 parameters each stays far below SQLite's limit, and one
/// prepared statement of this shape is reused for the whole file.
const ROWS_PER_STATEMENT: usize = 400;
/// Line errors kept in the report; the rest are only counted.
const MAX_REPORTED_ERRORS: usize = 1000;
const DEMO_CSV: &str = include_str!("../demo/padron_demo.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    pub lines_read: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: u64,
    pub column: Option<&'static str>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

struct RosterRow {
    affiliation: AffiliationNumber,
    serial: CredentialSerial,
    full_name: String,
    kind: AffiliateKind,
    nucleus: String,
    is_current: bool,
}

struct Batch {
    rows: Vec<RosterRow>,
    errors: Vec<LineError>,
    progress: ImportProgress,
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

/// Column positions found in the header.
struct Layout([usize; 6]);

fn parse_csv(
    reader: impl Read,
    total_bytes: u64,
    out: &tokio::sync::mpsc::Sender<Result<Batch>>,
) -> Result<()> {
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, reader);
    let delimiter = sniff_delimiter(&mut reader)?;
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let layout = read_layout(&mut csv)?;

    const BATCH_ROWS: usize = 20_000;
    let mut batch = Batch {
        rows: Vec::with_capacity(BATCH_ROWS),
        errors: Vec::new(),
        progress: ImportProgress {
            lines_read: 0,
            bytes_read: 0,
            total_bytes,
        },
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match parse_row(&record, &layout) {
                Ok(row) => batch.rows.push(row),
                Err((column, message)) => batch.errors.push(LineError {
                    line: record.position().map_or(line, |p| p.line()),
                    column,
                    message,
                }),
            },
            Err(e) => batch.errors.push(LineError {
                line: e.position().map_or(line, |p| p.line()),
                column: None,
                message: format!("la línea no se pudo leer como CSV ({e})."),
            }),
        }
        if batch.rows.len() + batch.errors.len() >= BATCH_ROWS {
            batch.progress.lines_read = csv.position().line();
            batch.progress.bytes_read = csv.position().byte();
            let full = std::mem::replace(
                &mut batch,
                Batch {
                    rows: Vec::with_capacity(BATCH_ROWS),
                    errors: Vec::new(),
                    progress: ImportProgress {
                        lines_read: 0,
                        bytes_read: 0,
                        total_bytes,
                    },
                },
            );
            if out.blocking_send(Ok(full)).is_err() {
                return Ok(()); // the writer stopped; it reports its own error
            }
        }
    }
    batch.progress.lines_read = csv.position().line();
    batch.progress.bytes_read = total_bytes.max(csv.position().byte());
    let _ = out.blocking_send(Ok(batch));
    Ok(())
}

/// Excel in Spanish locales saves CSV with semicolons; look at the header line to tell.
fn sniff_delimiter(reader: &mut impl std::io::BufRead) -> Result<u8> {
    let head = reader
        .fill_buf()
        .map_err(|e| Error::RosterFile(format!("no se pudo leer ({e}).")))?;
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let semicolons = first_line.iter().filter(|b| **b == b';').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    Ok(if semicolons > commas { b';' } else { b',' })
}

fn read_layout<R: Read>(csv: &mut csv::Reader<R>) -> Result<Layout> {
    let headers = csv
        .byte_headers()
        .map_err(|e| Error::RosterFile(format!("la primera línea no es un encabezado CSV ({e}).")))?
        .clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_lowercase()
        })
        .collect();
    let mut positions = [0usize; 6];
    let mut missing = Vec::new();
    for (i, column) in COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == column) {
            Some(p) => positions[i] = p,
            None => missing.push(*column),
        }
    }
    if !missing.is_empty() {
        return Err(Error::RosterFile(format!(
            "al encabezado le faltan las columnas {}. Se esperan: {}.",
            missing.join(", "),
            COLUMNS.join(", ")
        )));
    }
    Ok(Layout(positions))
}

type RowError = (Option<&'static str>, String);

fn parse_row(
    record: &csv::ByteRecord,
    layout: &Layout,
) -> std::result::Result<RosterRow, RowError> {
    let get = |i: usize| -> std::result::Result<&str, RowError> {
        let column = COLUMNS[i];
        let bytes = record
            .get(layout.0[i])
            .ok_or_else(|| (Some(column), format!("falta la columna {column}.")))?;
        std::str::from_utf8(bytes).map_err(|_| {
            (
                Some(column),
                "el texto no está en UTF-8; guarde el archivo como «CSV UTF-8».".to_owned(),
            )
        })
    };
    let affiliation =
        AffiliationNumber::parse(get(0)?).map_err(|e| (Some(COLUMNS[0]), e.message))?;
    let serial = CredentialSerial::parse(get(1)?).map_err(|e| (Some(COLUMNS[1]), e.message))?;
    let full_name = get(2)?.split_whitespace().collect::<Vec<_>>().join(" ");
    if full_name.is_empty() {
        return Err((Some(COLUMNS[2]), "falta el nombre completo.".to_owned()));
    }
    if full_name.chars().count() > 200 {
        return Err((
            Some(COLUMNS[2]),
            "el nombre completo pasa de 200 caracteres.".to_owned(),
        ));
    }
    let kind = match get(3)?.to_lowercase().as_str() {
        "titular" | "t" => AffiliateKind::Titular,
        "beneficiario" | "beneficiaria" | "b" => AffiliateKind::Beneficiario,
        other => {
            return Err((
                Some(COLUMNS[3]),
                format!("tipo «{other}» desconocido: use titular o beneficiario."),
            ));
        }
    };
    let nucleus = normalize_identifier(get(4)?);
    if nucleus.is_empty() || !nucleus.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err((
            Some(COLUMNS[4]),
            "el núcleo familiar debe ser un identificador de letras y números.".to_owned(),
        ));
    }
    let is_current = match get(5)?.to_lowercase().as_str() {
        "si" | "sí" | "s" | "1" | "true" | "vigente" => true,
        "no" | "n" | "0" | "false" | "no vigente" => false,
        other => {
            return Err((
                Some(COLUMNS[5]),
                format!("vigente «{other}» no se entiende: use si o no."),
            ));
        }
    };
    Ok(RosterRow {
        affiliation,
        serial,
        full_name,
        kind,
        nucleus,
        is_current,
    })
}
