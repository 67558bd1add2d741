//! The one word a person reads for each registration state, email state and answer, in
//! the form that fits a sentence («El registro con folio … está cancelado»). The screens
//! show the same table: `ui/shared/palabras.js` is written from here (see
//! [`screen_table_js`]) and a test fails when it differs. The stored names
//! (`pendiente_validacion`) are for the database only, never for reading.

use super::{DocumentKind, EmailState, RegistrationState};

impl RegistrationState {
    /// What the registration is: «El registro está …».
    pub fn word(self) -> &'static str {
        match self {
            RegistrationState::PendingValidation => "pendiente de validación",
            RegistrationState::Validated => "validado",
            RegistrationState::Active => "activo",
            RegistrationState::Expired => "vencido sin validar",
            RegistrationState::Cancelled => "cancelado",
        }
    }
}

impl EmailState {
    /// Where the email is: «Correo de validación: …». Queued and handed over never read
    /// alike: «en espera de envío» is not «entregado al servidor de correo».
    pub fn word(self) -> &'static str {
        match self {
            EmailState::Queued => "en espera de envío",
            EmailState::Sending => "enviándose",
            EmailState::Sent => "entregado al servidor de correo",
            EmailState::Abandoned => "no se pudo entregar",
            EmailState::Uncertain => "envío interrumpido (reenvíe si no llegó)",
            EmailState::Cancelled => "reemplazado por uno más reciente",
        }
    }
}

/// The affiliate's answer to a document: the grouping consent is granted or not, the
/// other texts accepted or not.
pub fn answer_word(kind: DocumentKind, accepted: bool) -> &'static str {
    match (kind, accepted) {
        (DocumentKind::ConsentimientoAgrupacion, true) => "otorgado",
        (DocumentKind::ConsentimientoAgrupacion, false) => "no otorgado",
        (_, true) => "aceptado",
        (_, false) => "no aceptado",
    }
}

/// `ui/shared/palabras.js`: the tables above for the screens.
pub fn screen_table_js() -> String {
    fn entries<T: Copy>(
        all: &[T],
        key: fn(T) -> &'static str,
        word: fn(T) -> &'static str,
    ) -> String {
        all.iter()
            .map(|&v| format!("  {}: '{}',\n", key(v), word(v)))
            .collect()
    }
    format!(
        "// @ts-check\n\
         // Generated from core/src/domain/words.rs by the test src-tauri/src/commands/ipc_types.rs.\n\
         // Do not edit: change the Rust table, then run `UPDATE_IPC_TYPES=1 cargo test -p registro-servicios-en-linea --lib ipc_types`.\n\
         \n\
         /** @type {{Record<import('../types/ipc').RegistrationState, string>}} */\n\
         export const ESTADOS_REGISTRO = {{\n{}}};\n\
         \n\
         /** @type {{Record<import('../types/ipc').EmailState, string>}} */\n\
         export const ESTADOS_CORREO = {{\n{}}};\n\
         \n\
         /** The grouping consent's answer, then any other text's. */\n\
         export const RESPUESTAS = {{\n  agrupacion: {{ si: '{}', no: '{}' }},\n  texto: {{ si: '{}', no: '{}' }},\n}};\n",
        entries(
            RegistrationState::ALL,
            RegistrationState::as_str,
            RegistrationState::word
        ),
        entries(EmailState::ALL, EmailState::as_str, EmailState::word),
        answer_word(DocumentKind::ConsentimientoAgrupacion, true),
        answer_word(DocumentKind::ConsentimientoAgrupacion, false),
        answer_word(DocumentKind::AvisoIntegral, true),
        answer_word(DocumentKind::AvisoIntegral, false),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No stored name, in any form, is a word a person reads; and the registration's
    /// words agree with «el registro» (masculine), never «está cancelada».
    #[test]
    fn every_word_is_for_reading() {
        for state in RegistrationState::ALL {
            let word = state.word();
            assert!(!word.contains('_'), "{word}");
            assert_ne!(word, state.as_str());
            assert!(!word.ends_with('a') || word.ends_with("ón"), "{word}");
        }
        for state in EmailState::ALL {
            assert!(!state.word().contains('_'));
        }
        let words: Vec<&str> = RegistrationState::ALL.iter().map(|s| s.word()).collect();
        let unique: std::collections::BTreeSet<&str> = words.iter().copied().collect();
        assert_eq!(unique.len(), words.len(), "one word per state: {words:?}");
    }
}
