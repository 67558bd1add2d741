//! The app on Tauri's mock runtime, with the real command list, and a call through IPC
//! that answers as the front end receives it: JSON on success and on failure.

use registro_app::state::AppState;
use registro_core::DataPaths;
use registro_core::config::Settings;
use registro_test_support::mail::{eml_files, wait_for};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub struct TestApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    paths: DataPaths,
    _dir: tempfile::TempDir,
}

/// The app as it opens on first run: nobody signed in, no supervisor yet.
pub fn spawn_first_run() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let state: AppState = tauri::async_runtime::block_on(registro_app::start(
        paths.clone(),
        Settings::default(),
        registro_app::secrets::SecretStore::open(),
        None,
    ))
    .unwrap();
    // The app's own command list, so every command is the real one.
    let app = registro_app::with_commands(mock_builder())
        .manage(state)
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        _app: app,
        window,
        paths,
        _dir: dir,
    }
}

/// The app after its first run: the first supervisor created and signed in.
pub fn spawn_app() -> TestApp {
    let app = spawn_first_run();
    app.invoke(
        "create_first_supervisor",
        json!({"username": "supervisora", "fullName": "Rosa Elena Prueba Demo",
               "password": SUPERVISOR_PASSWORD, "confirmation": SUPERVISOR_PASSWORD}),
    )
    .unwrap();
    app
}

pub const SUPERVISOR_PASSWORD: &str = "una-clave-larga-1";

impl TestApp {
    pub fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        tauri::test::get_ipc_response(&self.window, request)
            .map(|response| response.deserialize::<Value>().unwrap())
    }

    pub fn documents(&self) -> Vec<Value> {
        self.invoke("legal_documents", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    pub fn form(&self, affiliation: &str, serial: &str, email: &str) -> Value {
        let consents: Vec<Value> = self
            .documents()
            .iter()
            .map(|d| json!({"kind": d["kind"], "document_id": d["id"], "sha256": d["sha256"], "accepted": true}))
            .collect();
        json!({"form": {
            "affiliation_number": affiliation,
            "credential_serial": serial,
            "phone": "+52 686 555 0142",
            "email": email,
            "email_confirmation": email,
            "consents": consents,
        }})
    }

    /// Waits for the background outbox worker to write an email to `to`.
    pub fn wait_for_email(&self, to: &str, containing: &str) -> String {
        tauri::async_runtime::block_on(wait_for(
            || eml_files(&self.paths.outbox_files()),
            to,
            containing,
            1,
            std::time::Duration::from_secs(20),
        ))
    }
}
