//! The legal texts the affiliate answers: stored with their hash, never rewritten.

use registro_test_support::*;

#[tokio::test]
async fn published_texts_are_stored_with_their_hash_and_never_rewritten() {
    let t = spawn_desk().await;
    assert_eq!(t.documents.len(), 4);
    for doc in &t.documents {
        assert_eq!(doc.sha256, registro_core::security::sha256_hex(&doc.body));
        assert!(doc.body.starts_with(&doc.title));
    }
    // Opening the same database again publishes nothing new.
    registro_core::legal::publish_embedded(t.desk.store(), t.desk.now())
        .await
        .unwrap();
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM legal_documents").await,
        4
    );
    // A stored text that differs from the binary's under the same version stops start-up.
    sqlx::query("UPDATE legal_documents SET sha256 = ? WHERE kind = 'aviso_integral'")
        .bind("0".repeat(64))
        .execute(t.desk.store().writer())
        .await
        .unwrap();
    assert!(
        registro_core::legal::publish_embedded(t.desk.store(), t.desk.now())
            .await
            .is_err()
    );
}
