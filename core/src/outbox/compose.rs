//! The message handed over: a stored row with its secrets put back in. Secrets are kept
//! apart from the bodies (placeholders there), so they can be erased once delivered.

use crate::domain::EmailAddress;
use crate::emails::escape_html;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

/// An outbox row as stored (bodies with placeholders, secrets apart).
pub struct Stored<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    /// JSON object placeholder → secret, as written by [`enqueue`].
    pub secrets: Option<&'a str>,
    pub message_id: &'a str,
}

/// The message to hand over: secrets put back in, text and HTML alternatives, the
/// stable Message-ID. Shared by the desk's outbox and the central service's.
pub fn compose(
    sender_name: &str,
    sender_address: &str,
    m: &Stored<'_>,
) -> std::result::Result<Message, String> {
    let from = sender_mailbox(sender_name, sender_address)?;
    // The parser the form used: an address it accepted is one this can send to.
    let to = EmailAddress::parse(m.recipient)
        .map_err(|e| format!("destinatario no válido: {e}"))?
        .mailbox();
    let (mut text, mut html) = (m.body_text.to_owned(), m.body_html.to_owned());
    for (placeholder, secret) in decode_secrets(m.secrets)? {
        text = text.replace(&placeholder, &secret);
        html = html.replace(&placeholder, &escape_html(&secret));
    }
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject)
        .message_id(Some(m.message_id.to_owned()))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| format!("no se pudo armar el mensaje: {e}"))
}

/// The sender as a mailbox, built from its parts: a name with a comma or quotes
/// («Servicios en Línea, ISSSTECALI») stays one display name instead of breaking every
/// email (a `"name <address>"` string would be parsed as two mailboxes).
pub fn sender_mailbox(name: &str, address: &str) -> std::result::Result<Mailbox, String> {
    let address = address
        .trim()
        .parse()
        .map_err(|e| format!("El remitente no es válido: {e}"))?;
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

/// The JSON kept in an outbox row's `secrets` column.
pub fn encode_secrets_json(secrets: &[(&'static str, String)]) -> Option<String> {
    if secrets.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = secrets
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    Some(serde_json::Value::Object(map).to_string())
}

fn decode_secrets(stored: Option<&str>) -> std::result::Result<Vec<(String, String)>, String> {
    let Some(stored) = stored else {
        return Ok(Vec::new());
    };
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(stored).map_err(|e| format!("datos del mensaje dañados: {e}"))?;
    Ok(map.into_iter().collect())
}
