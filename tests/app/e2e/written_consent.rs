//! The written consent for the family grouping from «Buscar»: after a registration, the
//! detail saves the consent form (and the receipt again) as PDFs and records the signed
//! form as collected, which the detail then shows with who and when.

use super::checks::*;
use super::clerk::*;
use super::harness::*;

/// `needle` among the PDF's bytes: its text is stored uncompressed, one line per run.
fn holds(pdf: &[u8], needle: &str) -> bool {
    pdf.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The path at the end of a «… guardado en PDF: <path>» message.
fn saved_path(message: &str) -> String {
    let (_, rest) = message
        .split_once("PDF: ")
        .expect("the message names the file");
    let end = rest.find(".pdf").expect("a .pdf file") + ".pdf".len();
    rest[..end].to_owned()
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn the_consent_form_is_saved_from_search_and_its_signed_copy_recorded() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;

    tab(&c, "registro").await;
    let folio = register_demo(&c, "900100101", "DEMO4821907", "ximena@example.com").await;

    open_in_search(&c, &folio).await;
    wait_text(&c, "#detalle-titulo", &folio).await;
    wait_text(
        &c,
        "#consentimiento-escrito-estado",
        "todavía no se ha recogido",
    )
    .await;

    // The consent form, to print and sign: the refused consent reads «No otorgado».
    click(&c, "accion-consentimiento-pdf").await;
    let saved = wait_text(
        &c,
        "#consentimiento-escrito-resultado",
        "Formato de consentimiento guardado en PDF: ",
    )
    .await;
    let path = saved_path(&saved);
    assert!(path.contains(&folio), "{path}");
    let pdf = std::fs::read(&path).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "{path}");
    for expected in [
        folio.as_str(),
        "Firma del afiliado",
        "Firma del personal de ventanilla",
        "Rosa Elena Prueba Demo",
        "Respuesta:",
        "No otorgado",
    ] {
        assert!(holds(&pdf, expected), "{expected:?} not in {path}");
    }
    std::fs::write(h.shots.join("60-consentimiento-escrito.pdf"), &pdf).unwrap();

    // The receipt again.
    click(&c, "accion-comprobante-pdf").await;
    let saved = wait_text(
        &c,
        "#consentimiento-escrito-resultado",
        "Comprobante guardado en PDF: ",
    )
    .await;
    let receipt = std::fs::read(saved_path(&saved)).unwrap();
    assert!(receipt.starts_with(b"%PDF") && holds(&receipt, &folio));

    // The signed form comes back: recorded once, with who and when.
    click(&c, "accion-consentimiento-recogido").await;
    wait_text(&c, "#detalle-exito", "fue recogido").await;
    let estado = wait_text(
        &c,
        "#consentimiento-escrito-estado",
        "Formato firmado recogido el",
    )
    .await;
    assert!(estado.contains(SUPERVISOR.0), "{estado}");
    assert!(estado.contains(" a las "), "{estado}");
    assert!(!is_displayed(&c, "#accion-consentimiento-recogido").await);
    assert_eq!(focused(&c).await, "consentimiento-escrito-estado");

    audit_accessibility(&c, &h, "consentimiento-escrito").await;
    check_layout(&c, &h, "61-consentimiento-escrito").await;
    c.execute(
        "document.getElementById('consentimiento-escrito').scrollIntoView({ block: 'center' });",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &h, "62-consentimiento-escrito-recogido").await;
    c.close().await.unwrap();
}
