//! The affiliate's right of access: everything the station holds about a registration,
//! on paper, approved by a supervisor; no secret ever in it.

use registro_core::receipt::render_access_report_pdf;
use registro_core::staff::SupervisorApproval;
use registro_test_support::*;

fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text")
}

async fn handed_over(t: &TestDesk) -> i64 {
    t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'datos_personales_entregados'")
        .await
}

#[tokio::test]
async fn a_supervisor_hands_the_affiliate_all_their_data_and_no_secret() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let email = &t.emails_to("ximena@example.com")[0];
    let (code, token) = (email.validation_code(), email.link_token());
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    t.deliver().await;
    let password_email = t
        .emails_to("ximena@example.com")
        .into_iter()
        .find(|e| e.text.contains("Contraseña temporal"))
        .expect("the temporary-password email");
    let id = &receipt.registration_id;

    // Without a reason, or with a wrong supervisor password: nothing, and nothing audited.
    let no_reason = t
        .desk
        .access_report(id, &supervisor_approval(), "")
        .await
        .unwrap_err();
    assert_eq!(
        no_reason.field(),
        Some(registro_core::domain::Field::Reason)
    );
    let wrong = SupervisorApproval {
        password: "no-es-la-contrasena".into(),
        ..supervisor_approval()
    };
    assert!(
        t.desk
            .access_report(id, &wrong, "Solicitud de acceso del afiliado")
            .await
            .is_err()
    );
    assert_eq!(handed_over(&t).await, 0);

    let report = t
        .desk
        .access_report(
            id,
            &supervisor_approval(),
            "Solicitud de acceso del afiliado",
        )
        .await
        .unwrap();
    let text = pdf_text(&render_access_report_pdf(&report));
    for expected in [
        receipt.folio.as_str(),
        "Ximena Ocampo Larrañaga (DEMO)",
        "900100101",
        // Unmasked: it is the person's own data.
        "ximena@example.com",
        "686 555 0142",
        "Validado",
        "Aviso de privacidad integral",
        "Contraseña temporal, a ximena@example.com",
        "registro en ventanilla",
        "registro validado",
        "usuario 900100101",
        "Juan Carlos Ejemplo Ficticio",
    ] {
        assert!(
            text.contains(expected),
            "the report lacks {expected:?}:\n{text}"
        );
    }
    let temporary_password = password_email.temporary_password();
    for secret in [
        code.as_str(),
        token.as_str(),
        temporary_password.as_str(),
        "$argon2",
        "DEMO4821907",
    ] {
        assert!(
            !text.contains(secret),
            "the report shows {secret:?}:\n{text}"
        );
    }

    // Recorded as handed over by the approving supervisor, with the reason.
    let (actor, detail): (String, String) = sqlx::query_as(
        "SELECT clerk, detail FROM audit_events WHERE action = 'datos_personales_entregados'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(actor, "supervisora");
    assert!(detail.contains("Solicitud de acceso"), "{detail}");
    // The next report lists this one in the history.
    let again = t
        .desk
        .access_report(id, &supervisor_approval(), "Segunda copia para el afiliado")
        .await
        .unwrap();
    assert!(
        again
            .history
            .iter()
            .any(|line| line.contains("entrega de sus datos personales")),
        "{:?}",
        again.history
    );
}
