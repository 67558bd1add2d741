//! The affiliate's printed receipt: what it says ([`Receipt`], read from the store) and
//! how it looks on paper ([`render_pdf`], a Letter-size PDF in the standard fonts). The
//! written consent for the family grouping ([`ConsentForm`]) and the affiliate's access
//! report ([`AccessReport`]) are printed the same way.
//!
//! None carries a secret: no validation code or link, no temporary password, no
//! credential serial. The receipt masks the email and phone; the access report, the
//! person's own copy of their data, does not.

mod access_report;
mod consent_form;
mod layout;
mod pdf;

pub use access_report::{AccessReport, render_access_report_pdf};
pub use consent_form::{ConsentForm, render_consent_form_pdf};
pub use pdf::render_pdf;

use crate::config::{InstituteContact, Settings};
use crate::desk::Desk;
use crate::domain::{DocumentKind, EmailAddress, Phone, RegistrationState, answer_word};
use crate::error::{Error, Result, local_time};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Everything the receipt shows, already formatted for display.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Receipt {
    pub folio: String,
    pub registered_at: DateTime<Utc>,
    /// `25/11/2026 14:05`, in the workstation's local time.
    pub registered_at_local: String,
    pub office: String,
    pub workstation: String,
    /// From the roster; empty if the affiliate is no longer in it.
    pub affiliate_name: String,
    pub affiliation_number: String,
    pub email_masked: String,
    pub phone_masked: String,
    pub documents: Vec<ReceiptDocument>,
    /// The registration's state (`pendiente_validacion`, `validada`, …).
    pub state: RegistrationState,
    pub next_steps: Vec<String>,
    pub contact: ReceiptContact,
}

/// One legal document the affiliate answered, as recorded with the consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptDocument {
    pub title: String,
    pub version: i64,
    /// First 12 hex digits of the text's SHA-256: enough to tell versions apart on paper.
    pub short_hash: String,
    /// «Aceptado», or «Otorgado» / «No otorgado» for the family-grouping consent.
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptContact {
    pub name: String,
    pub office: String,
    pub address: String,
    pub phone: String,
    pub hours: String,
}

impl ReceiptContact {
    pub fn institute() -> Self {
        Self {
            name: InstituteContact::NAME.to_owned(),
            office: InstituteContact::OFFICE.to_owned(),
            address: InstituteContact::ADDRESS.to_owned(),
            phone: InstituteContact::PHONE.to_owned(),
            hours: InstituteContact::HOURS.to_owned(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct RegistrationRow {
    folio: String,
    created_at: DateTime<Utc>,
    office: String,
    workstation: String,
    full_name: Option<String>,
    affiliation_number: String,
    email: String,
    phone_e164: String,
    state: RegistrationState,
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    title: Option<String>,
    document_kind: DocumentKind,
    document_version: i64,
    document_sha256: String,
    accepted: bool,
}

impl Desk {
    /// The receipt of one registration, as it stands now.
    pub async fn receipt(&self, registration_id: &str) -> Result<Receipt> {
        self.current_clerk()?;
        let settings = self.settings();
        let r: RegistrationRow = sqlx::query_as(
            "SELECT r.folio, r.created_at, r.office, r.workstation, a.full_name,
                    r.affiliation_number, r.email, r.phone_e164, r.state
               FROM registrations r
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE r.id = ?",
        )
        .bind(registration_id)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or(Error::RegistrationNotFound)?;
        // Version and hash come from the consent row: they are what was shown and agreed to.
        let mut consents: Vec<ConsentRow> = sqlx::query_as(
            "SELECT d.title, c.document_kind, c.document_version, c.document_sha256, c.accepted
               FROM consents c
               LEFT JOIN legal_documents d ON d.id = c.document_id
              WHERE c.registration_id = ?",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;
        consents.sort_by_key(|c| (c.document_kind.position(), c.document_version));
        let email_masked = EmailAddress::mask_stored(&r.email);
        Ok(Receipt {
            next_steps: next_steps(&settings, &r.affiliation_number, &email_masked),
            registered_at_local: local_time(&r.created_at),
            folio: r.folio,
            registered_at: r.created_at,
            office: r.office,
            workstation: r.workstation,
            affiliate_name: r.full_name.unwrap_or_default(),
            affiliation_number: r.affiliation_number,
            email_masked,
            phone_masked: Phone::mask_stored(&r.phone_e164),
            documents: consents.into_iter().map(receipt_document).collect(),
            state: r.state,
            contact: ReceiptContact::institute(),
        })
    }
}

/// A word from the one table, at the start of its own line.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn receipt_document(c: ConsentRow) -> ReceiptDocument {
    // One word per answer (domain/words.rs), with a capital on its own line.
    let answer = capitalized(answer_word(c.document_kind, c.accepted));
    ReceiptDocument {
        title: c
            .title
            .unwrap_or_else(|| c.document_kind.title().to_owned()),
        version: c.document_version,
        short_hash: c.document_sha256.chars().take(12).collect(),
        answer: answer.to_owned(),
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What happens next, in the words of the emails the affiliate will receive.
fn next_steps(settings: &Settings, affiliation_number: &str, email_masked: &str) -> Vec<String> {
    let promise = plural(settings.delivery_promise_minutes, "minuto", "minutos");
    let ttl = plural(settings.validation_ttl_hours, "hora", "horas");
    vec![
        format!(
            "Revise su correo {email_masked}: en los próximos {promise} recibirá el mensaje «Valide su registro en Servicios en Línea». Busque también en la carpeta de correo no deseado."
        ),
        format!(
            "Valide su registro con el enlace del correo o, en la ventanilla, dé el código de validación que viene en él. El enlace y el código vencen {ttl} después de enviados y solo sirven una vez."
        ),
        format!(
            "Después de validar recibirá otro correo con su usuario y una contraseña temporal. Su usuario es su número de afiliación: {affiliation_number}."
        ),
        "Al entrar por primera vez, el sistema le pedirá cambiar la contraseña temporal por una que solo usted conozca. No la comparta: el personal del Instituto nunca se la pedirá.".to_owned(),
        format!(
            "Si el correo de validación no le llega en {promise}, acuda a la ventanilla con este comprobante o llame al {}.",
            InstituteContact::PHONE
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_steps_agree_with_the_settings() {
        let settings = Settings {
            validation_ttl_hours: 1,
            delivery_promise_minutes: 15,
            ..Settings::default()
        };
        let steps = next_steps(&settings, "900100101", "an***@example.com").join("\n");
        assert!(steps.contains("vencen 1 hora después"), "{steps}");
        assert!(steps.contains("en los próximos 15 minutos"), "{steps}");
        assert!(steps.contains("Su usuario es su número de afiliación: 900100101"));
        assert!(steps.contains("an***@example.com"));
        assert!(steps.contains(InstituteContact::PHONE));
    }
}
