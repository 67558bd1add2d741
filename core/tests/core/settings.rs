//! Settings nobody chose never run the station: with the saved settings unusable, nobody
//! is registered and no email leaves until a supervisor saves valid ones.

use registro_core::config::Settings;
use registro_test_support::desk::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_station_on_hold_registers_nobody_and_sends_nothing_until_a_supervisor_saves_settings() {
    let t = spawn_desk().await;
    // Registered before the settings went bad: its email waits in the outbox.
    registered(&t).await;
    let problem =
        Settings::from_saved(serde_json::json!({"validation_ttl_hours": "mañana"})).unwrap_err();
    t.desk.hold_for_settings(problem);

    let refused = t
        .desk
        .register(&t.form(BENEFICIARY, "beatriz@example.com"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "ajustes_invalidos");
    assert!(
        refused.to_string().contains("«validation_ttl_hours»"),
        "{refused}"
    );
    let status = t.desk.sync_status().await.unwrap();
    assert_eq!(
        status.settings_problem.unwrap().setting,
        "validation_ttl_hours"
    );
    assert_eq!(status.emails_waiting, 1);

    let worker = tokio::spawn(t.desk.outbox_worker().run());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        t.emails_to("ximena@example.com").is_empty(),
        "an email left under settings nobody chose"
    );

    t.as_supervisor().await;
    t.desk
        .change_settings(
            Settings::default(),
            None,
            None,
            &supervisor_approval(),
            &t.paths.outbox_files(),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.emails_to("ximena@example.com").is_empty() {
        assert!(Instant::now() < deadline, "the waiting email never left");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.abort();
    assert!(
        t.desk
            .sync_status()
            .await
            .unwrap()
            .settings_problem
            .is_none()
    );
    t.register(BENEFICIARY, "beatriz@example.com").await;
}
