//! The SMTP password, kept in the operating system's credential store (Windows
//! Credential Manager; the Secret Service on Linux) and never in the settings file or a
//! log. Where no store answers, it is kept in memory only, and the screen says so.

use serde::Serialize;
use std::sync::Mutex;

const SERVICE: &str = "mx.gob.issstecali.registroenlinea";
const SMTP_ACCOUNT: &str = "smtp";

#[derive(Debug, Clone, Serialize)]
pub struct SecretStoreStatus {
    /// The OS store answered; the password survives a restart.
    pub persistent: bool,
    pub description: String,
}

pub struct SecretStore {
    memory: Mutex<Option<String>>,
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
fn entry() -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, SMTP_ACCOUNT).map_err(|e| e.to_string())
}

#[cfg(any(windows, target_os = "linux"))]
fn os_get() -> Result<Option<String>, String> {
    match entry()?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(any(windows, target_os = "linux"))]
fn os_set(password: &str) -> Result<(), String> {
    let entry = entry()?;
    if password.is_empty() {
        return match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
    }
    entry.set_password(password).map_err(|e| e.to_string())
}

#[cfg(not(any(windows, target_os = "linux")))]
fn os_get() -> Result<Option<String>, String> {
    Err("sin almacén en este sistema".into())
}

#[cfg(not(any(windows, target_os = "linux")))]
fn os_set(_: &str) -> Result<(), String> {
    Err("sin almacén en este sistema".into())
}

impl SecretStore {
    /// Reads the stored password, finding out whether the OS store is there at all.
    /// Blocking (D-Bus or Win32 calls): call it off the async threads.
    pub fn open() -> Self {
        let (password, status) = match os_get() {
            Ok(p) => (p, Self::persistent_status()),
            Err(e) => {
                // The reason names the store's failure, never a secret.
                tracing::warn!(error = %e, "no OS credential store; SMTP password kept in memory only");
                (None, Self::memory_status())
            }
        };
        Self {
            memory: Mutex::new(password),
            status: Mutex::new(status),
        }
    }

    fn persistent_status() -> SecretStoreStatus {
        SecretStoreStatus {
            persistent: true,
            description: format!("La contraseña del correo se guarda en {}.", os_store_name()),
        }
    }

    fn memory_status() -> SecretStoreStatus {
        SecretStoreStatus {
            persistent: false,
            description: format!(
                "No hay un almacén de contraseñas disponible ({}): la contraseña del correo se guarda solo en memoria y habrá que escribirla otra vez al abrir la aplicación.",
                os_store_name()
            ),
        }
    }

    pub fn smtp_password(&self) -> Option<String> {
        self.memory.lock().expect("secret lock").clone()
    }

    /// Keeps a new password (empty removes it), in the OS store when there is one.
    /// Blocking: call it off the async threads.
    pub fn set_smtp_password(&self, password: &str) {
        let status = match os_set(password) {
            Ok(()) => Self::persistent_status(),
            Err(e) => {
                tracing::warn!(error = %e, "could not save the SMTP password in the OS store; memory only");
                Self::memory_status()
            }
        };
        *self.status.lock().expect("secret lock") = status;
        *self.memory.lock().expect("secret lock") =
            (!password.is_empty()).then(|| password.to_owned());
    }

    pub fn status(&self) -> SecretStoreStatus {
        self.status.lock().expect("secret lock").clone()
    }
}
