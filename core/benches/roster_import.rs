//! Roster import at the institute's scale: 1,000,000 rows from a CSV file on disk into a
//! fresh SQLite file, then the same file again (every row an upsert). Prints figures;
//! run with `cargo bench -p registro-core --bench roster_import`.

use registro_core::store::{DatabaseKey, Store};
use std::io::Write;
use std::time::Instant;

const ROWS: u64 = 1_000_000;

fn write_csv(path: &std::path::Path) -> u64 {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente"
    )
    .unwrap();
    for i in 0..ROWS {
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

fn main() {
    // `cargo test --benches` runs bench targets with --test-like args; only bench for real.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("padron.csv");
    let bytes = write_csv(&csv);
    println!(
        "roster_import: {ROWS} rows, {:.1} MiB CSV",
        bytes as f64 / 1048576.0
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&dir.path().join("registro.sqlite3"), &DatabaseKey::generate()).await.unwrap();
        for label in ["fresh database", "re-import (upsert)"] {
            let started = Instant::now();
            let mut updates = 0u32;
            let report = registro_core::roster::import_csv_file(&store, &csv, chrono::Utc::now(), |_| updates += 1)
                .await
                .unwrap();
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(report.imported, ROWS);
            println!(
                "roster_import/{label}: {:.2} s, {:.0} rows/s, {updates} progress updates, {} rejected",
                secs,
                ROWS as f64 / secs,
                report.rejected
            );
        }
        let size = std::fs::metadata(dir.path().join("registro.sqlite3")).unwrap().len();
        println!("roster_import: database file {:.1} MiB", size as f64 / 1048576.0);
    });
}
