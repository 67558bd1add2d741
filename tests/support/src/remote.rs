//! Test servers for a test process that cannot start them itself: the Windows test
//! binaries under Wine cannot run initdb, runuser or python. On the Linux side,
//! `registro-test-servers` (scripts/windows-tests-under-wine.sh starts it) listens on
//! loopback; the address in `REGISTRO_TEST_SERVERS` makes `PgServer` and `SmtpServer`
//! ask it for a server instead of spawning one.
//!
//! One TCP connection per server: the first line asks for a PostgreSQL or an SMTP server,
//! which is started for that connection alone (so every test still has its own cluster,
//! roles and mailbox), the following lines stop, resume or run SQL on it, and when the
//! connection closes (the handle is dropped, or the test process dies) the server is
//! stopped and its folder removed. Lines are tab-separated; answers start with `ok` or
//! `error`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use registro_core::config::SmtpSecurity;

use crate::postgres_server::PgServer;
use crate::smtp_server::SmtpServer;

/// Where `registro-test-servers` listens (`127.0.0.1:port`), for the test processes.
pub const SERVERS_ENV: &str = "REGISTRO_TEST_SERVERS";

/// The server host's address, when this process must ask it for its servers.
pub fn address() -> Option<String> {
    std::env::var(SERVERS_ENV).ok().filter(|a| !a.is_empty())
}

/// Panics with what to do when a server cannot be started here.
pub(crate) fn required_on_windows(what: &str) {
    if cfg!(windows) && address().is_none() {
        panic!(
            "{what} for the tests runs on Linux: start the Windows tests with \
             scripts/windows-tests-under-wine.sh, which sets {SERVERS_ENV}"
        );
    }
}

/// A test process's handle on one server of the server host.
pub struct Connection {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Asks for a server; returns the connection and the fields of the `ok` answer.
    pub(crate) fn open(address: &str, request: &[&str]) -> (Connection, Vec<String>) {
        let stream = TcpStream::connect(address)
            .unwrap_or_else(|e| panic!("the test servers at {address} ({SERVERS_ENV}): {e}"));
        let mut connection = Connection {
            reader: BufReader::new(stream.try_clone().expect("socket clone")),
            writer: stream,
        };
        let fields = connection.request(request);
        (connection, fields)
    }

    /// Sends one request and waits for its answer; panics on `error`.
    pub(crate) fn request(&mut self, fields: &[&str]) -> Vec<String> {
        for field in fields {
            assert!(
                !field.contains(['\t', '\n']),
                "tabs and line breaks cannot travel to the test servers: {field:?}"
            );
        }
        writeln!(self.writer, "{}", fields.join("\t")).expect("request to the test servers");
        let mut answer = String::new();
        self.reader
            .read_line(&mut answer)
            .expect("answer from the test servers");
        let mut parts = answer.trim_end_matches(['\r', '\n']).split('\t');
        match parts.next() {
            Some("ok") => parts.map(str::to_owned).collect(),
            // An empty answer: the server host's thread panicked (its output says why).
            _ => panic!("the test servers refused {fields:?}: {answer:?}"),
        }
    }
}

/// The connection of a handle shared between threads (a poisoned lock only means another
/// assertion failed first).
pub(crate) fn lock(
    connection: &std::sync::Mutex<Connection>,
) -> std::sync::MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(|e| e.into_inner())
}

/// A folder of the Linux side as this process sees it: under Wine the Linux root is
/// drive Z:.
pub(crate) fn local_path(linux: &str) -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(format!("Z:{}", linux.replace('/', "\\")))
    } else {
        PathBuf::from(linux)
    }
}

fn security(name: &str) -> Option<SmtpSecurity> {
    match name {
        "plain" => Some(SmtpSecurity::Plain),
        "starttls" => Some(SmtpSecurity::Starttls),
        "tls" => Some(SmtpSecurity::Tls),
        _ => None,
    }
}

pub(crate) fn security_name(mode: SmtpSecurity) -> &'static str {
    match mode {
        SmtpSecurity::Plain => "plain",
        SmtpSecurity::Starttls => "starttls",
        SmtpSecurity::Tls => "tls",
    }
}

/// The server side: serves every connection on its own thread. `live` counts the
/// connections (servers) still open, so the host can wait for them before it exits.
pub fn serve(listener: TcpListener, live: std::sync::Arc<Live>) {
    for stream in listener.incoming().flatten() {
        let live = live.clone();
        live.add(1);
        std::thread::spawn(move || {
            // A failing server start panics this thread only: the connection closes and
            // the test that asked fails reading its answer, with the panic on stderr.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve_one(stream)));
            live.add(-1);
        });
    }
}

/// How many servers are up, and a way to wait until none is.
#[derive(Default)]
pub struct Live {
    count: std::sync::Mutex<i64>,
    changed: std::sync::Condvar,
}

impl Live {
    fn add(&self, n: i64) {
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) += n;
        self.changed.notify_all();
    }

    /// Waits until every connection has closed (its server stopped and its folder
    /// removed); false if some are still open after `timeout`.
    pub fn wait_idle(&self, timeout: std::time::Duration) -> bool {
        let count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        let (count, _) = self
            .changed
            .wait_timeout_while(count, timeout, |n| *n > 0)
            .unwrap_or_else(|e| e.into_inner());
        *count == 0
    }
}

enum Served {
    Postgres(PgServer),
    Smtp(SmtpServer),
}

fn serve_one(stream: TcpStream) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut lines = BufReader::new(stream).lines();
    let Some(first) = lines.next().transpose()? else {
        return Ok(());
    };
    let request: Vec<&str> = first.split('\t').collect();
    let mut served = match request.as_slice() {
        ["postgres", shift] => {
            let shift = (!shift.is_empty()).then(|| (*shift).to_owned());
            let pg = PgServer::start_local(shift);
            writeln!(writer, "ok\t{}", pg.port)?;
            Served::Postgres(pg)
        }
        ["postgres-tls", cert, key] => {
            let certificate = crate::tls::ServerCertificate {
                cert_pem: cert.replace('|', "\n"),
                key_pem: key.replace('|', "\n"),
            };
            let pg = PgServer::start_local_with(None, Some(&certificate));
            writeln!(writer, "ok\t{}", pg.port)?;
            Served::Postgres(pg)
        }
        ["smtp", mode, auth] if security(mode).is_some() => {
            let smtp = SmtpServer::start_local(security(mode).expect("checked"), *auth == "auth");
            writeln!(
                writer,
                "ok\t{}\t{}\t{}",
                smtp.port,
                smtp.maildir.display(),
                smtp.cert_path().display()
            )?;
            Served::Smtp(smtp)
        }
        _ => {
            writeln!(writer, "error\tunknown request {first:?}")?;
            return Ok(());
        }
    };
    for line in lines {
        let line = line?;
        let request: Vec<&str> = line.split('\t').collect();
        match (&mut served, request.as_slice()) {
            (Served::Postgres(pg), ["stop"]) => pg.stop(),
            (Served::Postgres(pg), ["resume"]) => pg.resume(),
            (Served::Postgres(pg), ["psql", database, sql]) => pg.psql(database, sql),
            (Served::Smtp(smtp), ["stop"]) => smtp.stop(),
            (Served::Smtp(smtp), ["resume"]) => smtp.resume(),
            _ => {
                writeln!(writer, "error\tunknown request {line:?}")?;
                continue;
            }
        }
        writeln!(writer, "ok")?;
    }
    // The test dropped its handle or its process ended: the server goes with it.
    Ok(())
}
