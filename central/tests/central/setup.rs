//! The README's central section, command by command, from an empty PostgreSQL to a working
//! service that a station uses (the `registro-central` binary, `psql` as the roles the
//! README names); and every way `registro-central` can fail, each told in one Spanish line
//! with a non-zero exit.

use crate::binary::{self, Service, assert_no_panic};
use crate::world::*;
use registro_core::config::Settings;
use registro_core::sync::Central;
use registro_test_support::mail::{eml_files, wait_for};
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;
#[cfg(not(windows))]
use std::process::Command;
use std::time::Duration;

/// `psql "<url>" -v ON_ERROR_STOP=1 -c … -c …`, as the README shows it. A Windows test
/// program has no psql: there the commands go to the Linux side's psql as the same role
/// (`SET ROLE`, through the test servers).
#[cfg(windows)]
fn psql(pg: &PgServer, url: &str, commands: &[&str]) {
    // postgres://ROLE:PASSWORD@HOST:PORT/DATABASE
    let (_, rest) = url.split_once("://").unwrap();
    let role = rest.split([':', '@']).next().unwrap();
    let database = rest.rsplit('/').next().unwrap();
    for command in commands {
        pg.psql(database, &format!("SET ROLE {role}; {command}"));
    }
}

#[cfg(not(windows))]
fn psql(_pg: &PgServer, url: &str, commands: &[&str]) {
    let mut c = Command::new("psql");
    c.arg(url).args(["-v", "ON_ERROR_STOP=1", "-q"]);
    for command in commands {
        c.arg("-c").arg(command);
    }
    let out = c.output().expect("psql");
    assert!(
        out.status.success(),
        "psql {commands:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_newcomer_goes_from_an_empty_postgresql_to_a_working_service_with_the_readme_commands() {
    let pg = PgServer::start();
    let at = |who: &str, password: &str| {
        format!("postgres://{who}:{password}@127.0.0.1:{}/registro", pg.port)
    };
    // 1. As the superuser: the owner, with CREATEROLE, and its database.
    pg.psql(
        "postgres",
        "CREATE ROLE registro_dueno LOGIN CREATEROLE PASSWORD 'clave-del-dueno'",
    );
    pg.psql("postgres", "CREATE DATABASE registro OWNER registro_dueno");
    let owner = at("registro_dueno", "clave-del-dueno");

    // 2. The schema, as the owner; a second run has nothing to do.
    let ran = binary::run(&["--migrar"], &[("REGISTRO_CENTRAL_DB", &owner)]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Esquema central creado"),
        "{}",
        ran.stdout
    );
    assert_no_panic(&ran.stdout);
    let ran = binary::run(&["--migrar"], &[("REGISTRO_CENTRAL_DB", &owner)]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("ya estaba al día"), "{}", ran.stdout);

    // 3. The login roles, as the owner with psql; 4. the roster, with registro-central.
    psql(
        &pg,
        &owner,
        &[
            "CREATE ROLE oficina_mexicali LOGIN PASSWORD 'clave-de-la-oficina' IN ROLE registro_ventanilla",
            "CREATE ROLE servicio_central LOGIN PASSWORD 'clave-del-servicio' IN ROLE registro_central",
        ],
    );
    let roster = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/demo/padron_demo.csv");
    let ran = binary::run(
        &["--importar-padron", roster],
        &[("REGISTRO_CENTRAL_DB", &owner)],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Padrón central: 12 nuevos"),
        "{}",
        ran.stdout
    );

    // 5. The portal's key, as the owner.
    let ran = binary::run(
        &["--crear-clave-portal", "portal"],
        &[("REGISTRO_CENTRAL_DB", &owner)],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let key = ran.stdout.trim().to_owned();

    // 6. The service, with its own role and no SMTP server: the emails become files.
    let mail = test_folder();
    let service_db = at("servicio_central", "clave-del-servicio");
    let port = free_port();
    let sign_in = format!("http://127.0.0.1:{port}/entrar");
    let service = Service::start_on(
        port,
        &[
            ("REGISTRO_CENTRAL_DB", &service_db),
            ("REGISTRO_CORREOS_DIR", mail.path().to_str().unwrap()),
            ("REGISTRO_URL_INICIO_SESION", &sign_in),
            ("REGISTRO_CENTRAL_INSTANCIA", "central-prueba"),
        ],
    )
    .await;

    // 7. A station of the Mexicali office pointed at it.
    let t = spawn_desk_with(Settings {
        link_base_url: service.url("/validar"),
        ..Default::default()
    })
    .await;
    t.desk.use_central(Some(
        Central::new(&at("oficina_mexicali", "clave-de-la-oficina"), None).unwrap(),
    ));
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let (status, page) = open_and_confirm(&link_of(&t, "ximena@example.com")).await;
    assert_eq!(status, 200, "{page}");
    let text = wait_for(
        || eml_files(mail.path()),
        "ximena@example.com",
        "Contraseña temporal",
        1,
        Duration::from_secs(30),
    )
    .await;
    assert!(
        text.contains("Hola, Ximena Ocampo Larrañaga (DEMO):"),
        "the central roster: {text}"
    );
    assert!(text.lines().any(|l| l.trim() == sign_in), "{text}");
    let temporary = line_after(&text, "Contraseña temporal: ");
    let new = "el mar de San Felipe";
    let (status, page) = post_form(
        &sign_in,
        &[
            ("usuario", "900100101"),
            ("contrasena", temporary),
            ("nueva", new),
            ("confirmacion", new),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    t.desk.sync_once().await.unwrap();
    assert_eq!(t.state_of(&receipt.registration_id).await, "activa");
    let answer = client()
        .post(service.url("/api/portal/v1/verificar"))
        .bearer_auth(&key)
        .body(serde_json::json!({ "usuario": "900100101", "contrasena": new }).to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["resultado"], "valida");

    // Its log is a file here: plain text, no colour codes.
    let log = service.log_text();
    assert!(log.contains("registro-central listening"), "{log}");
    assert_no_panic(&log);
}

#[tokio::test]
async fn every_failure_of_registro_central_is_one_spanish_line_and_a_non_zero_exit() {
    let pg = PgServer::start();
    let url = |who: &str, db: &str| pg.url_as(who, db);
    pg.psql("postgres", "CREATE ROLE sin_createrole LOGIN");
    pg.psql("postgres", "CREATE DATABASE sin_roles OWNER sin_createrole");
    pg.psql("postgres", "CREATE ROLE ajeno LOGIN CREATEROLE");

    // The owner lacks CREATEROLE: said before anything is created, with the fix.
    let ran = binary::run(
        &["--migrar"],
        &[("REGISTRO_CENTRAL_DB", &url("sin_createrole", "sin_roles"))],
    );
    ran.assert_failed_saying(1, "el rol «sin_createrole» no puede crear roles");
    assert!(ran.stderr.contains("ALTER ROLE sin_createrole CREATEROLE;"));
    // Someone who can create roles but does not own the database.
    let ran = binary::run(
        &["--migrar"],
        &[("REGISTRO_CENTRAL_DB", &url("ajeno", "sin_roles"))],
    );
    ran.assert_failed_saying(1, "no puede crear tablas en el esquema public");
    let tables: i64 = {
        let pool = sqlx::PgPool::connect(&pg.url("sin_roles")).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(tables, 0, "nothing half-made");

    // The service on a database that was never migrated, and with a role that is not the
    // service's.
    let empty = url("sin_createrole", "sin_roles");
    binary::run(
        &[],
        &[
            ("REGISTRO_CENTRAL_DB", &empty),
            ("REGISTRO_CENTRAL_ESCUCHA", "127.0.0.1:0"),
        ],
    )
    .assert_failed_saying(1, "corra primero  registro-central --migrar");
    central_database(&pg).await;
    binary::run(
        &[],
        &[
            ("REGISTRO_CENTRAL_DB", &url("ajeno", "central")),
            ("REGISTRO_CENTRAL_ESCUCHA", "127.0.0.1:0"),
        ],
    )
    .assert_failed_saying(1, "el rol «ajeno» no tiene los permisos del servicio");

    // Settings and arguments.
    let service = url("servicio_central", "central");
    binary::run(&[], &[])
        .assert_failed_saying(2, "falta la variable de entorno REGISTRO_CENTRAL_DB");
    binary::run(&["--migrate"], &[("REGISTRO_CENTRAL_DB", &service)])
        .assert_failed_saying(2, "orden no reconocida: «--migrate»");
    binary::run(
        &["--crear-clave-portal", "Con Espacios"],
        &[("REGISTRO_CENTRAL_DB", &service)],
    )
    .assert_failed_saying(2, "no sirve como nombre de clave");
    for (name, value, says) in [
        (
            "REGISTRO_CENTRAL_ESCUCHA",
            "localhost:8080",
            "se espera dirección IP y puerto",
        ),
        ("REGISTRO_SMTP_SEGURIDAD", "ssl", "REGISTRO_SMTP_SEGURIDAD"),
        ("REGISTRO_INTENTOS_ANTES_DE_BLOQUEO", "0", "mayor que cero"),
        (
            "REGISTRO_URL_INICIO_SESION",
            "servicios/entrar",
            "dirección completa",
        ),
        (
            "REGISTRO_PROXIES_DE_CONFIANZA",
            "balanceador",
            "no es una dirección IP",
        ),
    ] {
        let mut env = vec![("REGISTRO_CENTRAL_DB", service.as_str()), (name, value)];
        if name == "REGISTRO_SMTP_SEGURIDAD" {
            env.push(("REGISTRO_SMTP_SERVIDOR", "127.0.0.1"));
        }
        binary::run(&[], &env).assert_failed_saying(2, says);
    }
    binary::run(
        &["--migrar"],
        &[("REGISTRO_CENTRAL_DB", "postgres://servidor:puerto/registro")],
    )
    .assert_failed_saying(2, "no es una dirección de PostgreSQL válida");
    binary::run(
        &["--migrar"],
        &[(
            "REGISTRO_CENTRAL_DB",
            "postgres://registro_dueno@central.issstecali.example/registro?sslmode=disable",
        )],
    )
    .assert_failed_saying(2, "pide una conexión sin cifrar");
    binary::run(
        &[],
        &[
            ("REGISTRO_CENTRAL_DB", &service),
            (
                "REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ",
                "/no-existe/raiz.pem",
            ),
        ],
    )
    .assert_failed_saying(2, "REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ");

    // Nobody there, or the address taken.
    let nobody = format!(
        "postgres://servicio_central@127.0.0.1:{}/central",
        free_port()
    );
    binary::run(
        &[],
        &[
            ("REGISTRO_CENTRAL_DB", &nobody),
            ("REGISTRO_CENTRAL_ESCUCHA", "127.0.0.1:0"),
        ],
    )
    .assert_failed_saying(1, "no se pudo conectar a la base central");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = held.local_addr().unwrap().to_string();
    binary::run(
        &[],
        &[
            ("REGISTRO_CENTRAL_DB", &service),
            ("REGISTRO_CENTRAL_ESCUCHA", &taken),
        ],
    )
    .assert_failed_saying(1, "ya está en uso");
    drop(held);

    // Help is not a failure.
    let help = binary::run(&["--ayuda"], &[]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--crear-clave-portal NOMBRE"));
}

/// The service reaches its database over verified TLS: with the institute's root in
/// `REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ` it migrates; without it, or for a certificate of
/// another name, it says so in Spanish and stops.
#[tokio::test]
async fn registro_central_verifies_the_database_certificate_with_the_root_it_is_given() {
    use registro_test_support::tls::TestCa;
    let ca = TestCa::new("CA interna del Instituto (prueba)");
    let pg = PgServer::start_with_tls(&ca.issue(&["localhost"]));
    let root = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(root.path(), ca.root_pem()).unwrap();
    let root = root.path().to_str().unwrap();
    let verified = |host: &str| {
        format!(
            "postgres://postgres@{host}:{}/postgres?sslmode=verify-full",
            pg.port
        )
    };

    let ran = binary::run(
        &["--migrar"],
        &[
            ("REGISTRO_CENTRAL_DB", &verified("localhost")),
            ("REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ", root),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    binary::run(
        &["--migrar"],
        &[("REGISTRO_CENTRAL_DB", &verified("localhost"))],
    )
    .assert_failed_saying(1, "no se pudo verificar");
    binary::run(
        &["--migrar"],
        &[
            ("REGISTRO_CENTRAL_DB", &verified("127.0.0.1")),
            ("REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ", root),
        ],
    )
    .assert_failed_saying(1, "no se pudo verificar");
}

/// The institute's monthly roster, loaded centrally with the stations' own parser: every
/// refused line said with its number, an audited import, and the offices pulling exactly
/// what changed.
#[tokio::test]
async fn the_institutes_roster_is_loaded_centrally_audited_and_pulled_by_the_offices() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let owner = pg.url("central");
    let dir = test_folder();
    let header = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";

    // A station of the office, synced: it has the central roster.
    let t = spawn_desk().await;
    t.desk.use_central(Some(
        Central::new(&pg.url_as("oficina_mexicali", "central"), None).unwrap(),
    ));
    t.desk.sync_once().await.unwrap();

    // This month's file: one serial replaced, one person new, one bad line, one repeated.
    let file = dir.path().join("padrón diciembre.csv");
    let body = format!(
        "{header}\n{},SERIENUEVA1,Ximena Ocampo Larrañaga (CENTRAL),titular,{},si\n\
         700000001,SER0001,Mariana Pruebas Uno,titular,700000001,si\n\
         700000002,,Sin Serie,titular,700000002,si\n\
         700000001,SER0009,Mariana Repetida,titular,700000001,si\n",
        TITULAR.0, TITULAR.0
    );
    std::fs::write(&file, &body).unwrap();
    let ran = binary::run(
        &["--importar-padron", file.to_str().unwrap()],
        &[("REGISTRO_CENTRAL_DB", &owner)],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Padrón central: 1 nuevos, 1 con cambios (1 con número de serie nuevo), 0 sin cambios, 2 líneas rechazadas"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr.contains("Línea 4, columna numero_serie"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("Línea 5, columna numero_afiliacion"),
        "{}",
        ran.stderr
    );
    assert_no_panic(&ran.stdout);

    let (clerk, detail): (String, serde_json::Value) =
        sqlx::query_as("SELECT clerk, detail FROM audit_events WHERE action = 'padron_importado'")
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(clerk, "postgres", "the role that ran the import");
    assert_eq!(detail["archivo"], "padrón diciembre.csv");
    assert_eq!(detail["series_cambiadas"], 1);
    assert_eq!(detail["sha256"].as_str().unwrap().len(), 64);

    // The office's next sync takes the two rows that changed, and only those.
    let report = t.desk.sync_once().await.unwrap();
    assert_eq!(report.roster_rows_pulled, 2);
    assert_eq!(
        t.scalar_i64(&format!(
            "SELECT count(*) FROM roster_affiliates WHERE affiliation_number = '{}' AND credential_serial = 'SERIENUEVA1'",
            TITULAR.0
        ))
        .await,
        1
    );
    t.register(("700000001", "SER0001"), "mariana@example.org")
        .await;

    // The same file again changes nothing, and no station pulls anything.
    let ran = binary::run(
        &["--importar-padron", file.to_str().unwrap()],
        &[("REGISTRO_CENTRAL_DB", &owner)],
    );
    assert!(
        ran.stdout.contains("0 nuevos, 0 con cambios"),
        "{}",
        ran.stdout
    );
    assert_eq!(t.desk.sync_once().await.unwrap().roster_rows_pulled, 0);

    // A file without the roster's columns: one Spanish line, nothing written.
    let wrong = dir.path().join("otro.csv");
    std::fs::write(&wrong, "afiliacion,serie\n1,2\n").unwrap();
    let ran = binary::run(
        &["--importar-padron", wrong.to_str().unwrap()],
        &[("REGISTRO_CENTRAL_DB", &owner)],
    );
    ran.assert_failed_saying(
        1,
        "el padrón no se importó: al encabezado le faltan las columnas",
    );
    assert!(ran.stderr.contains("No se cambió nada"), "{}", ran.stderr);
    let ran = binary::run(&["--importar-padron"], &[("REGISTRO_CENTRAL_DB", &owner)]);
    ran.assert_failed_saying(2, "--importar-padron lleva un solo argumento");
}
