//! One registration submit at the desk, end to end in the core: parse, roster checks,
//! the transaction, on a real SQLite file holding a 200,000-affiliate roster.

use criterion::{Criterion, criterion_group, criterion_main};
use registro_core::config::Settings;
use registro_core::legal;
use registro_core::registration::{ConsentAnswer, RegistrationForm};
use registro_core::store::DatabaseKey;
use registro_core::{DataPaths, Desk};
use std::cell::Cell;
use std::fmt::Write;

const AFFILIATES: u64 = 200_000;

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

fn bench_register(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (desk, documents) = rt.block_on(async {
        let desk = Desk::open(
            &DataPaths::new(dir.path()),
            Settings::default(),
            &DatabaseKey::generate(),
        )
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
        registro_core::roster::import_csv_reader(
            desk.store(),
            std::io::Cursor::new(csv),
            len,
            desk.now(),
            |_| {},
        )
        .await
        .unwrap();
        let documents = legal::current_documents(desk.store()).await.unwrap();
        (desk, documents)
    });
    let next = Cell::new(0u64);
    let mut group = c.benchmark_group("registro");
    group.sample_size(30);
    group.bench_function("registrar_un_afiliado", |b| {
        b.iter(|| {
            let i = next.get();
            next.set(i + 1);
            assert!(i < AFFILIATES, "benchmark ran out of roster rows");
            let n = 300_000_000 + i;
            let form = RegistrationForm {
                affiliation_number: n.to_string(),
                credential_serial: format!("SB{n}"),
                phone: "686 555 0142".into(),
                phone_country: registro_core::domain::PhoneCountry::Mexico,
                email: format!("persona{i}@example.org"),
                email_confirmation: format!("persona{i}@example.org"),
                email_suggestion_declined: false,
                consents: ConsentAnswer::accepting(&documents, Some(i.is_multiple_of(2))),
            };
            rt.block_on(desk.register(&form)).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_register);
criterion_main!(benches);
