//! The station's data folder as Windows sessions have it: a user name with spaces and
//! accents in the path, email files that Explorer can open, two app instances on one
//! folder, and the app killed in the middle of saving. Run on Linux and, as a Windows
//! program, under Wine (scripts/windows-tests-under-wine.sh).

use registro_core::roster;
use registro_test_support::child::{self, ChildProcess};
use registro_test_support::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

const HEADER: &str = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";

/// A roster file of `count` invented, current titulars numbered from 700 000 000.
fn roster_file(path: &Path, count: usize) {
    let mut csv = String::with_capacity(count * 60);
    csv.push_str(HEADER);
    csv.push('\n');
    for i in 0..count {
        let n = 700_000_000 + i;
        csv.push_str(&format!(
            "{n},SF{n},Persona Ficticia Número {i},titular,{n},si\n"
        ));
    }
    std::fs::write(path, csv).unwrap();
}

fn invented(i: usize) -> (String, String) {
    let n = 700_000_000 + i;
    (n.to_string(), format!("SF{n}"))
}

/// `%APPDATA%\mx.gob.issstecali.registroenlinea` of a Windows user whose name has
/// spaces and accents, inside `home`.
fn roaming_data_folder(home: &Path) -> PathBuf {
    ["Users", "María José Núñez", "AppData", "Roaming"]
        .iter()
        .fold(home.to_owned(), |p, part| p.join(part))
        .join("mx.gob.issstecali.registroenlinea")
}

async fn integrity(t: &TestDesk) -> String {
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap()
}

/// Registrations with anything missing: each must have its four consents, a token, its
/// validation email, an audit event and its place in the sync queue.
async fn incomplete_registrations(t: &TestDesk) -> i64 {
    t.scalar_i64(
        "SELECT count(*) FROM registrations r WHERE
            (SELECT count(*) FROM consents c WHERE c.registration_id = r.id) <> 4
         OR (SELECT count(*) FROM validation_tokens v WHERE v.registration_id = r.id) <> 1
         OR (SELECT count(*) FROM outbox_messages o WHERE o.registration_id = r.id) <> 1
         OR (SELECT count(*) FROM audit_events a WHERE a.registration_id = r.id) < 1
         OR (SELECT count(*) FROM sync_queue q WHERE q.registration_id = r.id) < 6",
    )
    .await
}

#[tokio::test]
async fn a_user_name_with_spaces_and_accents_in_the_data_folder_path_changes_nothing() {
    let home = test_folder();
    let root = roaming_data_folder(home.path());
    let t = spawn_desk_in(&root).await;
    assert!(root.join("registro.sqlite3").is_file());

    let receipt = t.register(TITULAR, "maria.jose@example.com").await;
    assert_eq!(t.deliver().await.sent, 1);
    let files = t.email_files();
    assert_eq!(files.len(), 1);
    assert!(files[0].starts_with(root.join("correos")), "{files:?}");
    let code = Email::read(&files[0]).validation_code();
    t.desk
        .validate_with_code(&receipt.folio, &code)
        .await
        .unwrap();

    // A roster file saved beside it, with an accent and spaces in its own name.
    let csv = root.join("Padrón de afiliados (copia).csv");
    roster_file(&csv, 3);
    t.as_supervisor().await;
    let report = t.desk.import_roster(&csv, |_| {}).await.unwrap();
    assert_eq!((report.imported, report.rejected), (3, 0));

    // The next morning the app opens the same folder and finds everything.
    drop(t);
    let t = reopen_desk(&root).await;
    assert_eq!(t.state_of(&receipt.registration_id).await, "validada");
    let summary = roster::summary(t.desk.store()).await.unwrap();
    assert_eq!((summary.total, summary.is_demo), (3, false));
    t.register((&invented(0).0, &invented(0).1), "persona.cero@example.com")
        .await;
    assert_eq!(
        t.deliver().await.sent,
        2,
        "the password email and the new one"
    );
    assert_eq!(t.email_files().len(), 3);
}

/// A name Windows accepts for a file: none of `<>:"/\|?*` or control characters, no
/// trailing dot or space, not a device name (CON, NUL, COM1…), at most 255 characters.
fn valid_on_windows(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let device = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    !name.is_empty()
        && name.chars().count() <= 255
        && !name
            .chars()
            .any(|c| c.is_control() || "<>:\"/\\|?*".contains(c))
        && !name.ends_with(['.', ' '])
        && !device
}

#[tokio::test]
async fn every_email_file_has_a_name_windows_accepts_and_opens_as_an_email() {
    let t = spawn_desk().await;
    let first = t.register(TITULAR, "ximena@example.com").await;
    t.register(BENEFICIARY, "beneficiario@example.com").await;
    t.deliver().await;
    let code = t.emails_to("ximena@example.com")[0].validation_code();
    t.desk
        .validate_with_code(&first.folio, &code)
        .await
        .unwrap();
    t.deliver().await;

    let files = t.email_files();
    assert_eq!(files.len(), 3);
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(valid_on_windows(name), "{name:?}");
        assert!(
            name.ends_with(".eml"),
            "{name:?}: double-click opens the mail client"
        );
        assert!(!Email::read(file).subject.is_empty(), "{name:?}");
    }
    let mut names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().to_lowercase())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 3, "distinct even where case does not count");
}

const TWO_INSTANCES: &str = "two_app_instances_on_one_data_folder_register_side_by_side";
const PER_INSTANCE: usize = 12;

// A clerk who opens the app twice (a second double-click while the first window loads)
// has two processes writing one SQLite file; SQLite's file locks must keep them apart.
#[tokio::test]
async fn two_app_instances_on_one_data_folder_register_side_by_side() {
    if let Some(part) = child::child_part() {
        return register_as_a_second_instance(&part).await;
    }
    let home = test_folder();
    let root = roaming_data_folder(home.path());
    let t = spawn_desk_in(&root).await;
    let csv = root.join("padrón.csv");
    roster_file(&csv, 2 * PER_INSTANCE);
    t.as_supervisor().await;
    t.desk.import_roster(&csv, |_| {}).await.unwrap();

    let test = child::test_name(module_path!(), TWO_INSTANCES);
    let mut instances: Vec<ChildProcess> = (0..2)
        .map(|i| ChildProcess::spawn(&test, &format!("{}|{}", root.display(), i * PER_INSTANCE)))
        .collect();
    for instance in &instances {
        assert_eq!(
            instance.next_line(Duration::from_secs(120)).as_deref(),
            Some("abierta"),
            "the second instance opened the data folder"
        );
    }
    // Both are open; now they register at the same time.
    for instance in &mut instances {
        instance.tell("registra");
    }
    let mut folios = Vec::new();
    for instance in &mut instances {
        let (status, lines) = instance.wait();
        assert!(status.success(), "an instance failed: {lines:?}");
        for line in lines {
            let folio = line
                .strip_prefix("registrado ")
                .unwrap_or_else(|| panic!("the clerk saw: {line}"));
            folios.push(folio.to_owned());
        }
    }
    assert_eq!(folios.len(), 2 * PER_INSTANCE);
    folios.sort();
    folios.dedup();
    assert_eq!(folios.len(), 2 * PER_INSTANCE, "every folio is distinct");

    assert_eq!(integrity(&t).await, "ok");
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM registrations").await,
        2 * PER_INSTANCE as i64
    );
    assert_eq!(incomplete_registrations(&t).await, 0);
    // The first instance's outbox worker sends every validation email, each once (its
    // test clock stood still while the others registered: it catches up first).
    t.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(t.deliver().await.sent as usize, 2 * PER_INSTANCE);
    assert_eq!(t.email_files().len(), 2 * PER_INSTANCE);
}

/// The child of `two_app_instances_…`: opens the folder, waits for the go, registers its
/// share of the invented people and reports each folio (or what the clerk would see).
async fn register_as_a_second_instance(part: &str) {
    let (root, first) = part.rsplit_once('|').expect("folder|first");
    let first: usize = first.parse().unwrap();
    let t = reopen_desk(Path::new(root)).await;
    child::tell_parent("abierta");
    assert_eq!(child::hear_from_parent(), "registra");
    for i in first..first + PER_INSTANCE {
        let (number, serial) = invented(i);
        let form = t.form((&number, &serial), &format!("persona{i}@example.com"));
        match t.desk.register(&form).await {
            Ok(receipt) => child::tell_parent(&format!("registrado {}", receipt.folio)),
            Err(e) => child::tell_parent(&format!("error {}: {e}", e.code())),
        }
    }
    // The database's connections end before the process does: left to the exit, SQLite's
    // worker threads could still be running while the C library's exit handlers free what
    // they use (a heap corruption at exit, 1 run in 20, seen here).
    t.desk.store().close().await;
}

const KILLED_IMPORTING: &str = "an_app_killed_while_importing_a_roster_keeps_the_old_roster_whole";

#[tokio::test]
async fn an_app_killed_while_importing_a_roster_keeps_the_old_roster_whole() {
    if let Some(root) = child::child_part() {
        let t = reopen_desk(Path::new(&root)).await;
        t.as_supervisor().await;
        let report = t
            .desk
            .import_roster(&Path::new(&root).join("padrón grande.csv"), |progress| {
                child::tell_parent(&format!("leídas {}", progress.lines_read));
            })
            .await
            .unwrap();
        child::tell_parent(&format!("terminado {}", report.imported));
        return;
    }
    let home = test_folder();
    let root = roaming_data_folder(home.path());
    let t = spawn_desk_in(&root).await;
    drop(t);
    roster_file(&root.join("padrón grande.csv"), 100_000);

    let test = child::test_name(module_path!(), KILLED_IMPORTING);
    let mut app = ChildProcess::spawn(&test, &root.display().to_string());
    // The first batch is in the database, inside the import's open transaction.
    let said = app.next_line(Duration::from_secs(120));
    assert!(
        said.as_deref().is_some_and(|l| l.starts_with("leídas ")),
        "{said:?}"
    );
    app.kill();
    let (_, rest) = app.wait();
    assert!(
        !rest.iter().any(|l| l.starts_with("terminado")),
        "the import ended before the kill; the file must be larger: {rest:?}"
    );

    // Opened again: the demo roster, whole; none of the half import.
    let t = reopen_desk(&root).await;
    assert_eq!(integrity(&t).await, "ok");
    let summary = roster::summary(t.desk.store()).await.unwrap();
    assert_eq!((summary.total, summary.is_demo), (12, true));
    t.register(TITULAR, "ximena@example.com").await;
}

const KILLED_REGISTERING: &str = "an_app_killed_while_registering_leaves_every_registration_whole";

#[tokio::test]
async fn an_app_killed_while_registering_leaves_every_registration_whole() {
    if let Some(root) = child::child_part() {
        let t = reopen_desk(Path::new(&root)).await;
        for i in 0.. {
            let (number, serial) = invented(i);
            t.register((&number, &serial), &format!("persona{i}@example.com"))
                .await;
            child::tell_parent(&format!("registrado {number}"));
        }
        return;
    }
    let home = test_folder();
    let root = roaming_data_folder(home.path());
    let t = spawn_desk_in(&root).await;
    let csv = root.join("padrón.csv");
    roster_file(&csv, 2_000);
    t.as_supervisor().await;
    t.desk.import_roster(&csv, |_| {}).await.unwrap();
    drop(t);

    let test = child::test_name(module_path!(), KILLED_REGISTERING);
    let mut app = ChildProcess::spawn(&test, &root.display().to_string());
    let mut registered = Vec::new();
    while registered.len() < 15 {
        let line = app
            .next_line(Duration::from_secs(120))
            .expect("the app registers");
        registered.push(line["registrado ".len()..].to_owned());
    }
    // Killed while it goes on registering, most likely inside a transaction.
    app.kill();

    let t = reopen_desk(&root).await;
    assert_eq!(integrity(&t).await, "ok");
    for number in &registered {
        let saved = t
            .scalar_i64(&format!(
                "SELECT count(*) FROM registrations WHERE affiliation_number = '{number}'"
            ))
            .await;
        assert_eq!(saved, 1, "{number} was reported saved before the kill");
    }
    assert!(t.scalar_i64("SELECT count(*) FROM registrations").await >= 15);
    assert_eq!(incomplete_registrations(&t).await, 0);
    // The station goes on: the next person registers and every email goes out once.
    let (number, serial) = invented(1_999);
    t.register((&number, &serial), "ultima@example.com").await;
    let waiting = t
        .scalar_i64("SELECT count(*) FROM outbox_messages WHERE state = 'en_cola'")
        .await;
    assert_eq!(i64::from(t.deliver().await.sent), waiting);
}
