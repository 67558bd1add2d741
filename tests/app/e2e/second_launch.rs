//! The clerk opens the app again while it is open (the window was behind another one):
//! the window already open comes to the front with its half-filled form, and no second
//! app starts on the same database.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn launching_the_app_again_brings_the_open_window_forward_and_loses_nothing() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    tab(&c, "registro").await;
    type_into(&c, "affiliation_number", "900100101").await;

    // The second launch, as the Start menu would do it: same user, same data folder.
    let started = Instant::now();
    let mut again = Command::new(APP)
        .env("DISPLAY", &h.display)
        .env(registro_app::DATA_DIR_ENV, h.data.path())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = again.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > WAIT {
            let _ = again.kill();
            panic!("the second launch kept running beside the first one");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the second launch ends quietly: {status}");

    // The open app answered the request (it removes it once its window is raised) …
    let request = h.data.path().join("traer-al-frente");
    let deadline = Instant::now() + Duration::from_secs(10);
    while request.exists() {
        assert!(
            Instant::now() < deadline,
            "the open window was not asked to the front"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // (The log is written by a background thread: read until the line is there.)
    let logs = h.data.path().join("registros-de-actividad");
    let read_log = || -> String {
        std::fs::read_dir(&logs)
            .unwrap()
            .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap_or_default())
            .collect()
    };
    let mut log = read_log();
    while !log.contains("bringing the window to the front") {
        assert!(
            Instant::now() < deadline,
            "the open app did not raise its window:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        log = read_log();
    }
    assert_eq!(
        log.matches("app started").count(),
        1,
        "a second app opened the same database:\n{log}"
    );

    // … and the clerk finds the form as she left it, in the one window there is.
    assert_eq!(value(&c, "affiliation_number").await, "900100101");
    assert_eq!(c.windows().await.unwrap().len(), 1);
    screenshot(&c, &h, "60-segundo-arranque").await;
    c.close().await.unwrap();
}
