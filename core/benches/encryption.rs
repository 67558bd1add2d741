//! What encryption at rest costs: the same registration submit on a database in clear
//! and on one encrypted with SQLCipher, each holding the same 200,000-affiliate roster,
//! measured in one run and alternately (so both see the same machine load).
//!
//!   cargo bench -p registro-core --features plaintext-comparison --bench encryption

mod common;

use common::{Station, ms, ratio, summary};
use registro_core::store::DatabaseKey;
use std::time::{Duration, Instant};

const FIRST: u64 = 300_000_000;

async fn register(station: &Station, i: u64) -> Duration {
    let form = common::form(station, FIRST + i, i);
    let started = Instant::now();
    station.desk.register(&form).await.unwrap();
    started.elapsed()
}

fn main() {
    if !common::selected("encryption") {
        return;
    }
    common::header("encryption");
    let affiliates = common::size(200_000, 300);
    let warm_up = common::size(20, 1);
    let rounds = common::size(300, 1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let plain = common::station(&DatabaseKey::plaintext_for_comparison(), FIRST, affiliates).await;
        let encrypted = common::station(&DatabaseKey::generate(), FIRST, affiliates).await;
        for i in 0..warm_up {
            register(&plain, i).await;
            register(&encrypted, i).await;
        }
        let (mut in_clear, mut with_key) = (Vec::new(), Vec::new());
        for i in warm_up..warm_up + rounds {
            in_clear.push(register(&plain, i).await);
            with_key.push(register(&encrypted, i).await);
        }
        let (a, b) = (summary(&in_clear).median, summary(&with_key).median);
        println!(
            "encryption: roster import of {affiliates} rows {:.1} s in clear, {:.1} s encrypted ({:.2}×)",
            plain.import.as_secs_f64(),
            encrypted.import.as_secs_f64(),
            ratio(encrypted.import, plain.import)
        );
        println!(
            "encryption: one registration submit, median of {rounds}: {:.2} ms in clear, {:.2} ms encrypted ({:.2}×)",
            ms(a),
            ms(b),
            ratio(b, a)
        );
    });
}
