//! The emails the affiliate receives, in Spanish, as plain text and HTML.
//! HTML templates escape every value; the text ones are plain.

use crate::config::InstituteContact;
use crate::error::{Error, Result};
use askama::Template;

/// Placeholders that stand in the stored bodies for the secrets (temporary password,
/// validation code, link token). The secrets are kept apart, in the outbox row's
/// `secrets`, put in only when the message is handed over, and erased after.
pub const PASSWORD_PLACEHOLDER: &str = "\u{27e6}CONTRASENA\u{27e7}";
pub const CODE_PLACEHOLDER: &str = "\u{27e6}CODIGO\u{27e7}";
pub const LINK_TOKEN_PLACEHOLDER: &str = "\u{27e6}TOKEN\u{27e7}";

pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "validacion.txt")]
struct ValidationText<'a> {
    name: &'a str,
    folio: &'a str,
    link: &'a str,
    code: Option<&'a str>,
    expires: &'a str,
    contact_name: &'static str,
    contact_office: &'static str,
    contact_address: &'static str,
    contact_phone: &'static str,
    contact_hours: &'static str,
}

#[derive(Template)]
#[template(path = "validacion.html")]
struct ValidationHtml<'a> {
    name: &'a str,
    folio: &'a str,
    link: &'a str,
    code: Option<&'a str>,
    expires: &'a str,
    contact_name: &'static str,
    contact_office: &'static str,
    contact_address: &'static str,
    contact_phone: &'static str,
    contact_hours: &'static str,
}

#[derive(Template)]
#[template(path = "contrasena_temporal.txt")]
struct PasswordText<'a> {
    name: &'a str,
    folio: &'a str,
    username: &'a str,
    password: &'a str,
    sign_in_url: Option<&'a str>,
    replaces_earlier: bool,
    contact_name: &'static str,
    contact_office: &'static str,
    contact_address: &'static str,
    contact_phone: &'static str,
    contact_hours: &'static str,
}

#[derive(Template)]
#[template(path = "contrasena_temporal.html")]
struct PasswordHtml<'a> {
    name: &'a str,
    folio: &'a str,
    username: &'a str,
    password: &'a str,
    sign_in_url: Option<&'a str>,
    replaces_earlier: bool,
    contact_name: &'static str,
    contact_office: &'static str,
    contact_address: &'static str,
    contact_phone: &'static str,
    contact_hours: &'static str,
}

pub struct ValidationEmail<'a> {
    pub name: &'a str,
    pub folio: &'a str,
    pub link: &'a str,
    /// The code for the desk; `None` in an email the central service sends (only the
    /// station that made the registration can take a code).
    pub code: Option<&'a str>,
    pub expires: &'a str,
}

pub struct TemporaryPasswordEmail<'a> {
    pub name: &'a str,
    pub folio: &'a str,
    pub username: &'a str,
    /// Sent when a registration was validated both by link and by code: this password
    /// replaces the one in any earlier email (central/src/accounts.rs).
    pub replaces_earlier: bool,
}

fn render(t: &impl Template) -> Result<String> {
    t.render()
        .map_err(|e| Error::Internal(format!("email template: {e}")))
}

impl ValidationEmail<'_> {
    pub fn render(&self) -> Result<RenderedEmail> {
        let c = InstituteContact::NAME;
        let (o, a, p, h) = contact();
        Ok(RenderedEmail {
            subject: format!(
                "Valide su registro en Servicios en Línea (folio {})",
                self.folio
            ),
            text: render(&ValidationText {
                name: self.name,
                folio: self.folio,
                link: self.link,
                code: self.code,
                expires: self.expires,
                contact_name: c,
                contact_office: o,
                contact_address: a,
                contact_phone: p,
                contact_hours: h,
            })?,
            html: render(&ValidationHtml {
                name: self.name,
                folio: self.folio,
                link: self.link,
                code: self.code,
                expires: self.expires,
                contact_name: c,
                contact_office: o,
                contact_address: a,
                contact_phone: p,
                contact_hours: h,
            })?,
        })
    }
}

impl TemporaryPasswordEmail<'_> {
    /// Renders with [`PASSWORD_PLACEHOLDER`] where the password goes.
    pub fn render(&self) -> Result<RenderedEmail> {
        self.render_with_sign_in(None)
    }

    /// The same email, saying where to sign in for the first time (the central service's
    /// sign-in page, when the sender knows it).
    pub fn render_with_sign_in(&self, sign_in_url: Option<&str>) -> Result<RenderedEmail> {
        let c = InstituteContact::NAME;
        let (o, a, p, h) = contact();
        Ok(RenderedEmail {
            subject: if self.replaces_earlier {
                "Su nueva contraseña temporal de Servicios en Línea (reemplaza la anterior)"
            } else {
                "Su usuario y contraseña temporal de Servicios en Línea"
            }
            .to_owned(),
            text: render(&PasswordText {
                name: self.name,
                folio: self.folio,
                username: self.username,
                password: PASSWORD_PLACEHOLDER,
                sign_in_url,
                replaces_earlier: self.replaces_earlier,
                contact_name: c,
                contact_office: o,
                contact_address: a,
                contact_phone: p,
                contact_hours: h,
            })?,
            html: render(&PasswordHtml {
                name: self.name,
                folio: self.folio,
                username: self.username,
                password: PASSWORD_PLACEHOLDER,
                sign_in_url,
                replaces_earlier: self.replaces_earlier,
                contact_name: c,
                contact_office: o,
                contact_address: a,
                contact_phone: p,
                contact_hours: h,
            })?,
        })
    }
}

fn contact() -> (&'static str, &'static str, &'static str, &'static str) {
    (
        InstituteContact::OFFICE,
        InstituteContact::ADDRESS,
        InstituteContact::PHONE,
        InstituteContact::HOURS,
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_comes_from_data() {
        let mail = ValidationEmail {
            name: "Ana <script>alert(1)</script> & Cía",
            folio: "RSL-261125-ABC123",
            link: "https://servicios.example.org/validar?t=abc&x=\"1\"",
            code: Some("042917"),
            expires: "26/11/2026 10:00",
        }
        .render()
        .unwrap();
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(
            mail.html.contains("&#60;script&#62;") || mail.html.contains("&lt;script&gt;"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("& Cía"));
        assert!(mail.text.contains("Ana <script>alert(1)</script> & Cía"));
        assert!(mail.text.contains("042917"));
        assert!(mail.text.contains("Calle Calafia 1115"));
        assert!(mail.html.contains("686 551 6100"));
    }

    #[test]
    fn a_validation_email_without_a_code_says_only_the_link_serves() {
        let mail = ValidationEmail {
            name: "Ana",
            folio: "RSL-261125-ABC123",
            link: "https://servicios.example.org/validar?token=abc",
            code: None,
            expires: "26/11/2026 a las 10:00",
        }
        .render()
        .unwrap();
        for body in [&mail.text, &mail.html] {
            assert!(!body.contains("código"), "{body}");
            assert!(
                body.contains("El enlace vence el 26/11/2026 a las 10:00"),
                "{body}"
            );
            assert!(body.contains("los enlaces de correos anteriores ya no sirven"));
        }
    }

    #[test]
    fn password_email_holds_a_placeholder_not_a_password() {
        let mail = TemporaryPasswordEmail {
            name: "Ana",
            folio: "RSL-261125-ABC123",
            username: "900100101",
            replaces_earlier: false,
        }
        .render()
        .unwrap();
        assert!(mail.text.contains(PASSWORD_PLACEHOLDER));
        assert!(mail.html.contains(PASSWORD_PLACEHOLDER));
        assert!(mail.text.contains("Usuario: 900100101"));
    }

    #[test]
    fn password_email_says_where_to_sign_in_when_told() {
        let email = TemporaryPasswordEmail {
            name: "Ana",
            folio: "RSL-261125-ABC123",
            username: "900100101",
            replaces_earlier: false,
        };
        let url = "https://servicios.example.org/entrar?a=1&b=2";
        let mail = email.render_with_sign_in(Some(url)).unwrap();
        assert!(mail.text.contains(&format!("\n{url}\n")), "{}", mail.text);
        assert!(
            mail.html.contains("entrar?a=1&#38;b=2") || mail.html.contains("entrar?a=1&amp;b=2")
        );
        assert!(!email.render().unwrap().text.contains("https://"));
    }
}
