//! Delivery through a real SMTP server process: each security mode with AUTH, a wrong
//! password, the link and code read from the delivered message, and a server outage.

use chrono::Duration;
use registro_core::config::SmtpSecurity;
use registro_core::outbox::Transport;
use registro_test_support::smtp_server::SmtpServer;
use registro_test_support::*;

async fn use_server(t: &TestDesk, server: &SmtpServer, password_ok: bool) {
    let (settings, password) = server.settings(password_ok);
    t.desk
        .replace_settings(for_the_institute(t.desk.settings()));
    t.desk
        .use_transport(Transport::smtp(&settings, password.as_deref()).unwrap());
}

/// Registers, delivers through the server, validates with the code read from the
/// message the server received, and finds the temporary password there too.
async fn full_flow_through(mode: SmtpSecurity) {
    let server = SmtpServer::start(mode, true);
    let t = spawn_desk().await;
    use_server(&t, &server, true).await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    assert_eq!(t.deliver().await.sent, 1, "{mode:?}");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, "ximena@example.com");
    let code = received[0].validation_code();
    assert!(received[0].link().contains("token="));
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    assert_eq!(t.deliver().await.sent, 1);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(received[1].temporary_password().len() >= 12);
    assert!(t.email_files().is_empty(), "nothing went to files");
}

#[tokio::test]
async fn starttls_with_auth_delivers_the_whole_flow() {
    full_flow_through(SmtpSecurity::Starttls).await;
}

#[tokio::test]
async fn implicit_tls_with_auth_delivers_the_whole_flow() {
    full_flow_through(SmtpSecurity::Tls).await;
}

#[tokio::test]
async fn plain_smtp_with_auth_on_this_machine_delivers_the_whole_flow() {
    full_flow_through(SmtpSecurity::Plain).await;
}

#[tokio::test]
async fn plain_smtp_to_another_machine_is_refused_before_connecting() {
    let settings = registro_core::config::SmtpSettings {
        host: "smtp.example.org".into(),
        security: SmtpSecurity::Plain,
        ..Default::default()
    };
    let err = Transport::smtp(&settings, None).err().unwrap();
    assert!(err.to_string().contains("localhost"), "{err}");
}

#[tokio::test]
async fn a_mailbox_the_server_refuses_gives_up_that_message_only() {
    let server = SmtpServer::start(SmtpSecurity::Starttls, true);
    let t = spawn_desk().await;
    use_server(&t, &server, true).await;
    t.register(TITULAR, "rechazado.ximena@example.com").await;
    t.register(BENEFICIARY, "beatriz@example.com").await;
    let round = t.deliver().await;
    assert_eq!((round.sent, round.abandoned), (1, 1));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, "beatriz@example.com");
    // Only a recipient's permanent refusal gives a message up, with its secrets erased,
    // and the status bar asks for it.
    let refused: (String, bool, String) = sqlx::query_as(
        "SELECT state, secrets IS NOT NULL, last_error FROM outbox_messages
          WHERE recipient LIKE 'rechazado%'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!((refused.0.as_str(), refused.1), ("abandonado", false));
    assert!(refused.2.contains("550"), "{}", refused.2);
    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(status.emails_needing_attention, 1);
    assert_eq!(status.emails_waiting, 0);
    assert!(status.emails_waiting_because.is_none());
}

#[tokio::test]
async fn a_refused_password_holds_every_email_intact_until_the_settings_are_fixed() {
    let server = SmtpServer::start(SmtpSecurity::Starttls, true);
    let t = spawn_desk().await;
    use_server(&t, &server, false).await;
    let err = t
        .desk
        .send_test_email("prueba@example.org")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("rechazó el usuario o la contraseña"),
        "{text}"
    );
    assert!(text.contains("535"), "{text}");

    // A password rotated on the server: not one message's fault, so none is given up.
    t.register(TITULAR, "ximena@example.com").await;
    t.register(BENEFICIARY, "beatriz@example.com").await;
    let round = t.deliver().await;
    assert_eq!(
        (round.sent, round.abandoned, round.waiting_for_settings),
        (0, 0, 1),
        "the round stops at the first refusal"
    );
    let rows: Vec<(String, i64, bool)> = sqlx::query_as(
        "SELECT state, attempts, secrets IS NOT NULL FROM outbox_messages ORDER BY created_at",
    )
    .fetch_all(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(
        rows,
        [("en_cola".into(), 0, true), ("en_cola".into(), 0, true)]
    );
    let status = t.desk.sync_status().await.unwrap();
    let because = status.emails_waiting_because.unwrap();
    assert!(because.contains("535"), "{because}");
    assert_eq!(status.emails_needing_attention, 0);

    // The right password: both go, each once.
    use_server(&t, &server, true).await;
    t.clock.advance(Duration::minutes(6));
    assert_eq!(t.deliver().await.sent, 2);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_sender_name_with_a_comma_and_quotes_is_one_display_name() {
    let server = SmtpServer::start(SmtpSecurity::Starttls, true);
    let t = spawn_desk().await;
    use_server(&t, &server, true).await;
    t.desk.replace_settings(registro_core::config::Settings {
        sender_name: "Servicios en Línea, ISSSTECALI \"Mexicali\"".into(),
        ..t.desk.settings()
    });
    t.register(TITULAR, "ximena@example.com").await;
    assert_eq!(t.deliver().await.sent, 1);
    t.desk.send_test_email("prueba@example.org").await.unwrap();
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn the_test_email_reaches_the_server() {
    let server = SmtpServer::start(SmtpSecurity::Tls, true);
    let t = spawn_desk().await;
    use_server(&t, &server, true).await;
    t.desk.send_test_email("prueba@example.org").await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].subject.contains("Prueba de correo"));
}

#[tokio::test]
async fn starttls_is_required_a_server_without_it_gets_nothing() {
    // The server speaks only plain SMTP; the app insists on STARTTLS.
    let server = SmtpServer::start(SmtpSecurity::Plain, true);
    let t = spawn_desk().await;
    let (mut settings, password) = server.settings(true);
    settings.security = SmtpSecurity::Starttls;
    t.desk
        .use_transport(Transport::smtp(&settings, password.as_deref()).unwrap());
    let err = t
        .desk
        .send_test_email("prueba@example.org")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no ofrece STARTTLS"), "{err}");
    assert!(
        err.to_string().contains("no se envió ni la contraseña"),
        "{err}"
    );
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_sender_the_server_refuses_holds_every_email_intact_until_the_sender_is_fixed() {
    let server = SmtpServer::start(SmtpSecurity::Starttls, true);
    let t = spawn_desk().await;
    use_server(&t, &server, true).await;
    t.desk.replace_settings(registro_core::config::Settings {
        sender_address: "remitente-rechazado@example.com".into(),
        ..t.desk.settings()
    });
    t.register(TITULAR, "ximena@example.com").await;
    t.register(BENEFICIARY, "beatriz@example.com").await;
    // A 553 for the sender is the station's settings, not one email's: none is given up.
    let round = t.deliver().await;
    assert_eq!(
        (round.sent, round.abandoned, round.waiting_for_settings),
        (0, 0, 1)
    );
    let rows: Vec<(String, bool)> =
        sqlx::query_as("SELECT state, secrets IS NOT NULL FROM outbox_messages")
            .fetch_all(t.desk.store().reader())
            .await
            .unwrap();
    assert_eq!(rows, [("en_cola".into(), true), ("en_cola".into(), true)]);
    let because = t
        .desk
        .sync_status()
        .await
        .unwrap()
        .emails_waiting_because
        .unwrap();
    assert!(because.contains("553"), "{because}");

    // The sender corrected: both go, each once.
    t.desk
        .replace_settings(for_the_institute(t.desk.settings()));
    t.clock.advance(Duration::minutes(6));
    assert_eq!(t.deliver().await.sent, 2);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn with_the_server_down_emails_wait_and_each_arrives_exactly_once_when_it_returns() {
    let mut server = SmtpServer::start(SmtpSecurity::Starttls, true);
    let t = spawn_desk().await;
    use_server(&t, &server, true).await;
    server.stop();
    for (who, email) in [
        (TITULAR, "a@example.com"),
        (BENEFICIARY, "b@example.com"),
        (("900200201", "DEMO5930114"), "c@example.com"),
    ] {
        t.register(who, email).await;
    }
    let round = t.deliver().await;
    assert_eq!((round.sent, round.retried), (0, 3));
    let errors: Vec<String> = sqlx::query_scalar("SELECT last_error FROM outbox_messages")
        .fetch_all(t.desk.store().reader())
        .await
        .unwrap();
    assert!(
        errors.iter().all(|e| e.contains("No se pudo conectar")),
        "{errors:?}"
    );

    server.resume();
    t.clock.advance(Duration::minutes(5));
    assert_eq!(t.deliver().await.sent, 3);
    t.clock.advance(Duration::hours(2));
    assert_eq!(t.deliver().await.sent, 0);
    let received = server.received();
    assert_eq!(received.len(), 3);
    let mut ids: Vec<&str> = received.iter().map(|e| e.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three distinct messages, none twice");
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_attempts").await,
        6
    );
}

#[tokio::test]
async fn a_certificate_that_is_not_the_server_s_holds_every_email_until_the_right_one_is_set() {
    let server = SmtpServer::start(SmtpSecurity::Starttls, true);
    let t = spawn_desk().await;
    let (right, password) = server.settings(true);
    t.desk
        .replace_settings(for_the_institute(t.desk.settings()));
    // Text that is no certificate is refused on its field when saved, and nothing is sent.
    t.as_supervisor().await;
    let garbage = registro_core::config::SmtpSettings {
        root_certificate_pem:
            "-----BEGIN CERTIFICATE-----\nno es un certificado\n-----END CERTIFICATE-----\n".into(),
        ..right.clone()
    };
    let refused = t
        .desk
        .change_settings(
            registro_core::config::Settings {
                smtp: Some(garbage),
                ..t.desk.settings()
            },
            password.as_deref(),
            None,
            &supervisor_approval(),
            &t.paths.outbox_files(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.field(),
        Some(registro_core::domain::Field::SmtpRootCertificate),
        "{refused}"
    );
    // Another authority's certificate (a PEM that parses, but does not vouch for this
    // server): the connection cannot be verified, so no password and no email leave, and
    // the emails wait intact.
    let other = registro_test_support::tls::TestCa::new("Otra autoridad");
    let wrong = registro_core::config::SmtpSettings {
        root_certificate_pem: other.root_pem(),
        ..right.clone()
    };
    t.desk
        .use_transport(Transport::smtp(&wrong, password.as_deref()).unwrap());
    t.register(TITULAR, "ximena@example.com").await;
    let round = t.deliver().await;
    let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM outbox_messages")
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap();
    assert_eq!(
        (round.sent, round.abandoned, round.waiting_for_settings),
        (0, 0, 1),
        "{error:?}"
    );
    assert!(server.received().is_empty());
    let because = t
        .desk
        .sync_status()
        .await
        .unwrap()
        .emails_waiting_because
        .unwrap();
    assert!(because.contains("conexión cifrada"), "{because}");

    // The server's own authority: it goes, once.
    t.desk
        .use_transport(Transport::smtp(&right, password.as_deref()).unwrap());
    t.clock.advance(Duration::minutes(6));
    assert_eq!(t.deliver().await.sent, 1);
    assert_eq!(server.received().len(), 1);
}
