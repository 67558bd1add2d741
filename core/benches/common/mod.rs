//! What the benches share: when to run and at which size, and the figures they print.
//!
//! `cargo bench` passes `--bench`: full sizes (the README's figures). `cargo test` runs a
//! bench target without it (`./dev.sh test` runs them with `--all-targets`): quick mode,
//! small sizes and one round, so that a bench that no longer works fails the test run.
//! `REGISTRO_BENCH_RAPIDO=1` asks for quick mode under `cargo bench` too.
#![allow(dead_code)] // each bench uses its own part

use std::time::Duration;

/// Whether this bench runs at all: a name given to `cargo bench` that is not this bench's
/// (criterion-style filter) skips it.
pub fn selected(name: &str) -> bool {
    !std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !name.contains(&a))
}

/// Small sizes and one round: under `cargo test`, or when asked.
pub fn quick() -> bool {
    let asked = std::env::var("REGISTRO_BENCH_RAPIDO").is_ok_and(|v| !v.is_empty() && v != "0");
    asked || !std::env::args().any(|a| a == "--bench")
}

/// `full` in a real run, `small` in quick mode.
pub fn size(full: u64, small: u64) -> u64 {
    if quick() { small } else { full }
}

/// The figures of a series of timings.
pub struct Summary {
    pub n: usize,
    pub median: Duration,
    pub p99: Duration,
    pub total: Duration,
}

pub fn summary(times: &[Duration]) -> Summary {
    assert!(!times.is_empty(), "no timings");
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    Summary {
        n: sorted.len(),
        median: at(0.5),
        p99: at(0.99),
        total: sorted.iter().sum(),
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `a / b` as a ratio.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// The verdict printed beside a ratio and its target.
pub fn verdict(ratio: f64, target: f64) -> &'static str {
    if quick() {
        // At a few hundred rows the fixed costs decide: no verdict to read.
        "sin veredicto en modo rápido"
    } else if ratio <= target {
        "cumple"
    } else {
        "NO cumple"
    }
}

/// One line of the run's header: quick or full, and what the machine is.
pub fn header(bench: &str) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "{bench}: {} mode, {profile} build, {cores} cores",
        if quick() { "quick" } else { "full" }
    );
}

/// A station as the benches use it: a desk on a temporary folder, its first supervisor
/// signed in, and a roster of `affiliates` titulars numbered from `first`.
pub struct Station {
    pub desk: registro_core::Desk,
    pub documents: Vec<registro_core::legal::LegalDocument>,
    /// How long the roster import took.
    pub import: Duration,
    pub dir: tempfile::TempDir,
}

pub const HEADER: &str =
    "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente\n";

/// A roster of `affiliates` titulars numbered from `first`, with serial `SB<number>`.
pub fn titulars_csv(first: u64, affiliates: u64) -> String {
    use std::fmt::Write;
    let mut csv = String::from(HEADER);
    for i in 0..affiliates {
        let n = first + i;
        writeln!(csv, "{n},SB{n},Persona Ficticia {i},titular,{n},si").unwrap();
    }
    csv
}

pub async fn station(
    key: &registro_core::store::DatabaseKey,
    first: u64,
    affiliates: u64,
) -> Station {
    use registro_core::{DataPaths, Desk, config::Settings, legal};
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(&DataPaths::new(dir.path()), Settings::default(), key)
        .await
        .unwrap();
    // The first supervisor is signed in on creation; registrations need someone. (A
    // password may hold no word of the name or the username.)
    desk.create_first_supervisor(
        "banco",
        "Banco de Mediciones",
        "girasol-azul-7314",
        "girasol-azul-7314",
    )
    .await
    .unwrap();
    let csv = titulars_csv(first, affiliates);
    let len = csv.len() as u64;
    let started = std::time::Instant::now();
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
        dir,
    }
}

/// The form of the titular numbered `n` (the `i`-th of the roster), every consent accepted.
pub fn form(station: &Station, n: u64, i: u64) -> registro_core::registration::RegistrationForm {
    use registro_core::registration::{ConsentAnswer, RegistrationForm};
    let email = format!("persona{i}@example.org");
    RegistrationForm {
        affiliation_number: n.to_string(),
        credential_serial: format!("SB{n}"),
        phone: "686 555 0142".into(),
        phone_country: registro_core::domain::PhoneCountry::Mexico,
        email: email.clone(),
        email_confirmation: email,
        email_suggestion_declined: false,
        consents: ConsentAnswer::accepting(&station.documents, Some(i.is_multiple_of(2))),
    }
}

/// The kinds of queued row `COPY` loads (the sync anchors), with their central table and
/// columns.
pub const COPIED: [(&str, &str, &str); 4] = [
    (
        "registro",
        "registrations",
        "id, folio, affiliation_number, phone_e164, email, state, family_grouping, office, workstation, clerk, created_at",
    ),
    (
        "consentimiento",
        "consents",
        "id, registration_id, document_kind, document_version, document_sha256, accepted, decided_at, method, clerk, office, workstation",
    ),
    (
        "token",
        "validation_tokens",
        "id, registration_id, link_sha256, code_sha256, state, created_at, expires_at",
    ),
    (
        "auditoria",
        "audit_events",
        "id, occurred_at, action, registration_id, affiliation_number, clerk, office, workstation, detail",
    ),
];

/// The rows of those four kinds in a central database.
pub const CENTRAL_ROWS: &str =
    "SELECT (SELECT count(*) FROM registrations) + (SELECT count(*) FROM consents)
      + (SELECT count(*) FROM validation_tokens) + (SELECT count(*) FROM audit_events)";

/// The queued rows of one kind as CSV for `COPY`, in queue order.
pub async fn csv_of(store: &registro_core::store::Store, entity: &str, columns: &str) -> String {
    let payloads: Vec<String> = sqlx::query_scalar(
        "SELECT p.payload FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
              WHERE q.entity = ? ORDER BY q.seq",
    )
    .bind(entity)
    .fetch_all(store.reader())
    .await
    .unwrap();
    let columns: Vec<&str> = columns.split(", ").collect();
    let mut data = String::new();
    for p in payloads {
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        let line: Vec<String> = columns
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
    data
}

/// `COPY` of every queued row of the four kinds into `central` (as its owner): the sync
/// anchors. Returns the time and the rows loaded.
pub async fn copy_queue(
    store: &registro_core::store::Store,
    central: &registro_core::sync::Central,
) -> (Duration, i64) {
    let mut data = Vec::new();
    for (entity, table, columns) in COPIED {
        data.push((table, columns, csv_of(store, entity, columns).await));
    }
    let mut conn = central.pool().acquire().await.unwrap();
    let started = std::time::Instant::now();
    for (table, columns, csv) in &data {
        let mut copy_in = conn
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN (FORMAT csv)"))
            .await
            .unwrap();
        copy_in.send(csv.as_bytes()).await.unwrap();
        copy_in.finish().await.unwrap();
    }
    let took = started.elapsed();
    let copied: i64 = sqlx::query_scalar(CENTRAL_ROWS)
        .fetch_one(central.pool())
        .await
        .unwrap();
    (took, copied)
}

/// A tracing subscriber that hands each event of `target` to `on_event`, and only while
/// `listening` is on: off, the code under measure is asked for nothing.
pub struct EventTap {
    pub target: &'static str,
    pub listening: &'static std::sync::atomic::AtomicBool,
    pub on_event: fn(&tracing::Event<'_>),
}

impl tracing::Subscriber for EventTap {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        self.listening.load(std::sync::atomic::Ordering::Relaxed)
            && metadata.target() == self.target
    }
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == self.target {
            (self.on_event)(event);
        }
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
