//! Validating a registration with the code or the link from the email: once only, wrong
//! codes counted, expired and dead links explained.

use chrono::Duration;
use registro_core::Error;
use registro_core::domain::Field;
use registro_test_support::*;

#[tokio::test]
async fn the_code_validates_once_and_the_temporary_password_arrives_and_is_scrubbed() {
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();

    let outcome = t
        .desk
        .validate_with_code(&receipt.folio.to_lowercase(), &code)
        .await
        .unwrap();
    assert_eq!(outcome.username, "900100101");
    assert_eq!(outcome.folio, receipt.folio);

    let (hash, must_change): (String, bool) = sqlx::query_as(
        "SELECT password_hash, must_change_password FROM accounts WHERE registration_id = ?",
    )
    .bind(&receipt.registration_id)
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(must_change);
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM registrations WHERE state = 'validada'")
            .await,
        1
    );

    assert_eq!(t.deliver().await.sent, 1);
    let emails = t.emails_to("ximena@example.com");
    let password_email = emails
        .iter()
        .find(|e| e.text.contains("Contraseña temporal"))
        .expect("password email");
    assert!(password_email.text.contains("Usuario: 900100101"));
    // It says where to sign in: the central service's page beside the validation link.
    assert!(
        password_email
            .text
            .lines()
            .any(|l| l.trim() == "https://servicios.example.org/entrar"),
        "{}",
        password_email.text
    );
    let password = password_email.temporary_password();
    assert!(password.len() >= 12, "{password}");
    assert!(registro_core::security::verify_password(&password, &hash));
    // The plaintext is gone from the outbox once written.
    let (secrets, scrubbed): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT secrets, scrubbed_at FROM outbox_messages WHERE kind = 'contrasena_temporal'",
    )
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert!(secrets.is_none() && scrubbed.is_some());
    let with_password: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox_messages WHERE body_text LIKE '%' || ? || '%'",
    )
    .bind(&password)
    .fetch_one(t.desk.store().reader())
    .await
    .unwrap();
    assert_eq!(with_password, 0);

    // A second use of the same code is refused with its own message.
    let again = t
        .desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "ya_validado");
    assert!(again.to_string().contains("ya fue validado"));
}

#[tokio::test]
async fn wrong_codes_count_down_and_the_fifth_kills_the_code() {
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for remaining in [4, 3, 2, 1] {
        let err = t
            .desk
            .validate_with_code(&receipt.folio, wrong)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::CodeMismatch { remaining: r } if r == remaining),
            "{err:?}"
        );
        assert_eq!(err.field(), Some(Field::Code));
    }
    let err = t
        .desk
        .validate_with_code(&receipt.folio, wrong)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "codigo_agotado");
    let err = t
        .desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "codigo_agotado");
    assert_eq!(t.scalar_i64("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn codes_expire_after_the_configured_lifetime() {
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.away(Duration::hours(24)).await;
    let err = t
        .desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "codigo_vencido");
    assert!(err.to_string().contains("venció"));
}

#[tokio::test]
async fn unknown_folio_and_malformed_input_name_their_fields() {
    let t = spawn_desk().await;
    let err = t
        .desk
        .validate_with_code("RSL-000000-ZZZZZZ", "123456")
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        ("folio_desconocido", Some(Field::Folio))
    );
    let err = t.desk.validate_with_code("", "12a").await.unwrap_err();
    let fields: Vec<Field> = err.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(fields, [Field::Folio, Field::Code]);
}

#[tokio::test]
async fn the_link_validates_once_and_each_dead_link_says_why() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.deliver().await;
    let token = t.emails_to("ximena@example.com")[0].link_token();

    assert_eq!(
        t.desk.validate_with_link("abc").await.unwrap_err().code(),
        "enlace_desconocido"
    );
    assert_eq!(
        t.desk
            .validate_with_link(&"0".repeat(64))
            .await
            .unwrap_err()
            .code(),
        "enlace_desconocido"
    );
    let outcome = t.desk.validate_with_link(&token).await.unwrap();
    assert_eq!(outcome.folio, receipt.folio);
    let err = t.desk.validate_with_link(&token).await.unwrap_err();
    assert_eq!(err.code(), "ya_validado");
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE detail LIKE '%\"metodo\":\"enlace\"%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let t = spawn_desk().await;
    registered(&t).await;
    t.deliver().await;
    let token = t.emails_to("ximena@example.com")[0].link_token();
    t.clock.advance(Duration::hours(25));
    assert_eq!(
        t.desk.validate_with_link(&token).await.unwrap_err().code(),
        "codigo_vencido"
    );
}

/// What a stolen PC's disk would show: after a whole journey (registered, emailed,
/// validated, password sent), the affiliate's name, email, phone and credential serial,
/// the temporary password and the link's token are in no file of the data folder but the
/// `.eml` messages of the file mode's outbox folder, the write-ahead log included: the
/// database is encrypted. (The six-digit code is left out: six digits turn up by chance
/// in any encrypted page.)
#[tokio::test]
async fn after_a_whole_journey_no_personal_data_or_secret_is_in_clear_in_any_file_of_the_data_folder()
 {
    let t = spawn_desk().await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    let first = &t.emails_to("ximena@example.com")[0];
    let (code, token) = (first.validation_code(), first.link_token());
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();
    t.deliver().await;
    let password = t
        .emails_to("ximena@example.com")
        .iter()
        .find(|e| e.text.contains("Contraseña temporal"))
        .expect("password email")
        .temporary_password();

    let mut files = Vec::new();
    let mut folders = vec![t.paths.root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if !(path.starts_with(t.paths.outbox_files())
                && path.extension().is_some_and(|e| e == "eml"))
            {
                files.push(path);
            }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("registro.sqlite3")));
    let (affiliation, serial) = TITULAR;
    let looked_for = [
        ("name", "Ximena Ocampo Larrañaga".to_owned()),
        ("email", "ximena@example.com".to_owned()),
        // Stored as +526865550142.
        ("phone", "6865550142".to_owned()),
        ("credential serial", serial.to_owned()),
        ("affiliation number", affiliation.to_owned()),
        ("temporary password", password),
        ("link token", token),
    ];
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for (what, secret) in &looked_for {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the {what} is in {} in clear",
                file.display()
            );
        }
    }
}
