//! Roster import from CSV files on disk.

use registro_core::roster::{self, ImportProgress};
use registro_test_support::*;
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
async fn an_imported_affiliate_can_register() {
    let t = spawn_desk().await;
    let path = csv_file(
        &t.paths.root,
        "padron.csv",
        &format!("{HEADER}\n700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n"),
    );
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
