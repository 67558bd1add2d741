//! Passwords at the central service: hashed and verified with the system's argon2id
//! ([`registro_core::security`]) off the async threads and a few at a time (each takes
//! 19 MiB), stored hashes checked for sane parameters before use (an office inserts
//! account rows; a forged `m=4 GiB` hash must not take the service down), and the rules
//! for the password an affiliate chooses.

use crate::AppState;
use crate::error::Error;
use registro_core::security;
use std::sync::OnceLock;

/// Hashes `password` with the system's parameters.
pub async fn hash(state: &AppState, password: String) -> Result<String, Error> {
    let _permit = state.hashing.acquire().await.map_err(|_| Error::Hashing)?;
    tokio::task::spawn_blocking(move || security::hash_password(&password))
        .await
        .map_err(|_| Error::Hashing)?
        .map_err(Error::Core)
}

/// Whether `password` matches `stored`. Without a usable stored hash (no such account, or
/// a hash of unexpected cost) the password is checked against a hash of nothing and
/// refused, so every answer costs the same time.
pub async fn verify(
    state: &AppState,
    password: String,
    stored: Option<String>,
) -> Result<bool, Error> {
    let stored = match stored {
        // The core's bound (up to 64 MiB, 10 passes, 4 lanes), tested there.
        Some(phc) if security::stored_hash_is_acceptable(&phc) => Some(phc),
        Some(_) => {
            tracing::warn!("an account's password hash has unexpected argon2 parameters; refused");
            None
        }
        None => None,
    };
    let _permit = state.hashing.acquire().await.map_err(|_| Error::Hashing)?;
    tokio::task::spawn_blocking(move || match stored {
        Some(phc) => security::verify_password(&password, &phc),
        None => {
            // The same work as a real check; the answer is no either way.
            let _ = security::verify_password(&password, unknown_account_hash());
            false
        }
    })
    .await
    .map_err(|_| Error::Hashing)
}

fn unknown_account_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| security::hash_password("cuenta-inexistente").unwrap_or_default())
}

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Passwords people pick first, and words of this service; compared without accents,
/// case, spaces and the digits or signs people add at the end.
const COMMON: &[&str] = &[
    "contrasena",
    "password",
    "passw",
    "clave",
    "micontrasena",
    "miclave",
    "issstecali",
    "isstecali",
    "issste",
    "serviciosenlinea",
    "servicios",
    "afiliado",
    "afiliada",
    "mexicali",
    "tijuana",
    "ensenada",
    "tecate",
    "rosarito",
    "bajacalifornia",
    "mexico",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "abcdefghij",
    "abc",
    "abcd",
    "teamo",
    "iloveyou",
    "admin",
    "usuario",
    "bienvenido",
    "bienvenida",
    "hola",
    "holamundo",
    "cambiar",
    "nueva",
];

/// A password the affiliate chose, that follows the rules.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// Why a chosen password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    ContainsUsername,
    SameAsCurrent,
    Common,
    Mismatch,
}

impl PasswordProblem {
    /// Spanish, for the affiliate.
    pub fn message(self) -> String {
        match self {
            Self::TooShort => format!(
                "La nueva contraseña debe tener al menos {MIN_LEN} caracteres. Puede usar una frase con espacios."
            ),
            Self::TooLong => format!("La nueva contraseña puede tener hasta {MAX_LEN} caracteres."),
            Self::ContainsUsername => {
                "La nueva contraseña no puede contener su número de afiliación.".to_owned()
            }
            Self::SameAsCurrent => {
                "La nueva contraseña debe ser distinta de la contraseña temporal.".to_owned()
            }
            Self::Common => "Esa contraseña es muy común y fácil de adivinar. Elija otra, por ejemplo una frase que solo usted recuerde.".to_owned(),
            Self::Mismatch => "Las dos nuevas contraseñas no coinciden. Escríbala igual las dos veces.".to_owned(),
        }
    }

    /// Whether the message is about the confirmation field rather than the password.
    pub fn is_about_confirmation(self) -> bool {
        self == Self::Mismatch
    }
}

impl NewPassword {
    /// The rules, first broken one wins: length, not the username, not the current
    /// password, not a common one, typed twice alike. Checked as typed (spaces count).
    pub fn parse(
        new: &str,
        confirmation: &str,
        username: &str,
        current: &str,
    ) -> Result<Self, PasswordProblem> {
        let length = new.chars().count();
        if length < MIN_LEN {
            return Err(PasswordProblem::TooShort);
        }
        if length > MAX_LEN {
            return Err(PasswordProblem::TooLong);
        }
        let folded = fold(new);
        if !username.is_empty() && folded.contains(&fold(username)) {
            return Err(PasswordProblem::ContainsUsername);
        }
        if new == current {
            return Err(PasswordProblem::SameAsCurrent);
        }
        if is_common(&folded) {
            return Err(PasswordProblem::Common);
        }
        if new != confirmation {
            return Err(PasswordProblem::Mismatch);
        }
        Ok(Self(new.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Lower case, no accents, no spaces: how a guesser's list compares.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

fn is_common(folded: &str) -> bool {
    // One character over and over.
    let chars: Vec<char> = folded.chars().collect();
    if chars.windows(2).all(|w| w[0] == w[1]) {
        return true;
    }
    // No letters at all (a phone, a date, a run of digits), or a common word with digits
    // or signs around it («Contraseña2026!», «123issstecali»).
    let core = folded.trim_matches(|c: char| !c.is_alphabetic());
    core.is_empty() || COMMON.contains(&core)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(new: &str) -> Option<PasswordProblem> {
        NewPassword::parse(new, new, "900100101", "Temporal4Prueba").err()
    }

    #[test]
    fn the_rules_in_order() {
        assert_eq!(problem("corta"), Some(PasswordProblem::TooShort));
        assert_eq!(problem(&"x".repeat(129)), Some(PasswordProblem::TooLong));
        assert_eq!(
            problem("mi-900100101-clave"),
            Some(PasswordProblem::ContainsUsername)
        );
        assert_eq!(
            problem("Temporal4Prueba"),
            Some(PasswordProblem::SameAsCurrent)
        );
        for common in [
            "Contraseña2026!",
            "CONTRASENA123",
            "1234567890",
            "0987654321",
            "aaaaaaaaaaaa",
            "Issstecali2026",
            "  qwertyuiop  ",
            "123-456-7890",
        ] {
            assert_eq!(problem(common), Some(PasswordProblem::Common), "{common}");
        }
        assert_eq!(
            NewPassword::parse(
                "el mar de San Felipe",
                "el mar de San felipe",
                "900100101",
                "x"
            )
            .err(),
            Some(PasswordProblem::Mismatch)
        );
        for good in [
            "el mar de San Felipe",
            "Nopal-Azul-Cerro-7",
            "ñandú corre lejos",
        ] {
            assert_eq!(problem(good), None, "{good}");
        }
    }

    #[test]
    fn messages_speak_to_the_affiliate_as_usted() {
        for p in [
            PasswordProblem::TooShort,
            PasswordProblem::TooLong,
            PasswordProblem::ContainsUsername,
            PasswordProblem::SameAsCurrent,
            PasswordProblem::Common,
            PasswordProblem::Mismatch,
        ] {
            let m = p.message();
            assert!(
                !m.contains(" tu ") && !m.contains("Escribe") && !m.contains("Elige"),
                "{m}"
            );
        }
    }

    #[tokio::test]
    async fn no_account_and_a_forged_hash_never_verify() {
        let state = AppState {
            pool: sqlx::postgres::PgPoolOptions::new()
                .connect_lazy("postgres://nadie@127.0.0.1:1/nada")
                .unwrap(),
            config: std::sync::Arc::new(crate::Config::with_defaults(
                "postgres://nadie@127.0.0.1:1/nada",
            )),
            hashing: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        };
        let real = hash(&state, "el mar de San Felipe".into()).await.unwrap();
        assert!(
            verify(&state, "el mar de San Felipe".into(), Some(real))
                .await
                .unwrap()
        );
        // Even the password the stand-in hash was made from is refused.
        assert!(
            !verify(&state, "cuenta-inexistente".into(), None)
                .await
                .unwrap()
        );
        let forged = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned();
        assert!(
            !verify(&state, "cuenta-inexistente".into(), Some(forged))
                .await
                .unwrap()
        );
    }
}
