//! Clerks' accounts: a supervisor opens them, the clerk chooses her own password, wrong
//! passwords lock the account, a supervisor resets or deactivates it.

use registro_core::domain::Field;
use registro_test_support::*;

#[tokio::test]
async fn supervisors_manage_clerk_accounts_and_five_wrong_passwords_lock_one() {
    use registro_core::staff::NewStaffMember;
    let t = spawn_desk().await;
    let new = NewStaffMember {
        username: "Laura.Ficticia".into(),
        full_name: "  Laura   Ficticia Ejemplo ".into(),
        role: "capturista".into(),
        password: "clave-inicial-123".into(),
        confirmation: "clave-inicial-123".into(),
    };
    // A clerk cannot open accounts.
    assert_eq!(
        t.desk.create_staff(&new).await.unwrap_err().code(),
        "solo_supervisor"
    );
    t.as_supervisor().await;
    let bad = t
        .desk
        .create_staff(&NewStaffMember {
            username: "a".into(),
            role: String::new(),
            password: "corta".into(),
            ..new.clone()
        })
        .await
        .unwrap_err();
    let fields: Vec<Field> = bad.field_errors().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [Field::StaffUsername, Field::StaffRole, Field::StaffPassword]
    );
    let laura = t.desk.create_staff(&new).await.unwrap();
    assert_eq!(
        (laura.username.as_str(), laura.full_name.as_str()),
        ("laura.ficticia", "Laura Ficticia Ejemplo")
    );
    assert!(laura.must_change_password);
    let again = t.desk.create_staff(&new).await.unwrap_err();
    assert_eq!(again.field(), Some(Field::StaffUsername));

    // Laura signs in and must choose her own password before anything else.
    t.desk
        .sign_in("laura.ficticia", "clave-inicial-123")
        .await
        .unwrap();
    assert_eq!(
        t.desk.search("ximena").await.unwrap_err().code(),
        "cambio_contrasena_requerido"
    );
    t.desk
        .change_own_password("clave-inicial-123", "la-mia-de-laura", "la-mia-de-laura")
        .await
        .unwrap();
    t.desk.search("ximena").await.unwrap();

    // Five wrong passwords lock her out; the right one then waits for the lock.
    t.desk.sign_out().await.unwrap();
    for remaining in (1..=4).rev() {
        let err = t
            .desk
            .sign_in("laura.ficticia", "equivocada")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!("{remaining} intento")),
            "{err}"
        );
    }
    let err = t
        .desk
        .sign_in("laura.ficticia", "equivocada")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "cuenta_bloqueada");
    let err = t
        .desk
        .sign_in("laura.ficticia", "la-mia-de-laura")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "cuenta_bloqueada");

    // A supervisor resets it (which unlocks it) or deactivates it.
    t.as_supervisor().await;
    let reset = t
        .desk
        .reset_staff_password(
            "laura.ficticia",
            "otra-clave-temporal",
            "otra-clave-temporal",
        )
        .await
        .unwrap();
    assert!(reset.must_change_password && reset.locked_until.is_none());
    t.desk
        .set_staff_active("laura.ficticia", false)
        .await
        .unwrap();
    assert_eq!(
        t.desk
            .set_staff_active("supervisora", false)
            .await
            .unwrap_err()
            .code(),
        "propia_cuenta"
    );
    let err = t
        .desk
        .sign_in("laura.ficticia", "otra-clave-temporal")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "credenciales_incorrectas");
    let listed = t.desk.list_staff().await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .any(|m| m.username == "laura.ficticia" && !m.active)
    );
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM staff WHERE username = 'laura.ficticia'")
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"));
}
