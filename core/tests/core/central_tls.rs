//! The station reaches the central database over TLS, verified against the server's name
//! and the roots it trusts (the operating system's, plus the one in «Ajustes»); a real
//! PostgreSQL with `ssl=on` and a private CA made here.

use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::tls::TestCa;
use registro_test_support::{TITULAR, spawn_desk};
use std::time::Duration;

/// The office's URL as an administrator would write it for a remote server: no sslmode
/// (verify-full is the default there); on this machine it has to be asked for.
fn verified_url(pg: &PgServer, host: &str) -> String {
    format!(
        "postgres://oficina_segura@{host}:{}/postgres?sslmode=verify-full",
        pg.port
    )
}

fn office_role(pg: &PgServer) {
    pg.psql("postgres", "CREATE ROLE oficina_segura LOGIN");
}

async fn reach(central: &Central) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(central.pool())
        .await
}

#[tokio::test]
async fn with_the_right_root_the_connection_is_encrypted_and_a_wrong_root_is_refused() {
    let ca = TestCa::new("CA interna del Instituto (prueba)");
    let pg = PgServer::start_with_tls(&ca.issue(&["localhost", "127.0.0.1"]));
    office_role(&pg);

    for host in ["localhost", "127.0.0.1"] {
        let right =
            Central::with_root_certificate(&verified_url(&pg, host), None, &ca.root_pem()).unwrap();
        assert!(reach(&right).await.unwrap(), "{host}: encrypted");
    }

    let stranger = TestCa::new("Otra autoridad");
    for root in [stranger.root_pem(), String::new()] {
        let wrong =
            Central::with_root_certificate(&verified_url(&pg, "localhost"), None, &root).unwrap();
        assert!(
            reach(&wrong).await.is_err(),
            "a root the server's CA is not"
        );
    }

    assert_the_status_bar_says_why(&verified_url(&pg, "localhost"), &stranger.root_pem()).await;
}

/// A station syncing through `url`: the clerk reads a Spanish sentence in the status bar
/// (never PostgreSQL's or rustls' own words), and nothing went up.
async fn assert_the_status_bar_says_why(url: &str, root: &str) {
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "titular@example.com").await;
    t.desk.use_central(Some(
        Central::with_root_certificate(url, None, root).unwrap(),
    ));
    let worker = tokio::spawn(t.desk.clone().run_sync(Duration::from_secs(60)));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let error = loop {
        if let Some(error) = t.desk.sync_status().await.unwrap().last_error {
            break error;
        }
        assert!(std::time::Instant::now() < deadline, "no sync round");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    worker.abort();
    assert!(
        error.starts_with(
            "No se pudo establecer una conexión cifrada y verificada con la base central"
        ),
        "{error}"
    );
    for english in ["certificate", "TLS", "invalid", "server", "error"] {
        assert!(!error.contains(english), "«{english}» in {error}");
    }
    assert_eq!(
        t.state_of(&receipt.registration_id).await,
        "pendiente_validacion"
    );
    assert!(
        t.desk.sync_status().await.unwrap().changes_waiting > 0,
        "still waiting to go up"
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let ca = TestCa::new("CA interna del Instituto (prueba)");
    let pg = PgServer::start_with_tls(&ca.issue(&["central.otra-oficina.example"]));
    office_role(&pg);
    let central =
        Central::with_root_certificate(&verified_url(&pg, "localhost"), None, &ca.root_pem())
            .unwrap();
    assert!(reach(&central).await.is_err());
    assert_the_status_bar_says_why(&verified_url(&pg, "localhost"), &ca.root_pem()).await;
}

#[tokio::test]
async fn a_server_without_tls_is_refused() {
    let ca = TestCa::new("CA interna del Instituto (prueba)");
    let pg = PgServer::start();
    office_role(&pg);
    let central =
        Central::with_root_certificate(&verified_url(&pg, "localhost"), None, &ca.root_pem())
            .unwrap();
    let err = reach(&central).await.unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
    assert_the_status_bar_says_why(&verified_url(&pg, "localhost"), &ca.root_pem()).await;
}

#[test]
fn plaintext_to_another_machine_is_refused_before_connecting() {
    for weak in ["disable", "allow", "prefer", "require"] {
        let url = format!("postgres://oficina@central.issstecali.example/registro?sslmode={weak}");
        let err = Central::new(&url, None).err().expect(weak);
        assert_eq!(err.field_errors()[0].code, "sin_cifrar", "{weak}");
    }
}

#[tokio::test]
async fn a_station_syncs_over_verified_tls_with_the_institutes_root() {
    let ca = TestCa::new("CA interna del Instituto (prueba)");
    let pg = PgServer::start_with_tls(&ca.issue(&["localhost"]));
    let admin = registro_test_support::central_database(&pg).await;
    let t = spawn_desk().await;
    let url = format!(
        "postgres://oficina_mexicali@localhost:{}/central?sslmode=verify-full",
        pg.port
    );
    let central = Central::with_root_certificate(&url, None, &ca.root_pem()).unwrap();
    assert!(reach(&central).await.unwrap(), "encrypted");
    t.desk.use_central(Some(central));
    let receipt = t.register(TITULAR, "titular@example.com").await;
    t.desk.sync_once().await.unwrap();
    let folio: String = sqlx::query_scalar("SELECT folio FROM registrations")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(folio, receipt.folio);
    assert!(t.desk.sync_status().await.unwrap().last_error.is_none());
}
