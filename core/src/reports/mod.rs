//! Reports («Reportes») for supervisors: per Baja California day, office, station and
//! clerk, how many registrations were taken, validated, left to expire and cancelled, and
//! how often the institute's promise was kept (the validation email accepted by the mail
//! server within `delivery_promise_minutes` of the registration).
//!
//! The figures come from this station's database, or, with the central database
//! configured, from the central data of the whole office (or of the institute, for a
//! central account allowed to see it). Either way they are counted here, by one rule:
//!
//! - a registration counts on the day it was taken; a validation, an expiry or a
//!   cancellation on the day it happened; all under the clerk, station and office that
//!   took the registration (a supervisor reads how each desk's registrations ended);
//! - the promise is judged for the registrations of the day: kept when the first
//!   validation email was accepted within the limit, broken when it was accepted later or
//!   is still not out once the limit passed; a registration closed or validated within the
//!   limit before any email left, or still within its limit, is not judged.
//!
//! [`chart`] draws the last 30 days as SVG; [`export`] writes CSV and XLSX.

pub mod chart;
pub mod export;

pub use export::{ExportFile, ExportFormat};

use crate::desk::Desk;
use crate::domain::{RegistrationState, day_text, institute_day, institute_day_start};
use crate::error::{Error, Result};
use crate::store::db_time;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many days a report covers, today included.
pub const REPORT_DAYS: u32 = 30;

/// Whose figures a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReportScope {
    /// This station's own database: always available, also offline.
    Station,
    /// Every station of this office, from the central database.
    Office,
    /// Every office, from the central database, for a central account allowed to see it.
    Institute,
}

impl ReportScope {
    /// The scope in a file name.
    fn file_word(self) -> &'static str {
        match self {
            ReportScope::Station => "estacion",
            ReportScope::Office => "oficina",
            ReportScope::Institute => "instituto",
        }
    }
}

/// What happened in one group (a day, or a day at one desk, or the whole period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Figures {
    pub registrations: u32,
    pub validations: u32,
    pub expiries: u32,
    pub cancellations: u32,
    /// Registrations of the group whose promise was kept…
    pub promise_kept: u32,
    /// …out of those judged.
    pub promise_judged: u32,
    /// `promise_kept` of `promise_judged`, in percent with one decimal; `None` when none
    /// was judged.
    pub promise_percent: Option<f64>,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.registrations += other.registrations;
        self.validations += other.validations;
        self.expiries += other.expiries;
        self.cancellations += other.cancellations;
        self.promise_kept += other.promise_kept;
        self.promise_judged += other.promise_judged;
    }

    fn with_percent(mut self) -> Self {
        self.promise_percent = (self.promise_judged > 0).then(|| {
            let exact = f64::from(self.promise_kept) * 100.0 / f64::from(self.promise_judged);
            (exact * 10.0).round() / 10.0
        });
        self
    }
}

/// One day at one desk: office, station and clerk.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportRow {
    /// `27/11/2026`.
    pub day: String,
    pub office: String,
    pub workstation: String,
    pub clerk: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One day of the period, every desk together (the chart's and its table's figures).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayFigures {
    /// `27/11/2026`.
    pub day: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub scope: ReportScope,
    /// Whether the station has a central database configured (the screen offers the
    /// office's and institute's reports only then).
    pub central_configured: bool,
    pub first_day: String,
    pub last_day: String,
    pub generated_at: DateTime<Utc>,
    pub promise_minutes: u32,
    /// Only the desks and days with something to count, by day then office, station, clerk.
    pub rows: Vec<ReportRow>,
    /// Every day of the period, oldest first, empty days included.
    pub days: Vec<DayFigures>,
    pub totals: Figures,
    /// The chart of `days`, an SVG document with its own title and description.
    pub chart_svg: String,
}

/// One registration, as much of it as the report needs (no personal data).
#[derive(Debug, sqlx::FromRow)]
struct Fact {
    office: String,
    workstation: String,
    clerk: String,
    created_at: DateTime<Utc>,
    validated_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    state: RegistrationState,
    /// When a mail server first accepted its validation email.
    first_sent_at: Option<DateTime<Utc>>,
}

/// The days a report covers: the last [`REPORT_DAYS`] Baja California days up to today.
#[derive(Debug, Clone, Copy)]
struct Period {
    first: NaiveDate,
    last: NaiveDate,
}

impl Period {
    fn ending(today: NaiveDate) -> Self {
        let first = today
            .checked_sub_days(chrono::Days::new(u64::from(REPORT_DAYS - 1)))
            .unwrap_or(today);
        Self { first, last: today }
    }

    fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take_while(|d| *d <= self.last)
    }
}

impl Desk {
    /// The report of the last 30 days for `scope`. Supervisors only.
    pub async fn report(&self, scope: ReportScope) -> Result<Report> {
        self.require_supervisor("ver los reportes")?;
        self.expire_overdue().await?;
        let now = self.clock.now();
        let period = Period::ending(institute_day(&now));
        let since = institute_day_start(period.first);
        let facts = match scope {
            ReportScope::Station => self.station_facts(since).await?,
            ReportScope::Office | ReportScope::Institute => {
                self.central_facts(since, scope).await?
            }
        };
        let promise_minutes = self.settings().delivery_promise_minutes;
        Ok(tally(
            &facts,
            period,
            Duration::minutes(i64::from(promise_minutes)),
            now,
            Report {
                scope,
                central_configured: self.central().is_some(),
                first_day: day_text(period.first),
                last_day: day_text(period.last),
                generated_at: now,
                promise_minutes,
                rows: Vec::new(),
                days: Vec::new(),
                totals: Figures::default(),
                chart_svg: String::new(),
            },
        ))
    }

    /// The report of `scope` as a file to save. Supervisors only.
    pub async fn export_report(
        &self,
        scope: ReportScope,
        format: ExportFormat,
    ) -> Result<ExportFile> {
        let report = self.report(scope).await?;
        let bytes = match format {
            ExportFormat::Csv => export::csv(&report)?,
            ExportFormat::Xlsx => export::xlsx(&report)?,
        };
        let stamp = |d: &str| d.split('/').rev().collect::<Vec<_>>().join("-");
        Ok(ExportFile {
            file_name: format!(
                "Reporte {} {} a {}.{}",
                scope.file_word(),
                stamp(&report.first_day),
                stamp(&report.last_day),
                format.extension()
            ),
            bytes,
        })
    }

    async fn station_facts(&self, since: DateTime<Utc>) -> Result<Vec<Fact>> {
        Ok(sqlx::query_as(
            "SELECT r.office, r.workstation, r.clerk, r.created_at, r.validated_at, r.closed_at,
                    r.state,
                    (SELECT min(o.sent_at) FROM outbox_messages o
                      WHERE o.registration_id = r.id AND o.kind = 'validacion') AS first_sent_at
               FROM registrations r
              WHERE r.created_at >= ?1 OR r.validated_at >= ?1 OR r.closed_at >= ?1",
        )
        .bind(db_time(since))
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The central database's facts, through its `report_facts` function: an office's
    /// account reads its own office only, whatever it asks (row-level security keeps
    /// the registrations' dates and desks from it otherwise).
    async fn central_facts(&self, since: DateTime<Utc>, scope: ReportScope) -> Result<Vec<Fact>> {
        let central = self.central().ok_or(Error::ReportNeedsCentral)?;
        sqlx::query_as(
            "SELECT office, workstation, clerk, created_at, validated_at, closed_at, state,
                    first_sent_at
               FROM report_facts($1, $2)",
        )
        .bind(since)
        .bind(scope == ReportScope::Institute)
        .fetch_all(central.pool())
        .await
        .map_err(|e| central_report_error(e, scope))
    }
}

/// A central failure, told as what the supervisor can do about it.
fn central_report_error(e: sqlx::Error, scope: ReportScope) -> Error {
    const INSUFFICIENT_PRIVILEGE: &str = "42501";
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(INSUFFICIENT_PRIVILEGE) => {
            tracing::warn!(error = %e, "central report refused");
            if scope == ReportScope::Institute {
                Error::InstituteReportDenied
            } else {
                Error::CentralReportUnavailable
            }
        }
        sqlx::Error::Database(_) => Error::Internal(format!("central report: {e}")),
        _ => {
            tracing::info!(error = %e, "central database unreachable for a report");
            Error::CentralReportUnavailable
        }
    }
}

/// Whether the promise was kept for one registration: `None` when it cannot be judged
/// (still within its limit, or ended within it before any email left).
fn promise_verdict(fact: &Fact, limit: Duration, now: DateTime<Utc>) -> Option<bool> {
    let deadline = fact.created_at + limit;
    match fact.first_sent_at {
        Some(sent) => Some(sent <= deadline),
        None => {
            let ended = [fact.validated_at, fact.closed_at]
                .into_iter()
                .flatten()
                .min();
            if ended.is_some_and(|at| at <= deadline) || now <= deadline {
                None
            } else {
                Some(false)
            }
        }
    }
}

/// A day at one desk: the day, office, station and clerk.
type Key<'a> = (NaiveDate, &'a str, &'a str, &'a str);

/// The group of `fact`'s desk on the day of `at`, if that day is in the period.
fn group_of<'a, 'g>(
    groups: &'g mut BTreeMap<Key<'a>, Figures>,
    period: Period,
    fact: &'a Fact,
    at: &DateTime<Utc>,
) -> Option<&'g mut Figures> {
    let day = institute_day(at);
    period.contains(day).then(|| {
        groups
            .entry((
                day,
                fact.office.as_str(),
                fact.workstation.as_str(),
                fact.clerk.as_str(),
            ))
            .or_default()
    })
}

fn tally(
    facts: &[Fact],
    period: Period,
    limit: Duration,
    now: DateTime<Utc>,
    mut report: Report,
) -> Report {
    let mut groups: BTreeMap<Key<'_>, Figures> = BTreeMap::new();
    for fact in facts {
        if let Some(group) = group_of(&mut groups, period, fact, &fact.created_at) {
            group.registrations += 1;
            if let Some(kept) = promise_verdict(fact, limit, now) {
                group.promise_judged += 1;
                group.promise_kept += u32::from(kept);
            }
        }
        if let Some(validated) = &fact.validated_at
            && let Some(group) = group_of(&mut groups, period, fact, validated)
        {
            group.validations += 1;
        }
        if let Some(closed) = &fact.closed_at
            && let Some(group) = group_of(&mut groups, period, fact, closed)
        {
            match fact.state {
                RegistrationState::Expired => group.expiries += 1,
                RegistrationState::Cancelled => group.cancellations += 1,
                _ => {}
            }
        }
    }
    let mut by_day: BTreeMap<NaiveDate, Figures> =
        period.days().map(|d| (d, Figures::default())).collect();
    for ((day, office, workstation, clerk), figures) in &groups {
        by_day.entry(*day).or_default().add(figures);
        report.totals.add(figures);
        report.rows.push(ReportRow {
            day: day_text(*day),
            office: (*office).to_owned(),
            workstation: (*workstation).to_owned(),
            clerk: (*clerk).to_owned(),
            figures: figures.with_percent(),
        });
    }
    report.totals = report.totals.with_percent();
    report.days = by_day
        .into_iter()
        .map(|(day, figures)| DayFigures {
            day: day_text(day),
            figures: figures.with_percent(),
        })
        .collect();
    report.chart_svg = chart::svg(&report);
    report
}
