//! The written consent for the family grouping: the agenda and prescriptions shared in
//! the family nucleus are health data, sensitive, and the law wants that consent express
//! and in writing. The form repeats the exact text the affiliate answered (its version
//! and full SHA-256), the answer, and has lines for the affiliate's and the clerk's
//! signatures. Handing the signed paper back is recorded in the audit trail, once.

use super::capitalized;
use super::layout::{BODY, Font, LABEL_WIDTH, Layout, Placed, TEXT_WIDTH, wrap};
use super::pdf::write_pdf;
use crate::audit::{self, CONSENT_FORM_COLLECTED};
use crate::desk::Desk;
use crate::domain::{DocumentKind, answer_word};
use crate::error::{Error, Result, local_time};
use crate::security::sha256_hex;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Utc};
use serde_json::json;

/// What the consent form says, read from the registration and its consent row.
#[derive(Debug, Clone)]
pub struct ConsentForm {
    pub registration_id: String,
    pub folio: String,
    /// From the roster; empty if the affiliate is no longer in it.
    pub affiliate_name: String,
    pub affiliation_number: String,
    /// Where the answer was given.
    pub office: String,
    pub workstation: String,
    /// The text exactly as shown: its first line is its title.
    pub body: String,
    pub version: i64,
    /// The full SHA-256 of `body`, as the consent row keeps it.
    pub sha256: String,
    pub granted: bool,
    /// «otorgado» or «no otorgado» (domain/words.rs).
    pub answer: String,
    pub decided_at: DateTime<Utc>,
    /// `27/11/2026 a las 10:00`, in the workstation's local time.
    pub decided_at_local: String,
    /// The clerk who hands the form over for signature (the one signed in).
    pub clerk_name: String,
}

#[derive(sqlx::FromRow)]
struct FormRow {
    folio: String,
    affiliation_number: String,
    full_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct GroupingConsentRow {
    office: String,
    workstation: String,
    accepted: bool,
    decided_at: DateTime<Utc>,
    document_version: i64,
    document_sha256: String,
    body: String,
}

impl Desk {
    /// The written consent form of one registration's family-grouping answer.
    pub async fn consent_form(&self, registration_id: &str) -> Result<ConsentForm> {
        let clerk = self.current_clerk()?;
        let r: FormRow = sqlx::query_as(
            "SELECT r.folio, r.affiliation_number, a.full_name
               FROM registrations r
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE r.id = ?",
        )
        .bind(registration_id)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or(Error::RegistrationNotFound)?;
        let c: GroupingConsentRow = sqlx::query_as(
            "SELECT c.office, c.workstation, c.accepted, c.decided_at, c.document_version,
                    c.document_sha256, d.body
               FROM consents c
               JOIN legal_documents d ON d.id = c.document_id
              WHERE c.registration_id = ? AND c.document_kind = ?
              ORDER BY c.decided_at DESC, c.rowid DESC
              LIMIT 1",
        )
        .bind(registration_id)
        .bind(DocumentKind::ConsentimientoAgrupacion)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or_else(|| Error::NoGroupingConsent(r.folio.clone()))?;
        // Never print a text other than the one the consent's hash proves.
        if sha256_hex(&c.body) != c.document_sha256 {
            return Err(Error::Internal(format!(
                "consent of {registration_id}: the stored text does not match its hash"
            )));
        }
        Ok(ConsentForm {
            registration_id: registration_id.to_owned(),
            folio: r.folio,
            affiliate_name: r.full_name.unwrap_or_default(),
            affiliation_number: r.affiliation_number,
            office: c.office,
            workstation: c.workstation,
            body: c.body,
            version: c.document_version,
            sha256: c.document_sha256,
            granted: c.accepted,
            answer: answer_word(DocumentKind::ConsentimientoAgrupacion, c.accepted).to_owned(),
            decided_at_local: local_time(&c.decided_at),
            decided_at: c.decided_at,
            clerk_name: clerk.full_name,
        })
    }

    /// Records that the signed form came back to the desk: by the clerk signed in, now,
    /// here. Once per answer in force: a second time is refused, saying when it was done.
    pub async fn record_consent_form_collected(&self, registration_id: &str) -> Result<()> {
        let clerk = self.current_clerk()?;
        let form = self.consent_form(registration_id).await?;
        let mut work = self.work(Actor::Staff(clerk.username)).await?;
        // Checked inside the change's transaction: two desks clicking at once record one.
        // Once per answer: a grouping consent answered again needs its own signed form.
        if let Some(done) = audit::latest_about_since(
            work.conn(),
            registration_id,
            CONSENT_FORM_COLLECTED,
            form.decided_at,
        )
        .await?
        {
            return Err(Error::ConsentFormAlreadyCollected {
                folio: form.folio,
                at: done.occurred_at,
                clerk: done.clerk,
            });
        }
        work.audit(
            CONSENT_FORM_COLLECTED,
            Subject::Registration {
                id: registration_id,
                affiliation: &form.affiliation_number,
            },
            json!({
                "folio": form.folio,
                "documento": DocumentKind::ConsentimientoAgrupacion.as_str(),
                "version": form.version,
                "sha256": form.sha256,
                "otorgado": form.granted,
            }),
        )
        .await?;
        work.commit().await
    }
}

/// The consent form as a Letter-size PDF, in the receipt's fonts and margins.
pub fn render_consent_form_pdf(form: &ConsentForm) -> Vec<u8> {
    write_pdf(
        &layout(form),
        &format!("Consentimiento por escrito {}", form.folio),
    )
}

/// The width of each of the two signature columns.
const SIGNATURE_COLUMN: f32 = (TEXT_WIDTH - 24.0) / 2.0;
const SIGNATURE_LINE: &str = "______________________________________";

fn layout(form: &ConsentForm) -> Vec<Vec<Placed>> {
    let mut l = Layout::new();
    l.paragraph(
        Font::Bold,
        14.0,
        0.0,
        "Consentimiento expreso y por escrito — Servicios en Línea ISSSTECALI",
    );
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        "Datos personales sensibles: citas y recetas compartidas en el núcleo familiar.",
    );
    l.space(6.0);
    l.paragraph(Font::Regular, 9.0, 0.0, "Folio");
    l.paragraph(Font::Bold, 22.0, 0.0, &form.folio);
    l.space(8.0);
    let office = format!("{} (estación {})", form.office, form.workstation);
    let answer = capitalized(&form.answer);
    for (label, value) in [
        ("Afiliado:", form.affiliate_name.as_str()),
        ("Número de afiliación:", form.affiliation_number.as_str()),
        ("Fecha:", form.decided_at_local.as_str()),
        ("Oficina:", office.as_str()),
        ("Respuesta:", answer.as_str()),
    ] {
        l.labelled(label, value, LABEL_WIDTH);
    }

    l.heading(&format!(
        "Texto que se le presentó (versión {})",
        form.version
    ));
    let mut first = true;
    for line in form.body.lines() {
        if line.trim().is_empty() {
            l.space(BODY * 0.5);
            continue;
        }
        let font = if first { Font::Bold } else { Font::Regular };
        l.paragraph(font, BODY, 0.0, line);
        first = false;
    }

    l.heading("Comprobación del texto");
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        &format!(
            "Versión {} del texto. La comprobación de abajo (su huella SHA-256 completa) permite demostrar que el texto de este formato es exactamente el que se le presentó: cualquier cambio en el texto da otra comprobación.",
            form.version
        ),
    );
    l.paragraph(Font::Bold, BODY, 0.0, &form.sha256);

    l.heading("Firmas");
    l.paragraph(
        Font::Regular,
        BODY,
        0.0,
        &format!(
            "Con mi firma confirmo que leí el texto anterior y que mi respuesta fue: {}.",
            form.answer
        ),
    );
    let affiliate = if form.affiliate_name.trim().is_empty() {
        form.affiliation_number.as_str()
    } else {
        form.affiliate_name.as_str()
    };
    let left = wrap(affiliate, BODY, SIGNATURE_COLUMN);
    let right = wrap(&form.clerk_name, BODY, SIGNATURE_COLUMN);
    let names = left.len().max(right.len());
    // The lines, their captions and the names stay together on one page.
    l.keep(names as f32 + 6.0);
    l.space(42.0);
    signature_row(&mut l, Font::Regular, [SIGNATURE_LINE], [SIGNATURE_LINE]);
    signature_row(
        &mut l,
        Font::Regular,
        ["Firma del afiliado"],
        ["Firma del personal de ventanilla"],
    );
    signature_row(&mut l, Font::Bold, &left, &right);
    l.space(BODY);
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        "El Instituto conserva este formato firmado junto con la constancia de su respuesta. Puede revocar su consentimiento en cualquier momento, en cualquier ventanilla.",
    );
    l.footed(&form.folio)
}

/// One line of each signature column: the affiliate's at the left, the clerk's at the right.
fn signature_row<S: AsRef<str>>(
    l: &mut Layout,
    font: Font,
    left: impl IntoIterator<Item = S>,
    right: impl IntoIterator<Item = S>,
) {
    let left: Vec<S> = left.into_iter().collect();
    let right: Vec<S> = right.into_iter().collect();
    for i in 0..left.len().max(right.len()) {
        let y = l.next_line(BODY);
        if let Some(text) = left.get(i) {
            l.place(font, BODY, 0.0, y, text.as_ref());
        }
        if let Some(text) = right.get(i) {
            l.place(font, BODY, SIGNATURE_COLUMN + 24.0, y, text.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{MARGIN, PAGE_HEIGHT, PAGE_WIDTH, text_width};
    use super::*;

    fn sample(name: &str) -> ConsentForm {
        ConsentForm {
            registration_id: "r".into(),
            folio: "RSL-261125-K7Q2MX".into(),
            affiliate_name: name.into(),
            affiliation_number: "900100101".into(),
            office: "Clínica Hospital Mexicali".into(),
            workstation: "VENTANILLA-03".into(),
            body: "Título\n\nPrimer párrafo. ".repeat(30),
            version: 2,
            sha256: "ab".repeat(32),
            granted: false,
            answer: "no otorgado".into(),
            decided_at: Utc::now(),
            decided_at_local: "27/11/2026 a las 10:00".into(),
            clerk_name: "Juan Carlos Ejemplo Ficticio".into(),
        }
    }

    #[test]
    fn long_names_and_texts_stay_inside_the_margins_and_the_signatures_together() {
        let name: String = "María de los Ángeles Guadalupe ".repeat(7);
        let pages = layout(&sample(name.trim()));
        assert!(pages.len() >= 2);
        for p in pages.iter().flatten() {
            assert!(
                p.x + text_width(&p.text, p.size) <= PAGE_WIDTH - MARGIN + 0.01,
                "{p:?}"
            );
            assert!(p.y >= MARGIN - 24.0 && p.y <= PAGE_HEIGHT - MARGIN, "{p:?}");
        }
        let page_of = |text: &str| {
            pages
                .iter()
                .position(|page| page.iter().any(|p| p.text == text))
                .unwrap()
        };
        assert_eq!(
            page_of("Firma del afiliado"),
            page_of("Juan Carlos Ejemplo Ficticio")
        );
        assert_eq!(page_of(SIGNATURE_LINE), page_of("Firma del afiliado"));
    }
}
