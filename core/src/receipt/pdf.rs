//! The receipt's pages (and any other paper laid out by `layout.rs`) written as PDF: Helvetica without embedded fonts (every reader
//! has the standard 14), text in Windows-1252 for the accents.

use super::Receipt;
use super::layout::{Font, PAGE_HEIGHT, PAGE_WIDTH, Placed, layout};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

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
    write_pdf(
        &layout(receipt),
        &format!("Comprobante de registro {}", receipt.folio),
    )
}

/// Laid-out pages as a Letter-size PDF whose document title is `title`.
pub(super) fn write_pdf(pages: &[Vec<Placed>], title: &str) -> Vec<u8> {
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
    pdf.document_info(info).title(TextStr(title));
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
    use super::super::layout::{BODY, LABEL_WIDTH, MARGIN, TEXT_WIDTH, text_width, wrap};
    use super::super::{ReceiptContact, ReceiptDocument, next_steps};
    use super::*;
    use crate::config::{InstituteContact, Settings};
    use crate::domain::{DocumentKind, RegistrationState};

    fn sample() -> Receipt {
        let settings = Settings::default();
        Receipt {
            folio: "RSL-261125-K7Q2MX".into(),
            registered_at: "2026-11-25T21:05:00Z".parse().unwrap(),
            registered_at_local: "25/11/2026 a las 14:05".into(),
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
            "Textos presentados y respuestas",
            "Términos y condiciones de uso",
            "Versión 1 · comprobación del texto 0123456789ab · Aceptado",
            "Qué sigue",
            "recibirá el mensaje «Valide",
            "su registro en Servicios en Línea»",
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
}
