//! Follow-ups through a real SMTP server: its settings and a test email, a serial revealed
//! by a supervisor, search, resend, an email correction, a new temporary password, the
//! phone rectified, the affiliate's data handed over as a PDF and then erased.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use super::mail::*;
use fantoccini::Locator;
use registro_core::config::SmtpSecurity;
use registro_test_support::smtp_server::SmtpServer;

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and python3-aiosmtpd; ./dev.sh test runs it"]
async fn resend_email_correction_and_a_new_password_through_a_real_smtp_server() {
    let server = SmtpServer::start(SmtpSecurity::Plain, true);
    let (smtp, password) = server.settings(true);
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;

    // Settings: the SMTP server, no wait between resends, and a test email.
    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    // A new station: the checklist says what is left.
    let checklist = text(&c, "#lista-inicial").await;
    assert!(
        checklist.contains("Pendiente La dirección del enlace de validación del Instituto"),
        "{checklist}"
    );
    assert!(
        checklist.contains("Pendiente El servidor de correo"),
        "{checklist}"
    );
    click(&c, "usar-smtp").await;
    type_into(&c, "smtp_host", "127.0.0.1").await;
    type_into(&c, "smtp_port", &smtp.port.to_string()).await;
    c.find(Locator::Css("#smtp_security option[value='plain']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&c, "smtp_username", &smtp.username).await;
    type_into(&c, "smtp_password", password.as_deref().unwrap()).await;
    type_into(&c, "resend_cooldown_secs", "0").await;
    save_settings_as_supervisor(&c).await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    // A real server with the link and sender the app ships with: no affiliate may get
    // those, so emails wait and the status bar says which settings to change.
    let held = wait_text(&c, "#estado-ajustes", "Los correos esperan").await;
    assert!(
        held.contains("la dirección del enlace de validación y el correo del remitente"),
        "{held}"
    );
    screenshot(&c, &h, "30-ajustes-valores-de-demostracion").await;
    type_into(&c, "link_base_url", "https://servicios.example.com/validar").await;
    type_into(&c, "sender_address", "avisos@example.com").await;
    save_settings_as_supervisor(&c).await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    wait_hidden(&c, "#estado-ajustes").await;
    assert!(
        text(&c, "#entrega-actual")
            .await
            .contains(&format!("127.0.0.1:{}", smtp.port))
    );
    assert!(
        text(&c, "#ayuda-smtp_password")
            .await
            .contains("Hay una contraseña guardada")
    );
    type_into(&c, "test_recipient", "prueba@example.org").await;
    click(&c, "enviar-prueba").await;
    wait_text(&c, "#prueba-resultado", "el servidor lo aceptó").await;
    wait_for_smtp(&server, "prueba@example.org", "correo de prueba", 1).await;
    screenshot(&c, &h, "31-ajustes-smtp").await;
    audit_accessibility(&c, &h, "ajustes").await;

    // A credential without a printed serial.

    tab(&c, "registro").await;
    type_into(&c, "affiliation_number", "900200201").await;
    click(&c, "sin-serie").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(
        &c,
        "reason",
        "La credencial no trae número de serie impreso",
    )
    .await;
    click(&c, "identity_checked").await;
    audit_accessibility(&c, &h, "dialogo-autorizacion").await;
    approve_as_supervisor(&c).await;
    wait_text(&c, "#autorizacion-resultado", "DEMO5930114").await;
    screenshot(&c, &h, "32-serie-revelada").await;
    click(&c, "cerrar-autorizacion").await;
    let serial = c
        .find(Locator::Id("credential_serial"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(serial.as_deref(), Some("DEMO5930114"));

    // Register; the validation email arrives at the real server.
    let folio = register_demo(&c, "900200201", "DEMO5930114", "joaquin@example.com").await;
    let first = wait_for_smtp(&server, "joaquin@example.com", "código de validación", 1).await;

    // Search: the registration, its emails and the 10-minute promise.
    tab(&c, "busqueda").await;
    type_into(&c, "query", "900200201").await;
    click(&c, "buscar").await;
    wait_visible(&c, "#detalle").await;
    assert!(text(&c, "#detalle-titulo").await.contains(&folio));
    wait_text(&c, "#promesa", "cumplida").await;
    screenshot(&c, &h, "33-busqueda-detalle").await;
    audit_accessibility(&c, &h, "busqueda-detalle").await;

    // Resend: a second email with a new code.
    click(&c, "accion-reenviar").await;
    wait_text(&c, "#detalle-exito", "Un nuevo correo de validación para").await;
    let second = wait_for_smtp(&server, "joaquin@example.com", "código de validación", 2).await;
    assert_ne!(
        after(&first, "token="),
        after(&second, "token="),
        "a new link"
    );

    // Correct the email: the next validation email goes to the new address.
    click(&c, "accion-corregir").await;
    type_into(&c, "correccion-email", "joaquin.villasenor@example.com").await;
    type_into(
        &c,
        "correccion-confirmacion",
        "joaquin.villasenor@example.com",
    )
    .await;
    click(&c, "guardar-correccion").await;
    wait_text(&c, "#detalle-exito", "Correo corregido").await;
    let third = wait_for_smtp(
        &server,
        "joaquin.villasenor@example.com",
        "código de validación",
        1,
    )
    .await;
    screenshot(&c, &h, "34-correo-corregido").await;

    // The first code was replaced: the desk says so. The newest one validates.
    tab(&c, "validacion").await;
    type_into(&c, "folio", &folio).await;
    type_into(&c, "code", after(&first, "código de validación: ")).await;
    click(&c, "validar").await;
    let replaced = wait_text(&c, "#validacion-resumen", "código").await;
    let code = after(&third, "código de validación: ").to_owned();
    if after(&first, "código de validación: ") != code {
        assert!(
            replaced.contains("reemplazado") || replaced.contains("no coincide"),
            "{replaced}"
        );
    }
    type_into(&c, "code", &code).await;
    click(&c, "validar").await;
    wait_visible(&c, "#validacion-exito").await;
    wait_for_smtp(
        &server,
        "joaquin.villasenor@example.com",
        "Contraseña temporal",
        1,
    )
    .await;

    // A new temporary password for the validated account.
    tab(&c, "busqueda").await;
    type_into(&c, "query", &folio).await;
    click(&c, "buscar").await;
    wait_text(&c, "#detalle-datos", "Validado").await;
    click(&c, "accion-contrasena").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(&c, "reason", "El afiliado no anotó su contraseña").await;
    click(&c, "confirmar-autorizacion").await;
    wait_text(&c, "#autorizacion-resultado", "nueva contraseña temporal").await;
    click(&c, "cerrar-autorizacion").await;
    let password_email = wait_for_smtp(
        &server,
        "joaquin.villasenor@example.com",
        "Contraseña temporal",
        2,
    )
    .await;
    assert!(after(&password_email, "Contraseña temporal: ").len() >= 12);
    wait_text(&c, "#detalle-correos", "Contraseña temporal").await;
    screenshot(&c, &h, "35-nueva-contrasena").await;

    // The affiliate's phone rectified: a short number is told on its field, then a US
    // number, approved by the supervisor, shows in the detail.
    click(&c, "accion-telefono").await;
    wait_visible(&c, "#form-telefono").await;
    type_into(&c, "rectificacion-telefono", "686 555").await;
    click(&c, "guardar-telefono").await;
    wait_text(&c, "#error-rectificacion-telefono", "10 dígitos").await;
    // The country by keyboard, as a clerk picks it.
    c.execute(
        "document.getElementById('rectificacion-pais').focus();",
        vec![],
    )
    .await
    .unwrap();
    press(&c, &fantoccini::key::Key::Down.to_string()).await;
    wait_value(&c, "rectificacion-pais", "united_states_or_canada").await;
    type_into(&c, "rectificacion-telefono", "619 555 0188").await;
    click(&c, "guardar-telefono").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    assert!(
        text(&c, "#autorizacion-explicacion")
            .await
            .contains("(619) 555-0188")
    );
    type_into(&c, "reason", "El afiliado pidió rectificar su teléfono").await;
    audit_accessibility(&c, &h, "dialogo-rectificar-telefono").await;
    approve_as_supervisor(&c).await;
    wait_text(&c, "#autorizacion-resultado", "Teléfono rectificado").await;
    click(&c, "cerrar-autorizacion").await;
    wait_text(&c, "#detalle-datos", "+1 (619) 555-0188").await;
    c.execute(
        "document.getElementById('detalle-titulo').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &h, "36-telefono-rectificado").await;

    // The affiliate asks for their data: a supervisor approves, and a PDF with all of it
    // (the email unmasked, the new phone) is saved for the affiliate.
    click(&c, "accion-datos").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(&c, "reason", "Solicitud de acceso del afiliado").await;
    approve_as_supervisor(&c).await;
    let saved = wait_text(
        &c,
        "#autorizacion-resultado",
        "Datos personales guardados en PDF: ",
    )
    .await;
    click(&c, "cerrar-autorizacion").await;
    let (_, rest) = saved.split_once("PDF: ").unwrap();
    let path = &rest[..rest.find(".pdf").unwrap() + ".pdf".len()];
    let pdf = std::fs::read(path).unwrap();
    for expected in [
        folio.as_str(),
        "joaquin.villasenor@example.com",
        "(619) 555-0188",
    ] {
        assert!(
            pdf.windows(expected.len())
                .any(|w| w == expected.as_bytes()),
            "{expected:?} not in {path}"
        );
    }
    std::fs::write(h.shots.join("37-datos-personales.pdf"), &pdf).unwrap();

    // The detail refreshes behind the closed dialog (and closes any form it had open):
    // the clerk goes on once it says the PDF was saved.
    wait_text(&c, "#detalle-exito", "Datos personales guardados en PDF").await;
    // Then they oppose the processing: the contact data go, the registration is cancelled.
    click(&c, "accion-suprimir").await;
    wait_visible(&c, "#form-suprimir").await;
    click(&c, "suprimir-oposicion").await;
    audit_accessibility(&c, &h, "suprimir-datos").await;
    click(&c, "continuar-suprimir").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(&c, "reason", "Se opone al tratamiento de sus datos").await;
    approve_as_supervisor(&c).await;
    wait_text(
        &c,
        "#autorizacion-resultado",
        "Datos de contacto suprimidos",
    )
    .await;
    click(&c, "cerrar-autorizacion").await;
    let erased = wait_text(&c, "#detalle-datos", "Suprimidos el").await;
    assert!(
        !erased.contains("joaquin.villasenor@example.com"),
        "{erased}"
    );
    assert!(!erased.contains("555-0188"), "{erased}");
    c.execute(
        "document.getElementById('detalle-titulo').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &h, "38-datos-suprimidos").await;

    // The mail server's password is rotated and the station still has the old one: the
    // next email waits, intact, and the status bar and «Ajustes» say why; the right
    // password sends it, once.
    tab(&c, "ajustes").await;
    type_into(&c, "smtp_password", "una-contrasena-vieja").await;
    save_settings_as_supervisor(&c).await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    tab(&c, "registro").await;
    click(&c, "nuevo-registro").await;
    register_demo(&c, "900300301", "DEMO6102233", "leticia@example.com").await;
    let why = wait_text(&c, "#estado-correos-motivo", "535").await;
    assert!(why.contains("rechazó el usuario o la contraseña"), "{why}");
    tab(&c, "ajustes").await;
    let told = wait_text(&c, "#ajustes-correo-motivo", "535").await;
    assert!(told.contains("Un correo espera"), "{told}");
    c.execute(
        "document.getElementById('ajustes-correo-motivo').scrollIntoView({ block: 'center' });",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &h, "39-ajustes-correo-rechazado").await;
    type_into(&c, "smtp_password", password.as_deref().unwrap()).await;
    save_settings_as_supervisor(&c).await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    wait_for_smtp(&server, "leticia@example.com", "código de validación", 1).await;
    wait_hidden(&c, "#estado-correos-motivo").await;

    c.close().await.unwrap();
}
