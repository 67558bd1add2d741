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
async fn a_message_that_keeps_failing_is_never_given_up_and_is_shown_for_attention_after_the_set_attempts()
 {
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
    assert_eq!(
        t.desk.sync_status().await.unwrap().emails_needing_attention,
        0,
        "one failure is not yet news"
    );
    // A whole day of failures, an attempt at least every hour.
    for _ in 0..24 {
        t.clock.advance(Duration::hours(1));
        let round = worker.deliver_due().await.unwrap();
        assert_eq!((round.sent, round.abandoned), (0, 0));
    }
    let (state, attempts, secrets): (String, i64, Option<String>) =
        sqlx::query_as("SELECT state, attempts, secrets FROM outbox_messages")
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert_eq!(state, "en_cola");
    assert!(attempts >= 10, "{attempts}");
    assert!(secrets.is_some(), "the link and code are kept to be sent");
    // The status bar and «Pendientes» say a clerk should look at it.
    assert_eq!(
        t.desk.sync_status().await.unwrap().emails_needing_attention,
        1
    );

    // The transport works again: it goes once, and nobody needs to look any more.
    t.desk
        .use_transport(Transport::files(&t.paths.outbox_files()).unwrap());
    // The next attempt is due within the hour's backoff and its jitter.
    t.clock.advance(Duration::minutes(75));
    assert_eq!(t.deliver().await.sent, 1);
    assert_eq!(t.emails_to("ximena@example.com").len(), 1);
    assert_eq!(
        t.desk.sync_status().await.unwrap().emails_needing_attention,
        0
    );
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
