//! The central service under load: `clients` affiliates at once open their validation link
//! (`GET /validar?token=…`, the page with the button) and press «Validar mi cuenta»
//! (`POST /validar`), against two `registro-central` processes that share one PostgreSQL
//! and a real SMTP server, all on loopback. Bounded in count (`links`) and in time.
//!
//! The registrations and their tokens go straight into the central database, as the
//! office's role and with the columns a desk's push sends (thousands of desk registrations
//! and syncs would take far longer than the load itself); the tokens are real: 256 random
//! bits of which only the SHA-256 is stored, as at a desk. Everything after that is the
//! real path: the HTTP stack, the rate-limit check, the token lookup, the validation
//! transaction with its row locks and argon2id hash, and the outbox sending to SMTP.
//! Like a balancer without sticky sessions, each link's GET lands on one instance and
//! its POST on the other.
//!
//! Prints throughput (links/s), the median and p99 of the GET, the POST and the pair, and
//! the errors (must be none), then asserts that each link validated its registration
//! exactly once: one `validada`, one used token, one account, one audit event and one
//! temporary-password email queued per registration, no 5xx, and then each email
//! delivered once to the SMTP server.
//!
//! Every figure is printed beside an anchor measured in the same run, on the same
//! PostgreSQL, by the same clients, half just before the links and half just after
//! (pooled), because this machine is shared and its absolute figures move by 2× from one
//! run to the next while ratios to work of the same kind, done at the same moment, move
//! far less:
//! - **a bare transaction that updates one row** (`BEGIN; UPDATE …; COMMIT`), one per link,
//!   through as many connections as the two instances have together: the floor of a
//!   validation, which is such a transaction with more writes, a locked lookup and an
//!   argon2id hash in it. Throughput and the POST are read against it. (The test
//!   PostgreSQL runs with `fsync=off`: the floor is the round trips and the locking, not
//!   the disk, and so is the validation's.)
//! - **`GET /salud`**, the smallest page the service serves that touches the database (one
//!   `SELECT 1` through the same processes, HTTP stack and pools): the link's GET is that
//!   plus the rate-limit check and the token lookup.
//! - one **argon2id hash** of a temporary password, one at a time with nothing else of the
//!   bench running: the CPU floor of each POST (every validation hashes its new password
//!   inside its transaction), and with the machine's cores the ceiling of the throughput.
//!
//! The limit on unknown links (10 per client address in 15 minutes, README «Límites y
//! bloqueos») stays at its default, as deployed: every client here comes from 127.0.0.1,
//! but valid links are never counted, so thousands of them stay under it. A count in
//! `rate_limit_windows` would mean an unknown link, and fails the run.
//!
//!   cargo bench -p registro-central --bench link_load

#[path = "../../core/benches/common/mod.rs"]
mod common;

use common::{Summary, ms, ratio, summary};
use registro_core::config::SmtpSecurity;
use registro_core::security;
use registro_test_support::postgres_server::PgServer;
use registro_test_support::smtp_server::{self, SmtpServer};
use registro_test_support::{central_database, free_port};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Affiliation numbers of the invented roster start here.
const FIRST: u64 = 810_000_000;
const INSTANCES: usize = 2;

fn main() {
    if !common::selected("link_load") {
        return;
    }
    common::header("link_load");
    let clients = common::size(50, 5) as usize;
    let links = common::size(2_000, 20) as usize;
    // The hard bound of the load itself; clients take no new link after it.
    let bound = Duration::from_secs(common::size(300, 40));
    let pg = PgServer::start();
    let smtp = SmtpServer::start(SmtpSecurity::Plain, true);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(run(&pg, &smtp, clients, links, bound));
}

async fn run(pg: &PgServer, smtp: &SmtpServer, clients: usize, links: usize, bound: Duration) {
    let admin = central_database(pg).await;
    let admin = admin.pool();
    let tokens = create_links(pg, admin, links).await;
    prepare_anchor_table(admin, links).await;

    let mut instances = Vec::new();
    for n in 1..=INSTANCES {
        instances.push(Instance::start(&format!("central-{n}"), pg, smtp).await);
    }
    let bases: Arc<Vec<String>> = Arc::new(instances.iter().map(|i| i.url("")).collect());
    // What the two instances may hold together, for the bare transactions.
    let service_connections =
        INSTANCES as u32 * registro_central::Config::with_defaults("").max_connections;
    println!(
        "link_load: {links} links, {clients} clients, {INSTANCES} instances, \
         PostgreSQL {} connections for the bare transactions, bound {} s",
        service_connections,
        bound.as_secs()
    );
    let http: Vec<reqwest::Client> = (0..clients).map(|_| browser()).collect();
    let anchor_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(service_connections)
        .connect(&pg.url("central"))
        .await
        .unwrap();

    // Warm-up, not measured: every client's connections, both instances' pools, the anchor's pool.
    health_round(&http, &bases, clients * 2).await;
    bare_transactions(
        &anchor_pool,
        clients,
        0..(service_connections as usize).min(links),
    )
    .await;
    sqlx::query("UPDATE load_anchor SET hits = 0")
        .execute(admin)
        .await
        .unwrap();

    let hashes = argon2_alone(common::size(20, 3) as usize).await;
    let half = links / 2;
    let (mut tx_times, tx_wall_1) = bare_transactions(&anchor_pool, clients, 0..half).await;
    let (mut health_times, health_wall_1) = health_round(&http, &bases, half).await;

    let started = Instant::now();
    let load = open_links(&http, &bases, &tokens, started + bound).await;
    let load_wall = started.elapsed();

    let (more, health_wall_2) = health_round(&http, &bases, links - half).await;
    health_times.extend(more);
    let (more, tx_wall_2) = bare_transactions(&anchor_pool, clients, half..links).await;
    tx_times.extend(more);
    let touched: i64 = sqlx::query_scalar("SELECT count(*) FROM load_anchor WHERE hits = 1")
        .fetch_one(admin)
        .await
        .unwrap();
    assert_eq!(touched as usize, links, "each anchor row updated once");

    let done = load.get.len();
    let tx = summary(&tx_times);
    let health = summary(&health_times);
    let hash = summary(&hashes);
    let get = summary(&load.get);
    let post = summary(&load.post);
    let pair = summary(&load.pair);
    let links_per_s = done as f64 / load_wall.as_secs_f64();
    let tx_per_s = links as f64 / (tx_wall_1 + tx_wall_2).as_secs_f64();
    let health_per_s = links as f64 / (health_wall_1 + health_wall_2).as_secs_f64();
    // Each validation hashes once: the machine cannot validate faster than this.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ceiling = cores as f64 / hash.median.as_secs_f64();

    println!(
        "link_load/anchor bare transaction (UPDATE of one row, {} by {clients} clients): {tx_per_s:.0}/s, median {:.2} ms, p99 {:.2} ms",
        tx.n,
        ms(tx.median),
        ms(tx.p99)
    );
    println!(
        "link_load/anchor GET /salud ({} by {clients} clients): {health_per_s:.0}/s, median {:.2} ms, p99 {:.2} ms",
        health.n,
        ms(health.median),
        ms(health.p99)
    );
    println!(
        "link_load/anchor argon2id hash alone ({}): median {:.1} ms, p99 {:.1} ms",
        hash.n,
        ms(hash.median),
        ms(hash.p99)
    );
    println!(
        "link_load/links: {done} of {links} opened and validated in {:.1} s: {links_per_s:.1} links/s \
         (bare transactions {:.0}× faster; GET /salud {:.0}× faster; \
         {:.2} of the argon2id ceiling, {cores} cores / median hash = {ceiling:.1}/s)",
        load_wall.as_secs_f64(),
        tx_per_s / links_per_s,
        health_per_s / links_per_s,
        links_per_s / ceiling
    );
    print_latency("GET /validar", &get, &[("GET /salud", &health)]);
    print_latency(
        "POST /validar",
        &post,
        &[("bare transaction", &tx), ("argon2id hash", &hash)],
    );
    print_latency(
        "GET + POST",
        &pair,
        &[("bare transaction", &tx), ("GET /salud", &health)],
    );
    println!(
        "link_load/errors: {} ({} of them 5xx){}",
        load.failures.len(),
        load.server_errors,
        if load.failures.is_empty() {
            String::new()
        } else {
            format!(": {:?}", &load.failures[..load.failures.len().min(5)])
        }
    );
    for instance in &mut instances {
        instance.assert_alive();
    }
    assert_eq!(load.server_errors, 0, "no 5xx");
    assert!(load.failures.is_empty(), "no errors: {:?}", load.failures);
    if done < links {
        println!(
            "link_load: the bound of {} s stopped the load after {done} of {links} links",
            bound.as_secs()
        );
    }
    assert!(done > 0, "at least one link within the bound");

    // A link opened again validates nothing more (two clicks, a back button).
    let again = &tokens[..done.min(5)];
    for token in again {
        let response = http[0]
            .post(format!("{}/validar", bases[1]))
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 410, "a used link, posted again");
    }

    assert_validated_once(admin, done, links).await;
    let delivered = wait_for_delivery(admin, smtp, done, started + load_wall).await;
    println!(
        "link_load/outbox: {done} temporary-password emails queued once each, all delivered to SMTP {:.1} s after the last link",
        delivered.as_secs_f64()
    );
}

fn print_latency(what: &str, s: &Summary, anchors: &[(&str, &Summary)]) {
    let against: Vec<String> = anchors
        .iter()
        .map(|(name, a)| {
            format!(
                "{:.1}× / {:.1}× {name}",
                ratio(s.median, a.median),
                ratio(s.p99, a.p99)
            )
        })
        .collect();
    println!(
        "link_load/{what} ({}): median {:.2} ms, p99 {:.2} ms (median / p99: {})",
        s.n,
        ms(s.median),
        ms(s.p99),
        against.join("; ")
    );
}

/// A client as a browser is one: its own connections, kept alive, no redirects followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `links` invented titulars in the central roster, each with a registration pending
/// validation and a live token, inserted as the Mexicali office's role with the columns a
/// desk's push sends. Returns the link tokens (the secret half), in order.
async fn create_links(pg: &PgServer, admin: &sqlx::PgPool, links: usize) -> Vec<String> {
    let numbers: Vec<String> = (0..links).map(|i| (FIRST + i as u64).to_string()).collect();
    let names: Vec<String> = (0..links)
        .map(|i| format!("Persona Ficticia {i}"))
        .collect();
    sqlx::query(
        "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name, kind, family_nucleus, is_current)
         SELECT n, 'SB' || n, name, 'titular', n, TRUE FROM unnest($1::text[], $2::text[]) AS r(n, name)",
    )
    .bind(&numbers)
    .bind(&names)
    .execute(admin)
    .await
    .unwrap();

    let now = chrono::Utc::now();
    let ids: Vec<uuid::Uuid> = (0..links).map(|_| uuid::Uuid::new_v4()).collect();
    let folios: Vec<String> = (0..links)
        .map(|_| security::new_folio(now.date_naive()))
        .collect();
    let emails: Vec<String> = (0..links)
        .map(|i| format!("persona{i}@example.org"))
        .collect();
    let tokens: Vec<String> = (0..links).map(|_| security::new_link_token()).collect();
    let token_ids: Vec<uuid::Uuid> = (0..links).map(|_| uuid::Uuid::new_v4()).collect();
    let link_hashes: Vec<String> = tokens.iter().map(|t| security::sha256_hex(t)).collect();
    let code_hashes: Vec<String> = token_ids
        .iter()
        .map(|id| security::code_hash(&id.to_string(), &security::new_code()))
        .collect();

    let office = sqlx::PgPool::connect(&pg.url_as("oficina_mexicali", "central"))
        .await
        .unwrap();
    let mut tx = office.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                    family_grouping, office, workstation, clerk, created_at)
         SELECT id, folio, n, '+526865550142', email, 'pendiente_validacion', FALSE,
                'Mexicali', 'Estación de mediciones', 'banco', $5
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS r(id, folio, n, email)",
    )
    .bind(&ids)
    .bind(&folios)
    .bind(&numbers)
    .bind(&emails)
    .bind(now)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO validation_tokens (id, registration_id, link_sha256, code_sha256, state,
                                        created_at, expires_at)
         SELECT id, registration_id, link, code, 'activo', $5, $6
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS r(id, registration_id, link, code)",
    )
    .bind(&token_ids)
    .bind(&ids)
    .bind(&link_hashes)
    .bind(&code_hashes)
    .bind(now)
    .bind(now + chrono::Duration::hours(72))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    office.close().await;
    tokens
}

/// One narrow row per link for the bare transactions to update, beside the real tables.
async fn prepare_anchor_table(admin: &sqlx::PgPool, rows: usize) {
    sqlx::query(
        "CREATE TABLE load_anchor (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL, touched_at TIMESTAMPTZ)",
    )
    .execute(admin)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO load_anchor (id, hits) SELECT i, 0 FROM generate_series(0, $1 - 1) AS i",
    )
    .bind(rows as i32)
    .execute(admin)
    .await
    .unwrap();
}

/// Hands out job numbers to `clients` tasks until `jobs` run out; each task runs `job` and
/// the timings come back with the wall time of the whole round.
async fn round<F, Fut>(
    clients: usize,
    jobs: std::ops::Range<usize>,
    job: F,
) -> (Vec<Duration>, Duration)
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Duration> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(jobs.start));
    let job = Arc::new(job);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (next, job, end) = (next.clone(), job.clone(), jobs.end);
            tokio::spawn(async move {
                let mut times = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        return times;
                    }
                    times.push(job(client, i).await);
                }
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    (times, started.elapsed())
}

/// The floor of a validation: one transaction that updates one row, per job.
async fn bare_transactions(
    pool: &sqlx::PgPool,
    clients: usize,
    rows: std::ops::Range<usize>,
) -> (Vec<Duration>, Duration) {
    let pool = pool.clone();
    round(clients, rows, move |_, row| {
        let pool = pool.clone();
        async move {
            let started = Instant::now();
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("UPDATE load_anchor SET hits = hits + 1, touched_at = now() WHERE id = $1")
                .bind(row as i32)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            started.elapsed()
        }
    })
    .await
}

/// `GET /salud`, `count` times, each client on the instances in turn.
async fn health_round(
    http: &[reqwest::Client],
    bases: &Arc<Vec<String>>,
    count: usize,
) -> (Vec<Duration>, Duration) {
    let http = Arc::new(http.to_vec());
    let bases = bases.clone();
    round(http.len(), 0..count, move |client, i| {
        let (http, bases) = (http.clone(), bases.clone());
        async move {
            let started = Instant::now();
            let response = http[client]
                .get(format!("{}/salud", bases[(client + i) % bases.len()]))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.bytes().await.unwrap();
            started.elapsed()
        }
    })
    .await
}

/// `count` argon2id hashes of a temporary password, one after the other on a blocking thread.
async fn argon2_alone(count: usize) -> Vec<Duration> {
    tokio::task::spawn_blocking(move || {
        (0..count)
            .map(|_| {
                let password = security::new_temporary_password();
                let started = Instant::now();
                security::hash_password(&password).unwrap();
                started.elapsed()
            })
            .collect()
    })
    .await
    .unwrap()
}

#[derive(Default)]
struct Load {
    get: Vec<Duration>,
    post: Vec<Duration>,
    pair: Vec<Duration>,
    failures: Vec<String>,
    server_errors: usize,
}

enum Failed {
    Status(&'static str, u16),
    Other(String),
}

/// Every client opens links, one after the other, until none is left or `deadline` passes.
async fn open_links(
    http: &[reqwest::Client],
    bases: &Arc<Vec<String>>,
    tokens: &[String],
    deadline: Instant,
) -> Load {
    let tokens = Arc::new(tokens.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = http
        .iter()
        .enumerate()
        .map(|(client, http)| {
            let (http, bases, tokens, next) =
                (http.clone(), bases.clone(), tokens.clone(), next.clone());
            tokio::spawn(async move {
                let mut load = Load::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= tokens.len() || Instant::now() >= deadline {
                        return load;
                    }
                    // GET on one instance, POST on the other: no sticky sessions.
                    let at = |k: usize| &bases[(client + i + k) % bases.len()];
                    match open_and_confirm(&http, at(0), at(1), &tokens[i]).await {
                        Ok((get, post)) => {
                            load.get.push(get);
                            load.post.push(post);
                            load.pair.push(get + post);
                        }
                        Err(Failed::Status(step, status)) => {
                            load.server_errors += usize::from(status >= 500);
                            load.failures.push(format!("link {i}: {step} {status}"));
                        }
                        Err(Failed::Other(why)) => load.failures.push(format!("link {i}: {why}")),
                    }
                }
            })
        })
        .collect();
    let mut all = Load::default();
    for task in tasks {
        let load = task.await.unwrap();
        all.get.extend(load.get);
        all.post.extend(load.post);
        all.pair.extend(load.pair);
        all.failures.extend(load.failures);
        all.server_errors += load.server_errors;
    }
    all
}

/// What the affiliate does: opens the link (the page with the button), then presses
/// «Validar mi cuenta» with the form's hidden token. The two timings, body read included.
async fn open_and_confirm(
    http: &reqwest::Client,
    get_base: &str,
    post_base: &str,
    token: &str,
) -> Result<(Duration, Duration), Failed> {
    let other = |e: reqwest::Error| Failed::Other(e.to_string());
    let started = Instant::now();
    let response = http
        .get(format!("{get_base}/validar?token={token}"))
        .send()
        .await
        .map_err(other)?;
    let page = page_of(response, "GET").await?;
    let get = started.elapsed();
    let form_token = hidden_token(&page)
        .ok_or_else(|| Failed::Other("no «Validar mi cuenta» form on the page".into()))?;
    let started = Instant::now();
    let response = http
        .post(format!("{post_base}/validar"))
        .form(&[("token", form_token)])
        .send()
        .await
        .map_err(other)?;
    let page = page_of(response, "POST").await?;
    let post = started.elapsed();
    if !page.contains("Su cuenta quedó validada") {
        return Err(Failed::Other("the POST did not say «validada»".into()));
    }
    Ok((get, post))
}

/// The page of a response that must be 200.
async fn page_of(response: reqwest::Response, method: &'static str) -> Result<String, Failed> {
    let status = response.status().as_u16();
    let page = response
        .text()
        .await
        .map_err(|e| Failed::Other(e.to_string()))?;
    if status != 200 {
        return Err(Failed::Status(method, status));
    }
    Ok(page)
}

/// The hidden token of the «Validar mi cuenta» form.
fn hidden_token(page: &str) -> Option<&str> {
    const FIELD: &str = r#"name="token" value=""#;
    let at = page.find(FIELD)? + FIELD.len();
    page.contains("Validar mi cuenta")
        .then(|| page.get(at..at + 64))
        .flatten()
}

/// Each of the `done` opened links validated its registration exactly once; the rest
/// are untouched; no link was unknown.
async fn assert_validated_once(admin: &sqlx::PgPool, done: usize, links: usize) {
    let count = |sql: &'static str| async move {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(admin).await.unwrap();
        n as usize
    };
    let pairs = |sql: &'static str| async move {
        let (n, distinct): (i64, i64) = sqlx::query_as(sql).fetch_one(admin).await.unwrap();
        (n as usize, distinct as usize)
    };
    assert_eq!(
        count("SELECT count(*) FROM registrations WHERE state = 'validada' AND validated_by = 'enlace' AND validated_at IS NOT NULL").await,
        done,
        "validated registrations"
    );
    assert_eq!(
        count("SELECT count(*) FROM registrations WHERE state = 'pendiente_validacion'").await,
        links - done,
        "registrations whose link was not opened"
    );
    assert_eq!(
        count("SELECT count(*) FROM validation_tokens WHERE state = 'usado'").await,
        done,
        "used tokens"
    );
    assert_eq!(
        pairs("SELECT count(*), count(DISTINCT registration_id) FROM accounts").await,
        (done, done),
        "one account per validated registration"
    );
    assert_eq!(
        pairs("SELECT count(*), count(DISTINCT registration_id) FROM audit_events WHERE action = 'registro_validado'").await,
        (done, done),
        "one validation per registration in the audit trail"
    );
    assert_eq!(
        pairs("SELECT count(*), count(DISTINCT registration_id) FROM outbox_messages WHERE kind = 'contrasena_temporal'").await,
        (done, done),
        "one temporary-password email queued per registration"
    );
    assert_eq!(
        count("SELECT count(*) FROM outbox_messages").await,
        done,
        "no other email"
    );
    assert_eq!(
        count("SELECT coalesce(sum(hits), 0)::bigint FROM rate_limit_windows").await,
        0,
        "no unknown link counted against the clients' address"
    );
}

/// Waits (bounded) until the outbox has handed every email to the SMTP server, then
/// checks the server got each recipient once. How long after `last_link` that was.
async fn wait_for_delivery(
    admin: &sqlx::PgPool,
    smtp: &SmtpServer,
    done: usize,
    last_link: Instant,
) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(common::size(300, 60));
    loop {
        let (sent, stuck): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state = 'enviado'),
                    count(*) FILTER (WHERE state IN ('abandonado', 'incierto'))
               FROM outbox_messages",
        )
        .fetch_one(admin)
        .await
        .unwrap();
        assert_eq!(stuck, 0, "no email abandoned or uncertain");
        if sent as usize == done && smtp.received_files().len() >= done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{sent} of {done} emails sent before the bound"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = last_link.elapsed();
    let mut recipients: HashMap<String, usize> = HashMap::new();
    for email in smtp.received() {
        *recipients.entry(email.to).or_default() += 1;
    }
    assert_eq!(recipients.len(), done, "one recipient per validated link");
    assert!(
        recipients
            .iter()
            .all(|(to, n)| *n == 1 && to.starts_with("persona") && to.ends_with("@example.org")),
        "each affiliate got one email"
    );
    took
}

/// A `registro-central` process as deployed: its own role, the real SMTP server, the
/// default limits; stopped (by its own id) when the bench ends.
struct Instance {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl Instance {
    async fn start(name: &str, pg: &PgServer, smtp: &SmtpServer) -> Instance {
        let database = pg.url_as("servicio_central", "central");
        let smtp_port = smtp.port.to_string();
        let (settings, password) = smtp.settings(true);
        let password = password.unwrap_or_default();
        // A free port may be taken between the look and the bind: try another.
        for _ in 0..3 {
            let port = free_port();
            let listen = format!("127.0.0.1:{port}");
            let sign_in = format!("http://{listen}/entrar");
            let log = tempfile::NamedTempFile::new().unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_registro-central"))
                .env_clear()
                .envs([
                    ("REGISTRO_CENTRAL_DB", database.as_str()),
                    ("REGISTRO_CENTRAL_ESCUCHA", &listen),
                    ("REGISTRO_CENTRAL_INSTANCIA", name),
                    ("REGISTRO_URL_INICIO_SESION", &sign_in),
                    ("REGISTRO_SMTP_SERVIDOR", &settings.host),
                    ("REGISTRO_SMTP_PUERTO", &smtp_port),
                    ("REGISTRO_SMTP_SEGURIDAD", "sin_cifrar"),
                    ("REGISTRO_SMTP_USUARIO", smtp_server::USER),
                    ("REGISTRO_SMTP_CONTRASENA", &password),
                ])
                .stdout(Stdio::from(log.reopen().unwrap()))
                .stderr(Stdio::from(log.reopen().unwrap()))
                .spawn()
                .expect("registro-central starts");
            let mut instance = Instance { child, port, log };
            if instance.ready().await {
                return instance;
            }
        }
        panic!("{name} did not start");
    }

    /// Waits for `/salud`; false if the process ended first (its port was taken).
    async fn ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = reqwest::get(self.url("/salud")).await
                && r.status().as_u16() == 200
            {
                return true;
            }
            if self.child.try_wait().unwrap().is_some() {
                eprintln!("{}", self.log_text());
                return false;
            }
            assert!(Instant::now() < deadline, "no /salud: {}", self.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Still running, and nothing in its log says a request failed.
    fn assert_alive(&mut self) {
        let log = self.log_text();
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "instance on port {} ended: {log}",
            self.port
        );
        assert!(
            !log.contains("ERROR") && !log.contains("panicked"),
            "instance on port {}: {log}",
            self.port
        );
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
