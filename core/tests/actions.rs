//! Every desk action end to end in the core, on a real SQLite file.

mod common;

use chrono::Duration;
use common::*;
use registro_core::domain::Field;
use registro_core::staff::SupervisorApproval;

async fn registered(t: &TestDesk) -> registro_core::registration::RegistrationReceipt {
    t.register(TITULAR, "ximena@example.com").await
}

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
async fn the_link_validates_once_and_each_dead_link_says_why() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let token = t.emails_to("ximena@example.com")[0].link_token();

    assert_eq!(
        t.desk.validate_with_link("abc").await.unwrap_err().code(),
        "enlace_desconocido"
    );
    assert_eq!(
        t.desk
            .validate_with_link(&"0".repeat(64))
            .await
            .unwrap_err()
            .code(),
        "enlace_desconocido"
    );
    let outcome = t.desk.validate_with_link(&token).await.unwrap();
    assert_eq!(outcome.folio, receipt.folio);
    let err = t.desk.validate_with_link(&token).await.unwrap_err();
    assert_eq!(err.code(), "ya_validado");
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE detail LIKE '%\"metodo\":\"enlace\"%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let t = spawn_desk().await;
    registered(&t).await;
    t.deliver().await;
    let token = t.emails_to("ximena@example.com")[0].link_token();
    t.clock.advance(Duration::hours(25));
    assert_eq!(
        t.desk.validate_with_link(&token).await.unwrap_err().code(),
        "codigo_vencido"
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
async fn pending_registrations_expire_and_release_the_identity() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.away(Duration::hours(72) + Duration::seconds(1)).await;
    // A new registration of the same person is possible: the old one expired.
    let second = t.register(TITULAR, "ximena@example.com").await;
    assert_ne!(second.folio, receipt.folio);
    assert_eq!(t.state_of(&receipt.registration_id).await, "expirada");
    let err = t
        .desk
        .resend_validation(&receipt.registration_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "no_pendiente");
    assert_eq!(t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'registro_expirado' AND clerk = 'sistema'").await, 1);
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
async fn five_wrong_supervisor_passwords_lock_the_supervisor() {
    let t = spawn_desk().await;
    let wrong = SupervisorApproval {
        password: "no-es-esta".into(),
        ..supervisor_approval()
    };
    for _ in 0..4 {
        t.desk
            .reveal_serial(TITULAR.0, &wrong, "Credencial sin número de serie", true)
            .await
            .unwrap_err();
    }
    let err = t
        .desk
        .reveal_serial(TITULAR.0, &wrong, "Credencial sin número de serie", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "supervisor_bloqueado");
    let err = t
        .desk
        .reveal_serial(
            TITULAR.0,
            &supervisor_approval(),
            "Credencial sin número de serie",
            true,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "supervisor_bloqueado");
    t.away(Duration::minutes(16)).await;
    t.desk
        .reveal_serial(
            TITULAR.0,
            &supervisor_approval(),
            "Credencial sin número de serie",
            true,
        )
        .await
        .unwrap();
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

#[tokio::test]
async fn an_idle_session_locks_and_only_its_clerks_password_opens_it() {
    let t = spawn_desk().await;
    t.clock.advance(Duration::minutes(9));
    registered(&t).await; // activity keeps the session open
    t.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let err = t.desk.search("ximena").await.unwrap_err();
    assert_eq!(err.code(), "sesion_bloqueada");
    assert_eq!(
        err.to_string(),
        "La sesión se bloqueó por inactividad. Escriba su contraseña para continuar."
    );
    let view = t.desk.session_view().await.unwrap();
    assert!(view.locked);
    assert_eq!(view.clerk.unwrap().username, CLERK.0);

    let err = t.desk.unlock("no-es-la-clave").await.unwrap_err();
    assert_eq!(err.code(), "credenciales_incorrectas");
    assert!(err.to_string().contains("Quedan 4 intentos"));
    assert!(t.desk.search("ximena").await.is_err());
    t.desk.unlock(CLERK.1).await.unwrap();
    assert_eq!(t.desk.search("ximena").await.unwrap().len(), 1);

    // Another clerk may take the desk instead; the audit trail names who did what.
    t.desk.lock_session().await.unwrap();
    t.as_supervisor().await;
    t.desk.search("ximena").await.unwrap();
    let trail: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, clerk FROM audit_events WHERE action LIKE 'sesion_%' OR action = 'registro_creado' ORDER BY occurred_at, rowid",
    )
    .fetch_all(t.desk.store().reader())
    .await
    .unwrap();
    let trail: Vec<(&str, &str)> = trail
        .iter()
        .map(|(a, c)| (a.as_str(), c.as_str()))
        .collect();
    assert!(trail.contains(&("registro_creado", CLERK.0)), "{trail:?}");
    assert!(
        trail.contains(&("sesion_desbloqueada", CLERK.0)),
        "{trail:?}"
    );
    assert!(trail.contains(&("sesion_bloqueada", CLERK.0)), "{trail:?}");
    assert!(
        trail.contains(&("sesion_iniciada", "supervisora")),
        "{trail:?}"
    );

    t.desk.sign_out().await.unwrap();
    assert_eq!(
        t.desk.search("ximena").await.unwrap_err().code(),
        "sin_sesion"
    );
}

#[tokio::test]
async fn supervisors_manage_clerk_accounts_and_five_wrong_passwords_lock_one() {
    use registro_core::staff::NewStaffMember;
    let t = spawn_desk().await;
    let new = NewStaffMember {
        username: "Laura.Ficticia".into(),
        full_name: "  Laura   Ficticia Ejemplo ".into(),
        role: "capturista".into(),
        password: "clave-inicial-123".into(),
        confirmation: "clave-inicial-123".into(),
    };
    // A clerk cannot open accounts.
    assert_eq!(
        t.desk.create_staff(&new).await.unwrap_err().code(),
        "solo_supervisor"
    );
    t.as_supervisor().await;
    let bad = t
        .desk
        .create_staff(&NewStaffMember {
            username: "a".into(),
            role: String::new(),
            password: "corta".into(),
            ..new.clone()
        })
        .await
        .unwrap_err();
    let fields: Vec<Field> = bad.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [Field::StaffUsername, Field::StaffRole, Field::StaffPassword]
    );
    let laura = t.desk.create_staff(&new).await.unwrap();
    assert_eq!(
        (laura.username.as_str(), laura.full_name.as_str()),
        ("laura.ficticia", "Laura Ficticia Ejemplo")
    );
    assert!(laura.must_change_password);
    let again = t.desk.create_staff(&new).await.unwrap_err();
    assert_eq!(again.field(), Some(Field::StaffUsername));

    // Laura signs in and must choose her own password before anything else.
    t.desk
        .sign_in("laura.ficticia", "clave-inicial-123")
        .await
        .unwrap();
    assert_eq!(
        t.desk.search("ximena").await.unwrap_err().code(),
        "cambio_contrasena_requerido"
    );
    t.desk
        .change_own_password("clave-inicial-123", "la-mia-de-laura", "la-mia-de-laura")
        .await
        .unwrap();
    t.desk.search("ximena").await.unwrap();

    // Five wrong passwords lock her out; the right one then waits for the lock.
    t.desk.sign_out().await.unwrap();
    for remaining in (1..=4).rev() {
        let err = t
            .desk
            .sign_in("laura.ficticia", "equivocada")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!("{remaining} intento")),
            "{err}"
        );
    }
    let err = t
        .desk
        .sign_in("laura.ficticia", "equivocada")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "cuenta_bloqueada");
    let err = t
        .desk
        .sign_in("laura.ficticia", "la-mia-de-laura")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "cuenta_bloqueada");

    // A supervisor resets it (which unlocks it) or deactivates it.
    t.as_supervisor().await;
    let reset = t
        .desk
        .reset_staff_password(
            "laura.ficticia",
            "otra-clave-temporal",
            "otra-clave-temporal",
        )
        .await
        .unwrap();
    assert!(reset.must_change_password && reset.locked_until.is_none());
    t.desk
        .set_staff_active("laura.ficticia", false)
        .await
        .unwrap();
    assert_eq!(
        t.desk
            .set_staff_active("supervisora", false)
            .await
            .unwrap_err()
            .code(),
        "propia_cuenta"
    );
    let err = t
        .desk
        .sign_in("laura.ficticia", "otra-clave-temporal")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "credenciales_incorrectas");
    let listed = t.desk.list_staff().await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .any(|m| m.username == "laura.ficticia" && !m.active)
    );
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM staff WHERE username = 'laura.ficticia'")
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"));
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
