//! «Buscar» beyond the station, across the real parts: a registration made at one station
//! of the Mexicali office is found at another, and acted on there through the central
//! database and the central service (new validation email, new temporary password,
//! corrected email, cancellation), each audited centrally; the Tijuana office finds a
//! live registration only by its number or folio, with the email masked, and may only
//! ask for emails to the address on record; offline the search says it looked here only.

use crate::world::*;
use registro_core::config::Settings;
use registro_core::search::SearchReach;
use registro_core::sync::Central;
use registro_test_support::*;

const RENATA: (&str, &str) = ("900100103", "DEMO4821909");
const JOAQUIN: (&str, &str) = ("900200201", "DEMO5930114");

/// A station of `office` connected as the office's database role; it never syncs here,
/// so the only way it knows another station's registration is the central search.
async fn station_of(w: &World, role: &str, office: &str, workstation: &str) -> TestDesk {
    let t = spawn_desk_with(Settings {
        link_base_url: w.base.clone(),
        office: office.into(),
        workstation: workstation.into(),
        ..Default::default()
    })
    .await;
    t.desk.use_central(Some(
        Central::new(&w.pg.url_as(role, "central"), None).unwrap(),
    ));
    t
}

#[tokio::test]
async fn another_station_of_the_office_finds_the_registration_and_acts_on_it_through_the_central_service()
 {
    let w = world().await;
    let a = desk_for(&w).await;
    let ximena = a.register(TITULAR, "ximena@example.com").await;
    let renata = a.register(RENATA, "renata@example.com").await;
    let joaquin = a.register(JOAQUIN, "joaquin@example.com").await;
    a.deliver().await;
    a.desk.sync_once().await.unwrap();
    let first_link = link_of(&a, "ximena@example.com");

    let b = station_of(&w, "oficina_mexicali", "Oficina Mexicali", "VENTANILLA-2").await;

    // By affiliation number, by folio and by a part of the name without accents.
    for query in [TITULAR.0, ximena.folio.as_str(), "ximena ocampo larranaga"] {
        let found = b.desk.search(query).await.unwrap();
        assert_eq!(found.reach, SearchReach::Central, "{query}");
        assert!(found.registrations.is_empty(), "B holds nothing of its own");
        assert_eq!(found.elsewhere.len(), 1, "{query}: {:?}", found.elsewhere);
        let row = &found.elsewhere[0];
        assert_eq!(row.folio, ximena.folio);
        assert!(row.own_office);
        assert_eq!(row.email, "ximena@example.com");
        assert_eq!(row.state.as_str(), "pendiente_validacion");
        assert!(row.full_name.as_deref().unwrap().contains("Ximena"));
    }

    // A new validation email, from the central service to the address on record.
    let sent = b
        .desk
        .request_validation_email_elsewhere(&ximena.registration_id)
        .await
        .unwrap();
    assert_eq!(sent.email_masked, "xi***@example.com");
    assert_eq!(sent.expires_at, None);
    let text = wait_smtp(&w.smtp, "ximena@example.com", 1).await;
    assert!(text.contains(&ximena.folio), "{text}");
    assert!(
        !text.contains("código"),
        "no code a desk could not take: {text}"
    );
    let again = b
        .desk
        .request_validation_email_elsewhere(&ximena.registration_id)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "reenvio_muy_pronto", "{again}");

    // The station's first link was replaced; the new one validates.
    let (status, page) = get(&first_link).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("Este enlace fue reemplazado"), "{page}");
    let new_link = w
        .smtp
        .received()
        .into_iter()
        .rfind(|e| e.to.contains("ximena@example.com"))
        .unwrap()
        .link();
    assert!(new_link.starts_with(&w.base), "{new_link}");
    let (status, page) = open_and_confirm(&new_link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Su cuenta quedó validada"), "{page}");
    wait_smtp(&w.smtp, "ximena@example.com", 2).await;

    // The station that made it learns it at its next sync.
    a.desk.sync_once().await.unwrap();
    assert_eq!(a.state_of(&ximena.registration_id).await, "validada");

    // A new temporary password: it replaces the one just sent, and it is the one that works.
    let refused = b
        .desk
        .request_temporary_password_elsewhere(&ximena.registration_id, " ")
        .await
        .unwrap_err();
    assert_eq!(refused.field(), Some(registro_core::domain::Field::Reason));
    b.desk
        .request_temporary_password_elsewhere(&ximena.registration_id, "Olvidó su contraseña")
        .await
        .unwrap();
    let text = wait_smtp(&w.smtp, "ximena@example.com", 3).await;
    assert!(text.contains("reemplaza"), "{text}");
    let password = line_after(&text, "Contraseña temporal: ").to_owned();
    let hash = central_text(&w, "SELECT password_hash FROM accounts").await;
    assert!(registro_core::security::verify_password(&password, &hash));

    // Audited centrally with who asked, from where and why.
    let audited = central_text(
        &w,
        &format!(
            "SELECT string_agg(action || '/' || clerk || '/' || workstation || '/' || (detail ->> 'resultado'), ' ' ORDER BY occurred_at)
               FROM audit_events WHERE registration_id = '{}' AND detail ? 'pedido_desde_otra_estacion'",
            ximena.registration_id
        ),
    )
    .await;
    assert_eq!(
        audited,
        format!(
            "correo_validacion_reenviado/{0}/VENTANILLA-2/en_cola contrasena_temporal_reemitida/{0}/VENTANILLA-2/en_cola",
            CLERK.0
        )
    );

    // The email corrected from B: a validation email to the new address only.
    let refused = b
        .desk
        .correct_email_elsewhere(
            &renata.registration_id,
            "renata@gmial.com",
            "renata@gmial.com",
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field_errors()[0].code, "posible_error", "{refused}");
    b.desk
        .correct_email_elsewhere(
            &renata.registration_id,
            "renata.ocampo@example.org",
            "renata.ocampo@example.org",
            false,
        )
        .await
        .unwrap();
    let text = wait_smtp(&w.smtp, "renata.ocampo@example.org", 1).await;
    assert!(text.contains(&renata.folio));
    assert!(
        w.smtp
            .received()
            .iter()
            .all(|e| !e.to.contains("renata@example.com")),
        "nothing central went to the old address"
    );
    a.desk.sync_once().await.unwrap();
    let detail = a
        .desk
        .registration_detail(&renata.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.summary.email, "renata.ocampo@example.org");

    // Cancelled from B, with a supervisor's approval; A learns it.
    let wrong = registro_core::staff::SupervisorApproval {
        password: "otra-clave-cualquiera".into(),
        ..supervisor_approval()
    };
    assert!(
        b.desk
            .cancel_elsewhere(&joaquin.registration_id, &wrong, "Lo pidió el afiliado")
            .await
            .is_err()
    );
    b.desk
        .cancel_elsewhere(
            &joaquin.registration_id,
            &supervisor_approval(),
            "Lo pidió el afiliado",
        )
        .await
        .unwrap();
    a.desk.sync_once().await.unwrap();
    assert_eq!(a.state_of(&joaquin.registration_id).await, "cancelada");
    let found = b.desk.search(JOAQUIN.0).await.unwrap();
    assert_eq!(found.elsewhere[0].state.as_str(), "cancelada");
}

#[tokio::test]
async fn another_office_sees_a_live_registration_only_by_number_or_folio_and_offline_says_this_station_only()
 {
    let mut w = world().await;
    let a = desk_for(&w).await;
    let ximena = a.register(TITULAR, "ximena@example.com").await;
    a.deliver().await;
    a.desk.sync_once().await.unwrap();

    let tijuana = station_of(&w, "oficina_tijuana", "Oficina Tijuana", "TIJ-1").await;
    let by_name = tijuana.desk.search("Ximena Ocampo").await.unwrap();
    assert_eq!(by_name.reach, SearchReach::Central);
    assert!(
        by_name.elsewhere.is_empty(),
        "another office's names are not searchable"
    );
    let by_email = tijuana.desk.search("ximena@example.com").await.unwrap();
    assert!(by_email.elsewhere.is_empty(), "nor its emails");
    for query in [TITULAR.0, ximena.folio.as_str()] {
        let found = tijuana.desk.search(query).await.unwrap();
        assert_eq!(found.elsewhere.len(), 1, "{query}");
        let row = &found.elsewhere[0];
        assert!(!row.own_office);
        assert_eq!(row.email, "xi***@example.com", "masked for another office");
        assert_eq!(row.office, a.desk.settings().office);
    }

    // Registering the same person again points to what can be done.
    let e = tijuana
        .desk
        .register(&tijuana.form(TITULAR, "ximena@example.com"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "registrado_en_otra_oficina");
    assert!(e.to_string().contains("«Buscar»"), "{e}");

    // What another office may do: emails to the address on record, nothing else.
    let sent = tijuana
        .desk
        .request_validation_email_elsewhere(&ximena.registration_id)
        .await
        .unwrap();
    assert_eq!(sent.email_masked, "xi***@example.com");
    wait_smtp(&w.smtp, "ximena@example.com", 1).await;
    let e = tijuana
        .desk
        .correct_email_elsewhere(
            &ximena.registration_id,
            "intruso@example.org",
            "intruso@example.org",
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "registro_de_otra_oficina", "{e}");
    let e = tijuana
        .desk
        .cancel_elsewhere(&ximena.registration_id, &supervisor_approval(), "Prueba")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "registro_de_otra_oficina", "{e}");
    // Nor behind the station's back, writing the event itself as the office's role.
    let tijuana_role = Central::new(&w.pg.url_as("oficina_tijuana", "central"), None).unwrap();
    let forged = sqlx::query(
        "INSERT INTO registration_events (id, registration_id, kind, payload, occurred_at)
         VALUES (gen_random_uuid(), $1::uuid, 'cancelado', '{\"motivo\": \"x\"}', now())",
    )
    .bind(&ximena.registration_id)
    .execute(tijuana_role.pool())
    .await;
    assert!(forged.is_err(), "the central database refuses it");
    // The requests are the service's to read and carry out, not an office's to write.
    for sql in [
        "SELECT count(*) FROM desk_requests",
        "INSERT INTO desk_requests (id, registration_id, kind, clerk, office, workstation, office_role)
         SELECT gen_random_uuid(), id, 'contrasena_temporal', 'x', 'x', 'x', 'oficina_tijuana' FROM registrations",
        "UPDATE desk_requests SET handled_at = now()",
    ] {
        let e = sqlx::query(sql)
            .execute(tijuana_role.pool())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
    }
    assert_eq!(
        central_text(&w, "SELECT state FROM registrations").await,
        "pendiente_validacion"
    );

    // Offline: this station only, said so; an action is refused without doing anything.
    w.pg.stop();
    a.desk.sync_once().await.unwrap_err();
    let found = a.desk.search(TITULAR.0).await.unwrap();
    assert_eq!(found.registrations.len(), 1, "its own are still found");
    assert_eq!(found.reach, SearchReach::ThisStationOffline);
    let e = tijuana
        .desk
        .request_validation_email_elsewhere(&ximena.registration_id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "central_no_disponible", "{e}");
    w.pg.resume();
}
