//! «Reportes»: a supervisor registers an affiliate, opens the reports of this station
//! (no central database: the screen says so), reads the day's figures in the chart's
//! table, and saves the CSV and the XLSX into the exports folder.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use std::time::{Duration, Instant};

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_supervisor_reads_the_reports_and_saves_them_as_csv_and_xlsx() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    register_demo(
        &c,
        "900100101",
        "DEMO4821907",
        "ximena.reportes@example.com",
    )
    .await;
    // The outbox writes the validation email as a file within seconds: the promise kept.
    let emails = h.data.path().join("correos");
    let deadline = Instant::now() + WAIT;
    while files_in(&emails).is_empty() {
        assert!(Instant::now() < deadline, "no email in {emails:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    tab(&c, "reportes").await;
    wait_visible(&c, "#reportes-contenido").await;
    wait_text(&c, "#reportes-alcance", "solo de esta estación").await;
    wait_text(&c, "#reportes-periodo", "esta estación").await;
    let totals = c
        .execute(
            "return [...document.querySelectorAll('#reportes-totales div')]
                 .map((d) => `${d.querySelector('dt').textContent}=${d.querySelector('dd').textContent}`);",
            vec![],
        )
        .await
        .unwrap();
    let totals: Vec<String> = serde_json::from_value(totals).unwrap();
    assert!(totals.contains(&"Registros=1".to_owned()), "{totals:?}");
    assert!(
        totals.contains(&"Correo en 10 minutos o menos=1 de 1 (100.0 %)".to_owned()),
        "{totals:?}"
    );
    // The chart is SVG with its title, and its figures are in the table beside it.
    let title = c
        .execute(
            "return document.querySelector('#reportes-svg svg title')?.textContent ?? '';",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        title
            .as_str()
            .unwrap_or_default()
            .starts_with("Registros y validaciones por día"),
        "{title}"
    );
    let days = c
        .execute(
            "return document.querySelectorAll('#tabla-reportes-dias tbody tr').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(days, serde_json::json!(30));
    wait_text(&c, "#tabla-reportes-detalle", SUPERVISOR.0).await;
    // The office's report needs the central database: not offered without it.
    let office_offered = c
        .execute(
            "return !document.querySelector('#report_scope option[value=office]').disabled;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(office_offered, serde_json::json!(false));
    audit_accessibility(&c, &h, "reportes").await;
    check_layout(&c, &h, "40-reportes").await;

    click(&c, "reportes-csv").await;
    wait_text(&c, "#reportes-exito", "Reporte guardado en").await;
    click(&c, "reportes-xlsx").await;
    wait_text(&c, "#reportes-exito", ".xlsx").await;
    screenshot(&c, &h, "41-reportes-guardado").await;
    let folder = h.data.path().join("reportes");
    let saved = files_in(&folder);
    let csv = saved
        .iter()
        .find(|f| f.ends_with(".csv"))
        .unwrap_or_else(|| panic!("no CSV in {saved:?}"));
    assert!(saved.iter().any(|f| f.ends_with(".xlsx")), "{saved:?}");
    let text = std::fs::read_to_string(folder.join(csv)).unwrap();
    assert!(
        text.contains("Día,Oficina,Estación,Capturista,Registros"),
        "{text}"
    );
    assert!(text.contains(SUPERVISOR.0), "{text}");
}
