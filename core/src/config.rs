//! Settings that vary between offices. Defaults are the embedded demo setup.

use crate::domain::{EmailAddress, Field, FieldError};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use std::str::FromStr;

/// Why the settings saved on disk cannot be used. The station then keeps the file as it
/// is, sends nothing and registers nobody until a supervisor saves valid settings: it never
/// quietly runs on the demo defaults (a wrong office on every record, emails from the demo
/// sender) nor overwrites what a technician wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsProblem {
    /// The setting at fault as the file names it (`smtp.port`), or the file itself.
    pub setting: String,
    /// The field of the settings screen, when the fault is one of its fields.
    pub field: Option<Field>,
    /// What is wrong, in Spanish.
    pub message: String,
}

/// A station without a credential store keeps its database key in a file beside the
/// database, which protects little: nobody is registered there until a supervisor
/// accepts it (once, audited, kept in the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum KeyOnDisk {
    /// Registrations are refused until a supervisor accepts.
    Held,
    /// A supervisor accepted it; the status bar still says where the key is.
    Accepted,
}

impl SettingsProblem {
    /// The file is not JSON at all (cut short, edited by hand).
    pub fn unreadable(file: &str, cause: impl std::fmt::Display) -> Self {
        tracing::warn!(%cause, "settings file unreadable");
        Self {
            setting: file.to_owned(),
            field: None,
            message: format!(
                "El archivo de ajustes «{file}» no se puede leer (no es JSON válido). Se conservó tal como está."
            ),
        }
    }
}

impl Settings {
    /// The settings saved in the file, or the first thing wrong with them: a value of the
    /// wrong kind (named by its path) or a value the settings screen would refuse.
    pub fn from_saved(value: serde_json::Value) -> Result<Settings, SettingsProblem> {
        let settings: Settings = serde_path_to_error::deserialize(value).map_err(|e| {
            let setting = e.path().to_string();
            tracing::warn!(%setting, cause = %e.inner(), "settings file has a wrong value");
            SettingsProblem {
                field: None,
                message: format!(
                    "En el archivo de ajustes, «{setting}» tiene un valor de otro tipo (por ejemplo, texto donde va un número)."
                ),
                setting,
            }
        })?;
        settings.validate().map_err(|errors| {
            let first = &errors[0];
            SettingsProblem {
                setting: serde_json::to_value(first.field)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                field: Some(first.field),
                message: format!("En el archivo de ajustes: {}", first.message),
            }
        })?;
        Ok(settings)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Settings {
    /// Office (clinic or satellite office) where the workstation sits.
    pub office: String,
    /// This workstation's name, recorded with every consent and audit event.
    pub workstation: String,
    /// Minutes without keyboard or mouse before the clerk's session locks (the screen
    /// may face the queue; an unattended desk must not show the last affiliate's data).
    pub session_lock_minutes: u32,
    /// Base of the validation link in the email; the token is appended.
    pub link_base_url: String,
    /// Where the affiliate signs in for the first time (the central service's page, or
    /// the portal's), told in the temporary-password email. Empty: the central service's
    /// `/entrar` beside the validation link's `/validar` ([`Settings::sign_in_address`]).
    pub sign_in_url: String,
    pub sender_name: String,
    pub sender_address: String,
    /// Lifetime of the validation link and code.
    pub validation_ttl_hours: u32,
    /// Wrong codes before a validation code dies.
    pub max_code_attempts: u32,
    /// Wrong serials for one affiliation number before it is locked.
    pub max_serial_failures: u32,
    pub serial_lock_minutes: u32,
    /// Delivery attempts before an email is `abandonado`.
    pub outbox_max_attempts: u32,
    /// Seconds between two validation emails for one registration.
    pub resend_cooldown_secs: u32,
    /// A registration never validated is `expirada` after this many hours, and the
    /// identity is free to register again (nobody can squat it).
    pub pending_expiry_hours: u32,
    /// The institute's promise: validation email out within this many minutes of submit.
    pub delivery_promise_minutes: u32,
    /// The status bar warns when this station's clock is off from the central database's
    /// by more than this many minutes (the central clock decides expiry either way).
    pub clock_skew_warning_minutes: u32,
    /// The SMTP server; `None` writes emails as files in the data folder.
    pub smtp: Option<SmtpSettings>,
    /// The central PostgreSQL, as `postgres://office_role@host:5432/database` (the
    /// password lives in the credential store). Empty: this workstation works alone.
    /// Encrypted and verified (`verify-full`) unless the server is this same machine.
    pub central_url: String,
    /// An extra root certificate (PEM) to trust for the central database, besides the
    /// operating system's, for a server whose certificate comes from an internal CA.
    pub central_root_certificate_pem: String,
    /// The institute's update manifest (`latest.json` on the intranet). Empty: this
    /// station never looks for new versions.
    pub update_url: String,
    /// Where the copies of the local database go: a folder of this station, a USB drive or
    /// a network share (an absolute path). Empty: `copias-de-seguridad` in the data folder.
    pub backup_folder: String,
    /// How many copies are kept there; the oldest beyond this are deleted.
    pub backups_kept: u32,
    /// Years a cancelled or expired registration keeps its contact data after it closed;
    /// then they are erased (the integral notice's «Conservación»). Five by default: the
    /// shortest term the clinical-record standard (NOM-004-SSA3-2012) asks of the
    /// institute's records; the institute's archive schedule may set more.
    pub retention_years: u32,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS; refused (credentials never sent) if the
    /// server cannot upgrade. The default, usually port 587.
    Starttls,
    /// TLS from the first byte ("SMTPS"), usually port 465.
    Tls,
    /// No encryption: only for a server on this same machine (a local relay).
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty for a server without AUTH. The password lives in the OS credential store.
    pub username: String,
    /// Connection and command timeout.
    pub timeout_secs: u32,
    /// Connections kept open to the server.
    pub pool_size: u32,
    /// An extra root certificate (PEM) to trust, for servers with an internal CA.
    pub root_certificate_pem: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: String::new(),
            timeout_secs: 20,
            pool_size: 2,
            root_certificate_pem: String::new(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            office: "Oficina de demostración".to_owned(),
            workstation: default_workstation(),
            session_lock_minutes: 10,
            link_base_url: "https://servicios.example.org/validar".to_owned(),
            sign_in_url: String::new(),
            sender_name: "Servicios en Línea ISSSTECALI".to_owned(),
            sender_address: "no-responder@example.org".to_owned(),
            validation_ttl_hours: 24,
            max_code_attempts: 5,
            max_serial_failures: 5,
            serial_lock_minutes: 15,
            outbox_max_attempts: 8,
            resend_cooldown_secs: 60,
            pending_expiry_hours: 72,
            delivery_promise_minutes: 10,
            clock_skew_warning_minutes: 5,
            smtp: None,
            central_url: String::new(),
            central_root_certificate_pem: String::new(),
            update_url: String::new(),
            backup_folder: String::new(),
            backups_kept: 14,
            retention_years: 5,
        }
    }
}

impl Settings {
    // What is left before a station works for real (see readiness.rs).
    /// A station that reaches affiliates for real: it sends through an SMTP server or
    /// joins the central database (whose service opens the links).
    pub fn joined_to_institute(&self, sends_by_smtp: bool) -> bool {
        sends_by_smtp || !self.central_url.trim().is_empty()
    }

    /// The settings still holding the values the app ships with, which no affiliate may
    /// receive: the link's address and the sender.
    pub fn demo_values(&self) -> Vec<Field> {
        let shipped = Settings::default();
        let mut fields = Vec::new();
        if self.link_base_url.trim() == shipped.link_base_url {
            fields.push(Field::LinkBaseUrl);
        }
        if self
            .sender_address
            .trim()
            .eq_ignore_ascii_case(&shipped.sender_address)
        {
            fields.push(Field::SenderAddress);
        }
        fields
    }

    /// Why emails may not go out now: demo values on a station joined to the institute,
    /// in its settings or in the institute profile its legal texts cite
    /// (`legal::profile_in_force`).
    pub fn sending_held_by(&self, sends_by_smtp: bool, demo_profile: bool) -> Vec<Field> {
        if !self.joined_to_institute(sends_by_smtp) {
            return Vec::new();
        }
        let mut fields = self.demo_values();
        if demo_profile {
            fields.push(Field::InstituteProfile);
        }
        fields
    }
}

impl Settings {
    /// Checks what a supervisor typed on the settings screen; every problem at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut require = |ok: bool, field: Field, message: &str| {
            if !ok {
                errors.push(FieldError::new(field, "no_valido", message));
            }
        };
        require(
            !self.office.trim().is_empty(),
            Field::Office,
            "Escriba el nombre de la oficina.",
        );
        require(
            !self.workstation.trim().is_empty(),
            Field::Workstation,
            "Escriba el nombre de esta estación.",
        );
        require(
            !self.sender_name.trim().is_empty(),
            Field::SenderName,
            "Escriba el nombre del remitente.",
        );
        require(
            EmailAddress::parse(&self.sender_address).is_ok(),
            Field::SenderAddress,
            "El correo del remitente no es válido.",
        );
        require(
            self.link_base_url.starts_with("https://") || self.link_base_url.starts_with("http://"),
            Field::LinkBaseUrl,
            "La dirección del enlace debe empezar con https:// (o http:// en pruebas).",
        );
        let in_range = |v: u32, lo: u32, hi: u32| (lo..=hi).contains(&v);
        require(
            in_range(self.validation_ttl_hours, 1, 168),
            Field::ValidationTtlHours,
            "La vigencia del enlace va de 1 a 168 horas.",
        );
        require(
            in_range(self.pending_expiry_hours, 1, 720),
            Field::PendingExpiryHours,
            "La caducidad de un registro pendiente va de 1 a 720 horas.",
        );
        require(
            self.pending_expiry_hours >= self.validation_ttl_hours,
            Field::PendingExpiryHours,
            "Un registro pendiente no puede caducar antes que su enlace de validación.",
        );
        require(
            in_range(self.resend_cooldown_secs, 0, 3600),
            Field::ResendCooldownSecs,
            "La espera entre reenvíos va de 0 a 3600 segundos.",
        );
        require(
            in_range(self.session_lock_minutes, 1, 240),
            Field::SessionLockMinutes,
            "El bloqueo por inactividad va de 1 a 240 minutos.",
        );
        require(
            in_range(self.max_code_attempts, 1, 20),
            Field::MaxCodeAttempts,
            "Los intentos de código van de 1 a 20.",
        );
        require(
            in_range(self.max_serial_failures, 1, 50),
            Field::MaxSerialFailures,
            "Los intentos de número de serie van de 1 a 50.",
        );
        require(
            in_range(self.serial_lock_minutes, 1, 1440),
            Field::SerialLockMinutes,
            "El bloqueo va de 1 a 1440 minutos.",
        );
        require(
            in_range(self.outbox_max_attempts, 1, 50),
            Field::OutboxMaxAttempts,
            "Los intentos de envío van de 1 a 50.",
        );
        require(
            in_range(self.delivery_promise_minutes, 1, 1440),
            Field::DeliveryPromiseMinutes,
            "El plazo de envío va de 1 a 1440 minutos.",
        );
        require(
            in_range(self.clock_skew_warning_minutes, 1, 1440),
            Field::ClockSkewWarningMinutes,
            "La diferencia de hora tolerada va de 1 a 1440 minutos.",
        );
        let central_url = match self.central_url.trim() {
            "" => Ok(()),
            url => central_connect_options(url).map(|_| ()),
        };
        require(
            is_pem_certificate_or_empty(&self.central_root_certificate_pem),
            Field::CentralRootCertificate,
            "El certificado raíz de la base central debe estar en formato PEM (de -----BEGIN CERTIFICATE----- a -----END CERTIFICATE-----).",
        );
        require(
            self.update_url.trim().is_empty() || is_allowed_update_url(self.update_url.trim()),
            Field::UpdateUrl,
            "La dirección de actualizaciones debe empezar con https:// (http:// solo en este mismo equipo).",
        );
        require(
            self.backup_folder.trim().is_empty()
                || std::path::Path::new(self.backup_folder.trim()).is_absolute(),
            Field::BackupFolder,
            "La carpeta de copias de seguridad debe ser una ruta completa (por ejemplo, E:\\copias o \\\\servidor\\copias), o quedar vacía para usar la carpeta de datos.",
        );
        require(
            in_range(self.backups_kept, 1, 365),
            Field::BackupsKept,
            "Las copias de seguridad que se conservan van de 1 a 365.",
        );
        require(
            in_range(self.retention_years, 1, 50),
            Field::RetentionYears,
            "Los años que se conservan los datos de un registro cerrado van de 1 a 50.",
        );
        if let Some(smtp) = &self.smtp {
            require(
                !smtp.host.trim().is_empty(),
                Field::SmtpHost,
                "Escriba el servidor de correo.",
            );
            require(
                smtp.port > 0,
                Field::SmtpPort,
                "Escriba el puerto del servidor de correo.",
            );
            require(
                smtp.security != SmtpSecurity::Plain || is_loopback(&smtp.host),
                Field::SmtpSecurity,
                "Sin cifrado solo se permite un servidor en este mismo equipo (localhost); use STARTTLS o TLS.",
            );
            require(
                in_range(smtp.timeout_secs, 1, 300),
                Field::SmtpTimeoutSecs,
                "El tiempo de espera va de 1 a 300 segundos.",
            );
            require(
                in_range(smtp.pool_size, 1, 10),
                Field::SmtpPoolSize,
                "Las conexiones van de 1 a 10.",
            );
            require(
                is_pem_certificate_or_empty(&smtp.root_certificate_pem),
                Field::SmtpRootCertificate,
                "El certificado raíz debe estar en formato PEM (-----BEGIN CERTIFICATE-----).",
            );
        }
        if let Err(e) = central_url {
            errors.push(e);
        }
        // Names that go into every registration, receipt and email: printable text of a
        // sensible length, nothing hidden that could reorder or break what is shown.
        for (value, field, label) in [
            (&self.office, Field::Office, "El nombre de la oficina"),
            (
                &self.workstation,
                Field::Workstation,
                "El nombre de la estación",
            ),
            (
                &self.sender_name,
                Field::SenderName,
                "El nombre del remitente",
            ),
        ] {
            let length = value.chars().count();
            if length > MAX_NAME_CHARS {
                errors.push(FieldError::new(
                    field,
                    "longitud",
                    format!("{label} admite hasta {MAX_NAME_CHARS} caracteres (tiene {length})."),
                ));
            } else if let Err(e) = crate::domain::refuse_hidden(value, field, label) {
                errors.push(e);
            }
        }
        if !self.sign_in_url.is_empty() && !is_plain_web_address(&self.sign_in_url) {
            errors.push(FieldError::new(
                Field::SignInUrl,
                "no_valido",
                format!(
                    "La dirección de la página de primer ingreso debe ser una dirección web completa (https://servidor/ruta), de hasta {MAX_URL_CHARS} caracteres, sin espacios, comillas, caracteres invisibles ni los signos < > {{ }} | \\ ^ `; o déjela vacía."
                ),
            ));
        }
        if !self.link_base_url.is_empty() && !is_plain_web_address(&self.link_base_url) {
            errors.push(FieldError::new(
                Field::LinkBaseUrl,
                "no_valido",
                format!(
                    "La dirección del enlace debe ser una dirección web completa (https://servidor/ruta), de hasta {MAX_URL_CHARS} caracteres, sin espacios, comillas, caracteres invisibles ni los signos < > {{ }} | \\ ^ `."
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The longest office, station or sender name a settings screen accepts.
const MAX_NAME_CHARS: usize = 120;
/// The longest link address: it goes into every validation email.
const MAX_URL_CHARS: usize = 300;

/// `http(s)://` and a server name, then only the printable ASCII a link keeps intact in a
/// plain-text email and an HTML attribute.
impl Settings {
    /// Where the temporary-password email sends the affiliate to sign in: the setting, or
    /// else the central service's page beside the validation link (`…/validar` →
    /// `…/entrar`, the service serves both); `None` when neither is known.
    pub fn sign_in_address(&self) -> Option<String> {
        let set = self.sign_in_url.trim();
        if !set.is_empty() {
            return Some(set.to_owned());
        }
        let link = self.link_base_url.trim();
        let path = link.split(['?', '#']).next().unwrap_or(link);
        path.strip_suffix("/validar")
            .filter(|base| is_plain_web_address(link) && base.contains("://"))
            .map(|base| format!("{base}/entrar"))
    }
}

fn is_plain_web_address(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    url.len() <= MAX_URL_CHARS
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']'))
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !"\"'<>{}|\\^`".contains(c))
}

/// Empty, or one or more PEM certificates that the TLS layer itself can read.
pub fn is_pem_certificate_or_empty(pem: &str) -> bool {
    use rustls_pki_types::{CertificateDer, pem::PemObject};
    let pem = pem.trim();
    if pem.is_empty() {
        return true;
    }
    let certificates: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem.as_bytes()).collect();
    matches!(certificates, Ok(c) if !c.is_empty())
}

/// The connection options of a central database URL (a station's, or the central
/// service's own), with the transport rule applied: to any host but this machine the
/// connection is encrypted and the server's certificate is verified against its name
/// (`sslmode=verify-full`, the default); a URL asking for less (`disable`, `allow`,
/// `prefer`, `require`, `verify-ca`) is refused. To a loopback address or a local socket
/// the URL's own `sslmode` applies (nothing on the wire leaves the machine).
pub fn central_connect_options(url: &str) -> Result<PgConnectOptions, FieldError> {
    let invalid = || {
        FieldError::new(
            Field::CentralUrl,
            "no_valido",
            "La dirección de la base central debe ser como postgres://oficina@servidor:5432/registro.",
        )
    };
    let url = url.trim();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(invalid());
    }
    let options = PgConnectOptions::from_str(url).map_err(|_| invalid())?;
    let host = options.get_host();
    if host.starts_with('/') || is_loopback(host) {
        return Ok(options);
    }
    match asked_ssl_mode(url) {
        None => Ok(options.ssl_mode(PgSslMode::VerifyFull)),
        Some(mode) if mode.eq_ignore_ascii_case("verify-full") => Ok(options),
        Some(_) => Err(FieldError::new(
            Field::CentralUrl,
            "sin_cifrar",
            "La dirección de la base central pide una conexión sin cifrar o sin verificar (sslmode): con un servidor que no es este equipo la conexión va cifrada y verificada. Quite el sslmode de la dirección o use sslmode=verify-full.",
        )),
    }
}

/// The `sslmode` a URL asks for, if it names one.
fn asked_ssl_mode(url: &str) -> Option<&str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        matches!(key, "sslmode" | "ssl-mode").then_some(value)
    })
}

/// `localhost` or a loopback address: the only hosts allowed without encryption.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An update manifest's address: https, or plain http only to this same machine (a test
/// server), since the manifest itself is not signed. No credentials in it, no spaces.
pub fn is_allowed_update_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let (rest, secure) = match (
        lower.strip_prefix("https://"),
        lower.strip_prefix("http://"),
    ) {
        (Some(rest), _) => (rest, true),
        (_, Some(rest)) => (rest, false),
        _ => return false,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    !host.is_empty()
        && !authority.contains('@')
        && !url.chars().any(char::is_whitespace)
        && (secure || is_loopback(host))
}

fn default_workstation() -> String {
    // COMPUTERNAME on Windows, HOSTNAME on most Linux shells; a fixed name otherwise.
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "ESTACION-01".to_owned())
}

/// The institute's contact details shown in emails and on screen (from the official
/// description of service BC-ISSSTECALI-004). The responsible officer's personal name and
/// mailbox are left out on purpose: they change, and a person's inbox is not a help desk.
pub struct InstituteContact;

impl InstituteContact {
    pub const NAME: &'static str = "Instituto de Seguridad y Servicios Sociales de los Trabajadores del Gobierno y Municipios del Estado de Baja California (ISSSTECALI)";
    pub const OFFICE: &'static str = "Departamento de Desarrollo del Área Administrativa";
    pub const ADDRESS: &'static str =
        "Calle Calafia 1115, Centro Cívico, Mexicali, B.C., C.P. 21000";
    pub const PHONE: &'static str = "686 551 6100, extensión 6137";
    pub const HOURS: &'static str = "lunes a jueves de 08:00 a 15:00 y viernes de 08:00 a 14:30";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_address_is_the_setting_or_the_central_service_s_page_beside_the_link() {
        let with = |link: &str, sign_in: &str| Settings {
            link_base_url: link.into(),
            sign_in_url: sign_in.into(),
            ..Settings::default()
        };
        assert_eq!(
            with("https://servicios.example.com/validar", "").sign_in_address(),
            Some("https://servicios.example.com/entrar".into())
        );
        assert_eq!(
            with(
                "https://servicios.example.com/rsl/validar?origen=correo",
                ""
            )
            .sign_in_address(),
            Some("https://servicios.example.com/rsl/entrar".into())
        );
        assert_eq!(
            with(
                "https://servicios.example.com/validar",
                "https://portal.example.com/primer-ingreso"
            )
            .sign_in_address(),
            Some("https://portal.example.com/primer-ingreso".into())
        );
        // A link elsewhere than the central service's page: nothing is guessed.
        assert_eq!(
            with("https://enlaces.example.com/v", "").sign_in_address(),
            None
        );
        let refused = with("https://servicios.example.com/validar", "entrar aquí")
            .validate()
            .unwrap_err();
        assert_eq!(refused[0].field, Field::SignInUrl);
    }

    #[test]
    fn a_saved_file_is_judged_like_the_screen_and_names_the_setting_at_fault() {
        let wrong_kind = serde_json::json!({"smtp": {"host": "smtp.example.org", "port": "veinticinco",
            "security": "starttls", "username": "", "timeout_secs": 20, "pool_size": 2}});
        let problem = Settings::from_saved(wrong_kind).unwrap_err();
        assert_eq!(problem.setting, "smtp.port");
        assert!(
            problem.message.contains("«smtp.port»"),
            "{}",
            problem.message
        );

        let refused = serde_json::json!({"sender_address": "no es un correo"});
        let problem = Settings::from_saved(refused).unwrap_err();
        assert_eq!(problem.field, Some(Field::SenderAddress));
        assert_eq!(problem.setting, "sender_address");
        assert!(
            problem
                .message
                .contains("El correo del remitente no es válido.")
        );

        // Settings added since the file was written take their defaults.
        let older = serde_json::json!({"office": "Clínica Hospital Tijuana"});
        let settings = Settings::from_saved(older).unwrap();
        assert_eq!(settings.office, "Clínica Hospital Tijuana");
        assert_eq!(settings.workstation, Settings::default().workstation);
    }

    #[test]
    fn defaults_are_valid_and_plain_smtp_is_only_for_this_machine() {
        assert!(Settings::default().validate().is_ok());
        let mut s = Settings {
            smtp: Some(SmtpSettings {
                host: "smtp.example.org".into(),
                security: SmtpSecurity::Plain,
                ..Default::default()
            }),
            ..Default::default()
        };
        let errors = s.validate().unwrap_err();
        assert_eq!(errors[0].field, Field::SmtpSecurity);
        s.smtp.as_mut().unwrap().host = "127.0.0.1".into();
        assert!(s.validate().is_ok());
        assert!(is_loopback("localhost") && is_loopback("::1") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn the_central_database_is_verified_unless_it_is_this_machine() {
        let mode = |url: &str| central_connect_options(url).map(|o| o.get_ssl_mode());
        assert!(matches!(
            mode("postgres://oficina@central.issstecali.example:5432/registro"),
            Ok(PgSslMode::VerifyFull)
        ));
        assert!(matches!(
            mode("postgres://oficina@10.1.2.3/registro?sslmode=verify-full"),
            Ok(PgSslMode::VerifyFull)
        ));
        for weak in ["disable", "allow", "prefer", "require", "verify-ca"] {
            let url =
                format!("postgres://oficina@central.issstecali.example/registro?sslmode={weak}");
            let error = central_connect_options(&url).unwrap_err();
            assert_eq!(
                (error.field, error.code),
                (Field::CentralUrl, "sin_cifrar"),
                "{weak}"
            );
            let settings = Settings {
                central_url: url,
                ..Default::default()
            };
            assert_eq!(settings.validate().unwrap_err()[0].field, Field::CentralUrl);
        }
        // This same machine: the URL's own mode, plaintext included.
        assert!(matches!(
            mode("postgres://oficina@127.0.0.1:5432/registro?sslmode=disable"),
            Ok(PgSslMode::Disable)
        ));
        assert!(matches!(
            mode("postgres://oficina@localhost/registro"),
            Ok(PgSslMode::Prefer)
        ));
        assert_eq!(
            central_connect_options("mysql://x@y/z").unwrap_err().code,
            "no_valido"
        );
        let settings = Settings {
            central_root_certificate_pem: "no es un certificado".into(),
            ..Default::default()
        };
        assert_eq!(
            settings.validate().unwrap_err()[0].field,
            Field::CentralRootCertificate
        );
    }

    #[test]
    fn updates_come_over_https_or_from_this_machine() {
        for ok in [
            "https://intranet.issstecali.example/registro/latest.json",
            "HTTPS://intranet:8443/latest.json",
            "http://127.0.0.1:41234/latest.json",
            "http://localhost/latest.json",
            "http://[::1]:8080/latest.json",
        ] {
            assert!(is_allowed_update_url(ok), "{ok}");
        }
        for bad in [
            "http://intranet.issstecali.example/latest.json",
            "http://127.0.0.1.example.org/latest.json",
            "ftp://intranet/latest.json",
            "https://usuario:clave@intranet/latest.json",
            "https:///latest.json",
            "https://intranet/ultima version.json",
            "intranet/latest.json",
        ] {
            assert!(!is_allowed_update_url(bad), "{bad}");
        }
        let s = Settings {
            update_url: "http://intranet/latest.json".into(),
            ..Default::default()
        };
        assert_eq!(s.validate().unwrap_err()[0].field, Field::UpdateUrl);
        let s = Settings {
            update_url: " https://intranet/latest.json ".into(),
            ..Default::default()
        };
        assert!(s.validate().is_ok(), "the station trims what was typed");
        assert!(
            Settings::default().update_url.is_empty(),
            "the defaults never call out"
        );
    }

    #[test]
    fn every_bad_setting_is_named() {
        let s = Settings {
            office: " ".into(),
            sender_address: "x".into(),
            validation_ttl_hours: 0,
            ..Default::default()
        };
        let fields: Vec<Field> = s.validate().unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::Office,
                Field::SenderAddress,
                Field::ValidationTtlHours
            ]
        );
    }
}
