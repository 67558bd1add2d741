//! One registration submit at the desk, end to end in the core (parse, roster checks, the
//! transaction with consents, token, email, audit and sync queue, committed to the disk),
//! on a SQLCipher file holding a 200,000-affiliate roster; beside it, alternately, its
//! anchor: a bare durable insert of one row into another SQLCipher file on the same disk
//! (WAL, `synchronous = FULL`, the same raw 256-bit key form, through the same driver).
//! Prints the medians, the 99th percentiles and their ratios.
//!
//! A registration writes some fifty pages where the bare insert writes two or three, so a
//! second anchor, alternating too, writes as many pages as a registration does (counted
//! from the write-ahead log) in one durable insert: what the disk and the encryption cost
//! for that much, with no SQL around it. The app's own part is the ratio to that one.
//! Its largest piece is the calls to the driver (sqlx runs each SQLite connection on a
//! thread of its own; every call is a trip there and back): they are counted for one
//! registration, and one trip (`SELECT 1`) is timed in the same loop.
//!
//!   cargo bench -p registro-core --bench registration

mod common;

use common::{ms, ratio, summary, verdict};
use registro_core::store::DatabaseKey;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const FIRST: u64 = 300_000_000;

/// The anchor's connection: what the app's writer is, less everything the app does.
async fn anchor(path: &std::path::Path, key: &DatabaseKey) -> SqliteConnection {
    let mut conn = SqliteConnectOptions::new()
        .pragma("key", format!("\"x'{}'\"", key.to_hex()))
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE fila (id TEXT PRIMARY KEY, dato TEXT NOT NULL);
         CREATE TABLE paginas (id INTEGER PRIMARY KEY, dato BLOB NOT NULL);",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn
}

/// The statements sqlx runs (its `sqlx::query` log line, one per call to the driver's
/// thread), counted while `COUNTING` is on.
static COUNTING: AtomicBool = AtomicBool::new(false);
static CALLS: AtomicU64 = AtomicU64::new(0);

/// One trip to the driver's thread and back, with nothing to do there.
async fn trip(conn: &mut SqliteConnection) -> Duration {
    let started = Instant::now();
    sqlx::query("SELECT 1").execute(&mut *conn).await.unwrap();
    started.elapsed()
}

/// Bytes of a blob that fill one overflow page: a 4096-byte page less SQLCipher's
/// reserve (IV and HMAC, 80 bytes) and the page's own next-page pointer.
const OVERFLOW_PAGE: usize = 4096 - 80 - 4;

/// Checkpoints the log so that it starts over at the next write.
async fn restart_log<'c>(conn: impl sqlx::SqliteExecutor<'c>) {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(conn)
        .await
        .unwrap();
}

/// The pages in the log since [`restart_log`].
async fn pages_in_log<'c>(conn: impl sqlx::SqliteExecutor<'c>) -> i64 {
    let (_busy, log, _done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await
        .unwrap();
    log
}

async fn pages_insert(conn: &mut SqliteConnection, blob: &[u8]) -> Duration {
    let started = Instant::now();
    sqlx::query("INSERT INTO paginas (dato) VALUES (?)")
        .bind(blob)
        .execute(&mut *conn)
        .await
        .unwrap();
    started.elapsed()
}

async fn anchor_insert(conn: &mut SqliteConnection, i: u64) -> Duration {
    let id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    sqlx::query("INSERT INTO fila (id, dato) VALUES (?, ?)")
        .bind(id)
        .bind(format!("persona{i}@example.org"))
        .execute(&mut *conn)
        .await
        .unwrap();
    started.elapsed()
}

async fn cipher(conn: &mut SqliteConnection, pragma: &str) -> String {
    sqlx::query_scalar::<_, String>(&format!("PRAGMA {pragma}"))
        .fetch_optional(&mut *conn)
        .await
        .unwrap()
        .unwrap_or_else(|| "?".into())
}

fn main() {
    if !common::selected("registration") {
        return;
    }
    common::header("registration");
    tracing::subscriber::set_global_default(common::EventTap {
        target: "sqlx::query",
        listening: &COUNTING,
        on_event: |_| {
            CALLS.fetch_add(1, Ordering::Relaxed);
        },
    })
    .unwrap();
    let affiliates = common::size(200_000, 300);
    let warm_up = common::size(20, 1);
    let rounds = common::size(300, 1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let key = DatabaseKey::generate();
        let station = common::station(&key, FIRST, affiliates).await;
        let mut bare = anchor(&station.dir.path().join("anclaje.sqlite3"), &key).await;
        println!(
            "registration: SQLCipher {} (page {}, HMAC {}, raw key: no key derivation), roster of {affiliates}",
            cipher(&mut bare, "cipher_version").await,
            cipher(&mut bare, "cipher_page_size").await,
            cipher(&mut bare, "cipher_hmac_algorithm").await,
        );
        // How many pages a registration writes (the station's own writer, its log alone),
        // a bare insert, and one insert of a blob of that many pages less the bare ones.
        let writer = station.desk.store().writer();
        let mut registration_pages = Vec::new();
        let mut calls = Vec::new();
        for i in 0..warm_up.max(3) {
            restart_log(writer).await;
            let form = common::form(&station, FIRST + i, i);
            CALLS.store(0, Ordering::Relaxed);
            COUNTING.store(true, Ordering::Relaxed);
            station.desk.register(&form).await.unwrap();
            COUNTING.store(false, Ordering::Relaxed);
            calls.push(CALLS.load(Ordering::Relaxed));
            registration_pages.push(pages_in_log(writer).await);
        }
        calls.sort_unstable();
        // BEGIN and COMMIT are trips too, but not statements sqlx logs.
        let calls = calls[calls.len() / 2] + 2;
        registration_pages.sort_unstable();
        let pages = registration_pages[registration_pages.len() / 2];
        restart_log(&mut bare).await;
        anchor_insert(&mut bare, 0).await;
        let bare_pages = pages_in_log(&mut bare).await;
        let mut blob = vec![0u8; usize::try_from(pages - bare_pages).unwrap_or(0) * OVERFLOW_PAGE];
        restart_log(&mut bare).await;
        pages_insert(&mut bare, &blob).await;
        let blob_pages = pages_in_log(&mut bare).await;
        println!(
            "registration/pages: a registration writes {pages} pages to the log (of {:?}), the bare insert {bare_pages}, the pages anchor {blob_pages}",
            registration_pages
        );
        // Random bytes, as the pages a cipher writes are; the same blob every round.
        rand::Rng::fill(&mut rand::thread_rng(), &mut blob[..]);

        let first = FIRST + warm_up.max(3);
        let (mut submits, mut inserts, mut paged, mut trips) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..warm_up + rounds {
            let tripped = trip(&mut bare).await;
            let inserted = anchor_insert(&mut bare, i).await;
            let written = pages_insert(&mut bare, &blob).await;
            let form = common::form(&station, first + i, warm_up.max(3) + i);
            let started = Instant::now();
            station.desk.register(&form).await.unwrap();
            let submitted = started.elapsed();
            if i >= warm_up {
                inserts.push(inserted);
                paged.push(written);
                trips.push(tripped);
                submits.push(submitted);
            }
        }
        let (submit, insert, pages_anchor, one_trip) = (
            summary(&submits),
            summary(&inserts),
            summary(&paged),
            summary(&trips),
        );
        println!(
            "registration/anchor (one row, autocommit, WAL, synchronous=FULL): median {:.2} ms, p99 {:.2} ms",
            ms(insert.median),
            ms(insert.p99)
        );
        println!(
            "registration/submit ({} rounds, alternating with the anchor): median {:.2} ms, p99 {:.2} ms",
            submit.n,
            ms(submit.median),
            ms(submit.p99)
        );
        println!(
            "registration/pages-anchor (one durable insert writing {blob_pages} pages, as many as a registration): median {:.2} ms, p99 {:.2} ms; {:.2}× the bare insert",
            ms(pages_anchor.median),
            ms(pages_anchor.p99),
            ratio(pages_anchor.median, insert.median)
        );
        println!(
            "registration/ratio to the pages anchor (the app's own part): median {:.2}×, p99 {:.2}×",
            ratio(submit.median, pages_anchor.median),
            ratio(submit.p99, pages_anchor.p99)
        );
        let in_trips = one_trip.median * u32::try_from(calls).unwrap_or(u32::MAX);
        println!(
            "registration/trips: {calls} calls to the driver's thread per registration; one trip (SELECT 1): median {:.3} ms, so {:.2} ms in trips, {:.0}% of the submit's median",
            ms(one_trip.median),
            ms(in_trips),
            100.0 * ratio(in_trips, submit.median)
        );
        let (median, p99) = (
            ratio(submit.median, insert.median),
            ratio(submit.p99, insert.p99),
        );
        println!(
            "registration/ratio: median {median:.2}× (target ≤ 2: {}), p99 {p99:.2}× (target ≤ 3: {})",
            verdict(median, 2.0),
            verdict(p99, 3.0)
        );
    });
}
