//! A supervisor opens «Pendientes» from the status bar (registrations waiting, a locked
//! number released) and then the audit log viewer (a filter, a page, the CSV export); both
//! screens pass the accessibility audit and fit the clerks' screens.

use super::checks::*;
use super::clerk::*;
use super::harness::*;

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_supervisor_works_through_pendientes_and_reads_the_audit_log() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;

    // Two registrations waiting for their code, and a number locked by wrong serials.
    let first = register_demo(&c, "900100101", "demo4821907", "ximena@example.com").await;
    click(&c, "nuevo-registro").await;
    register_demo(&c, "900100102", "DEMO4821908", "benito@example.com").await;
    click(&c, "nuevo-registro").await;
    for attempt in 0..5 {
        type_into(&c, "affiliation_number", "900100103").await;
        type_into(&c, "credential_serial", &format!("DEMO000000{attempt}")).await;
        // Leaving the field checks the credential against the roster.
        click(&c, "phone").await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    }

    // The status bar's link opens «Pendientes» and counts what needs someone.
    wait_text(&c, "#estado-ir-pendientes", "necesita atención").await;
    click(&c, "estado-ir-pendientes").await;
    wait_visible(&c, "#pantalla-pendientes").await;
    wait_text(&c, "#cola-validacion", &first).await;
    wait_text(&c, "#cola-bloqueos", "900100103").await;
    assert!(is_displayed(&c, "#cola-correos-vacia").await);
    assert!(is_displayed(&c, "#cola-sincronizacion-vacia").await);
    audit_accessibility(&c, &h, "pendientes").await;
    check_layout(&c, &h, "30-pendientes").await;

    // The supervisor releases the number, with the reason.
    c.find(fantoccini::Locator::Css("#cola-bloqueos tbody button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(&c, "reason", "Credencial revisada en persona").await;
    approve_as_supervisor(&c).await;
    wait_text(&c, "#autorizacion-resultado", "quedó desbloqueado").await;
    click(&c, "cerrar-autorizacion").await;
    wait_visible(&c, "#cola-bloqueos-vacia").await;
    wait_text(&c, "#estado-ir-pendientes", "registros por validar").await;

    // The audit log: the release is there, under its action, and exports to CSV.
    tab(&c, "bitacora").await;
    wait_visible(&c, "#pantalla-bitacora").await;
    wait_text(&c, "#bitacora-resumen", "eventos").await;
    wait_text(&c, "#tabla-bitacora", "Afiliacion desbloqueada").await;
    c.execute(
        "const s = document.getElementById('audit_action'); s.value = 'afiliacion_desbloqueada'; return true;",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "bitacora-buscar").await;
    wait_text(&c, "#bitacora-resumen", "1 evento").await;
    wait_text(&c, "#tabla-bitacora", "Credencial revisada en persona").await;
    click(&c, "bitacora-exportar").await;
    let said = wait_text(&c, "#bitacora-exito", ".csv").await;
    let path = said
        .split(" en ")
        .nth(1)
        .and_then(|rest| rest.split(". Se abre").next())
        .unwrap()
        .to_owned();
    let csv = std::fs::read(&path).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF\"Fecha y hora\""), "{path}");
    // A date range that ends before it began is refused by the field.
    c.execute(
        "document.getElementById('audit_from').value = '2030-01-02';
         document.getElementById('audit_to').value = '2030-01-01'; return true;",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "bitacora-buscar").await;
    wait_text(&c, "#error-audit_to", "anterior a la inicial").await;
    c.execute(
        "document.getElementById('audit_from').value = ''; document.getElementById('audit_to').value = ''; return true;",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "bitacora-buscar").await;
    wait_text(&c, "#bitacora-resumen", "1 evento").await;
    audit_accessibility(&c, &h, "bitacora").await;
    check_layout(&c, &h, "31-bitacora").await;
    c.close().await.unwrap();
}
