//! Who an affiliate is in the roster.

use super::text_enum::text_enum;

text_enum! {
    pub enum AffiliateKind {
        Titular = "titular",
        Beneficiario = "beneficiario",
    }
}
