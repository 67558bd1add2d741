//! The passwords of the SMTP server and of the central database, kept in the operating
//! system's credential store (Windows Credential Manager; the Secret Service on Linux)
//! and never in the settings file or a log. Where no store answers, they are kept in
//! memory only, and the screen says so.
//!
//! The same store keeps each data folder's database key. Where it does not answer, the key
//! goes to a file of the data folder and registrations wait for a supervisor (see
//! [`SecretStore::database_key`]).

use registro_core::DataPaths;
use registro_core::store::{DatabaseKey, Store};
use serde::Serialize;
use std::sync::Mutex;

/// The app's service name in the OS credential store.
pub const SERVICE: &str = "mx.gob.issstecali.registroenlinea";

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

fn os_get(service: &str, secret: Secret) -> Result<Option<String>, String> {
    os_get_account(service, secret.account())
}

fn os_set(service: &str, secret: Secret, password: &str) -> Result<(), String> {
    os_set_account(service, secret.account(), password)
}

#[cfg(any(windows, target_os = "linux"))]
fn entry(service: &str, account: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(service, account).map_err(|e| e.to_string())
}

#[cfg(any(windows, target_os = "linux"))]
fn os_get_account(service: &str, account: &str) -> Result<Option<String>, String> {
    match entry(service, account)?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(any(windows, target_os = "linux"))]
fn os_set_account(service: &str, account: &str, password: &str) -> Result<(), String> {
    let entry = entry(service, account)?;
    if password.is_empty() {
        return match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
    }
    entry.set_password(password).map_err(|e| e.to_string())
}

#[cfg(not(any(windows, target_os = "linux")))]
fn os_get_account(_: &str, _: &str) -> Result<Option<String>, String> {
    Err("sin almacén en este sistema".into())
}

#[cfg(not(any(windows, target_os = "linux")))]
fn os_set_account(_: &str, _: &str, _: &str) -> Result<(), String> {
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

    /// A store that never asks the OS (as where none answers): for the tests of a
    /// station without a credential store, on machines that have one.
    pub fn memory_only() -> Self {
        Self {
            service: String::new(),
            smtp: Mutex::new(None),
            central: Mutex::new(None),
            status: Mutex::new(Self::memory_status()),
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

    /// The key of the database in `paths`, and whether it is kept on disk (no credential
    /// store answered). In order: a key file left by a start without a store (moved into
    /// the store as soon as one answers), the store's entry for this data folder, or a new
    /// key, in the store when there is one and else in the key file. A new key is never
    /// made for a database already encrypted: that would lock its data away for good.
    /// Blocking: call it off the async threads.
    pub fn database_key(&self, paths: &DataPaths) -> registro_core::Result<(DatabaseKey, bool)> {
        let file = paths.key_file();
        let account = database_key_account(paths);
        let persistent = self.status().persistent;
        if let Some(key) = DatabaseKey::read_file(&file)? {
            if persistent && self.keep_in_store(&account, &key) {
                // The store holds it now; the file would only be a copy beside the data.
                if let Err(e) = std::fs::remove_file(&file) {
                    tracing::warn!(error = %e, "could not remove the moved key file");
                }
                tracing::info!("database key moved from its file to the credential store");
                return Ok((key, false));
            }
            return Ok((key, true));
        }
        if persistent {
            match os_get_account(&self.service, &account) {
                Ok(Some(hex)) => {
                    return DatabaseKey::from_hex(&hex)
                        .map(|key| (key, false))
                        .ok_or_else(|| {
                            registro_core::Error::DatabaseKeyFile(format!(
                                "la entrada «{account}» de {}",
                                os_store_name()
                            ))
                        });
                }
                Ok(None) => {
                    if Store::is_encrypted(&paths.database())? {
                        return Err(registro_core::Error::DatabaseUnreadable(
                            paths.database().display().to_string(),
                        ));
                    }
                    let key = DatabaseKey::generate();
                    if self.keep_in_store(&account, &key) {
                        return Ok((key, false));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "credential store did not answer"),
            }
        }
        if Store::is_encrypted(&paths.database())? {
            return Err(registro_core::Error::DatabaseKeyUnavailable(
                os_store_name().to_owned(),
            ));
        }
        tracing::warn!("no credential store: the database key is kept in the data folder");
        Ok((DatabaseKey::in_file(&file)?, true))
    }

    /// Saves `key` in the OS store and reads it back: only a key the store returns may
    /// replace the file.
    fn keep_in_store(&self, account: &str, key: &DatabaseKey) -> bool {
        let hex = key.to_hex();
        match os_set_account(&self.service, account, &hex)
            .and_then(|()| os_get_account(&self.service, account))
        {
            Ok(Some(back)) if back == hex => true,
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "could not keep the database key in the OS store");
                false
            }
        }
    }

    /// Removes the key of the database in `paths` from the OS store (the tests' clean-up;
    /// the database cannot be opened afterwards).
    pub fn forget_database_key(&self, paths: &DataPaths) {
        if let Err(e) = os_set_account(&self.service, &database_key_account(paths), "") {
            tracing::warn!(error = %e, "could not remove the database key");
        }
    }
}

/// The database key's account name, one per data folder, so two installs side by side
/// (or the tests' folders) never share or overwrite a key. The path is hashed: it may
/// name the Windows user.
pub fn database_key_account(paths: &DataPaths) -> String {
    let root = std::fs::canonicalize(&paths.root).unwrap_or_else(|_| paths.root.clone());
    let digest = registro_core::security::sha256_hex(&root.to_string_lossy());
    format!("clave-base-local:{}", &digest[..16])
}
