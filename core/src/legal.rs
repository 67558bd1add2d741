//! The legal texts shown at registration, stored as versioned documents with their SHA-256.
//! Publishing a new version means adding a file and a line to [`EDITIONS`]; a published
//! version is never edited (start-up refuses a changed text under an old version).
//!
//! From version 2 the texts are templates: the facts about the institute they cite (the
//! notice's address, the Unidad de Transparencia, the guarantor authority) come from a
//! versioned institute profile (`core/legal/perfil_instituto.vN.json`), so a change of
//! address is a new profile and a new edition of each text, each with its own hash.

use crate::domain::DocumentKind;
use crate::error::{Error, Result};
use crate::security::sha256_hex;
use crate::store::Store;
use crate::sync::payload::DocumentPayload;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// One published version of a text: a template, and the profile it is filled with
/// (none for the version 1 texts, written before the profile existed).
struct Edition {
    kind: DocumentKind,
    version: i64,
    template: &'static str,
    profile: Option<i64>,
}

/// Every version ever published, embedded in the binary.
const EDITIONS: &[Edition] = &[
    Edition {
        kind: DocumentKind::AvisoIntegral,
        version: 1,
        template: include_str!("../legal/aviso_integral.v1.txt"),
        profile: None,
    },
    Edition {
        kind: DocumentKind::AvisoSimplificado,
        version: 1,
        template: include_str!("../legal/aviso_simplificado.v1.txt"),
        profile: None,
    },
    Edition {
        kind: DocumentKind::TerminosCondiciones,
        version: 1,
        template: include_str!("../legal/terminos_condiciones.v1.txt"),
        profile: None,
    },
    Edition {
        kind: DocumentKind::ConsentimientoAgrupacion,
        version: 1,
        template: include_str!("../legal/consentimiento_agrupacion.v1.txt"),
        profile: None,
    },
    Edition {
        kind: DocumentKind::AvisoIntegral,
        version: 2,
        template: include_str!("../legal/aviso_integral.v2.txt"),
        profile: Some(1),
    },
    Edition {
        kind: DocumentKind::AvisoSimplificado,
        version: 2,
        template: include_str!("../legal/aviso_simplificado.v2.txt"),
        profile: Some(1),
    },
    Edition {
        kind: DocumentKind::TerminosCondiciones,
        version: 2,
        template: include_str!("../legal/terminos_condiciones.v2.txt"),
        profile: Some(1),
    },
    Edition {
        kind: DocumentKind::ConsentimientoAgrupacion,
        version: 2,
        template: include_str!("../legal/consentimiento_agrupacion.v2.txt"),
        profile: Some(1),
    },
];

/// Every institute profile shipped, version N at index N − 1.
const SHIPPED_PROFILES: &[&str] = &[include_str!("../legal/perfil_instituto.v1.json")];

/// The test suite's invented profile, in place of the demo profile 1, so that its stations
/// joined to the institute may send; the feature is enabled only by the tests' support
/// crate, never by the app's build.
#[cfg(feature = "institute-profile-for-tests")]
const TEST_PROFILE: &str = include_str!("../legal/pruebas/perfil_instituto.json");

/// The facts about the institute that the legal texts cite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstituteProfile {
    pub version: i64,
    /// The profile the app ships with: invented contact data on example.org, which no
    /// affiliate may receive (see readiness.rs).
    pub demostracion: bool,
    /// For whoever edits the file; not cited by any text.
    #[serde(default)]
    pub nota: String,
    pub instituto: Institute,
    pub servicios_en_linea: OnlineServices,
    pub unidad_transparencia: TransparencyUnit,
    pub autoridad_garante: GuarantorAuthority,
    pub plataforma_nacional: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institute {
    pub nombre: String,
    pub siglas: String,
    pub domicilio: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineServices {
    pub portal: String,
    pub aviso_integral: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransparencyUnit {
    pub domicilio: String,
    pub correo: String,
    pub telefono: String,
    pub horario: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuarantorAuthority {
    pub nombre: String,
    pub sitio: String,
}

impl InstituteProfile {
    /// Reads a profile file; every value must be there, and every address a web address.
    pub fn parse(json: &str) -> std::result::Result<Self, String> {
        let profile: Self = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let value = serde_json::to_value(&profile).map_err(|e| e.to_string())?;
        let mut empty = Vec::new();
        collect_empty(&value, String::new(), &mut empty);
        if !empty.is_empty() {
            return Err(format!("valores vacíos: {}", empty.join(", ")));
        }
        for url in [
            &profile.servicios_en_linea.portal,
            &profile.servicios_en_linea.aviso_integral,
            &profile.autoridad_garante.sitio,
            &profile.plataforma_nacional,
        ] {
            if !url.starts_with("https://") {
                return Err(format!("«{url}» no es una dirección https://"));
            }
        }
        Ok(profile)
    }

    /// Fills a template's `{{section.key}}` markers; a marker the profile lacks is an error,
    /// never text left for the affiliate to read.
    pub fn fill(&self, template: &str) -> std::result::Result<String, String> {
        let value = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let mut out = String::with_capacity(template.len() + 512);
        let mut rest = template;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| format!("marcador sin cerrar: «{}»", &rest[open..]))?;
            let key = after[..close].trim();
            let filled = key
                .split('.')
                .try_fold(&value, |v, part| v.get(part))
                .and_then(|v| v.as_str())
                .filter(|_| key != "nota")
                .ok_or_else(|| format!("el perfil no tiene «{key}»"))?;
            out.push_str(filled);
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn collect_empty(value: &serde_json::Value, path: String, empty: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) if s.trim().is_empty() && path != "nota" => empty.push(path),
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                collect_empty(v, path, empty);
            }
        }
        _ => {}
    }
}

/// The profiles this build carries, by version.
fn profiles() -> std::result::Result<Vec<InstituteProfile>, String> {
    #[allow(unused_mut)]
    let mut texts: Vec<&str> = SHIPPED_PROFILES.to_vec();
    #[cfg(feature = "institute-profile-for-tests")]
    {
        texts[0] = TEST_PROFILE;
    }
    texts
        .iter()
        .enumerate()
        .map(|(i, json)| {
            let profile = InstituteProfile::parse(json)
                .map_err(|e| format!("perfil del Instituto {}: {e}", i + 1))?;
            if profile.version != i as i64 + 1 {
                return Err(format!(
                    "el archivo del perfil {} dice versión {}",
                    i + 1,
                    profile.version
                ));
            }
            Ok(profile)
        })
        .collect()
}

/// A published text, filled: what is stored and hashed.
type PublishedText = (DocumentKind, i64, String);

/// Every published text, filled.
fn published_texts() -> Result<Vec<PublishedText>> {
    static TEXTS: LazyLock<std::result::Result<Vec<PublishedText>, String>> = LazyLock::new(|| {
        let profiles = profiles()?;
        EDITIONS
            .iter()
            .map(|edition| {
                // Git may check text out with CRLF on Windows; the published text is LF.
                let template = edition.template.replace("\r\n", "\n");
                let body = match edition.profile {
                    None => template,
                    Some(n) => profiles
                        .get(n as usize - 1)
                        .ok_or_else(|| format!("no existe el perfil {n}"))?
                        .fill(&template)
                        .map_err(|e| {
                            format!("{} v{}: {e}", edition.kind.as_str(), edition.version)
                        })?,
                };
                Ok((edition.kind, edition.version, body))
            })
            .collect()
    });
    TEXTS.clone().map_err(Error::Internal)
}

/// The institute profile the texts in force cite.
pub fn profile_in_force() -> Result<&'static InstituteProfile> {
    static IN_FORCE: LazyLock<std::result::Result<InstituteProfile, String>> =
        LazyLock::new(|| {
            profiles()?
                .pop()
                .ok_or_else(|| "no hay perfil del Instituto".to_owned())
        });
    IN_FORCE.as_ref().map_err(|e| Error::Internal(e.clone()))
}

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
/// This version's texts as a database must hold them, checked before it is migrated.
pub(crate) fn texts_on_record() -> Result<Vec<crate::store::TextOnRecord>> {
    Ok(published_texts()?
        .into_iter()
        .map(|(kind, version, body)| crate::store::TextOnRecord {
            kind: kind.as_str().to_owned(),
            version,
            sha256: sha256_hex(&body),
            label: format!("{} (versión {version})", kind.title()),
        })
        .collect())
}

pub async fn publish_embedded(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let mut tx = store.begin_write().await?;
    for (kind, version, body) in published_texts()? {
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
                    kind,
                    version,
                    title: title_of(kind, &body),
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
    for (kind, version, body) in published_texts()? {
        sqlx::query(
            "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
             VALUES ($1, $2, $3, $4, $5, now())
             ON CONFLICT (kind, version) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(version as i32)
        .bind(title_of(kind, &body))
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

/// The version of a text in force, without its body: what an answer given at the desk is
/// checked against (reading the bodies cost a registration a third of a millisecond).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VersionInForce {
    id: i64,
    kind: DocumentKind,
    sha256: String,
}

impl VersionInForce {
    /// Whether the text the affiliate was shown is this one.
    pub(crate) fn is(&self, kind: DocumentKind, id: i64, sha256: &str) -> bool {
        self.kind == kind && self.id == id && self.sha256 == sha256
    }
}

/// The newest version of each document, as [`current_documents`] has them.
pub(crate) async fn versions_in_force(store: &Store) -> Result<Vec<VersionInForce>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.kind, d.sha256
           FROM legal_documents d
          WHERE d.version = (SELECT max(version) FROM legal_documents WHERE kind = d.kind)",
    )
    .fetch_all(store.reader())
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words that mark a text as unfinished; none may reach an affiliate.
    const PLACEHOLDERS: &[&str] = &[
        "{{",
        "}}",
        "por publicar",
        "por definir",
        "pendiente de",
        "todo:",
        "xxx",
        "lorem",
        "[",
        "]",
        "<",
        ">",
    ];

    fn shipped_profiles() -> Vec<InstituteProfile> {
        SHIPPED_PROFILES
            .iter()
            .map(|json| InstituteProfile::parse(json).unwrap())
            .collect()
    }

    /// The newest edition of each kind: the texts an affiliate is shown.
    fn newest_editions() -> Vec<&'static Edition> {
        let mut newest: Vec<&Edition> = Vec::new();
        for edition in EDITIONS {
            match newest.iter_mut().find(|e| e.kind == edition.kind) {
                Some(e) if e.version < edition.version => *e = edition,
                Some(_) => {}
                None => newest.push(edition),
            }
        }
        newest
    }

    #[test]
    fn the_texts_in_force_filled_with_every_shipped_profile_have_no_placeholder() {
        let newest = newest_editions();
        assert_eq!(newest.len(), 4, "one text in force per kind");
        for profile in shipped_profiles() {
            for edition in &newest {
                let profile_version = edition.profile.expect("texts in force cite the profile");
                assert!(profile_version <= profile.version);
                let text = profile.fill(edition.template).unwrap();
                let lower = text.to_lowercase();
                for mark in PLACEHOLDERS {
                    assert!(
                        !lower.contains(mark),
                        "{} v{} with profile {} says «{mark}»",
                        edition.kind.as_str(),
                        edition.version,
                        profile.version
                    );
                }
            }
        }
    }

    #[test]
    fn the_notices_name_the_current_law_and_how_to_exercise_the_rights() {
        let profile = shipped_profiles().pop().unwrap();
        let integral = newest_editions()
            .into_iter()
            .find(|e| e.kind == DocumentKind::AvisoIntegral)
            .unwrap();
        let text = profile.fill(integral.template).unwrap();
        for must in [
            "20 de marzo de 2025",
            &profile.unidad_transparencia.domicilio,
            &profile.unidad_transparencia.correo,
            &profile.unidad_transparencia.horario,
            &profile.autoridad_garante.nombre,
            &profile.plataforma_nacional,
            "veinte días hábiles",
            "recurso de revisión",
            "portabilidad",
            "Transferencias",
        ] {
            assert!(text.contains(must), "the integral notice lacks «{must}»");
        }
        assert!(!text.contains("2017"), "the 2017 law was replaced in 2025");
    }

    #[test]
    fn the_profile_shipped_is_the_demo_one_and_says_so() {
        // Until the institute publishes its own profile, the app ships the demo one, and
        // a station joined to the institute holds its emails (readiness.rs).
        let shipped = shipped_profiles().pop().unwrap();
        assert!(shipped.demostracion);
        for profile in shipped_profiles().iter().filter(|p| !p.demostracion) {
            let json = serde_json::to_string(profile).unwrap();
            assert!(
                !json.contains("example."),
                "profile {} is not demo but cites example domains",
                profile.version
            );
        }
    }

    #[test]
    fn a_marker_the_profile_lacks_is_refused_not_printed() {
        let profile = shipped_profiles().pop().unwrap();
        assert_eq!(
            profile
                .fill("Escriba a {{unidad_transparencia.correo}}.")
                .unwrap(),
            format!("Escriba a {}.", profile.unidad_transparencia.correo)
        );
        assert!(profile.fill("{{unidad_transparencia.fax}}").is_err());
        assert!(profile.fill("{{nota}}").is_err());
        assert!(profile.fill("sin cerrar {{instituto.siglas").is_err());
    }

    #[test]
    fn an_incomplete_profile_is_refused() {
        let good: serde_json::Value = serde_json::from_str(SHIPPED_PROFILES[0]).unwrap();
        let mut empty = good.clone();
        empty["unidad_transparencia"]["correo"] = "  ".into();
        assert!(
            InstituteProfile::parse(&empty.to_string())
                .unwrap_err()
                .contains("unidad_transparencia.correo")
        );
        let mut plain_http = good.clone();
        plain_http["servicios_en_linea"]["aviso_integral"] = "http://servicios.example.org".into();
        assert!(InstituteProfile::parse(&plain_http.to_string()).is_err());
        let mut unknown = good.clone();
        unknown["unidad_transparencia"]["fax"] = "686 555 0101".into();
        assert!(InstituteProfile::parse(&unknown.to_string()).is_err());
    }

    #[test]
    fn every_published_text_keeps_the_hash_it_was_published_with() {
        // A published text is never edited: consents point at these hashes.
        let profiles = shipped_profiles();
        let hashes: Vec<(String, i64, String)> = EDITIONS
            .iter()
            .map(|e| {
                let template = e.template.replace("\r\n", "\n");
                let body = match e.profile {
                    None => template,
                    Some(n) => profiles[n as usize - 1].fill(&template).unwrap(),
                };
                (e.kind.as_str().to_owned(), e.version, sha256_hex(&body))
            })
            .collect();
        let published: Vec<(String, i64, String)> = PUBLISHED_HASHES
            .iter()
            .map(|(k, v, h)| ((*k).to_owned(), *v, (*h).to_owned()))
            .collect();
        assert_eq!(hashes, published);
    }

    /// Filled with the shipped profiles; a new edition adds a line, none is ever changed.
    const PUBLISHED_HASHES: &[(&str, i64, &str)] = &[
        (
            "aviso_integral",
            1,
            "f2d9818ee9a7d34512c791910a1ee9b61015e9c8b4d14191fa5a267d1f63a136",
        ),
        (
            "aviso_simplificado",
            1,
            "6c33e1efd6c5ff825c8b37a16d47de24eef16accd0f89282479d5777236c55ed",
        ),
        (
            "terminos_condiciones",
            1,
            "2f26291a75367e9db1a9bc60d406f509d0806f27efa21ad3a438b5d1bdbced8e",
        ),
        (
            "consentimiento_agrupacion",
            1,
            "dac56f6ba01152e6e841813d8470bd72837349a92c60675987a16edac60c5e7d",
        ),
        (
            "aviso_integral",
            2,
            "11edbae47c1b8cd187c228d473d52fa589bb6a3de00b4681f5c40a78eda1b1f7",
        ),
        (
            "aviso_simplificado",
            2,
            "2a06938e2ad3012bb825de6722dd0aa6e48e64536de36ba5962af74ed7375231",
        ),
        (
            "terminos_condiciones",
            2,
            "c4a1c65c76f10ce794a2b951193639ce45943dd755c3e595f52e74520e9b9664",
        ),
        (
            "consentimiento_agrupacion",
            2,
            "2992d56a6ae2424e4d9bcd545d6bd9b22f8237b68cf40f8a889d366b98aae6fd",
        ),
    ];
}
