//! A desktop session without a credential store: the database key stays in the data
//! folder, the status bar and «Ajustes» say so, «Registrar» is refused, and a supervisor
//! accepts it in «Ajustes»; then the station registers.

use super::checks::*;
use super::clerk::*;
use super::harness::*;

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn without_a_credential_store_a_supervisor_accepts_the_key_on_disk_before_anyone_is_registered()
 {
    let h = start_without_secret_service();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    assert!(
        registro_core::DataPaths::new(h.data.path())
            .key_file()
            .is_file()
    );
    wait_text(&c, "#estado-clave", "Sin almacén de contraseñas").await;

    tab(&c, "registro").await;
    type_into(&c, "affiliation_number", "900500501").await;
    type_into(&c, "credential_serial", "DEMO8327761").await;
    type_into(&c, "phone", "664 555 0199").await;
    type_into(&c, "email", "guadalupe@example.com").await;
    type_into(&c, "email_confirmation", "guadalupe@example.com").await;
    answer_every_document(&c).await;
    click(&c, "registrar").await;
    wait_text(
        &c,
        "#registro-resumen",
        "un supervisor lo acepte en «Ajustes»",
    )
    .await;

    tab(&c, "ajustes").await;
    wait_text(&c, "#ajustes-clave", "clave-base-local.key").await;
    c.execute(
        "document.getElementById('ajustes-clave').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &h, "19-clave-en-disco").await;
    click(&c, "aceptar-clave").await;
    approve_as_supervisor(&c).await;
    wait_text(&c, "#autorizacion-resultado", "ya puede registrar").await;
    click(&c, "cerrar-autorizacion").await;
    wait_text(&c, "#ajustes-clave", "un supervisor lo aceptó").await;
    wait_text(&c, "#estado-clave", "aceptado por un supervisor").await;

    tab(&c, "registro").await;
    click(&c, "registrar").await;
    wait_visible(&c, "#registro-exito").await;
    c.close().await.unwrap();
}
