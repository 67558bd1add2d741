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
    // Every version ever published is kept (consents point at them); opening the same
    // database again publishes nothing new.
    let published = t.scalar_i64("SELECT count(*) FROM legal_documents").await;
    assert!(
        published >= 8,
        "versions 1 and 2 of four texts: {published}"
    );
    registro_core::legal::publish_embedded(t.desk.store(), t.desk.now())
        .await
        .unwrap();
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM legal_documents").await,
        published
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

#[tokio::test]
async fn the_texts_an_affiliate_reads_cite_the_institute_profile_and_nothing_provisional() {
    let t = spawn_desk().await;
    let profile = registro_core::legal::profile_in_force().unwrap();
    for doc in &t.documents {
        assert!(doc.version >= 2, "{} still v{}", doc.title, doc.version);
        for provisional in ["{{", "}}", "por publicar", "por definir", "TODO", "XXX"] {
            assert!(
                !doc.body.contains(provisional),
                "«{}» says «{provisional}»",
                doc.title
            );
        }
        assert!(
            doc.body.contains(&profile.instituto.siglas),
            "«{}» names the institute",
            doc.title
        );
    }
    let simplified = t
        .documents
        .iter()
        .find(|d| d.kind == registro_core::domain::DocumentKind::AvisoSimplificado)
        .unwrap();
    // Where to read the whole notice and whom to write to: the profile's, not a draft's.
    assert!(
        simplified
            .body
            .contains(&profile.servicios_en_linea.aviso_integral)
    );
    assert!(
        simplified
            .body
            .contains(&profile.unidad_transparencia.correo)
    );
}
