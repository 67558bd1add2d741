//! The passwords of the SMTP server and of the central database, kept in the operating
//! system's credential store (Windows Credential Manager; the Secret Service on Linux)
//! and never in the settings file or a log. Where no store answers, they are kept in
//! memory only, and the screen says so.

use serde::Serialize;
use std::sync::Mutex;

const SERVICE: &str = "mx.gob.issstecali.registroenlinea";

/// Which password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    Smtp,
    Central,
}

impl Secret {
    fn account(self) -> &'static str {
        match self {
            Secret::Smtp => "smtp",
            Secret::Central => "base-central",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SecretStoreStatus {
    /// The OS store answered; the password survives a restart.
    pub persistent: bool,
    pub description: String,
}

pub struct SecretStore {
    service: String,
    smtp: Mutex<Option<String>>,
    central: Mutex<Option<String>>,
    status: Mutex<SecretStoreStatus>,
}

fn os_store_name() -> &'static str {
    if cfg!(windows) {
        "el Administrador de credenciales de Windows"
    } else {
        "el almacén de contraseñas del sistema (Secret Service)"
    }
}

#[cfg(any(windows, target_os = "linux"))]
fn entry(service: &str, secret: Secret) -> Result<keyring::Entry, String> {
    keyring::Entry::new(service, secret.account()).map_err(|e| e.to_string())
}

#[cfg(any(windows, target_os = "linux"))]
fn os_get(service: &str, secret: Secret) -> Result<Option<String>, String> {
    match entry(service, secret)?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(any(windows, target_os = "linux"))]
fn os_set(service: &str, secret: Secret, password: &str) -> Result<(), String> {
    let entry = entry(service, secret)?;
    if password.is_empty() {
        return match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
    }
    entry.set_password(password).map_err(|e| e.to_string())
}

#[cfg(not(any(windows, target_os = "linux")))]
fn os_get(_: &str, _: Secret) -> Result<Option<String>, String> {
    Err("sin almacén en este sistema".into())
}

#[cfg(not(any(windows, target_os = "linux")))]
fn os_set(_: &str, _: Secret, _: &str) -> Result<(), String> {
    Err("sin almacén en este sistema".into())
}

impl SecretStore {
    /// Reads the stored password, finding out whether the OS store is there at all.
    /// Blocking (D-Bus or Win32 calls): call it off the async threads.
    pub fn open() -> Self {
        Self::open_for(SERVICE)
    }

    /// The same, under another service name: tests use their own, so they never read or
    /// overwrite the passwords of an installed app on the same Windows account.
    pub fn open_for(service: &str) -> Self {
        let (smtp, status) = match os_get(service, Secret::Smtp) {
            Ok(p) => (p, Self::persistent_status()),
            Err(e) => {
                // The reason names the store's failure, never a secret.
                tracing::warn!(error = %e, "no OS credential store; passwords kept in memory only");
                (None, Self::memory_status())
            }
        };
        let central = if status.persistent {
            os_get(service, Secret::Central).ok().flatten()
        } else {
            None
        };
        Self {
            service: service.to_owned(),
            smtp: Mutex::new(smtp),
            central: Mutex::new(central),
            status: Mutex::new(status),
        }
    }

    fn slot(&self, secret: Secret) -> &Mutex<Option<String>> {
        match secret {
            Secret::Smtp => &self.smtp,
            Secret::Central => &self.central,
        }
    }

    fn persistent_status() -> SecretStoreStatus {
        SecretStoreStatus {
            persistent: true,
            description: format!("Las contraseñas se guardan en {}.", os_store_name()),
        }
    }

    fn memory_status() -> SecretStoreStatus {
        SecretStoreStatus {
            persistent: false,
            description: format!(
                "No hay un almacén de contraseñas disponible ({}): las contraseñas se guardan solo en memoria y habrá que escribirlas otra vez al abrir la aplicación.",
                os_store_name()
            ),
        }
    }

    pub fn get(&self, secret: Secret) -> Option<String> {
        self.slot(secret).lock().expect("secret lock").clone()
    }

    /// Keeps a new password (empty removes it), in the OS store when there is one.
    /// Blocking: call it off the async threads.
    pub fn set(&self, secret: Secret, password: &str) {
        let status = match os_set(&self.service, secret, password) {
            Ok(()) => Self::persistent_status(),
            Err(e) => {
                tracing::warn!(error = %e, "could not save a password in the OS store; memory only");
                Self::memory_status()
            }
        };
        *self.status.lock().expect("secret lock") = status;
        *self.slot(secret).lock().expect("secret lock") =
            (!password.is_empty()).then(|| password.to_owned());
    }

    pub fn status(&self) -> SecretStoreStatus {
        self.status.lock().expect("secret lock").clone()
    }
}
