//! Staff accounts have one authority, the central database: a station that starts over
//! (an empty data folder, a deleted database) cannot take over an office's accounts, and
//! every rule holds against an office's own login role, as a tampered station would use it.

use registro_core::security;
use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;

fn office(pg: &PgServer, role: &str) -> Central {
    Central::new(&pg.url_as(role, "central"), None).unwrap()
}

/// A Mexicali station with its supervisor and clerk, synced: the office's accounts.
async fn mexicali_office(pg: &PgServer) -> TestDesk {
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(pg, "oficina_mexicali")));
    t.desk.sync_once().await.unwrap();
    t
}

/// The newest central version of an account: its hash, role and state, and how many
/// versions it has.
async fn central_account(admin: &Central, username: &str) -> (String, String, bool, i64) {
    sqlx::query_as(
        "SELECT password_hash, role, active,
                (SELECT count(*) FROM staff_versions v WHERE v.username = $1)
           FROM staff_versions WHERE username = $1 ORDER BY change_seq DESC LIMIT 1",
    )
    .bind(username)
    .fetch_one(admin.pool())
    .await
    .unwrap()
}

async fn signs_in(t: &TestDesk, username: &str, password: &str) -> bool {
    let _ = t.desk.sign_out().await;
    t.desk.sign_in(username, password).await.is_ok()
}

const INTRUDER_PASSWORD: &str = "clave-del-intruso-9";

/// The exploit: an empty data folder whose "first supervisor" is `username`, then the
/// office's central address (its password is still in the credential store) and a sync.
async fn intruder_station(
    pg: &PgServer,
    username: &str,
) -> (TestDesk, registro_core::sync::SyncReport) {
    let intruder = spawn_empty_desk().await;
    intruder
        .desk
        .create_first_supervisor(
            username,
            "Nombre Inventado Intruso",
            INTRUDER_PASSWORD,
            INTRUDER_PASSWORD,
        )
        .await
        .unwrap();
    intruder
        .desk
        .use_central(Some(office(pg, "oficina_mexicali")));
    let report = intruder.desk.sync_once().await.unwrap();
    (intruder, report)
}

/// A new station's first run tries to open its own supervisor, and is refused.
async fn first_supervisor_refused(station: &TestDesk) -> registro_core::Error {
    station
        .desk
        .create_first_supervisor(
            "otra.supervisora",
            "Nombre Inventado Nuevo",
            INTRUDER_PASSWORD,
            INTRUDER_PASSWORD,
        )
        .await
        .unwrap_err()
}

#[tokio::test]
async fn an_empty_station_that_reuses_a_supervisors_username_changes_nothing_elsewhere() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let mexicali = mexicali_office(&pg).await;
    let supervisor = supervisor_approval();
    let username = supervisor.username.to_lowercase();
    let before = central_account(&admin, &username).await;

    // The exploit, with the office supervisor's own username.
    let (intruder, report) = intruder_station(&pg, &username).await;
    assert_eq!(report.staff_refused, 1, "{report:?}");

    // Centrally nothing changed: same hash, same number of versions.
    assert_eq!(central_account(&admin, &username).await, before);
    // The office's station keeps its supervisor; the intruder's password opens nothing.
    mexicali.desk.sync_once().await.unwrap();
    assert!(!signs_in(&mexicali, &username, INTRUDER_PASSWORD).await);
    assert!(signs_in(&mexicali, &username, &supervisor.password).await);
    // And the intruding station itself took the office's account back.
    assert!(!signs_in(&intruder, &username, INTRUDER_PASSWORD).await);
    assert!(signs_in(&intruder, &username, &supervisor.password).await);
    // The refused change stays on record at the station, with the central reason.
    let held: String = sqlx::query_scalar(
        "SELECT last_error FROM sync_queue WHERE entity = 'personal' AND state = 'retenido'",
    )
    .fetch_one(intruder.desk.store().reader())
    .await
    .unwrap();
    assert!(held.contains("La base central no aceptó"), "{held}");
}

#[tokio::test]
async fn an_invented_first_supervisor_of_an_office_with_accounts_is_refused_and_stops_signing_in() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let mexicali = mexicali_office(&pg).await;

    let (intruder, report) = intruder_station(&pg, "jefe.inventado").await;
    assert_eq!(report.staff_refused, 1, "{report:?}");

    let known: i64 =
        sqlx::query_scalar("SELECT count(*) FROM staff_versions WHERE username = 'jefe.inventado'")
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(known, 0);
    mexicali.desk.sync_once().await.unwrap();
    assert!(!signs_in(&mexicali, "jefe.inventado", INTRUDER_PASSWORD).await);
    assert!(!signs_in(&intruder, "jefe.inventado", INTRUDER_PASSWORD).await);
    // The office's own supervisor now signs in at that station.
    let supervisor = supervisor_approval();
    assert!(signs_in(&intruder, &supervisor.username, &supervisor.password).await);
}

#[tokio::test]
async fn an_empty_station_joined_to_an_office_with_accounts_signs_in_with_an_existing_one() {
    let mut pg = PgServer::start();
    central_database(&pg).await;
    mexicali_office(&pg).await;

    let new_station = spawn_empty_desk().await;
    new_station
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    let err = first_supervisor_refused(&new_station).await;
    assert_eq!(err.code(), "oficina_con_cuentas");
    assert!(
        err.to_string().contains("inicie sesión con la suya"),
        "{err}"
    );
    assert!(new_station.desk.has_supervisor().await.unwrap());
    let clerk = new_station.desk.sign_in(CLERK.0, CLERK.1).await.unwrap();
    assert_eq!(clerk.username, CLERK.0);

    // Without the central database at hand, a joined station starts no accounts of its own.
    let cut_off = spawn_empty_desk().await;
    cut_off
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    pg.stop();
    let err = first_supervisor_refused(&cut_off).await;
    assert_eq!(err.code(), "central_necesaria");
    assert!(!cut_off.desk.has_supervisor().await.unwrap());
}

#[tokio::test]
async fn an_office_with_no_accounts_enrols_its_first_supervisor_once() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    // A station that worked alone joins: its supervisor and clerk become the office's.
    let first = mexicali_office(&pg).await;
    let (_, role, active, _) = central_account(&admin, &CLERK.0.to_lowercase()).await;
    assert_eq!((role.as_str(), active), ("capturista", true));
    // Its supervisor keeps managing accounts from there.
    first.as_supervisor().await;
    first.desk.set_staff_active(CLERK.0, false).await.unwrap();
    assert_eq!(first.desk.sync_once().await.unwrap().staff_refused, 0);
    let (_, _, active, _) = central_account(&admin, &CLERK.0.to_lowercase()).await;
    assert!(!active);
    // A second station that also worked alone brings its own accounts: refused.
    let second = spawn_desk().await;
    second
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    assert!(second.desk.sync_once().await.unwrap().staff_refused >= 1);
    let (_, _, active, _) = central_account(&admin, &CLERK.0.to_lowercase()).await;
    assert!(!active, "the second station cannot reactivate the clerk");
    assert!(
        !signs_in(&second, CLERK.0, CLERK.1).await,
        "deactivated centrally"
    );
}

/// One version as an office inserts it, with `changed_by` and `previous_id` as given.
async fn insert_version(
    central: &Central,
    username: &str,
    role: &str,
    hash: &str,
    changed_by: &str,
    previous_id: Option<&str>,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO staff_versions (id, username, full_name, role, password_hash, active,
                                     must_change_password, changed_at, changed_by, previous_id)
         VALUES (gen_random_uuid(), $1, 'Nombre Inventado', $2, $3, TRUE, FALSE, now(), $4,
                 $5::uuid)
         RETURNING id::text",
    )
    .bind(username)
    .bind(role)
    .bind(hash)
    .bind(changed_by)
    .bind(previous_id)
    .fetch_one(central.pool())
    .await
}

fn assert_refused<T: std::fmt::Debug>(result: Result<T, sqlx::Error>, what: &str) {
    match result {
        Err(sqlx::Error::Database(e)) => {
            assert_eq!(e.code().as_deref(), Some("42501"), "{what}: {e}")
        }
        other => panic!("an office must not {what}: {other:?}"),
    }
}

#[tokio::test]
async fn as_an_office_role_every_account_rule_holds_in_the_central_database() {
    let pg = PgServer::start();
    central_database(&pg).await;
    let tijuana = office(&pg, "oficina_tijuana");
    let hash = security::hash_password("una-clave-larga-1").unwrap();

    assert_refused(
        insert_version(
            &tijuana,
            "capturista.uno",
            "capturista",
            &hash,
            "capturista.uno",
            None,
        )
        .await,
        "start an office with a clerk",
    );
    let boss = insert_version(
        &tijuana,
        "jefa.tijuana",
        "supervisor",
        &hash,
        "jefa.tijuana",
        None,
    )
    .await
    .expect("the first supervisor enrols");
    assert_refused(
        insert_version(
            &tijuana,
            "otra.jefa",
            "supervisor",
            &hash,
            "otra.jefa",
            None,
        )
        .await,
        "enrol a second first supervisor",
    );
    let clerk = insert_version(
        &tijuana,
        "capturista.uno",
        "capturista",
        &hash,
        "jefa.tijuana",
        None,
    )
    .await
    .expect("a supervisor opens an account");
    assert_refused(
        insert_version(
            &tijuana,
            "capturista.dos",
            "capturista",
            &hash,
            "capturista.uno",
            None,
        )
        .await,
        "open an account as a clerk",
    );
    assert_refused(
        insert_version(
            &tijuana,
            "capturista.uno",
            "supervisor",
            &hash,
            "capturista.uno",
            Some(&clerk),
        )
        .await,
        "promote oneself",
    );
    assert_refused(
        insert_version(
            &tijuana,
            "jefa.tijuana",
            "supervisor",
            &hash,
            "capturista.uno",
            Some(&boss),
        )
        .await,
        "change a supervisor's password as a clerk",
    );
    assert_refused(
        insert_version(
            &tijuana,
            "capturista.uno",
            "capturista",
            &hash,
            "jefa.tijuana",
            None,
        )
        .await,
        "overwrite an account without naming the version in force",
    );
    let unbounded = hash.replacen("m=19456", "m=4194304", 1);
    assert_ne!(unbounded, hash, "the hash's memory parameter: {hash}");
    assert_refused(
        insert_version(
            &tijuana,
            "capturista.uno",
            "capturista",
            &unbounded,
            "capturista.uno",
            Some(&clerk),
        )
        .await,
        "store a hash whose verification takes 4 GiB",
    );
    let own = insert_version(
        &tijuana,
        "capturista.uno",
        "capturista",
        &hash,
        "capturista.uno",
        Some(&clerk),
    )
    .await
    .expect("a clerk changes their own password");
    assert_refused(
        insert_version(
            &tijuana,
            "capturista.uno",
            "capturista",
            &hash,
            "jefa.tijuana",
            Some(&clerk),
        )
        .await,
        "build on a version no longer in force",
    );
    insert_version(
        &tijuana,
        "capturista.uno",
        "capturista",
        &hash,
        "jefa.tijuana",
        Some(&own),
    )
    .await
    .expect("the supervisor builds on the version in force");

    // Another office's accounts are not there to build on.
    let mexicali = office(&pg, "oficina_mexicali");
    assert_refused(
        insert_version(
            &mexicali,
            "capturista.tres",
            "capturista",
            &hash,
            "jefa.tijuana",
            None,
        )
        .await,
        "open an account in its office as another office's supervisor",
    );
}
