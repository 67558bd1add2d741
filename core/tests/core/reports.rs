//! Reports («Reportes»): what a supervisor reads for the last 30 days, by Baja California
//! day, on this station and, from the central database, for the office or the institute;
//! and the CSV and XLSX files read back.

use chrono::{DateTime, Duration, Utc};
use registro_core::config::Settings;
use registro_core::domain::{day_text, institute_day};
use registro_core::reports::{ExportFormat, Report, ReportScope};
use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;
use std::io::Read;

const THIRD: (&str, &str) = ("900100103", "DEMO4821909");
const FOURTH: (&str, &str) = ("900200201", "DEMO5930114");
const FIFTH: (&str, &str) = ("900200202", "DEMO5930115");

fn day_of(report: &Report, at: &DateTime<Utc>) -> registro_core::reports::DayFigures {
    let day = day_text(institute_day(at));
    report
        .days
        .iter()
        .find(|d| d.day == day)
        .unwrap_or_else(|| panic!("{day} is not in the report"))
        .clone()
}

async fn created_at(t: &TestDesk, registration_id: &str) -> DateTime<Utc> {
    sqlx::query_scalar("SELECT created_at FROM registrations WHERE id = ?")
        .bind(registration_id)
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap()
}

async fn closed_at(t: &TestDesk, registration_id: &str) -> DateTime<Utc> {
    sqlx::query_scalar("SELECT closed_at FROM registrations WHERE id = ?")
        .bind(registration_id)
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap()
}

/// The cells of one worksheet of an XLSX file: (reference, value) in order, the value of
/// a shared string resolved.
fn sheet_cells(xlsx: &[u8], sheet: usize) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let shared = read("xl/sharedStrings.xml");
    let ordered: Vec<String> = {
        // Shared strings in document order (both kinds of <t> opening).
        let mut found = Vec::new();
        let mut rest = shared.as_str();
        while let Some(at) = rest.find("<t") {
            rest = &rest[at..];
            let open_end = rest.find('>').unwrap();
            let close = rest.find("</t>").unwrap();
            found.push(
                rest[open_end + 1..close]
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\""),
            );
            rest = &rest[close..];
        }
        found
    };
    let xml = read(&format!("xl/worksheets/sheet{sheet}.xml"));
    assert!(!xml.contains("<f>"), "a cell holds a formula");
    xml.split("<c r=\"")
        .skip(1)
        .map(|cell| {
            let reference = cell.split('"').next().unwrap().to_owned();
            let body = cell.split("</c>").next().unwrap_or(cell);
            let value = body
                .split("<v>")
                .nth(1)
                .and_then(|v| v.split("</v>").next())
                .unwrap_or_default()
                .to_owned();
            let value = if body.contains("t=\"s\"") {
                ordered[value.parse::<usize>().unwrap()].clone()
            } else {
                value
            };
            (reference, value)
        })
        .collect()
}

fn column(cells: &[(String, String)], letter: char) -> Vec<String> {
    cells
        .iter()
        .filter(|(r, _)| r.starts_with(letter) && r[1..].chars().all(|c| c.is_ascii_digit()))
        .map(|(_, v)| v.clone())
        .collect()
}

#[tokio::test]
async fn a_supervisor_reads_each_days_outcomes_and_how_often_the_promise_was_kept() {
    // Names a spreadsheet would take for formulas: exports must show them as typed.
    let t = spawn_desk_with(Settings {
        office: "=1+2 Oficina".into(),
        workstation: "@Ventanilla 3".into(),
        ..Settings::default()
    })
    .await;

    // Kept: out in a minute. Broken: out after eleven. Cancelled before any email left:
    // not judged. Out in a minute, then left to expire.
    let kept = t.register(TITULAR, "ximena@example.com").await;
    t.clock.advance(Duration::minutes(1));
    t.deliver().await;
    let late = t.register(BENEFICIARY, "emiliano@example.com").await;
    t.away(Duration::minutes(11)).await;
    t.deliver().await;
    let cancelled = t.register(THIRD, "renata@example.com").await;
    t.desk
        .cancel_registration(
            &cancelled.registration_id,
            &supervisor_approval(),
            "El afiliado pidió cancelar",
        )
        .await
        .unwrap();
    let expires = t.register(FOURTH, "joaquin@example.com").await;
    t.clock.advance(Duration::seconds(30));
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk.validate_with_code(&kept.folio, &code).await.unwrap();

    // A clerk does not see reports.
    let refused = t.desk.report(ReportScope::Station).await.unwrap_err();
    assert_eq!(refused.code(), "solo_supervisor");

    // Three days later the two never validated have expired.
    t.clock.advance(Duration::hours(73));
    t.as_supervisor().await;
    let report = t.desk.report(ReportScope::Station).await.unwrap();
    assert!(!report.central_configured);
    assert_eq!(report.days.len(), 30);
    assert_eq!(report.promise_minutes, 10);
    assert_eq!(report.totals.registrations, 4);
    assert_eq!(report.totals.validations, 1);
    assert_eq!(report.totals.cancellations, 1);
    assert_eq!(report.totals.expiries, 2);
    assert_eq!(report.totals.promise_kept, 2);
    assert_eq!(report.totals.promise_judged, 3);
    assert_eq!(report.totals.promise_percent, Some(66.7));
    assert_eq!(report.last_day, day_text(institute_day(&t.desk.now())));

    // Each outcome on its own Baja California day.
    let expired_on = day_of(&report, &closed_at(&t, &expires.registration_id).await);
    assert_eq!(expired_on.figures.expiries, 2);
    assert_eq!(expired_on.figures.registrations, 0);
    let registered_on = day_of(&report, &created_at(&t, &late.registration_id).await);
    assert!(registered_on.figures.registrations >= 1);
    let per_day: u32 = report.days.iter().map(|d| d.figures.registrations).sum();
    assert_eq!(per_day, 4);
    for row in &report.rows {
        assert_eq!(row.office, "=1+2 Oficina");
        assert_eq!(row.workstation, "@Ventanilla 3");
        assert_eq!(row.clerk, CLERK.0);
    }

    // The chart says it in words too.
    assert!(report.chart_svg.starts_with("<svg"));
    assert!(report.chart_svg.contains("<title"));
    assert!(
        report
            .chart_svg
            .contains("4 registros y 1 validaciones en total"),
        "{}",
        report.chart_svg
    );
    assert!(report.chart_svg.contains("en 2 de 3 registros (66.7 %)"));

    // Offline, only this station: the office's report needs the central database.
    let err = t.desk.report(ReportScope::Office).await.unwrap_err();
    assert_eq!(err.code(), "reporte_sin_central");

    // CSV: Spanish headers, formula prefixes neutralised, the same figures.
    let csv = t
        .desk
        .export_report(ReportScope::Station, ExportFormat::Csv)
        .await
        .unwrap();
    assert!(csv.file_name.starts_with("Reporte estacion "));
    assert!(csv.file_name.ends_with(".csv"));
    let text = String::from_utf8(csv.bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("UTF-8 byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
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
            "Promesa cumplida (%)"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), report.rows.len());
    let mut registrations = 0;
    for record in &records {
        assert_eq!(&record[1], "'=1+2 Oficina");
        assert_eq!(&record[2], "'@Ventanilla 3");
        registrations += record[4].parse::<u32>().unwrap();
    }
    assert_eq!(registrations, 4);
    let expiries: u32 = records.iter().map(|r| r[6].parse::<u32>().unwrap()).sum();
    assert_eq!(expiries, 2);

    // XLSX: the per-desk sheet and the per-day sheet, no formulas, the same figures.
    let xlsx = t
        .desk
        .export_report(ReportScope::Station, ExportFormat::Xlsx)
        .await
        .unwrap();
    assert!(xlsx.file_name.ends_with(".xlsx"));
    let desks = sheet_cells(&xlsx.bytes, 1);
    let offices = column(&desks, 'B');
    assert_eq!(offices[0], "Oficina");
    assert!(
        offices[1..].iter().all(|o| o == "'=1+2 Oficina"),
        "{offices:?}"
    );
    assert!(
        column(&desks, 'C')[1..]
            .iter()
            .all(|s| s == "'@Ventanilla 3")
    );
    let days = sheet_cells(&xlsx.bytes, 2);
    let registered = column(&days, 'B');
    assert_eq!(registered[0], "Registros");
    assert_eq!(registered.len(), 31);
    let sum: f64 = registered[1..]
        .iter()
        .map(|v| v.parse::<f64>().unwrap())
        .sum();
    assert_eq!(sum, 4.0);
    let percents = column(&days, 'H');
    assert_eq!(percents[0], "Promesa cumplida (%)");
}

/// The next time America/Tijuana changes its clocks, from now (never a written date).
fn next_clock_change() -> DateTime<Utc> {
    let zone = jiff::tz::TimeZone::get("America/Tijuana").unwrap();
    let change = zone
        .following(jiff::Timestamp::now())
        .next()
        .unwrap()
        .timestamp();
    DateTime::from_timestamp(change.as_second(), 0).unwrap()
}

/// The instant of `hh:mm` local time on the Baja California day `offset_days` from the day
/// of `at`.
fn local(at: DateTime<Utc>, offset_days: i64, hour: i8, minute: i8) -> DateTime<Utc> {
    use chrono::Datelike;
    let zone = jiff::tz::TimeZone::get("America/Tijuana").unwrap();
    let day = institute_day(&at) + Duration::days(offset_days);
    let zoned = jiff::civil::date(day.year() as i16, day.month() as i8, day.day() as i8)
        .at(hour, minute, 0, 0)
        .to_zoned_datetime(zone)
        .unwrap();
    DateTime::from_timestamp(zoned.timestamp().as_second(), 0).unwrap()
}

#[tokio::test]
async fn days_are_baja_california_days_across_a_clock_change() {
    // Late on the eve of the next change, in the small hours of the day after, and at
    // noon between: whatever fixed offset a report used, one of them would land on the
    // wrong day.
    let change = next_clock_change();
    let eve = local(change, -1, 23, 30);
    let noon = local(change, 0, 12, 0);
    let after = local(change, 1, 0, 30);
    let t = spawn_desk_with_clock_skew(Settings::default(), eve - Utc::now()).await;
    t.as_supervisor().await;
    let who = [TITULAR, BENEFICIARY, THIRD];
    for (at, affiliate) in [eve, noon, after].into_iter().zip(who) {
        t.clock.advance(at - t.desk.now());
        t.as_supervisor().await;
        t.register(affiliate, "persona@example.com").await;
    }
    t.clock.advance(Duration::minutes(40));
    t.as_supervisor().await;
    let report = t.desk.report(ReportScope::Station).await.unwrap();
    let day_length = |d: i64| local(change, d + 1, 0, 0) - local(change, d, 0, 0);
    assert_ne!(day_length(0), Duration::hours(24), "the change's day");
    let counted: Vec<(String, u32)> = report
        .days
        .iter()
        .rev()
        .take(3)
        .map(|d| (d.day.clone(), d.figures.registrations))
        .collect();
    assert_eq!(
        counted,
        [
            (day_text(institute_day(&after)), 1),
            (day_text(institute_day(&noon)), 1),
            (day_text(institute_day(&eve)), 1),
        ]
    );
    assert_eq!(report.totals.registrations, 3);
}

fn office(pg: &PgServer, role: &str) -> Central {
    Central::new(&pg.url_as(role, "central"), None).unwrap()
}

async fn joined_desk(office_name: &str, workstation: &str) -> TestDesk {
    spawn_desk_with(Settings {
        office: office_name.into(),
        workstation: workstation.into(),
        ..for_the_institute(Settings::default())
    })
    .await
}

#[tokio::test]
async fn with_the_central_database_an_office_sees_its_office_and_only_the_institute_sees_all() {
    let pg = PgServer::start();
    let _admin = central_database(&pg).await;
    let mexicali = joined_desk("Oficina Mexicali", "Ventanilla 1").await;
    let second = joined_desk("Oficina Mexicali", "Ventanilla 2").await;
    let tijuana = joined_desk("Oficina Tijuana", "Ventanilla 1").await;
    mexicali
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    second
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    tijuana
        .desk
        .use_central(Some(office(&pg, "oficina_tijuana")));

    // Mexicali: one out in a minute at each station, one still waiting within its time.
    mexicali.register(TITULAR, "ximena@example.com").await;
    mexicali.clock.advance(Duration::minutes(1));
    mexicali.deliver().await;
    second.register(BENEFICIARY, "emiliano@example.com").await;
    second.clock.advance(Duration::minutes(1));
    second.deliver().await;
    second.register(FIFTH, "aurora@example.com").await;
    // Tijuana: one out after twelve minutes.
    tijuana.register(FOURTH, "joaquin@example.com").await;
    tijuana.away(Duration::minutes(12)).await;
    tijuana.deliver().await;
    for t in [&mexicali, &second, &tijuana] {
        assert_eq!(t.desk.sync_once().await.unwrap().conflicts, 0);
    }

    // The office's account reads its own office: both stations, not Tijuana.
    mexicali.as_supervisor().await;
    let report = mexicali.desk.report(ReportScope::Office).await.unwrap();
    assert!(report.central_configured);
    assert_eq!(report.totals.registrations, 3);
    assert_eq!(report.totals.promise_kept, 2);
    assert_eq!(report.totals.promise_judged, 2);
    assert_eq!(report.totals.promise_percent, Some(100.0));
    let mut stations: Vec<&str> = report.rows.iter().map(|r| r.workstation.as_str()).collect();
    stations.dedup();
    assert_eq!(stations, ["Ventanilla 1", "Ventanilla 2"]);
    assert!(report.rows.iter().all(|r| r.office == "Oficina Mexicali"));
    // This station alone, from its own database.
    let own = mexicali.desk.report(ReportScope::Station).await.unwrap();
    assert_eq!(own.totals.registrations, 1);

    // The office's account may not read the institute, nor the registrations' dates.
    let err = mexicali
        .desk
        .report(ReportScope::Institute)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reporte_instituto_no_autorizado");
    let direct = sqlx::query("SELECT created_at FROM registrations")
        .fetch_all(office(&pg, "oficina_mexicali").pool())
        .await;
    assert!(direct.is_err(), "an office reads the registrations' dates");

    // An account the institute put in registro_informes sees every office.
    pg.psql(
        "central",
        "CREATE ROLE informes_instituto LOGIN IN ROLE registro_ventanilla, registro_informes",
    );
    mexicali
        .desk
        .use_central(Some(office(&pg, "informes_instituto")));
    let all = mexicali.desk.report(ReportScope::Institute).await.unwrap();
    assert_eq!(all.totals.registrations, 4);
    assert_eq!(all.totals.promise_kept, 2);
    assert_eq!(all.totals.promise_judged, 3);
    let tijuana_rows: Vec<_> = all
        .rows
        .iter()
        .filter(|r| r.office == "Oficina Tijuana")
        .collect();
    assert_eq!(tijuana_rows.len(), 1);
    assert_eq!(tijuana_rows[0].figures.promise_percent, Some(0.0));
    let xlsx = mexicali
        .desk
        .export_report(ReportScope::Institute, ExportFormat::Xlsx)
        .await
        .unwrap();
    assert!(xlsx.file_name.starts_with("Reporte instituto "));
    let offices = column(&sheet_cells(&xlsx.bytes, 1), 'B');
    assert!(offices.contains(&"Oficina Tijuana".to_owned()));

    // The central database out of reach: said so, the station's own report still there.
    mexicali.desk.use_central(Some(
        Central::new(
            &format!(
                "postgres://oficina_mexicali@127.0.0.1:{}/central",
                free_port()
            ),
            None,
        )
        .unwrap(),
    ));
    let err = mexicali.desk.report(ReportScope::Office).await.unwrap_err();
    assert_eq!(err.code(), "reporte_central_no_disponible");
    assert_eq!(
        mexicali
            .desk
            .report(ReportScope::Station)
            .await
            .unwrap()
            .totals
            .registrations,
        1
    );
}
