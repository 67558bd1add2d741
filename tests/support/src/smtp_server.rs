//! A real SMTP server process (aiosmtpd) for the tests, with its own port, mailbox folder
//! and, for TLS, a self-signed certificate for `localhost`. A process that cannot start
//! one (the Windows tests under Wine) gets one from the Linux-side test servers instead
//! (`remote`) and reads its mailbox through drive Z:.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use registro_core::config::{SmtpSecurity, SmtpSettings};

use crate::free_port;
use crate::mail::{Email, eml_files};
use crate::remote;

pub const USER: &str = "ventanilla";
pub const PASSWORD: &str = "clave-de-prueba-123";

pub struct SmtpServer {
    pub port: u16,
    pub mode: SmtpSecurity,
    pub maildir: PathBuf,
    pub cert_pem: String,
    auth: bool,
    backend: Backend,
}

enum Backend {
    Local {
        dir: tempfile::TempDir,
        child: Option<Child>,
    },
    Remote(remote::Connection),
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("servidor_smtp.py")
}

/// Debian's python3-aiosmtpd lives beside the system Python.
fn python() -> String {
    std::env::var("SMTP_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned())
}

impl SmtpServer {
    pub fn start(mode: SmtpSecurity, auth: bool) -> SmtpServer {
        let Some(address) = remote::address() else {
            return Self::start_local(mode, auth);
        };
        let auth_field = if auth { "auth" } else { "noauth" };
        let (connection, fields) =
            remote::Connection::open(&address, &["smtp", remote::security_name(mode), auth_field]);
        let cert = remote::local_path(&fields[2]);
        SmtpServer {
            port: fields[0].parse().expect("a port"),
            mode,
            maildir: remote::local_path(&fields[1]),
            cert_pem: std::fs::read_to_string(&cert)
                .unwrap_or_else(|e| panic!("{}: {e}", cert.display())),
            auth,
            backend: Backend::Remote(connection),
        }
    }

    /// A server process of this machine's own (never through the test servers).
    pub fn start_local(mode: SmtpSecurity, auth: bool) -> SmtpServer {
        remote::required_on_windows("The SMTP server");
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .unwrap();
        let cert_pem = key.cert.pem();
        std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.signing_key.serialize_pem()).unwrap();
        let port = free_port();
        let mut server = SmtpServer {
            port,
            mode,
            maildir: dir.path().join("buzon"),
            cert_pem,
            auth,
            backend: Backend::Local { dir, child: None },
        };
        for _ in 0..5 {
            if server.try_start() {
                return server;
            }
            server.port = free_port();
        }
        panic!("the SMTP server did not start");
    }

    /// The certificate file of a local server (the test servers hand it out).
    pub(crate) fn cert_path(&self) -> PathBuf {
        match &self.backend {
            Backend::Local { dir, .. } => dir.path().join("cert.pem"),
            Backend::Remote(_) => unreachable!("only the test servers ask"),
        }
    }

    /// Starts (again) on the same port and mailbox.
    pub fn resume(&mut self) {
        if let Backend::Remote(connection) = &mut self.backend {
            connection.request(&["resume"]);
            return;
        }
        assert!(
            self.try_start(),
            "the SMTP server did not start on port {}",
            self.port
        );
    }

    /// Starts the process and waits for its "listo": only then is it *this* server that
    /// listens (a bare connect could reach another test's server on a reused port).
    fn try_start(&mut self) -> bool {
        use std::io::BufRead;
        let Backend::Local { dir, child: slot } = &mut self.backend else {
            unreachable!("a remote server starts on the Linux side")
        };
        let mode = remote::security_name(self.mode);
        let mut cmd = Command::new(python());
        cmd.arg(script())
            .args(["--port", &self.port.to_string(), "--mode", mode])
            .arg("--maildir")
            .arg(&self.maildir)
            .arg("--cert")
            .arg(dir.path().join("cert.pem"))
            .arg("--key")
            .arg(dir.path().join("key.pem"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if self.auth {
            cmd.args(["--user", USER, "--password", PASSWORD]);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 with aiosmtpd (./dev.sh test installs python3-aiosmtpd)");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let ready = std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .any(|line| line.trim() == "listo");
            let _ = tx.send(ready);
        });
        let ready = rx.recv_timeout(Duration::from_secs(15)).unwrap_or(false);
        if ready {
            *slot = Some(child);
        } else {
            let _ = child.kill();
            let _ = child.wait();
        }
        ready
    }

    pub fn stop(&mut self) {
        let child = match &mut self.backend {
            Backend::Local { child, .. } => child,
            Backend::Remote(connection) => {
                connection.request(&["stop"]);
                return;
            }
        };
        if let Some(mut child) = child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    /// Settings that point the app at this server.
    pub fn settings(&self, password_ok: bool) -> (SmtpSettings, Option<String>) {
        (
            SmtpSettings {
                host: "localhost".into(),
                port: self.port,
                security: self.mode,
                username: if self.auth {
                    USER.into()
                } else {
                    String::new()
                },
                timeout_secs: 5,
                pool_size: 2,
                root_certificate_pem: self.cert_pem.clone(),
            },
            self.auth.then(|| {
                if password_ok {
                    PASSWORD.to_owned()
                } else {
                    "equivocada".to_owned()
                }
            }),
        )
    }

    /// The files of every message the server accepted, in arrival order.
    pub fn received_files(&self) -> Vec<PathBuf> {
        eml_files(&self.maildir)
    }

    /// Every message the server accepted, decoded, in arrival order.
    pub fn received(&self) -> Vec<Email> {
        self.received_files()
            .iter()
            .map(|p| Email::read(p))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // A remote server stops when its connection closes, with this handle.
        if matches!(self.backend, Backend::Local { .. }) {
            self.stop();
        }
    }
}
