//! The desk's search over a station at the limit: a roster of 1,000,000 affiliates and
//! 100,000 registrations, searched by name without accents, by folio, by email and by
//! affiliation number (the desk's one search box, `Desk::search`). Beside it, in the same
//! run, its anchor: a bare lookup of one registration by its primary key on the same
//! database. Prints each kind's median and 99th percentile; the target is p99 ≤ 20 ms.
//!
//!   cargo bench -p registro-core --bench search

mod common;

use common::{ms, summary};
use registro_core::store::DatabaseKey;
use std::time::Instant;

const FIRST: u64 = 700_000_000;

fn main() {
    if !common::selected("search") {
        return;
    }
    common::header("search");
    let affiliates = common::size(1_000_000, 2_000);
    let registrations = common::size(100_000, 200);
    let rounds = common::size(20, 2);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let station = common::station(&DatabaseKey::generate(), FIRST, affiliates).await;
        let store = station.desk.store();
        // The registrations straight into the table (through the app they would take
        // minutes): one per affiliate of the first `registrations`, validated, made over
        // the last days, with a folio and an email of their own, recorded oldest first as
        // a station records them.
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
             INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                        family_grouping, office, workstation, clerk, created_at,
                                        validated_at, updated_at)
             SELECT printf('00000000-0000-4000-8000-%012d', i), printf('RSL-261120-%04d-%04d', i / 10000, i % 10000),
                    CAST(?2 + i AS TEXT), '+526865550142', printf('persona%d@example.org', i), 'validada',
                    i % 2, 'Oficina', 'Estación', 'banco',
                    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', i)) , NULL,
                    strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
               FROM n
              ORDER BY i DESC",
        )
        .bind(registrations as i64)
        .bind(FIRST as i64)
        .execute(store.writer())
        .await
        .unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM registrations")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(count as u64, registrations);
        println!("search: roster of {affiliates}, {registrations} registrations");

        let pick = |r: u64| (r * 7919) % registrations;
        let mut anchor = Vec::new();
        let mut kinds: Vec<(&str, Vec<std::time::Duration>)> = vec![
            ("name without accents", Vec::new()),
            ("folio", Vec::new()),
            ("email", Vec::new()),
            ("affiliation number", Vec::new()),
        ];
        // A part every registered name shares, as a common surname would be: the 50 newest
        // of 100,000 matches.
        let mut shared_part = Vec::new();
        for r in 0..rounds {
            let i = pick(r);
            let id = format!("00000000-0000-4000-8000-{i:012}");
            let started = Instant::now();
            let found: Option<String> =
                sqlx::query_scalar("SELECT folio FROM registrations WHERE id = ?")
                    .bind(&id)
                    .fetch_optional(store.reader())
                    .await
                    .unwrap();
            anchor.push(started.elapsed());
            assert!(found.is_some());
            let queries = [
                // The roster's name is «Persona Ficticia {i}»: typed without the capitals.
                format!("persona ficticia {i}"),
                format!("rsl-261120-{:04}-{:04}", i / 10000, i % 10000),
                format!("persona{i}@example.org"),
                (FIRST + i).to_string(),
            ];
            for (query, (_, times)) in queries.iter().zip(kinds.iter_mut()) {
                let started = Instant::now();
                let results = station.desk.search(query).await.unwrap().registrations;
                times.push(started.elapsed());
                assert!(
                    results
                        .iter()
                        .any(|s| s.affiliation_number == (FIRST + i).to_string()),
                    "«{query}» finds registration {i}"
                );
            }
        }
        for _ in 0..rounds {
            let started = Instant::now();
            let results = station.desk.search("ficticia").await.unwrap().registrations;
            shared_part.push(started.elapsed());
            assert_eq!(results.len(), 50.min(registrations as usize));
            assert!(
                results.windows(2).all(|w| w[0].created_at >= w[1].created_at),
                "the newest first"
            );
            assert_eq!(results[0].affiliation_number, FIRST.to_string(), "the newest of all");
        }
        kinds.push(("part of every name (50 newest shown)", shared_part));
        let anchor = summary(&anchor);
        println!(
            "search/anchor (one registration by its primary key): median {:.3} ms, p99 {:.3} ms",
            ms(anchor.median),
            ms(anchor.p99)
        );
        for (kind, times) in &kinds {
            let s = summary(times);
            println!(
                "search/{kind} ({} searches): median {:.2} ms, p99 {:.2} ms ({:.0}× the anchor's p99; target p99 ≤ 20 ms: {})",
                s.n,
                ms(s.median),
                ms(s.p99),
                common::ratio(s.p99, anchor.p99),
                if common::quick() {
                    "sin veredicto en modo rápido"
                } else if ms(s.p99) <= 20.0 {
                    "cumple"
                } else {
                    "NO cumple"
                }
            );
        }
    });
}
