//! The app on Tauri's mock runtime, with the real command list, and a call through IPC
//! that answers as the front end receives it: JSON on success and on failure.

use registro_app::state::AppState;
use registro_core::DataPaths;
use registro_core::config::{KeyOnDisk, Settings};
use registro_core::staff::SupervisorApproval;
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
    /// Started as on a station without a credential store, even where there is one.
    no_credential_store: bool,
    dir: Option<registro_test_support::TestFolder>,
}

/// The app as it opens on first run: nobody signed in, no supervisor yet.
pub fn spawn_first_run() -> TestApp {
    spawn_with(Settings::default(), None)
}

/// The app with tauri-plugin-updater as `run` registers it, configured as tauri.conf.json
/// configures it, except for the public key: `pubkey` is the test's (through the plugin's
/// builder), since nobody holds the private half of the one in tauri.conf.json.
pub fn spawn_with_updater(settings: Settings, pubkey: &str) -> TestApp {
    spawn_with(settings, Some(pubkey))
}

/// The app's first run on a station without a credential store (even where this machine
/// has one): its database key goes to a file of the data folder.
pub fn spawn_without_credential_store() -> TestApp {
    let dir = registro_test_support::test_folder();
    let mut app = open_app_with(dir.path(), None, Settings::default(), None);
    app.dir = Some(dir);
    app
}

fn spawn_with(settings: Settings, updater_pubkey: Option<&str>) -> TestApp {
    let dir = registro_test_support::test_folder();
    let root = dir.path().to_owned();
    let mut app = open_app_with(
        &root,
        Some(&unique_credential_service()),
        settings,
        updater_pubkey,
    );
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
    open_app_with(root, Some(credential_service), settings, None)
}

/// `credential_service`: `None` for a station without a credential store.
fn open_app_with(
    root: &Path,
    credential_service: Option<&str>,
    settings: Settings,
    updater_pubkey: Option<&str>,
) -> TestApp {
    use registro_app::secrets::SecretStore;
    let paths = DataPaths::new(root);
    let secrets = credential_service.map_or_else(SecretStore::memory_only, SecretStore::open_for);
    let state: AppState =
        tauri::async_runtime::block_on(registro_app::start(paths.clone(), settings, secrets, None))
            .unwrap();
    let mut context = mock_context(noop_assets());
    context.package_info_mut().version = env!("CARGO_PKG_VERSION").parse().unwrap();
    // The app's own command list, so every command is the real one.
    let mut builder = registro_app::with_commands(mock_builder()).manage(state);
    if let Some(pubkey) = updater_pubkey {
        context.config_mut().plugins.0.insert(
            "updater".into(),
            production_config()["plugins"]["updater"].clone(),
        );
        builder = builder.plugin(tauri_plugin_updater::Builder::new().pubkey(pubkey).build());
    }
    let app = builder.build(context).unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        app,
        window,
        paths,
        credential_service: credential_service.unwrap_or_default().to_owned(),
        forget_passwords: true,
        no_credential_store: credential_service.is_none(),
        dir: None,
    }
}

/// The app after its first run: the first supervisor created and signed in.
pub fn spawn_app() -> TestApp {
    spawn_first_run().with_first_supervisor()
}

pub const SUPERVISOR_PASSWORD: &str = "una-clave-larga-1";

/// The real tauri.conf.json.
pub fn production_config() -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json");
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

impl TestApp {
    /// Creates the first supervisor, which signs in.
    pub fn with_first_supervisor(self) -> Self {
        self.invoke(
            "create_first_supervisor",
            json!({"username": "supervisora", "fullName": "Rosa Elena Prueba Demo",
                   "password": SUPERVISOR_PASSWORD, "confirmation": SUPERVISOR_PASSWORD}),
        )
        .unwrap();
        self.accept_key_on_disk();
        self
    }

    /// Where no credential store answers (Linux CI has no Secret Service), the database
    /// key is on disk and registrations wait for a supervisor: the first supervisor accepts,
    /// as on the settings screen. Nothing to do where the store keeps the key (Windows).
    pub fn accept_key_on_disk(&self) {
        let state = self.app.state::<AppState>();
        if state.desk.key_on_disk() == Some(KeyOnDisk::Held) {
            let approval = SupervisorApproval {
                username: "supervisora".into(),
                password: SUPERVISOR_PASSWORD.into(),
            };
            tauri::async_runtime::block_on(state.desk.accept_key_on_disk(&approval)).unwrap();
        }
    }

    pub fn handle(&self) -> tauri::AppHandle<MockRuntime> {
        self.app.handle().clone()
    }

    /// Closes the app and opens it again on the same folder and saved passwords, with
    /// `settings` (the real app would read them back from ajustes.json).
    pub fn restart(mut self, settings: Settings) -> TestApp {
        self.forget_passwords = false;
        let service = (!self.no_credential_store).then_some(self.credential_service.as_str());
        let mut next = open_app_with(&self.paths.root, service, settings, None);
        next.dir = self.dir.take();
        next
    }

    pub fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        invoke_on(&self.window, cmd, body)
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
        if state.desk.key_on_disk().is_none() {
            state.secrets.forget_database_key(&self.paths);
        }
    }
}

/// Calls a command through the IPC of `window`, as the front end does.
pub fn invoke_on(
    window: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: APP_ORIGIN.parse().unwrap(),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    tauri::test::get_ipc_response(window, request)
        .map(|response| response.deserialize::<Value>().unwrap())
}
