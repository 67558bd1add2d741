//! Pushing 10,000 registrations (with their consents, tokens and audit events) from a
//! workstation to a real PostgreSQL through the sync queue, side by side with `COPY` of
//! the same rows into an empty copy of the schema. Prints figures; run with
//! `cargo bench -p registro-core --bench sync_push` (needs the postgresql package).

use registro_core::config::Settings;
use registro_core::registration::{ConsentAnswer, RegistrationForm};
use registro_core::store::DatabaseKey;
use registro_core::sync::Central;
use registro_core::{DataPaths, Desk, legal};
use registro_test_support::postgres_server;
use std::fmt::Write;
use std::time::Instant;

const REGISTRATIONS: u64 = 10_000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let pg = postgres_server::PgServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let queue_url = pg.create_database("por_cola");
        let copy_url = pg.create_database("por_copy");
        for url in [&queue_url, &copy_url] {
            Central::new(url, None).unwrap().migrate().await.unwrap();
        }
        pg.psql("por_cola", "CREATE ROLE oficina_banco LOGIN IN ROLE registro_ventanilla");

        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::open(&DataPaths::new(dir.path()), Settings::default(), &DatabaseKey::generate()).await.unwrap();
        // The first supervisor is signed in on creation; registrations need someone.
        desk.create_first_supervisor("banco", "Banco de Pruebas", "tarde-de-pruebas-1", "tarde-de-pruebas-1").await.unwrap();
        let mut csv = String::from("numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente\n");
        for i in 0..REGISTRATIONS {
            let n = 500_000_000 + i;
            writeln!(csv, "{n},SB{n},Persona Ficticia {i},titular,{n},si").unwrap();
        }
        let len = csv.len() as u64;
        registro_core::roster::import_csv_reader(desk.store(), std::io::Cursor::new(csv), len, desk.now(), |_| {})
            .await
            .unwrap();
        let documents = legal::current_documents(desk.store()).await.unwrap();
        let started = Instant::now();
        for i in 0..REGISTRATIONS {
            let n = 500_000_000 + i;
            let email = format!("persona{i}@example.org");
            let form = RegistrationForm {
                affiliation_number: n.to_string(),
                credential_serial: format!("SB{n}"),
                phone: "686 555 0142".into(),
                phone_country: registro_core::domain::PhoneCountry::Mexico,
                email: email.clone(),
                email_confirmation: email,
                email_suggestion_declined: false,
                consents: ConsentAnswer::accepting(&documents, Some(true)),
            };
            desk.register(&form).await.unwrap();
        }
        println!("sync_push: {REGISTRATIONS} registrations made offline in {:.1} s", started.elapsed().as_secs_f64());
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_queue").fetch_one(desk.store().reader()).await.unwrap();

        desk.use_central(Some(Central::new(&pg.url_as("oficina_banco", "por_cola"), None).unwrap()));
        let started = Instant::now();
        let report = desk.sync_once().await.unwrap();
        let push = started.elapsed().as_secs_f64();
        assert_eq!(report.pushed as i64, rows);
        println!(
            "sync_push/queue (idempotent INSERT … ON CONFLICT, one statement per kind of row, 500 rows a round): {rows} rows in {push:.2} s, {:.0} rows/s, {:.0} registrations/s",
            rows as f64 / push,
            REGISTRATIONS as f64 / push
        );

        // The same rows with COPY, table by table, into the empty twin database.
        let copy = Central::new(&copy_url, None).unwrap();
        let mut conn = copy.pool().acquire().await.unwrap();
        let started = Instant::now();
        for (entity, table, columns) in [
            ("registro", "registrations", "id, folio, affiliation_number, phone_e164, email, state, family_grouping, office, workstation, clerk, created_at"),
            ("consentimiento", "consents", "id, registration_id, document_kind, document_version, document_sha256, accepted, decided_at, method, clerk, office, workstation"),
            ("token", "validation_tokens", "id, registration_id, link_sha256, code_sha256, state, created_at, expires_at"),
            ("auditoria", "audit_events", "id, occurred_at, action, registration_id, affiliation_number, clerk, office, workstation, detail"),
        ] {
            let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM sync_queue WHERE entity = ? ORDER BY seq")
                .bind(entity)
                .fetch_all(desk.store().reader())
                .await
                .unwrap();
            let cols: Vec<&str> = columns.split(", ").collect();
            let mut data = String::new();
            for p in payloads {
                let v: serde_json::Value = serde_json::from_str(&p).unwrap();
                let line: Vec<String> = cols
                    .iter()
                    .map(|c| match &v[*c] {
                        serde_json::Value::Null => String::new(),
                        serde_json::Value::String(s) => format!("\"{}\"", s.replace('"', "\"\"")),
                        other => format!("\"{}\"", other.to_string().replace('"', "\"\"")),
                    })
                    .collect();
                data.push_str(&line.join(","));
                data.push('\n');
            }
            let mut copy_in = conn
                .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN (FORMAT csv)"))
                .await
                .unwrap();
            copy_in.send(data.as_bytes()).await.unwrap();
            copy_in.finish().await.unwrap();
        }
        let copy_secs = started.elapsed().as_secs_f64();
        let copied: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM registrations) + (SELECT count(*) FROM consents)
                  + (SELECT count(*) FROM validation_tokens) + (SELECT count(*) FROM audit_events)",
        )
        .fetch_one(copy.pool())
        .await
        .unwrap();
        assert_eq!(copied, rows);
        println!(
            "sync_push/COPY (no idempotency, no per-office checks): {copied} rows in {copy_secs:.2} s, {:.0} rows/s — queue push is {:.1}× slower",
            copied as f64 / copy_secs,
            push / copy_secs
        );
    });
}
