//! A report as a file: CSV (UTF-8 with its mark, so spreadsheet programs read the
//! accents) or XLSX (two sheets: per desk and per day). Headers are Spanish, and no text
//! cell can start a formula: an office, station or clerk name that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets an apostrophe in front, so a spreadsheet
//! shows it as typed instead of running it.

use super::{Figures, Report};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What the supervisor asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// A file ready to write: its suggested name and its bytes.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The headers of the per-desk table, in order.
pub const DESK_HEADERS: [&str; 11] = [
    "Día",
    "Oficina",
    "Estación",
    "Capturista",
    "Registros",
    "Validaciones",
    "Vencidos sin validar",
    "Cancelaciones",
    "Correo a tiempo",
    "Registros medidos",
    "Promesa cumplida (%)",
];

/// The headers of the per-day table, in order.
pub const DAY_HEADERS: [&str; 8] = [
    "Día",
    "Registros",
    "Validaciones",
    "Vencidos sin validar",
    "Cancelaciones",
    "Correo a tiempo",
    "Registros medidos",
    "Promesa cumplida (%)",
];

/// `text` as a spreadsheet will show it, never as a formula.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn counts(f: &Figures) -> [u32; 6] {
    [
        f.registrations,
        f.validations,
        f.expiries,
        f.cancellations,
        f.promise_kept,
        f.promise_judged,
    ]
}

fn percent_text(f: &Figures) -> String {
    f.promise_percent
        .map(|p| format!("{p:.1}"))
        .unwrap_or_default()
}

/// One row per day and desk, as CSV.
pub fn csv(report: &Report) -> Result<Vec<u8>> {
    let failed = |e: csv::Error| Error::Internal(format!("report csv: {e}"));
    // The byte-order mark tells spreadsheet programs the file is UTF-8.
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(DESK_HEADERS).map_err(failed)?;
    for row in &report.rows {
        let mut record = vec![
            neutralise(&row.day),
            neutralise(&row.office),
            neutralise(&row.workstation),
            neutralise(&row.clerk),
        ];
        record.extend(counts(&row.figures).iter().map(u32::to_string));
        record.push(percent_text(&row.figures));
        writer.write_record(&record).map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("report csv: {e}")))
}

/// The per-desk and per-day tables as a workbook.
pub fn xlsx(report: &Report) -> Result<Vec<u8>> {
    build_xlsx(report).map_err(|e| Error::Internal(format!("report xlsx: {e}")))
}

fn build_xlsx(report: &Report) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0");

    let sheet = workbook.add_worksheet();
    sheet.set_name("Por estación y capturista")?;
    for (col, header) in (0u16..).zip(DESK_HEADERS) {
        sheet.write_string_with_format(0, col, header, &bold)?;
        sheet.set_column_width(col, if col < 4 { 22 } else { 14 })?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (row, line) in (1u32..).zip(&report.rows) {
        for (col, text) in (0u16..).zip([&line.day, &line.office, &line.workstation, &line.clerk]) {
            sheet.write_string(row, col, neutralise(text))?;
        }
        for (col, value) in (4u16..).zip(counts(&line.figures)) {
            sheet.write_number(row, col, f64::from(value))?;
        }
        if let Some(p) = line.figures.promise_percent {
            sheet.write_number_with_format(row, 10, p, &percent)?;
        }
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name("Por día")?;
    for (col, header) in (0u16..).zip(DAY_HEADERS) {
        sheet.write_string_with_format(0, col, header, &bold)?;
        sheet.set_column_width(col, 14)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (row, day) in (1u32..).zip(&report.days) {
        sheet.write_string(row, 0, neutralise(&day.day))?;
        for (col, value) in (1u16..).zip(counts(&day.figures)) {
            sheet.write_number(row, col, f64::from(value))?;
        }
        if let Some(p) = day.figures.promise_percent {
            sheet.write_number_with_format(row, 7, p, &percent)?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_prefixes_are_neutralised_and_other_text_is_not() {
        for risky in ["=1+1", "+52", "-3", "@SUMA(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(risky), format!("'{risky}"));
        }
        for plain in ["Oficina Mexicali", "", "a=b", "27/11/2026"] {
            assert_eq!(neutralise(plain), plain);
        }
    }
}
