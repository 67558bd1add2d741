//! The Spanish pages the affiliate reads (*usted*, es-MX). Every value that comes from data
//! is HTML-escaped; no page has a script or an inline style (the Content-Security-Policy
//! forbids both): the looks are in `estilo.css`. Links are relative, so the service works
//! behind a balancer that serves it under a path of its own.

pub mod link;
pub mod sign_in;

use registro_core::config::InstituteContact;
pub use registro_core::emails::escape_html;

/// The stylesheet every page links to.
pub const STYLESHEET: &str = include_str!("estilo.css");

/// A whole page: the institute's band, the title, the body and the contact footer.
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="es-MX">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title} — Servicios en Línea ISSSTECALI</title>
<link rel="stylesheet" href="estilo.css">
</head>
<body>
<header class="banda"><p>ISSSTECALI <span>· Servicios en Línea</span></p></header>
<main>
<h1>{title}</h1>
{body}
</main>
<footer>{}<br>{}<br>{}<br>Teléfono: {} · Horario: {}</footer>
</body>
</html>
"#,
        InstituteContact::NAME,
        InstituteContact::OFFICE,
        InstituteContact::ADDRESS,
        InstituteContact::PHONE,
        InstituteContact::HOURS,
    )
}

/// The database or the mail queue did not answer.
pub fn unavailable() -> String {
    page(
        "Servicio no disponible por el momento",
        "<p>No pudimos atender su solicitud en este momento. Intente de nuevo en unos minutos; \
         si abrió el enlace de un correo, use el mismo enlace.</p>",
    )
}

/// Too many unknown links or failed sign-ins from one connection.
pub fn too_many(minutes: u64) -> String {
    page(
        "Demasiados intentos",
        &format!(
            "<p>Recibimos demasiados intentos no válidos desde su conexión. Por seguridad, \
             espere {} e intente de nuevo.</p>\
             <p>Si abrió un enlace de un correo, revise que lo haya copiado completo.</p>",
            minutes_in_words(minutes)
        ),
    )
}

pub fn not_found() -> String {
    page(
        "Página no encontrada",
        "<p>La dirección que abrió no existe en los Servicios en Línea del ISSSTECALI. Revise que \
         la haya copiado completa desde el correo.</p>",
    )
}

/// «1 minuto», «15 minutos».
pub fn minutes_in_words(minutes: u64) -> String {
    match minutes {
        0 | 1 => "1 minuto".to_owned(),
        n => format!("{n} minutos"),
    }
}

/// A link to `url` (from the settings) that reads `text`.
fn anchor(url: &str, text: &str) -> String {
    format!(r#"<a href="{}">{text}</a>"#, escape_html(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_no_script_and_no_inline_style() {
        for html in [unavailable(), too_many(3), not_found()] {
            assert!(!html.contains("<script"), "{html}");
            assert!(
                !html.contains("<style") && !html.contains(" style="),
                "{html}"
            );
            assert!(html.contains(r#"<link rel="stylesheet" href="estilo.css">"#));
        }
        assert_eq!(minutes_in_words(1), "1 minuto");
        assert_eq!(minutes_in_words(15), "15 minutos");
    }
}
