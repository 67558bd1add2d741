//! The app on Tauri's mock runtime, with the real command list, and a call through IPC
//! that answers as the front end receives it: JSON on success and on failure.

use registro_app::state::AppState;
use registro_core::DataPaths;
use registro_core::config::Settings;
use registro_test_support::mail::{eml_files, wait_for};
use serde_json::{Value, json};
use std::path::Path;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// Where the app's own pages come from: Tauri serves them from `http://tauri.localhost` on
/// Windows (WebView2 wants an http origin) and `tauri://localhost` elsewhere; a call from
/// any other origin is refused.
const APP_ORIGIN: &str = if cfg!(windows) {
    "http://tauri.localhost"
} else {
    "tauri://localhost"
};

pub struct TestApp {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    pub paths: DataPaths,
    /// This app's own service name in the OS credential store (Windows Credential
    /// Manager): tests never read or overwrite an installed app's passwords.
    pub credential_service: String,
    /// Removes the passwords it saved when dropped (not when restarted).
    forget_passwords: bool,
    dir: Option<registro_test_support::TestFolder>,
}

/// The app as it opens on first run: nobody signed in, no supervisor yet.
pub fn spawn_first_run() -> TestApp {
    let dir = registro_test_support::test_folder();
    let root = dir.path().to_owned();
    let mut app = open_app(&root, &unique_credential_service(), Settings::default());
    app.dir = Some(dir);
    app
}

/// A credential service name no other test (or run) uses.
pub fn unique_credential_service() -> String {
    format!(
        "mx.gob.issstecali.registroenlinea.prueba-{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// The app started on data folder `root` with `settings` (what the real app reads from
/// ajustes.json) and the passwords of `credential_service`.
pub fn open_app(root: &Path, credential_service: &str, settings: Settings) -> TestApp {
    let paths = DataPaths::new(root);
    let state: AppState = tauri::async_runtime::block_on(registro_app::start(
        paths.clone(),
        settings,
        registro_app::secrets::SecretStore::open_for(credential_service),
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
        app,
        window,
        paths,
        credential_service: credential_service.to_owned(),
        forget_passwords: true,
        dir: None,
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
    /// Closes the app and opens it again on the same folder and saved passwords, with
    /// `settings` (the real app would read them back from ajustes.json).
    pub fn restart(mut self, settings: Settings) -> TestApp {
        self.forget_passwords = false;
        let mut next = open_app(&self.paths.root, &self.credential_service, settings);
        next.dir = self.dir.take();
        next
    }

    pub fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: APP_ORIGIN.parse().unwrap(),
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

impl Drop for TestApp {
    fn drop(&mut self) {
        let state = self.app.state::<AppState>();
        // The app's background tasks keep the database open; Windows would not let the
        // folder go.
        registro_test_support::close_database(state.desk.store());
        if !self.forget_passwords {
            return;
        }
        use registro_app::secrets::Secret;
        for which in [Secret::Smtp, Secret::Central] {
            if state.secrets.get(which).is_some() {
                state.secrets.set(which, "");
            }
        }
    }
}
