//! A throwaway PostgreSQL server for one test: `initdb` into a temporary folder, started
//! with `pg_ctl` on a free loopback port, stopped on drop. Needs Debian's `postgresql`
//! package (./dev.sh test installs it). As root, the server runs as the `postgres` user.
//! A process that cannot start one (the Windows tests under Wine) gets one from the
//! Linux-side test servers instead (`remote`), with the same behaviour.

use crate::tls::ServerCertificate;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::remote;

pub struct PgServer {
    pub port: u16,
    backend: Backend,
}

enum Backend {
    Local(Local),
    /// Behind a lock so that SQL runs through `&self`, as it does locally.
    Remote(std::sync::Mutex<remote::Connection>),
}

struct Local {
    dir: tempfile::TempDir,
    bin: PathBuf,
    running: bool,
    /// A libfaketime offset such as `+3d`: the server's clock runs that far from the real
    /// one (the central database of an office whose station clocks are wrong).
    clock_shift: Option<String>,
    /// `ssl=on`, with the certificate and key written in the server's folder.
    tls: bool,
}

fn pg_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries (package postgresql)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions
        .pop()
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

/// Debian's libfaketime (package `faketime`), wherever the architecture put it.
fn libfaketime() -> PathBuf {
    std::fs::read_dir("/usr/lib")
        .expect("/usr/lib")
        .flatten()
        .map(|e| e.path().join("faketime/libfaketime.so.1"))
        .find(|p| p.exists())
        .expect("libfaketime.so.1 (package faketime)")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool as the server's owner.
fn as_owner(tool: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(tool);
        c
    } else {
        Command::new(tool)
    }
}

impl PgServer {
    pub fn start() -> PgServer {
        Self::start_with_clock_shift(None)
    }

    /// A server whose clock reads `shift` (libfaketime syntax, e.g. `+3d`) from the real time.
    pub fn start_with_clock(shift: &str) -> PgServer {
        Self::start_with_clock_shift(Some(shift.to_owned()))
    }

    /// A server with `ssl=on` that presents `certificate` (its key file owned by the
    /// server's user, mode 0600, as PostgreSQL demands). Clients may still connect without
    /// TLS: what they accept is theirs to decide.
    pub fn start_with_tls(certificate: &ServerCertificate) -> PgServer {
        match remote::address() {
            Some(address) => {
                // PEM travels on one line: its line breaks as `|`, which PEM never holds.
                let cert = certificate.cert_pem.replace('\n', "|");
                let key = certificate.key_pem.replace('\n', "|");
                let (connection, fields) =
                    remote::Connection::open(&address, &["postgres-tls", &cert, &key]);
                PgServer {
                    port: fields[0].parse().expect("a port"),
                    backend: Backend::Remote(std::sync::Mutex::new(connection)),
                }
            }
            None => Self::start_local_with(None, Some(certificate)),
        }
    }

    fn start_with_clock_shift(clock_shift: Option<String>) -> PgServer {
        match remote::address() {
            Some(address) => {
                let shift = clock_shift.unwrap_or_default();
                let (connection, fields) =
                    remote::Connection::open(&address, &["postgres", &shift]);
                PgServer {
                    port: fields[0].parse().expect("a port"),
                    backend: Backend::Remote(std::sync::Mutex::new(connection)),
                }
            }
            None => Self::start_local(clock_shift),
        }
    }

    /// A server of this machine's own (never through the test servers).
    pub fn start_local(clock_shift: Option<String>) -> PgServer {
        Self::start_local_with(clock_shift, None)
    }

    /// A server of this machine's own, with TLS when given a certificate.
    pub fn start_local_with(
        clock_shift: Option<String>,
        certificate: Option<&ServerCertificate>,
    ) -> PgServer {
        remote::required_on_windows("PostgreSQL");
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown to postgres");
        }
        let bin = pg_bin();
        let status = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb");
        assert!(status.success(), "initdb failed");
        if let Some(certificate) = certificate {
            for (file, pem) in [
                ("server.crt", &certificate.cert_pem),
                ("server.key", &certificate.key_pem),
            ] {
                let path = dir.path().join(file);
                std::fs::write(&path, pem).unwrap();
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                        .unwrap();
                }
                if is_root() {
                    let ok = Command::new("chown")
                        .arg("postgres:postgres")
                        .arg(&path)
                        .status()
                        .unwrap();
                    assert!(ok.success(), "chown {file} to postgres");
                }
            }
        }
        let mut local = Local {
            dir,
            bin,
            running: false,
            clock_shift,
            tls: certificate.is_some(),
        };
        let port = crate::free_port();
        local.start(port);
        PgServer {
            port,
            backend: Backend::Local(local),
        }
    }

    pub fn resume(&mut self) {
        match &mut self.backend {
            Backend::Local(local) => local.start(self.port),
            Backend::Remote(connection) => {
                remote::lock(connection).request(&["resume"]);
            }
        }
    }

    /// Stops at once (in-flight connections are cut), like a network or server failure.
    pub fn stop(&mut self) {
        match &mut self.backend {
            Backend::Local(local) => local.stop(),
            Backend::Remote(connection) => {
                remote::lock(connection).request(&["stop"]);
            }
        }
    }

    /// URL of a database as the superuser (create it first with `create_database`).
    pub fn url(&self, database: &str) -> String {
        self.url_as("postgres", database)
    }

    pub fn url_as(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{database}", self.port)
    }

    pub fn psql(&self, database: &str, sql: &str) {
        match &self.backend {
            Backend::Local(local) => local.psql(self.port, database, sql),
            Backend::Remote(connection) => {
                remote::lock(connection).request(&["psql", database, sql]);
            }
        }
    }

    pub fn create_database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(name)
    }
}

impl Local {
    fn start(&mut self, port: u16) {
        let pg_ctl = self.bin.join("pg_ctl");
        let mut command = match &self.clock_shift {
            // libfaketime preloaded into pg_ctl and the server it starts (Debian's `faketime`
            // package); the `faketime` wrapper itself waits on the server and never returns.
            Some(shift) => {
                let mut c = as_owner(Path::new("/usr/bin/env"));
                c.arg("FAKETIME_DONT_FAKE_MONOTONIC=1")
                    .arg(format!("LD_PRELOAD={}", libfaketime().display()))
                    .arg(format!("FAKETIME={shift}"))
                    .arg(&pg_ctl);
                c
            }
            None => as_owner(&pg_ctl),
        };
        let status = command
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-w", "-o"])
            .arg(format!(
                "-p {port} -k {0} -c listen_addresses=127.0.0.1 -c fsync=off{1}",
                self.dir.path().display(),
                if self.tls {
                    format!(
                        " -c ssl=on -c ssl_cert_file={0}/server.crt -c ssl_key_file={0}/server.key",
                        self.dir.path().display()
                    )
                } else {
                    String::new()
                }
            ))
            .arg("start")
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl start");
        assert!(
            status.success(),
            "PostgreSQL did not start; see {}",
            self.dir.path().join("log").display()
        );
        self.running = true;
    }

    fn stop(&mut self) {
        if self.running {
            let _ = as_owner(&self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(std::process::Stdio::null())
                .status();
            self.running = false;
        }
    }

    fn psql(&self, port: u16, database: &str, sql: &str) {
        let status = as_owner(&self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-d",
                database,
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .status()
            .expect("psql");
        assert!(status.success(), "psql failed: {sql}");
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.stop();
    }
}
