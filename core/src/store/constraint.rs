//! The unique constraints a clerk's action can run into, recognised in one place, in
//! SQLite and in PostgreSQL alike; the one a clerk can fix becomes that field's error.

use crate::domain::{Field, FieldError};
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A second live registration of one affiliate (`registrations_one_live_per_affiliate`).
    OneLivePerAffiliate,
    /// A staff account's username is taken.
    StaffUsername,
}

/// Which constraint `e` broke, if it is one of ours. PostgreSQL names the constraint;
/// SQLite names `table.column` at the end of its message.
pub(crate) fn violation(e: &sqlx::Error) -> Option<Violation> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    let broke = |constraint: &str, sqlite_column: &str| {
        db.constraint() == Some(constraint) || db.message().ends_with(sqlite_column)
    };
    if broke(
        "registrations_one_live_per_affiliate",
        "registrations.affiliation_number",
    ) {
        Some(Violation::OneLivePerAffiliate)
    } else if broke("staff_pkey", "staff.username") {
        Some(Violation::StaffUsername)
    } else {
        None
    }
}

/// A violation the clerk can fix becomes that field's error; anything else stays a
/// storage error.
pub(crate) fn into_error(e: sqlx::Error) -> Error {
    match violation(&e) {
        Some(Violation::StaffUsername) => FieldError::new(
            Field::StaffUsername,
            "existente",
            "Ya existe una cuenta con ese usuario; elija otro.",
        )
        .into(),
        _ => Error::from(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn sqlite_violations_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("db.sqlite3"),
            &crate::store::DatabaseKey::generate(),
        )
        .await
        .unwrap();
        let insert_registration = |id: &'static str, folio: &'static str| {
            sqlx::query(
                "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                            family_grouping, office, workstation, clerk, created_at, updated_at)
                 VALUES (?, ?, '900100101', '+526865550142', 'a@example.com', 'pendiente_validacion',
                         0, 'o', 'w', 'c', 't', 't')",
            )
            .bind(id)
            .bind(folio)
            .execute(store.writer())
        };
        insert_registration("r1", "F1").await.unwrap();
        let second = insert_registration("r2", "F2").await.unwrap_err();
        assert_eq!(violation(&second), Some(Violation::OneLivePerAffiliate));
        assert!(matches!(into_error(second), Error::Storage(_)));

        let insert_staff = || {
            sqlx::query(
                "INSERT INTO staff (username, full_name, role, password_hash, created_at, changed_at)
                 VALUES ('ana', 'Ana', 'capturista', 'x', 't', 't')",
            )
            .execute(store.writer())
        };
        insert_staff().await.unwrap();
        let taken = insert_staff().await.unwrap_err();
        assert_eq!(violation(&taken), Some(Violation::StaffUsername));
        let Error::Fields(errors) = into_error(taken) else {
            panic!("a field error");
        };
        assert_eq!(
            (errors[0].field, errors[0].code),
            (Field::StaffUsername, "existente")
        );
        store.close().await;
    }
}
