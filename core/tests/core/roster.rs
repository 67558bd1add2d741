//! Roster import from CSV files on disk.

use registro_core::roster::{self, ImportProgress};
use registro_test_support::*;
use sha2::{Digest, Sha256};
use std::io::Write;

const HEADER: &str = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";

fn csv_file(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    path
}

#[tokio::test]
async fn the_demo_roster_is_loaded_on_first_start_and_flagged() {
    let t = spawn_desk().await;
    let summary = roster::summary(t.desk.store()).await.unwrap();
    assert!(summary.is_demo);
    assert_eq!(summary.total, 12);
    assert_eq!(summary.current, 11);
}

#[tokio::test]
async fn bad_lines_are_reported_by_line_and_column_and_good_lines_imported() {
    let t = spawn_desk().await;
    let body = format!(
        "{HEADER}\n\
         700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n\
         700000002,,Sin Serie,titular,700000002,si\n\
         700000003,SER0003,Tipo Raro,sobrino,700000001,si\n\
         700000004,SER0004,Vigencia Rara,beneficiario,700000001,quizas\n\
         7000-0000 5,ser 0005,Con Guiones,b,700000001,NO\n"
    );
    let path = csv_file(&t.paths.root, "padron.csv", &body);
    t.as_supervisor().await;
    let mut progress: Vec<ImportProgress> = Vec::new();
    let report = t
        .desk
        .import_roster(&path, |p| progress.push(p))
        .await
        .unwrap();
    assert_eq!((report.imported, report.rejected), (2, 3));
    assert!(report.replaced_demo);
    let lines: Vec<(u64, Option<&str>)> =
        report.errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        lines,
        [
            (3, Some("numero_serie")),
            (4, Some("tipo")),
            (5, Some("vigente"))
        ]
    );
    assert!(report.errors[1].message.contains("titular o beneficiario"));
    assert_eq!(progress.last().unwrap().bytes_read, body.len() as u64);
    // The header and five lines: what the bar says it read.
    assert_eq!(progress.last().unwrap().lines_read, 6);

    let summary = roster::summary(t.desk.store()).await.unwrap();
    assert!(!summary.is_demo);
    assert_eq!((summary.total, summary.current), (2, 1));
    let entry = roster::find(
        t.desk.store(),
        &registro_core::domain::AffiliationNumber::parse("700000005").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(entry.credential_serial, "SER0005");
    assert!(!entry.is_current);

    // The same file again changes nothing.
    let again = t.desk.import_roster(&path, |_| {}).await.unwrap();
    assert_eq!((again.imported, again.rejected), (2, 3));
    assert_eq!(roster::summary(t.desk.store()).await.unwrap().total, 2);
}

#[tokio::test]
async fn semicolons_bom_and_any_column_order_are_accepted() {
    let t = spawn_desk().await;
    let body = "\u{feff}vigente;tipo;numero_serie;numero_afiliacion;nombre_completo;nucleo_familiar\r\n\
                sí;titular;SER0001;700000001;Pérez Núñez, María;700000001\r\n";
    let path = csv_file(&t.paths.root, "excel.csv", body);
    t.as_supervisor().await;
    let report = t.desk.import_roster(&path, |_| {}).await.unwrap();
    assert_eq!(
        (report.imported, report.rejected),
        (1, 0),
        "{:?}",
        report.errors
    );
    let entry = roster::find(
        t.desk.store(),
        &registro_core::domain::AffiliationNumber::parse("700000001").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(entry.full_name, "Pérez Núñez, María");
}

#[tokio::test]
async fn a_file_without_the_expected_header_is_refused_whole() {
    let t = spawn_desk().await;
    let path = csv_file(&t.paths.root, "malo.csv", "afiliacion,serie\n1,2\n");
    t.as_supervisor().await;
    let err = t.desk.import_roster(&path, |_| {}).await.unwrap_err();
    assert_eq!(err.code(), "archivo_padron");
    assert!(err.to_string().contains("numero_afiliacion"), "{err}");
    // The demo roster is still there: nothing was half-done.
    assert!(roster::summary(t.desk.store()).await.unwrap().is_demo);

    let err = t
        .desk
        .import_roster(&t.paths.root.join("no-existe.csv"), |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no se pudo abrir"));
}

#[tokio::test]
async fn a_file_with_a_line_past_64_kib_is_refused_whole_without_reading_it_into_memory() {
    let t = spawn_desk().await;
    let header = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente\n";
    let good = "900990901,SER0000001,Nombre Inventado Uno,titular,900990901,si\n";
    // A good first row, then 200 KiB without a line break (not a roster at all).
    let body = format!("{header}{good}{}\n", "x".repeat(200 * 1024));
    let path = csv_file(&t.paths.root, "no-es-padron.csv", &body);
    t.as_supervisor().await;
    let err = t.desk.import_roster(&path, |_| {}).await.unwrap_err();
    assert_eq!(err.code(), "archivo_padron");
    assert!(
        err.to_string().contains("la línea 3 mide más de 64 KiB"),
        "{err}"
    );
    // Not even the good row went in.
    assert!(roster::summary(t.desk.store()).await.unwrap().is_demo);
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM roster_affiliates WHERE affiliation_number = '900990901'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn an_imported_affiliate_can_register() {
    let t = spawn_desk().await;
    let path = csv_file(
        &t.paths.root,
        "padron.csv",
        &format!("{HEADER}\n700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n"),
    );
    t.as_supervisor().await;
    t.desk.import_roster(&path, |_| {}).await.unwrap();
    let receipt = t
        .register(("7000 0000-1", "ser-0001"), "mariana@example.org")
        .await;
    assert_eq!(receipt.affiliate_name, "Mariana Pruebas Uno");
    // Demo affiliates are gone with the demo roster.
    let err = t
        .desk
        .register(&t.form(TITULAR, "x@example.org"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "no_en_padron");
}

/// The exploit a curious clerk tried: a one-line CSV that puts a serial she knows on
/// someone else's roster row, so she could register that person with her own email.
#[tokio::test]
async fn only_a_supervisor_changes_the_roster_and_every_import_is_audited() {
    let t = spawn_desk().await;
    let forged = csv_file(
        &t.paths.root,
        "una-linea.csv",
        &format!(
            "{HEADER}\n{},SERIECONOCIDA,Nombre Cualquiera,titular,{},si\n",
            TITULAR.0, TITULAR.0
        ),
    );
    let refused = t.desk.import_roster(&forged, |_| {}).await.unwrap_err();
    assert_eq!(refused.code(), "solo_supervisor");
    let entry = roster::find(
        t.desk.store(),
        &registro_core::domain::AffiliationNumber::parse(TITULAR.0).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        entry.credential_serial, TITULAR.1,
        "the roster is untouched"
    );
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'padron_importado'")
            .await,
        0
    );

    // A supervisor's import: the demo roster goes, and the trail says what came in.
    t.as_supervisor().await;
    let body = format!(
        "{HEADER}\n700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n\
         700000002,SER0002,Mario Pruebas Dos,beneficiario,700000001,si\n\
         700000003,,Sin Serie,titular,700000003,si\n"
    );
    let first = csv_file(&t.paths.root, "padron-enero.csv", &body);
    let report = t.desk.import_roster(&first, |_| {}).await.unwrap();
    assert_eq!((report.added, report.changed, report.rejected), (2, 0, 1));

    // The next month's file: one serial replaced, one name corrected, one person new.
    let body = format!(
        "{HEADER}\n700000001,SER9999,Mariana Pruebas Uno,titular,700000001,si\n\
         700000002,SER0002,Mario Pruebas Dos Corregido,beneficiario,700000001,si\n\
         700000004,SER0004,Nora Pruebas Cuatro,titular,700000004,no\n"
    );
    let second = csv_file(&t.paths.root, "padron-febrero.csv", &body);
    let report = t.desk.import_roster(&second, |_| {}).await.unwrap();
    assert_eq!(
        (
            report.added,
            report.changed,
            report.unchanged,
            report.serial_changes
        ),
        (1, 2, 0, 1)
    );

    let trail: Vec<(String, String)> = sqlx::query_as(
        "SELECT clerk, detail FROM audit_events WHERE action = 'padron_importado' ORDER BY occurred_at, rowid",
    )
    .fetch_all(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(trail.len(), 2);
    let (who, detail) = &trail[1];
    assert_eq!(who, &supervisor_approval().username.to_lowercase());
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
    assert_eq!(detail["archivo"], "padron-febrero.csv");
    assert_eq!(
        detail["sha256"],
        hex::encode(Sha256::digest(body.as_bytes())).as_str()
    );
    assert_eq!(
        (
            &detail["agregados"],
            &detail["cambiados"],
            &detail["series_cambiadas"],
            &detail["rechazados"]
        ),
        (&1.into(), &2.into(), &1.into(), &0.into())
    );
}

#[tokio::test]
async fn a_station_with_a_central_database_does_not_import_the_roster() {
    let t = spawn_desk().await;
    t.as_supervisor().await;
    // Never reached: the refusal comes before any connection.
    let central =
        registro_core::sync::Central::new("postgres://oficina@127.0.0.1:9/central", None).unwrap();
    t.desk.use_central(Some(central));
    let path = csv_file(
        &t.paths.root,
        "padron.csv",
        &format!("{HEADER}\n700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n"),
    );
    let refused = t.desk.import_roster(&path, |_| {}).await.unwrap_err();
    assert_eq!(refused.code(), "archivo_padron");
    assert!(refused.to_string().contains("base central"), "{refused}");
    assert!(roster::summary(t.desk.store()).await.unwrap().is_demo);
}

#[tokio::test]
async fn a_number_twice_in_one_file_keeps_the_first_line_and_reports_the_second() {
    let t = spawn_desk().await;
    t.as_supervisor().await;
    let path = csv_file(
        &t.paths.root,
        "padron.csv",
        &format!(
            "{HEADER}\n700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n\
             700000002,SER0002,Mario Pruebas Dos,titular,700000002,si\n\
             7000-00001,SER9999,Otra Persona,titular,700000001,si\n"
        ),
    );
    let report = t.desk.import_roster(&path, |_| {}).await.unwrap();
    assert_eq!((report.imported, report.added, report.rejected), (2, 2, 1));
    assert_eq!(report.errors[0].line, 4);
    assert_eq!(report.errors[0].column, Some("numero_afiliacion"));
    assert!(
        report.errors[0]
            .message
            .contains("ya apareció en la línea 2"),
        "{}",
        report.errors[0].message
    );
    let summary = roster::summary(t.desk.store()).await.unwrap();
    assert_eq!(summary.total, 2, "the count on screen matches the report");
    let kept = roster::find(
        t.desk.store(),
        &registro_core::domain::AffiliationNumber::parse("700000001").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(kept.credential_serial, "SER0001");
}
