//! Settings that vary between offices. Defaults are the embedded demo setup.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Office (clinic or satellite office) where the workstation sits.
    pub office: String,
    /// This workstation's name, recorded with every consent and audit event.
    pub workstation: String,
    /// The clerk recorded on consents and audit events until clerk sign-in exists.
    pub clerk: String,
    /// Base of the validation link in the email; the token is appended.
    pub link_base_url: String,
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            office: "Oficina de demostración".to_owned(),
            workstation: default_workstation(),
            clerk: "capturista-demo".to_owned(),
            link_base_url: "https://servicios.example.org/validar".to_owned(),
            sender_name: "Servicios en Línea ISSSTECALI".to_owned(),
            sender_address: "no-responder@example.org".to_owned(),
            validation_ttl_hours: 24,
            max_code_attempts: 5,
            max_serial_failures: 5,
            serial_lock_minutes: 15,
            outbox_max_attempts: 8,
        }
    }
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
