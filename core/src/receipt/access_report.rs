//! The affiliate's right of access: everything this station holds about one
//! registration, on paper for the affiliate. Unlike the receipt, nothing is masked (it
//! is the person's own data), but no secret is in it either: no password or its hash, no
//! validation code or link, no email body. A supervisor approves it, with the reason,
//! and the audit trail records who handed it over.

use super::capitalized;
use super::layout::{BODY, Font, Layout, Placed};
use super::pdf::write_pdf;
use crate::desk::Desk;
use crate::domain::{
    DocumentKind, EmailKind, EmailState, Phone, RegistrationState, SupervisorApproval, answer_word,
    require_reason,
};
use crate::error::{Error, Result, local_time};
use crate::work::{Actor, Subject};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Where the facts' values start: after the longest label, «Agrupación por núcleo
/// familiar:», in bold.
const FACT_VALUE_X: f32 = 195.0;

/// The audit action of an access report handed over.
pub(crate) const ACCESS_REPORT_ISSUED: &str = "datos_personales_entregados";

/// What the access report says, read from the store.
#[derive(Debug, Clone)]
pub struct AccessReport {
    pub folio: String,
    /// `27/11/2026 a las 10:00`, when it was made.
    pub issued_at_local: String,
    pub issued_by: String,
    /// Labelled facts of the registration, in reading order.
    pub facts: Vec<(String, String)>,
    /// One line per answer to a legal text.
    pub consents: Vec<String>,
    /// One line per email sent (or meant to be) to the affiliate.
    pub emails: Vec<String>,
    /// One line per thing the staff did with the registration.
    pub history: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    folio: String,
    affiliation_number: String,
    full_name: Option<String>,
    email: String,
    phone_e164: String,
    state: RegistrationState,
    family_grouping: bool,
    office: String,
    workstation: String,
    clerk: String,
    created_at: DateTime<Utc>,
    validated_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    closed_reason: Option<String>,
    username: Option<String>,
    password_set_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ConsentLine {
    title: Option<String>,
    document_kind: DocumentKind,
    document_version: i64,
    accepted: bool,
    decided_at: DateTime<Utc>,
    office: String,
}

#[derive(sqlx::FromRow)]
struct EmailLine {
    kind: EmailKind,
    recipient: String,
    state: EmailState,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct HistoryLine {
    occurred_at: DateTime<Utc>,
    action: String,
    clerk: String,
    office: String,
}

impl Desk {
    /// The access report of one registration; recorded in the audit trail as handed
    /// over by the approving supervisor, with the reason.
    pub async fn access_report(
        &self,
        registration_id: &str,
        approval: &SupervisorApproval,
        reason: &str,
    ) -> Result<AccessReport> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        let r: Row = sqlx::query_as(
            "SELECT r.folio, r.affiliation_number, a.full_name, r.email, r.phone_e164, r.state,
                    r.family_grouping, r.office, r.workstation, r.clerk, r.created_at,
                    r.validated_at, r.closed_at, r.closed_reason, c.username, c.password_set_at
               FROM registrations r
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
               LEFT JOIN accounts c ON c.registration_id = r.id
              WHERE r.id = ?",
        )
        .bind(registration_id)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or(Error::RegistrationNotFound)?;
        let consents: Vec<ConsentLine> = sqlx::query_as(
            "SELECT d.title, c.document_kind, c.document_version, c.accepted, c.decided_at, c.office
               FROM consents c
               LEFT JOIN legal_documents d ON d.id = c.document_id
              WHERE c.registration_id = ?
              ORDER BY c.decided_at, c.rowid",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;
        let emails: Vec<EmailLine> = sqlx::query_as(
            "SELECT kind, recipient, state, created_at FROM outbox_messages
              WHERE registration_id = ? ORDER BY created_at, rowid",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;
        let history: Vec<HistoryLine> = sqlx::query_as(
            "SELECT occurred_at, action, clerk, office FROM audit_events
              WHERE registration_id = ? ORDER BY occurred_at, rowid",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;

        let supervisor = self.approve(approval).await?;
        let mut work = self.work(Actor::Staff(supervisor)).await?;
        let now = work.now();
        work.audit(
            ACCESS_REPORT_ISSUED,
            Subject::Registration {
                id: registration_id,
                affiliation: &r.affiliation_number,
            },
            json!({ "folio": r.folio, "motivo": reason, "capturista": clerk.username }),
        )
        .await?;
        work.commit().await?;

        let when = |t: &Option<DateTime<Utc>>| t.as_ref().map(local_time);
        let mut facts = vec![
            (
                "Nombre".to_owned(),
                r.full_name
                    .unwrap_or_else(|| "(ya no está en el padrón)".into()),
            ),
            ("Número de afiliación".to_owned(), r.affiliation_number),
            ("Correo electrónico".to_owned(), r.email),
            ("Teléfono".to_owned(), Phone::display_stored(&r.phone_e164)),
            (
                "Estado del registro".to_owned(),
                capitalized(r.state.word()),
            ),
            (
                "Agrupación por núcleo familiar".to_owned(),
                capitalized(answer_word(
                    DocumentKind::ConsentimientoAgrupacion,
                    r.family_grouping,
                )),
            ),
            (
                "Registrado".to_owned(),
                format!(
                    "{} en {}, estación {}, por {}",
                    local_time(&r.created_at),
                    r.office,
                    r.workstation,
                    r.clerk
                ),
            ),
        ];
        if let Some(validated) = when(&r.validated_at) {
            facts.push(("Validado".to_owned(), validated));
        }
        if let Some(closed) = when(&r.closed_at) {
            let why = r.closed_reason.unwrap_or_default();
            facts.push((
                "Cerrado".to_owned(),
                format!("{closed}. {why}").trim().to_owned(),
            ));
        }
        if let Some(username) = r.username {
            let since = when(&r.password_set_at).unwrap_or_default();
            facts.push((
                "Cuenta".to_owned(),
                format!(
                    "usuario {username}; contraseña asignada el {since} (no se guarda legible)"
                ),
            ));
        }
        Ok(AccessReport {
            folio: r.folio,
            issued_at_local: local_time(&now),
            issued_by: clerk.full_name,
            facts,
            consents: consents
                .into_iter()
                .map(|c| {
                    format!(
                        "{} (versión {}): {}, el {} en {}",
                        c.title
                            .unwrap_or_else(|| c.document_kind.title().to_owned()),
                        c.document_version,
                        answer_word(c.document_kind, c.accepted),
                        local_time(&c.decided_at),
                        c.office
                    )
                })
                .collect(),
            emails: emails
                .into_iter()
                .map(|e| {
                    let kind = match e.kind {
                        EmailKind::Validation => "Validación del registro",
                        EmailKind::TemporaryPassword => "Contraseña temporal",
                    };
                    format!(
                        "{kind}, a {}, el {}: {}",
                        e.recipient,
                        local_time(&e.created_at),
                        e.state.word()
                    )
                })
                .collect(),
            history: history
                .into_iter()
                .map(|h| {
                    format!(
                        "{}: {}, por {} ({})",
                        local_time(&h.occurred_at),
                        action_words(&h.action),
                        h.clerk,
                        h.office
                    )
                })
                .collect(),
        })
    }
}

/// An audit action as the affiliate reads it; one not listed reads as its name.
fn action_words(action: &str) -> String {
    let words = match action {
        "registro_creado" => "registro en ventanilla",
        "registro_validado" => "registro validado",
        "cuenta_creada" => "cuenta creada",
        "correo_validacion_entregado" => "correo de validación entregado al servidor de correo",
        "correo_validacion_reenviado" => "correo de validación enviado otra vez",
        "correo_corregido" => "correo electrónico corregido",
        "telefono_rectificado" => "teléfono rectificado",
        "contrasena_temporal_reemitida" => "nueva contraseña temporal enviada",
        "consentimiento_respondido" => "respuesta a un texto legal registrada",
        "consentimiento_escrito_recogido" => "consentimiento por escrito firmado recibido",
        "registro_cancelado" => "registro cancelado",
        "registro_expirado" => "registro vencido sin validar",
        ACCESS_REPORT_ISSUED => "entrega de sus datos personales (acceso)",
        other => return other.replace('_', " "),
    };
    words.to_owned()
}

/// The access report as a Letter-size PDF, in the receipt's fonts and margins.
pub fn render_access_report_pdf(report: &AccessReport) -> Vec<u8> {
    write_pdf(
        &layout(report),
        &format!("Datos personales {}", report.folio),
    )
}

fn layout(report: &AccessReport) -> Vec<Vec<Placed>> {
    let mut l = Layout::new();
    l.paragraph(
        Font::Bold,
        14.0,
        0.0,
        "Sus datos personales en Servicios en Línea ISSSTECALI",
    );
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        "Respuesta a su solicitud de acceso: lo que esta ventanilla tiene registrado sobre usted.",
    );
    l.space(6.0);
    l.paragraph(Font::Regular, 9.0, 0.0, "Folio");
    l.paragraph(Font::Bold, 22.0, 0.0, &report.folio);
    l.space(8.0);
    for (label, value) in &report.facts {
        l.labelled(&format!("{label}:"), value, FACT_VALUE_X);
    }
    for (heading, lines, none) in [
        (
            "Textos legales y sus respuestas",
            &report.consents,
            "Ninguno.",
        ),
        ("Correos que se le enviaron", &report.emails, "Ninguno."),
        (
            "Historial del registro",
            &report.history,
            "Sin movimientos.",
        ),
    ] {
        l.heading(heading);
        if lines.is_empty() {
            l.paragraph(Font::Regular, BODY, 0.0, none);
        }
        for line in lines {
            l.paragraph(Font::Regular, BODY, 12.0, &format!("• {line}"));
        }
    }
    l.heading("Lo que no aparece aquí, y por qué");
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        "Su contraseña, el código y el enlace de validación no se guardan de forma legible: nadie del Instituto puede verlos ni entregarlos. El contenido de los correos es el que usted recibió.",
    );
    l.space(BODY);
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        &format!(
            "Emitido el {} por {}. Para rectificar, cancelar u oponerse al tratamiento de sus datos, acuda a cualquier ventanilla o a la Unidad de Transparencia del Instituto.",
            report.issued_at_local, report.issued_by
        ),
    );
    l.footed(&report.folio)
}

#[cfg(test)]
mod tests {
    use super::super::layout::{MARGIN, PAGE_WIDTH, text_width};
    use super::*;

    #[test]
    fn every_line_stays_inside_the_margins_and_unknown_actions_read_as_words() {
        let report = AccessReport {
            folio: "RSL-261127-K7Q2MX".into(),
            issued_at_local: "27/11/2026 a las 10:00".into(),
            issued_by: "Juan Carlos Ejemplo Ficticio".into(),
            facts: vec![(
                "Correo electrónico".into(),
                format!("{}@example.com", "nombre.muy.largo".repeat(8)),
            )],
            consents: vec!["Aviso de privacidad integral (versión 1): aceptado".repeat(5)],
            emails: Vec::new(),
            history: (0..80).map(|i| format!("movimiento {i}")).collect(),
        };
        let pages = layout(&report);
        assert!(pages.len() >= 2, "80 history lines run onto a second page");
        for p in pages.iter().flatten() {
            assert!(
                p.x + text_width(&p.text, p.size) <= PAGE_WIDTH - MARGIN + 0.01,
                "{p:?}"
            );
        }
        assert!(pages.iter().flatten().any(|p| p.text == "Ninguno."));
        assert!(text_width("Agrupación por núcleo familiar:", BODY) < FACT_VALUE_X - 4.0);
        assert_eq!(action_words("algo_nuevo"), "algo nuevo");
        assert_eq!(action_words("telefono_rectificado"), "teléfono rectificado");
    }
}
