//! Where emails go: files in the data folder, or an SMTP server.

use crate::config::{Settings, SmtpSecurity, SmtpSettings, is_loopback};
use crate::domain::{EmailAddress, Field, FieldError};
use crate::error::{Error, Result};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};

/// Where emails go.
#[derive(Clone)]
pub enum Transport {
    /// No SMTP configured: each email is written as an `.eml` file in this folder.
    Files {
        dir: PathBuf,
        inner: AsyncFileTransport<Tokio1Executor>,
    },
    /// An SMTP server, with a pool of connections.
    Smtp {
        host: String,
        port: u16,
        security: SmtpSecurity,
        inner: AsyncSmtpTransport<Tokio1Executor>,
    },
}

impl Transport {
    pub fn files(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Internal(format!("outbox folder {}: {e}", dir.display())))?;
        Ok(Transport::Files {
            dir: dir.to_owned(),
            inner: AsyncFileTransport::new(dir),
        })
    }

    /// An SMTP transport. STARTTLS is required (never downgraded: no credentials travel
    /// in the clear), implicit TLS wraps the connection, and plain text is refused unless
    /// the server is on this machine.
    pub fn smtp(settings: &SmtpSettings, password: Option<&str>) -> Result<Self> {
        let host = settings.host.trim().to_owned();
        let tls_parameters = || -> Result<TlsParameters> {
            let mut builder = TlsParameters::builder(host.clone());
            if !settings.root_certificate_pem.trim().is_empty() {
                let cert = Certificate::from_pem(settings.root_certificate_pem.as_bytes())
                    .map_err(|_| {
                        FieldError::new(
                            Field::SmtpRootCertificate,
                            "no_valido",
                            "El certificado raíz no se pudo leer como PEM.",
                        )
                    })?;
                builder = builder.add_root_certificate(cert);
            }
            builder
                .build_rustls()
                .map_err(|e| Error::Internal(format!("TLS parameters: {e}")))
        };
        let tls = match settings.security {
            SmtpSecurity::Starttls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpSecurity::Plain if is_loopback(&host) => Tls::None,
            SmtpSecurity::Plain => {
                return Err(FieldError::new(
                    Field::SmtpSecurity,
                    "no_valido",
                    "Sin cifrado solo se permite un servidor en este mismo equipo (localhost); use STARTTLS o TLS.",
                )
                .into());
            }
        };
        let timeout = std::time::Duration::from_secs(u64::from(settings.timeout_secs.max(1)));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(timeout))
            .pool_config(
                PoolConfig::new()
                    .max_size(settings.pool_size.max(1))
                    .idle_timeout(std::time::Duration::from_secs(60)),
            );
        if !settings.username.trim().is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.trim().to_owned(),
                password.unwrap_or_default().to_owned(),
            ));
        }
        Ok(Transport::Smtp {
            host,
            port: settings.port,
            security: settings.security,
            inner: builder.build(),
        })
    }

    /// A short Spanish description for the status screens.
    /// Whether messages leave this station (rather than becoming files in its folder).
    pub fn is_smtp(&self) -> bool {
        matches!(self, Transport::Smtp { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Files { dir, .. } => {
                format!(
                    "Sin servidor de correo: los correos se guardan como archivos en {}",
                    dir.display()
                )
            }
            Transport::Smtp {
                host,
                port,
                security,
                ..
            } => {
                let mode = match security {
                    SmtpSecurity::Starttls => "STARTTLS",
                    SmtpSecurity::Tls => "TLS",
                    SmtpSecurity::Plain => "sin cifrar (local)",
                };
                format!("Correo por {host}:{port} ({mode})")
            }
        }
    }

    /// Hands one message over (writes the file, or the SMTP server accepts it).
    pub async fn send(&self, message: Message) -> std::result::Result<(), DeliveryFailure> {
        match self {
            Transport::Files { inner, .. } => inner.send(message).await.map(|_| ()).map_err(|e| {
                DeliveryFailure::Temporary(format!("no se pudo escribir el archivo: {e}"))
            }),
            Transport::Smtp {
                host, port, inner, ..
            } => inner.send(message).await.map(|_| ()).map_err(|e| {
                let text = describe_smtp_error(&e, host, *port);
                if refuses_the_station(&e) {
                    // Not this message's fault: every message would fail alike.
                    DeliveryFailure::Station(text)
                } else if e.is_permanent() {
                    match permanent_refusal(&e.to_string()) {
                        // The recipient (or this message) will be refused again.
                        Refused::ThisMessage => DeliveryFailure::Permanent(text),
                        // The sender, the relay or the session: every message alike.
                        Refused::TheStation => DeliveryFailure::Station(text),
                    }
                } else {
                    DeliveryFailure::Temporary(text)
                }
            }),
        }
    }

    /// Sends one message now, outside the outbox: the settings screen's test email.
    pub async fn send_test(
        &self,
        from: &Settings,
        to: &EmailAddress,
    ) -> std::result::Result<(), String> {
        let from_box = super::compose::sender_mailbox(&from.sender_name, &from.sender_address)?;
        let to_box = to.mailbox();
        let text = format!(
            "Este es un correo de prueba de Registro en Servicios en Línea, enviado desde la estación {} de {}.\n\nSi lo recibió, la configuración del servidor de correo funciona.",
            from.workstation, from.office
        );
        let message = Message::builder()
            .from(from_box)
            .to(to_box)
            .subject("Prueba de correo — Registro en Servicios en Línea")
            .body(text)
            .map_err(|e| format!("No se pudo armar el mensaje: {e}"))?;
        self.send(message).await.map_err(|f| match f {
            DeliveryFailure::Temporary(e)
            | DeliveryFailure::Permanent(e)
            | DeliveryFailure::Station(e) => e,
        })
    }
}

/// The server's complaint in Spanish, with its own words kept verbatim at the end.
fn describe_smtp_error(e: &lettre::transport::smtp::Error, host: &str, port: u16) -> String {
    let detail = e.to_string();
    let code = e.status().map(|c| c.to_string());
    if e.is_client() && detail.contains("STARTTLS") {
        format!(
            "El servidor {host}:{port} no ofrece STARTTLS: la conexión no puede cifrarse, así que no se envió ni la contraseña ni el mensaje ({detail})."
        )
    } else if e.is_timeout() {
        format!("El servidor {host}:{port} no respondió a tiempo ({detail}).")
    } else if e.is_tls() || certificate_refused(e) {
        format!(
            "No se pudo establecer la conexión cifrada con {host}:{port}; no se envió ninguna contraseña ({detail})."
        )
    } else if let Some(code) = code {
        let what = match code.as_str() {
            "535" | "534" | "530" => "El servidor rechazó el usuario o la contraseña de correo",
            c if c.starts_with('5') => "El servidor rechazó el mensaje",
            _ => "El servidor no aceptó el mensaje por ahora",
        };
        format!("{what} (respuesta {code}): {detail}")
    } else {
        format!("No se pudo conectar con el servidor de correo {host}:{port} ({detail}).")
    }
}

/// The server refused the station itself, not a message: its user or password (530, 534,
/// 535, as during a password rotation), or a connection that cannot be encrypted or whose
/// certificate the station's settings do not trust.
fn refuses_the_station(e: &lettre::transport::smtp::Error) -> bool {
    let auth = e
        .status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535"));
    auth || e.is_tls()
        || certificate_refused(e)
        || (e.is_client() && e.to_string().contains("STARTTLS"))
}

/// The TLS handshake refused the server's certificate (an unknown authority, another
/// name): rustls says so as invalid data on the socket, somewhere down the error's causes.
fn certificate_refused(e: &lettre::transport::smtp::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Who a permanent (5xx) refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    ThisMessage,
    TheStation,
}

/// Reads a 5xx answer by its enhanced status code (RFC 3463), which tells the recipient's
/// mailbox (`5.1.1`, `5.2.2`…) from the sender's address (`5.1.7`, `5.1.8`), the relay or
/// authentication policy (`5.7.x`), the server itself (`5.3.x`) and the protocol
/// (`5.5.x`). Without one, the reply code alone: `550`, `551` and `553` are what servers
/// answer for one mailbox; anything else is taken as the station's, so that a misconfigured
/// sender or relay holds the emails instead of giving every one of them up.
fn permanent_refusal(answer: &str) -> Refused {
    let enhanced = answer.split_whitespace().find_map(|word| {
        let word = word.trim_end_matches([',', ';', ':']);
        let mut parts = word.split('.');
        let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
        (parts.next().is_none()
            && class == "5"
            && [subject, detail]
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())))
        .then(|| (subject.to_owned(), detail.to_owned()))
    });
    match enhanced {
        Some((subject, detail)) => match (subject.as_str(), detail.as_str()) {
            ("1", "7" | "8") => Refused::TheStation,
            // Addressing of the recipient, its mailbox, and the message's own content.
            ("1" | "2" | "6", _) => Refused::ThisMessage,
            ("3", "4") => Refused::ThisMessage,
            _ => Refused::TheStation,
        },
        None => {
            let code = answer
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 3 && w.starts_with('5'))
                .unwrap_or_default();
            if matches!(code, "550" | "551" | "553") {
                Refused::ThisMessage
            } else {
                Refused::TheStation
            }
        }
    }
}

/// Why a hand-over failed: a temporary failure is retried with backoff, a permanent one
/// is not; a failure of the station's settings stops the round and every message waits,
/// spending no attempt, until they are fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryFailure {
    Temporary(String),
    Permanent(String),
    Station(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_mailbox_or_message_is_that_message_s_and_a_refused_sender_or_relay_the_station_s()
    {
        for answer in [
            "permanent error (550): 5.1.1 Buzon inexistente",
            "permanent error (550): 5.2.1 Mailbox disabled",
            "permanent error (552): 5.2.2 Mailbox full",
            "permanent error (553): 5.1.3 Bad destination mailbox address syntax",
            "permanent error (554): 5.6.0 Message content rejected",
            "permanent error (552): 5.3.4 Message too big for system",
            "permanent error (550): Requested action not taken: mailbox unavailable",
            "permanent error (551): User not local",
        ] {
            assert_eq!(permanent_refusal(answer), Refused::ThisMessage, "{answer}");
        }
        for answer in [
            "permanent error (553): 5.1.8 Sender address rejected: Domain not found",
            "permanent error (550): 5.1.7 Invalid sender address",
            "permanent error (554): 5.7.1 Relay access denied",
            "permanent error (550): 5.7.1 Client host rejected: access denied",
            "permanent error (530): 5.7.0 Authentication required",
            "permanent error (554): 5.3.2 System not accepting network messages",
            "permanent error (500): 5.5.2 Syntax error",
            "permanent error (554): Transaction failed",
            "permanent error (521): Server does not accept mail",
        ] {
            assert_eq!(permanent_refusal(answer), Refused::TheStation, "{answer}");
        }
    }
}
