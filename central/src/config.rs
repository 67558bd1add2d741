//! Configuration from the environment (12-factor): nothing on local disk but logs, so
//! any number of instances can run side by side.

use registro_core::config::{SmtpSecurity, SmtpSettings};
use registro_core::outbox::Transport;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `REGISTRO_CENTRAL_DB` — the central database (role `registro_central`).
    pub database_url: String,
    /// `REGISTRO_CENTRAL_ESCUCHA` — address to listen on, default `127.0.0.1:8080`.
    pub listen: String,
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

impl Config {
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
                root_certificate_pem: match var("REGISTRO_SMTP_CERTIFICADO_RAIZ") {
                    Some(path) => std::fs::read_to_string(&path).map_err(|e| {
                        ConfigError::Invalid("REGISTRO_SMTP_CERTIFICADO_RAIZ", e.to_string())
                    })?,
                    None => String::new(),
                },
            }),
        };
        Ok(Self {
            database_url: var("REGISTRO_CENTRAL_DB")
                .ok_or(ConfigError::Missing("REGISTRO_CENTRAL_DB"))?,
            listen: var("REGISTRO_CENTRAL_ESCUCHA").unwrap_or_else(|| "127.0.0.1:8080".into()),
            instance_name: var("REGISTRO_CENTRAL_INSTANCIA").unwrap_or_else(|| "central-1".into()),
            sender_name: var("REGISTRO_REMITENTE_NOMBRE")
                .unwrap_or_else(|| "Servicios en Línea ISSSTECALI".into()),
            sender_address: var("REGISTRO_REMITENTE_CORREO")
                .unwrap_or_else(|| "no-responder@example.org".into()),
            max_connections: 8,
            outbox_max_attempts: 8,
            smtp,
            smtp_password: var("REGISTRO_SMTP_CONTRASENA"),
            files_dir: var("REGISTRO_CORREOS_DIR")
                .map_or_else(|| PathBuf::from("correos-central"), PathBuf::from),
        })
    }

    pub fn transport(&self) -> registro_core::Result<Transport> {
        match &self.smtp {
            Some(smtp) => Transport::smtp(smtp, self.smtp_password.as_deref()),
            None => Transport::files(&self.files_dir),
        }
    }
}
