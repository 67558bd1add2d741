//! The app killed (SIGKILL, «Finalizar tarea») at random moments while it registers,
//! validates by code, resends and delivers to a real SMTP server, then opened again on
//! the same data folder, over and over. After every restart: the database is whole,
//! every registration whose «Registrar» answered is there with everything it wrote and
//! nothing is half-written, no message reached the server twice, and nothing is left
//! `enviando` once the startup recovery ran (what was in flight becomes `incierto`).
//!
//! `REGISTRO_MATANZAS` sets how many kills (200 when unset; dev.sh asks for fewer);
//! `REGISTRO_SEMILLA` replays a run: the seed is printed at the start and in every failure.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use registro_core::config::SmtpSecurity;
use registro_core::outbox::Transport;
use registro_test_support::child::{self, ChildProcess};
use registro_test_support::smtp_server::SmtpServer;
use registro_test_support::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const HEADER: &str = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";
const KILLED_AT_RANDOM: &str =
    "an_app_killed_at_random_moments_loses_nothing_it_confirmed_and_sends_nothing_twice";
/// Registrations one app process can make before it is killed (its share of the roster).
const PER_PROCESS: usize = 100;

fn invented(i: usize) -> (String, String) {
    let n = 710_000_000 + i;
    (n.to_string(), format!("SF{n}"))
}

fn email_of(i: usize) -> String {
    format!("persona{i}@example.com")
}

fn kills_wanted() -> usize {
    match std::env::var("REGISTRO_MATANZAS") {
        Ok(n) => n
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("REGISTRO_MATANZAS={n:?} is not a number")),
        Err(_) => 200,
    }
}

fn seed() -> u64 {
    match std::env::var("REGISTRO_SEMILLA") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("REGISTRO_SEMILLA={s:?} is not a number")),
        Err(_) => rand::random(),
    }
}

#[tokio::test]
async fn an_app_killed_at_random_moments_loses_nothing_it_confirmed_and_sends_nothing_twice() {
    if let Some(part) = child::child_part() {
        return work_until_killed(&part).await;
    }
    let kills = kills_wanted();
    let seed = seed();
    eprintln!("crash suite: {kills} kills, REGISTRO_SEMILLA={seed}");
    let replay = format!("(replay with REGISTRO_SEMILLA={seed} REGISTRO_MATANZAS={kills})");
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();

    let server = SmtpServer::start(SmtpSecurity::Plain, false);
    let folder = test_folder();
    let root = folder.path().join("datos");
    let t = spawn_desk_in(&root).await;
    let csv = folder.path().join("padrón.csv");
    let mut roster = String::from(HEADER);
    roster.push('\n');
    for i in 0..(kills + 1) * PER_PROCESS {
        let (n, serial) = invented(i);
        roster.push_str(&format!(
            "{n},{serial},Persona Ficticia {i},titular,{n},si\n"
        ));
    }
    std::fs::write(&csv, roster).unwrap();
    t.as_supervisor().await;
    t.desk.import_roster(&csv, |_| {}).await.unwrap();
    close(&t).await;
    drop(t);

    let test = child::test_name(module_path!(), KILLED_AT_RANDOM);
    let mut confirmed: BTreeSet<String> = BTreeSet::new();
    let mut validated: BTreeSet<String> = BTreeSet::new();
    let mut received = Received::default();
    let mut uncertain_total = 0u64;
    for kill in 0..kills {
        let first = count_registrations(&root).await;
        let part = format!(
            "{}|{}|{}|{first}",
            root.display(),
            server.port,
            server.maildir.display()
        );
        let mut app = ChildProcess::spawn(&test, &part);
        // Mostly killed while it works; now and then while it is still opening.
        if rng.gen_ratio(1, 10) {
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..400)));
        } else {
            let opened = app.next_line(Duration::from_secs(120));
            assert_eq!(
                opened.as_deref(),
                Some("abierta"),
                "kill {kill}: the app opened {replay}"
            );
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..2_500)));
        }
        app.kill();
        let (_, said) = app.wait();
        for line in &said {
            match line.split_once(' ') {
                Some(("registrado", folio)) => {
                    confirmed.insert(folio.to_owned());
                }
                Some(("validado", folio)) => {
                    validated.insert(folio.to_owned());
                }
                Some(("reenviado", _)) | None => {}
                _ => panic!("kill {kill}: the clerk saw {line:?} {replay}"),
            }
        }

        // The app opened again on the same folder, and its startup recovery.
        let t = reopen(&root).await;
        let context = format!("after kill {kill} {replay}");
        check_whole(&t, &confirmed, &validated, &context).await;
        uncertain_total += t.desk.outbox_worker().recover_interrupted().await.unwrap();
        assert_eq!(
            t.scalar_i64("SELECT count(*) FROM outbox_messages WHERE state = 'enviando'")
                .await,
            0,
            "nothing left in flight {context}"
        );
        received.read_new(&server);
        received.check_each_once(&t, &context).await;
        close(&t).await;
    }

    // Afterwards the station goes on: what waited goes out, each message once, and the
    // next person registers.
    let t = reopen(&root).await;
    t.clock.advance(chrono::Duration::hours(2));
    t.desk.sign_in(CLERK.0, CLERK.1).await.unwrap();
    use_server(&t, &server);
    t.desk.outbox_worker().recover_interrupted().await.unwrap();
    t.deliver().await;
    received.read_new(&server);
    received.check_each_once(&t, &replay).await;
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_messages WHERE state IN ('en_cola', 'enviando')")
            .await,
        0,
        "every waiting email left {replay}"
    );
    let in_database = t.scalar_i64("SELECT count(*) FROM registrations").await;
    let next = usize::try_from(in_database).unwrap();
    let (n, serial) = invented(next);
    t.register((&n, &serial), &email_of(next)).await;
    let lost = confirmed.len() as i64 - in_database.min(confirmed.len() as i64);
    eprintln!(
        "crash suite: kills={kills} registrations confirmed={} in the database={in_database} \
         validated={} messages at the server={} lost=0 duplicated=0 uncertain={uncertain_total} \
         seconds={} seed={seed}",
        confirmed.len(),
        validated.len(),
        received.files.len(),
        started.elapsed().as_secs(),
    );
    assert_eq!(lost, 0);
}

/// The desk on `root` as the app opens it after a restart (nobody signed in yet).
async fn reopen(root: &Path) -> TestDesk {
    reopen_desk_signed_out(root).await
}

async fn count_registrations(root: &Path) -> usize {
    let t = reopen(root).await;
    let n = t.scalar_i64("SELECT count(*) FROM registrations").await;
    close(&t).await;
    usize::try_from(n).unwrap()
}

/// Closes the desk's database files before the next process opens them.
async fn close(t: &TestDesk) {
    t.desk.store().close().await;
}

fn use_server(t: &TestDesk, server: &SmtpServer) {
    let (settings, password) = server.settings(true);
    t.desk
        .replace_settings(for_the_institute(t.desk.settings()));
    t.desk
        .use_transport(Transport::smtp(&settings, password.as_deref()).unwrap());
}

/// What a restarted station must find, whatever moment the kill hit.
async fn check_whole(
    t: &TestDesk,
    confirmed: &BTreeSet<String>,
    validated: &BTreeSet<String>,
    context: &str,
) {
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap();
    assert_eq!(integrity, "ok", "{context}");
    let stored: BTreeSet<String> = sqlx::query_scalar("SELECT folio FROM registrations")
        .fetch_all(t.desk.store().reader())
        .await
        .unwrap()
        .into_iter()
        .collect();
    let lost: Vec<&String> = confirmed.difference(&stored).collect();
    assert!(lost.is_empty(), "registrations lost {context}: {lost:?}");
    // Every registration, confirmed or caught by the kill after its commit, is whole.
    let half_written: Vec<String> = sqlx::query_scalar(
        "SELECT folio FROM registrations r WHERE
            (SELECT count(*) FROM consents c WHERE c.registration_id = r.id) <> 4
         OR (SELECT count(*) FROM validation_tokens v WHERE v.registration_id = r.id) < 1
         OR (SELECT count(*) FROM outbox_messages o
              WHERE o.registration_id = r.id AND o.kind = 'validacion') < 1
         OR (SELECT count(*) FROM audit_events a
              WHERE a.registration_id = r.id AND a.action = 'registro_creado') <> 1
         OR (SELECT count(*) FROM sync_queue q WHERE q.registration_id = r.id) < 6
         OR (r.state = 'validada') <> (SELECT count(*) = 1 FROM outbox_messages o
              WHERE o.registration_id = r.id AND o.kind = 'contrasena_temporal')",
    )
    .fetch_all(t.desk.store().reader())
    .await
    .unwrap();
    assert!(
        half_written.is_empty(),
        "half-written registrations {context}: {half_written:?}"
    );
    for folio in validated {
        let state: String = sqlx::query_scalar("SELECT state FROM registrations WHERE folio = ?")
            .bind(folio)
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
        assert_eq!(state, "validada", "{folio} was validated {context}");
    }
}

/// Every message the SMTP server accepted so far, by Message-ID.
#[derive(Default)]
struct Received {
    files: BTreeSet<PathBuf>,
    by_message_id: HashMap<String, usize>,
}

impl Received {
    fn read_new(&mut self, server: &SmtpServer) {
        for file in server.received_files() {
            if self.files.contains(&file) {
                continue;
            }
            // A message the server is still writing is read at the next look.
            let Some(email) = Email::try_read(&file) else {
                continue;
            };
            let id = email.message_id.trim_matches(['<', '>']).to_owned();
            *self.by_message_id.entry(id).or_default() += 1;
            self.files.insert(file);
        }
    }

    async fn check_each_once(&self, t: &TestDesk, context: &str) {
        let twice: Vec<_> = self.by_message_id.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "sent twice {context}: {twice:?}");
        // A message the server has must never wait to be sent again by itself.
        for id in self.by_message_id.keys() {
            let state: Option<String> = sqlx::query_scalar(
                "SELECT state FROM outbox_messages WHERE message_id = ? OR message_id = ?",
            )
            .bind(id)
            .bind(format!("<{id}>"))
            .fetch_optional(t.desk.store().reader())
            .await
            .unwrap();
            assert!(
                matches!(state.as_deref(), Some("enviado" | "incierto" | "cancelado")),
                "message {id} reached the server and is {state:?} here {context}"
            );
        }
    }
}

/// The child: the app opened on the folder (with its startup recovery), registering the
/// roster's people from `first` on, delivering to the SMTP server, validating every third
/// by the code the server received and resending every third, saying each result.
async fn work_until_killed(part: &str) {
    let fields: Vec<&str> = part.split('|').collect();
    let [root, port, maildir, first] = fields[..] else {
        panic!("folder|port|maildir|first: {part}")
    };
    let (root, maildir) = (Path::new(root), Path::new(maildir));
    let first: usize = first.parse().unwrap();
    let t = reopen_desk(root).await;
    let smtp = registro_core::config::SmtpSettings {
        host: "localhost".into(),
        port: port.parse().unwrap(),
        security: SmtpSecurity::Plain,
        timeout_secs: 5,
        ..Default::default()
    };
    t.desk
        .replace_settings(for_the_institute(t.desk.settings()));
    t.desk.use_transport(Transport::smtp(&smtp, None).unwrap());
    // What the app's outbox worker does first at every start.
    t.desk.outbox_worker().recover_interrupted().await.unwrap();
    child::tell_parent("abierta");
    for i in first..first + PER_PROCESS {
        let (n, serial) = invented(i);
        let receipt = match t.desk.register(&t.form((&n, &serial), &email_of(i))).await {
            Ok(receipt) => receipt,
            Err(e) => {
                child::tell_parent(&format!("error {}: {e}", e.code()));
                return;
            }
        };
        child::tell_parent(&format!("registrado {}", receipt.folio));
        t.deliver().await;
        match i % 3 {
            0 => {
                let Some(code) = code_sent_to(maildir, &email_of(i)) else {
                    continue;
                };
                t.desk
                    .validate_with_code(&receipt.folio, &code)
                    .await
                    .unwrap();
                child::tell_parent(&format!("validado {}", receipt.folio));
                t.deliver().await;
            }
            1 => {
                t.clock.advance(chrono::Duration::seconds(61));
                t.desk
                    .resend_validation(&receipt.registration_id)
                    .await
                    .unwrap();
                child::tell_parent(&format!("reenviado {}", receipt.folio));
                t.deliver().await;
            }
            _ => {}
        }
    }
}

/// The code of the validation email the server received for `to` (one per person here:
/// only the people who are validated get no resend).
fn code_sent_to(maildir: &Path, to: &str) -> Option<String> {
    registro_test_support::mail::eml_files(maildir)
        .iter()
        .filter_map(|f| Email::try_read(f))
        .find(|e| e.to == to)
        .map(|e| e.validation_code())
}
