//! The pages of the validation link: the confirmation with its button, the result, and one
//! page per reason a link no longer works.

use super::{anchor, escape_html, page};
use axum::http::StatusCode;

/// What the affiliate sees after opening or confirming the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The link would validate: the page shows the button that does it.
    Ready {
        folio: String,
        token: String,
    },
    Validated {
        folio: String,
        email_masked: String,
    },
    AlreadyUsed,
    Expired,
    Superseded,
    Exhausted,
    Closed,
    Unknown,
}

impl Outcome {
    /// The HTTP status the page goes out with.
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Ready { .. } | Outcome::Validated { .. } => StatusCode::OK,
            Outcome::Unknown => StatusCode::NOT_FOUND,
            Outcome::Closed => StatusCode::CONFLICT,
            _ => StatusCode::GONE,
        }
    }
}

/// The page for `outcome`; `sign_in_url` is where the affiliate signs in for the first time.
pub fn render(outcome: &Outcome, sign_in_url: &str) -> String {
    match outcome {
        Outcome::Ready { folio, token } => page(
            "Valide su cuenta",
            &format!(
                "<p>Está a un paso de validar su registro en los Servicios en Línea del ISSSTECALI \
                 (folio <strong class=\"dato\">{}</strong>).</p>\
                 <p>Oprima el botón para confirmar que este correo es suyo. Después le enviaremos \
                 otro correo con su usuario y una contraseña temporal.</p>\
                 <form method=\"post\" action=\"validar\">\
                 <input type=\"hidden\" name=\"token\" value=\"{}\">\
                 <p class=\"acciones\"><button class=\"boton\" type=\"submit\">Validar mi cuenta</button></p>\
                 </form>\
                 <p class=\"nota\">Si usted no solicitó este registro, no oprima el botón y avise al \
                 Instituto a los teléfonos de abajo.</p>",
                escape_html(folio),
                escape_html(token),
            ),
        ),
        Outcome::Validated {
            folio,
            email_masked,
        } => page(
            "Su cuenta quedó validada",
            &format!(
                "<div class=\"aviso\"><p>Validamos su registro con folio <strong class=\"dato\">{}</strong>.</p></div>\
                 <p>En unos minutos recibirá en <strong class=\"dato\">{}</strong> otro correo con su usuario \
                 y una contraseña temporal. Revise también la carpeta de correo no deseado.</p>\
                 <p>Con ellos, {} y elija la contraseña que usará desde ahora.</p>",
                escape_html(folio),
                escape_html(email_masked),
                anchor(sign_in_url, "entre por primera vez"),
            ),
        ),
        Outcome::AlreadyUsed => page(
            "Este enlace ya se usó",
            &format!(
                "<p>Su cuenta ya está validada. Revise su correo: le enviamos su usuario y una \
                 contraseña temporal, con la que puede {}.</p>\
                 <p>Si no encuentra ese correo (revise también la carpeta de correo no deseado) o no \
                 anotó la contraseña, acuda a una ventanilla del ISSSTECALI para que le den una nueva.</p>",
                anchor(sign_in_url, "entrar por primera vez"),
            ),
        ),
        Outcome::Expired => page(
            "Este enlace venció",
            "<p>El enlace de validación tiene un plazo y ya pasó. Acuda a una ventanilla del \
             ISSSTECALI para que le envíen un correo de validación nuevo.</p>",
        ),
        Outcome::Superseded => page(
            "Este enlace fue reemplazado",
            "<p>Después de este correo le enviamos otro de validación más reciente. Abra el enlace \
             del <strong>último</strong> correo que recibió.</p>",
        ),
        Outcome::Exhausted => page(
            "Este enlace ya no sirve",
            "<p>Se agotaron los intentos con el código de este correo. Acuda a una ventanilla del \
             ISSSTECALI para que le envíen uno nuevo.</p>",
        ),
        Outcome::Closed => page(
            "Este registro ya no está activo",
            "<p>El registro al que pertenece este enlace se canceló o caducó. Si desea usar los \
             Servicios en Línea, acuda a una ventanilla del ISSSTECALI para registrarse de nuevo.</p>",
        ),
        // An office without network emails the link before its registration reaches this
        // database: «not yet» is the likely reading, and a link cut short the other one.
        Outcome::Unknown => page(
            "Enlace no válido",
            "<p>No reconocemos este enlace todavía. Si se registró hace poco en una oficina que \
             trabaja sin conexión, su registro puede tardar en llegar: intente de nuevo en unos \
             minutos. Revise también que haya abierto el enlace completo desde el correo; si el \
             problema sigue, acuda a una ventanilla del ISSSTECALI.</p>",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_posts_the_token_and_data_is_escaped() {
        let html = render(
            &Outcome::Ready {
                folio: "RSL-<b>".into(),
                token: "ab".repeat(32),
            },
            "https://servicios.example.org/entrar",
        );
        assert!(html.contains(r#"<form method="post" action="validar">"#));
        assert!(html.contains(&format!(
            r#"<input type="hidden" name="token" value="{}">"#,
            "ab".repeat(32)
        )));
        assert!(html.contains("Validar mi cuenta"));
        assert!(html.contains("RSL-&lt;b&gt;") && !html.contains("RSL-<b>"));
    }

    #[test]
    fn the_result_links_to_the_first_sign_in() {
        let html = render(
            &Outcome::Validated {
                folio: "RSL-261127-ABC123".into(),
                email_masked: "xi***@example.com".into(),
            },
            "https://servicios.example.org/entrar?a=1&b=2",
        );
        assert!(html.contains(r#"<a href="https://servicios.example.org/entrar?a=1&amp;b=2">"#));
    }
}
