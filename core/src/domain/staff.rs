//! The office's staff as the domain knows them: roles, the clerk at the keyboard, their
//! session, a supervisor's approval, and the rules for what a supervisor types.

use super::text_enum::text_enum;
use super::{Field, FieldError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The shortest password a person may choose.
pub(crate) const MIN_PASSWORD_LEN: usize = 10;

text_enum! {
    pub enum Role {
        Capturista = "capturista",
        Supervisor = "supervisor",
    }
}

/// The person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Clerk {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    /// Set by a supervisor's reset or a new account: the clerk picks their own first.
    pub must_change_password: bool,
}

/// The signed-in clerk and whether the desk is locked.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) clerk: Clerk,
    pub(crate) last_activity: DateTime<Utc>,
    pub(crate) locked: bool,
}

/// A supervisor's approval of an action, typed at the clerk's desk.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SupervisorApproval {
    pub username: String,
    pub password: String,
}

pub(crate) fn parse_username(raw: &str, field: Field) -> Result<String, FieldError> {
    let username = raw.trim().to_lowercase();
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if username.len() < 3 || username.len() > 32 || !ok_chars {
        return Err(FieldError::new(
            field,
            "formato",
            "El usuario lleva de 3 a 32 letras sin acentos, números, punto, guion o guion bajo.",
        ));
    }
    Ok(username)
}

pub(crate) fn parse_full_name(raw: &str, field: Field) -> Result<String, FieldError> {
    let full_name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if full_name.is_empty() || full_name.chars().count() > 120 {
        return Err(FieldError::new(
            field,
            "requerido",
            "Escriba el nombre completo (hasta 120 caracteres).",
        ));
    }
    Ok(full_name)
}

/// Longer than any password a person types: anything past it was pasted by mistake, and
/// would only make every hash slower.
pub(crate) const MAX_PASSWORD_LEN: usize = 128;

/// The rules for a password someone chooses: long enough, typed twice alike, and not
/// the username.
pub(crate) fn check_new_password(
    password: &str,
    confirmation: &str,
    username: &str,
    (field, confirmation_field): (Field, Field),
    errors: &mut Vec<FieldError>,
) {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        errors.push(FieldError::new(
            field,
            "longitud",
            format!("La contraseña debe tener al menos {MIN_PASSWORD_LEN} caracteres."),
        ));
    } else if length > MAX_PASSWORD_LEN {
        errors.push(FieldError::new(
            field,
            "longitud",
            format!("La contraseña admite hasta {MAX_PASSWORD_LEN} caracteres (tiene {length})."),
        ));
    } else if password.trim().to_lowercase().contains(username) && !username.is_empty() {
        errors.push(FieldError::new(
            field,
            "contiene_usuario",
            "La contraseña no puede contener el nombre de usuario.",
        ));
    } else if password != confirmation {
        errors.push(FieldError::new(
            confirmation_field,
            "no_coinciden",
            "Las dos contraseñas no coinciden.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_must_be_long_confirmed_and_not_contain_the_username() {
        let fields = (Field::StaffPassword, Field::StaffPasswordConfirmation);
        let check = |pw: &str, conf: &str| {
            let mut errors = Vec::new();
            check_new_password(pw, conf, "mlopez", fields, &mut errors);
            errors.into_iter().map(|e| e.code).collect::<Vec<_>>()
        };
        assert_eq!(check("corta", "corta"), ["longitud"]);
        assert_eq!(
            check("xx-MLopez-2026", "xx-MLopez-2026"),
            ["contiene_usuario"]
        );
        assert_eq!(
            check("una-clave-larga", "otra-clave-larga"),
            ["no_coinciden"]
        );
        assert!(check("una-clave-larga", "una-clave-larga").is_empty());
        let pasted = "x".repeat(129);
        assert_eq!(check(&pasted, &pasted), ["longitud"]);
    }

    #[test]
    fn usernames_are_lowercased_and_limited_to_a_safe_alphabet() {
        assert_eq!(
            parse_username("  MLopez ", Field::StaffUsername).unwrap(),
            "mlopez"
        );
        for bad in ["ab", "maría", "con espacio", &"x".repeat(33)] {
            assert!(parse_username(bad, Field::StaffUsername).is_err(), "{bad}");
        }
    }
}
