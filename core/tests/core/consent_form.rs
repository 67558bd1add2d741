//! The written consent for the family grouping after a real registration: the PDF read
//! back as text, and the signed form recorded as collected once, audited and shown in
//! the search detail.

use registro_core::domain::DocumentKind;
use registro_core::receipt::render_consent_form_pdf;
use registro_core::registration::ConsentAnswer;
use registro_test_support::*;

fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text")
}

/// Text with every run of whitespace made one space: a wrapped line reads as one.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_form_carries_the_exact_text_its_hash_and_both_signature_lines() {
    let t = spawn_desk().await;
    let registered = t.register(TITULAR, "ximena@example.com").await;
    let shown = t
        .documents
        .iter()
        .find(|d| d.kind == DocumentKind::ConsentimientoAgrupacion)
        .unwrap();

    let form = t
        .desk
        .consent_form(&registered.registration_id)
        .await
        .unwrap();
    assert_eq!(form.folio, registered.folio);
    assert_eq!(form.body, shown.body);
    assert_eq!(form.version, shown.version);
    assert_eq!(form.sha256, shown.sha256);
    assert_eq!(form.sha256.len(), 64);
    assert_eq!(form.answer, "otorgado");
    assert!(form.granted);
    assert_eq!(form.affiliate_name, "Ximena Ocampo Larrañaga (DEMO)");
    assert_eq!(form.clerk_name, "Juan Carlos Ejemplo Ficticio");
    let receipt = t.desk.receipt(&registered.registration_id).await.unwrap();
    assert_eq!(form.decided_at_local, receipt.registered_at_local);
    assert!(
        form.decided_at_local.contains(" a las "),
        "{}",
        form.decided_at_local
    );

    let pdf = render_consent_form_pdf(&form);
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf);
    let flat = squeezed(&text);
    assert!(
        flat.contains(&squeezed(&shown.body)),
        "the exact text is missing:\n{text}"
    );
    for expected in [
        registered.folio.as_str(),
        "Ximena Ocampo Larrañaga (DEMO)",
        "900100101",
        form.decided_at_local.as_str(),
        "Oficina de demostración",
        &format!("versión {}", shown.version),
        "Comprobación del texto",
        &shown.sha256[..12],
        shown.sha256.as_str(),
        "Respuesta: Otorgado",
        "mi respuesta fue: otorgado.",
        "Firma del afiliado",
        "Firma del personal de ventanilla",
        "Juan Carlos Ejemplo Ficticio",
        "______________________________",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing:\n{text}");
    }
    for secret in ["ximena@", "5550142", "DEMO4821907"] {
        assert!(!text.contains(secret), "the form shows {secret:?}");
    }
}

#[tokio::test]
async fn a_no_reads_no_otorgado_and_unknown_registrations_are_not_found() {
    let t = spawn_desk().await;
    let mut form = t.form(BENEFICIARY, "beto@example.com");
    form.consents = ConsentAnswer::accepting(&t.documents, Some(false));
    let registered = t.desk.register(&form).await.unwrap();
    let consent = t
        .desk
        .consent_form(&registered.registration_id)
        .await
        .unwrap();
    assert!(!consent.granted);
    assert_eq!(consent.answer, "no otorgado");
    let text = squeezed(&pdf_text(&render_consent_form_pdf(&consent)));
    assert!(text.contains("Respuesta: No otorgado"), "{text}");
    assert!(text.contains("mi respuesta fue: no otorgado."), "{text}");

    for err in [
        t.desk
            .consent_form("no-such-registration")
            .await
            .unwrap_err(),
        t.desk
            .record_consent_form_collected("no-such-registration")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.code(), "registro_desconocido");
    }
}

#[tokio::test]
async fn the_clerk_records_the_signed_form_once_audited_and_shown_in_the_detail() {
    let t = spawn_desk().await;
    let registered = t.register(TITULAR, "ximena@example.com").await;
    let id = &registered.registration_id;
    let detail = t.desk.registration_detail(id).await.unwrap();
    assert!(detail.consent_form_collected.is_none());
    let audited =
        "SELECT count(*) FROM audit_events WHERE action = 'consentimiento_escrito_recogido'";
    assert_eq!(t.scalar_i64(audited).await, 0);

    // The clerk signed in is a capturista, not a supervisor.
    let clerk = t.desk.current_clerk().unwrap();
    assert_eq!(clerk.role.as_str(), "capturista");
    t.desk.record_consent_form_collected(id).await.unwrap();

    let detail = t.desk.registration_detail(id).await.unwrap();
    let collected = detail.consent_form_collected.expect("shown as collected");
    assert_eq!(collected.clerk, CLERK.0);
    assert_eq!(collected.office, "Oficina de demostración");
    assert_eq!(collected.collected_at, t.desk.now());
    assert_eq!(t.scalar_i64(audited).await, 1);
    // The audit row names the registration and the text, never the affiliate's name.
    let (registration, affiliation, detail_json): (String, String, String) = sqlx::query_as(
        "SELECT registration_id, affiliation_number, detail FROM audit_events
          WHERE action = 'consentimiento_escrito_recogido'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(&registration, id);
    assert_eq!(affiliation, "900100101");
    let shown = t
        .documents
        .iter()
        .find(|d| d.kind == DocumentKind::ConsentimientoAgrupacion)
        .unwrap();
    assert!(detail_json.contains(&shown.sha256), "{detail_json}");
    assert!(detail_json.contains(&registered.folio), "{detail_json}");
    assert!(!detail_json.contains("Ximena"), "{detail_json}");
    // It goes to the institute with the rest of the trail.
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
              WHERE q.entity = 'auditoria' AND p.payload LIKE '%consentimiento_escrito_recogido%'"
        )
        .await,
        1
    );

    // A second click, later, is refused in words and records nothing.
    t.clock.advance(chrono::Duration::minutes(1));
    let err = t.desk.record_consent_form_collected(id).await.unwrap_err();
    assert_eq!(err.code(), "consentimiento_ya_recogido");
    let message = err.to_string();
    assert!(message.contains(&registered.folio), "{message}");
    assert!(
        message.contains("ya se registró como recogido"),
        "{message}"
    );
    assert!(message.contains(CLERK.0), "{message}");
    assert_eq!(t.scalar_i64(audited).await, 1);
    let again = t.desk.registration_detail(id).await.unwrap();
    assert_eq!(
        again.consent_form_collected.unwrap().collected_at,
        collected.collected_at
    );
}

#[tokio::test]
async fn nobody_signed_in_can_print_or_record_the_form() {
    let t = spawn_desk().await;
    let registered = t.register(TITULAR, "ximena@example.com").await;
    t.desk.sign_out().await.unwrap();
    let id = &registered.registration_id;
    assert_eq!(
        t.desk.consent_form(id).await.unwrap_err().code(),
        "sin_sesion"
    );
    assert_eq!(
        t.desk
            .record_consent_form_collected(id)
            .await
            .unwrap_err()
            .code(),
        "sin_sesion"
    );
}

#[tokio::test]
async fn a_grouping_consent_answered_again_needs_its_own_signed_form() {
    let t = spawn_desk().await;
    let r = registered(&t).await;
    t.desk
        .record_consent_form_collected(&r.registration_id)
        .await
        .unwrap();
    let grouping = t
        .documents
        .iter()
        .find(|d| d.kind == DocumentKind::ConsentimientoAgrupacion)
        .unwrap();
    t.clock.advance(chrono::Duration::minutes(3));
    t.desk
        .answer_consent(&registro_core::consents::LaterAnswer {
            registration_id: r.registration_id.clone(),
            kind: grouping.kind,
            document_id: grouping.id,
            sha256: grouping.sha256.clone(),
            accepted: false,
        })
        .await
        .unwrap();
    // The form now prints the revocation, and its signed copy is still to collect.
    let detail = t
        .desk
        .registration_detail(&r.registration_id)
        .await
        .unwrap();
    assert!(detail.consent_form_collected.is_none());
    let form = t.desk.consent_form(&r.registration_id).await.unwrap();
    assert!(!form.granted);
    t.clock.advance(chrono::Duration::minutes(1));
    t.desk
        .record_consent_form_collected(&r.registration_id)
        .await
        .unwrap();
    let detail = t
        .desk
        .registration_detail(&r.registration_id)
        .await
        .unwrap();
    assert!(detail.consent_form_collected.is_some());
}
