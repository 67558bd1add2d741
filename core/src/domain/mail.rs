//! The emails a registration sends, and how their delivery goes.

use super::text_enum::text_enum;

text_enum! {
    pub enum EmailKind {
        Validation = "validacion",
        TemporaryPassword = "contrasena_temporal",
    }
}

text_enum! {
    /// `en_cola` → `enviando` → `enviado`, or back to `en_cola` with the error and the next
    /// attempt time, or `abandonado`; `incierto` after a crash mid-delivery; `cancelado` when
    /// a newer email replaces it or the registration closes (stations only).
    pub enum EmailState {
        Queued = "en_cola",
        Sending = "enviando",
        Sent = "enviado",
        Abandoned = "abandonado",
        Uncertain = "incierto",
        Cancelled = "cancelado",
    }
}

text_enum! {
    /// How one delivery attempt ended.
    pub enum AttemptOutcome {
        Sent = "enviado",
        TemporaryError = "error_temporal",
        PermanentError = "error_permanente",
    }
}
