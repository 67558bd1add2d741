//! Roster import at the institute's scale: 1,000,000 rows from a CSV file on disk into a
//! fresh SQLCipher file, then the same file again (every row an upsert). Beside it, in the
//! same run and on the same disk, its anchors:
//!
//! - Debian's `sqlite3` CLI, `.import` of the same file into a new table of the same
//!   database form (WAL, `synchronous = NORMAL`; the CLI has no SQLCipher, so in clear);
//!   the target is the app ≤ 1.2× this;
//! - the floor of the app's own table: one prepared INSERT stepped per line in one
//!   transaction, through the C API, into `roster_affiliates` (its primary key; the app's
//!   table adds only the triggers that keep the registrations' names in step) in an
//!   encrypted file like the app's, with no parsing beyond the commas;
//! - the floor of the app's database: the same loop with the app's upsert, into a file the
//!   app created and migrated (its triggers and indexes) with the app's connection settings:
//!   the app beyond it is the app's own pipeline; it beyond the table's floor is the schema.
//!
//!   cargo bench -p registro-core --bench roster_import

mod common;

use registro_core::store::{DatabaseKey, Store};
use std::ffi::CString;
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::{Duration, Instant};

fn write_csv(path: &Path, rows: u64) -> u64 {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(out, "{}", common::HEADER).unwrap();
    for i in 0..rows {
        let n = 100_000_000 + i;
        let titular = n - n % 4;
        let kind = if n == titular {
            "titular"
        } else {
            "beneficiario"
        };
        let current = if i % 50 == 0 { "no" } else { "si" };
        writeln!(
            out,
            "{n},CS{:08X},Persona Ficticia Número {i},{kind},{titular},{current}",
            i * 7919
        )
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// `sqlite3 .import` of `csv` into a new database; `None` without the CLI.
fn cli_import(dir: &Path, csv: &Path) -> Option<Duration> {
    let db = dir.join("anclaje-cli.sqlite3");
    let script = format!(
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n.import --csv '{}' padron\n",
        csv.display()
    );
    let started = Instant::now();
    let mut child = std::process::Command::new("sqlite3")
        .arg("-batch")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "sqlite3 .import failed");
    Some(started.elapsed())
}

/// The C API, for the floor: no driver between the loop and SQLite.
mod raw {
    use libsqlite3_sys as ffi;
    use std::ffi::{CStr, CString};

    pub struct Db(*mut ffi::sqlite3);

    impl Db {
        pub fn open(path: &CString) -> Db {
            let mut db = std::ptr::null_mut();
            // SAFETY: a valid C string and out-pointer; the handle is closed on drop.
            let rc = unsafe { ffi::sqlite3_open(path.as_ptr(), &mut db) };
            assert_eq!(rc, ffi::SQLITE_OK, "sqlite3_open");
            Db(db)
        }

        pub fn exec(&self, sql: &str) {
            let sql = CString::new(sql).unwrap();
            // SAFETY: an open handle and a valid C string; no callback.
            let rc = unsafe {
                ffi::sqlite3_exec(
                    self.0,
                    sql.as_ptr(),
                    None,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(rc, ffi::SQLITE_OK, "{sql:?}: {}", self.error());
        }

        fn error(&self) -> String {
            // SAFETY: SQLite returns a valid C string for an open handle.
            unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
                .to_string_lossy()
                .into_owned()
        }

        pub fn prepare(&self, sql: &str) -> Statement<'_> {
            let sql = CString::new(sql).unwrap();
            let mut statement = std::ptr::null_mut();
            // SAFETY: an open handle, a valid C string, an out-pointer.
            let rc = unsafe {
                ffi::sqlite3_prepare_v2(
                    self.0,
                    sql.as_ptr(),
                    -1,
                    &mut statement,
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(rc, ffi::SQLITE_OK, "prepare: {}", self.error());
            Statement(statement, self)
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            // SAFETY: every statement borrows the handle, so none outlives it.
            unsafe { ffi::sqlite3_close(self.0) };
        }
    }

    pub struct Statement<'a>(*mut ffi::sqlite3_stmt, &'a Db);

    impl Statement<'_> {
        pub fn text(&mut self, index: i32, value: &str) {
            // SAFETY: SQLITE_TRANSIENT makes SQLite copy the bytes before returning.
            let rc = unsafe {
                ffi::sqlite3_bind_text(
                    self.0,
                    index,
                    value.as_ptr().cast(),
                    value.len() as i32,
                    ffi::SQLITE_TRANSIENT(),
                )
            };
            assert_eq!(rc, ffi::SQLITE_OK, "bind");
        }

        pub fn int(&mut self, index: i32, value: i64) {
            // SAFETY: a prepared statement.
            let rc = unsafe { ffi::sqlite3_bind_int64(self.0, index, value) };
            assert_eq!(rc, ffi::SQLITE_OK, "bind");
        }

        pub fn run(&mut self) {
            // SAFETY: a prepared statement with its parameters bound.
            let rc = unsafe { ffi::sqlite3_step(self.0) };
            assert_eq!(rc, ffi::SQLITE_DONE, "step: {}", self.1.error());
            // SAFETY: as above.
            unsafe { ffi::sqlite3_reset(self.0) };
        }
    }

    impl Drop for Statement<'_> {
        fn drop(&mut self) {
            // SAFETY: finalized once.
            unsafe { ffi::sqlite3_finalize(self.0) };
        }
    }
}

/// A floor: one prepared statement stepped per line of the file, in one transaction,
/// through the C API, with no parsing beyond the commas. `schema` builds the table (or
/// nothing, for a database the app already migrated); `pragmas` are the connection's.
fn raw_loop(
    db_path: &Path,
    csv: &Path,
    key: &DatabaseKey,
    schema: &str,
    pragmas: &str,
    insert: &str,
) -> Duration {
    let path = CString::new(db_path.to_str().unwrap()).unwrap();
    let started = Instant::now();
    let db = raw::Db::open(&path);
    db.exec(&format!("PRAGMA key = \"x'{}'\"", key.to_hex()));
    db.exec(pragmas);
    db.exec(schema);
    db.exec("BEGIN");
    {
        let mut insert = db.prepare(insert);
        let file = std::io::BufReader::new(std::fs::File::open(csv).unwrap());
        for line in file.lines().skip(1) {
            let line = line.unwrap();
            let f: Vec<&str> = line.split(',').collect();
            insert.text(1, f[0]);
            insert.text(2, f[1]);
            insert.text(3, f[2]);
            insert.text(4, f[2]);
            insert.text(5, f[3]);
            insert.text(6, f[4]);
            insert.int(7, i64::from(f[5] == "si"));
            insert.run();
        }
    }
    db.exec("COMMIT");
    started.elapsed()
}

/// The floor of the table alone: `roster_affiliates` as the app declares it (its primary
/// key and checks), in a new encrypted file, a plain INSERT.
fn table_floor(dir: &Path, csv: &Path, key: &DatabaseKey) -> Duration {
    raw_loop(
        &dir.join("anclaje-bucle.sqlite3"),
        csv,
        key,
        "CREATE TABLE roster_affiliates (
             affiliation_number TEXT PRIMARY KEY,
             credential_serial  TEXT NOT NULL,
             full_name          TEXT NOT NULL,
             kind               TEXT NOT NULL CHECK (kind IN ('titular', 'beneficiario')),
             family_nucleus     TEXT NOT NULL,
             is_current         INTEGER NOT NULL CHECK (is_current IN (0, 1)),
             is_demo            INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
             search_name        TEXT NOT NULL,
             updated_at         TEXT NOT NULL
         ) WITHOUT ROWID;",
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name,
             search_name, kind, family_nucleus, is_current, is_demo, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, '2026-11-27T00:00:00.000000Z')",
    )
}

/// The floor of the app's database: a file the app created and migrated (every trigger
/// and index it has), the app's connection settings, the app's upsert, but no app code
/// around the loop. What the app spends beyond this is its own pipeline (parsing, checks,
/// the driver); what this spends beyond the table's floor is the schema and settings.
fn database_floor(
    dir: &Path,
    csv: &Path,
    key: &DatabaseKey,
    rt: &tokio::runtime::Runtime,
) -> Duration {
    let path = dir.join("anclaje-base-app.sqlite3");
    rt.block_on(async {
        let store = Store::open(&path, key).await.unwrap();
        store.close().await;
    });
    raw_loop(
        &path,
        csv,
        key,
        "",
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
        "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name,
             search_name, kind, family_nucleus, is_current, is_demo, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, '2026-11-27T00:00:00.000000Z')
         ON CONFLICT (affiliation_number) DO UPDATE SET
            credential_serial = excluded.credential_serial, full_name = excluded.full_name,
            search_name = excluded.search_name, kind = excluded.kind,
            family_nucleus = excluded.family_nucleus, is_current = excluded.is_current,
            is_demo = excluded.is_demo, updated_at = excluded.updated_at",
    )
}

fn main() {
    if !common::selected("roster_import") {
        return;
    }
    common::header("roster_import");
    let rows = common::size(1_000_000, 2_000);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("padron.csv");
    let bytes = write_csv(&csv, rows);
    println!(
        "roster_import: {rows} rows, {:.1} MiB CSV",
        bytes as f64 / 1048576.0
    );
    let key = DatabaseKey::generate();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(async {
        Store::open(&dir.path().join("registro.sqlite3"), &key)
            .await
            .unwrap()
    });
    // The file is read once before anything is timed, so every contender finds it in
    // the page cache.
    std::fs::read(&csv).unwrap();
    let cli = cli_import(dir.path(), &csv);
    let mut app = Vec::new();
    for label in ["fresh database", "re-import (upsert)"] {
        let started = Instant::now();
        let report = rt.block_on(registro_core::roster::import_csv_file(
            &store,
            &csv,
            chrono::Utc::now(),
            |_| {},
        ));
        let secs = started.elapsed();
        let report = report.unwrap();
        assert_eq!(report.imported, rows);
        assert_eq!(report.rejected, 0);
        println!(
            "roster_import/app, {label}: {:.2} s, {:.0} rows/s",
            secs.as_secs_f64(),
            rows as f64 / secs.as_secs_f64()
        );
        app.push(secs);
    }
    let floor = table_floor(dir.path(), &csv, &key);
    println!(
        "roster_import/floor (prepared INSERT per line, one transaction, C API, encrypted, same table): {:.2} s — the app is {:.2}× this",
        floor.as_secs_f64(),
        common::ratio(app[0], floor)
    );
    let app_floor = database_floor(dir.path(), &csv, &key, &rt);
    println!(
        "roster_import/floor of the app's database (the same loop, the app's migrated file, settings and upsert): {:.2} s — the app is {:.2}× this; this is {:.2}× the table's floor",
        app_floor.as_secs_f64(),
        common::ratio(app[0], app_floor),
        common::ratio(app_floor, floor)
    );
    match cli {
        Some(cli) => {
            let r = common::ratio(app[0], cli);
            println!(
                "roster_import/anchor (sqlite3 .import, in clear, new table): {:.2} s — the app is {r:.2}× this (target ≤ 1.2: {}); the floor is {:.2}×",
                cli.as_secs_f64(),
                common::verdict(r, 1.2),
                common::ratio(floor, cli)
            );
        }
        None => println!("roster_import/anchor: no sqlite3 CLI here (Debian package sqlite3)"),
    }
    // The write-ahead log into the file first, so the file is the whole database.
    rt.block_on(store.forget_erased());
    let size = std::fs::metadata(dir.path().join("registro.sqlite3"))
        .unwrap()
        .len();
    println!(
        "roster_import: database file {:.1} MiB",
        size as f64 / 1048576.0
    );
}
