//! Sync with a real PostgreSQL server: offline days, outages, two offices, roles.

use chrono::Duration;
use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;
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

#[tokio::test]
async fn a_round_the_central_database_leaves_hanging_is_given_up_and_freezes_no_record() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    let receipt = t.register(CURRENT_DEMO[0], "lenta@example.com").await;
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    // Something holds the central table: the round's insert waits, and never returns.
    let mut holder = admin.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let worker = tokio::spawn(
        t.desk
            .sync_worker()
            .giving_up_after(StdDuration::from_secs(1))
            .run(StdDuration::from_secs(3600)),
    );
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        let status = t.desk.sync_status().await.unwrap();
        if let Some(error) = &status.last_error {
            assert!(error.contains("tardó demasiado"), "{error}");
            assert!(
                status.problems.is_empty(),
                "waiting, not a problem of the record"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the round was never given up"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    // The clerk can work on the record again: it is not left "being sent" until a restart.
    // (A wake-up already waiting, the registration's, may start one more round that hangs
    // and is given up in turn; after that the worker waits for its hour.)
    let deadline = std::time::Instant::now() + StdDuration::from_secs(10);
    loop {
        match t
            .desk
            .correct_email(
                &receipt.registration_id,
                "corregida@example.com",
                "corregida@example.com",
                false,
            )
            .await
        {
            Ok(_) => break,
            Err(e) => {
                assert_eq!(e.code(), "registro_enviandose");
                assert!(
                    std::time::Instant::now() < deadline,
                    "the record stayed frozen as being sent"
                );
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
        }
    }

    // The table is free again: the next round takes everything, once.
    holder.rollback().await.unwrap();
    t.desk.request_sync();
    let deadline = std::time::Instant::now() + StdDuration::from_secs(30);
    while t.desk.sync_status().await.unwrap().changes_waiting > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "sync did not resume: {:?}",
            t.desk.sync_status().await.unwrap()
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    let central_email: String = sqlx::query_scalar("SELECT email FROM registrations")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(central_email, "corregida@example.com");
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
    // Rounds of 500 rows: three, pipelined (the next claimed while one is sent).
    let worker = t.desk.sync_worker().in_rounds_of(500);
    let round = tokio::spawn(async move { worker.sync_once().await });
    tokio::time::sleep(StdDuration::from_millis(40)).await;
    pg.stop(); // immediate: connections are cut wherever the round is
    // Seen here: the pass fails after one or two of its three rounds were committed.
    let _ = round.await.unwrap();
    // A cut connection is waiting, not a problem with the records; and no record stays
    // frozen as being sent (the desk would refuse to touch it), not even one of the round
    // claimed while the cut one was on its way.
    assert!(t.desk.sync_status().await.unwrap().problems.is_empty());
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM sync_queue WHERE state = 'enviando'")
            .await,
        0
    );

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

/// The token of `folio` as the central database holds it, with the central time now.
async fn central_token_of(
    admin: &Central,
    folio: &str,
) -> (
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
) {
    sqlx::query_as(
        "SELECT t.created_at, t.expires_at, now() FROM validation_tokens t
           JOIN registrations r ON r.id = t.registration_id WHERE r.folio = $1",
    )
    .bind(folio)
    .fetch_one(admin.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_station_days_ahead_or_behind_issues_links_that_live_their_lifetime_by_the_central_clock()
{
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    for (skew, office_role, first, later) in [
        (
            Duration::days(3),
            "oficina_mexicali",
            CURRENT_DEMO[0],
            CURRENT_DEMO[1],
        ),
        (
            Duration::days(-3),
            "oficina_tijuana",
            CURRENT_DEMO[2],
            CURRENT_DEMO[3],
        ),
    ] {
        let t = spawn_desk_with_clock_skew(Default::default(), skew).await;
        // Registered before the station ever reached the central database: it cannot
        // know yet that its clock is wrong.
        let offline = t.register(first, "reloj.offline@example.com").await;
        t.desk.use_central(Some(office(&pg, office_role)));
        t.desk.sync_once().await.unwrap();

        let (created, expires, central_now) = central_token_of(&admin, &offline.folio).await;
        assert!(
            (central_now - created).abs() < Duration::minutes(1),
            "skew {skew}: born {created}, central now {central_now}"
        );
        assert_eq!(expires - created, Duration::hours(24), "skew {skew}");
        let registered: chrono::DateTime<chrono::Utc> =
            sqlx::query_scalar("SELECT created_at FROM registrations WHERE folio = $1")
                .bind(&offline.folio)
                .fetch_one(admin.pool())
                .await
                .unwrap();
        assert!(
            (central_now - registered).abs() < Duration::minutes(1),
            "skew {skew}: registered {registered}, central now {central_now}"
        );

        // The clerk is told, with how far and which way.
        let status = t.desk.sync_status().await.unwrap();
        assert!(status.clock_skewed, "skew {skew}");
        let offset = status.clock_offset_seconds.unwrap();
        assert!(
            (offset + skew.num_seconds()).abs() < 60,
            "offset {offset} for skew {skew}"
        );

        // Once the offset is known, the expiry the affiliate reads in the email is the
        // central one too; the station keeps judging its own token on its own clock.
        let online = t.register(later, "reloj.online@example.com").await;
        t.deliver().await;
        let email = &t.emails_to("reloj.online@example.com")[0];
        let central_expiry = chrono::Utc::now() + Duration::hours(24);
        let shown = |at: chrono::DateTime<chrono::Utc>| {
            at.with_timezone(&chrono::Local)
                .format("%d/%m/%Y a las %H:%M")
                .to_string()
        };
        assert!(
            [central_expiry, central_expiry - Duration::minutes(1)]
                .iter()
                .any(|at| email.text.contains(&shown(*at))),
            "skew {skew}: expected about {} in:\n{}",
            shown(central_expiry),
            email.text
        );
        t.desk.sync_once().await.unwrap();
        let (created, expires, central_now) = central_token_of(&admin, &online.folio).await;
        assert!((central_now - created).abs() < Duration::minutes(1));
        assert_eq!(expires - created, Duration::hours(24));
    }
}

#[tokio::test]
async fn a_small_skew_is_no_warning_and_the_tolerance_is_a_setting() {
    let pg = PgServer::start();
    central_database(&pg).await;
    let t = spawn_desk_with_clock_skew(Default::default(), Duration::minutes(3)).await;
    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(status.clock_offset_seconds, None, "nothing measured yet");
    assert!(!status.clock_skewed);

    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    t.desk.sync_once().await.unwrap();
    let status = t.desk.sync_status().await.unwrap();
    assert!(!status.clock_skewed, "3 minutes is within the default 5");
    assert!((status.clock_offset_seconds.unwrap() + 180).abs() < 60);

    t.desk.replace_settings(registro_core::config::Settings {
        clock_skew_warning_minutes: 2,
        ..t.desk.settings()
    });
    assert!(t.desk.sync_status().await.unwrap().clock_skewed);
}

#[tokio::test]
async fn the_offset_is_kept_across_a_restart_without_network() {
    let mut pg = PgServer::start();
    central_database(&pg).await;
    let t = spawn_desk_with_clock_skew(Default::default(), Duration::hours(-2)).await;
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    t.desk.sync_once().await.unwrap();
    pg.stop();

    let reopened = registro_core::Desk::open_with_clock(
        &t.paths,
        t.desk.settings(),
        &database_key(&t.paths),
        t.clock.clone(),
    )
    .await
    .unwrap();
    let status = reopened.sync_status().await.unwrap();
    assert!(status.clock_skewed);
    assert!((status.clock_offset_seconds.unwrap() - 7200).abs() < 60);
}

#[tokio::test]
async fn a_station_whose_clock_reads_years_ahead_cannot_make_its_account_version_win() {
    use registro_core::staff::NewStaffMember;
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    // "2030": a dead CMOS battery, or a clock set by hand.
    let ahead = spawn_desk_with_clock_skew(Default::default(), Duration::days(4 * 365)).await;
    let right = spawn_desk().await;
    for t in [&ahead, &right] {
        t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    }

    ahead.as_supervisor().await;
    ahead
        .desk
        .create_staff(&NewStaffMember {
            username: "laura.ficticia".into(),
            full_name: "Laura Ficticia Ejemplo".into(),
            role: "capturista".into(),
            password: "clave-del-futuro-1".into(),
            confirmation: "clave-del-futuro-1".into(),
        })
        .await
        .unwrap();
    ahead.desk.sync_once().await.unwrap();
    right.desk.sync_once().await.unwrap();

    // Later, by the central clock, the correct station's supervisor gives Laura a new
    // password; the station ahead is still writing "2030" on everything it does.
    right.as_supervisor().await;
    right
        .desk
        .reset_staff_password("laura.ficticia", "clave-de-hoy-12", "clave-de-hoy-12")
        .await
        .unwrap();
    right.desk.sync_once().await.unwrap();
    ahead.desk.sync_once().await.unwrap();
    right.desk.sync_once().await.unwrap();

    for t in [&ahead, &right] {
        t.desk.sign_out().await.unwrap();
        let err = t
            .desk
            .sign_in("laura.ficticia", "clave-del-futuro-1")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "credenciales_incorrectas");
        let laura = t
            .desk
            .sign_in("laura.ficticia", "clave-de-hoy-12")
            .await
            .unwrap();
        assert!(laura.must_change_password);
    }
    // The central copy of the version from "2030" is on the central clock too.
    let latest: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT max(changed_at) FROM staff_versions WHERE username = 'laura.ficticia'",
    )
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert!(latest < chrono::Utc::now() + Duration::minutes(1));
}

#[tokio::test]
async fn every_synced_column_exists_in_the_central_schema_and_states_read_back_typed() {
    use registro_core::domain::RegistrationState;
    use registro_core::sync::Entity;
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    for entity in Entity::ALL {
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1",
        )
        .bind(entity.table())
        .fetch_all(admin.pool())
        .await
        .unwrap();
        for column in entity.columns() {
            assert!(
                columns.iter().any(|c| c == column),
                "{}.{column}",
                entity.table()
            );
        }
    }
    let state: RegistrationState = sqlx::query_scalar("SELECT 'pendiente_validacion'::text")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(state, RegistrationState::PendingValidation);
}

/// Offline, a registration with a typo in the email is cancelled and the person registers
/// again: the cancellation reaches the central database before the new registration, so
/// the new one is not mistaken for a second live account of the same person.
#[tokio::test]
async fn cancelled_and_registered_again_while_offline_goes_up_without_a_conflict() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;

    let first = t.register(TITULAR, "ximena@exmaple.com").await;
    t.desk
        .cancel_registration(
            &first.registration_id,
            &supervisor_approval(),
            "Correo mal escrito; se registra de nuevo",
        )
        .await
        .unwrap();
    t.clock.advance(Duration::minutes(3));
    let second = t.register(TITULAR, "ximena@example.com").await;

    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    let report = t.desk.sync_once().await.unwrap();
    assert_eq!(report.conflicts, 0);
    assert!(t.desk.sync_status().await.unwrap().problems.is_empty());
    let states: Vec<(String, String)> =
        sqlx::query_as("SELECT folio, state FROM registrations ORDER BY created_at, folio")
            .fetch_all(admin.pool())
            .await
            .unwrap();
    assert_eq!(
        states,
        [
            (first.folio, "cancelada".to_owned()),
            (second.folio, "pendiente_validacion".to_owned())
        ]
    );
}

/// A central database that refuses the office (here: a role it does not know) is said in
/// Spanish with what to check; PostgreSQL's own words are kept in the detail. Not a wait.
#[tokio::test]
async fn a_refusal_from_the_central_database_is_said_in_spanish_with_its_detail_apart() {
    let pg = PgServer::start();
    central_database(&pg).await;
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(&pg, "oficina_desconocida")));
    let worker = tokio::spawn(t.desk.clone().run_sync(StdDuration::from_secs(60)));
    let mut status = t.desk.sync_status().await.unwrap();
    for _ in 0..100 {
        if status.last_error.is_some() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        status = t.desk.sync_status().await.unwrap();
    }
    worker.abort();
    assert!(!status.waiting_for_network);
    assert_eq!(
        status.last_error.as_deref(),
        Some(
            "La base central no aceptó el usuario o la contraseña de esta oficina: revise la dirección y la contraseña de la base central en «Ajustes»."
        )
    );
    let detail = status.last_error_detail.unwrap();
    assert!(detail.starts_with("28000: "), "{detail}");
    assert!(detail.contains("oficina_desconocida"), "{detail}");
}

/// One row the central database will not take (here a folio already there, as a
/// collision of random folios would be) is set aside with the reason; the other
/// registrations go up, and the next rounds do not stall on it.
#[tokio::test]
async fn a_registration_the_central_database_refuses_is_set_aside_and_the_rest_go_up() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    let refused = t.register(CURRENT_DEMO[0], "rechazado@example.com").await;
    let accepted = t.register(CURRENT_DEMO[1], "aceptado@example.com").await;
    // A rule of the central database that this one registration breaks.
    refuse_registrations_to(&pg, "rechazado@example.com");

    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    t.desk.sync_once().await.unwrap();
    let central_folios: Vec<String> = sqlx::query_scalar(
        "SELECT folio FROM registrations WHERE office_role = 'oficina_mexicali'",
    )
    .fetch_all(admin.pool())
    .await
    .unwrap();
    assert_eq!(central_folios, std::slice::from_ref(&accepted.folio));

    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(status.problems.len(), 1, "{:?}", status.problems);
    assert_eq!(status.problems[0].folio, refused.folio);
    let message = status.problems[0].message.clone().unwrap_or_default();
    assert!(message.contains("La base central no aceptó"), "{message}");
    // The next round goes on without it.
    t.register(CURRENT_DEMO[2], "despues@example.com").await;
    t.desk.sync_once().await.unwrap();
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM registrations WHERE office_role = 'oficina_mexicali'",
    )
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn a_folio_another_station_already_has_centrally_is_drawn_again_and_the_first_still_finds_it()
{
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    let receipt = t.register(CURRENT_DEMO[0], "ximena@example.com").await;
    t.deliver().await;
    // Another office's station drew the same folio the same day, and synced first.
    take_folio_elsewhere(&admin, &receipt.folio).await;

    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    t.desk.sync_once().await.unwrap();
    // Both are in the central database, each with its own folio; nothing is set aside.
    let central: Vec<(String, String)> =
        sqlx::query_as("SELECT folio, affiliation_number FROM registrations ORDER BY office_role")
            .fetch_all(admin.pool())
            .await
            .unwrap();
    assert_eq!(central.len(), 2, "{central:?}");
    let (new_folio, _) = central
        .iter()
        .find(|(_, number)| number == CURRENT_DEMO[0].0)
        .unwrap()
        .clone();
    assert_ne!(new_folio, receipt.folio);
    assert_eq!(new_folio[..10], receipt.folio[..10], "the same day");
    let status = t.desk.sync_status().await.unwrap();
    assert!(status.problems.is_empty(), "{:?}", status.problems);
    assert_eq!(status.records_waiting, 0);
    // Its consents, token and audit went up with it.
    assert_eq!(count(&admin, "consents").await, 4);
    assert_eq!(count(&admin, "validation_tokens").await, 1);

    // The desk reads the new folio, and the first one (on the receipt) still finds it.
    let found = t.desk.search(&receipt.folio).await.unwrap();
    assert_eq!(found.registrations.len(), 1);
    assert_eq!(found.registrations[0].folio, new_folio);
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    // The trail says why, here and centrally.
    t.desk.sync_once().await.unwrap();
    let detail: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'folio_reasignado'")
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(detail["anterior"], receipt.folio.as_str());
    assert_eq!(detail["nuevo"], new_folio.as_str());
    assert_eq!(
        sqlx::query_scalar::<_, String>("SELECT state FROM registrations WHERE folio = $1")
            .bind(&new_folio)
            .fetch_one(admin.pool())
            .await
            .unwrap(),
        "validada"
    );
}

/// Another office's station drew `folio` the same day, and synced first.
async fn take_folio_elsewhere(admin: &Central, folio: &str) {
    sqlx::query(
        "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                    family_grouping, office, workstation, clerk, created_at)
         VALUES (gen_random_uuid(), $1, '900900909', '+526865550199', 'otro@example.com',
                 'pendiente_validacion', FALSE, 'Tijuana', 'T1', 'capturista', now())",
    )
    .bind(folio)
    .execute(admin.pool())
    .await
    .unwrap();
}

/// The push pipelines its rounds: the next is claimed while the central database takes
/// this one, before this one's outcome is known. Rounds of three rows split each
/// registration (seven rows) across three rounds, so a registration the central database
/// sets aside has rows already claimed in the next round: they must wait with it, and
/// nothing of it may go up.
#[tokio::test]
async fn a_registration_split_across_push_rounds_goes_up_or_waits_whole() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let mexicali = spawn_desk().await;
    mexicali
        .register(CURRENT_DEMO[0], "mexicali@example.com")
        .await;
    mexicali
        .desk
        .use_central(Some(office(&pg, "oficina_mexicali")));
    mexicali.desk.sync_once().await.unwrap();

    // At Tijuana, offline: one that goes up, one whose affiliate Mexicali already has, one
    // the central database refuses, and one whose folio another station drew.
    let tijuana = spawn_desk().await;
    let accepted = tijuana
        .register(CURRENT_DEMO[1], "aceptado@example.com")
        .await;
    let conflicting = tijuana
        .register(CURRENT_DEMO[0], "tijuana@example.com")
        .await;
    let refused = tijuana
        .register(CURRENT_DEMO[2], "rechazado@example.com")
        .await;
    let redrawn = tijuana
        .register(CURRENT_DEMO[3], "nuevo-folio@example.com")
        .await;
    refuse_registrations_to(&pg, "rechazado@example.com");
    take_folio_elsewhere(&admin, &redrawn.folio).await;

    tijuana
        .desk
        .use_central(Some(office(&pg, "oficina_tijuana")));
    let report = tijuana
        .desk
        .sync_worker()
        .in_rounds_of(3)
        .sync_once()
        .await
        .unwrap();
    assert_eq!(report.conflicts, 1);

    // Centrally: the accepted one and the redrawn one, each whole; nothing of the other two.
    let central: Vec<(String, String)> = sqlx::query_as(
        "SELECT affiliation_number, folio FROM registrations
          WHERE office_role = 'oficina_tijuana' ORDER BY affiliation_number",
    )
    .fetch_all(admin.pool())
    .await
    .unwrap();
    let numbers: Vec<&str> = central.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        numbers,
        [CURRENT_DEMO[1].0, CURRENT_DEMO[3].0],
        "{central:?}"
    );
    let new_folio = &central[1].1;
    assert_ne!(new_folio, &redrawn.folio, "a new folio was drawn");
    for (receipt, consents, tokens) in [
        (&accepted, 4, 1),
        (&redrawn, 4, 1),
        (&conflicting, 0, 0),
        (&refused, 0, 0),
    ] {
        let (central_consents, central_tokens): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM consents WHERE registration_id = $1::uuid),
                    (SELECT count(*) FROM validation_tokens WHERE registration_id = $1::uuid)",
        )
        .bind(&receipt.registration_id)
        .fetch_one(admin.pool())
        .await
        .unwrap();
        assert_eq!(
            (central_consents, central_tokens),
            (consents, tokens),
            "{}",
            receipt.folio
        );
    }

    // Here: the two that went are in sync; the other two are the clerk's two problems,
    // every row of theirs waiting; no row is left frozen as being sent.
    let status = tijuana.desk.sync_status().await.unwrap();
    let mut problems: Vec<(&str, &str)> = status
        .problems
        .iter()
        .map(|p| (p.folio.as_str(), p.sync_state.as_str()))
        .collect();
    problems.sort();
    let mut expected = vec![
        (conflicting.folio.as_str(), "conflicto"),
        (refused.folio.as_str(), "error"),
    ];
    expected.sort();
    assert_eq!(problems, expected);
    for (receipt, waiting) in [
        (&accepted, 0),
        (&redrawn, 0),
        (&conflicting, 7),
        (&refused, 6),
    ] {
        let not_synced = tijuana
            .scalar_i64(&format!(
                "SELECT count(*) FROM sync_queue WHERE registration_id = '{}' AND state <> 'sincronizado'",
                receipt.registration_id
            ))
            .await;
        assert_eq!(not_synced, waiting, "{}", receipt.folio);
    }
    assert_eq!(
        tijuana
            .scalar_i64("SELECT count(*) FROM sync_queue WHERE state = 'enviando'")
            .await,
        0
    );
}

/// Every queued row with its payload, in queue order.
async fn queued_payloads(t: &TestDesk) -> Vec<(i64, String, String)> {
    sqlx::query_as(
        "SELECT q.seq, q.state, p.payload FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
          ORDER BY q.seq",
    )
    .fetch_all(t.desk.store().reader())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_queue_kept_with_its_payloads_inside_keeps_them_apart_after_migrating_and_pushes_them() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    for (i, who) in CURRENT_DEMO.iter().take(2).enumerate() {
        t.register(*who, &format!("antes{i}@example.com")).await;
    }
    t.desk.sync_once().await.unwrap();
    for (i, who) in CURRENT_DEMO.iter().skip(2).take(2).enumerate() {
        t.register(*who, &format!("despues{i}@example.com")).await;
    }
    let before = queued_payloads(&t).await;
    let waiting = before.iter().filter(|(_, s, _)| s == "pendiente").count();
    assert!(
        waiting > 0 && waiting < before.len(),
        "some synced, some waiting"
    );

    // As an older version left it: each payload inside its queue row, and the migration
    // not in the ledger.
    for sql in [
        "ALTER TABLE sync_queue ADD COLUMN payload TEXT",
        "UPDATE sync_queue SET payload = (SELECT p.payload FROM sync_payloads p WHERE p.seq = sync_queue.seq)",
        "DROP TABLE sync_payloads",
        "DELETE FROM _sqlx_migrations WHERE version = 20261202000015",
    ] {
        sqlx::query(sql)
            .execute(t.desk.store().writer())
            .await
            .unwrap();
    }
    close_database_here(t.desk.store()).await;

    // The new version opens it: the same rows, states and payloads, the column gone (and
    // after them, the clerk's new sign-in).
    let t = reopen_desk(dir.path()).await;
    assert_eq!(queued_payloads(&t).await[..before.len()], before);
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM pragma_table_info('sync_queue') WHERE name = 'payload'")
            .await,
        0
    );

    // A row queued now follows the old ones; everything waiting goes up once.
    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    let last = t.register(CURRENT_DEMO[4], "nueva@example.com").await;
    let first_new: i64 =
        sqlx::query_scalar("SELECT min(seq) FROM sync_queue WHERE registration_id = ?")
            .bind(&last.registration_id)
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert!(first_new > before.last().unwrap().0);
    t.desk.sync_once().await.unwrap();
    assert_eq!(count(&admin, "registrations").await, 5);
    assert_eq!(count(&admin, "consents").await, 20);
    assert_eq!(t.desk.sync_status().await.unwrap().changes_waiting, 0);
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM sync_queue WHERE state <> 'sincronizado'")
            .await,
        0
    );
}
