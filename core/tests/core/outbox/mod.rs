//! The outbox: emails survive a failing transport and are delivered exactly once after;
//! through a real SMTP server in `smtp`.

mod smtp;

use chrono::Duration;
use registro_core::outbox::Transport;
use registro_test_support::*;

#[tokio::test]
async fn a_failing_transport_is_retried_with_backoff_and_delivers_once_it_recovers() {
    let t = spawn_desk().await;
    t.register(TITULAR, "ximena@example.com").await;

    // The outbox folder is replaced by a file: writing the email fails.
    let broken = t.paths.root.join("no-es-carpeta");
    std::fs::write(&broken, b"").unwrap();
    t.desk.use_transport(Transport::Files {
        dir: broken.clone(),
        inner: lettre::AsyncFileTransport::new(&broken),
    });
    let worker = t.desk.outbox_worker();
    let round = worker.deliver_due().await.unwrap();
    assert_eq!((round.sent, round.retried), (0, 1));
    let (state, attempts, error): (String, i64, Option<String>) =
        sqlx::query_as("SELECT state, attempts, last_error FROM outbox_messages")
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("en_cola", 1));
    assert!(error.unwrap().contains("no se pudo escribir"));
    // Not due again before the backoff.
    assert_eq!(worker.deliver_due().await.unwrap().retried, 0);

    t.clock.advance(Duration::minutes(2));
    t.desk
        .use_transport(Transport::files(&t.paths.outbox_files()).unwrap());
    let round = t.deliver().await;
    assert_eq!(round.sent, 1);
    assert_eq!(t.emails_to("ximena@example.com").len(), 1);
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_attempts").await,
        2
    );
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_attempts WHERE outcome = 'error_temporal'")
            .await,
        1
    );
    // Nothing more to send: a further round sends nothing twice.
    assert_eq!(t.deliver().await.sent, 0);
    assert_eq!(t.email_files().len(), 1);
}

#[tokio::test]
async fn after_too_many_attempts_a_message_is_abandoned_and_its_secrets_erased() {
    let settings = registro_core::config::Settings {
        outbox_max_attempts: 2,
        ..Default::default()
    };
    let t = spawn_desk_with(settings).await;
    t.register(TITULAR, "ximena@example.com").await;
    let broken = t.paths.root.join("no-es-carpeta");
    std::fs::write(&broken, b"").unwrap();
    t.desk.use_transport(Transport::Files {
        dir: broken.clone(),
        inner: lettre::AsyncFileTransport::new(&broken),
    });
    let worker = t.desk.outbox_worker();
    worker.deliver_due().await.unwrap();
    t.clock.advance(Duration::hours(1));
    let round = worker.deliver_due().await.unwrap();
    assert_eq!(round.abandoned, 1);
    let (state, secrets): (String, Option<String>) =
        sqlx::query_as("SELECT state, secrets FROM outbox_messages")
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert_eq!(state, "abandonado");
    assert!(secrets.is_none());
    // The status bar says a clerk must look at it.
    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(status.emails_needing_attention, 1);
}

#[tokio::test]
async fn a_crash_mid_delivery_is_not_sent_again_by_itself_but_shown_as_uncertain() {
    let t = spawn_desk().await;
    t.register(TITULAR, "ximena@example.com").await;
    // The worker claimed the message and the process died before recording the result.
    sqlx::query("UPDATE outbox_messages SET state = 'enviando'")
        .execute(t.desk.store().writer())
        .await
        .unwrap();
    let worker = t.desk.outbox_worker();
    assert_eq!(worker.recover_interrupted().await.unwrap(), 1);
    assert_eq!(worker.deliver_due().await.unwrap().sent, 0);
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_messages WHERE state = 'incierto'")
            .await,
        1
    );
    assert!(t.email_files().is_empty());
    assert_eq!(
        t.desk.sync_status().await.unwrap().emails_needing_attention,
        1
    );
}

#[tokio::test]
async fn every_message_carries_a_stable_message_id_from_the_sender_domain() {
    let t = spawn_desk().await;
    t.register(TITULAR, "ximena@example.com").await;
    let stored: String = sqlx::query_scalar("SELECT message_id FROM outbox_messages")
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap();
    t.deliver().await;
    let email = &t.emails_to("ximena@example.com")[0];
    assert!(
        email.message_id.ends_with("@example.org"),
        "{}",
        email.message_id
    );
    assert_eq!(format!("<{}>", email.message_id), stored);
}
