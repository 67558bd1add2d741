//! The local database stops opening (a disk fault, a file copied over it): the window still
//! opens, says what is wrong and what to do, leaves the file as it is, and restores the
//! station's last backup, after which the app starts as usual.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use registro_core::instance::InstanceLock;
use std::time::{Duration, Instant};

/// Waits until no app holds the data folder (the closed session's app has exited).
async fn wait_until_closed(h: &Harness) {
    let deadline = Instant::now() + WAIT;
    loop {
        if InstanceLock::acquire(h.data.path()).unwrap().is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "the app did not exit");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_database_that_does_not_open_gets_a_rescue_window_that_restores_the_last_copy() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    // The day's copy is taken as the app starts.
    let copies = h.data.path().join("copias-de-seguridad");
    let deadline = Instant::now() + WAIT;
    while !files_in(&copies).iter().any(|f| f.ends_with(".sqlite3")) {
        assert!(Instant::now() < deadline, "no daily backup in {copies:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    c.close().await.unwrap();
    wait_until_closed(&h).await;

    // Another file is copied over the database while the app is closed; the journal
    // (`-wal`) of the old one is still beside it, and must not be written into the new.
    let database = h.data.path().join("registro.sqlite3");
    let garbage: Vec<u8> = b"esto no es una base de datos; "
        .iter()
        .copied()
        .cycle()
        .take(5000)
        .collect();
    std::fs::write(&database, &garbage).unwrap();

    let c = connect(&h).await;
    wait_visible(&c, "#rescate").await;
    assert!(!is_displayed(&c, "#aplicacion").await);
    assert!(!is_displayed(&c, "#acceso").await);
    let message = text(&c, "#rescate-mensaje").await;
    assert!(!message.is_empty(), "the window says what is wrong");
    wait_visible(&c, "#form-rescate").await;
    audit_accessibility(&c, &h, "rescate").await;
    screenshot(&c, &h, "32-rescate").await;
    assert!(
        std::fs::read(&database).unwrap() == garbage,
        "the broken file is left as it was"
    );

    click(&c, "rescate-restaurar").await;
    wait_visible(&c, "#rescate-confirmar").await;
    click(&c, "rescate-si").await;
    // Restored, the window starts as usual: the sign-in of the station's staff.
    wait_visible(&c, "#acceso").await;
    assert!(!is_displayed(&c, "#rescate").await);
    screenshot(&c, &h, "33-rescate-restaurada").await;
    let kept: Vec<String> = files_in(h.data.path())
        .into_iter()
        .filter(|f| f.starts_with("registro.sqlite3.reemplazada-"))
        .collect();
    assert!(
        kept.iter()
            .any(|f| std::fs::read(h.data.path().join(f)).unwrap() == garbage),
        "the broken file is kept aside: {kept:?}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_data_folder_that_cannot_be_used_opens_a_window_that_says_so_instead_of_ending_unseen() {
    let h = start();
    // A folder where the app's lock file must go: the lock cannot be opened, as when the
    // user may not write in the data folder (the tests run as root, who may write anywhere).
    let lock = h.data.path().join("instancia.lock");
    std::fs::create_dir_all(lock.join("no-es-un-archivo")).unwrap();
    let c = connect(&h).await;
    wait_visible(&c, "#rescate").await;
    assert!(!is_displayed(&c, "#aplicacion").await);
    let message = text(&c, "#rescate-mensaje").await;
    assert!(
        message.contains("No se pudo usar la carpeta de datos"),
        "{message}"
    );
    assert!(message.contains("avise a soporte"), "{message}");
    assert!(
        !h.data.path().join("registro.sqlite3").exists(),
        "nothing was created or opened"
    );
    audit_accessibility(&c, &h, "rescate-carpeta").await;
    screenshot(&c, &h, "34-rescate-carpeta").await;
    c.close().await.unwrap();
}
