//! Starts the real core on a temporary SQLite file, zero2prod's `spawn_app` style, with a
//! supervisor and a signed-in clerk.

use registro_core::clock::ManualClock;
use registro_core::config::Settings;
use registro_core::legal::{self, LegalDocument};
use registro_core::outbox::DeliveryRound;
use registro_core::registration::{ConsentAnswer, RegistrationForm, RegistrationReceipt};
use registro_core::store::DatabaseKey;
use registro_core::{DataPaths, Desk};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::mail::{Email, eml_files};

/// Demo affiliates (core/demo/padron_demo.csv).
pub const TITULAR: (&str, &str) = ("900100101", "DEMO4821907");
pub const BENEFICIARY: (&str, &str) = ("900100102", "DEMO4821908");
pub const NOT_CURRENT: (&str, &str) = ("900400401", "DEMO7215540");

/// The station's supervisor in every test that needs one (see `sign_in_a_clerk`).
pub fn supervisor_approval() -> registro_core::staff::SupervisorApproval {
    registro_core::staff::SupervisorApproval {
        username: "Supervisora".into(),
        password: "una-clave-larga-1".into(),
    }
}

/// `settings` with the institute's link address and sender in place of the values the
/// app ships with: what a station joined to a real SMTP server or the central database
/// needs before any email leaves (readiness.rs). Invented, on example.com.
pub fn for_the_institute(
    settings: registro_core::config::Settings,
) -> registro_core::config::Settings {
    registro_core::config::Settings {
        office: "Oficina Mexicali (pruebas)".into(),
        link_base_url: "https://servicios.example.com/validar".into(),
        sender_address: "avisos@example.com".into(),
        ..settings
    }
}

/// The signed-in clerk of every test desk.
pub const CLERK: (&str, &str) = ("capturista.prueba", "mi-clave-de-ventanilla");

/// What a first run and a supervisor's staff screen do: the first supervisor, who opens
/// an account for a clerk; the clerk signs in and replaces the supervisor's password.
pub async fn sign_in_a_clerk(desk: &Desk) {
    let approval = supervisor_approval();
    desk.create_first_supervisor(
        &approval.username,
        "Rosa Elena Prueba Demo",
        &approval.password,
        &approval.password,
    )
    .await
    .unwrap();
    desk.create_staff(&registro_core::staff::NewStaffMember {
        username: CLERK.0.into(),
        full_name: "Juan Carlos Ejemplo Ficticio".into(),
        role: "capturista".into(),
        password: "clave-que-da-la-supervisora".into(),
        confirmation: "clave-que-da-la-supervisora".into(),
    })
    .await
    .unwrap();
    desk.sign_in(CLERK.0, "clave-que-da-la-supervisora")
        .await
        .unwrap();
    desk.change_own_password("clave-que-da-la-supervisora", CLERK.1, CLERK.1)
        .await
        .unwrap();
}

/// The data folder's database key, kept in its key file as on a station without a
/// credential store, so a reopened desk (or a child process) finds the same one.
pub fn database_key(paths: &DataPaths) -> DatabaseKey {
    std::fs::create_dir_all(&paths.root).unwrap();
    DatabaseKey::in_file(&paths.key_file()).unwrap()
}

pub struct TestDesk {
    pub desk: Desk,
    pub clock: Arc<ManualClock>,
    pub paths: DataPaths,
    pub documents: Vec<LegalDocument>,
    /// The temporary data folder, unless the test chose its own.
    _dir: Option<crate::TestFolder>,
}

pub async fn spawn_desk() -> TestDesk {
    spawn_desk_with(Settings::default()).await
}

pub async fn spawn_desk_with(settings: Settings) -> TestDesk {
    spawn_desk_with_clock_skew(settings, chrono::Duration::zero()).await
}

/// A desk whose clock starts at the real time plus `skew` (a station whose clock is set
/// wrong); the test moves it on from there. Never a calendar date: tests pass on any day.
pub async fn spawn_desk_with_clock_skew(settings: Settings, skew: chrono::Duration) -> TestDesk {
    let dir = crate::test_folder();
    let root = dir.path().to_owned();
    let t = open_desk(&root, settings, skew, Some(dir)).await;
    sign_in_a_clerk(&t.desk).await;
    t
}

/// A first run in a data folder of the test's choosing (which the test then removes):
/// the supervisor, and the clerk signed in.
pub async fn spawn_desk_in(root: &Path) -> TestDesk {
    let t = open_desk(root, Settings::default(), chrono::Duration::zero(), None).await;
    sign_in_a_clerk(&t.desk).await;
    t
}

/// A new station's first run: no account yet, nobody signed in (an empty data folder).
pub async fn spawn_empty_desk() -> TestDesk {
    let dir = crate::test_folder();
    let root = dir.path().to_owned();
    open_desk(
        &root,
        Settings::default(),
        chrono::Duration::zero(),
        Some(dir),
    )
    .await
}

/// The app opened again on a data folder that already has its clerk: after a restart,
/// or a second instance beside the first. The clerk signs in.
pub async fn reopen_desk(root: &Path) -> TestDesk {
    let t = open_desk(root, Settings::default(), chrono::Duration::zero(), None).await;
    t.desk.sign_in(CLERK.0, CLERK.1).await.unwrap();
    t
}

/// The app opened again on a data folder after a restart (or a crash), before anyone signs
/// in: what a restarted station finds.
pub async fn reopen_desk_signed_out(root: &Path) -> TestDesk {
    open_desk(root, Settings::default(), chrono::Duration::zero(), None).await
}

async fn open_desk(
    root: &Path,
    settings: Settings,
    skew: chrono::Duration,
    dir: Option<crate::TestFolder>,
) -> TestDesk {
    let paths = DataPaths::new(root);
    let clock = Arc::new(ManualClock::starting_now(skew));
    let desk = Desk::open_with_clock(&paths, settings, &database_key(&paths), clock.clone())
        .await
        .unwrap();
    let documents = legal::current_documents(desk.store()).await.unwrap();
    TestDesk {
        desk,
        clock,
        paths,
        documents,
        _dir: dir,
    }
}

/// Closes the database from the test's own runtime: a connection dropped just before goes
/// back to its pool by a task on that runtime, which a blocked thread would never run (the
/// close then waited its 30 s, and the file changed under the test when it finally ended).
/// Bounded like [`close_database`].
pub async fn close_database_here(store: &registro_core::store::Store) {
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), store.close()).await;
}

/// Closes a desk's database files now, even while clones of the desk live on in
/// background tasks that never end (the app's, on Tauri's runtime): Windows cannot remove
/// a folder whose files are open (Linux can). Gives up after half a minute (a query that
/// never ends, or one whose runtime is this very thread: see `folder`).
pub fn close_database(store: &registro_core::store::Store) {
    let store = store.clone();
    let (closed, wait) = std::sync::mpsc::channel();
    // Its own thread and runtime: the caller may be the test's only runtime thread, which
    // a task holding a connection would need in order to give it back.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime to close the database");
        runtime.block_on(store.close());
        let _ = closed.send(());
    });
    // A loaded machine (CI on two cores) can take seconds to checkpoint on close; a test
    // that reads the file next must not see it change afterwards.
    let _ = wait.recv_timeout(std::time::Duration::from_secs(30));
}

/// The registration most desk-action tests start from: the demo titular with
/// `ximena@example.com`, every notice accepted.
pub async fn registered(t: &TestDesk) -> RegistrationReceipt {
    t.register(TITULAR, "ximena@example.com").await
}

impl TestDesk {
    pub fn form(&self, (affiliation, serial): (&str, &str), email: &str) -> RegistrationForm {
        RegistrationForm {
            affiliation_number: affiliation.into(),
            credential_serial: serial.into(),
            phone: "(686) 555-0142".into(),
            phone_country: registro_core::domain::PhoneCountry::Mexico,
            email: email.into(),
            email_confirmation: email.into(),
            email_suggestion_declined: false,
            consents: ConsentAnswer::accepting(&self.documents, Some(true)),
        }
    }

    /// Registers `who` (number, serial) with `email`, every notice accepted.
    pub async fn register(&self, who: (&str, &str), email: &str) -> RegistrationReceipt {
        self.desk.register(&self.form(who, email)).await.unwrap()
    }

    /// The registration's state as stored.
    pub async fn state_of(&self, registration_id: &str) -> String {
        sqlx::query_scalar("SELECT state FROM registrations WHERE id = ?")
            .bind(registration_id)
            .fetch_one(self.desk.store().reader())
            .await
            .unwrap()
    }

    /// Time passes with the clerk away from the desk: the session locks, and the clerk
    /// unlocks it with their password on return.
    pub async fn away(&self, time: chrono::Duration) {
        self.clock.advance(time);
        let err = self.desk.current_clerk().unwrap_err();
        assert_eq!(err.code(), "sesion_bloqueada");
        self.desk.unlock(CLERK.1).await.unwrap();
    }

    /// Signs the supervisor (the one `supervisor_approval` names) in instead of the clerk.
    pub async fn as_supervisor(&self) {
        let approval = supervisor_approval();
        self.desk
            .sign_in(&approval.username, &approval.password)
            .await
            .unwrap();
    }

    /// Runs one outbox round into the `.eml` folder, as the background worker would.
    pub async fn deliver(&self) -> DeliveryRound {
        self.desk.outbox_worker().deliver_due().await.unwrap()
    }

    pub fn email_files(&self) -> Vec<PathBuf> {
        eml_files(&self.paths.outbox_files())
    }

    /// Every delivered email to `to`, decoded.
    pub fn emails_to(&self, to: &str) -> Vec<Email> {
        self.email_files()
            .iter()
            .map(|p| Email::read(p))
            .filter(|e| e.to.contains(to))
            .collect()
    }

    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.desk.store().reader())
            .await
            .unwrap()
    }
}
