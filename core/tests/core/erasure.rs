//! The rights of cancellation and opposition: the contact data erased here and centrally,
//! the evidence kept, nothing left in the queue for the central database.

use registro_core::domain::Field;
use registro_core::erasure::ErasureRight;
use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;

/// Rows of this station's tables where `needle` still appears (staff accounts aside: their
/// password hashes are the staff's, not the affiliate's).
async fn still_holding(t: &TestDesk, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, columns) in [
        ("registrations", "email || phone_e164"),
        (
            "outbox_messages",
            "recipient || subject || body_text || body_html || coalesce(secrets, '')",
        ),
        (
            "sync_queue JOIN sync_payloads USING (seq)",
            "CASE WHEN entity = 'personal' THEN '' ELSE payload END",
        ),
        ("accounts", "username || password_hash"),
    ] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE instr({columns}, ?) > 0"
        ))
        .bind(needle)
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap();
        if n > 0 {
            found.push(format!("{table}: {n}"));
        }
    }
    found
}

#[tokio::test]
async fn an_opposition_erases_the_contact_data_here_and_centrally_and_keeps_the_evidence() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(
        Central::new(&pg.url_as("oficina_mexicali", "central"), None).unwrap(),
    ));
    let validated = registered(&t).await;
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&validated.folio, &code)
        .await
        .unwrap();
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    // A second registration erased before it ever went up.
    let offline = t.register(BENEFICIARY, "emiliano@example.com").await;

    let no_reason = t
        .desk
        .erase_personal_data(
            &validated.registration_id,
            ErasureRight::Opposition,
            &supervisor_approval(),
            "",
        )
        .await
        .unwrap_err();
    assert_eq!(no_reason.field(), Some(Field::Reason));
    assert!(!still_holding(&t, "ximena@example.com").await.is_empty());

    let done = t
        .desk
        .erase_personal_data(
            &validated.registration_id,
            ErasureRight::Opposition,
            &supervisor_approval(),
            "Se opone al tratamiento de sus datos",
        )
        .await
        .unwrap();
    assert!(done.cancelled, "a live registration is cancelled");
    t.desk
        .erase_personal_data(
            &offline.registration_id,
            ErasureRight::Cancellation,
            &supervisor_approval(),
            "Ya no usará los servicios en línea",
        )
        .await
        .unwrap();

    for needle in [
        "ximena@example.com",
        "emiliano@example.com",
        "5550142",
        "$argon2",
    ] {
        assert_eq!(
            still_holding(&t, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    let detail = t
        .desk
        .registration_detail(&validated.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.summary.state.as_str(), "cancelada");
    assert!(detail.record.personal_data_erased_at.is_some());
    assert_eq!(detail.record.phone_display, "");
    assert!(
        detail
            .record
            .closed_reason
            .unwrap_or_default()
            .contains("oposición"),
        "the closing reason names the right"
    );
    // The evidence stays: folio, affiliation number, every consent with its hash.
    assert_eq!(detail.summary.affiliation_number, "900100101");
    assert_eq!(detail.consents.len(), 4);
    let detail_json: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'datos_personales_suprimidos'
          AND registration_id = ?",
    )
    .bind(&validated.registration_id)
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert!(detail_json.contains("oposicion") && detail_json.contains("Se opone"));
    // Once is enough.
    let again = t
        .desk
        .erase_personal_data(
            &validated.registration_id,
            ErasureRight::Cancellation,
            &supervisor_approval(),
            "Otra vez por error",
        )
        .await
        .unwrap_err();
    assert_eq!(again.code(), "datos_suprimidos");

    t.desk.sync_once().await.unwrap();
    for folio in [&validated.folio, &offline.folio] {
        let (email, phone, state, erased): (String, String, String, bool) = sqlx::query_as(
            "SELECT email, phone_e164, state, personal_data_erased_at IS NOT NULL
               FROM registrations WHERE folio = $1",
        )
        .bind(folio)
        .fetch_one(admin.pool())
        .await
        .unwrap();
        assert_eq!(
            (email.as_str(), phone.as_str(), state.as_str(), erased),
            ("", "", "cancelada", true),
            "{folio} centrally"
        );
    }
    let central_left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM accounts a JOIN registrations r ON r.id = a.registration_id
                  WHERE r.folio = $1)
              + (SELECT count(*) FROM outbox_messages o JOIN registrations r ON r.id = o.registration_id
                  WHERE r.folio = $1 AND o.recipient <> '')",
    )
    .bind(&validated.folio)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(
        central_left, 0,
        "no account and no addressed email left centrally"
    );
    let consents: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consents c JOIN registrations r ON r.id = c.registration_id
          WHERE r.folio = $1",
    )
    .bind(&validated.folio)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(consents, 4, "the consents stay as evidence");
    // Once the central database knows, the identity is free again.
    t.register(TITULAR, "ximena.nueva@example.com").await;
}

#[tokio::test]
async fn closed_registrations_lose_their_contact_data_once_the_retention_years_pass() {
    let t = spawn_desk().await;
    let cancelled = registered(&t).await;
    t.desk
        .cancel_registration(
            &cancelled.registration_id,
            &supervisor_approval(),
            "Registro con el correo de otra persona",
        )
        .await
        .unwrap();
    let live = t.register(BENEFICIARY, "emiliano@example.com").await;
    t.deliver().await;
    let code = t.emails_to("emiliano@example.com")[0].validation_code();
    t.desk.validate_with_code(&live.folio, &code).await.unwrap();
    let settings = t.desk.settings();
    assert_eq!(settings.retention_years, 5);

    // A day short of five years: nothing yet.
    t.clock.advance(chrono::Duration::days(5 * 365));
    assert_eq!(t.desk.apply_retention().await.unwrap(), 0);
    assert!(!still_holding(&t, "ximena@example.com").await.is_empty());

    // Past five years: the cancelled one is erased; the live account is untouched.
    t.clock.advance(chrono::Duration::days(3));
    assert_eq!(t.desk.apply_retention().await.unwrap(), 1);
    assert_eq!(
        still_holding(&t, "ximena@example.com").await,
        Vec::<String>::new()
    );
    assert!(!still_holding(&t, "emiliano@example.com").await.is_empty());
    // (The clerk's session locked long ago: retention needs nobody signed in.)
    let (erased, consents): (bool, i64) = sqlx::query_as(
        "SELECT r.personal_data_erased_at IS NOT NULL,
                (SELECT count(*) FROM consents c WHERE c.registration_id = r.id)
           FROM registrations r WHERE r.id = ?",
    )
    .bind(&cancelled.registration_id)
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert!(erased);
    assert_eq!(consents, 4, "the evidence stays");
    // Once: the next round finds nothing, and one audit entry says what happened.
    assert_eq!(t.desk.apply_retention().await.unwrap(), 0);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'conservacion_concluida'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert!(detail.contains("\"registros\":1"), "{detail}");

    // A shorter setting is refused below a year and taken otherwise.
    let mut shorter = t.desk.settings();
    shorter.retention_years = 0;
    let errors = shorter.validate().unwrap_err();
    assert!(errors.iter().any(|e| e.field == Field::RetentionYears));
}
