//! The audit log viewer: supervisors only, filtered, a page at a time, and a CSV that
//! Excel opens in Spanish without running anything.

use chrono::{Duration, Local};
use registro_core::audit_log::{AuditFilter, PAGE_SIZE};
use registro_core::config::Settings;
use registro_core::domain::Field;
use registro_test_support::*;

fn today() -> String {
    Local::now().date_naive().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn a_clerk_cannot_read_or_export_the_audit_log() {
    let t = spawn_desk().await;
    let err = t
        .desk
        .audit_log(&AuditFilter::default(), 1)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "solo_supervisor");
    assert!(err.to_string().contains("bitácora"), "{err}");
    let err = t
        .desk
        .export_audit_log(&AuditFilter::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "solo_supervisor");
}

#[tokio::test]
async fn a_supervisor_filters_by_action_clerk_folio_and_dates_a_page_at_a_time() {
    // Enough wrong serials for two pages before any lock.
    let settings = Settings {
        max_serial_failures: 100,
        ..Default::default()
    };
    let t = spawn_desk_with(settings).await;
    let receipt = registered(&t).await;
    for _ in 0..(PAGE_SIZE + 5) {
        let _ = t
            .desk
            .identify_affiliate(BENEFICIARY.0, "DEMO0000000")
            .await;
    }
    t.as_supervisor().await;

    let wrong_serials = AuditFilter {
        action: "serie_incorrecta".into(),
        ..Default::default()
    };
    let first = t.desk.audit_log(&wrong_serials, 1).await.unwrap();
    assert_eq!(first.total, PAGE_SIZE + 5);
    assert_eq!((first.page, first.pages), (1, 2));
    assert_eq!(first.entries.len() as i64, PAGE_SIZE);
    assert!(first.entries.iter().all(|e| e.action == "serie_incorrecta"));
    assert!(first.actions.contains(&"registro_creado".to_owned()));
    assert!(first.clerks.contains(&"capturista.prueba".to_owned()));
    // Newest first; the second page holds the rest, and past the end is the last page.
    assert!(first.entries[0].occurred_at >= first.entries[1].occurred_at);
    let second = t.desk.audit_log(&wrong_serials, 2).await.unwrap();
    assert_eq!(second.entries.len(), 5);
    assert_eq!(t.desk.audit_log(&wrong_serials, 9).await.unwrap().page, 2);

    let by_folio = t
        .desk
        .audit_log(
            &AuditFilter {
                folio: receipt.folio.to_lowercase(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap();
    assert_eq!(by_folio.total, 1);
    assert_eq!(by_folio.entries[0].action, "registro_creado");
    assert_eq!(
        by_folio.entries[0].folio.as_deref(),
        Some(receipt.folio.as_str())
    );

    let by_clerk = AuditFilter {
        clerk: "supervisora".into(),
        ..Default::default()
    };
    let page = t.desk.audit_log(&by_clerk, 1).await.unwrap();
    assert!(page.total > 0);
    assert!(page.entries.iter().all(|e| e.clerk == "supervisora"));

    // Today holds everything; a range that ended yesterday holds nothing.
    let all = t.desk.audit_log(&AuditFilter::default(), 1).await.unwrap();
    let today_only = AuditFilter {
        from: today(),
        to: today(),
        ..Default::default()
    };
    assert_eq!(
        t.desk.audit_log(&today_only, 1).await.unwrap().total,
        all.total
    );
    let yesterday = (Local::now() - Duration::days(1))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let before = AuditFilter {
        to: yesterday.clone(),
        ..Default::default()
    };
    assert_eq!(t.desk.audit_log(&before, 1).await.unwrap().total, 0);

    let backwards = AuditFilter {
        from: today(),
        to: yesterday,
        ..Default::default()
    };
    let err = t.desk.audit_log(&backwards, 1).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, Field::AuditTo);
    let garbled = AuditFilter {
        from: "ayer".into(),
        ..Default::default()
    };
    let err = t.desk.audit_log(&garbled, 1).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, Field::AuditFrom);
}

#[tokio::test]
async fn the_export_opens_in_excel_with_spanish_headers_and_no_formulas() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.as_supervisor().await;
    // A reason someone typed as a formula, kept in the trail as typed.
    t.desk
        .cancel_registration(
            &receipt.registration_id,
            &supervisor_approval(),
            "=HYPERLINK(\"http://example.com\",\"ver\")",
        )
        .await
        .unwrap();

    let export = t
        .desk
        .export_audit_log(&AuditFilter {
            folio: receipt.folio.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(export.rows, 2);
    assert!(export.csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = String::from_utf8(export.csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        "\"Fecha y hora\",\"Acción\",\"Usuario\",\"Oficina\",\"Estación\",\"Folio\",\"Número de afiliación\",\"Detalle\""
    );
    assert!(lines[1].contains("\"registro_creado\""), "{}", lines[1]);
    assert!(lines[1].contains(&format!("\"{}\"", receipt.folio)));
    assert!(lines[2].contains("\"registro_cancelado\""), "{}", lines[2]);
    // No cell starts with a formula sign: the detail is JSON, and any cell that would
    // start with one carries an apostrophe first.
    for line in &lines {
        for cell in line.split("\",\"") {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
    // The export is in the trail too.
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'bitacora_exportada'")
            .await,
        1
    );
}
