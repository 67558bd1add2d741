//! Where each line of the receipt (and of the other papers of a registration) goes on
//! Letter paper: text measured in the standard fonts' widths, wrapped inside the margins,
//! pages added as the text runs down.

use super::Receipt;
use pdf_writer::Name;

/// US Letter ("carta"), the paper Mexican offices print on, in points.
pub(super) const PAGE_WIDTH: f32 = 612.0;
pub(super) const PAGE_HEIGHT: f32 = 792.0;
pub(super) const MARGIN: f32 = 54.0;
pub(super) const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Where values start after a label ("Número de afiliación:" must fit before it).
pub(super) const LABEL_WIDTH: f32 = 130.0;
pub(super) const BODY: f32 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(super) fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// One run of text at a baseline, `x` and `y` in points from the page's bottom left.
#[derive(Debug, Clone)]
pub(super) struct Placed {
    pub(super) font: Font,
    pub(super) size: f32,
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) text: String,
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

pub(super) fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(char_em).sum::<f32>() * size
}

/// Breaks `text` into lines no wider than `max` at `size`: at spaces, and inside words
/// too long for a line (a long email has no spaces).
pub(super) fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
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
pub(super) struct Layout {
    pub(super) pages: Vec<Vec<Placed>>,
    pub(super) y: f32,
}

impl Layout {
    pub(super) fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// The baseline of the next line of `size`.
    pub(super) fn next_line(&mut self, size: f32) -> f32 {
        let leading = size * 1.35;
        if self.y - leading < MARGIN {
            self.new_page();
        }
        self.y -= leading;
        self.y
    }

    pub(super) fn place(&mut self, font: Font, size: f32, x: f32, y: f32, text: &str) {
        let page = self.pages.last_mut().expect("a page");
        page.push(Placed {
            font,
            size,
            x: MARGIN + x,
            y,
            text: text.to_owned(),
        });
    }

    pub(super) fn space(&mut self, points: f32) {
        self.y -= points;
    }

    pub(super) fn paragraph(&mut self, font: Font, size: f32, indent: f32, text: &str) {
        for line in wrap(text, size, TEXT_WIDTH - indent) {
            let y = self.next_line(size);
            self.place(font, size, indent, y, &line);
        }
    }

    /// A bold label with its value wrapped beside it (hanging), e.g. "Correo:" or "2.".
    pub(super) fn labelled(&mut self, label: &str, value: &str, value_x: f32) {
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
    pub(super) fn keep(&mut self, lines: f32) {
        if self.y - lines * BODY * 1.35 < MARGIN {
            self.new_page();
        }
    }

    /// The pages, each with «Folio … · Página i de n» below the bottom margin.
    pub(super) fn footed(mut self, folio: &str) -> Vec<Vec<Placed>> {
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.push(Placed {
                font: Font::Regular,
                size: 8.0,
                x: MARGIN,
                y: MARGIN - 24.0,
                text: format!("Folio {folio} · Página {} de {total}", i + 1),
            });
        }
        self.pages
    }

    /// A section title, moved to the next page rather than left alone at the bottom.
    pub(super) fn heading(&mut self, text: &str) {
        self.space(BODY);
        self.keep(4.0);
        self.paragraph(Font::Bold, 12.0, 0.0, text);
        self.space(2.0);
    }
}

pub(super) fn layout(receipt: &Receipt) -> Vec<Vec<Placed>> {
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

    l.heading("Textos presentados y respuestas");
    for doc in &receipt.documents {
        l.keep(2.0);
        l.labelled("•", &doc.title, 12.0);
        let detail = format!(
            "Versión {} · comprobación del texto {} · {}",
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
        "Guarde este comprobante y téngalo a la mano si acude a la ventanilla o llama al Instituto. El personal del Instituto nunca le pedirá su contraseña. La comprobación del texto es el inicio de su huella SHA-256: con ella el Instituto demuestra qué texto exacto se le presentó.",
    );

    l.footed(&receipt.folio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn labels_fit_before_their_values() {
        for label in ["Número de afiliación:", "Teléfono:", "Oficina:"] {
            assert!(text_width(label, BODY) < LABEL_WIDTH - 4.0, "{label}");
        }
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
