//! The world every journey runs in: a real PostgreSQL with the central schema, a real SMTP
//! server, the central service on a free port, and desks of the Mexicali office.

use chrono::Duration;
use registro_central::Config;
use registro_core::config::{Settings, SmtpSecurity};
use registro_core::sync::Central;
use registro_test_support::mail::wait_for;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::smtp_server::SmtpServer;
use registro_test_support::*;
use std::time::Duration as StdDuration;

pub struct World {
    pub pg: PgServer,
    pub smtp: SmtpServer,
    pub admin: Central,
    pub base: String,
    pub port: u16,
}

pub async fn spawn_central(pg: &PgServer, smtp: &SmtpServer, name: &str) -> u16 {
    let (settings, password) = smtp.settings(true);
    let config = Config {
        database_url: pg.url_as("servicio_central", "central"),
        listen: "127.0.0.1:0".into(),
        instance_name: name.into(),
        sender_name: "Servicios en Línea ISSSTECALI".into(),
        sender_address: "no-responder@example.org".into(),
        max_connections: 4,
        outbox_max_attempts: 5,
        smtp: Some(settings),
        smtp_password: password,
        files_dir: std::env::temp_dir(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(registro_central::serve(config, listener));
    port
}

pub async fn world() -> World {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let smtp = SmtpServer::start(SmtpSecurity::Plain, true);
    let port = spawn_central(&pg, &smtp, "central-1").await;
    World {
        base: format!("http://127.0.0.1:{port}/validar"),
        pg,
        smtp,
        admin,
        port,
    }
}

pub async fn desk_for(w: &World) -> TestDesk {
    desk_with_clock_skew(w, Duration::zero()).await
}

/// A desk of the Mexicali office whose clock is `skew` off the real (and central) time.
pub async fn desk_with_clock_skew(w: &World, skew: Duration) -> TestDesk {
    let t = spawn_desk_with_clock_skew(
        Settings {
            link_base_url: w.base.clone(),
            ..Default::default()
        },
        skew,
    )
    .await;
    t.desk.use_central(Some(
        Central::new(&w.pg.url_as("oficina_mexicali", "central"), None).unwrap(),
    ));
    t
}

pub async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

pub fn link_of(t: &TestDesk, to: &str) -> String {
    t.emails_to(to).last().expect("a validation email").link()
}

/// Waits for the SMTP server to hold `n` messages to `to`; returns the last one's text.
pub async fn wait_smtp(server: &SmtpServer, to: &str, n: usize) -> String {
    wait_for(
        || server.received_files(),
        to,
        "",
        n,
        StdDuration::from_secs(30),
    )
    .await
}
