//! Configuration from the environment (12-factor): nothing on local disk but logs, so
//! any number of instances can run side by side. Every variable is in the README
//! («Partes centrales», table of settings).

use crate::client_address::TrustedProxies;
use registro_core::config::{
    SmtpSecurity, SmtpSettings, central_connect_options, is_pem_certificate_or_empty,
};
use registro_core::domain::FieldError;
use registro_core::outbox::Transport;
use sqlx::postgres::PgConnectOptions;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `REGISTRO_CENTRAL_DB` — the central database (role `registro_central`; the owner's
    /// role for `--migrar` and the portal keys).
    pub database_url: String,
    /// `REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ` — a PEM file of one more root to trust for
    /// the database's certificate (an internal CA), besides the operating system's.
    pub database_root_certificate_pem: String,
    /// `REGISTRO_CENTRAL_ESCUCHA` — address to listen on, default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `REGISTRO_CENTRAL_INSTANCIA` — this instance's name in the audit trail.
    pub instance_name: String,
    pub sender_name: String,
    pub sender_address: String,
    pub max_connections: u32,
    pub outbox_max_attempts: i32,
    /// `REGISTRO_SMTP_*`; without `REGISTRO_SMTP_SERVIDOR`, emails are written as files
    /// in `REGISTRO_CORREOS_DIR` (a test or a first install).
    pub smtp: Option<SmtpSettings>,
    pub smtp_password: Option<String>,
    pub files_dir: PathBuf,
    /// `REGISTRO_URL_INICIO_SESION` — where the affiliate signs in for the first time (this
    /// service's `/entrar` as the affiliate reaches it); the temporary-password email and
    /// the pages link to it.
    pub sign_in_url: String,
    /// `REGISTRO_URL_VALIDACION` — this service's `/validar` as the affiliate reaches it
    /// (the stations' «Dirección del enlace de validación»): the validation emails a desk
    /// asks the service to send carry it.
    pub validation_url: String,
    /// `REGISTRO_URL_PORTAL` — the institute's portal, linked once the password is chosen.
    pub portal_url: Option<String>,
    /// `REGISTRO_PROXIES_DE_CONFIANZA` — balancers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    pub limits: Limits,
}

/// How much guessing the service tolerates (README, «Límites y bloqueos»).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `REGISTRO_LIMITE_ENLACES_DESCONOCIDOS` — unknown links per client address in 15 minutes.
    pub unknown_links_per_address: u32,
    /// `REGISTRO_LIMITE_INTENTOS_POR_DIRECCION` — failed sign-ins per client address in 15 minutes.
    pub failed_sign_ins_per_address: u32,
    /// `REGISTRO_INTENTOS_ANTES_DE_BLOQUEO` — failed sign-ins of one username before it locks.
    pub failures_before_lock: u32,
    /// `REGISTRO_MINUTOS_DE_BLOQUEO` — the first lock; each further one doubles, up to 16 times.
    pub lock_minutes: u32,
    /// `REGISTRO_PORTAL_SOLICITUDES_POR_MINUTO` — calls per portal key per minute.
    pub portal_requests_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            unknown_links_per_address: 10,
            failed_sign_ins_per_address: 30,
            failures_before_lock: 5,
            lock_minutes: 15,
            portal_requests_per_minute: 600,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("falta la variable de entorno {0}")]
    Missing(&'static str),
    #[error("la variable {0} no es válida: {1}")]
    Invalid(&'static str, String),
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The PEM root certificate in the file the variable names, or nothing when unset.
fn root_certificate(name: &'static str) -> Result<String, ConfigError> {
    let Some(path) = var(name) else {
        return Ok(String::new());
    };
    let pem = std::fs::read_to_string(&path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no existe",
            std::io::ErrorKind::PermissionDenied => "este usuario no puede leerlo",
            _ => "no se pudo leer",
        };
        ConfigError::Invalid(name, format!("el archivo «{path}» {why}"))
    })?;
    if pem.trim().is_empty() || !is_pem_certificate_or_empty(&pem) {
        return Err(ConfigError::Invalid(
            name,
            format!(
                "el archivo «{path}» no es un certificado en formato PEM (-----BEGIN CERTIFICATE-----)"
            ),
        ));
    }
    Ok(pem)
}

/// A positive whole number, or the default when unset.
fn count(name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid(
                name,
                format!("«{raw}» (se espera un número entero mayor que cero)"),
            )),
        },
    }
}

/// An absolute http(s) address.
fn url(name: &'static str, raw: String) -> Result<String, ConfigError> {
    let trimmed = raw.trim();
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !trimmed.contains(char::is_whitespace) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(ConfigError::Invalid(
            name,
            format!(
                "«{raw}» (se espera una dirección completa, como https://servicios.issstecali.gob.mx/entrar)"
            ),
        )),
    }
}

impl Config {
    /// The settings of a first install: everything but the database has a default.
    pub fn with_defaults(database_url: impl Into<String>) -> Self {
        let listen = SocketAddr::from(([127, 0, 0, 1], 8080));
        Self {
            database_url: database_url.into(),
            database_root_certificate_pem: String::new(),
            listen,
            instance_name: "central-1".into(),
            sender_name: "Servicios en Línea ISSSTECALI".into(),
            sender_address: "no-responder@example.org".into(),
            max_connections: 8,
            outbox_max_attempts: 8,
            smtp: None,
            smtp_password: None,
            files_dir: PathBuf::from("correos-central"),
            sign_in_url: format!("http://{listen}/entrar"),
            validation_url: format!("http://{listen}/validar"),
            portal_url: None,
            trusted_proxies: TrustedProxies::none(),
            limits: Limits::default(),
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        let smtp = match var("REGISTRO_SMTP_SERVIDOR") {
            None => None,
            Some(host) => Some(SmtpSettings {
                host,
                port: var("REGISTRO_SMTP_PUERTO")
                    .map(|p| {
                        p.parse()
                            .map_err(|_| ConfigError::Invalid("REGISTRO_SMTP_PUERTO", p))
                    })
                    .transpose()?
                    .unwrap_or(587),
                security: match var("REGISTRO_SMTP_SEGURIDAD").as_deref() {
                    None | Some("starttls") => SmtpSecurity::Starttls,
                    Some("tls") => SmtpSecurity::Tls,
                    Some("sin_cifrar") => SmtpSecurity::Plain,
                    Some(other) => {
                        return Err(ConfigError::Invalid(
                            "REGISTRO_SMTP_SEGURIDAD",
                            other.into(),
                        ));
                    }
                },
                username: var("REGISTRO_SMTP_USUARIO").unwrap_or_default(),
                timeout_secs: 20,
                pool_size: 4,
                root_certificate_pem: root_certificate("REGISTRO_SMTP_CERTIFICADO_RAIZ")?,
            }),
        };
        let defaults = Self::with_defaults(
            var("REGISTRO_CENTRAL_DB").ok_or(ConfigError::Missing("REGISTRO_CENTRAL_DB"))?,
        );
        let listen = match var("REGISTRO_CENTRAL_ESCUCHA") {
            None => defaults.listen,
            Some(raw) => raw.trim().parse().map_err(|_| {
                ConfigError::Invalid(
                    "REGISTRO_CENTRAL_ESCUCHA",
                    format!("«{raw}» (se espera dirección IP y puerto, como 127.0.0.1:8080)"),
                )
            })?,
        };
        let limits = Limits {
            unknown_links_per_address: count(
                "REGISTRO_LIMITE_ENLACES_DESCONOCIDOS",
                defaults.limits.unknown_links_per_address,
            )?,
            failed_sign_ins_per_address: count(
                "REGISTRO_LIMITE_INTENTOS_POR_DIRECCION",
                defaults.limits.failed_sign_ins_per_address,
            )?,
            failures_before_lock: count(
                "REGISTRO_INTENTOS_ANTES_DE_BLOQUEO",
                defaults.limits.failures_before_lock,
            )?,
            lock_minutes: count("REGISTRO_MINUTOS_DE_BLOQUEO", defaults.limits.lock_minutes)?,
            portal_requests_per_minute: count(
                "REGISTRO_PORTAL_SOLICITUDES_POR_MINUTO",
                defaults.limits.portal_requests_per_minute,
            )?,
        };
        Ok(Self {
            database_root_certificate_pem: root_certificate(
                "REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ",
            )?,
            listen,
            instance_name: var("REGISTRO_CENTRAL_INSTANCIA").unwrap_or(defaults.instance_name),
            sender_name: var("REGISTRO_REMITENTE_NOMBRE").unwrap_or(defaults.sender_name),
            sender_address: var("REGISTRO_REMITENTE_CORREO").unwrap_or(defaults.sender_address),
            smtp,
            smtp_password: var("REGISTRO_SMTP_CONTRASENA"),
            files_dir: var("REGISTRO_CORREOS_DIR").map_or(defaults.files_dir, PathBuf::from),
            sign_in_url: match var("REGISTRO_URL_INICIO_SESION") {
                Some(raw) => url("REGISTRO_URL_INICIO_SESION", raw)?,
                None => format!("http://{listen}/entrar"),
            },
            validation_url: match var("REGISTRO_URL_VALIDACION") {
                Some(raw) => url("REGISTRO_URL_VALIDACION", raw)?,
                None => format!("http://{listen}/validar"),
            },
            portal_url: var("REGISTRO_URL_PORTAL")
                .map(|raw| url("REGISTRO_URL_PORTAL", raw))
                .transpose()?,
            trusted_proxies: match var("REGISTRO_PROXIES_DE_CONFIANZA") {
                None => TrustedProxies::none(),
                Some(raw) => TrustedProxies::parse(&raw)
                    .map_err(|e| ConfigError::Invalid("REGISTRO_PROXIES_DE_CONFIANZA", e))?,
            },
            limits,
            ..defaults
        })
    }

    /// How to reach the database: the stations' rule ([`central_connect_options`]),
    /// verified TLS to any host but this machine, plus the extra root if there is one.
    pub fn database_options(&self) -> Result<PgConnectOptions, FieldError> {
        let options = central_connect_options(&self.database_url)?;
        Ok(if self.database_root_certificate_pem.trim().is_empty() {
            options
        } else {
            options.ssl_root_cert_from_pem(self.database_root_certificate_pem.as_bytes().to_vec())
        })
    }

    pub fn transport(&self) -> registro_core::Result<Transport> {
        match &self.smtp {
            Some(smtp) => Transport::smtp(smtp, self.smtp_password.as_deref()),
            None => Transport::files(&self.files_dir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_complete_http_urls() {
        assert!(url("X", "https://servicios.example.org/entrar".into()).is_ok());
        assert!(url("X", " http://127.0.0.1:8080/entrar ".into()).is_ok());
        for bad in [
            "servicios.example.org/entrar",
            "https://",
            "ftp://x",
            "https://a b",
        ] {
            assert!(url("X", bad.into()).is_err(), "{bad}");
        }
    }
}
