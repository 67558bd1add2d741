//! What the desk does after a registration: resend, correct the email, a new temporary
//! password, the phone rectified, a serial revealed by a supervisor, a cancellation.

use chrono::Duration;
use registro_core::domain::{Field, PhoneCountry};
use registro_core::staff::SupervisorApproval;
use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;

#[tokio::test]
async fn resend_waits_for_the_cooldown_then_replaces_link_and_code() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let first = &t.emails_to("ximena@example.com")[0];
    let (old_code, old_token) = (first.validation_code(), first.link_token());

    let err = t
        .desk
        .resend_validation(&receipt.registration_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reenvio_muy_pronto");
    assert!(err.to_string().contains("Espere 60 segundos"), "{err}");

    t.clock.advance(Duration::seconds(61));
    let sent = t
        .desk
        .resend_validation(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(sent.email_masked, "xi***@example.com");
    t.deliver().await;
    let emails = t.emails_to("ximena@example.com");
    assert_eq!(emails.len(), 2);
    let new_code = emails
        .iter()
        .map(|e| e.validation_code())
        .find(|c| *c != old_code)
        .unwrap_or(old_code.clone());

    // The old link and the old code now say they were replaced.
    let err = t.desk.validate_with_link(&old_token).await.unwrap_err();
    assert_eq!(err.code(), "enlace_reemplazado");
    if new_code != old_code {
        let err = t
            .desk
            .validate_with_code(&receipt.folio, &old_code)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "codigo_reemplazado");
        assert!(err.to_string().contains("último correo"));
    }
    t.desk
        .validate_with_code(&receipt.folio, &new_code)
        .await
        .unwrap();
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'correo_validacion_reenviado'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_resend_cancels_a_validation_email_that_had_not_left_yet() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.clock.advance(Duration::seconds(61));
    t.desk
        .resend_validation(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(
        t.deliver().await.sent,
        1,
        "only the newest validation email goes out"
    );
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM outbox_messages WHERE state = 'cancelado' AND secrets IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn correcting_the_email_sends_to_the_new_address_and_kills_the_old_link() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let old_token = t.emails_to("ximena@example.com")[0].link_token();

    let err = t
        .desk
        .correct_email(
            &receipt.registration_id,
            "nueva@example.com",
            "otra@example.com",
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, Field::EmailConfirmation);
    let err = t
        .desk
        .correct_email(
            &receipt.registration_id,
            "ximena@example.com",
            "ximena@example.com",
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].code, "sin_cambio");

    let sent = t
        .desk
        .correct_email(
            &receipt.registration_id,
            "Ximena.Nueva@Example.com",
            "ximena.nueva@example.com",
            false,
        )
        .await
        .unwrap();
    assert_eq!(sent.email_masked, "xi***@example.com");
    t.deliver().await;
    let new = t.emails_to("ximena.nueva@example.com");
    assert_eq!(new.len(), 1);
    assert_eq!(
        t.desk
            .validate_with_link(&old_token)
            .await
            .unwrap_err()
            .code(),
        "enlace_reemplazado"
    );
    let outcome = t
        .desk
        .validate_with_code(&receipt.folio, &new[0].validation_code())
        .await
        .unwrap();
    assert_eq!(outcome.email_masked, "xi***@example.com");
    t.deliver().await;
    assert!(
        t.emails_to("ximena.nueva@example.com")
            .iter()
            .any(|e| e.text.contains("Contraseña temporal"))
    );
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'correo_corregido'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_new_temporary_password_replaces_the_old_one() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let err = t
        .desk
        .issue_new_temporary_password(&receipt.registration_id, "la perdió")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "no_validado");
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    t.deliver().await;

    let err = t
        .desk
        .issue_new_temporary_password(&receipt.registration_id, "")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some(Field::Reason));
    t.desk
        .issue_new_temporary_password(
            &receipt.registration_id,
            "Otra persona conoce la contraseña",
        )
        .await
        .unwrap();
    t.deliver().await;
    let passwords: Vec<String> = t
        .emails_to("ximena@example.com")
        .iter()
        .filter(|e| e.text.contains("Contraseña temporal"))
        .map(|e| e.temporary_password())
        .collect();
    assert_eq!(passwords.len(), 2);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap();
    // Exactly one of the two emailed passwords works: the new one.
    assert_ne!(passwords[0], passwords[1]);
    let working = passwords
        .iter()
        .filter(|p| registro_core::security::verify_password(p, &hash))
        .count();
    assert_eq!(working, 1, "the old password no longer works");
    let reason: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'contrasena_temporal_reemitida'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert!(reason.contains("Otra persona conoce la contraseña"));
}

#[tokio::test]
async fn supervisors_reveal_serials_after_checking_the_id() {
    let t = spawn_desk().await;
    assert_eq!(
        t.desk
            .create_first_supervisor(
                "otro",
                "Otro Demo",
                "una-clave-larga-2",
                "una-clave-larga-2"
            )
            .await
            .unwrap_err()
            .code(),
        "supervisor_existente"
    );

    let err = t
        .desk
        .reveal_serial(TITULAR.0, &supervisor_approval(), "", false)
        .await
        .unwrap_err();
    let fields: Vec<Field> = err.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(fields, [Field::Reason, Field::IdentityChecked]);

    let wrong = SupervisorApproval {
        password: "no-es-esta".into(),
        ..supervisor_approval()
    };
    let err = t
        .desk
        .reveal_serial(TITULAR.0, &wrong, "Credencial sin número de serie", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "supervisor_rechazado");
    assert!(err.to_string().contains("Quedan 4 intentos"));

    let revealed = t
        .desk
        .reveal_serial(
            "900-100-101",
            &supervisor_approval(),
            "Credencial sin número de serie",
            true,
        )
        .await
        .unwrap();
    assert_eq!(revealed.credential_serial, TITULAR.1);
    let actor: String =
        sqlx::query_scalar("SELECT clerk FROM audit_events WHERE action = 'serie_revelada'")
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert_eq!(actor, "supervisora");
}

#[tokio::test]
async fn a_supervisor_cancels_a_registration_and_its_links_stop() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let token = t.emails_to("ximena@example.com")[0].link_token();

    let err = t
        .desk
        .cancel_registration(&receipt.registration_id, &supervisor_approval(), "")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some(Field::Reason));
    t.desk
        .cancel_registration(
            &receipt.registration_id,
            &supervisor_approval(),
            "Registro hecho con el correo de otra persona",
        )
        .await
        .unwrap();
    let err = t.desk.validate_with_link(&token).await.unwrap_err();
    assert_eq!(err.code(), "registro_cerrado");
    // The identity is free again.
    t.register(TITULAR, "ximena@example.com").await;
    let (actor, detail): (String, String) = sqlx::query_as(
        "SELECT clerk, detail FROM audit_events WHERE action = 'registro_cancelado'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(actor, "supervisora");
    assert!(detail.contains("correo de otra persona"));
}

#[tokio::test]
async fn a_supervisor_rectifies_the_phone_here_and_centrally_and_the_audit_keeps_it_masked() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(
        Central::new(&pg.url_as("oficina_mexicali", "central"), None).unwrap(),
    ));
    let receipt = registered(&t).await;
    t.desk.sync_once().await.unwrap();
    let id = &receipt.registration_id;

    // Every mistake is told on its field, and nothing changes.
    let Err(registro_core::Error::Fields(errors)) = t
        .desk
        .rectify_phone(id, "12", PhoneCountry::Mexico, &supervisor_approval(), "")
        .await
    else {
        panic!("a short number and no reason were accepted");
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, [Field::Phone, Field::Reason]);
    let same = t
        .desk
        .rectify_phone(
            id,
            "686 555 0142",
            PhoneCountry::Mexico,
            &supervisor_approval(),
            "Cambió de número",
        )
        .await
        .unwrap_err();
    assert_eq!(
        (same.field(), same.field_errors()[0].code),
        (Some(Field::Phone), "sin_cambio")
    );
    let wrong_password = SupervisorApproval {
        password: "no-es-la-contrasena".into(),
        ..supervisor_approval()
    };
    assert!(
        t.desk
            .rectify_phone(
                id,
                "(619) 555-0199",
                PhoneCountry::UnitedStatesOrCanada,
                &wrong_password,
                "Cambió de número"
            )
            .await
            .is_err()
    );
    let unchanged = t.desk.registration_detail(id).await.unwrap();
    assert_eq!(unchanged.record.phone_display, "686 555 0142");

    let done = t
        .desk
        .rectify_phone(
            id,
            "(619) 555-0199",
            PhoneCountry::UnitedStatesOrCanada,
            &supervisor_approval(),
            "Solicitud de rectificación: cambió de número",
        )
        .await
        .unwrap();
    assert_eq!(done.phone_display, "+1 (619) 555-0199");
    let detail = t.desk.registration_detail(id).await.unwrap();
    assert_eq!(detail.record.phone_display, "+1 (619) 555-0199");

    let (actor, audited): (String, String) = sqlx::query_as(
        "SELECT clerk, detail FROM audit_events WHERE action = 'telefono_rectificado'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(actor, "supervisora", "the approving supervisor rectifies");
    assert!(audited.contains("cambió de número"), "{audited}");
    assert!(
        audited.contains("0142") && audited.contains("0199") && !audited.contains("555"),
        "both numbers, masked: {audited}"
    );

    t.desk.sync_once().await.unwrap();
    let central_phone: String =
        sqlx::query_scalar("SELECT phone_e164 FROM registrations WHERE folio = $1")
            .bind(&receipt.folio)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(central_phone, "+16195550199");

    // A closed registration is not rectified.
    t.desk
        .cancel_registration(id, &supervisor_approval(), "Lo pidió el afiliado")
        .await
        .unwrap();
    let closed = t
        .desk
        .rectify_phone(
            id,
            "686 555 0177",
            PhoneCountry::Mexico,
            &supervisor_approval(),
            "Cambió de número",
        )
        .await
        .unwrap_err();
    assert_eq!(closed.code(), "registro_cerrado");
}
