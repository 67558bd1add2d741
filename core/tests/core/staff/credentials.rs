//! A supervisor's approval: wrong passwords are counted and lock the supervisor.

use chrono::Duration;
use registro_core::staff::SupervisorApproval;
use registro_test_support::*;

#[tokio::test]
async fn five_wrong_supervisor_passwords_lock_the_supervisor() {
    let t = spawn_desk().await;
    let wrong = SupervisorApproval {
        password: "no-es-esta".into(),
        ..supervisor_approval()
    };
    for _ in 0..4 {
        t.desk
            .reveal_serial(TITULAR.0, &wrong, "Credencial sin número de serie", true)
            .await
            .unwrap_err();
    }
    let err = t
        .desk
        .reveal_serial(TITULAR.0, &wrong, "Credencial sin número de serie", true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "supervisor_bloqueado");
    let err = t
        .desk
        .reveal_serial(
            TITULAR.0,
            &supervisor_approval(),
            "Credencial sin número de serie",
            true,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "supervisor_bloqueado");
    t.away(Duration::minutes(16)).await;
    t.desk
        .reveal_serial(
            TITULAR.0,
            &supervisor_approval(),
            "Credencial sin número de serie",
            true,
        )
        .await
        .unwrap();
}
