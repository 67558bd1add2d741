//! The local database's key: 32 random bytes, kept by the shell in the operating system's
//! credential store (as hex), or in a file of the data folder where there is none.

use crate::error::{Error, Result};
use rand::RngCore;
use rand::rngs::OsRng;
use std::io::Write;
use std::path::Path;

/// What `plaintext_for_comparison` stands for (no random key is all zeroes in practice).
#[cfg(feature = "plaintext-comparison")]
const PLAINTEXT: [u8; 32] = [0; 32];

/// The raw SQLCipher key of one data folder's database. Its `Debug` hides the bytes, so
/// a key in a logged struct never reaches the log.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

impl DatabaseKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key as the credential store keeps it: 64 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads a key kept by [`DatabaseKey::to_hex`]; `None` when it is not one.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// SQLCipher's raw-key form, `x'<hex>'`: the bytes are the key itself, so no key
    /// derivation runs at each connection. `None`: no key, the database stays in clear.
    pub(crate) fn sqlcipher_literal(&self) -> Option<String> {
        #[cfg(feature = "plaintext-comparison")]
        if self.0 == PLAINTEXT {
            return None;
        }
        Some(format!("x'{}'", self.to_hex()))
    }

    /// No encryption at all: only for the benchmark that measures what encryption costs
    /// (a feature no build of the app turns on).
    #[cfg(feature = "plaintext-comparison")]
    pub fn plaintext_for_comparison() -> Self {
        Self(PLAINTEXT)
    }

    /// The key kept in `file`, or a new one written there (readable by its user only)
    /// when there is no file yet. For stations without a credential store, and tests.
    pub fn in_file(file: &Path) -> Result<Self> {
        if let Some(key) = Self::read_file(file)? {
            return Ok(key);
        }
        let key = Self::generate();
        key.write_file(file)?;
        Ok(key)
    }

    /// The key kept in `file`; `None` when there is no such file.
    pub fn read_file(file: &Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(file) {
            Ok(text) => Self::from_hex(&text).map(Some).ok_or_else(|| {
                Error::DatabaseKeyFile(format!("{} no contiene una clave válida", file.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::DatabaseKeyFile(format!("{}: {e}", file.display()))),
        }
    }

    /// Writes the key to a new file, readable and writable by its user only on Unix (on
    /// Windows the per-user data folder already is). Never replaces an existing file: an
    /// old key may be the only one that opens the database.
    pub fn write_file(&self, file: &Path) -> Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let failed = |e: std::io::Error| Error::DatabaseKeyFile(format!("{}: {e}", file.display()));
        let mut out = options.open(file).map_err(failed)?;
        out.write_all(self.to_hex().as_bytes()).map_err(failed)?;
        out.sync_all().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_debug_hides_the_key() {
        let key = DatabaseKey::generate();
        assert_eq!(DatabaseKey::from_hex(&key.to_hex()), Some(key.clone()));
        assert_eq!(key.to_hex().len(), 64);
        assert!(!format!("{key:?}").contains(&key.to_hex()[..8]));
        assert_ne!(DatabaseKey::generate(), key);
        assert_eq!(DatabaseKey::from_hex("abcd"), None);
        assert_eq!(DatabaseKey::from_hex(&"zz".repeat(32)), None);
    }

    #[test]
    fn a_key_file_is_created_once_for_its_user_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clave-base-local.key");
        let key = DatabaseKey::in_file(&file).unwrap();
        assert_eq!(DatabaseKey::in_file(&file).unwrap(), key);
        assert!(
            key.write_file(&file).is_err(),
            "an existing key file is never replaced"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&file, "no es una clave").unwrap();
        assert_eq!(
            DatabaseKey::read_file(&file).unwrap_err().code(),
            "clave_base_ilegible"
        );
    }
}
