//! Registrations nobody validated expire and free the person to register again.

use chrono::Duration;
use registro_test_support::*;

#[tokio::test]
async fn pending_registrations_expire_and_release_the_identity() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    t.away(Duration::hours(72) + Duration::seconds(1)).await;
    // A new registration of the same person is possible: the old one expired.
    let second = t.register(TITULAR, "ximena@example.com").await;
    assert_ne!(second.folio, receipt.folio);
    assert_eq!(t.state_of(&receipt.registration_id).await, "expirada");
    let err = t
        .desk
        .resend_validation(&receipt.registration_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "no_pendiente");
    assert_eq!(t.scalar_i64("SELECT count(*) FROM audit_events WHERE action = 'registro_expirado' AND clerk = 'sistema'").await, 1);
}
