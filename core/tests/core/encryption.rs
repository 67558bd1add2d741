//! The local database at rest: encrypted with the station's key, readable by nobody
//! without it, an older station's clear database encrypted once on its first start, and
//! a station whose key has to stay on disk registering nobody until a supervisor accepts.

use registro_core::store::{DatabaseKey, Store};
use registro_test_support::*;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode};
use std::path::Path;

const PLAIN_HEADER: &[u8] = b"SQLite format 3\0";

fn header(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()[..16].to_vec()
}

/// A database as the versions before encryption left it: in clear, in WAL mode, with
/// the schema of the migrations and a row in it, the app killed before a checkpoint.
async fn database_in_clear(path: &Path) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::migrate!("../migrations/sqlite")
        .run(&mut conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ('prueba', 'Ximena Ocampo Larrañaga')")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_database_kept_in_clear_is_encrypted_once_and_keeps_its_rows() {
    let dir = test_folder();
    let path = dir.path().join("registro.sqlite3");
    database_in_clear(&path).await;
    assert_eq!(header(&path), PLAIN_HEADER);
    let plain_version: i64 = {
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
        let v = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        v
    };
    assert!(!Store::is_encrypted(&path).unwrap());

    let key = DatabaseKey::generate();
    let store = Store::open(&path, &key).await.unwrap();
    let kept: String = sqlx::query_scalar("SELECT value FROM app_meta WHERE key = 'prueba'")
        .fetch_one(store.reader())
        .await
        .unwrap();
    assert_eq!(kept, "Ximena Ocampo Larrañaga");
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(store.reader())
        .await
        .unwrap();
    assert_eq!(version, plain_version);
    let migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(store.reader())
        .await
        .unwrap();
    assert!(migrations >= 3, "the migrations' record came along");
    close_database_here(&store).await;

    assert_ne!(header(&path), PLAIN_HEADER);
    assert!(Store::is_encrypted(&path).unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("cifrando"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Opened again with its key: no second conversion, the row is there.
    let store = Store::open(&path, &key).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM app_meta WHERE key = 'prueba'")
        .fetch_one(store.reader())
        .await
        .unwrap();
    assert_eq!(count, 1);
    close_database_here(&store).await;
}

#[tokio::test]
async fn another_key_or_a_foreign_file_is_told_in_spanish() {
    let dir = test_folder();
    let path = dir.path().join("registro.sqlite3");
    let store = Store::open(&path, &DatabaseKey::generate()).await.unwrap();
    close_database_here(&store).await;

    let wrong = Store::open(&path, &DatabaseKey::generate())
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "base_ilegible");
    assert!(
        wrong
            .to_string()
            .contains("no se pudo abrir con la clave de este equipo"),
        "{wrong}"
    );
    // Without a key, plain SQLite sees no database either.
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    let refused = sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("not a database"), "{refused}");
    conn.close().await.unwrap();

    let foreign = dir.path().join("otro.sqlite3");
    std::fs::write(
        &foreign,
        "Esto no es una base de datos, es un texto cualquiera.".repeat(200),
    )
    .unwrap();
    let err = Store::open(&foreign, &DatabaseKey::generate())
        .await
        .unwrap_err();
    // Not a whole number of pages: no key would open it, so it is told as foreign.
    assert_eq!(err.code(), "base_ajena");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_the_key_file_are_its_users_only() {
    use std::os::unix::fs::PermissionsExt;
    let t = spawn_desk().await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&t.paths.root), 0o700);
    assert_eq!(mode(&t.paths.key_file()), 0o600);
}

#[tokio::test]
async fn with_its_key_on_disk_a_station_registers_nobody_until_a_supervisor_accepts() {
    let t = spawn_desk().await;
    t.desk.keep_key_on_disk().await.unwrap();
    assert_eq!(
        t.desk.sync_status().await.unwrap().key_on_disk,
        Some(registro_core::config::KeyOnDisk::Held)
    );
    let refused = t
        .desk
        .register(&t.form(TITULAR, "ximena@example.com"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "clave_en_disco");
    assert!(refused.to_string().contains("«Ajustes»"), "{refused}");
    assert_eq!(t.scalar_i64("SELECT count(*) FROM registrations").await, 0);

    let mut wrong = supervisor_approval();
    wrong.password = "no-es-la-clave".into();
    assert_eq!(
        t.desk.accept_key_on_disk(&wrong).await.unwrap_err().code(),
        "supervisor_rechazado"
    );
    t.desk
        .accept_key_on_disk(&supervisor_approval())
        .await
        .unwrap();
    t.register(TITULAR, "ximena@example.com").await;
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM audit_events WHERE action = 'clave_en_disco_aceptada'
                AND lower(clerk) = 'supervisora'"
        )
        .await,
        1
    );

    // Accepted once for this station: a restart keeps it.
    let root = t.paths.root.clone();
    close_database_here(t.desk.store()).await;
    let again = reopen_desk(&root).await;
    again.desk.keep_key_on_disk().await.unwrap();
    assert_eq!(
        again.desk.key_on_disk(),
        Some(registro_core::config::KeyOnDisk::Accepted)
    );
    again.register(BENEFICIARY, "emiliano@example.com").await;
    close_database_here(again.desk.store()).await;
    drop(t);
}
