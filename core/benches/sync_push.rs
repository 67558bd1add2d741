//! Pushing 10,000 registrations (with their consents, tokens and audit events) from a
//! workstation to a real PostgreSQL through the sync queue, beside its anchor in the same
//! run: `COPY` of the same rows, as the superuser, into an empty copy of the schema (no
//! idempotency, no office checks, no order to keep). Then the same queue pushed again
//! (every row already there): nothing is added. Besides the anchor, two measures of the
//! push's floor: the central statements alone (the same INSERTs as the office, no station
//! work), and the push's own central part (what its rounds spent with the central database,
//! summed from their `push round sent` events). Needs the postgresql package.
//!
//!   cargo bench -p registro-core --bench sync_push

mod common;

use common::{CENTRAL_ROWS, COPIED};
use registro_core::store::DatabaseKey;
use registro_core::sync::Central;
use registro_test_support::postgres_server;
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const FIRST: u64 = 500_000_000;

/// What the push reports of each round (its `push round sent` event), summed while
/// `LISTENING` is on: the time spent with the central database, and preparing the rows here.
static LISTENING: AtomicBool = AtomicBool::new(false);
static CENTRAL_US: AtomicU64 = AtomicU64::new(0);
static PREPARING_US: AtomicU64 = AtomicU64::new(0);
static ROUNDS: AtomicU64 = AtomicU64::new(0);

struct Fields;

impl tracing::field::Visit for Fields {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        match field.name() {
            "central_us" => CENTRAL_US.fetch_add(value, Ordering::Relaxed),
            "preparing_us" => PREPARING_US.fetch_add(value, Ordering::Relaxed),
            _ => 0,
        };
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == "push round sent" {
            ROUNDS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What the push's rounds reported since the last call, and how many rounds.
fn round_times() -> (Duration, Duration, u64) {
    (
        Duration::from_micros(CENTRAL_US.swap(0, Ordering::Relaxed)),
        Duration::from_micros(PREPARING_US.swap(0, Ordering::Relaxed)),
        ROUNDS.swap(0, Ordering::Relaxed),
    )
}

fn main() {
    if !common::selected("sync_push") {
        return;
    }
    common::header("sync_push");
    tracing::subscriber::set_global_default(common::EventTap {
        target: "registro_core::sync::push",
        listening: &LISTENING,
        on_event: |event| event.record(&mut Fields),
    })
    .unwrap();
    let registrations = common::size(10_000, 20);
    let pg = postgres_server::PgServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let queue_url = pg.create_database("por_cola");
        let copy_url = pg.create_database("por_copy");
        for url in [&queue_url, &copy_url] {
            Central::new(url, None).unwrap().migrate().await.unwrap();
        }
        pg.psql("por_cola", "CREATE ROLE oficina_banco LOGIN IN ROLE registro_ventanilla");

        let station = common::station(&DatabaseKey::generate(), FIRST, registrations).await;
        let desk = &station.desk;
        let started = Instant::now();
        for i in 0..registrations {
            desk.register(&common::form(&station, FIRST + i, i)).await.unwrap();
        }
        println!(
            "sync_push: {registrations} registrations made offline in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let by_kind: Vec<(String, i64)> =
            sqlx::query_as("SELECT entity, count(*) FROM sync_queue GROUP BY entity ORDER BY entity")
                .fetch_all(desk.store().reader())
                .await
                .unwrap();
        let rows: i64 = by_kind.iter().map(|(_, n)| n).sum();
        let copyable: i64 = by_kind
            .iter()
            .filter(|(kind, _)| COPIED.iter().any(|(k, _, _)| k == kind))
            .map(|(_, n)| n)
            .sum();
        println!("sync_push: queue {rows} rows {by_kind:?}");

        // The anchor first: its server and disk are the same, its database another.
        let copy = Central::new(&copy_url, None).unwrap();
        let (copy_time, copied) = common::copy_queue(desk.store(), &copy).await;
        assert_eq!(copied, copyable, "COPY loads every row of its four kinds");
        println!(
            "sync_push/anchor (COPY as superuser, {copied} rows of {} tables): {:.2} s, {:.0} rows/s",
            COPIED.len(),
            copy_time.as_secs_f64(),
            copied as f64 / copy_time.as_secs_f64()
        );

        // Where the push's time goes: its central statements alone, as the office's role
        // (idempotent INSERT of a JSON batch, row-level security, triggers), with the
        // batches the push makes (2,000 rows, one transaction each) and no station work.
        let statements_url = pg.create_database("por_sentencias");
        Central::new(&statements_url, None).unwrap().migrate().await.unwrap();
        let statements_only = Central::new(&pg.url_as("oficina_banco", "por_sentencias"), None).unwrap();
        let queued: Vec<(String, String)> =
            sqlx::query_as(
                "SELECT q.entity, p.payload FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
                  ORDER BY q.seq",
            )
                .fetch_all(desk.store().reader())
                .await
                .unwrap();
        // Per 2,000 queued rows (a push round), one statement per kind, parents first.
        let mut batches = Vec::new();
        for round in queued.chunks(2000) {
            let mut statements = Vec::new();
            for (entity, table, columns) in COPIED {
                let rows: Vec<&str> =
                    round.iter().filter(|(e, _)| e == entity).map(|(_, p)| p.as_str()).collect();
                if rows.is_empty() {
                    continue;
                }
                let sql = format!(
                    "INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, $1) ON CONFLICT (id) DO NOTHING"
                );
                let array = format!("[{}]", rows.join(","));
                statements.push((sql, serde_json::from_str::<serde_json::Value>(&array).unwrap()));
            }
            batches.push(statements);
        }
        let started = Instant::now();
        for statements in &batches {
            let mut tx = statements_only.pool().begin().await.unwrap();
            for (sql, batch) in statements {
                // The push runs each statement in a savepoint (a refused row is retried alone).
                let mut savepoint = tx.begin().await.unwrap();
                sqlx::query(sql).bind(batch).execute(&mut *savepoint).await.unwrap();
                savepoint.commit().await.unwrap();
            }
            tx.commit().await.unwrap();
        }
        let statements_time = started.elapsed();
        let landed: i64 =
            sqlx::query_scalar(CENTRAL_ROWS).fetch_one(Central::new(&statements_url, None).unwrap().pool()).await.unwrap();
        assert_eq!(landed, copyable);
        println!(
            "sync_push/central statements alone (the push's INSERTs as the office, {} rounds): {:.2} s — {:.2}× COPY",
            batches.len(),
            statements_time.as_secs_f64(),
            common::ratio(statements_time, copy_time)
        );

        let office = Central::new(&pg.url_as("oficina_banco", "por_cola"), None).unwrap();
        desk.use_central(Some(office));
        LISTENING.store(true, Ordering::Relaxed);
        round_times();
        let started = Instant::now();
        let report = desk.sync_worker().push_once().await.unwrap();
        let push = started.elapsed();
        let (central_part, preparing, rounds) = round_times();
        assert_eq!(report.pushed as i64, rows, "every queued row goes up");
        assert_eq!(report.conflicts, 0);
        let central = Central::new(&queue_url, None).unwrap();
        let landed: i64 = sqlx::query_scalar(CENTRAL_ROWS).fetch_one(central.pool()).await.unwrap();
        assert_eq!(landed, copyable, "the push lands what COPY loads");
        let offices: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT office_role FROM registrations")
                .fetch_all(central.pool())
                .await
                .unwrap();
        assert_eq!(offices, ["oficina_banco"], "rows land under the office's role");
        let r = common::ratio(push, copy_time);
        println!(
            "sync_push/queue (the app's push as the office's role: idempotent, in order, per office): {rows} rows in {:.2} s, {:.0} rows/s — {r:.2}× COPY (target ≤ 1.5: {})",
            push.as_secs_f64(),
            rows as f64 / push.as_secs_f64(),
            common::verdict(r, 1.5)
        );
        // The push's floor is its own central statements: what it spent with the central
        // database, summed over its rounds; the station's claim and acknowledgement overlap
        // them (push.rs, `push_rounds`).
        println!(
            "sync_push/queue, its central part ({rounds} rounds: their statements, waited on): {:.2} s — {:.2}× COPY; the push is {:.2}× its central part; preparing the rows here, within the rounds: {:.2} s",
            central_part.as_secs_f64(),
            common::ratio(central_part, copy_time),
            common::ratio(push, central_part),
            preparing.as_secs_f64()
        );

        // Idempotent: the whole queue again, as after a reply lost on the way back.
        sqlx::query("UPDATE sync_queue SET state = 'pendiente', synced_at = NULL")
            .execute(desk.store().writer())
            .await
            .unwrap();
        let started = Instant::now();
        let again = desk.sync_worker().push_once().await.unwrap();
        let repeat = started.elapsed();
        let (central_again, _, _) = round_times();
        assert_eq!(again.pushed as i64, rows);
        let after: i64 = sqlx::query_scalar(CENTRAL_ROWS).fetch_one(central.pool()).await.unwrap();
        assert_eq!(after, landed, "a second push adds nothing");
        println!(
            "sync_push/queue again (every row already there, nothing added): {:.2} s — {:.2}× COPY; {:.2}× its central part ({:.2} s)",
            repeat.as_secs_f64(),
            common::ratio(repeat, copy_time),
            common::ratio(repeat, central_again),
            central_again.as_secs_f64()
        );
    });
}
