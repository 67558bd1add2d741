//! The roster's CSV file, read on a blocking thread and handed over in batches.
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

use crate::domain::{AffiliateKind, AffiliationNumber, CredentialSerial, normalize_identifier};
use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Read;

pub const COLUMNS: [&str; 6] = [
    "numero_afiliacion",
    "numero_serie",
    "nombre_completo",
    "tipo",
    "nucleo_familiar",
    "vigente",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportProgress {
    pub lines_read: u64,
    pub bytes_read: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LineError {
    pub line: u64,
    pub column: Option<&'static str>,
    pub message: String,
}

/// A roster line, parsed.
pub struct RosterRow {
    pub affiliation: AffiliationNumber,
    pub serial: CredentialSerial,
    pub full_name: String,
    pub kind: AffiliateKind,
    pub nucleus: String,
    pub is_current: bool,
}

/// Parsed rows and line errors, up to a batch's worth, with how far the file is read.
pub struct Batch {
    pub rows: Vec<RosterRow>,
    pub errors: Vec<LineError>,
    pub progress: ImportProgress,
}

/// Column positions found in the header.
struct Layout([usize; 6]);

/// The longest line a roster may have. A real one is well under 200 bytes; a file that is
/// not a roster (a photo, a database dump without line breaks) stops here instead of
/// being read whole into memory as one record.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Passes the file through, refusing it at the first line longer than [`MAX_LINE_BYTES`]
/// (the refusal, in Spanish, is the error's text).
struct LineLimit<R> {
    inner: R,
    line: u64,
    since_newline: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &byte in &buf[..n] {
            if byte == b'\n' {
                self.line += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE_BYTES {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        LineTooLong(format!(
                            "la línea {} mide más de {} KiB; un padrón del Instituto tiene líneas cortas. ¿Se eligió otro archivo? No se cargó nada.",
                            self.line + 1,
                            MAX_LINE_BYTES / 1024
                        )),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// [`LineLimit`]'s refusal, told to the supervisor as it is.
#[derive(Debug)]
struct LineTooLong(String);

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LineTooLong {}

/// The file could not be read: the line limit's own words, or the system's.
fn unreadable(e: &std::io::Error) -> Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LineTooLong>())
    {
        Some(LineTooLong(message)) => Error::RosterFile(message.clone()),
        None => Error::RosterFile(format!("no se pudo leer ({e}). No se cargó nada.")),
    }
}

/// Reads a roster CSV on the calling (blocking) thread and sends its batches, in file
/// order, as they are read. The station's import and the central one share it, so a file
/// is judged the same way wherever it is loaded.
pub fn parse_csv(
    reader: impl Read,
    total_bytes: u64,
    out: &tokio::sync::mpsc::Sender<Result<Batch>>,
) -> Result<()> {
    let reader = LineLimit {
        inner: reader,
        line: 0,
        since_newline: 0,
    };
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
    // The line where each affiliation number first appeared: a second line for the same
    // number is refused, never silently written over the first (which one the institute
    // meant cannot be known, and the counts would lie).
    let mut first_line_of: std::collections::HashMap<String, u64> =
        std::collections::HashMap::new();
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match parse_row(&record, &layout) {
                Ok(row) => {
                    let line = record.position().map_or(line, |p| p.line());
                    match first_line_of.entry(row.affiliation.as_str().to_owned()) {
                        std::collections::hash_map::Entry::Occupied(first) => {
                            batch.errors.push(LineError {
                                line,
                                column: Some("numero_afiliacion"),
                                message: format!(
                                    "el número de afiliación {} ya apareció en la línea {}; se conserva esa línea y esta no se carga.",
                                    row.affiliation.as_str(),
                                    first.get()
                                ),
                            })
                        }
                        std::collections::hash_map::Entry::Vacant(slot) => {
                            slot.insert(line);
                            batch.rows.push(row);
                        }
                    }
                }
                Err((column, message)) => batch.errors.push(LineError {
                    line: record.position().map_or(line, |p| p.line()),
                    column,
                    message,
                }),
            },
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                // The file itself failed (unreadable, or a line past the limit): nothing
                // of it is loaded.
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(io) => unreadable(&io),
                    other => Error::RosterFile(format!("{other:?}")),
                });
            }
            Err(e) => batch.errors.push(LineError {
                line: e.position().map_or(line, |p| p.line()),
                column: None,
                message: format!("la línea no se pudo leer como CSV ({e})."),
            }),
        }
        if batch.rows.len() + batch.errors.len() >= BATCH_ROWS {
            batch.progress.lines_read = csv.position().line().saturating_sub(1);
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
    batch.progress.lines_read = csv.position().line().saturating_sub(1);
    batch.progress.bytes_read = total_bytes.max(csv.position().byte());
    let _ = out.blocking_send(Ok(batch));
    Ok(())
}

/// Excel in Spanish locales saves CSV with semicolons; look at the header line to tell.
fn sniff_delimiter(reader: &mut impl std::io::BufRead) -> Result<u8> {
    let head = reader.fill_buf().map_err(|e| unreadable(&e))?;
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
    if let Some(c) = crate::domain::hidden_character(&full_name) {
        return Err((
            Some(COLUMNS[2]),
            format!(
                "el nombre completo tiene un carácter invisible o de control (U+{:04X}); corrija la línea.",
                u32::from(c)
            ),
        ));
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

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Everything `parse_csv` says about `file`: rows, line errors, or the file refused.
    fn parse(file: &[u8]) -> Result<(Vec<RosterRow>, Vec<LineError>)> {
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        parse_csv(file, file.len() as u64, &tx)?;
        drop(tx);
        let (mut rows, mut errors) = (Vec::new(), Vec::new());
        while let Ok(batch) = rx.try_recv() {
            let batch = batch?;
            rows.extend(batch.rows);
            errors.extend(batch.errors);
        }
        Ok((rows, errors))
    }

    fn quoted(value: &[u8]) -> Vec<u8> {
        let mut out = vec![b'"'];
        for &b in value {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
        out
    }

    proptest! {
        // Any bytes at all (a photo chosen by mistake, a truncated download): an answer,
        // never a panic.
        #[test]
        fn any_file_is_read_or_refused_without_panicking(file in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse(&file);
        }

        // After a good header, any bytes as the lines: each accepted row holds only what
        // the parsers allow.
        #[test]
        fn any_line_after_a_good_header_is_a_clean_row_or_an_error(line in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut file = COLUMNS.join(",").into_bytes();
            file.push(b'\n');
            file.extend(&line);
            if let Ok((rows, _)) = parse(&file) {
                for row in rows {
                    prop_assert!(row.affiliation.as_str().chars().all(|c| c.is_ascii_alphanumeric()));
                    prop_assert!(row.serial.as_str().chars().all(|c| c.is_ascii_alphanumeric()));
                    prop_assert!(!row.full_name.is_empty());
                    prop_assert!(crate::domain::hidden_character(&row.full_name).is_none());
                }
            }
        }

        // Six arbitrary values, quoted as a spreadsheet saves them: exactly one row or one
        // error naming a column, for that one line.
        #[test]
        fn one_quoted_line_is_one_row_or_one_error_on_a_column(
            values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 6)
        ) {
            let mut file = COLUMNS.join(",").into_bytes();
            file.push(b'\n');
            let line: Vec<Vec<u8>> = values.iter().map(|v| quoted(v)).collect();
            file.extend(line.join(&b","[..]));
            file.push(b'\n');
            let (rows, errors) = parse(&file).expect("a short file with a good header");
            prop_assert_eq!(rows.len() + errors.len(), 1, "{:?}", errors);
            if let Some(error) = errors.first() {
                prop_assert!(error.column.is_some(), "{:?}", error);
                prop_assert!(!error.message.trim().is_empty());
            }
        }
    }
}
