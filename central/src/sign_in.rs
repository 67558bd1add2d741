//! The affiliate's first sign-in, `GET /entrar` and `POST /entrar`: the username (the
//! affiliation number) and the temporary password, plus the password the affiliate
//! chooses. One form, no session: a correct temporary password and a new password that
//! follows the rules save the new one (argon2id) and make the registration `activa`, which
//! the desks pull by `change_seq`. An active account can change its password the same way.
//! Failed attempts lock the username ([`crate::accounts`]) and count against the client's
//! address.

use crate::accounts::{self, Changed, Verdict};
use crate::client_address::ClientAddress;
use crate::pages::sign_in::{FieldProblem, FormField, Notice, View};
use crate::passwords::NewPassword;
use crate::rate_limit::{self, Limit};
use crate::{AppState, pages};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use registro_core::domain::AffiliationNumber;
use serde::Deserialize;

/// The form as posted; every field may be missing.
#[derive(Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    usuario: String,
    #[serde(default)]
    contrasena: String,
    #[serde(default)]
    nueva: String,
    #[serde(default)]
    confirmacion: String,
}

/// A form whose fields all parse.
struct SignIn {
    username: AffiliationNumber,
    current: String,
    new: NewPassword,
}

/// The most a password field may hold; longer input is refused unread.
const MAX_FIELD_BYTES: usize = 1024;

fn parse(form: &SignInForm) -> Result<SignIn, Vec<FieldProblem>> {
    let username = AffiliationNumber::parse(&form.usuario);
    let typed_username = username
        .as_ref()
        .map_or(form.usuario.trim(), |u| u.as_str());
    let new = NewPassword::parse(
        &form.nueva,
        &form.confirmacion,
        typed_username,
        &form.contrasena,
    );
    let mut problems = Vec::new();
    if let Err(e) = &username {
        problems.push(FieldProblem {
            field: FormField::Username,
            message: e.message.clone(),
        });
    }
    if form.contrasena.is_empty() || form.contrasena.len() > MAX_FIELD_BYTES {
        problems.push(FieldProblem {
            field: FormField::Current,
            message: "Escriba la contraseña temporal que le llegó por correo.".into(),
        });
    }
    if let Err(p) = new.as_ref().map_err(|p| *p) {
        problems.push(FieldProblem {
            field: if p.is_about_confirmation() {
                FormField::Confirmation
            } else {
                FormField::New
            },
            message: p.message(),
        });
    }
    match (username, new) {
        (Ok(username), Ok(new)) if problems.is_empty() => Ok(SignIn {
            username,
            current: form.contrasena.clone(),
            new,
        }),
        _ => Err(problems),
    }
}

fn view<'a>(state: &AppState, username: &'a str, problems: &'a [FieldProblem]) -> View<'a> {
    View {
        username,
        problems,
        notice: None,
        failures_before_lock: state.config.limits.failures_before_lock,
        lock_minutes: state.config.limits.lock_minutes,
    }
}

/// `GET /entrar`.
pub async fn show(State(state): State<AppState>) -> Response {
    Html(pages::sign_in::form(&view(&state, "", &[]))).into_response()
}

/// `POST /entrar`.
pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddress,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let form = form.map(|f| f.0).unwrap_or_default();
    let sign_in = match parse(&form) {
        Ok(sign_in) => sign_in,
        Err(problems) => {
            // What was typed, normalised when it is a username at all.
            let typed = AffiliationNumber::parse(&form.usuario).map_or_else(
                |_| form.usuario.trim().to_owned(),
                |u| u.as_str().to_owned(),
            );
            let html = pages::sign_in::form(&view(&state, &typed, &problems));
            return (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response();
        }
    };
    let limit = Limit::failed_sign_ins(state.config.limits.failed_sign_ins_per_address);
    let address = client.bucket();
    match rate_limit::check(&state.pool, limit, &address).await {
        Ok(None) => {}
        Ok(Some(exceeded)) => return crate::too_many(exceeded),
        Err(e) => return crate::unavailable(&e.into()),
    }
    let verdict = match accounts::check(&state, &sign_in.username, &sign_in.current).await {
        Ok(verdict) => verdict,
        Err(e) => return crate::unavailable(&e),
    };
    let notice = match verdict {
        Verdict::Accepted(account) => {
            match accounts::change_password(&state, &account, sign_in.new).await {
                Ok(Changed::Raced) => Notice::Rejected,
                Ok(changed) => {
                    let html = pages::sign_in::done(
                        changed,
                        sign_in.username.as_str(),
                        state.config.portal_url.as_deref(),
                    );
                    return Html(html).into_response();
                }
                Err(e) => return crate::unavailable(&e),
            }
        }
        Verdict::Rejected => Notice::Rejected,
        Verdict::Locked { until, now } => Notice::Locked {
            minutes: Verdict::minutes_locked(until, now),
        },
    };
    if let Err(e) = rate_limit::hit(&state.pool, limit, &address).await {
        tracing::warn!(error = %e, "counting a failed sign-in failed");
    }
    let status = match notice {
        Notice::Rejected => StatusCode::FORBIDDEN,
        Notice::Locked { .. } => StatusCode::LOCKED,
    };
    let html = pages::sign_in::form(&View {
        notice: Some(notice),
        ..view(&state, sign_in.username.as_str(), &[])
    });
    (status, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(usuario: &str, contrasena: &str, nueva: &str, confirmacion: &str) -> SignInForm {
        SignInForm {
            usuario: usuario.into(),
            contrasena: contrasena.into(),
            nueva: nueva.into(),
            confirmacion: confirmacion.into(),
        }
    }

    #[test]
    fn every_problem_comes_back_at_once_in_field_order() {
        let problems = parse(&form("", "", "corta", "corta")).err().unwrap();
        let fields: Vec<FormField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [FormField::Username, FormField::Current, FormField::New]
        );
        let problems = parse(&form(
            "900 100 101",
            "Temporal4Prueba",
            "el mar de San Felipe",
            "otra",
        ))
        .err()
        .unwrap();
        assert_eq!(problems[0].field, FormField::Confirmation);
    }

    #[test]
    fn a_good_form_parses_with_the_username_normalised() {
        let ok = parse(&form(
            " 900-100-101 ",
            "Temporal4Prueba",
            "el mar de San Felipe",
            "el mar de San Felipe",
        ))
        .ok()
        .unwrap();
        assert_eq!(ok.username.as_str(), "900100101");
        assert_eq!(ok.current, "Temporal4Prueba");
    }
}
