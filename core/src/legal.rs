//! The legal texts shown at registration, stored as versioned documents with their SHA-256.
//! Publishing a new version means adding a file and a line to [`PUBLISHED`]; a published
//! version is never edited (start-up refuses a changed text under an old version).

use crate::domain::DocumentKind;
use crate::error::{Error, Result};
use crate::security::sha256_hex;
use crate::store::Store;
use crate::sync::payload::DocumentPayload;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Every version ever published, embedded in the binary.
const PUBLISHED: &[(DocumentKind, i64, &str)] = &[
    (
        DocumentKind::AvisoIntegral,
        1,
        include_str!("../legal/aviso_integral.v1.txt"),
    ),
    (
        DocumentKind::AvisoSimplificado,
        1,
        include_str!("../legal/aviso_simplificado.v1.txt"),
    ),
    (
        DocumentKind::TerminosCondiciones,
        1,
        include_str!("../legal/terminos_condiciones.v1.txt"),
    ),
    (
        DocumentKind::ConsentimientoAgrupacion,
        1,
        include_str!("../legal/consentimiento_agrupacion.v1.txt"),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LegalDocument {
    pub id: i64,
    pub kind: DocumentKind,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub sha256: String,
    pub published_at: DateTime<Utc>,
}

/// Stores any embedded version not yet in the database, and refuses to start if a stored
/// version's text differs from the embedded one (a published text was edited).
pub async fn publish_embedded(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let mut tx = store.writer().begin().await?;
    for (kind, version, body) in PUBLISHED {
        // Git may check text out with CRLF on Windows; the published text is LF.
        let body = body.replace("\r\n", "\n");
        let sha = sha256_hex(&body);
        let stored: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM legal_documents WHERE kind = ? AND version = ?")
                .bind(kind.as_str())
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        match stored {
            Some(existing) if existing == sha => {}
            Some(_) => {
                tracing::error!(
                    document = kind.as_str(),
                    version,
                    "a published text changed; publish a new version"
                );
                return Err(Error::LegalTextChanged(format!(
                    "{} (versión {version})",
                    kind.title()
                )));
            }
            None => {
                let document = DocumentPayload {
                    kind: *kind,
                    version: *version,
                    title: title_of(*kind, &body),
                    body,
                    sha256: sha,
                    published_at: now,
                };
                // Stations keep it to themselves: the central database gets its texts
                // from `publish_centrally` (offices may not publish any).
                document.insert(&mut tx).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A text's first line is its title.
fn title_of(kind: DocumentKind, body: &str) -> String {
    body.lines()
        .next()
        .unwrap_or(kind.title())
        .trim()
        .to_owned()
}

/// Publishes in the central database every embedded version it lacks, so that every text
/// a consent points to is there. `registro-central --migrar` runs it with the schema's
/// owner: offices cannot insert legal texts.
pub async fn publish_centrally(central: &sqlx::PgPool) -> Result<()> {
    for (kind, version, body) in PUBLISHED {
        let body = body.replace("\r\n", "\n");
        sqlx::query(
            "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
             VALUES ($1, $2, $3, $4, $5, now())
             ON CONFLICT (kind, version) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(*version as i32)
        .bind(title_of(*kind, &body))
        .bind(&body)
        .bind(sha256_hex(&body))
        .execute(central)
        .await?;
    }
    Ok(())
}

/// The newest version of each document, in the order they are shown.
pub async fn current_documents(store: &Store) -> Result<Vec<LegalDocument>> {
    let mut docs: Vec<LegalDocument> = sqlx::query_as(
        "SELECT d.id, d.kind, d.version, d.title, d.body, d.sha256, d.published_at
           FROM legal_documents d
          WHERE d.version = (SELECT max(version) FROM legal_documents WHERE kind = d.kind)",
    )
    .fetch_all(store.reader())
    .await?;
    docs.sort_by_key(|d| d.kind.position());
    Ok(docs)
}
