//! A release as the institute publishes it, served on loopback: a minisign key pair made
//! for the test (never a real one), packages signed the way `tauri signer sign
//! --app-version` signs them, a `latest.json` manifest, and a small HTTP server on a free
//! port that counts what it is asked for. Stopped, and its thread joined, on drop.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A signing key pair generated for one test.
pub struct ReleaseKey {
    public: minisign::PublicKey,
    secret: minisign::SecretKey,
}

impl ReleaseKey {
    pub fn generate() -> Self {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("minisign key pair");
        Self {
            public: pair.pk,
            secret: pair.sk,
        }
    }

    /// As `tauri.conf.json` holds it (and as `tauri signer generate` writes it): the
    /// minisign public key file, base64.
    pub fn public_key(&self) -> String {
        let file = self.public.to_box().expect("public key box").into_string();
        BASE64.encode(file)
    }

    /// As the manifest holds it: the `.sig` file, base64, with the version it was signed
    /// for in the signed (trusted) comment.
    pub fn sign(&self, package: &[u8], file_name: &str, version: &str) -> String {
        let trusted = format!("timestamp:1700000000\tfile:{file_name}\tversion:{version}");
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            package,
            Some(&trusted),
            Some("signature from tauri secret key"),
        )
        .expect("minisign signature");
        BASE64.encode(signature.into_string())
    }
}

/// Whether `pubkey` reads as `tauri.conf.json` needs it: a minisign public key file, base64.
pub fn is_public_key(pubkey: &str) -> bool {
    BASE64
        .decode(pubkey)
        .ok()
        .and_then(|file| String::from_utf8(file).ok())
        .and_then(|file| minisign::PublicKeyBox::from_string(&file).ok())
        .is_some_and(|key| key.into_public_key().is_ok())
}

/// The manifest's key for this machine, as tauri-plugin-updater looks it up (`{os}-{arch}`).
pub fn platform_key() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    let arch = match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7",
        arch => arch,
    };
    format!("{os}-{arch}")
}

/// Files by path, answered over plain HTTP on 127.0.0.1.
pub struct UpdateServer {
    addr: SocketAddr,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    asked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl UpdateServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener.local_addr().unwrap();
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let asked: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (files, asked, stop) = (files.clone(), asked.clone(), stop.clone());
            move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let _ = answer(stream, &files, &asked);
                    }
                }
            }
        });
        Self {
            addr,
            files,
            asked,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_owned(), body.into());
    }

    /// Publishes `package` as `version` for this machine: the package under `/paquetes/`
    /// and the manifest at `/latest.json`, whose address it returns.
    pub fn publish(&self, version: &str, package: &[u8], signature: &str) -> String {
        let file = format!("/paquetes/registro_{version}_x64-setup.exe");
        self.put(&file, package);
        let manifest = serde_json::json!({
            "version": version,
            "notes": "Versión de prueba",
            "pub_date": "2026-01-15T16:00:00Z",
            "platforms": { platform_key(): { "url": self.url(&file), "signature": signature } },
        });
        self.put("/latest.json", manifest.to_string());
        self.url("/latest.json")
    }

    /// The paths asked for so far, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl Drop for UpdateServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(
    mut stream: TcpStream,
    files: &Mutex<HashMap<String, Vec<u8>>>,
    asked: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers are not needed; read them so the client is not cut off mid-request.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    asked.lock().unwrap().push(path.clone());
    let body = files.lock().unwrap().get(&path).cloned();
    let (status, content_type, body) = match body {
        Some(body) if path.ends_with(".json") => ("200 OK", "application/json", body),
        Some(body) => ("200 OK", "application/octet-stream", body),
        None => ("404 Not Found", "text/plain", b"no existe".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}
