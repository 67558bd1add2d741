//! The production guard: a station joined to the institute (a real SMTP server, the
//! central database) sends no affiliate the demo link or sender and keeps no demo roster;
//! the checklist of «Ajustes» says what is left.

use registro_core::config::Settings;
use registro_core::domain::Field;
use registro_core::readiness::{ReadinessCheck, ReadinessItem};
use registro_test_support::smtp_server::SmtpServer;
use registro_test_support::*;

fn pending(checks: &[ReadinessCheck]) -> Vec<ReadinessItem> {
    checks.iter().filter(|c| !c.done).map(|c| c.item).collect()
}

/// What the status bar says holds the emails back.
async fn sending_held_by(t: &TestDesk) -> Vec<Field> {
    t.desk.sync_status().await.unwrap().sending_held_by
}

#[tokio::test]
async fn a_real_smtp_server_with_the_shipped_link_and_sender_sends_nothing_until_they_are_set() {
    let server = SmtpServer::start(registro_core::config::SmtpSecurity::Plain, true);
    let t = spawn_desk().await;
    t.register(TITULAR, "ximena@example.com").await;
    let (smtp, password) = server.settings(true);
    let with_smtp = Settings {
        smtp: Some(smtp),
        ..Settings::default()
    };
    // Saving the SMTP server alone is allowed (a supervisor sets things one at a time)…
    t.as_supervisor().await;
    t.desk
        .change_settings(
            with_smtp.clone(),
            password.as_deref(),
            None,
            &supervisor_approval(),
            &t.paths.outbox_files(),
        )
        .await
        .unwrap();
    // …but nothing reaches an affiliate with the demo link and sender, and no attempt is
    // spent on it: the status bar names what to set.
    assert_eq!(t.deliver().await, Default::default());
    assert!(server.received().is_empty());
    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(
        status.sending_held_by,
        [Field::LinkBaseUrl, Field::SenderAddress]
    );
    assert_eq!(status.emails_waiting, 1);
    assert_eq!(
        pending(&t.desk.readiness().await.unwrap()),
        [
            ReadinessItem::Office,
            ReadinessItem::LinkBase,
            ReadinessItem::Sender,
            ReadinessItem::Central,
            ReadinessItem::Roster,
        ]
    );

    t.desk
        .change_settings(
            for_the_institute(with_smtp),
            password.as_deref(),
            None,
            &supervisor_approval(),
            &t.paths.outbox_files(),
        )
        .await
        .unwrap();
    assert_eq!(t.deliver().await.sent, 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(
        received[0]
            .link()
            .starts_with("https://servicios.example.com/validar"),
        "{}",
        received[0].link()
    );
    assert!(sending_held_by(&t).await.is_empty());
}

#[tokio::test]
async fn emails_as_files_on_a_station_alone_are_the_demo_and_go_out() {
    let t = spawn_desk().await;
    t.register(TITULAR, "ximena@example.com").await;
    assert_eq!(t.deliver().await.sent, 1);
    assert!(sending_held_by(&t).await.is_empty());
}

#[tokio::test]
async fn a_station_joined_to_the_central_database_never_keeps_the_demo_roster() {
    let t = spawn_desk().await;
    // A trial registration on the demo roster, before the station was joined.
    let trial = t.register(TITULAR, "prueba@example.com").await;
    let demo_rows = t
        .scalar_i64("SELECT count(*) FROM roster_affiliates WHERE is_demo = 1")
        .await;
    assert!(demo_rows > 0);
    t.as_supervisor().await;
    let joined = Settings {
        // Nothing has to answer there for the settings to be saved.
        central_url: format!(
            "postgres://oficina_mexicali@127.0.0.1:{}/central",
            free_port()
        ),
        ..for_the_institute(Settings::default())
    };
    t.desk
        .change_settings(
            joined.clone(),
            None,
            Some("clave-de-la-oficina"),
            &supervisor_approval(),
            &t.paths.outbox_files(),
        )
        .await
        .unwrap();
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM roster_affiliates").await,
        0
    );
    let audited = t
        .scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'padron_demostracion_retirado'",
        )
        .await;
    assert_eq!(audited, 1);
    // The trial registration never goes up: its changes are held with the reason.
    let waiting = format!(
        "SELECT count(*) FROM sync_queue WHERE registration_id = '{}' AND state IN ('pendiente', 'error')",
        trial.registration_id
    );
    assert_eq!(t.scalar_i64(&waiting).await, 0);
    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(status.problems.len(), 1, "{:?}", status.problems);
    assert_eq!(status.problems[0].folio, trial.folio);
    let message = status.problems[0].message.clone().unwrap_or_default();
    assert!(message.contains("padrón de demostración"), "{message}");
    let refused = t
        .desk
        .register(&t.form(TITULAR, "ximena@example.com"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "no_en_padron", "{refused}");

    // Opened again with those settings, the demo roster is not loaded back.
    let reopened = registro_core::Desk::open(&t.paths, joined, &database_key(&t.paths))
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM roster_affiliates")
        .fetch_one(reopened.store().reader())
        .await
        .unwrap();
    assert_eq!(rows, 0);
}
