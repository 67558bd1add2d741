//! A whole registration by keyboard: a roster with a long name, every field error, the
//! documents, the receipt and its PDF, validation by code, «Nuevo registro», a duplicate
//! and five wrong serials.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use super::mail::*;
use fantoccini::{Locator, key::Key};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The demo roster plus an affiliate with a very long name, to see it wrap.
fn roster_with_a_long_name(dir: &Path) -> PathBuf {
    let mut csv = include_str!("../../../core/demo/padron_demo.csv").to_owned();
    csv.push_str(
        "900900901,LARG7700701,María de los Ángeles Guadalupe Fernández de Castro y Villaseñor-Ochoa Ruiz Esparza (DEMO),titular,900900901,si\n",
    );
    let file = dir.join("padron con nombre largo.csv");
    std::fs::write(&file, csv).unwrap();
    file
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_clerk_registers_by_keyboard_prints_the_receipt_and_starts_the_next_one() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    assert!(text(&c, "#aviso-demo").await.starts_with("DEMO"));

    // Padrón: a roster with a very long name.
    tab(&c, "padron").await;
    let roster = roster_with_a_long_name(h.data.path());
    type_into(&c, "roster_file", roster.to_str().unwrap()).await;
    click(&c, "importar").await;
    wait_text(&c, "#padron-totales", "Con errores: 0").await;
    check_layout(&c, &h, "12-padron").await;
    audit_accessibility(&c, &h, "padron").await;

    tab(&c, "registro").await;
    click(&c, "affiliation_number").await;
    check_layout(&c, &h, "01-registro-vacio").await;
    audit_accessibility(&c, &h, "registro").await;

    // Enter on an empty form: every field says what is missing, focus on the first.
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#registro-resumen").await;
    for (field, says) in [
        ("affiliation_number", "número de afiliación"),
        ("credential_serial", "número de serie"),
        ("phone", "teléfono"),
        ("email", "correo"),
        ("email_confirmation", "correo"),
        ("integral_notice", "aviso de privacidad integral"),
        ("simplified_notice", "aviso de privacidad simplificado"),
        ("terms_and_conditions", "términos"),
        ("family_grouping_consent", "agrupación"),
    ] {
        let error = text(&c, &format!("#error-{field}")).await;
        assert!(
            error.to_lowercase().contains(says),
            "{field}: {error:?} should mention {says:?}"
        );
    }
    assert_eq!(focused(&c).await, "affiliation_number");
    check_layout(&c, &h, "02-registro-errores").await;
    audit_accessibility(&c, &h, "registro-errores").await;

    // Wrong shapes are caught as the clerk leaves each field.
    type_into(&c, "affiliation_number", "9").await;
    type_into(&c, "phone", "555 01").await;
    type_into(&c, "email", "ana.ejemplo@gmial.com").await;
    type_into(&c, "email_confirmation", "otra@example.com").await;
    click(&c, "credential_serial").await;
    wait_text(&c, "#error-affiliation_number", "debe tener entre").await;
    wait_text(&c, "#error-phone", "10 dígitos").await;
    wait_text(
        &c,
        "#sugerencia-texto",
        "¿Quiso decir ana.ejemplo@gmail.com?",
    )
    .await;
    wait_text(&c, "#error-email_confirmation", "no coincide").await;
    screenshot(&c, &h, "03-errores-al-escribir").await;

    // Number and serial: the roster's name, to confirm the person.
    type_into(&c, "affiliation_number", "900 900 901").await;
    type_into(&c, "credential_serial", "larg7700701").await;
    click(&c, "phone").await;
    wait_text(
        &c,
        "#afiliado-identificado",
        "María de los Ángeles Guadalupe",
    )
    .await;
    let long_email = "maria.de.los.angeles.guadalupe.fernandez.de.castro.villasenor@correo-de-pruebas.example.org";
    type_into(&c, "phone", "(686) 555-0142").await;
    type_into(&c, "email", long_email).await;
    type_into(&c, "email_confirmation", long_email).await;

    // Each document is opened (its stored text) before it can be answered; Escape closes.
    for (kind, answer) in [
        ("aviso_integral", "integral_notice"),
        ("aviso_simplificado", "simplified_notice"),
        ("terminos_condiciones", "terms_and_conditions"),
        ("consentimiento_agrupacion", "family_grouping_consent-no"),
    ] {
        let input = c.find(Locator::Id(answer)).await.unwrap();
        assert!(
            !input.is_selected().await.unwrap(),
            "{answer} never pre-checked"
        );
        let disabled = c
            .execute(
                "return document.getElementById(arguments[0]).matches(':disabled');",
                vec![serde_json::json!(answer)],
            )
            .await
            .unwrap();
        assert_eq!(disabled, true, "{answer} waits for the text");
        click(&c, &format!("leer-{kind}")).await;
        wait_visible(&c, "#dialogo-documento").await;
        assert!(text(&c, "#documento-texto").await.len() > 200);
        if kind == "aviso_integral" {
            check_layout(&c, &h, "04-aviso-integral").await;
            audit_accessibility(&c, &h, "dialogo-documento").await;
        }
        press(&c, &Key::Escape.to_string()).await;
        // Focus returns to the answer: the space bar ticks a box; for the grouping
        // question the arrow moves from "Sí" to "No".
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Some(question) = answer.strip_suffix("-no") {
            assert_eq!(focused(&c).await, format!("{question}-si"));
            press(&c, &Key::Down.to_string()).await;
        } else {
            assert_eq!(focused(&c).await, answer);
            press(&c, " ").await;
        }
        assert!(
            c.find(Locator::Id(answer))
                .await
                .unwrap()
                .is_selected()
                .await
                .unwrap()
        );
    }
    check_layout(&c, &h, "05-registro-lleno").await;

    // Enter registers. The grouping consent was refused: registered all the same.
    click(&c, "email_confirmation").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#registro-exito").await;
    let folio = text(&c, "#exito-folio").await;
    assert!(folio.starts_with("RSL-"), "{folio}");
    wait_text(&c, "#exito-agrupacion", "no otorgado").await;

    // The receipt: masked contact, documents with version and hash, next steps, contact.
    let data = wait_text(&c, "#comprobante-datos", "Villaseñor").await;
    assert!(
        data.contains("ma***@correo-de-pruebas.example.org"),
        "{data}"
    );
    assert!(data.contains("*** *** 0142"), "{data}");
    assert!(!data.contains(long_email) && !data.contains("555 0142"));
    let documents = text(&c, "#comprobante-documentos").await;
    assert!(
        documents.contains("Aviso de privacidad integral"),
        "{documents}"
    );
    assert!(documents.contains("No otorgado"), "{documents}");
    let rows = c
        .find_all(Locator::Css("#comprobante-documentos tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert!(!text(&c, "#comprobante-pasos").await.is_empty());
    assert!(
        text(&c, "#comprobante-contacto")
            .await
            .contains("686 551 6100")
    );
    // No central database here: the status bar says the record lives only on this station.
    wait_text(
        &c,
        "#estado-pendientes",
        "Registros guardados solo en esta estación: 1",
    )
    .await;
    assert!(!is_displayed(&c, "#estado-ultima").await);
    check_layout(&c, &h, "06-comprobante").await;
    audit_accessibility(&c, &h, "comprobante").await;

    click(&c, "guardar-pdf").await;
    let saved = wait_text(&c, "#pdf-resultado", "Comprobante guardado en PDF: ").await;
    let path = saved.trim_start_matches("Comprobante guardado en PDF: ");
    let pdf = std::fs::read(path).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "{path}");
    assert!(path.contains(&folio));
    std::fs::write(h.shots.join("06-comprobante.pdf"), &pdf).unwrap();

    // Validation by code from the email.
    let email = wait_for_email(&h, long_email, "código de validación").await;
    let code = after(&email, "código de validación: ").to_owned();
    click(&c, "ir-validar").await;
    wait_visible(&c, "#pantalla-validacion").await;
    assert_eq!(value(&c, "folio").await, folio);
    type_into(&c, "code", "000000").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(&c, "#validacion-resumen", "El código no coincide").await;
    assert_eq!(focused(&c).await, "code");
    audit_accessibility(&c, &h, "validacion-error").await;
    type_into(&c, "code", &code).await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#validacion-exito").await;
    assert_eq!(text(&c, "#validacion-usuario").await, "Usuario: 900900901");
    check_layout(&c, &h, "07-validado").await;

    // "Nuevo registro" (Alt+N): an empty form, focus on the first field.
    tab(&c, "registro").await;
    click(&c, "nuevo-registro").await;
    wait_visible(&c, "#form-registro").await;
    for field in [
        "affiliation_number",
        "credential_serial",
        "phone",
        "email",
        "email_confirmation",
    ] {
        assert_eq!(value(&c, field).await, "", "{field} cleared");
    }
    assert!(
        !c.find(Locator::Id("integral_notice"))
            .await
            .unwrap()
            .is_selected()
            .await
            .unwrap()
    );
    assert_eq!(focused(&c).await, "affiliation_number");
    assert_eq!(value(&c, "phone_country").await, "mexico", "country reset");

    // A phone of the United States, chosen by keyboard: the country comes right before
    // the number in the Tab order, and ten digits are read in it (442 is also Querétaro).
    type_into(&c, "affiliation_number", "900200201").await;
    type_into(&c, "credential_serial", "DEMO5930114").await;
    press(&c, &Key::Tab.to_string()).await;
    assert_eq!(focused(&c).await, "sin-serie");
    press(&c, &Key::Tab.to_string()).await;
    assert_eq!(focused(&c).await, "phone_country");
    press(&c, &Key::Down.to_string()).await;
    wait_value(&c, "phone_country", "united_states_or_canada").await;
    press(&c, &Key::Tab.to_string()).await;
    assert_eq!(focused(&c).await, "phone");
    press(&c, "+52 442 555 0142").await;
    press(&c, &Key::Tab.to_string()).await;
    wait_text(&c, "#error-phone", "+52").await;
    type_into(&c, "phone", "442.555.0142").await;
    type_into(&c, "email", "joaquin.ejemplo@example.org").await;
    wait_value(&c, "phone", "(442) 555-0142").await;
    type_into(&c, "email_confirmation", "joaquin.ejemplo@example.org").await;
    answer_every_document(&c).await;
    click(&c, "email_confirmation").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#registro-exito").await;
    let data = wait_text(&c, "#comprobante-datos", "Villaseñor Trujano").await;
    assert!(data.contains("+1 (***) ***-0142"), "{data}");
    screenshot(&c, &h, "15-comprobante-telefono-eeuu").await;
    click(&c, "nuevo-registro").await;
    wait_visible(&c, "#form-registro").await;
    assert_eq!(value(&c, "phone_country").await, "mexico", "country reset");

    // The same person again: said as soon as number and serial are typed.
    type_into(&c, "affiliation_number", "900900901").await;
    type_into(&c, "credential_serial", "LARG7700701").await;
    click(&c, "phone").await;
    wait_text(
        &c,
        "#afiliado-identificado",
        "ya tiene cuenta en Servicios en Línea",
    )
    .await;
    screenshot(&c, &h, "16-registro-duplicado").await;

    // Five wrong serials lock the number.
    type_into(&c, "credential_serial", "").await;
    type_into(&c, "affiliation_number", "900100102").await;
    for attempt in 1..=5 {
        type_into(&c, "credential_serial", &format!("DEMO000000{attempt}")).await;
        click(&c, "phone").await;
        if attempt < 5 {
            wait_text(
                &c,
                "#error-credential_serial",
                &format!("{} intento", 5 - attempt),
            )
            .await;
        }
    }
    wait_text(&c, "#error-affiliation_number", "está bloqueado hasta el").await;
    screenshot(&c, &h, "17-serie-bloqueada").await;
    c.close().await.unwrap();
}
