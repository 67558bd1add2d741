//! The whole journey across the real parts: the desk registers (SQLite), syncs to a real
//! PostgreSQL, the affiliate opens the link on the central service and presses «Validar mi
//! cuenta», the temporary password arrives at a real SMTP server, and the desk sees
//! `validada` after its next sync. Plus the pages for used, expired, replaced and unknown
//! links, the health endpoint, and two instances racing for one link.

use crate::world::*;
use chrono::Duration;
use registro_test_support::*;
use std::time::Duration as StdDuration;

#[tokio::test]
async fn register_at_the_desk_sync_open_the_link_get_the_password_and_see_it_validated() {
    let w = world().await;
    let t = desk_for(&w).await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();

    let link = link_of(&t, "ximena@example.com");
    assert!(link.starts_with(&w.base));
    let (status, page) = open_and_confirm(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Su cuenta quedó validada") && page.contains(&receipt.folio));
    assert!(page.contains("xi***@example.com"));
    assert!(page.contains(&format!(r#"href="{}""#, w.url("/entrar"))));

    let text = wait_smtp(&w.smtp, "ximena@example.com", 1).await;
    assert!(text.contains("Usuario: 900100101"));
    assert!(
        text.lines().any(|l| l.trim() == w.url("/entrar")),
        "the email says where to sign in: {text}"
    );
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("Contraseña temporal: "))
        .unwrap()
        .trim()
        .to_owned();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_one(w.admin.pool())
        .await
        .unwrap();
    assert!(registro_core::security::verify_password(&password, &hash));
    // The message reaches the SMTP server a moment before the outbox records it as sent.
    wait_until_recorded_as_sent(&w, &receipt.registration_id).await;
    let leftover: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox_messages WHERE secrets IS NOT NULL")
            .fetch_one(w.admin.pool())
            .await
            .unwrap();
    assert_eq!(
        leftover, 0,
        "the plaintext password left the central outbox once sent"
    );

    // The desk learns it at its next sync.
    t.desk.sync_once().await.unwrap();
    assert_eq!(t.state_of(&receipt.registration_id).await, "validada");

    // The same link again, opened and posted, and a made-up one.
    let (status, page) = get(&link).await;
    assert_eq!(status, 410);
    assert!(page.contains("Este enlace ya se usó"));
    let token = link.rsplit('=').next().unwrap();
    let (status, page) = post_form(&w.base, &[("token", token)]).await;
    assert_eq!(status, 410);
    assert!(page.contains("Este enlace ya se usó"));
    let (status, page) = get(&format!("{}?token={}", w.base, "ab".repeat(32))).await;
    assert_eq!(status, 404);
    assert!(page.contains("Enlace no válido"));
    // A link may arrive before its registration (an office without network).
    assert!(page.contains("intente de nuevo en unos"), "{page}");
    let (status, _) = get(&format!("{}?token=corto", w.base)).await;
    assert_eq!(status, 404);

    let (status, health) = get(&format!("http://127.0.0.1:{}/salud", w.port)).await;
    assert_eq!((status, health.as_str()), (200, r#"{"estado":"ok"}"#));
}

#[tokio::test]
async fn replaced_and_expired_links_get_their_own_pages() {
    let w = world().await;
    let t = desk_for(&w).await;
    let first = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    let old_link = link_of(&t, "ximena@example.com");
    t.clock.advance(Duration::seconds(61));
    t.desk
        .resend_validation(&first.registration_id)
        .await
        .unwrap();
    t.deliver().await;
    let emails = t.emails_to("ximena@example.com");
    let new_link = emails
        .iter()
        .map(|e| e.link())
        .find(|l| *l != old_link)
        .unwrap();
    t.desk.sync_once().await.unwrap();

    let (status, page) = get(&old_link).await;
    assert_eq!(status, 410);
    assert!(page.contains("Este enlace fue reemplazado"), "{page}");
    let (status, page) = get(&new_link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Validar mi cuenta"));

    t.register(BENEFICIARY, "emiliano@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    sqlx::query("UPDATE validation_tokens SET expires_at = now() - interval '1 minute' WHERE state = 'activo'")
        .execute(w.admin.pool())
        .await
        .unwrap();
    let (status, page) = get(&link_of(&t, "emiliano@example.com")).await;
    assert_eq!(status, 410);
    assert!(page.contains("Este enlace venció"));
}

#[tokio::test]
async fn two_instances_racing_for_one_link_validate_it_once() {
    let w = world().await;
    let second_port = spawn_central(&w.pg, &w.smtp, "central-2").await;
    let t = desk_for(&w).await;
    t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let link = link_of(&t, "ximena@example.com");
    let (_, page) = get(&link).await;
    let token = form_token(&page);
    let other = w
        .base
        .replace(&format!(":{}/", w.port), &format!(":{second_port}/"));
    let form = [("token", token.as_str())];
    let (a, b) = tokio::join!(post_form(&w.base, &form), post_form(&other, &form));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 410]);
    wait_smtp(&w.smtp, "ximena@example.com", 1).await;
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    let emails: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox_messages")
        .fetch_one(w.admin.pool())
        .await
        .unwrap();
    assert_eq!(emails, 1);
    assert_eq!(w.smtp.received().len(), 1);
}

#[tokio::test]
async fn links_from_a_station_days_ahead_or_behind_the_central_clock_open_and_validate() {
    let w = world().await;
    for (skew, who, to) in [
        (Duration::days(3), TITULAR, "adelantada@example.com"),
        (Duration::days(-3), BENEFICIARY, "atrasada@example.com"),
    ] {
        let t = desk_with_clock_skew(&w, skew).await;
        let receipt = t.register(who, to).await;
        t.deliver().await;
        t.desk.sync_once().await.unwrap();

        let (status, page) = open_and_confirm(&link_of(&t, to)).await;
        assert_eq!(status, 200, "skew {skew}: {page}");
        assert!(page.contains(&receipt.folio));
        assert!(wait_smtp(&w.smtp, to, 1).await.contains("Usuario:"));
        t.desk.sync_once().await.unwrap();
        assert_eq!(t.state_of(&receipt.registration_id).await, "validada");
        assert!(t.desk.sync_status().await.unwrap().clock_skewed);
    }
}

#[tokio::test]
async fn validated_by_link_and_by_code_at_an_offline_desk_ends_with_one_working_password() {
    let w = world().await;
    let t = desk_for(&w).await;
    let to = "ximena@example.com";
    let receipt = t.register(TITULAR, to).await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let validation = t.emails_to(to).pop().expect("the validation email");

    // The desk loses its network; the affiliate, at the window, gives the code there…
    t.desk
        .validate_with_code(&receipt.folio, &validation.validation_code())
        .await
        .unwrap();
    t.deliver().await;
    let at_desk = t
        .emails_to(to)
        .into_iter()
        .find(|e| e.text.contains("Contraseña temporal: "))
        .expect("the desk's password email")
        .temporary_password();
    // …and at home opens the link too: the central service has not heard of the code.
    let (status, page) = open_and_confirm(&validation.link()).await;
    assert_eq!(status, 200, "{page}");
    let by_link_email = wait_smtp(&w.smtp, to, 1).await;
    let by_link = line_after(&by_link_email, "Contraseña temporal: ").to_owned();

    // The desk's network comes back: its validation reaches the central database.
    t.desk.sync_once().await.unwrap();
    let last = wait_smtp(&w.smtp, to, 2).await;
    assert!(last.contains("Esta la reemplaza"), "{last}");
    let reissued = line_after(&last, "Contraseña temporal: ").to_owned();

    assert_eq!(central_i64(&w, "SELECT count(*) FROM accounts").await, 1);
    let hash = central_text(&w, "SELECT password_hash FROM accounts").await;
    assert!(
        registro_core::security::verify_password(&reissued, &hash),
        "the last email's password works"
    );
    for earlier in [&at_desk, &by_link] {
        assert!(
            !registro_core::security::verify_password(earlier, &hash),
            "an earlier email's password no longer works"
        );
    }
    assert_eq!(
        central_i64(
            &w,
            "SELECT count(*) FROM audit_events WHERE action = 'contrasena_reemitida'"
        )
        .await,
        1
    );

    // The same validation pushed again (a lost acknowledgement) reissues nothing more.
    let again = sqlx::query("UPDATE sync_queue SET state = 'pendiente' WHERE entity = 'evento'")
        .execute(t.desk.store().writer())
        .await
        .unwrap();
    assert!(again.rows_affected() >= 1);
    t.desk.sync_once().await.unwrap();
    // Longer than the service's reissue round (10 s).
    tokio::time::sleep(StdDuration::from_secs(11)).await;
    assert_eq!(w.smtp.received().len(), 2, "no third password email");
    assert_eq!(
        central_text(&w, "SELECT password_hash FROM accounts").await,
        hash
    );
}
