//! A busy office's day: 2,000 registrations taken with the network down (no central
//! database, no mail server), then the network back. Measured: the time from reconnecting
//! until every record is in a real PostgreSQL and every validation email is in a real SMTP
//! server's mailbox, with the station's own sync and outbox doing it side by side as the app
//! does. Beside it, in the same run, its anchors:
//!
//! - `COPY` of the same rows into an empty copy of the central schema (as in `sync_push`);
//! - the same composed emails handed straight to the app's SMTP transport, one after the
//!   other, with no queue: what the mail server and the connection cost by themselves.
//!
//! The floor of the whole is the two anchors one after the other (the push and the sending
//! share the station's database, not the network path). Needs the postgresql package and
//! python3-aiosmtpd (the test servers).
//!
//!   cargo bench -p registro-core --bench busy_day

mod common;

use registro_core::outbox::{Stored, Transport, compose};
use registro_core::store::DatabaseKey;
use registro_core::sync::Central;
use registro_test_support::postgres_server;
use registro_test_support::smtp_server::SmtpServer;
use std::time::{Duration, Instant};

const FIRST: u64 = 800_000_000;

/// The queued emails, as stored.
#[derive(sqlx::FromRow)]
struct Queued {
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    secrets: Option<String>,
    message_id: String,
}

fn main() {
    if !common::selected("busy_day") {
        return;
    }
    common::header("busy_day");
    let registrations = common::size(2_000, 10);
    let pg = postgres_server::PgServer::start();
    // STARTTLS with a password, as an office's mail server.
    let smtp = SmtpServer::start(registro_core::config::SmtpSecurity::Starttls, true);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let central_url = pg.create_database("dia");
        let copy_url = pg.create_database("dia_copy");
        for url in [&central_url, &copy_url] {
            Central::new(url, None).unwrap().migrate().await.unwrap();
        }
        pg.psql("dia", "CREATE ROLE oficina_banco LOGIN IN ROLE registro_ventanilla");

        let station = common::station(&DatabaseKey::generate(), FIRST, registrations).await;
        let desk = &station.desk;
        desk.replace_settings(registro_test_support::for_the_institute(desk.settings()));
        // The day, with the network down: nothing leaves.
        let started = Instant::now();
        for i in 0..registrations {
            desk.register(&common::form(&station, FIRST + i, i))
                .await
                .unwrap();
        }
        let day = started.elapsed();
        let queued: Vec<Queued> = sqlx::query_as(
            "SELECT recipient, subject, body_text, body_html, secrets, message_id
               FROM outbox_messages WHERE state = 'en_cola' ORDER BY created_at",
        )
        .fetch_all(desk.store().reader())
        .await
        .unwrap();
        assert_eq!(queued.len() as u64, registrations, "one validation email each");
        let sync_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_queue")
            .fetch_one(desk.store().reader())
            .await
            .unwrap();
        println!(
            "busy_day: {registrations} registrations offline in {:.1} s; waiting: {sync_rows} rows to sync, {} emails",
            day.as_secs_f64(),
            queued.len()
        );

        // The anchors, on the same servers and disk.
        let (copy_time, copied) =
            common::copy_queue(desk.store(), &Central::new(&copy_url, None).unwrap()).await;
        let (smtp_settings, password) = smtp.settings(true);
        let settings = desk.settings();
        let transport = Transport::smtp(&smtp_settings, password.as_deref()).unwrap();
        let started = Instant::now();
        for m in &queued {
            let message = compose(
                &settings.sender_name,
                &settings.sender_address,
                &Stored {
                    recipient: &m.recipient,
                    subject: &m.subject,
                    body_text: &m.body_text,
                    body_html: &m.body_html,
                    secrets: m.secrets.as_deref(),
                    message_id: &m.message_id,
                },
            )
            .unwrap();
            transport.send(message).await.unwrap();
        }
        let send_time = started.elapsed();
        wait_for_mailbox(&smtp, queued.len()).await;
        println!(
            "busy_day/anchor COPY ({copied} rows): {:.2} s; the same emails straight to the transport: {:.2} s; both: {:.2} s",
            copy_time.as_secs_f64(),
            send_time.as_secs_f64(),
            (copy_time + send_time).as_secs_f64()
        );

        // The network is back: the station's sync and outbox, side by side.
        desk.use_central(Some(
            Central::new(&pg.url_as("oficina_banco", "dia"), None).unwrap(),
        ));
        desk.use_transport(Transport::smtp(&smtp_settings, password.as_deref()).unwrap());
        let all_sent = std::sync::atomic::AtomicBool::new(false);
        let started = Instant::now();
        // Sending adds rows of its own to the queue (each email's delivery is recorded
        // centrally too): the records are all central once the emails are out and the
        // queue is empty.
        let sync = async {
            let worker = desk.sync_worker();
            loop {
                let pushed = worker.push_once().await.unwrap().pushed;
                let waiting: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM sync_queue WHERE state <> 'sincronizado'",
                )
                .fetch_one(desk.store().reader())
                .await
                .unwrap();
                if waiting == 0 && all_sent.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "{waiting} rows still wait after 10 minutes"
                );
                if pushed == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            started.elapsed()
        };
        let outbox = async {
            let worker = desk.outbox_worker();
            let mut sent = 0;
            while sent < queued.len() {
                let round = worker.deliver_due().await.unwrap();
                assert_eq!(
                    (round.retried, round.abandoned, round.waiting_for_settings),
                    (0, 0, 0),
                    "every email leaves at its first attempt"
                );
                assert!(round.sent > 0, "a delivery round sent nothing ({sent} of {})", queued.len());
                sent += round.sent as usize;
            }
            wait_for_mailbox(&smtp, 2 * queued.len()).await;
            all_sent.store(true, std::sync::atomic::Ordering::SeqCst);
            started.elapsed()
        };
        let (synced_at, delivered_at) = tokio::join!(sync, outbox);
        let whole = synced_at.max(delivered_at);

        let central = Central::new(&central_url, None).unwrap();
        let landed: i64 = sqlx::query_scalar(common::CENTRAL_ROWS)
            .fetch_one(central.pool())
            .await
            .unwrap();
        // What COPY loaded, and the delivery of each email as it was recorded since.
        let queued_now: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sync_queue
              WHERE entity IN ('registro', 'consentimiento', 'token', 'auditoria')",
        )
        .fetch_one(desk.store().reader())
        .await
        .unwrap();
        assert!(queued_now > copied, "each delivery is recorded");
        assert_eq!(landed, queued_now, "every record is central");
        let registered: i64 = sqlx::query_scalar("SELECT count(*) FROM registrations")
            .fetch_one(central.pool())
            .await
            .unwrap();
        assert_eq!(registered as u64, registrations);
        let left: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM sync_queue WHERE state <> 'sincronizado')
                  + (SELECT count(*) FROM outbox_messages WHERE state <> 'enviado')",
        )
        .fetch_one(desk.store().reader())
        .await
        .unwrap();
        assert_eq!(left, 0, "nothing waits at the station");
        let floor = copy_time + send_time;
        println!(
            "busy_day/reconnect: every record central in {:.2} s, every email delivered in {:.2} s: {:.2} s in all — {:.2}× both anchors ({:.2}× COPY for the records, {:.2}× the bare sending for the emails)",
            synced_at.as_secs_f64(),
            delivered_at.as_secs_f64(),
            whole.as_secs_f64(),
            common::ratio(whole, floor),
            common::ratio(synced_at, copy_time),
            common::ratio(delivered_at, send_time),
        );
    });
}

/// Until the mailbox holds `count` messages (bounded: a lost message fails the bench).
async fn wait_for_mailbox(smtp: &SmtpServer, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while smtp.received_files().len() < count {
        assert!(
            Instant::now() < deadline,
            "the mailbox has {} of {count} messages",
            smtp.received_files().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(smtp.received_files().len(), count, "each message once");
}
