//! Sync with a real PostgreSQL server: offline days, outages, two offices, roles.

mod common;

use chrono::Duration;
use common::postgres::PgServer;
use common::*;
use registro_core::sync::Central;
use std::time::Duration as StdDuration;

async fn count(central: &Central, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(central.pool())
        .await
        .unwrap()
}

fn office(pg: &PgServer, role: &str) -> Central {
    Central::new(&pg.url_as(role, "central"), None).unwrap()
}

const CURRENT_DEMO: [(&str, &str); 6] = [
    ("900100101", "DEMO4821907"),
    ("900100102", "DEMO4821908"),
    ("900100103", "DEMO4821909"),
    ("900200201", "DEMO5930114"),
    ("900200202", "DEMO5930115"),
    ("900300301", "DEMO6102233"),
];

#[tokio::test]
async fn a_day_offline_is_synced_later_with_nothing_lost_and_nothing_twice() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;

    // The network is down all day: registrations, validations, a resend, a correction.
    let mut receipts = Vec::new();
    for (i, who) in CURRENT_DEMO.iter().enumerate() {
        receipts.push(t.register(*who, &format!("persona{i}@example.com")).await);
    }
    t.deliver().await;
    for (i, receipt) in receipts.iter().enumerate().take(2) {
        let code = t.emails_to(&format!("persona{i}@example.com"))[0].validation_code();
        t.desk
            .validate_with_code(&receipt.folio, &code)
            .await
            .unwrap();
    }
    t.clock.advance(Duration::minutes(2));
    t.desk
        .resend_validation(&receipts[2].registration_id)
        .await
        .unwrap();
    t.desk
        .correct_email(
            &receipts[3].registration_id,
            "nuevo3@example.com",
            "nuevo3@example.com",
            false,
        )
        .await
        .unwrap();
    let status = t.desk.sync_status().await.unwrap();
    assert!(!status.configured);
    assert!(status.records_waiting > 0);

    // The network returns.
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    let report = t.desk.sync_once().await.unwrap();
    assert_eq!(report.conflicts, 0);
    assert_eq!(count(&admin, "registrations").await, 6);
    assert_eq!(count(&admin, "consents").await, 24);
    assert_eq!(count(&admin, "validation_tokens").await, 8);
    assert_eq!(count(&admin, "accounts").await, 2);
    let local_audit = t.scalar_i64("SELECT count(*) FROM audit_events").await;
    assert_eq!(count(&admin, "audit_events").await, local_audit);
    let states: Vec<(String, String)> =
        sqlx::query_as("SELECT folio, state FROM registrations ORDER BY created_at, folio")
            .fetch_all(admin.pool())
            .await
            .unwrap();
    assert_eq!(states.iter().filter(|(_, s)| s == "validada").count(), 2);
    let email: String = sqlx::query_scalar("SELECT email FROM registrations WHERE folio = $1")
        .bind(&receipts[3].folio)
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(
        email, "nuevo3@example.com",
        "the correction was applied centrally"
    );
    let office_role: String = sqlx::query_scalar("SELECT DISTINCT office_role FROM registrations")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(office_role, "oficina_mexicali");

    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(status.changes_waiting, 0);
    assert!(status.problems.is_empty());
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM registrations WHERE sync_state <> 'sincronizado'")
            .await,
        0
    );
    // The central roster replaced the demo one.
    assert!(
        t.scalar_i64("SELECT count(*) FROM roster_affiliates WHERE full_name LIKE '%(CENTRAL)'")
            .await
            >= 12
    );

    // A repeat of everything (as after a cut mid-answer) changes nothing centrally.
    sqlx::query("UPDATE sync_queue SET state = 'pendiente'")
        .execute(t.desk.store().writer())
        .await
        .unwrap();
    t.desk.sync_once().await.unwrap();
    assert_eq!(count(&admin, "registrations").await, 6);
    assert_eq!(count(&admin, "consents").await, 24);
    assert_eq!(count(&admin, "audit_events").await, local_audit);
}

#[tokio::test]
async fn postgres_stopped_mid_sync_comes_back_and_the_worker_resumes_by_itself() {
    let mut pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    let worker = tokio::spawn(t.desk.clone().run_sync(StdDuration::from_millis(300)));

    pg.stop();
    for (i, who) in CURRENT_DEMO.iter().take(3).enumerate() {
        // Offline: the central check gives up quickly and registration goes on.
        t.register(*who, &format!("p{i}@example.com")).await;
    }
    t.desk.request_sync();
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        let status = t.desk.sync_status().await.unwrap();
        if let Some(error) = &status.last_error {
            assert!(!status.online);
            assert!(
                error.contains("Sin conexión con la base central"),
                "{error}"
            );
            assert!(status.records_waiting > 0);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never reported the outage"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }

    pg.resume();
    let deadline = std::time::Instant::now() + StdDuration::from_secs(30);
    loop {
        let status = t.desk.sync_status().await.unwrap();
        if status.online && status.changes_waiting == 0 {
            assert!(status.last_success_at.is_some());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sync did not resume: {status:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    assert_eq!(count(&admin, "registrations").await, 3);
    worker.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_cut_in_the_middle_by_a_postgres_stop_loses_nothing_and_duplicates_nothing() {
    let mut pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    let mut csv = String::from(
        "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente\n",
    );
    for i in 0..200 {
        csv.push_str(&format!(
            "{n},SB{n},Persona Ficticia {i},titular,{n},si\n",
            n = 800_000_000 + i
        ));
    }
    let len = csv.len() as u64;
    registro_core::roster::import_csv_reader(
        t.desk.store(),
        std::io::Cursor::new(csv),
        len,
        t.desk.now(),
        |_| {},
    )
    .await
    .unwrap();
    for i in 0..200 {
        let n = (800_000_000 + i).to_string();
        t.desk
            .register(&t.form(
                (n.as_str(), format!("SB{n}").as_str()),
                &format!("p{i}@example.com"),
            ))
            .await
            .unwrap();
    }
    let local_audit = t.scalar_i64("SELECT count(*) FROM audit_events").await;

    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    let desk = t.desk.clone();
    let round = tokio::spawn(async move { desk.sync_once().await });
    tokio::time::sleep(StdDuration::from_millis(40)).await;
    pg.stop(); // immediate: connections are cut wherever the round is
    // Seen here: the round fails after one or two of its three batches were committed.
    let _ = round.await.unwrap();

    pg.resume();
    for _ in 0..10 {
        if t.desk.sync_once().await.is_ok()
            && t.desk.sync_status().await.unwrap().changes_waiting == 0
        {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(300)).await;
    }
    assert_eq!(t.desk.sync_status().await.unwrap().changes_waiting, 0);
    assert_eq!(count(&admin, "registrations").await, 200);
    assert_eq!(count(&admin, "consents").await, 800);
    assert_eq!(count(&admin, "validation_tokens").await, 200);
    assert_eq!(count(&admin, "audit_events").await, local_audit);
}

#[tokio::test]
async fn the_same_affiliate_at_two_offices_ends_in_one_conflict_shown_and_kept() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let mexicali = spawn_desk().await;
    let tijuana = spawn_desk().await;
    // Both offline at the time.
    let first = mexicali.register(TITULAR, "a@example.com").await;
    let second = tijuana.register(TITULAR, "b@example.com").await;

    mexicali
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    tijuana
        .desk
        .use_central(Some(office(&pg, "oficina_tijuana")));
    mexicali.desk.sync_once().await.unwrap();
    let report = tijuana.desk.sync_once().await.unwrap();
    assert_eq!(report.conflicts, 1);

    let status = tijuana.desk.sync_status().await.unwrap();
    assert_eq!(status.problems.len(), 1);
    let problem = &status.problems[0];
    assert_eq!(
        (problem.folio.as_str(), problem.sync_state.as_str()),
        (second.folio.as_str(), "conflicto")
    );
    let message = problem.message.as_deref().unwrap();
    assert!(
        message.contains(&first.folio) && message.contains("Oficina de demostración"),
        "{message}"
    );
    // Kept locally, with its consents; nothing of it reached the central database.
    assert_eq!(tijuana.scalar_i64("SELECT count(*) FROM consents").await, 4);
    assert_eq!(count(&admin, "registrations").await, 1);
    assert_eq!(count(&admin, "consents").await, 4);

    // Retrying while the other account lives: still a conflict.
    tijuana
        .desk
        .retry_conflict(&second.registration_id)
        .await
        .unwrap();
    assert_eq!(tijuana.desk.sync_once().await.unwrap().conflicts, 1);

    // The clerk settles it: cancel the local one (supervisor). Its audit trail goes up.
    let approval = supervisor_approval();
    tijuana
        .desk
        .cancel_registration(
            &second.registration_id,
            &approval,
            "Ya tenía registro en Mexicali",
        )
        .await
        .unwrap();
    tijuana.desk.sync_once().await.unwrap();
    assert!(
        tijuana
            .desk
            .sync_status()
            .await
            .unwrap()
            .problems
            .is_empty()
    );
    assert_eq!(tijuana.desk.sync_status().await.unwrap().changes_waiting, 0);
    let cancelled_audit: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'registro_cancelado' AND office_role = 'oficina_tijuana'",
    )
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(cancelled_audit, 1);

    // Online, a third office is told at once.
    let third = spawn_desk().await;
    third.desk.use_central(Some(office(&pg, "oficina_tijuana")));
    let err = third
        .desk
        .register(&third.form(TITULAR, "c@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "registrado_en_otra_oficina");
    assert!(err.to_string().contains(&first.folio));
}

#[tokio::test]
async fn a_validation_made_centrally_reaches_the_desk_at_the_next_sync() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    let receipt = t.register(TITULAR, "x@example.com").await;
    t.desk.sync_once().await.unwrap();
    sqlx::query("UPDATE registrations SET state = 'validada', validated_at = now(), validated_by = 'enlace' WHERE folio = $1")
        .bind(&receipt.folio)
        .execute(admin.pool())
        .await
        .unwrap();
    let report = t.desk.sync_once().await.unwrap();
    assert_eq!(report.states_pulled, 1);
    assert_eq!(t.state_of(&receipt.registration_id).await, "validada");
    // Pulling applies; it queues nothing back.
    assert_eq!(t.desk.sync_status().await.unwrap().changes_waiting, 0);
}

#[tokio::test]
async fn an_office_role_can_insert_its_own_rows_and_read_the_roster_nothing_more() {
    let pg = PgServer::start();
    let _admin = central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    t.register(TITULAR, "x@example.com").await;
    t.desk.sync_once().await.unwrap();

    let tijuana = office(&pg, "oficina_tijuana");
    let pool = tijuana.pool();
    let roster: i64 = sqlx::query_scalar("SELECT count(*) FROM roster_affiliates")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(roster, 12);
    let others: i64 = sqlx::query_scalar("SELECT count(*) FROM registrations")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(others, 0, "another office's registrations are invisible");
    for table in ["consents", "validation_tokens", "audit_events", "accounts"] {
        let visible: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap_or(0);
        assert_eq!(visible, 0, "{table} of another office are invisible");
    }
    for (sql, what) in [
        ("UPDATE registrations SET state = 'cancelada'", "update"),
        ("DELETE FROM consents", "delete"),
        ("SELECT document_sha256 FROM consents", "read consents"),
        (
            "UPDATE roster_affiliates SET is_current = FALSE",
            "change the roster",
        ),
        ("SELECT password_hash FROM accounts", "read password hashes"),
        (
            "SELECT code_sha256 FROM validation_tokens",
            "read token hashes",
        ),
    ] {
        let err = sqlx::query(sql).execute(pool).await;
        assert!(err.is_err(), "an office must not {what}");
    }
    let forged = sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, clerk, office, workstation, detail, office_role)
         VALUES (gen_random_uuid(), now(), 'x', 'c', 'o', 'w', '{}', 'oficina_mexicali')",
    )
    .execute(pool)
    .await;
    assert!(
        forged.is_err(),
        "an office cannot write rows as another office"
    );
}

#[tokio::test]
async fn an_account_opened_at_one_station_signs_in_at_another_without_network() {
    use registro_core::staff::NewStaffMember;
    let mut pg = PgServer::start();
    let admin = central_database(&pg).await;
    let first = spawn_desk().await;
    let second = spawn_desk().await;
    let elsewhere = spawn_desk().await;
    first
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    second
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    elsewhere
        .desk
        .use_central(Some(office(&pg, "oficina_tijuana")));

    // The supervisor of the first station opens an account; it goes up with the sync.
    first.as_supervisor().await;
    first
        .desk
        .create_staff(&NewStaffMember {
            username: "laura.ficticia".into(),
            full_name: "Laura Ficticia Ejemplo".into(),
            role: "capturista".into(),
            password: "clave-inicial-123".into(),
            confirmation: "clave-inicial-123".into(),
        })
        .await
        .unwrap();
    first.desk.sync_once().await.unwrap();
    assert!(count(&admin, "staff_versions").await >= 1);

    // The second station of the same office gets it; another office does not.
    let pulled = second.desk.sync_once().await.unwrap().staff_pulled;
    assert!(pulled >= 1, "{pulled}");
    elsewhere.desk.sync_once().await.unwrap();

    // The network goes down: Laura still signs in at the second station, from its copy,
    // and chooses her own password there.
    pg.stop();
    second.clock.advance(Duration::minutes(1));
    second.desk.sign_out().await.unwrap();
    second
        .desk
        .sign_in("laura.ficticia", "clave-inicial-123")
        .await
        .unwrap();
    second
        .desk
        .change_own_password(
            "clave-inicial-123",
            "la-clave-de-laura",
            "la-clave-de-laura",
        )
        .await
        .unwrap();
    assert!(second.desk.sync_once().await.is_err(), "offline");
    let err = elsewhere
        .desk
        .sign_in("laura.ficticia", "clave-inicial-123")
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "credenciales_incorrectas",
        "another office's account"
    );

    // Back online, her new password reaches the first station; the old one stops working.
    pg.resume();
    second.desk.sync_once().await.unwrap();
    first.desk.sync_once().await.unwrap();
    first.desk.sign_out().await.unwrap();
    let err = first
        .desk
        .sign_in("laura.ficticia", "clave-inicial-123")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "credenciales_incorrectas");
    let laura = first
        .desk
        .sign_in("laura.ficticia", "la-clave-de-laura")
        .await
        .unwrap();
    assert!(!laura.must_change_password);
}
