//! Backups of the local database and their restore, and the rescue of a station whose
//! database does not open: what the app tells, and that the file is never touched.

use registro_core::config::Settings;
use registro_core::startup::{StartupProblem, StartupProblemKind, restore_at_startup};
use registro_core::store::backup;
use registro_core::{DataPaths, Desk};
use registro_test_support::*;
use std::path::Path;

const PLAIN_HEADER: &[u8] = b"SQLite format 3\0";

fn header(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()[..16].to_vec()
}

fn remove_database(paths: &DataPaths) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = paths.database().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

async fn consents_of(t: &TestDesk, registration_id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM consents WHERE registration_id = ?")
        .bind(registration_id)
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_restored_backup_brings_back_every_registration_up_to_it() {
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    let first = t.register(TITULAR, "ximena@example.com").await;
    let second = t.register(BENEFICIARY, "emiliano@example.com").await;
    let consents = consents_of(&t, &first.registration_id).await;
    assert!(consents > 0);

    let copy = t.desk.back_up_now(&supervisor_approval()).await.unwrap();
    let copy_path = t
        .paths
        .root
        .join("copias-de-seguridad")
        .join(&copy.file_name);
    assert_ne!(header(&copy_path), PLAIN_HEADER, "the copy is encrypted");
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'copia_de_seguridad'")
            .await,
        1
    );
    let later = t
        .register(("900200201", "DEMO5930114"), "joaquin@example.com")
        .await;
    close_database_here(t.desk.store()).await;
    remove_database(&t.paths);

    let outcome = restore_at_startup(
        &t.paths,
        &Settings::default(),
        &database_key(&t.paths),
        &copy.file_name,
    )
    .await
    .unwrap();
    assert_eq!(outcome.restored, copy.file_name);
    assert_eq!(
        outcome.kept_aside, None,
        "there was no database left to keep"
    );

    let r = reopen_desk(dir.path()).await;
    for kept in [&first, &second] {
        assert_eq!(
            r.state_of(&kept.registration_id).await,
            "pendiente_validacion"
        );
        assert_eq!(consents_of(&r, &kept.registration_id).await, consents);
    }
    assert_eq!(
        r.scalar_i64(&format!(
            "SELECT count(*) FROM registrations WHERE id = '{}'",
            later.registration_id
        ))
        .await,
        0,
        "what came after the copy is not in it"
    );
    assert_eq!(
        r.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'copia_restaurada' AND clerk = 'pantalla_de_rescate'")
            .await,
        1
    );
    close_database_here(r.desk.store()).await;
}

#[tokio::test]
async fn a_copy_a_day_and_only_the_newest_kept() {
    let t = spawn_desk_with(Settings {
        backups_kept: 3,
        ..Settings::default()
    })
    .await;
    let folder = t.paths.root.join("copias-de-seguridad");
    let mut taken = Vec::new();
    for _ in 0..5 {
        let copy = t
            .desk
            .backup_if_due()
            .await
            .unwrap()
            .expect("a day went by");
        assert!(
            t.desk.backup_if_due().await.unwrap().is_none(),
            "one copy a day"
        );
        assert_ne!(header(&folder.join(&copy.file_name)), PLAIN_HEADER);
        taken.push(copy.file_name);
        t.clock.advance(chrono::Duration::hours(25));
    }
    // The clerk's session locked long ago; the folder is what counts.
    let kept: Vec<String> = backup::list(&folder)
        .unwrap()
        .into_iter()
        .map(|b| b.file_name)
        .collect();
    taken.reverse();
    assert_eq!(kept, taken[..3], "the three newest, newest first");
    let files = std::fs::read_dir(&folder).unwrap().count();
    assert_eq!(files, 3, "no partial copy left behind");
}

#[tokio::test]
async fn a_damaged_copy_is_refused_and_the_database_left_as_it_was() {
    let t = spawn_desk().await;
    let first = registered(&t).await;
    let folder = t.paths.root.join("copias-de-seguridad");
    std::fs::create_dir_all(&folder).unwrap();
    let name = format!(
        "registro-{}.sqlite3",
        (t.desk.now() - chrono::Duration::days(1)).format("%Y%m%d-%H%M%S")
    );
    std::fs::write(folder.join(&name), vec![7u8; 8192]).unwrap();

    let err = t
        .desk
        .restore_backup(&name, &supervisor_approval())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "copia_no_valida");
    assert!(err.to_string().contains("no se puede usar"), "{err}");
    assert!(err.to_string().contains("no se modificó"), "{err}");
    assert_eq!(
        t.state_of(&first.registration_id).await,
        "pendiente_validacion"
    );
    t.register(BENEFICIARY, "emiliano@example.com").await;

    let err = t
        .desk
        .restore_backup("../registro.sqlite3", &supervisor_approval())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "copia_inexistente");
}

#[tokio::test]
async fn a_supervisor_restores_and_the_replaced_database_is_kept_aside() {
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    let first = registered(&t).await;
    let copy = t.desk.back_up_now(&supervisor_approval()).await.unwrap();
    let later = t.register(BENEFICIARY, "emiliano@example.com").await;
    let outcome = t
        .desk
        .restore_backup(&copy.file_name, &supervisor_approval())
        .await
        .unwrap();
    let aside = outcome.kept_aside.expect("the replaced database is kept");
    assert!(
        aside.starts_with("registro.sqlite3.reemplazada-"),
        "{aside}"
    );
    assert!(dir.path().join(&aside).is_file());

    let r = reopen_desk(dir.path()).await;
    assert_eq!(
        r.state_of(&first.registration_id).await,
        "pendiente_validacion"
    );
    assert_eq!(
        r.scalar_i64(&format!(
            "SELECT count(*) FROM registrations WHERE id = '{}'",
            later.registration_id
        ))
        .await,
        0
    );
    assert_eq!(
        r.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'copia_restaurada' AND lower(clerk) = 'supervisora'")
            .await,
        1
    );
    close_database_here(r.desk.store()).await;
}

/// What `Desk::open` returns on `paths`, told as the rescue screen tells it.
async fn rescue_of(paths: &DataPaths) -> StartupProblem {
    let Err(error) = Desk::open(paths, Settings::default(), &database_key(paths)).await else {
        panic!("the database opened");
    };
    StartupProblem::new(&error, paths, &Settings::default())
}

#[tokio::test]
async fn random_bytes_are_a_foreign_file_left_untouched() {
    let dir = test_folder();
    let paths = DataPaths::new(dir.path());
    let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(paths.database(), &bytes).unwrap();
    let problem = rescue_of(&paths).await;
    assert_eq!(problem.kind, StartupProblemKind::ForeignFile);
    assert!(
        problem
            .message
            .contains("no es una base de datos de esta aplicación")
    );
    assert!(
        problem.message.contains("no hay copias"),
        "{}",
        problem.message
    );
    assert_eq!(std::fs::read(paths.database()).unwrap(), bytes);
}

#[tokio::test]
async fn another_programs_sqlite_file_is_foreign_and_left_in_clear() {
    let dir = test_folder();
    let paths = DataPaths::new(dir.path());
    {
        use sqlx::Connection;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(paths.database())
            .create_if_missing(true);
        let mut conn = sqlx::sqlite::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE recetas (nombre TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let before = std::fs::read(paths.database()).unwrap();
    let problem = rescue_of(&paths).await;
    assert_eq!(problem.kind, StartupProblemKind::ForeignFile);
    assert_eq!(std::fs::read(paths.database()).unwrap(), before);
}

#[tokio::test]
async fn a_key_that_does_not_open_the_database_offers_the_copies() {
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    let copy = t.desk.back_up_now(&supervisor_approval()).await.unwrap();
    close_database_here(t.desk.store()).await;
    let before = std::fs::read(t.paths.database()).unwrap();
    let other_key = registro_core::store::DatabaseKey::generate();
    let Err(error) = Desk::open(&t.paths, Settings::default(), &other_key).await else {
        panic!("another key opened the database");
    };
    let problem = StartupProblem::new(&error, &t.paths, &Settings::default());
    assert_eq!(problem.kind, StartupProblemKind::WrongKey);
    assert!(
        problem.message.contains("restaurar la copia"),
        "{}",
        problem.message
    );
    assert_eq!(problem.backups.len(), 1);
    assert_eq!(problem.backups[0].file_name, copy.file_name);
    assert_eq!(std::fs::read(t.paths.database()).unwrap(), before);
    // A copy checked with the wrong key is refused too, and nothing moves.
    let err = restore_at_startup(&t.paths, &Settings::default(), &other_key, &copy.file_name)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "copia_no_valida");
    assert_eq!(std::fs::read(t.paths.database()).unwrap(), before);
}

#[tokio::test]
async fn a_changed_legal_text_is_its_own_problem() {
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    t.desk.backup_if_due().await.unwrap().unwrap();
    sqlx::query("UPDATE legal_documents SET sha256 = ? WHERE kind = 'aviso_integral'")
        .bind("0".repeat(64))
        .execute(t.desk.store().writer())
        .await
        .unwrap();
    close_database_here(t.desk.store()).await;
    let before = std::fs::read(t.paths.database()).unwrap();
    let problem = rescue_of(&t.paths).await;
    assert_eq!(problem.kind, StartupProblemKind::LegalTextChanged);
    assert!(
        problem.message.contains("texto publicado"),
        "{}",
        problem.message
    );
    assert!(
        problem.message.contains("restaurar una copia"),
        "the station's copies are offered: {}",
        problem.message
    );
    assert_eq!(
        std::fs::read(t.paths.database()).unwrap(),
        before,
        "the file is left as it was"
    );
}

#[tokio::test]
async fn the_backup_folder_can_be_elsewhere() {
    let elsewhere = test_folder();
    let t = spawn_desk_with(Settings {
        backup_folder: elsewhere.path().display().to_string(),
        ..Settings::default()
    })
    .await;
    let copy = t.desk.backup_if_due().await.unwrap().unwrap();
    assert!(elsewhere.path().join(&copy.file_name).is_file());
    assert!(
        backup::list(&t.paths.root.join("copias-de-seguridad"))
            .unwrap()
            .is_empty()
    );
    let relative = Settings {
        backup_folder: "copias".into(),
        ..Settings::default()
    };
    assert_eq!(
        relative.validate().unwrap_err()[0].field,
        registro_core::domain::Field::BackupFolder
    );
}

/// What the central database holds of a station's registrations.
async fn central_counts(admin: &registro_core::sync::Central) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in [
        "registrations",
        "consents",
        "validation_tokens",
        "registration_events",
        "staff_versions",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(admin.pool())
            .await
            .unwrap();
        counts.push((table.to_owned(), n));
    }
    counts
}

#[tokio::test]
async fn syncing_after_a_restore_duplicates_nothing_centrally() {
    use registro_test_support::postgres_server::PgServer;
    let pg = PgServer::start();
    let admin = central_database(&pg).await;
    let office = || {
        registro_core::sync::Central::new(&pg.url_as("oficina_mexicali", "central"), None).unwrap()
    };
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    t.desk.use_central(Some(office()));
    let first = t.register(TITULAR, "ximena@example.com").await;
    // The copy is taken before the first registration reached the central database…
    let copy = t.desk.back_up_now(&supervisor_approval()).await.unwrap();
    t.desk.sync_once().await.unwrap();
    let later = t.register(BENEFICIARY, "emiliano@example.com").await;
    t.desk.sync_once().await.unwrap();
    let before = central_counts(&admin).await;
    assert_eq!(before[0], ("registrations".to_owned(), 2), "{before:?}");

    // The station's disk fails; its last copy is restored.
    close_database_here(t.desk.store()).await;
    remove_database(&t.paths);
    restore_at_startup(
        &t.paths,
        &Settings::default(),
        &database_key(&t.paths),
        &copy.file_name,
    )
    .await
    .unwrap();
    let r = reopen_desk(dir.path()).await;
    r.desk.use_central(Some(office()));
    // …so the restored station sends it (and its accounts) again: taken once centrally.
    r.desk.sync_once().await.unwrap();
    r.desk.sync_once().await.unwrap();
    assert_eq!(central_counts(&admin).await, before);
    let status = r.desk.sync_status().await.unwrap();
    assert_eq!(status.records_waiting, 0, "{status:?}");
    assert!(status.problems.is_empty(), "{:?}", status.problems);
    assert_eq!(
        r.state_of(&first.registration_id).await,
        "pendiente_validacion"
    );
    // The registration made after the copy is no longer on this station, but it reached
    // the central database before the disk failed.
    let central_later: i64 =
        sqlx::query_scalar("SELECT count(*) FROM registrations WHERE folio = $1")
            .bind(&later.folio)
            .fetch_one(admin.pool())
            .await
            .unwrap();
    assert_eq!(central_later, 1);
}

#[tokio::test]
async fn a_daily_copy_that_fails_is_shown_retried_later_and_cleared_when_it_works() {
    let t = spawn_desk().await;
    // The configured folder is out of reach (a USB drive taken away): here, a path under
    // a plain file, which no folder can be made in.
    let blocker = t.paths.root.join("no-es-carpeta");
    std::fs::write(&blocker, b"archivo").unwrap();
    let unreachable = blocker.join("copias");
    let working = t.desk.settings();
    t.desk.replace_settings(Settings {
        backup_folder: unreachable.display().to_string(),
        ..working.clone()
    });
    assert!(t.desk.backup_if_due().await.is_err());
    let failure = t.desk.sync_status().await.unwrap().backup_failure.unwrap();
    assert!(!failure.message.is_empty());

    // The maintenance loop asks every minute; the next try waits a quarter of an hour.
    t.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(t.desk.backup_if_due().await.unwrap(), None);
    t.clock.advance(chrono::Duration::minutes(15));
    assert!(t.desk.backup_if_due().await.is_err());
    let again = t.desk.sync_status().await.unwrap().backup_failure.unwrap();
    assert_eq!(
        again.since, failure.since,
        "failing since the first attempt"
    );
    assert!(again.last_attempt_at > failure.last_attempt_at);

    // The drive is back (the folder of the data folder, here): the copy is made and the
    // status bar clears.
    t.desk.replace_settings(working);
    t.clock.advance(chrono::Duration::minutes(15));
    assert!(t.desk.backup_if_due().await.unwrap().is_some());
    assert!(t.desk.sync_status().await.unwrap().backup_failure.is_none());
}

#[tokio::test]
async fn a_copy_is_taken_before_migrations_change_the_database() {
    let dir = test_folder();
    let t = spawn_desk_in(dir.path()).await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    // As an older version of the app left it: without the last two migrations (their
    // index and table, and their rows in the migrations' ledger).
    for sql in [
        "DROP INDEX registrations_in_conflict",
        "DROP TABLE previous_folios",
        "DELETE FROM _sqlx_migrations WHERE version IN (20261202000013, 20261202000014)",
    ] {
        sqlx::query(sql)
            .execute(t.desk.store().writer())
            .await
            .unwrap();
    }
    close_database_here(t.desk.store()).await;
    let place = t.paths.backups(&Settings::default());
    assert!(backup::list(&place.folder).unwrap_or_default().is_empty());

    // The new version opens it: one copy first, then the migration.
    let desk = Desk::open(&t.paths, Settings::default(), &database_key(&t.paths))
        .await
        .unwrap();
    let migrated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'previous_folios'",
    )
    .fetch_one(desk.store().reader())
    .await
    .unwrap();
    assert_eq!(migrated, 1);
    let copies = backup::list(&place.folder).unwrap();
    assert_eq!(copies.len(), 1, "{copies:?}");
    close_database_here(desk.store()).await;

    // The copy is the database as it was: without the migrated table, with the
    // registration (read as a plain SQLCipher connection with the station's raw key).
    let copy = place.folder.join(&copies[0].file_name);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&copy)
        .read_only(true)
        .pragma("key", format!("\"x'{}'\"", database_key(&t.paths).to_hex()));
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
        .await
        .unwrap();
    let (tables, found): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'previous_folios'),
                (SELECT count(*) FROM registrations WHERE id = ?)",
    )
    .bind(&receipt.registration_id)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((tables, found), (0, 1));
    sqlx::Connection::close(conn).await.unwrap();
}
