//! The consent's whole life: the grouping consent granted or revoked at a later visit, and
//! a new version of a text answered at the next visit; every answer kept with its evidence,
//! the latest in force here and, after the sync, centrally.

use registro_core::consents::LaterAnswer;
use registro_core::domain::DocumentKind;
use registro_core::legal::LegalDocument;
use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;

fn current(t: &TestDesk, kind: DocumentKind) -> &LegalDocument {
    t.documents.iter().find(|d| d.kind == kind).unwrap()
}

fn answer(registration_id: &str, doc: &LegalDocument, accepted: bool) -> LaterAnswer {
    LaterAnswer {
        registration_id: registration_id.to_owned(),
        kind: doc.kind,
        document_id: doc.id,
        sha256: doc.sha256.clone(),
        accepted,
    }
}

async fn grouping_in_force(t: &TestDesk, registration_id: &str) -> bool {
    sqlx::query_scalar("SELECT family_grouping FROM registrations WHERE id = ?")
        .bind(registration_id)
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_grouping_consent_is_revoked_and_granted_again_at_later_visits() {
    let t = spawn_desk().await;
    let r = registered(&t).await;
    assert!(grouping_in_force(&t, &r.registration_id).await);
    let grouping = current(&t, DocumentKind::ConsentimientoAgrupacion).clone();

    let revoked = t
        .desk
        .answer_consent(&answer(&r.registration_id, &grouping, false))
        .await
        .unwrap();
    assert_eq!(revoked.accepted, Some(false));
    assert!(!revoked.needs_new_answer);
    assert!(!grouping_in_force(&t, &r.registration_id).await);

    t.clock.advance(chrono::Duration::minutes(5));
    let granted = t
        .desk
        .answer_consent(&answer(&r.registration_id, &grouping, true))
        .await
        .unwrap();
    assert_eq!(granted.accepted, Some(true));
    assert!(grouping_in_force(&t, &r.registration_id).await);

    // Every answer stays, each with who, where and when: the detail shows the history.
    let detail = t
        .desk
        .registration_detail(&r.registration_id)
        .await
        .unwrap();
    let answers: Vec<bool> = detail
        .consents
        .iter()
        .filter(|c| c.document_kind == DocumentKind::ConsentimientoAgrupacion)
        .map(|c| c.accepted)
        .collect();
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'consentimiento_respondido'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_new_version_is_shown_at_the_next_visit_and_the_old_text_is_refused() {
    let t = spawn_desk().await;
    let r = registered(&t).await;
    let standings = t.desk.consent_standings(&r.registration_id).await.unwrap();
    assert_eq!(standings.len(), 4);
    assert!(
        standings.iter().all(|s| !s.needs_new_answer),
        "{standings:?}"
    );

    // The institute publishes a new integral notice.
    let old = current(&t, DocumentKind::AvisoIntegral).clone();
    sqlx::query(
        "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
         SELECT kind, version + 1, title, body || '\n\nCambio de prueba.', ?, published_at
           FROM legal_documents WHERE id = ?",
    )
    .bind("3".repeat(64))
    .bind(old.id)
    .execute(t.desk.store().writer())
    .await
    .unwrap();
    let standings = t.desk.consent_standings(&r.registration_id).await.unwrap();
    let integral = standings
        .iter()
        .find(|s| s.kind == DocumentKind::AvisoIntegral)
        .unwrap();
    assert!(integral.needs_new_answer);
    assert_eq!(integral.answered_version, Some(old.version));
    assert_eq!(integral.current_version, old.version + 1);

    // An answer to the text shown before the new one is refused, naming the text.
    let err = t
        .desk
        .answer_consent(&answer(&r.registration_id, &old, true))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "documento_cambio");

    let new = registro_core::legal::current_documents(t.desk.store())
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.kind == DocumentKind::AvisoIntegral)
        .unwrap();
    let standing = t
        .desk
        .answer_consent(&answer(&r.registration_id, &new, true))
        .await
        .unwrap();
    assert!(!standing.needs_new_answer);
    assert_eq!(standing.answered_version, Some(new.version));
}

#[tokio::test]
async fn a_cancelled_registration_takes_no_more_answers() {
    let t = spawn_desk().await;
    let r = registered(&t).await;
    t.desk
        .cancel_registration(
            &r.registration_id,
            &supervisor_approval(),
            "Lo pidió la persona afiliada",
        )
        .await
        .unwrap();
    let grouping = current(&t, DocumentKind::ConsentimientoAgrupacion).clone();
    let err = t
        .desk
        .answer_consent(&answer(&r.registration_id, &grouping, false))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "registro_cerrado");
}

#[tokio::test]
async fn the_answer_in_force_reaches_the_central_database() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(
        Central::new(&pg.url_as("oficina_mexicali", "central"), None).unwrap(),
    ));
    let r = registered(&t).await;
    t.desk.sync_once().await.unwrap();
    let central_grouping = || async {
        sqlx::query_scalar::<_, bool>("SELECT family_grouping FROM registrations WHERE folio = $1")
            .bind(&r.folio)
            .fetch_one(admin.pool())
            .await
            .unwrap()
    };
    assert!(central_grouping().await);

    let grouping = current(&t, DocumentKind::ConsentimientoAgrupacion).clone();
    t.desk
        .answer_consent(&answer(&r.registration_id, &grouping, false))
        .await
        .unwrap();
    t.desk.sync_once().await.unwrap();
    assert!(!central_grouping().await, "revoked centrally too");
    let answers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consents c JOIN registrations r ON r.id = c.registration_id
          WHERE r.folio = $1 AND c.document_kind = 'consentimiento_agrupacion'",
    )
    .bind(&r.folio)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(
        answers, 2,
        "both answers kept centrally, each with its evidence"
    );
}
