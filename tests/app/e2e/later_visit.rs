//! An affiliate comes back to a desk: the clerk finds the registration in «Buscar», sees
//! which version of each text is in force and the answer in force, records a new answer
//! to the grouping consent, and presents a version of the integral notice published since.

use super::checks::*;
use super::clerk::*;
use super::document_changed::{ADDED, publish_a_new_integral_notice};
use super::harness::*;

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn at_a_later_visit_the_grouping_consent_is_granted_and_a_new_notice_is_answered() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    tab(&c, "registro").await;
    // The grouping consent is refused at registration (answer_every_document).
    let folio = register_demo(&c, "900100101", "DEMO4821907", "ximena@example.com").await;

    open_in_search(&c, &folio).await;
    let grouping = "#detalle-vigentes tbody tr:nth-child(4)";
    wait_text(&c, grouping, "No otorgado en la versión 2").await;

    // The affiliate now grants it: the text is shown again, and the answer recorded.
    click(&c, "responder-consentimiento_agrupacion").await;
    wait_visible(&c, "#dialogo-respuesta").await;
    assert!(
        text(&c, "#respuesta-titulo")
            .await
            .contains("Consentimiento")
    );
    audit_accessibility(&c, &h, "respuesta-consentimiento").await;
    click(&c, "respuesta-si").await;
    wait_text(&c, "#detalle-exito", "Respuesta registrada").await;
    wait_text(&c, grouping, "Otorgado en la versión 2").await;
    // Both answers stay in the history, each with its evidence.
    let history = c
        .execute(
            "return [...document.querySelectorAll('#detalle-consentimientos tbody tr')]
                 .filter((tr) => tr.cells[0].textContent.includes('Agrupación')).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(history, 2, "two answers to the grouping consent");

    // A new integral notice is published: the detail asks to present it at this visit.
    publish_a_new_integral_notice(&h).await;
    click(&c, "buscar").await;
    let integral = "#detalle-vigentes tbody tr:nth-child(1)";
    wait_text(&c, integral, "Hay una versión nueva").await;
    c.execute(
        "document.getElementById('detalle-vigentes').scrollIntoView({ block: 'center' });",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &h, "35-visita-posterior").await;
    audit_accessibility(&c, &h, "busqueda-vigentes").await;
    check_layout(&c, &h, "busqueda-vigentes").await;
    click(&c, "responder-aviso_integral").await;
    wait_visible(&c, "#dialogo-respuesta").await;
    assert!(text(&c, "#respuesta-texto").await.contains(ADDED));
    click(&c, "respuesta-si").await;
    wait_text(&c, integral, "Aceptado en la versión 3").await;
    c.close().await.unwrap();
}
