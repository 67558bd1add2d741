//! What every real-window test stands on: a display (Xvfb, unless one is set), tauri-driver
//! on free ports, a temporary data folder for the app, a WebDriver session on the real
//! binary, and the folder for screenshots.

use fantoccini::{Client, ClientBuilder, Locator};
use registro_test_support::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const APP: &str = env!("CARGO_BIN_EXE_registro-servicios-en-linea");
/// How long a test waits for anything a person would wait for.
pub const WAIT: Duration = Duration::from_secs(30);

/// Xvfb, tauri-driver and a temporary data folder; stopped on drop.
pub struct Harness {
    xvfb: Option<Child>,
    driver: Child,
    port: u16,
    /// The X display the app's window is on.
    pub display: String,
    pub data: tempfile::TempDir,
    pub shots: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.driver.id().to_string())
            .status();
        let _ = self.driver.wait();
        if let Some(x) = self.xvfb.as_mut() {
            // SIGTERM, so Xvfb removes its lock file and socket; SIGKILL leaves them behind.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(x.id().to_string())
                .status();
            let _ = x.wait();
        }
    }
}

pub fn start_xvfb() -> (Option<Child>, String) {
    if let Ok(display) = std::env::var("DISPLAY")
        && !display.is_empty()
    {
        return (None, display);
    }
    // `-displayfd 1`: Xvfb picks a free display itself (clearing locks left by dead
    // servers) and writes its number to stdout only once it accepts connections, so
    // there is no guessing of numbers and no race with a stale socket.
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1920x1080x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (package xvfb) must be installed: ./dev.sh test installs it");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("piped stdout")),
        &mut line,
    )
    .expect("reading the display number from Xvfb");
    let n: u32 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Xvfb did not start (it printed {line:?})"));
    (Some(child), format!(":{n}"))
}

pub fn start() -> Harness {
    let (xvfb, display) = start_xvfb();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let native = free_port();
    let driver = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", &display)
        .env(registro_app::DATA_DIR_ENV, data.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("tauri-driver must be installed: ./dev.sh test installs it");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capturas-e2e");
    std::fs::create_dir_all(&shots).unwrap();
    Harness {
        xvfb,
        driver,
        port,
        display,
        data,
        shots,
    }
}

pub async fn connect(h: &Harness) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": APP }),
    );
    // tauri-driver accepts connections before WebKitWebDriver behind it is ready: retry.
    let deadline = Instant::now() + WAIT;
    let client = loop {
        let attempt = tokio::time::timeout(
            WAIT,
            ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", h.port)),
        )
        .await
        .expect("WebDriver session request answered within 30 s");
        match attempt {
            Ok(client) => break client,
            Err(e) if Instant::now() < deadline => {
                eprintln!("WebDriver session not ready yet ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    };
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("body[data-listo='si']"))
        .await
        .expect("the app's screen is ready");
    client
}

pub async fn screenshot(c: &Client, h: &Harness, name: &str) {
    // A paint right after a change may not be on screen yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(h.shots.join(format!("{name}.png")), png).unwrap();
}
