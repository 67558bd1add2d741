//! The first sign-in: username, temporary password, and the password the affiliate chooses.
//! No script: the server checks and answers with the same form, the problems named next to
//! their fields and listed at the top. Passwords are never written back into the page.

use super::{escape_html, minutes_in_words, page};
use crate::accounts::Changed;
use crate::passwords::MIN_LEN;

/// The form's fields, as named in the HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Username,
    Current,
    New,
    Confirmation,
}

impl FormField {
    fn id(self) -> &'static str {
        match self {
            Self::Username => "usuario",
            Self::Current => "contrasena",
            Self::New => "nueva",
            Self::Confirmation => "confirmacion",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: FormField,
    pub message: String,
}

/// What the form says above its fields after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Wrong password or no such account: one message for both.
    Rejected,
    Locked {
        minutes: u64,
    },
}

/// The form as it is drawn: what was typed in the username, and what went wrong.
#[derive(Debug, Default)]
pub struct View<'a> {
    pub username: &'a str,
    pub problems: &'a [FieldProblem],
    pub notice: Option<Notice>,
    pub failures_before_lock: u32,
    pub lock_minutes: u32,
}

/// What the new password must be, shown before it is typed.
const RULES: &str = r#"<ul class="reglas" id="reglas"><li>Al menos {MIN_LEN} caracteres. Puede usar una frase con espacios.</li><li>Distinta de la contraseña temporal y sin su número de afiliación.</li><li>Con letras, y que no sea una contraseña común como «contraseña123» o «1234567890».</li></ul>"#;

pub const REJECTED: &str = "El usuario o la contraseña no son correctos. Revise que escribió su número de \
     afiliación y la contraseña tal como vienen en el correo (distingue mayúsculas y minúsculas).";

/// One labelled field: its help (and, for the new password, the rules) above the input,
/// its problem below.
fn field(view: &View, field: FormField, label: &str, help: &str, input: &str) -> String {
    let id = field.id();
    let problem = view.problems.iter().find(|p| p.field == field);
    let first_problem = view.problems.first().map(|p| p.field) == Some(field)
        || (view.notice.is_some() && view.problems.is_empty() && field == FormField::Current);
    let mut described_by = format!("{id}-ayuda");
    let mut error = String::new();
    if let Some(p) = problem {
        described_by.push_str(&format!(" {id}-error"));
        error = format!(
            r#"<span class="error" id="{id}-error">{}</span>"#,
            escape_html(&p.message)
        );
    }
    let rules = if field == FormField::New {
        described_by.push_str(" reglas");
        RULES.replace("{MIN_LEN}", &MIN_LEN.to_string())
    } else {
        String::new()
    };
    format!(
        r#"<div class="campo"><label for="{id}">{label}</label><span class="ayuda" id="{id}-ayuda">{help}</span>{rules}<input id="{id}" name="{id}" {input} aria-describedby="{described_by}"{}{}>{error}</div>"#,
        if problem.is_some() {
            r#" aria-invalid="true""#
        } else {
            ""
        },
        if first_problem { " autofocus" } else { "" },
    )
}

/// The sign-in form, fresh or after an attempt.
pub fn form(view: &View) -> String {
    let mut top = String::new();
    match view.notice {
        Some(Notice::Rejected) => {
            top = format!(r#"<div class="errores" role="alert"><p>{REJECTED}</p></div>"#);
        }
        Some(Notice::Locked { minutes }) => {
            top = format!(
                r#"<div class="errores" role="alert"><p>Por seguridad, la entrada con este usuario está bloqueada por demasiados intentos fallidos. Intente de nuevo en {}.</p><p>Si no recuerda su contraseña, acuda a una ventanilla del ISSSTECALI para que le den una contraseña temporal nueva.</p></div>"#,
                minutes_in_words(minutes)
            );
        }
        None => {}
    }
    if !view.problems.is_empty() {
        let items: String = view
            .problems
            .iter()
            .map(|p| {
                format!(
                    r##"<li><a href="#{}">{}</a></li>"##,
                    p.field.id(),
                    escape_html(&p.message)
                )
            })
            .collect();
        top.push_str(&format!(
            r#"<div class="errores" role="alert"><p>Revise lo siguiente:</p><ul>{items}</ul></div>"#
        ));
    }
    let body = format!(
        r#"<p>Escriba su usuario y la contraseña temporal que le llegó por correo, y elija la contraseña que usará desde ahora.</p>
{top}<form method="post" action="entrar" novalidate>
{}
{}
{}
{}
<p class="acciones"><button class="boton" type="submit">Guardar mi contraseña</button></p>
</form>
<p class="nota">Por seguridad, después de {} intentos fallidos la entrada con ese usuario se bloquea {}. Si no tiene su contraseña temporal, acuda a una ventanilla del ISSSTECALI para que le den una nueva.</p>"#,
        field(
            view,
            FormField::Username,
            "Usuario",
            "Su número de afiliación, como aparece en su credencial.",
            &format!(
                r#"type="text" autocomplete="username" autocapitalize="characters" spellcheck="false" required value="{}""#,
                escape_html(view.username)
            ),
        ),
        field(
            view,
            FormField::Current,
            "Contraseña temporal",
            "La que le llegó por correo. Si ya eligió su contraseña y desea cambiarla, escriba la actual.",
            r#"type="password" autocomplete="current-password" required"#,
        ),
        field(
            view,
            FormField::New,
            "Nueva contraseña",
            "La que usará desde ahora. Debe cumplir con lo siguiente:",
            r#"type="password" autocomplete="new-password" required"#,
        ),
        field(
            view,
            FormField::Confirmation,
            "Escriba otra vez la nueva contraseña",
            "Para confirmar que la escribió bien.",
            r#"type="password" autocomplete="new-password" required"#,
        ),
        view.failures_before_lock,
        lock_time(view.lock_minutes),
    );
    page("Entrar por primera vez", &body)
}

/// «por 15 minutos», «por 1 hora».
fn lock_time(minutes: u32) -> String {
    if minutes.is_multiple_of(60) {
        match minutes / 60 {
            1 => "por 1 hora".to_owned(),
            h => format!("por {h} horas"),
        }
    } else {
        format!("por {}", minutes_in_words(u64::from(minutes)))
    }
}

/// The password was saved.
pub fn done(changed: Changed, username: &str, portal_url: Option<&str>) -> String {
    let (title, intro, old) = match changed {
        Changed::Activated => (
            "Su cuenta está activa",
            "Guardamos la contraseña que eligió.",
            "La contraseña temporal ya no sirve.",
        ),
        _ => (
            "Su contraseña quedó cambiada",
            "Guardamos su nueva contraseña.",
            "La contraseña anterior ya no sirve.",
        ),
    };
    let portal = portal_url.map_or_else(String::new, |url| {
        format!(
            r#"<p class="acciones"><a class="boton" href="{}">Ir a Servicios en Línea</a></p>"#,
            escape_html(url)
        )
    });
    page(
        title,
        &format!(
            r#"<div class="aviso"><p>{intro}</p></div>
<p>Desde ahora entre a los Servicios en Línea del ISSSTECALI con su usuario <strong class="dato">{}</strong> y la contraseña que acaba de elegir. {old}</p>
{portal}
<p class="nota">No comparta su contraseña con nadie: el personal del Instituto nunca se la pedirá. Si cree que alguien más la conoce, <a href="entrar">cámbiela</a> o acuda a una ventanilla.</p>"#,
            escape_html(username)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_sit_next_to_their_fields_and_passwords_are_never_echoed() {
        let problems = [FieldProblem {
            field: FormField::New,
            message: "La nueva contraseña debe tener al menos 10 caracteres.".into(),
        }];
        let html = form(&View {
            username: "900<100>",
            problems: &problems,
            failures_before_lock: 5,
            lock_minutes: 15,
            ..View::default()
        });
        assert!(html.contains(r#"value="900&lt;100&gt;""#));
        assert!(html.contains(r#"aria-describedby="nueva-ayuda nueva-error reglas" aria-invalid="true" autofocus>"#), "{html}");
        assert!(html.contains(r##"<a href="#nueva">"##));
        assert_eq!(
            html.matches("value=").count(),
            1,
            "only the username is written back"
        );
        assert!(html.contains("se bloquea por 15 minutos"));
        assert!(!html.contains("<script") && !html.contains(" style="));
    }

    #[test]
    fn lock_times_read_naturally() {
        assert_eq!(lock_time(15), "por 15 minutos");
        assert_eq!(lock_time(60), "por 1 hora");
        assert_eq!(lock_time(120), "por 2 horas");
        assert_eq!(lock_time(1), "por 1 minuto");
    }
}
