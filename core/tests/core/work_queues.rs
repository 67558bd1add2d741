//! «Pendientes»: what a clerk finds waiting, and what the desk does about it there.

use chrono::Duration;
use registro_core::config::Settings;
use registro_core::domain::EmailState;
use registro_core::outbox::Transport;
use registro_core::staff::SupervisorApproval;
use registro_core::sync::Central;
use registro_core::work_queues::SyncProblemKind;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;

/// Every email from now on fails to leave (the outbox folder is a file).
fn break_the_outbox(t: &TestDesk) {
    let broken = t.paths.root.join("no-es-carpeta");
    std::fs::write(&broken, b"").unwrap();
    t.desk.use_transport(Transport::Files {
        dir: broken.clone(),
        inner: lettre::AsyncFileTransport::new(&broken),
    });
}

fn mend_the_outbox(t: &TestDesk) {
    t.desk
        .use_transport(Transport::files(&t.paths.outbox_files()).unwrap());
}

#[tokio::test]
async fn pending_registrations_come_oldest_first_and_the_last_hours_are_marked() {
    let t = spawn_desk().await;
    let older = t.register(TITULAR, "ximena@example.com").await;
    // 56 of the 72 hours later: the first one has less than a quarter of its time left.
    t.away(Duration::hours(56)).await;
    let newer = t.register(BENEFICIARY, "benito@example.com").await;

    let queues = t.desk.work_queues().await.unwrap();
    let folios: Vec<&str> = queues.pending.iter().map(|p| p.folio.as_str()).collect();
    assert_eq!(folios, [older.folio.as_str(), newer.folio.as_str()]);
    assert!(queues.pending[0].expiring_soon);
    assert!(!queues.pending[1].expiring_soon);
    assert_eq!(
        queues.pending[0].expires_at.unwrap() - queues.pending[0].created_at,
        Duration::hours(72)
    );
    assert_eq!(
        queues.pending[0].full_name.as_deref().map(str::is_empty),
        Some(false)
    );
    assert_eq!((queues.counts.pending, queues.counts.expiring_soon), (2, 1));
    assert_eq!(queues.counts.needing_attention(), 1);

    // Past its 72 hours it is no longer waiting for anyone.
    t.away(Duration::hours(17)).await;
    let queues = t.desk.work_queues().await.unwrap();
    let folios: Vec<&str> = queues.pending.iter().map(|p| p.folio.as_str()).collect();
    assert_eq!(folios, [newer.folio.as_str()]);
}

#[tokio::test]
async fn after_an_outage_every_email_that_did_not_leave_goes_again_in_one_click() {
    let settings = Settings {
        outbox_max_attempts: 1,
        ..Default::default()
    };
    let t = spawn_desk_with(settings).await;
    let first = t.register(TITULAR, "ximena@example.com").await;
    break_the_outbox(&t);
    // It keeps waiting (nothing but a refused recipient gives an email up); past the set
    // attempts it is listed.
    assert_eq!(t.deliver().await.retried, 1);
    // The second was being handed over when the station went down.
    let second = t.register(BENEFICIARY, "benito@example.com").await;
    sqlx::query(
        "UPDATE outbox_messages SET state = 'enviando' WHERE recipient = 'benito@example.com'",
    )
    .execute(t.desk.store().writer())
    .await
    .unwrap();
    t.desk.outbox_worker().recover_interrupted().await.unwrap();

    let queues = t.desk.work_queues().await.unwrap();
    let listed: Vec<(&str, EmailState)> = queues
        .emails
        .iter()
        .map(|e| (e.folio.as_str(), e.state))
        .collect();
    assert_eq!(
        listed,
        [
            (first.folio.as_str(), EmailState::Queued),
            (second.folio.as_str(), EmailState::Uncertain)
        ]
    );
    assert_eq!(queues.emails[0].recipient_masked, "xi***@example.com");
    assert!(queues.emails[0].last_error.is_some());
    assert_eq!(
        t.desk.sync_status().await.unwrap().emails_needing_attention,
        2
    );

    // The server is back; the resend waits for its cooldown like the single one.
    mend_the_outbox(&t);
    let early = t.desk.resend_all_emails().await.unwrap();
    assert!(early.resent.is_empty());
    assert_eq!(early.skipped.len(), 2);
    assert!(
        early.skipped[0].message.contains("Espere"),
        "{:?}",
        early.skipped
    );

    t.clock.advance(Duration::seconds(61));
    let outcome = t.desk.resend_all_emails().await.unwrap();
    assert_eq!(outcome.resent, [first.folio.clone(), second.folio.clone()]);
    assert!(outcome.skipped.is_empty());
    assert_eq!(t.deliver().await.sent, 2);
    // Each affiliate gets a working code.
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&first.folio, &code)
        .await
        .unwrap();
    assert_eq!(t.emails_to("benito@example.com").len(), 1);

    let queues = t.desk.work_queues().await.unwrap();
    assert!(queues.emails.is_empty(), "{:?}", queues.emails);
    assert_eq!(
        t.desk.sync_status().await.unwrap().emails_needing_attention,
        0
    );
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'correo_validacion_reenviado'"
        )
        .await,
        2
    );
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'correos_reenviados_en_bloque'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_temporary_password_that_did_not_leave_is_replaced_by_a_new_one() {
    let settings = Settings {
        outbox_max_attempts: 1,
        ..Default::default()
    };
    let t = spawn_desk_with(settings).await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    break_the_outbox(&t);
    assert_eq!(t.deliver().await.retried, 1);

    let queues = t.desk.work_queues().await.unwrap();
    assert_eq!(queues.emails.len(), 1);
    let email = &queues.emails[0];
    assert_eq!(email.kind.as_str(), "contrasena_temporal");

    mend_the_outbox(&t);
    let folio = t.desk.resend_email(&email.email_id).await.unwrap();
    assert_eq!(folio, receipt.folio);
    assert_eq!(t.deliver().await.sent, 1);
    let emails = t.emails_to("ximena@example.com");
    assert_eq!(
        emails.len(),
        2,
        "the validation email, then the new password"
    );
    assert!(t.desk.work_queues().await.unwrap().emails.is_empty());
    // A second click on the same row finds nothing left to do.
    let err = t.desk.resend_email(&email.email_id).await.unwrap_err();
    assert_eq!(err.code(), "correo_sin_pendiente");
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'contrasena_temporal_reemitida'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_locked_affiliation_number_is_listed_and_a_supervisor_releases_it() {
    let t = spawn_desk().await;
    for _ in 0..5 {
        let _ = t.desk.identify_affiliate(TITULAR.0, "DEMO0000000").await;
    }
    let err = t
        .desk
        .identify_affiliate(TITULAR.0, TITULAR.1)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "afiliacion_bloqueada");

    let queues = t.desk.work_queues().await.unwrap();
    assert_eq!(queues.locked.len(), 1);
    assert_eq!(queues.locked[0].affiliation_number, TITULAR.0);
    assert_eq!(queues.locked[0].failures, 5);
    assert_eq!(queues.counts.locked, 1);

    // A clerk cannot release it alone, nor without a reason.
    let wrong = SupervisorApproval {
        username: supervisor_approval().username,
        password: "no-es-la-clave".into(),
    };
    let err = t
        .desk
        .release_affiliation_lock(TITULAR.0, &wrong, "Credencial revisada en persona")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "supervisor_rechazado");
    let err = t
        .desk
        .release_affiliation_lock(TITULAR.0, &supervisor_approval(), "")
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].code, "requerido");
    assert_eq!(t.desk.work_queues().await.unwrap().locked.len(), 1);

    t.desk
        .release_affiliation_lock(
            "900 100 101",
            &supervisor_approval(),
            "Credencial revisada en persona",
        )
        .await
        .unwrap();
    assert!(t.desk.work_queues().await.unwrap().locked.is_empty());
    t.desk
        .identify_affiliate(TITULAR.0, TITULAR.1)
        .await
        .unwrap();
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'afiliacion_desbloqueada'
               AND clerk = 'supervisora' AND json_extract(detail, '$.capturista') = 'capturista.prueba'"
        )
        .await,
        1
    );
    let err = t
        .desk
        .release_affiliation_lock(TITULAR.0, &supervisor_approval(), "Otra vez por error")
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].code, "no_bloqueada");
}

#[tokio::test]
async fn conflicts_and_records_the_central_database_refused_are_listed_with_their_reason() {
    let pg = PgServer::start();
    central_database(&pg).await;
    let mexicali = spawn_desk().await;
    let tijuana = spawn_desk().await;
    mexicali.register(TITULAR, "a@example.com").await;
    let conflicting = tijuana.register(TITULAR, "b@example.com").await;
    // A rule of the central database this registration breaks: it is set aside.
    let refused = tijuana.register(BENEFICIARY, "c@example.com").await;
    refuse_registrations_to(&pg, "c@example.com");
    let office = |role: &str| Central::new(&pg.url_as(role, "central"), None).unwrap();
    mexicali.desk.use_central(Some(office("oficina_mexicali")));
    tijuana.desk.use_central(Some(office("oficina_tijuana")));
    mexicali.desk.sync_once().await.unwrap();
    tijuana.desk.sync_once().await.unwrap();

    let queues = tijuana.desk.work_queues().await.unwrap();
    assert_eq!(queues.counts.sync_problems, 2, "{:?}", queues.sync_problems);
    let conflict = queues
        .sync_problems
        .iter()
        .find(|p| p.kind == SyncProblemKind::Conflict)
        .unwrap();
    assert_eq!(conflict.folio.as_deref(), Some(conflicting.folio.as_str()));
    assert!(conflict.rows > 0);
    let held = queues
        .sync_problems
        .iter()
        .find(|p| p.kind == SyncProblemKind::Held)
        .unwrap();
    assert_eq!(held.folio.as_deref(), Some(refused.folio.as_str()));
    assert!(
        held.reason.contains("La base central no aceptó"),
        "{}",
        held.reason
    );
    // The office that got there first has nothing waiting.
    assert!(
        mexicali
            .desk
            .work_queues()
            .await
            .unwrap()
            .sync_problems
            .is_empty()
    );
}

#[tokio::test]
async fn the_screen_refreshing_itself_does_not_keep_the_session_open() {
    let t = spawn_desk().await;
    // Eleven idle minutes (the lock comes after ten) of the status bar asking every few seconds.
    for _ in 0..132 {
        t.clock.advance(Duration::seconds(5));
        let _ = t.desk.work_queues().await;
    }
    assert_eq!(
        t.desk.work_queues().await.unwrap_err().code(),
        "sesion_bloqueada"
    );
}
