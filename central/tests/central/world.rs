//! The world every journey runs in: a real PostgreSQL with the central schema, a real SMTP
//! server, the central service on a free port, desks of the Mexicali office, and an HTTP
//! client that sees what a browser (or a mail scanner) would.

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
    /// The validation link's base, `http://127.0.0.1:<port>/validar`.
    pub base: String,
    pub port: u16,
}

impl World {
    /// An address of the first instance, such as `/entrar`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// An instance of the service on a free port, configured as the tests need it and then
/// as `tweak` says.
pub async fn spawn_central_with(
    pg: &PgServer,
    smtp: &SmtpServer,
    name: &str,
    tweak: impl FnOnce(&mut Config),
) -> u16 {
    let (settings, password) = smtp.settings(true);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut config = Config {
        listen: address,
        instance_name: name.into(),
        max_connections: 4,
        outbox_max_attempts: 5,
        smtp: Some(settings),
        smtp_password: password,
        files_dir: std::env::temp_dir(),
        sign_in_url: format!("http://{address}/entrar"),
        validation_url: format!("http://{address}/validar"),
        ..Config::with_defaults(pg.url_as("servicio_central", "central"))
    };
    tweak(&mut config);
    tokio::spawn(registro_central::serve(config, listener));
    address.port()
}

pub async fn spawn_central(pg: &PgServer, smtp: &SmtpServer, name: &str) -> u16 {
    spawn_central_with(pg, smtp, name, |_| {}).await
}

pub async fn world() -> World {
    world_with(|_| {}).await
}

pub async fn world_with(tweak: impl FnOnce(&mut Config)) -> World {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let smtp = SmtpServer::start(SmtpSecurity::Plain, true);
    let port = spawn_central_with(&pg, &smtp, "central-1", tweak).await;
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

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn get(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Posts a form as a browser does (`application/x-www-form-urlencoded`).
pub async fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = client().post(url).form(fields).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The hidden token of the «Validar mi cuenta» form on a link's page.
pub fn form_token(page: &str) -> String {
    let at = page
        .find(r#"name="token" value=""#)
        .unwrap_or_else(|| panic!("a confirmation form in {page}"))
        + r#"name="token" value=""#.len();
    page[at..at + 64].to_owned()
}

/// What the affiliate does with the link: opens it (the page with the button), then
/// presses «Validar mi cuenta». Returns the result page.
pub async fn open_and_confirm(link: &str) -> (u16, String) {
    let (status, page) = get(link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Validar mi cuenta"), "{page}");
    let action = link.split('?').next().unwrap();
    post_form(action, &[("token", &form_token(&page))]).await
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

/// The line after `label` in an email's text.
pub fn line_after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("«{label}» in {text}"))
        .trim()
}

/// An affiliate registered at a desk, validated by the link, holding the temporary
/// password from the email: `(desk, registration id, temporary password)`.
pub async fn validated_affiliate(w: &World, to: &str) -> (TestDesk, String, String) {
    let t = desk_for(w).await;
    let receipt = t.register(TITULAR, to).await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let (status, page) = open_and_confirm(&link_of(&t, to)).await;
    assert_eq!(status, 200, "{page}");
    let text = wait_smtp(&w.smtp, to, 1).await;
    let password = line_after(&text, "Contraseña temporal: ").to_owned();
    (t, receipt.registration_id, password)
}

/// A scalar from the central database, as its owner.
pub async fn central_i64(w: &World, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(w.admin.pool())
        .await
        .unwrap()
}

pub async fn central_text(w: &World, sql: &str) -> String {
    sqlx::query_scalar(sql)
        .fetch_one(w.admin.pool())
        .await
        .unwrap()
}

/// Waits, when needed, until the rate-limit window of `secs` seconds has at least 20 s left
/// on the database's clock, so that the requests a test counts fall in one window on any day
/// at any time.
pub async fn fresh_window(w: &World, secs: i32) {
    let left: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM date_bin($1::int * interval '1 second', now(), TIMESTAMPTZ '2000-01-01 00:00:00+00')
                                   + $1::int * interval '1 second' - now())::float8",
    )
    .bind(secs)
    .fetch_one(w.admin.pool())
    .await
    .unwrap();
    if left < 20.0 {
        tokio::time::sleep(StdDuration::from_secs_f64(left + 0.5)).await;
    }
}

/// Waits until the registration's newest central email is recorded as delivered: the
/// SMTP server may hold the message a moment before the outbox's own UPDATE commits.
pub async fn wait_until_recorded_as_sent(w: &World, registration_id: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let state: String = sqlx::query_scalar(
            "SELECT state::text FROM outbox_messages WHERE registration_id = $1::uuid
              ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(registration_id)
        .fetch_one(w.admin.pool())
        .await
        .unwrap();
        if state == "enviado" {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the central outbox never recorded the delivery"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
