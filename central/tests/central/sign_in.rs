//! The affiliate's first sign-in at `/entrar`, end to end: the temporary password from the
//! real email, the rules for the new one, argon2id, `activa` in PostgreSQL and then at the
//! desk; and the guards: one answer for an unknown user and a wrong password, the same
//! lock for both, and a limit per client address.

use crate::world::*;
use registro_core::security::verify_password;

const NEW: &str = "el mar de San Felipe";

fn attempt<'a>(user: &'a str, current: &'a str, new: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("usuario", user),
        ("contrasena", current),
        ("nueva", new),
        ("confirmacion", new),
    ]
}

async fn account(w: &World) -> (String, bool) {
    sqlx::query_as("SELECT password_hash, must_change_password FROM accounts")
        .fetch_one(w.admin.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_sign_in_replaces_the_temporary_password_and_the_account_becomes_active() {
    let w = world().await;
    let (t, registration_id, temporary) = validated_affiliate(&w, "ximena@example.com").await;
    let entrar = w.url("/entrar");

    let (status, page) = get(&entrar).await;
    assert_eq!(status, 200);
    assert!(page.contains("Entrar por primera vez"));
    for field in ["usuario", "contrasena", "nueva", "confirmacion"] {
        assert!(page.contains(&format!(r#"name="{field}""#)), "{field}");
    }
    assert!(page.contains(r#"autocomplete="new-password""#));

    // Every problem at once, in Spanish, next to its field; nothing checked or changed.
    let (status, page) = post_form(
        &entrar,
        &[
            ("usuario", ""),
            ("contrasena", ""),
            ("nueva", "corta"),
            ("confirmacion", "corta"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Escriba el número de afiliación"), "{page}");
    assert!(page.contains("Escriba la contraseña temporal que le llegó por correo."));
    assert!(page.contains("al menos 10 caracteres"));
    for (new, confirmation, says) in [
        (
            temporary.as_str(),
            temporary.as_str(),
            "distinta de la contraseña temporal",
        ),
        ("Contraseña2026!", "Contraseña2026!", "muy común"),
        (
            "clave 900100101 mía",
            "clave 900100101 mía",
            "no puede contener su número de afiliación",
        ),
        (NEW, "el mar de san felipe", "no coinciden"),
    ] {
        let (status, page) = post_form(
            &entrar,
            &[
                ("usuario", "900 100 101"),
                ("contrasena", &temporary),
                ("nueva", new),
                ("confirmacion", confirmation),
            ],
        )
        .await;
        assert_eq!(status, 422, "{new}");
        assert!(page.contains(says), "{says}: {page}");
        assert!(
            page.contains(r#"value="900100101""#),
            "the username is kept, normalised"
        );
        assert!(
            !page.contains(&temporary),
            "passwords are never written back"
        );
    }
    assert!(account(&w).await.1, "still the temporary password");

    // The temporary password and a good new one.
    let (status, page) = post_form(&entrar, &attempt("900100101", &temporary, NEW)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Su cuenta está activa")
            && page.contains("La contraseña temporal ya no sirve")
    );
    let (hash, must_change) = account(&w).await;
    assert!(!must_change);
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(verify_password(NEW, &hash) && !verify_password(&temporary, &hash));
    assert_eq!(
        central_text(&w, "SELECT state FROM registrations").await,
        "activa"
    );
    assert_eq!(
        central_i64(
            &w,
            "SELECT count(*) FROM audit_events WHERE action = 'cuenta_activada'"
        )
        .await,
        1
    );

    // The desk pulls it like any other state change.
    t.desk.sync_once().await.unwrap();
    assert_eq!(t.state_of(&registration_id).await, "activa");

    // The temporary password is dead; the own one can be changed the same way.
    let (status, _) = post_form(
        &entrar,
        &attempt("900100101", &temporary, "otra frase bien larga"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, page) =
        post_form(&entrar, &attempt("900100101", NEW, "otra frase bien larga")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Su contraseña quedó cambiada"));
    assert!(verify_password(
        "otra frase bien larga",
        &account(&w).await.0
    ));
    assert_eq!(
        central_text(&w, "SELECT state FROM registrations").await,
        "activa"
    );
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_read_alike_and_lock_alike() {
    let w = world_with(|c| {
        c.limits.failures_before_lock = 3;
        c.limits.lock_minutes = 15;
    })
    .await;
    let (t, registration_id, temporary) = validated_affiliate(&w, "ximena@example.com").await;
    let entrar = w.url("/entrar");

    for n in 1..=3 {
        let (known_status, known) =
            post_form(&entrar, &attempt("900100101", "no-es-esta", NEW)).await;
        let (unknown_status, unknown) =
            post_form(&entrar, &attempt("900999999", "no-es-esta", NEW)).await;
        assert_eq!(known_status, unknown_status, "attempt {n}");
        assert_eq!(
            known.replace("900100101", "X"),
            unknown.replace("900999999", "X"),
            "attempt {n}: the pages differ only in the username typed"
        );
        if n < 3 {
            assert_eq!(known_status, 403);
            assert!(known.contains("El usuario o la contraseña no son correctos."));
        } else {
            assert_eq!(known_status, 423);
            assert!(known.contains("está bloqueada por demasiados intentos fallidos. Intente de nuevo en 15 minutos."), "{known}");
        }
    }
    // Locked means locked: the right password is not even checked.
    let (status, page) = post_form(&entrar, &attempt("900100101", &temporary, NEW)).await;
    assert_eq!(status, 423, "{page}");
    assert!(account(&w).await.1);

    // The affiliate asks at the desk for a new temporary password: once the desk has synced,
    // the lock is over for that username, and the new password works.
    t.desk.sync_once().await.unwrap();
    t.desk
        .issue_new_temporary_password(&registration_id, "la bloqueó alguien más")
        .await
        .unwrap();
    t.deliver().await;
    let reissued = t
        .emails_to("ximena@example.com")
        .iter()
        .find(|e| e.text.contains("Contraseña temporal: "))
        .expect("the desk's email with the new temporary password")
        .temporary_password();
    t.desk.sync_once().await.unwrap();
    let (status, page) = post_form(&entrar, &attempt("900100101", &reissued, NEW)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        central_text(&w, "SELECT state FROM registrations").await,
        "activa"
    );
    // The unknown username is still locked, as long as a real one would be; when its lock
    // is over, it is answered as before.
    let (status, _) = post_form(&entrar, &attempt("900999999", "no-es-esta", NEW)).await;
    assert_eq!(status, 423);
    sqlx::query("UPDATE sign_in_guards SET locked_until = now() - interval '1 second'")
        .execute(w.admin.pool())
        .await
        .unwrap();
    let (status, _) = post_form(&entrar, &attempt("900999999", "no-es-esta", NEW)).await;
    assert_eq!(status, 403);
    // A success clears the username's count.
    let (status, _) = post_form(&entrar, &attempt("900100101", "no-es-esta", NEW)).await;
    assert_eq!(status, 403);
    let (status, _) = post_form(&entrar, &attempt("900100101", NEW, "otra frase bien larga")).await;
    assert_eq!(status, 200);
    assert_eq!(
        central_i64(
            &w,
            "SELECT count(*) FROM sign_in_guards WHERE username = '900100101'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_client_address() {
    let w = world_with(|c| c.limits.failed_sign_ins_per_address = 2).await;
    let entrar = w.url("/entrar");
    fresh_window(&w, 15 * 60).await;
    for user in ["900100101", "900100102"] {
        let (status, _) = post_form(&entrar, &attempt(user, "no-es-esta", NEW)).await;
        assert_eq!(status, 403);
    }
    let (status, page) = post_form(&entrar, &attempt("900100103", "no-es-esta", NEW)).await;
    assert_eq!(status, 429);
    assert!(page.contains("Demasiados intentos"));
    // A form with problems is answered without counting or looking anything up.
    let (status, _) = post_form(&entrar, &attempt("", "", "corta")).await;
    assert_eq!(status, 422);
}
