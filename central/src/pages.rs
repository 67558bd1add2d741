//! The Spanish pages the affiliate sees after following the link. Every value that
//! comes from data is HTML-escaped.

use crate::Outcome;
use registro_core::config::InstituteContact;
use registro_core::emails::escape_html;

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="es-MX">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Servicios en Línea ISSSTECALI</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #1f2933; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
h1 {{ color: #7a1f3d; font-size: 1.5rem; }}
footer {{ margin-top: 2rem; font-size: 0.85rem; color: #52606d; border-top: 1px solid #ccc; padding-top: 0.8rem; }}
</style></head>
<body>
<main><h1>{title}</h1>
{body}
</main>
<footer>{}<br>{}<br>{}<br>Teléfono: {} · Horario: {}</footer>
</body></html>"#,
        InstituteContact::NAME,
        InstituteContact::OFFICE,
        InstituteContact::ADDRESS,
        InstituteContact::PHONE,
        InstituteContact::HOURS,
    )
}

pub fn render(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Validated {
            folio,
            email_masked,
        } => page(
            "Tu cuenta quedó validada",
            &format!(
                "<p>Validamos tu registro con folio <strong>{}</strong>.</p>\
                 <p>En unos minutos recibirás en <strong>{}</strong> otro correo con tu usuario y una contraseña temporal. \
                 Al entrar por primera vez te pediremos cambiarla.</p>",
                escape_html(folio),
                escape_html(email_masked)
            ),
        ),
        Outcome::AlreadyUsed => page(
            "Este enlace ya se usó",
            "<p>Tu cuenta ya está validada. Revisa tu correo: te enviamos tu usuario y una contraseña temporal.</p>\
             <p>Si no la encuentras (revisa también la carpeta de correo no deseado) o no la anotaste, acude a una ventanilla para que te den una nueva.</p>",
        ),
        Outcome::Expired => page(
            "Este enlace venció",
            "<p>El enlace de validación tiene un plazo y ya pasó. Acude a una ventanilla del ISSSTECALI para que te envíen un correo de validación nuevo.</p>",
        ),
        Outcome::Superseded => page(
            "Este enlace fue reemplazado",
            "<p>Después de este correo se te envió otro de validación más reciente. Abre el enlace del <strong>último</strong> correo que recibiste.</p>",
        ),
        Outcome::Exhausted => page(
            "Este enlace ya no sirve",
            "<p>Se agotaron los intentos con el código de este correo. Acude a una ventanilla para que te envíen uno nuevo.</p>",
        ),
        Outcome::Closed => page(
            "Este registro ya no está activo",
            "<p>El registro al que pertenece este enlace se canceló o caducó. Si quieres usar los Servicios en Línea, acude a una ventanilla para registrarte de nuevo.</p>",
        ),
        Outcome::Unknown => page(
            "Enlace no válido",
            "<p>No reconocemos este enlace. Revisa que lo hayas abierto completo desde el correo; si el problema sigue, acude a una ventanilla.</p>",
        ),
    }
}

pub fn unavailable() -> String {
    page(
        "Servicio no disponible por el momento",
        "<p>No pudimos validar tu cuenta en este momento. Intenta de nuevo en unos minutos con el mismo enlace.</p>",
    )
}
