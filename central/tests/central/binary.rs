//! The `registro-central` program as an administrator runs it: a child process with only
//! the environment the test gives it, its output read back as text.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// A failure said the way the issue asks: one Spanish line starting with the program's
    /// name, a non-zero exit, no panic, no backtrace, no colour codes.
    pub fn assert_failed_saying(&self, code: i32, words: &str) {
        assert_eq!(self.code, code, "{}", self.stderr);
        assert!(
            self.stderr.starts_with("registro-central: "),
            "{}",
            self.stderr
        );
        assert!(self.stderr.contains(words), "«{words}» in {}", self.stderr);
        assert_no_panic(&self.stderr);
        assert_no_panic(&self.stdout);
    }
}

pub fn assert_no_panic(text: &str) {
    for sign in ["panicked", "backtrace", "RUST_BACKTRACE", "\u{1b}["] {
        assert!(!text.contains(sign), "«{sign}» in {text}");
    }
}

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_registro-central"));
    c.args(args).env_clear();
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs to the end.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let Output {
        status,
        stdout,
        stderr,
    } = command(args, env).output().expect("registro-central runs");
    Ran {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// The service as a process, stopped (by its own id) when the test ends.
pub struct Service {
    child: Child,
    pub port: u16,
    log: tempfile::NamedTempFile,
}

impl Service {
    /// Starts `registro-central` with `env` listening on `port`, and waits until `/salud`
    /// answers.
    pub async fn start_on(port: u16, env: &[(&str, &str)]) -> Service {
        let listen = format!("127.0.0.1:{port}");
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut env = env.to_vec();
        env.push(("REGISTRO_CENTRAL_ESCUCHA", &listen));
        let child = command(&[], &env)
            .stdout(Stdio::from(log.reopen().unwrap()))
            .stderr(Stdio::from(log.reopen().unwrap()))
            .spawn()
            .expect("registro-central starts");
        let service = Service { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = reqwest::get(service.url("/salud")).await
                && r.status().as_u16() == 200
            {
                return service;
            }
            assert!(
                Instant::now() < deadline,
                "no /salud: {}",
                service.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What the service wrote to stdout and stderr (a file, not a terminal).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
