//! The audit log viewer: a supervisor reads the station's audit trail a page at a time,
//! filtered by dates, clerk, action and folio, and exports what the filter finds as a CSV
//! file Excel opens as it is (UTF-8 with BOM, Spanish headers, no cell read as a formula).
//! Clerks cannot: the core refuses them, whatever the screen shows.

use crate::desk::Desk;
use crate::domain::{Field, FieldError};
use crate::error::{Error, Result};
use crate::store::db_time;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Entries per page on screen.
pub const PAGE_SIZE: i64 = 50;
/// An export stops here: more than any office writes in years, less than Excel's limit.
const MAX_EXPORT_ROWS: i64 = 500_000;
const TASK: &str = "consultar la bitácora de auditoría";

/// The filter as the screen sends it: empty texts mean «any».
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditFilter {
    /// First day, `AAAA-MM-DD` (the date input's value), in the station's time.
    #[serde(default)]
    pub from: String,
    /// Last day, included.
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub clerk: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub folio: String,
}

/// A filter read: every part the database can compare as it is.
#[derive(Debug, Clone, Default)]
struct AuditQuery {
    since: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
    clerk: Option<String>,
    action: Option<String>,
    folio: Option<String>,
}

impl AuditQuery {
    fn parse(filter: &AuditFilter) -> Result<Self> {
        let mut errors = Vec::new();
        let mut day = |text: &str, field: Field| -> Option<NaiveDate> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| {
                    errors.push(FieldError::new(
                        field,
                        "formato",
                        "Escriba la fecha completa (día, mes y año).",
                    ))
                })
                .ok()
        };
        let from = day(&filter.from, Field::AuditFrom);
        let to = day(&filter.to, Field::AuditTo);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            errors.push(FieldError::new(
                Field::AuditTo,
                "orden",
                "La fecha final es anterior a la inicial: corrija alguna de las dos.",
            ));
        }
        let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        let folio = text(&filter.folio).map(|f| f.to_uppercase());
        if let Some(f) = &folio
            && (f.chars().count() > 40 || crate::domain::hidden_character(f).is_some())
        {
            errors.push(FieldError::new(
                Field::Folio,
                "formato",
                "Escriba el folio como viene en el comprobante, por ejemplo RSL-261127-AB12-CD34.",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Fields(errors));
        }
        Ok(Self {
            since: from.map(start_of),
            before: to.and_then(|d| d.succ_opt()).map(start_of),
            clerk: text(&filter.clerk),
            action: text(&filter.action),
            folio,
        })
    }
}

/// Midnight of `day` in the station's time zone, as an instant.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Local
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub action: String,
    pub clerk: String,
    pub office: String,
    pub workstation: String,
    pub folio: Option<String>,
    pub affiliation_number: Option<String>,
    /// The event's details as recorded (identifiers, reasons; never personal data).
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries the filter finds, on every page.
    pub total: i64,
    /// From 1.
    pub page: i64,
    pub pages: i64,
    /// Who and what appear in the whole log, for the filter's lists.
    pub clerks: Vec<String>,
    pub actions: Vec<String>,
}

/// The CSV file's contents and how many entries it holds.
#[derive(Debug, Clone)]
pub struct AuditExport {
    pub csv: Vec<u8>,
    pub rows: i64,
}

const SELECT: &str = "SELECT e.id, e.occurred_at, e.action, e.clerk, e.office, e.workstation,
        coalesce(r.folio, json_extract(e.detail, '$.folio')) AS folio, e.affiliation_number,
        e.detail
   FROM audit_events e
   LEFT JOIN registrations r ON r.id = e.registration_id";
const FILTER: &str = "
  WHERE (?1 IS NULL OR e.occurred_at >= ?1) AND (?2 IS NULL OR e.occurred_at < ?2)
    AND (?3 IS NULL OR e.clerk = ?3) AND (?4 IS NULL OR e.action = ?4)
    AND (?5 IS NULL OR r.folio = ?5 OR json_extract(e.detail, '$.folio') = ?5)";

impl Desk {
    /// One page of the audit trail under `filter` (supervisors only), newest first.
    pub async fn audit_log(&self, filter: &AuditFilter, page: i64) -> Result<AuditPage> {
        self.require_supervisor(TASK)?;
        let query = AuditQuery::parse(filter)?;
        let reader = self.store.reader();
        let (total,): (i64,) = bind(
            sqlx::query_as(&format!(
                "SELECT count(*) FROM audit_events e
                   LEFT JOIN registrations r ON r.id = e.registration_id{FILTER}"
            )),
            &query,
        )
        .fetch_one(reader)
        .await?;
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = page.clamp(1, pages);
        let entries: Vec<AuditEntry> = bind(
            sqlx::query_as(&format!(
                "{SELECT}{FILTER} ORDER BY e.occurred_at DESC, e.rowid DESC LIMIT ?6 OFFSET ?7"
            )),
            &query,
        )
        .bind(PAGE_SIZE)
        .bind((page - 1) * PAGE_SIZE)
        .fetch_all(reader)
        .await?;
        let clerks = sqlx::query_scalar("SELECT DISTINCT clerk FROM audit_events ORDER BY clerk")
            .fetch_all(reader)
            .await?;
        let actions =
            sqlx::query_scalar("SELECT DISTINCT action FROM audit_events ORDER BY action")
                .fetch_all(reader)
                .await?;
        Ok(AuditPage {
            entries,
            total,
            page,
            pages,
            clerks,
            actions,
        })
    }

    /// Everything `filter` finds, oldest first, as a CSV file for Excel (supervisors
    /// only). The export itself is audited, with its filter.
    pub async fn export_audit_log(&self, filter: &AuditFilter) -> Result<AuditExport> {
        let supervisor = self.require_supervisor(TASK)?;
        let query = AuditQuery::parse(filter)?;
        let entries: Vec<AuditEntry> = bind(
            sqlx::query_as(&format!(
                "{SELECT}{FILTER} ORDER BY e.occurred_at, e.rowid LIMIT ?6"
            )),
            &query,
        )
        .bind(MAX_EXPORT_ROWS)
        .fetch_all(self.store.reader())
        .await?;
        let csv = audit_csv(&entries);
        let mut work = self.work(Actor::Staff(supervisor.username)).await?;
        work.audit(
            "bitacora_exportada",
            Subject::Station,
            json!({
                "desde": filter.from.trim(), "hasta": filter.to.trim(), "usuario": filter.clerk.trim(),
                "accion": filter.action.trim(), "folio": query.folio, "renglones": entries.len(),
            }),
        )
        .await?;
        work.commit().await?;
        Ok(AuditExport {
            csv,
            rows: entries.len() as i64,
        })
    }
}

fn bind<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    query: &AuditQuery,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    q.bind(query.since.map(db_time))
        .bind(query.before.map(db_time))
        .bind(query.clerk.clone())
        .bind(query.action.clone())
        .bind(query.folio.clone())
}

/// The CSV columns, in Spanish: what the supervisor reads in Excel's first row.
const HEADERS: [&str; 8] = [
    "Fecha y hora",
    "Acción",
    "Usuario",
    "Oficina",
    "Estación",
    "Folio",
    "Número de afiliación",
    "Detalle",
];

/// UTF-8 with a byte order mark (Excel reads accents right only with it), CRLF line ends,
/// every cell quoted, and a cell that starts like a formula prefixed with an apostrophe.
pub fn audit_csv(entries: &[AuditEntry]) -> Vec<u8> {
    let mut out = String::from("\u{FEFF}");
    let line = |cells: &[&str], out: &mut String| {
        let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    };
    line(&HEADERS, &mut out);
    for e in entries {
        let when = e
            .occurred_at
            .with_timezone(&Local)
            .format("%d/%m/%Y %H:%M:%S")
            .to_string();
        line(
            &[
                &when,
                &e.action,
                &e.clerk,
                &e.office,
                &e.workstation,
                e.folio.as_deref().unwrap_or(""),
                e.affiliation_number.as_deref().unwrap_or(""),
                &e.detail,
            ],
            &mut out,
        );
    }
    out.into_bytes()
}

/// One cell: a text Excel would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) is kept as text with a leading apostrophe; quotes are doubled.
fn csv_cell(text: &str) -> String {
    let neutral = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", neutral.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_looks_like_a_formula_stays_text() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+52"), "\"'+52\"");
        assert_eq!(csv_cell("-1"), "\"'-1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("\t=1"), "\"'\t=1\"");
        assert_eq!(csv_cell("registro_creado"), "\"registro_creado\"");
    }
}
