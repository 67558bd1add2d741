//! The affiliate's printed receipt: what it says ([`Receipt`], read from the store) and
//! how it looks on paper ([`render_pdf`], a Letter-size PDF in the standard fonts).
//!
//! It never carries a secret: no validation code or link, no temporary password, no
//! credential serial; the email and phone are masked.

use crate::config::{InstituteContact, Settings};
use crate::desk::Desk;
use crate::domain::{DocumentKind, EmailAddress, MexicanPhone, RegistrationState};
use crate::error::{Error, Result, local_time};
use chrono::{DateTime, Utc};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde::Serialize;

/// Everything the receipt shows, already formatted for display.
#[derive(Debug, Clone, Serialize)]
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
pub struct ReceiptDocument {
    pub title: String,
    pub version: i64,
    /// First 12 hex digits of the text's SHA-256: enough to tell versions apart on paper.
    pub short_hash: String,
    /// "Aceptado", or "Sí autorizó" / "No autorizó" for the family-grouping consent.
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
            phone_masked: MexicanPhone::mask_stored(&r.phone_e164),
            documents: consents.into_iter().map(receipt_document).collect(),
            state: r.state,
            contact: ReceiptContact::institute(),
        })
    }
}

fn receipt_document(c: ConsentRow) -> ReceiptDocument {
    let answer = match (c.document_kind, c.accepted) {
        (DocumentKind::ConsentimientoAgrupacion, true) => "Sí autorizó",
        (DocumentKind::ConsentimientoAgrupacion, false) => "No autorizó",
        (_, true) => "Aceptado",
        // Registration refuses this; said plainly should an old row ever hold it.
        (_, false) => "No aceptado",
    };
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
            "Revisa tu correo {email_masked}: en los próximos {promise} recibirás el mensaje «Valida tu registro en Servicios en Línea». Busca también en la carpeta de correo no deseado."
        ),
        format!(
            "Valida tu registro con el enlace del correo o, en la ventanilla, da el código de validación que viene en él. El enlace y el código vencen {ttl} después de enviados y solo sirven una vez."
        ),
        format!(
            "Después de validar recibirás otro correo con tu usuario y una contraseña temporal. Tu usuario es tu número de afiliación: {affiliation_number}."
        ),
        "Al entrar por primera vez, el sistema te pedirá cambiar la contraseña temporal por una que solo tú conozcas. No la compartas: el personal del Instituto nunca te la pedirá.".to_owned(),
        format!(
            "Si el correo de validación no te llega en {promise}, acude a la ventanilla con este comprobante o llama al {}.",
            InstituteContact::PHONE
        ),
    ]
}

// ---- The PDF ----

/// US Letter ("carta"), the paper Mexican offices print on, in points.
const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Where values start after a label ("Número de afiliación:" must fit before it).
const LABEL_WIDTH: f32 = 130.0;
const BODY: f32 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// One run of text at a baseline, `x` and `y` in points from the page's bottom left.
#[derive(Debug, Clone)]
struct Placed {
    font: Font,
    size: f32,
    x: f32,
    y: f32,
    text: String,
}

/// Width of one character in ems, by coarse class, rounded up from Helvetica's and
/// Helvetica-Bold's widths so an estimated line is never shorter than the printed one.
fn char_em(c: char) -> f32 {
    match c {
        'i' | 'j' | 'l' | 'í' | 'ì' | 'ï' | 'I' | 'Í' | '\'' | '|' | '.' | ',' | ':' | ';'
        | '!' | '¡' | '•' => 0.29,
        ' ' | 'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' | '\\' | '-' | '*' | '·' => 0.39,
        'm' | 'M' | 'w' | '%' | 'Æ' | 'æ' | 'Œ' | 'œ' => 0.9,
        'W' | '@' | '—' | '…' | '‰' => 1.02,
        c if c.is_uppercase() || c == '&' => 0.78,
        _ => 0.62,
    }
}

fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(char_em).sum::<f32>() * size
}

/// Breaks `text` into lines no wider than `max` at `size`: at spaces, and inside words
/// too long for a line (a long email has no spaces).
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            // A line always takes at least one character, however narrow `max` is.
            if !line.is_empty() && text_width(&line, size) + char_em(c) * size > max {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Lays text out top to bottom, starting a new page at the bottom margin.
struct Layout {
    pages: Vec<Vec<Placed>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// The baseline of the next line of `size`.
    fn next_line(&mut self, size: f32) -> f32 {
        let leading = size * 1.35;
        if self.y - leading < MARGIN {
            self.new_page();
        }
        self.y -= leading;
        self.y
    }

    fn place(&mut self, font: Font, size: f32, x: f32, y: f32, text: &str) {
        let page = self.pages.last_mut().expect("a page");
        page.push(Placed {
            font,
            size,
            x: MARGIN + x,
            y,
            text: text.to_owned(),
        });
    }

    fn space(&mut self, points: f32) {
        self.y -= points;
    }

    fn paragraph(&mut self, font: Font, size: f32, indent: f32, text: &str) {
        for line in wrap(text, size, TEXT_WIDTH - indent) {
            let y = self.next_line(size);
            self.place(font, size, indent, y, &line);
        }
    }

    /// A bold label with its value wrapped beside it (hanging), e.g. "Correo:" or "2.".
    fn labelled(&mut self, label: &str, value: &str, value_x: f32) {
        let value = if value.trim().is_empty() {
            "—"
        } else {
            value
        };
        for (i, line) in wrap(value, BODY, TEXT_WIDTH - value_x).iter().enumerate() {
            let y = self.next_line(BODY);
            if i == 0 {
                self.place(Font::Bold, BODY, 0.0, y, label);
            }
            self.place(Font::Regular, BODY, value_x, y, line);
        }
    }

    /// Starts a new page unless `lines` body lines still fit on this one.
    fn keep(&mut self, lines: f32) {
        if self.y - lines * BODY * 1.35 < MARGIN {
            self.new_page();
        }
    }

    /// A section title, moved to the next page rather than left alone at the bottom.
    fn heading(&mut self, text: &str) {
        self.space(BODY);
        self.keep(4.0);
        self.paragraph(Font::Bold, 12.0, 0.0, text);
        self.space(2.0);
    }
}

fn layout(receipt: &Receipt) -> Vec<Vec<Placed>> {
    let mut l = Layout::new();
    l.paragraph(
        Font::Bold,
        14.0,
        0.0,
        "Comprobante de registro — Servicios en Línea ISSSTECALI",
    );
    l.space(6.0);
    l.paragraph(Font::Regular, 9.0, 0.0, "Folio");
    l.paragraph(Font::Bold, 22.0, 0.0, &receipt.folio);
    l.space(8.0);
    let office = format!("{} (estación {})", receipt.office, receipt.workstation);
    for (label, value) in [
        ("Fecha:", receipt.registered_at_local.as_str()),
        ("Oficina:", office.as_str()),
        ("Afiliado:", receipt.affiliate_name.as_str()),
        ("Número de afiliación:", receipt.affiliation_number.as_str()),
        ("Correo:", receipt.email_masked.as_str()),
        ("Teléfono:", receipt.phone_masked.as_str()),
    ] {
        l.labelled(label, value, LABEL_WIDTH);
    }

    l.heading("Documentos aceptados");
    for doc in &receipt.documents {
        l.keep(2.0);
        l.labelled("•", &doc.title, 12.0);
        let detail = format!(
            "Versión {} · huella {} · {}",
            doc.version, doc.short_hash, doc.answer
        );
        l.paragraph(Font::Regular, 9.0, 12.0, &detail);
    }

    l.heading("Qué sigue");
    for (i, step) in receipt.next_steps.iter().enumerate() {
        l.labelled(&format!("{}.", i + 1), step, 16.0);
    }

    l.heading("Contacto del Instituto");
    let c = &receipt.contact;
    for line in [&c.name, &c.office, &c.address] {
        l.paragraph(Font::Regular, BODY, 0.0, line);
    }
    l.paragraph(Font::Regular, BODY, 0.0, &format!("Teléfono: {}", c.phone));
    l.paragraph(Font::Regular, BODY, 0.0, &format!("Horario: {}", c.hours));
    l.space(BODY);
    l.paragraph(
        Font::Regular,
        9.0,
        0.0,
        "Guarda este comprobante y tenlo a la mano si acudes a la ventanilla o llamas al Instituto. El personal del Instituto nunca te pedirá tu contraseña.",
    );

    let total = l.pages.len();
    for (i, page) in l.pages.iter_mut().enumerate() {
        page.push(Placed {
            font: Font::Regular,
            size: 8.0,
            x: MARGIN,
            y: MARGIN - 24.0,
            text: format!("Folio {} · Página {} de {total}", receipt.folio, i + 1),
        });
    }
    l.pages
}

/// Windows-1252 bytes for the WinAnsiEncoding of the standard fonts; anything the code
/// page lacks becomes '?'.
fn win1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            // Latin-1's printable upper half is the same in Windows-1252.
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        })
        .collect()
}

/// The receipt as a Letter-size PDF, one page or more, in Helvetica without embedded
/// fonts (every PDF reader has the standard 14).
pub fn render_pdf(receipt: &Receipt) -> Vec<u8> {
    let pages = layout(receipt);
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(7 + 2 * i as i32);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(pages.len() as i32);
    for (id, base) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info).title(TextStr(&format!(
        "Comprobante de registro {}",
        receipt.folio
    )));
    for (i, placed) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_ref(i));
        page.resources()
            .fonts()
            .pair(Font::Regular.resource(), regular)
            .pair(Font::Bold.resource(), bold);
        page.finish();
        let mut content = Content::new();
        for p in placed {
            content
                .begin_text()
                .set_font(p.font.resource(), p.size)
                .next_line(p.x, p.y)
                .show(Str(&win1252(&p.text)))
                .end_text();
        }
        pdf.stream(content_ref(i), &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Receipt {
        let settings = Settings::default();
        Receipt {
            folio: "RSL-261125-K7Q2MX".into(),
            registered_at: "2026-11-25T21:05:00Z".parse().unwrap(),
            registered_at_local: "25/11/2026 14:05".into(),
            office: "Clínica Hospital Mexicali".into(),
            workstation: "VENTANILLA-03".into(),
            affiliate_name: "Begoña Ibáñez Núñez (DEMO)".into(),
            affiliation_number: "900100101".into(),
            email_masked: "be***@example.com".into(),
            phone_masked: "*** *** 0142".into(),
            documents: DocumentKind::ALL
                .iter()
                .map(|k| ReceiptDocument {
                    title: k.title().into(),
                    version: 1,
                    short_hash: "0123456789ab".into(),
                    answer: "Aceptado".into(),
                })
                .collect(),
            state: RegistrationState::PendingValidation,
            next_steps: next_steps(&settings, "900100101", "be***@example.com"),
            contact: ReceiptContact::institute(),
        }
    }

    fn pdf_text(pdf: &[u8]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        (pages.len(), doc.extract_text(&pages).expect("text"))
    }

    fn within_margins(pages: &[Vec<Placed>]) {
        for p in pages.iter().flatten() {
            let right = p.x + text_width(&p.text, p.size);
            assert!(
                right <= PAGE_WIDTH - MARGIN + 0.01,
                "past the margin: {p:?}"
            );
            assert!(p.x >= MARGIN && p.y >= MARGIN - 24.0 && p.y <= PAGE_HEIGHT - MARGIN);
        }
    }

    #[test]
    fn windows_1252_has_every_spanish_character() {
        assert_eq!(
            win1252("áéíóúñÑü¿¡«»•—"),
            [
                0xe1, 0xe9, 0xed, 0xf3, 0xfa, 0xf1, 0xd1, 0xfc, 0xbf, 0xa1, 0xab, 0xbb, 0x95, 0x97
            ]
        );
        assert_eq!(win1252("a€b漢\n"), b"a\x80b??");
    }

    #[test]
    fn the_pdf_reads_back_with_its_accents() {
        let receipt = sample();
        let pdf = render_pdf(&receipt);
        assert!(pdf.starts_with(b"%PDF"));
        let (pages, text) = pdf_text(&pdf);
        assert_eq!(pages, 1, "{text}");
        for expected in [
            "Comprobante de registro — Servicios en Línea ISSSTECALI",
            "RSL-261125-K7Q2MX",
            "Begoña Ibáñez Núñez (DEMO)",
            "Número de afiliación:",
            "be***@example.com",
            "*** *** 0142",
            "Documentos aceptados",
            "Términos y condiciones de uso",
            "Versión 1 · huella 0123456789ab · Aceptado",
            "Qué sigue",
            "«Valida tu registro en Servicios en Línea»",
            "Contacto del Instituto",
            InstituteContact::PHONE,
            "Página 1 de 1",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn labels_fit_before_their_values() {
        for label in ["Número de afiliación:", "Teléfono:", "Oficina:"] {
            assert!(text_width(label, BODY) < LABEL_WIDTH - 4.0, "{label}");
        }
    }

    #[test]
    fn long_names_and_emails_wrap_inside_the_margins() {
        let mut receipt = sample();
        receipt.affiliate_name = "María de los Ángeles Guadalupe "
            .repeat(7)
            .chars()
            .take(200)
            .collect();
        receipt.email_masked = format!("ma***@{}.example.com", "subdominio".repeat(19));
        assert_eq!(receipt.affiliate_name.chars().count(), 200);
        let max = TEXT_WIDTH - LABEL_WIDTH;
        assert!(wrap(&receipt.affiliate_name, BODY, max).len() > 2);
        let email_lines = wrap(&receipt.email_masked, BODY, max);
        assert!(email_lines.len() > 2, "{email_lines:?}");
        assert_eq!(email_lines.concat(), receipt.email_masked);

        let pages = layout(&receipt);
        within_margins(&pages);
        let (_, text) = pdf_text(&render_pdf(&receipt));
        assert!(text.contains(&email_lines[1]), "{text}");
    }

    #[test]
    fn many_documents_spill_onto_a_second_page() {
        let mut receipt = sample();
        let doc = receipt.documents[0].clone();
        receipt.documents = vec![doc; 40];
        let pages = layout(&receipt);
        assert!(pages.len() >= 2);
        within_margins(&pages);
        let (count, text) = pdf_text(&render_pdf(&receipt));
        assert_eq!(count, pages.len());
        assert!(text.contains(&format!("Página 2 de {count}")), "{text}");
        assert!(text.contains("Contacto del Instituto"));
    }

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
        assert!(steps.contains("Tu usuario es tu número de afiliación: 900100101"));
        assert!(steps.contains("an***@example.com"));
        assert!(steps.contains(InstituteContact::PHONE));
    }

    proptest! {
        /// Wrapping keeps every character but the breaking spaces and never overruns.
        #[test]
        fn wrapped_lines_fit_and_lose_nothing(
            words in prop::collection::vec("[a-zA-ZáéíóúñÑ@.W]{1,60}", 0..30),
            max in 20.0f32..500.0,
        ) {
            let text = words.join(" ");
            let lines = wrap(&text, BODY, max);
            for line in &lines {
                // A single character wider than the line is the only allowed overrun.
                prop_assert!(text_width(line, BODY) <= max || line.chars().count() == 1);
            }
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            prop_assert_eq!(squeeze(&lines.join(" ")), squeeze(&text));
        }
    }
}
