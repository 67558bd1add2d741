//! One registration submit at the desk, end to end in the core (parse, roster checks, the
//! transaction with consents, token, email, audit and sync queue, committed to the disk),
//! on a SQLCipher file holding a 200,000-affiliate roster; beside it, alternately, its
//! anchor: a bare durable insert of one row into another SQLCipher file on the same disk
//! (WAL, `synchronous = FULL`, the same raw 256-bit key form, through the same driver).
//! Prints the medians, the 99th percentiles and their ratios.
//!
//!   cargo bench -p registro-core --bench registration

mod common;

use common::{ms, ratio, summary, verdict};
use registro_core::store::DatabaseKey;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection};
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
    sqlx::query("CREATE TABLE fila (id TEXT PRIMARY KEY, dato TEXT NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
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
        let (mut submits, mut inserts) = (Vec::new(), Vec::new());
        for i in 0..warm_up + rounds {
            let inserted = anchor_insert(&mut bare, i).await;
            let form = common::form(&station, FIRST + i, i);
            let started = Instant::now();
            station.desk.register(&form).await.unwrap();
            let submitted = started.elapsed();
            if i >= warm_up {
                inserts.push(inserted);
                submits.push(submitted);
            }
        }
        let (submit, insert) = (summary(&submits), summary(&inserts));
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
