//! What every real-window test stands on: a display (Xvfb, unless one is set), a Secret
//! Service of its own (a private D-Bus session with gnome-keyring, where the app keeps its
//! database key), tauri-driver on free ports, a temporary data folder for the app, a
//! WebDriver session on the real binary, and the folder for screenshots.

use fantoccini::{Client, ClientBuilder, Locator};
use registro_test_support::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const APP: &str = env!("CARGO_BIN_EXE_registro-servicios-en-linea");
/// How long a test waits for anything a person would wait for.
pub const WAIT: Duration = Duration::from_secs(30);

/// Xvfb, the Secret Service, tauri-driver and a temporary data folder; stopped on drop.
pub struct Harness {
    xvfb: Option<Child>,
    driver: Child,
    /// Declared after the driver: the app's key store goes after the app. `None`: a
    /// session without one.
    secret_service: Option<SecretService>,
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

/// A D-Bus session bus and gnome-keyring's Secret Service on it, with a login keyring
/// unlocked by a throwaway password, in a temporary folder: what a clerk's desktop session
/// gives the app. Stopped (and its keyring removed) on drop.
pub struct SecretService {
    bus: Child,
    keyring: Child,
    /// The session bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    _home: tempfile::TempDir,
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.bus] {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }
}

impl Harness {
    /// The app's database key, as its Secret Service keeps it (what a test that opens the
    /// database beside the app needs).
    pub fn database_key(&self) -> registro_core::store::DatabaseKey {
        use registro_app::secrets;
        let account =
            secrets::database_key_account(&registro_core::DataPaths::new(self.data.path()));
        let found = Command::new("secret-tool")
            .args(["lookup", "service", secrets::SERVICE, "username", &account])
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                &self.secret_service.as_ref().expect("a Secret Service").address,
            )
            .output()
            .expect("secret-tool (package libsecret-tools) must be installed: ./dev.sh test installs it");
        registro_core::store::DatabaseKey::from_hex(&String::from_utf8_lossy(&found.stdout))
            .expect("the app keeps its database key in the Secret Service")
    }
}

pub fn start_secret_service() -> SecretService {
    let missing = "dbus-daemon and gnome-keyring must be installed: ./dev.sh test installs them";
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect(missing);
    let mut address = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(bus.stdout.take().expect("piped stdout")),
        &mut address,
    )
    .expect("reading the session bus address");
    let address = address.trim().to_owned();
    assert!(!address.is_empty(), "dbus-daemon printed no address");
    let home = tempfile::tempdir().unwrap();
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(missing);
    // The login keyring's password, read until end of input.
    std::io::Write::write_all(
        &mut keyring.stdin.take().expect("piped stdin"),
        b"clave-del-llavero-de-prueba",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let owned = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .output()
            .expect(missing);
        if String::from_utf8_lossy(&owned.stdout).contains("boolean true") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "gnome-keyring did not take the Secret Service's name"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    SecretService {
        bus,
        keyring,
        address,
        _home: home,
    }
}

pub fn start() -> Harness {
    start_with(Some(start_secret_service()))
}

/// A desktop session without a Secret Service: the app keeps its database key on disk.
pub fn start_without_secret_service() -> Harness {
    start_with(None)
}

fn start_with(secret_service: Option<SecretService>) -> Harness {
    let (xvfb, display) = start_xvfb();
    let data = tempfile::tempdir().unwrap();
    // Without a Secret Service, a bus address where nothing listens (the test's own
    // session, if any, is not the app's).
    let bus = secret_service.as_ref().map_or_else(
        || format!("unix:path={}", data.path().join("sin-bus").display()),
        |s| s.address.clone(),
    );
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
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
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
        secret_service,
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
