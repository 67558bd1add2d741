//! Encryption at rest: recognising a database SQLCipher could not open, and encrypting
//! once the clear database of a station installed before encryption.

use super::key::DatabaseKey;
use crate::error::{Error, Result};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The first 16 bytes of every SQLite file kept in clear.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// SQLite's SQLITE_NOTADB: a wrong key, or a file that is no database.
const NOT_A_DATABASE: &str = "26";

/// Whether `path` is a database in clear (an installation from before encryption).
pub(super) fn is_plaintext(path: &Path) -> Result<bool> {
    let mut header = [0u8; 16];
    match std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)) {
        Ok(()) => Ok(&header == PLAIN_HEADER),
        // No file yet, or too short to be a database in clear.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(Error::Internal(format!("{}: {e}", path.display()))),
    }
}

/// A wrong key or a foreign file told as such; any other failure stays a storage error.
pub(super) fn unreadable(e: sqlx::Error, path: &Path) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(NOT_A_DATABASE) => {
            tracing::error!(error = %e, file = %path.display(), "database not opened by this key");
            Error::DatabaseUnreadable(path.display().to_string())
        }
        _ => Error::from(e),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Encrypts a clear database with `key`: SQLCipher copies it into a new encrypted file
/// (`sqlcipher_export`, the schema version included), which then takes the old one's
/// place by a rename, so a crash leaves either the old file or the new one whole.
pub(super) async fn encrypt_in_place(path: &Path, key: &DatabaseKey) -> Result<()> {
    tracing::info!(file = %path.display(), "encrypting the database kept in clear");
    let encrypted = sibling(path, ".cifrando");
    for leftover in [
        encrypted.clone(),
        sibling(&encrypted, "-journal"),
        sibling(&encrypted, "-wal"),
        sibling(&encrypted, "-shm"),
    ] {
        remove_if_present(&leftover)?;
    }
    let internal = |e: sqlx::Error| Error::Internal(format!("encrypting the database: {e}"));
    // Opening replays a write-ahead log the old version may have left. ATTACH opens with
    // the main file's flags: without "create", it could not make the new file.
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(internal)?;
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut conn)
        .await
        .map_err(internal)?;
    sqlx::query("ATTACH DATABASE ? AS cifrada KEY ?")
        .bind(encrypted.to_string_lossy().into_owned())
        // SQLCipher's ATTACH takes no key as an empty one (the copy stays in clear).
        .bind(key.sqlcipher_literal().unwrap_or_default())
        .execute(&mut conn)
        .await
        .map_err(internal)?;
    sqlx::query("SELECT sqlcipher_export('cifrada')")
        .execute(&mut conn)
        .await
        .map_err(internal)?;
    sqlx::query(&format!("PRAGMA cifrada.user_version = {version}"))
        .execute(&mut conn)
        .await
        .map_err(internal)?;
    sqlx::query("DETACH DATABASE cifrada")
        .execute(&mut conn)
        .await
        .map_err(internal)?;
    // The last connection's close checkpoints the log into the clear file; what is left
    // of the log then only describes the file being replaced.
    conn.close().await.map_err(internal)?;
    for old in [sibling(path, "-wal"), sibling(path, "-shm")] {
        remove_if_present(&old)?;
    }
    std::fs::rename(&encrypted, path)
        .map_err(|e| Error::Internal(format!("replacing {}: {e}", path.display())))?;
    tracing::info!(file = %path.display(), "database encrypted");
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Internal(format!("{}: {e}", path.display()))),
    }
}
