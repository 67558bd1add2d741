//! What an office may not do in the central database, refused by PostgreSQL itself
//! whatever a station sends: each test connects with an office's own login role, as a
//! tampered station would, and checks what the institute would see afterwards.

use registro_core::sync::Central;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::*;

fn office(pg: &PgServer, role: &str) -> Central {
    Central::new(&pg.url_as(role, "central"), None).unwrap()
}

/// PostgreSQL's answer to a row or privilege an office does not have.
fn assert_refused<T: std::fmt::Debug>(result: Result<T, sqlx::Error>, what: &str) {
    match result {
        Err(sqlx::Error::Database(e)) => {
            assert_eq!(e.code().as_deref(), Some("42501"), "{what}: {e}")
        }
        other => panic!("an office must not {what}: {other:?}"),
    }
}

/// A registration made and synced by a Mexicali station.
async fn mexicali_registration(pg: &PgServer) -> (TestDesk, String) {
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(pg, "oficina_mexicali")));
    let receipt = t.register(TITULAR, "titular@example.com").await;
    t.desk.sync_once().await.unwrap();
    (t, receipt.registration_id)
}

async fn central_state(admin: &Central, registration_id: &str) -> String {
    sqlx::query_scalar("SELECT state FROM registrations WHERE id = $1::uuid")
        .bind(registration_id)
        .fetch_one(admin.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_office_can_insert_a_registration_only_as_pending() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let tijuana = office(&pg, "oficina_tijuana");
    let insert = |affiliation: &'static str, state: &'static str| {
        sqlx::query(
            "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                        family_grouping, office, workstation, clerk, created_at)
             VALUES (gen_random_uuid(), 'TIJ-' || $1, $1, '+526865550142', 'x@example.com', $2,
                     FALSE, 'Tijuana', 'T1', 'capturista', now())",
        )
        .bind(affiliation)
        .bind(state)
        .execute(tijuana.pool())
    };
    for (affiliation, state) in [
        ("900100101", "validada"),
        ("900100102", "activa"),
        ("900100103", "cancelada"),
        ("900200201", "expirada"),
    ] {
        assert_refused(
            insert(affiliation, state).await,
            &format!("insert a registration already {state}"),
        );
    }
    // Nor can a pending one arrive with a validation or a closing of its own.
    assert_refused(
        sqlx::query(
            "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                        family_grouping, office, workstation, clerk, created_at,
                                        validated_at, validated_by)
             VALUES (gen_random_uuid(), 'TIJ-X', '900200202', '+526865550142', 'x@example.com',
                     'pendiente_validacion', FALSE, 'Tijuana', 'T1', 'capturista', now(), now(),
                     'enlace')",
        )
        .execute(tijuana.pool())
        .await,
        "insert a registration with its validation filled in",
    );
    insert("900300301", "pendiente_validacion").await.unwrap();

    let states: Vec<String> = sqlx::query_scalar("SELECT state FROM registrations")
        .fetch_all(admin.pool())
        .await
        .unwrap();
    assert_eq!(states, ["pendiente_validacion"]);
}

#[tokio::test]
async fn an_office_cannot_insert_accounts_and_a_desk_validation_still_makes_one() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let (t, registration_id) = mexicali_registration(&pg).await;
    let mexicali = office(&pg, "oficina_mexicali");
    assert_refused(
        sqlx::query(
            "INSERT INTO accounts (registration_id, username, password_hash, must_change_password,
                                   password_set_at)
             VALUES ($1::uuid, '900100101', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', FALSE, now())",
        )
        .bind(&registration_id)
        .execute(mexicali.pool())
        .await,
        "insert an affiliate account, even for its own registration",
    );
    let accounts = || async {
        sqlx::query_as::<_, (String, bool)>(
            "SELECT username, must_change_password FROM accounts WHERE registration_id = $1::uuid",
        )
        .bind(&registration_id)
        .fetch_all(admin.pool())
        .await
        .unwrap()
    };
    assert!(accounts().await.is_empty());

    // The desk's own way: validated with the code, the account arrives inside the event
    // and the database makes it, under the affiliate's number, temporary.
    t.deliver().await;
    let code = t.emails_to("titular@example.com")[0].validation_code();
    let folio: String = sqlx::query_scalar("SELECT folio FROM registrations WHERE id = $1::uuid")
        .bind(&registration_id)
        .fetch_one(admin.pool())
        .await
        .unwrap();
    t.desk.validate_with_code(&folio, &code).await.unwrap();
    t.desk.sync_once().await.unwrap();
    assert_eq!(central_state(&admin, &registration_id).await, "validada");
    assert_eq!(accounts().await, [(TITULAR.0.to_owned(), true)]);
}

/// A station updated with rows still queued the old way (the account as its own row, the
/// validation event without it): the account arrives all the same, wrapped in its event.
#[tokio::test]
async fn an_account_queued_by_an_earlier_version_still_arrives_through_its_event() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "titular@example.com").await;
    t.deliver().await;
    let code = t.emails_to("titular@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    let writer = t.desk.store().writer();
    sqlx::query(
        "UPDATE sync_payloads SET payload = json_remove(payload, '$.payload.cuenta')
          WHERE seq IN (SELECT seq FROM sync_queue WHERE entity = 'evento' AND registration_id = ?)",
    )
    .bind(&receipt.registration_id)
    .execute(writer)
    .await
    .unwrap();
    let hashes_in_events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
          WHERE q.entity = 'evento' AND p.payload LIKE '%password_hash%'",
    )
    .fetch_one(writer)
    .await
    .unwrap();
    assert_eq!(
        hashes_in_events, 0,
        "the event as an earlier version queued it"
    );
    for sql in [
        "INSERT INTO sync_queue (id, entity, registration_id, created_at)
         SELECT 'cuenta-' || registration_id, 'cuenta', registration_id, password_set_at
           FROM accounts WHERE registration_id = ?",
        "INSERT INTO sync_payloads (seq, payload)
         SELECT q.seq,
                json_object('registration_id', a.registration_id, 'username', a.username,
                            'password_hash', a.password_hash,
                            'must_change_password', json(CASE a.must_change_password WHEN 1 THEN 'true' ELSE 'false' END),
                            'password_set_at', a.password_set_at)
           FROM accounts a JOIN sync_queue q ON q.id = 'cuenta-' || a.registration_id
          WHERE a.registration_id = ?",
    ] {
        sqlx::query(sql)
            .bind(&receipt.registration_id)
            .execute(writer)
            .await
            .unwrap();
    }

    t.desk.use_central(Some(office(&pg, "oficina_mexicali")));
    t.desk.sync_once().await.unwrap();
    assert_eq!(
        central_state(&admin, &receipt.registration_id).await,
        "validada"
    );
    let username: String =
        sqlx::query_scalar("SELECT username FROM accounts WHERE registration_id = $1::uuid")
            .bind(&receipt.registration_id)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(username, TITULAR.0);
    assert_eq!(t.desk.sync_status().await.unwrap().changes_waiting, 0);
}

#[tokio::test]
async fn an_office_cannot_insert_events_against_another_offices_registration() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let (_mexicali, registration_id) = mexicali_registration(&pg).await;
    let tijuana = office(&pg, "oficina_tijuana");
    for (kind, payload) in [
        ("cancelado", r#"{"motivo": "a propósito"}"#),
        ("correo_corregido", r#"{"email": "ladron@example.com"}"#),
        ("validado_en_ventanilla", r#"{"metodo": "ventanilla"}"#),
        ("telefono_corregido", r#"{"telefono": "+526865559999"}"#),
        ("datos_suprimidos", r#"{"derecho": "oposicion"}"#),
    ] {
        assert_refused(
            sqlx::query(
                "INSERT INTO registration_events (id, registration_id, kind, payload, occurred_at)
                 VALUES (gen_random_uuid(), $1::uuid, $2, $3::jsonb, now())",
            )
            .bind(&registration_id)
            .bind(kind)
            .bind(payload)
            .execute(tijuana.pool())
            .await,
            &format!("insert a «{kind}» event into another office's registration"),
        );
    }

    // Nor through one of its own: an event naming another office's token leaves it alone.
    let t = spawn_desk().await;
    t.desk.use_central(Some(office(&pg, "oficina_tijuana")));
    let own = t.register(BENEFICIARY, "beneficiario@example.com").await;
    t.desk.sync_once().await.unwrap();
    let token_id: String = sqlx::query_scalar(
        "SELECT id::text FROM validation_tokens WHERE registration_id = $1::uuid",
    )
    .bind(&registration_id)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO registration_events (id, registration_id, kind, payload, occurred_at)
         VALUES (gen_random_uuid(), $1::uuid, 'token_agotado', jsonb_build_object('token_id', $2), now())",
    )
    .bind(&own.registration_id)
    .bind(&token_id)
    .execute(tijuana.pool())
    .await
    .unwrap();

    let (state, email): (String, String) =
        sqlx::query_as("SELECT state, email FROM registrations WHERE id = $1::uuid")
            .bind(&registration_id)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), email.as_str()),
        ("pendiente_validacion", "titular@example.com")
    );
    let token_state: String =
        sqlx::query_scalar("SELECT state FROM validation_tokens WHERE id = $1::uuid")
            .bind(&token_id)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(token_state, "activo");
}

#[tokio::test]
async fn an_office_cannot_insert_tokens_or_consents_against_another_offices_registration() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let (_mexicali, registration_id) = mexicali_registration(&pg).await;
    let tijuana = office(&pg, "oficina_tijuana");
    assert_refused(
        sqlx::query(
            "INSERT INTO validation_tokens (id, registration_id, link_sha256, code_sha256, state,
                                            created_at, expires_at)
             VALUES (gen_random_uuid(), $1::uuid, repeat('a', 64), repeat('b', 64), 'activo', now(),
                     now() + interval '1 day')",
        )
        .bind(&registration_id)
        .execute(tijuana.pool())
        .await,
        "issue a link for another office's registration",
    );
    assert_refused(
        sqlx::query(
            "INSERT INTO consents (id, registration_id, document_kind, document_version,
                                   document_sha256, accepted, decided_at, method, clerk, office,
                                   workstation)
             VALUES (gen_random_uuid(), $1::uuid, 'aviso_integral', 1, repeat('c', 64), FALSE,
                     now(), 'ventanilla', 'capturista', 'Tijuana', 'T1')",
        )
        .bind(&registration_id)
        .execute(tijuana.pool())
        .await,
        "record a consent for another office's registration",
    );
    let links: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM validation_tokens WHERE registration_id = $1::uuid",
    )
    .bind(&registration_id)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(links, 1, "only the link its own office sent");
    let refusals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consents WHERE registration_id = $1::uuid AND NOT accepted",
    )
    .bind(&registration_id)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert_eq!(
        refusals, 0,
        "the affiliate's answers are the ones given at the desk"
    );
}

#[tokio::test]
async fn an_office_cannot_publish_legal_documents() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let (_mexicali, _) = mexicali_registration(&pg).await;
    let mexicali = office(&pg, "oficina_mexicali");
    assert_refused(
        sqlx::query(
            "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
             VALUES ('aviso_integral', 99, 'Aviso falso', 'Cedo mis datos.', repeat('d', 64), now())",
        )
        .execute(mexicali.pool())
        .await,
        "publish a legal text",
    );
    // The texts come from the administrator (`--migrar`), and every consent points to one.
    let versions: Vec<(String, i32)> =
        sqlx::query_as("SELECT kind, version FROM legal_documents ORDER BY kind, version")
            .fetch_all(mexicali.pool())
            .await
            .unwrap();
    assert_eq!(
        versions.len(),
        8,
        "versions 1 and 2 of four texts: {versions:?}"
    );
    assert!(versions.iter().all(|(_, version)| *version <= 2));
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consents c
          WHERE NOT EXISTS (SELECT 1 FROM legal_documents d
                             WHERE d.kind = c.document_kind AND d.version = c.document_version
                               AND d.sha256 = c.document_sha256)",
    )
    .fetch_one(admin.pool())
    .await
    .unwrap();
    let consents: i64 = sqlx::query_scalar("SELECT count(*) FROM consents")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert!(consents > 0);
    assert_eq!(
        orphans, 0,
        "a consent to a text the institute does not hold"
    );
}

#[tokio::test]
async fn an_office_runs_no_security_definer_function_but_the_one_granted_to_it() {
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    pg.psql("central", "CREATE ROLE curioso LOGIN");
    let runnable = |central: Central| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' AND p.prosecdef
                AND has_function_privilege(p.oid, 'EXECUTE')
              ORDER BY 1",
        )
        .fetch_all(central.pool())
        .await
        .unwrap()
    };
    assert!(
        runnable(admin).await.len() >= 3,
        "the schema's own functions with the owner's rights"
    );
    assert_eq!(
        runnable(office(&pg, "oficina_mexicali")).await,
        // report_facts: the office's own report figures (reports.rs); «Buscar» across the
        // stations and the desk's requests to the central service (across_stations.rs).
        [
            "live_registration_of",
            "report_facts",
            "request_from_desk",
            "search_across_stations"
        ]
    );
    assert!(runnable(office(&pg, "servicio_central")).await.is_empty());
    assert!(runnable(office(&pg, "curioso")).await.is_empty());
    assert_refused(
        sqlx::query("SELECT * FROM live_registration_of('900100101')")
            .execute(office(&pg, "curioso").pool())
            .await,
        "ask who has a live registration (a role that is no office)",
    );
    assert_refused(
        sqlx::query("SELECT * FROM search_across_stations('900100101', '', '', '', NULL, 50)")
            .execute(office(&pg, "curioso").pool())
            .await,
        "search the registrations (a role that is no office)",
    );
}
