//! Finding a registration at the desk and what its detail shows.

use chrono::Duration;
use registro_core::domain::Field;
use registro_test_support::*;

#[tokio::test]
async fn search_finds_by_number_folio_email_and_name_and_shows_the_promise() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    for query in [
        "900 100 101",
        receipt.folio.as_str(),
        "XIMENA@example.com",
        "larranaga",
        "Ocampo Larrañaga",
    ] {
        let found = t.desk.search(query).await.unwrap();
        assert_eq!(found.len(), 1, "{query}");
        assert_eq!(found[0].folio, receipt.folio);
    }
    assert_eq!(
        t.desk.search("xy").await.unwrap_err().field(),
        Some(Field::Query)
    );

    // Not sent yet, within time: no verdict. Eleven minutes later: broken.
    let detail = t
        .desk
        .registration_detail(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, None);
    assert_eq!(detail.consents.len(), 4);
    assert_eq!(detail.emails.len(), 1);
    assert_eq!(detail.emails[0].state.as_str(), "en_cola");
    t.away(Duration::minutes(11)).await;
    let detail = t
        .desk
        .registration_detail(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, Some(false));
    t.deliver().await;
    let detail = t
        .desk
        .registration_detail(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, Some(false));
    assert_eq!(detail.emails[0].state.as_str(), "enviado");
    assert_eq!(detail.emails[0].attempt_log.len(), 1);

    let other = t.register(BENEFICIARY, "e@example.com").await;
    t.clock.advance(Duration::minutes(1));
    t.deliver().await;
    let detail = t
        .desk
        .registration_detail(&other.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, Some(true));
    assert_eq!(detail.promise.elapsed_secs, 60);
}

/// What is pasted by mistake gets a field message, not a slow scan or an internal error:
/// a 50 KB search, a 50 KB cancellation reason.
#[tokio::test]
async fn oversized_input_is_refused_with_a_message_naming_the_field() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    let pasted = "Ocampo ".repeat(7_500);
    let err = t.desk.search(&pasted).await.unwrap_err();
    assert_eq!(err.field(), Some(Field::Query));
    assert!(err.to_string().contains("hasta 120 caracteres"), "{err}");

    let err = t
        .desk
        .cancel_registration(&receipt.registration_id, &supervisor_approval(), &pasted)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some(Field::Reason));
    assert!(err.to_string().contains("hasta 500 caracteres"), "{err}");
    assert_eq!(
        t.state_of(&receipt.registration_id).await,
        "pendiente_validacion"
    );
}
