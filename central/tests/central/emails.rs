//! The central outbox's emails that did not leave, as an administrator lists and resends
//! them with `registro-central --correos`, `--reenviar ID` and `--reenviar-todos`.

use crate::binary::{self, assert_no_panic};
use crate::world::*;
use registro_test_support::mail::Email;

/// Every temporary password emailed to `to` so far.
fn passwords_sent_to(w: &World, to: &str) -> Vec<String> {
    w.smtp
        .received_files()
        .iter()
        .filter_map(|p| Email::try_read(p))
        .filter(|e| e.to == to)
        .map(|e| line_after(&e.text, "Contraseña temporal: ").to_owned())
        .collect()
}

#[tokio::test]
async fn an_administrator_lists_and_resends_the_emails_that_did_not_leave() {
    let w = world().await;
    let owner = w.pg.url("central");
    let env = [("REGISTRO_CENTRAL_DB", owner.as_str())];
    let ran = binary::run(&["--correos"], &env);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("No hay correos"), "{}", ran.stdout);

    let (_desk, registration_id, first_password) =
        validated_affiliate(&w, "ximena@example.com").await;
    // The service records a delivery just after the SMTP server has the message: wait for
    // that record, or it would overwrite the refusal written below.
    wait_until_recorded_as_sent(&w, &registration_id).await;
    // The mailbox refused the temporary password for good at the time.
    sqlx::query(
        "UPDATE outbox_messages SET state = 'abandonado', secrets = NULL, last_error = '552 buzón lleno'
          WHERE registration_id = $1::uuid",
    )
    .bind(&registration_id)
    .execute(w.admin.pool())
    .await
    .unwrap();
    let id = central_text(&w, "SELECT id::text FROM outbox_messages").await;
    let folio = central_text(&w, "SELECT folio FROM registrations").await;

    let ran = binary::run(&["--correos"], &env);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    for shown in [
        id.as_str(),
        folio.as_str(),
        "no se pudo entregar",
        "xi***@example.com",
        "552 buzón lleno",
    ] {
        assert!(ran.stdout.contains(shown), "«{shown}» in {}", ran.stdout);
    }
    assert!(!ran.stdout.contains("ximena@"), "{}", ran.stdout);

    binary::run(&["--reenviar", "RSL-1"], &env).assert_failed_saying(2, "--reenviar lleva");
    binary::run(
        &["--reenviar", "0b8f3c9e-5d1a-4f6e-9a2b-7c4d1e0f3a21"],
        &env,
    )
    .assert_failed_saying(1, "no hay ningún correo con el ID");

    let ran = binary::run(&["--reenviar", &id], &env);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("contraseña temporal nueva"),
        "{}",
        ran.stdout
    );
    assert_no_panic(&ran.stdout);
    // The running service delivers it: a new password, not the lost one.
    wait_smtp(&w.smtp, "ximena@example.com", 2).await;
    let passwords = passwords_sent_to(&w, "ximena@example.com");
    assert_eq!(passwords.len(), 2);
    assert!(
        passwords
            .iter()
            .any(|p| *p != first_password && !p.is_empty())
    );
    // Nothing left; the same id again is said plainly.
    assert!(
        binary::run(&["--correos"], &env)
            .stdout
            .contains("No hay correos")
    );
    binary::run(&["--reenviar", &id], &env).assert_failed_saying(1, "ya no espera un reenvío");

    wait_until_recorded_as_sent(&w, &registration_id).await;
    // The next one was interrupted mid-delivery with its password still kept: it goes
    // again as it was.
    sqlx::query(
        "UPDATE outbox_messages SET state = 'incierto', secrets = jsonb_build_object($1::text, 'Prueba-Reenvio-7')
          WHERE id = (SELECT id FROM outbox_messages ORDER BY created_at DESC LIMIT 1)",
    )
    .bind(registro_core::emails::PASSWORD_PLACEHOLDER)
    .execute(w.admin.pool())
    .await
    .unwrap();
    let ran = binary::run(&["--correos"], &env);
    assert!(ran.stdout.contains("envío interrumpido"), "{}", ran.stdout);
    let ran = binary::run(&["--reenviar-todos"], &env);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("el mismo correo"), "{}", ran.stdout);
    wait_smtp_containing(&w, "ximena@example.com", "Prueba-Reenvio-7").await;
    assert_eq!(
        central_i64(
            &w,
            "SELECT count(*) FROM audit_events WHERE action = 'correo_reenviado_por_administrador'"
        )
        .await,
        2
    );
    let ran = binary::run(&["--reenviar-todos"], &env);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("No hay correos"), "{}", ran.stdout);
}

async fn wait_smtp_containing(w: &World, to: &str, text: &str) {
    registro_test_support::mail::wait_for(
        || w.smtp.received_files(),
        to,
        text,
        1,
        std::time::Duration::from_secs(30),
    )
    .await;
}
