//! What encryption at rest costs: the same registration submit on a database in clear
//! and on one encrypted with SQLCipher, each holding the same 200,000-affiliate roster,
//! measured in one run and alternately (so both see the same machine load).
//!
//!   cargo bench -p registro-core --features plaintext-comparison --bench encryption

use registro_core::config::Settings;
use registro_core::legal::{self, LegalDocument};
use registro_core::registration::{ConsentAnswer, RegistrationForm};
use registro_core::store::DatabaseKey;
use registro_core::{DataPaths, Desk};
use std::fmt::Write;
use std::time::{Duration, Instant};

const AFFILIATES: u64 = 200_000;
const WARM_UP: u64 = 20;
const ROUNDS: u64 = 300;

fn roster_csv() -> String {
    let mut csv = String::from(
        "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente\n",
    );
    for i in 0..AFFILIATES {
        let n = 300_000_000 + i;
        writeln!(csv, "{n},SB{n},Persona Ficticia {i},titular,{n},si").unwrap();
    }
    csv
}

struct Station {
    desk: Desk,
    documents: Vec<LegalDocument>,
    import: Duration,
    _dir: tempfile::TempDir,
}

async fn station(key: &DatabaseKey) -> Station {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(&DataPaths::new(dir.path()), Settings::default(), key)
        .await
        .unwrap();
    // The first supervisor is signed in on creation; registrations need someone.
    desk.create_first_supervisor(
        "banco",
        "Banco de Pruebas",
        "tarde-de-pruebas-1",
        "tarde-de-pruebas-1",
    )
    .await
    .unwrap();
    let csv = roster_csv();
    let len = csv.len() as u64;
    let started = Instant::now();
    registro_core::roster::import_csv_reader(
        desk.store(),
        std::io::Cursor::new(csv),
        len,
        desk.now(),
        |_| {},
    )
    .await
    .unwrap();
    let import = started.elapsed();
    let documents = legal::current_documents(desk.store()).await.unwrap();
    Station {
        desk,
        documents,
        import,
        _dir: dir,
    }
}

async fn register(station: &Station, i: u64) -> Duration {
    let n = 300_000_000 + i;
    let form = RegistrationForm {
        affiliation_number: n.to_string(),
        credential_serial: format!("SB{n}"),
        phone: "686 555 0142".into(),
        email: format!("persona{i}@example.org"),
        email_confirmation: format!("persona{i}@example.org"),
        email_suggestion_declined: false,
        consents: ConsentAnswer::accepting(&station.documents, Some(i.is_multiple_of(2))),
    };
    let started = Instant::now();
    station.desk.register(&form).await.unwrap();
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that leaves this one out skips it.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"encryption".contains(&a))
    {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let plain = station(&DatabaseKey::plaintext_for_comparison()).await;
        let encrypted = station(&DatabaseKey::generate()).await;
        for i in 0..WARM_UP {
            register(&plain, i).await;
            register(&encrypted, i).await;
        }
        let (mut in_clear, mut with_key) = (Vec::new(), Vec::new());
        for i in WARM_UP..WARM_UP + ROUNDS {
            in_clear.push(register(&plain, i).await);
            with_key.push(register(&encrypted, i).await);
        }
        let (a, b) = (median(in_clear), median(with_key));
        println!(
            "encryption: roster import of {AFFILIATES} rows {:.1} s in clear, {:.1} s encrypted ({:.2}×)",
            plain.import.as_secs_f64(),
            encrypted.import.as_secs_f64(),
            encrypted.import.as_secs_f64() / plain.import.as_secs_f64()
        );
        println!(
            "encryption: one registration submit, median of {ROUNDS}: {:.2} ms in clear, {:.2} ms encrypted ({:.2}×)",
            ms(a),
            ms(b),
            b.as_secs_f64() / a.as_secs_f64()
        );
    });
}
