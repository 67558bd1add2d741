//! A legal text republished while the clerk fills the form: «Registrar» is refused, and
//! the form shows the new version at once, so the affiliate reads and answers the text
//! that is recorded.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

/// What the next version (3) adds to the integral notice, to find it on screen.
pub(super) const ADDED: &str = "Párrafo añadido en la versión 3 (prueba de extremo a extremo).";

/// The next version of the integral notice, written straight into the station's database
/// while the window is open (as another process would, e.g. an update started meanwhile).
pub(super) async fn publish_a_new_integral_notice(h: &Harness) {
    let file = registro_core::DataPaths::new(h.data.path()).database();
    let key = format!("\"x'{}'\"", h.database_key().to_hex());
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .pragma("key", key);
    let mut db = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::query(
        "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
         SELECT kind, version + 1, title, body || ?, ?, published_at
           FROM legal_documents WHERE kind = 'aviso_integral'
          ORDER BY version DESC LIMIT 1",
    )
    .bind(format!("\n\n{ADDED}\n"))
    // Only compared with what the screen sends back; any 64 hex digits do.
    .bind("2".repeat(64))
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_notice_republished_during_the_form_is_shown_again_before_registering() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;

    tab(&c, "registro").await;
    type_into(&c, "affiliation_number", "900500501").await;
    type_into(&c, "credential_serial", "DEMO8327761").await;
    type_into(&c, "phone", "664 555 0199").await;
    type_into(&c, "email", "guadalupe@example.com").await;
    type_into(&c, "email_confirmation", "guadalupe@example.com").await;
    answer_every_document(&c).await;
    assert!(
        text(&c, "[data-kind='aviso_integral'] .huella")
            .await
            .starts_with("Versión 2")
    );

    publish_a_new_integral_notice(&h).await;
    click(&c, "registrar").await;
    wait_text(&c, "#error-integral_notice", "cambió mientras se capturaba").await;
    // The list is fetched before it is drawn: the new version, with its answer to give
    // again once the new text has been opened.
    wait_text(&c, "[data-kind='aviso_integral'] .huella", "Versión 3").await;
    let disabled = c
        .execute(
            "const box = document.getElementById('integral_notice'); return box.disabled && !box.checked;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(disabled, true, "the new text must be opened and answered");
    screenshot(&c, &h, "18-documento-cambio").await;

    // «Leer» opens the new text, not the one shown before.
    click(&c, "leer-aviso_integral").await;
    wait_visible(&c, "#dialogo-documento").await;
    wait_text(&c, "#documento-huella", "Versión 3").await;
    assert!(text(&c, "#documento-texto").await.contains(ADDED));
    click(&c, "cerrar-documento").await;

    // Drawn anew, every answer is given again; the receipt records version 3.
    answer_every_document(&c).await;
    click(&c, "registrar").await;
    wait_visible(&c, "#registro-exito").await;
    wait_text(
        &c,
        "#comprobante-documentos",
        "Aviso de privacidad integral",
    )
    .await;
    let rows = c
        .execute(
            "return [...document.querySelectorAll('#comprobante-documentos tbody tr')]
                 .map((tr) => [...tr.cells].map((td) => td.textContent));",
            vec![],
        )
        .await
        .unwrap();
    let integral = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row[0].as_str().unwrap().contains("integral"))
        .unwrap_or_else(|| panic!("no row for the integral notice in {rows}"));
    assert_eq!(integral[1], "3", "{rows}");
    assert_eq!(integral[2], "2".repeat(12), "{rows}");
    c.close().await.unwrap();
}
