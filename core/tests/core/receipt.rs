//! The affiliate's receipt after a real registration: what it says, what it must never
//! say, and the PDF read back as text.

use registro_core::config::InstituteContact;
use registro_core::receipt::render_pdf;
use registro_core::registration::ConsentAnswer;
use registro_test_support::*;

fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text")
}

#[tokio::test]
async fn the_receipt_shows_the_registration_masked_and_without_secrets() {
    let t = spawn_desk().await;
    let registered = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    let email = &t.emails_to("ximena@example.com")[0];
    let (code, token) = (email.validation_code(), email.link_token());

    let receipt = t.desk.receipt(&registered.registration_id).await.unwrap();
    assert_eq!(receipt.folio, registered.folio);
    assert_eq!(receipt.registered_at, registered.created_at);
    assert_eq!(receipt.affiliate_name, "Ximena Ocampo Larrañaga (DEMO)");
    assert_eq!(receipt.affiliation_number, "900100101");
    assert_eq!(receipt.email_masked, "xi***@example.com");
    assert_eq!(receipt.phone_masked, "*** *** 0142");
    assert_eq!(receipt.office, "Oficina de demostración");
    assert_eq!(receipt.state.as_str(), "pendiente_validacion");
    assert_eq!(receipt.contact.phone, InstituteContact::PHONE);

    assert_eq!(receipt.documents.len(), 4);
    for (doc, shown) in receipt.documents.iter().zip(&t.documents) {
        assert_eq!(doc.title, shown.title);
        assert_eq!(doc.version, shown.version);
        assert_eq!(doc.short_hash, shown.sha256[..12]);
    }
    let answers: Vec<&str> = receipt
        .documents
        .iter()
        .map(|d| d.answer.as_str())
        .collect();
    assert_eq!(answers, ["Aceptado", "Aceptado", "Aceptado", "Otorgado"]);
    let steps = receipt.next_steps.join("\n");
    assert!(steps.contains("24 horas"), "{steps}");
    assert!(steps.contains("10 minutos"), "{steps}");

    let json = serde_json::to_string(&receipt).unwrap();
    let pdf = render_pdf(&receipt);
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf);
    for (what, shown) in [("JSON", &json), ("PDF", &text)] {
        for secret in [
            "ximena@",
            "5550142",
            "555 0142",
            "555-0142",
            "DEMO4821907",
            code.as_str(),
            token.as_str(),
        ] {
            assert!(!shown.contains(secret), "{what} shows {secret:?}:\n{shown}");
        }
    }
    for expected in [
        receipt.folio.as_str(),
        "xi***@example.com",
        "Textos presentados y respuestas",
        InstituteContact::PHONE,
        "Servicios en Línea",
        "Qué sigue",
        "Ximena Ocampo Larrañaga (DEMO)",
        &t.documents[0].sha256[..12],
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}

#[tokio::test]
async fn a_no_to_grouping_reads_no_otorgado_and_unknown_ids_are_not_found() {
    let t = spawn_desk().await;
    let mut form = t.form(BENEFICIARY, "beto@example.com");
    form.consents = ConsentAnswer::accepting(&t.documents, Some(false));
    let registered = t.desk.register(&form).await.unwrap();
    let receipt = t.desk.receipt(&registered.registration_id).await.unwrap();
    assert_eq!(receipt.documents[3].answer, "No otorgado");

    let err = t.desk.receipt("no-such-registration").await.unwrap_err();
    assert_eq!(err.code(), "registro_desconocido");
}
