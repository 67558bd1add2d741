//! Registering an affiliate at the desk: what one registration writes and sends, every
//! refusal (bad fields, the roster, a live registration, wrong serials) and the
//! all-or-nothing transaction.

use chrono::Duration;
use registro_core::Error;
use registro_core::clock::Clock;
use registro_core::domain::Field;
use registro_test_support::*;

#[tokio::test]
async fn a_registration_writes_everything_and_the_email_carries_link_and_code() {
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;

    // The folio carries the day of the registration at the desk (its local date).
    let day = t.clock.now().with_timezone(&chrono::Local).format("%y%m%d");
    assert!(
        receipt.folio.starts_with(&format!("RSL-{day}-")),
        "{}",
        receipt.folio
    );
    assert_eq!(receipt.affiliate_name, "Ximena Ocampo Larrañaga (DEMO)");
    assert_eq!(receipt.email_masked, "xi***@example.com");
    assert_eq!(
        receipt.validation_expires_at - receipt.created_at,
        Duration::hours(24)
    );

    let store = t.desk.store().reader();
    let (state, phone, email): (String, String, String) =
        sqlx::query_as("SELECT state, phone_e164, email FROM registrations WHERE folio = ?")
            .bind(&receipt.folio)
            .fetch_one(store)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), phone.as_str(), email.as_str()),
        (
            "pendiente_validacion",
            "+526865550142",
            "ximena@example.com"
        )
    );

    #[derive(sqlx::FromRow)]
    struct ConsentRow {
        document_kind: String,
        document_version: i64,
        document_sha256: String,
        accepted: bool,
        method: String,
        clerk: String,
        office: String,
        workstation: String,
    }
    let consents: Vec<ConsentRow> = sqlx::query_as(
        "SELECT document_kind, document_version, document_sha256, accepted, method, clerk, office, workstation
           FROM consents WHERE registration_id = ? ORDER BY document_kind",
    )
    .bind(&receipt.registration_id)
    .fetch_all(store)
    .await
    .unwrap();
    assert_eq!(consents.len(), 4);
    for c in &consents {
        let doc = t
            .documents
            .iter()
            .find(|d| d.kind.as_str() == c.document_kind)
            .unwrap();
        assert_eq!(
            (c.document_version, &c.document_sha256),
            (doc.version, &doc.sha256)
        );
        assert!(c.accepted);
        assert_eq!(c.method, "asistido en ventanilla");
        assert_eq!(c.clerk, CLERK.0);
        assert_eq!(c.office, "Oficina de demostración");
        assert_eq!(c.workstation, t.desk.settings().workstation);
    }
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'registro_creado'")
            .await,
        1
    );
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_messages WHERE state = 'en_cola'")
            .await,
        1
    );

    let round = t.deliver().await;
    assert_eq!(round.sent, 1);
    let emails = t.emails_to("ximena@example.com");
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert!(email.subject.contains(&receipt.folio));
    let code = email.validation_code();
    assert!(
        code.chars().all(|c| c.is_ascii_digit()) && code.len() == 6,
        "{code}"
    );
    let link = email.link();
    assert!(
        link.starts_with("https://servicios.example.org/validar?token="),
        "{link}"
    );
    let token = link.rsplit('=').next().unwrap();
    assert_eq!(token.len(), 64);
    assert!(email.html.contains(&code) && email.html.contains(token));
    assert!(email.text.contains("Calle Calafia 1115"));

    // Only hashes remain: neither the code nor the token is anywhere in the database.
    let leftovers: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM outbox_messages WHERE secrets IS NOT NULL OR body_text LIKE '%' || ?1 || '%' OR body_html LIKE '%' || ?1 || '%')
              + (SELECT count(*) FROM validation_tokens WHERE link_sha256 = ?1 OR code_sha256 = ?2)",
    )
    .bind(token)
    .bind(&code)
    .fetch_one(store)
    .await
    .unwrap();
    assert_eq!(leftovers, 0);
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once_and_nothing_is_written() {
    let t = spawn_desk().await;
    let mut form = t.form(("", "x"), "ana@gmial.com");
    form.phone = "555".into();
    form.email_confirmation = "otra@example.com".into();
    form.consents.iter_mut().for_each(|c| c.accepted = None);
    let err = t.desk.register(&form).await.unwrap_err();
    assert_eq!(err.code(), "campos_invalidos");
    let fields: Vec<Field> = err.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            Field::AffiliationNumber,
            Field::CredentialSerial,
            Field::Phone,
            Field::Email,
            Field::EmailConfirmation,
            Field::IntegralNotice,
            Field::SimplifiedNotice,
            Field::TermsAndConditions,
            Field::FamilyGroupingConsent
        ]
    );
    assert!(
        err.field_errors()[3]
            .message
            .starts_with("¿Quiso decir ana@gmail.com?")
    );
    assert_eq!(t.scalar_i64("SELECT count(*) FROM registrations").await, 0);
}

#[tokio::test]
async fn roster_refusals_say_what_to_do() {
    let t = spawn_desk().await;
    let err = t
        .desk
        .register(&t.form(("123456789", "ABCD1234"), "a@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotInRoster(_)));
    assert_eq!(err.field(), Some(Field::AffiliationNumber));
    assert!(err.to_string().contains("no está en el padrón"));

    let err = t
        .desk
        .register(&t.form(NOT_CURRENT, "b@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "afiliacion_no_vigente");
    assert!(err.to_string().contains("no está vigente"));
}

#[tokio::test]
async fn one_live_registration_per_person() {
    let t = spawn_desk().await;
    let first = t.register(TITULAR, "ximena@example.com").await;
    let err = t
        .desk
        .register(&t.form(TITULAR, "otra@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "registro_pendiente");
    assert!(err.to_string().contains(&first.folio), "{err}");
    assert!(err.to_string().contains("revisar su correo"));

    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&first.folio, &code)
        .await
        .unwrap();
    let err = t
        .desk
        .register(&t.form(TITULAR, "otra@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ya_registrado");
    assert!(err.to_string().contains("contraseña temporal nueva"));

    // A beneficiary of the same nucleus is another person and registers on their own.
    t.register(BENEFICIARY, "emiliano@example.com").await;
}

#[tokio::test]
async fn five_wrong_serials_lock_the_number_for_fifteen_minutes() {
    let t = spawn_desk().await;
    for remaining in [4, 3, 2, 1] {
        let err = t
            .desk
            .register(&t.form((TITULAR.0, "MAL00001"), "x@example.com"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::SerialMismatch { remaining: r } if r == remaining),
            "{err:?}"
        );
        assert_eq!(err.field(), Some(Field::CredentialSerial));
    }
    let err = t
        .desk
        .register(&t.form((TITULAR.0, "MAL00001"), "x@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "afiliacion_bloqueada");
    // Locked even with the right serial.
    let err = t
        .desk
        .register(&t.form(TITULAR, "x@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "afiliacion_bloqueada");
    assert!(err.to_string().contains("bloqueado hasta"));
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'afiliacion_bloqueada'")
            .await,
        1
    );
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'serie_incorrecta'")
            .await,
        5
    );
    // Other numbers are not affected.
    t.register(BENEFICIARY, "e@example.com").await;

    t.away(Duration::minutes(15) + Duration::seconds(1)).await;
    t.register(TITULAR, "x@example.com").await;
}

#[tokio::test]
async fn lock_thresholds_come_from_the_settings() {
    let settings = registro_core::config::Settings {
        max_serial_failures: 2,
        serial_lock_minutes: 60,
        ..Default::default()
    };
    let t = spawn_desk_with(settings).await;
    t.desk
        .register(&t.form((TITULAR.0, "MAL00001"), "x@example.com"))
        .await
        .unwrap_err();
    let err = t
        .desk
        .register(&t.form((TITULAR.0, "MAL00001"), "x@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "afiliacion_bloqueada");
    t.away(Duration::minutes(30)).await;
    assert_eq!(
        t.desk
            .register(&t.form(TITULAR, "x@example.com"))
            .await
            .unwrap_err()
            .code(),
        "afiliacion_bloqueada"
    );
}

#[tokio::test]
async fn refusing_the_grouping_consent_still_registers_and_is_recorded() {
    let t = spawn_desk().await;
    let mut form = t.form(TITULAR, "ximena@example.com");
    form.consents =
        registro_core::registration::ConsentAnswer::accepting(&t.documents, Some(false));
    let receipt = t.desk.register(&form).await.unwrap();
    assert!(!receipt.family_grouping);
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consents WHERE registration_id = ? AND document_kind = 'consentimiento_agrupacion' AND accepted = 0",
    )
    .bind(&receipt.registration_id)
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(refused, 1);
    assert_eq!(
        t.scalar_i64("SELECT family_grouping FROM registrations")
            .await,
        0
    );
}

#[tokio::test]
async fn an_answer_to_an_outdated_text_is_refused() {
    let t = spawn_desk().await;
    let mut form = t.form(TITULAR, "ximena@example.com");
    form.consents[1].sha256 = "f".repeat(64);
    let err = t.desk.register(&form).await.unwrap_err();
    assert_eq!(err.code(), "documento_cambio");
    assert_eq!(err.field(), Some(Field::SimplifiedNotice));
}

#[tokio::test]
async fn a_failure_inside_the_transaction_leaves_nothing_half_written() {
    let t = spawn_desk().await;
    sqlx::query("CREATE TRIGGER outbox_down BEFORE INSERT ON outbox_messages BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        .execute(t.desk.store().writer())
        .await
        .unwrap();
    let err = t
        .desk
        .register(&t.form(TITULAR, "ximena@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "error_interno");
    assert!(err.to_string().contains("no se guardó"));
    for table in [
        "registrations",
        "consents",
        "validation_tokens",
        "outbox_messages",
    ] {
        assert_eq!(
            t.scalar_i64(&format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'registro_creado'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_name_shows_once_number_and_serial_match_and_wrong_serials_count() {
    let t = spawn_desk().await;
    let found = t
        .desk
        .identify_affiliate(TITULAR.0, TITULAR.1)
        .await
        .unwrap();
    assert!(found.full_name.contains("(DEMO)"), "{}", found.full_name);
    let err = t
        .desk
        .identify_affiliate(TITULAR.0, "DEMO0000000")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some(Field::CredentialSerial));
    assert!(err.to_string().contains("Quedan 4 intentos"));
    registered(&t).await;
    let err = t
        .desk
        .identify_affiliate(TITULAR.0, TITULAR.1)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "registro_pendiente");
}
