//! The legal documents an affiliate answers at registration.

use super::Field;
use super::text_enum::text_enum;

text_enum! {
    pub enum DocumentKind {
        AvisoIntegral = "aviso_integral",
        AvisoSimplificado = "aviso_simplificado",
        TerminosCondiciones = "terminos_condiciones",
        ConsentimientoAgrupacion = "consentimiento_agrupacion",
    }
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::AvisoIntegral => "Aviso de privacidad integral",
            DocumentKind::AvisoSimplificado => "Aviso de privacidad simplificado",
            DocumentKind::TerminosCondiciones => "Términos y condiciones de uso",
            DocumentKind::ConsentimientoAgrupacion => {
                "Consentimiento de agrupación por núcleo familiar"
            }
        }
    }

    /// The title with its article, for sentences: "el aviso…", "los términos…".
    pub fn with_article(self) -> &'static str {
        match self {
            DocumentKind::AvisoIntegral => "el aviso de privacidad integral",
            DocumentKind::AvisoSimplificado => "el aviso de privacidad simplificado",
            DocumentKind::TerminosCondiciones => "los términos y condiciones de uso",
            DocumentKind::ConsentimientoAgrupacion => {
                "el consentimiento de agrupación por núcleo familiar"
            }
        }
    }

    pub fn field(self) -> Field {
        match self {
            DocumentKind::AvisoIntegral => Field::IntegralNotice,
            DocumentKind::AvisoSimplificado => Field::SimplifiedNotice,
            DocumentKind::TerminosCondiciones => Field::TermsAndConditions,
            DocumentKind::ConsentimientoAgrupacion => Field::FamilyGroupingConsent,
        }
    }

    /// The notices and the terms must be accepted to register; the grouping consent is
    /// free: it is asked and its answer recorded, but "no" does not stop registration.
    pub fn required_to_register(self) -> bool {
        self != DocumentKind::ConsentimientoAgrupacion
    }

    /// Where the document comes in the order they are shown.
    pub fn position(self) -> usize {
        DocumentKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(usize::MAX)
    }
}
