//! A registration made without network waits in the status bar and goes up to the
//! central PostgreSQL when it returns; the central clock's offset is shown.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use registro_test_support::postgres_server;

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and PostgreSQL; ./dev.sh test runs it"]
async fn offline_registration_waits_in_the_status_bar_and_goes_up_when_the_network_returns() {
    // The office's central database keeps the right time; this station's clock, as far as
    // the central one can tell, runs three days behind. It holds the institute's roster.
    let mut pg = postgres_server::PgServer::start_with_clock("+3d");
    let admin = registro_test_support::central_database(&pg).await;

    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    type_into(&c, "central_url", &pg.url_as("oficina_mexicali", "central")).await;
    type_into(&c, "link_base_url", "https://servicios.example.com/validar").await;
    type_into(&c, "sender_address", "avisos@example.com").await;
    save_settings_as_supervisor(&c).await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    // The first round brings the institute's roster (the demo one is gone for good).
    wait_text(&c, "#estado-conexion", "En línea").await;

    // Then the satellite office loses its network.
    pg.stop();
    click(&c, "sincronizar-ahora").await;
    wait_text(&c, "#estado-conexion", "Sin conexión con la base central").await;

    tab(&c, "registro").await;
    let folio = register_demo(&c, "900300301", "DEMO6102233", "leticia@example.com").await;
    let waiting = wait_text(&c, "#estado-pendientes", "Registros por enviar: 1 (").await;
    assert!(waiting.contains("desde"), "{waiting}");
    // Waiting for the network is said calmly: not a record "needing attention", not red.
    assert!(!is_displayed(&c, "#estado-problemas").await);
    let look = c
        .find(fantoccini::Locator::Css("#estado-conexion"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(look.as_deref(), Some("esperando-red"));
    screenshot(&c, &h, "41-sin-conexion-pendientes").await;

    pg.resume();
    click(&c, "sincronizar-ahora").await;
    wait_text(&c, "#estado-conexion", "En línea").await;
    wait_text(&c, "#estado-pendientes", "Registros por enviar: 0").await;
    assert!(!text(&c, "#estado-ultima").await.contains("nunca"));
    let warning = wait_text(&c, "#estado-reloj", "va 3 días atrasada").await;
    assert!(warning.contains("hora de la base central"), "{warning}");
    screenshot(&c, &h, "42-sincronizado").await;
    let central_folio: String = sqlx::query_scalar("SELECT folio FROM registrations")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(central_folio, folio);
    // Registered on a clock three days behind, it arrived on the central clock.
    let (created, expires): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT created_at, expires_at FROM validation_tokens")
            .fetch_one(admin.pool())
            .await
            .unwrap();
    let central_now: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert!((central_now - created).abs() < chrono::Duration::minutes(5));
    assert_eq!(expires - created, chrono::Duration::hours(24));

    // A registration another station of the office made (written centrally as it would
    // have pushed it) is found from here through the central database, and a new
    // validation email is asked of the central service.
    let other_id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state, family_grouping,
                                    office, workstation, clerk, created_at, office_role)
         VALUES ($1, 'RSL-261127-AAAA-BBBB', '900100101', '+526865550142', 'ximena@example.com',
                 'pendiente_validacion', FALSE, 'Oficina Mexicali', 'VENTANILLA-2', 'otra.capturista',
                 now() - interval '1 hour', 'oficina_mexicali')",
    )
    .bind(other_id)
    .execute(admin.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO validation_tokens (id, registration_id, link_sha256, code_sha256, state, created_at,
                                        expires_at, office_role)
         VALUES (gen_random_uuid(), $1, md5(random()::text), 'x', 'activo', now() - interval '1 hour',
                 now() + interval '23 hours', 'oficina_mexicali')",
    )
    .bind(other_id)
    .execute(admin.pool())
    .await
    .unwrap();
    tab(&c, "busqueda").await;
    type_into(&c, "query", "900100101").await;
    click(&c, "buscar").await;
    wait_visible(&c, "#detalle-central").await;
    wait_text(&c, "#busqueda-alcance", "en la base central").await;
    let row = wait_text(&c, "#resultados-central", "RSL-261127-AAAA-BBBB").await;
    assert!(row.contains("VENTANILLA-2"), "{row}");
    assert!(!is_displayed(&c, "#busqueda-vacia").await);
    wait_text(&c, "#central-nota", "otra estación de esta oficina").await;
    click(&c, "central-reenviar").await;
    wait_text(
        &c,
        "#central-exito",
        "Se pidió al servicio central un nuevo correo",
    )
    .await;
    let asked: (String, String) =
        sqlx::query_as("SELECT kind, workstation FROM desk_requests WHERE registration_id = $1")
            .bind(other_id)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(asked.0, "reenviar_validacion");
    assert_ne!(asked.1, "VENTANILLA-2", "asked from this station");
    audit_accessibility(&c, &h, "busqueda-otra-estacion").await;
    check_layout(&c, &h, "43-buscar-otra-estacion").await;
    screenshot(&c, &h, "43-buscar-otra-estacion").await;

    // Without the network, the search says it looked at this station only.
    pg.stop();
    click(&c, "sincronizar-ahora").await;
    wait_text(&c, "#estado-conexion", "Sin conexión con la base central").await;
    click(&c, "buscar").await;
    wait_text(&c, "#busqueda-alcance", "se buscó solo en esta estación").await;
    assert!(!is_displayed(&c, "#resultados-central").await);
    wait_text(
        &c,
        "#busqueda-vacia",
        "No se encontró ningún registro en esta estación.",
    )
    .await;
    screenshot(&c, &h, "44-buscar-sin-conexion").await;
    pg.resume();
    c.close().await.unwrap();
}
