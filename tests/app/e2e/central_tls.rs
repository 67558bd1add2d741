//! The central database over verified TLS, set up in «Ajustes» as a supervisor would: a
//! root certificate that is not one is named under its field; a root that is not the
//! server's is refused in the status bar, in Spanish; the institute's root connects.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::tls::TestCa;

/// Pastes `text` as a supervisor would (WebKitWebDriver types a textarea's line breaks
/// as nothing, and a PEM needs them).
async fn paste_into(c: &fantoccini::Client, id: &str, text: &str) {
    c.execute(
        "const field = document.getElementById(arguments[0]); field.value = arguments[1];
         field.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![serde_json::json!(id), serde_json::json!(text)],
    )
    .await
    .unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and PostgreSQL; ./dev.sh test runs it"]
async fn the_central_root_certificate_is_set_in_ajustes_and_a_wrong_one_is_said_in_spanish() {
    let ca = TestCa::new("CA interna del Instituto (prueba)");
    let pg = PgServer::start_with_tls(&ca.issue(&["localhost"]));
    let _admin = registro_test_support::central_database(&pg).await;
    let url = format!(
        "postgres://oficina_mexicali@localhost:{}/central?sslmode=verify-full",
        pg.port
    );

    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    type_into(&c, "central_url", &url).await;
    type_into(
        &c,
        "central_root_certificate",
        "-----BEGIN CERTIFICATE-----\nno es uno",
    )
    .await;
    save_settings_refused(&c, "certificado raíz de la base central").await;
    wait_text(
        &c,
        "#error-central_root_certificate",
        "certificado raíz de la base central debe estar en formato PEM",
    )
    .await;

    // Another authority's root: nothing goes up, and the status bar says why in Spanish.
    let stranger = TestCa::new("Otra autoridad").root_pem();
    paste_into(&c, "central_root_certificate", &stranger).await;
    save_settings_as_supervisor(&c).await;
    click(&c, "sincronizar-ahora").await;
    let refused = wait_text(
        &c,
        "#estado-conexion",
        "No se pudo establecer una conexión cifrada y verificada con la base central",
    )
    .await;
    assert!(!refused.contains("certificate"), "{refused}");
    screenshot(&c, &h, "43-certificado-rechazado").await;

    // The institute's root: online.
    paste_into(&c, "central_root_certificate", &ca.root_pem()).await;
    save_settings_as_supervisor(&c).await;
    click(&c, "sincronizar-ahora").await;
    wait_text(&c, "#estado-conexion", "En línea").await;
    c.close().await.unwrap();
}
