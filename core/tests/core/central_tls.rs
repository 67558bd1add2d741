//! The station reaches the central database over TLS, verified against the server's name
//! and the roots it trusts (the operating system's, plus the one in «Ajustes»); a real
//! PostgreSQL with `ssl=on` and a private CA made here.

use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::spawn_desk;
use registro_test_support::tls::TestCa;
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

    // The clerk reads why in the status bar, and nothing went up.
    let t = spawn_desk().await;
    t.desk.use_central(Some(
        Central::with_root_certificate(&verified_url(&pg, "localhost"), None, &stranger.root_pem())
            .unwrap(),
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
    assert!(error.contains("cifrada y verificada"), "{error}");
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
}

#[test]
fn plaintext_to_another_machine_is_refused_before_connecting() {
    for weak in ["disable", "allow", "prefer", "require"] {
        let url = format!("postgres://oficina@central.issstecali.example/registro?sslmode={weak}");
        let err = Central::new(&url, None).err().expect(weak);
        assert_eq!(err.field_errors()[0].code, "sin_cifrar", "{weak}");
    }
}
