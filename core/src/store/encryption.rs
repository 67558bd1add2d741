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

/// SQLCipher's page size: every database it writes is a whole number of pages.
const PAGE: u64 = 4096;

/// A wrong key or a foreign file told as such; any other failure stays a storage error.
/// Both read as random bytes to SQLCipher; a file that cannot be a database of whole
/// pages is foreign (or cut short), anything else is taken for a key that does not fit.
pub(super) fn unreadable(e: sqlx::Error, path: &Path) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(NOT_A_DATABASE) => {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size < PAGE || !size.is_multiple_of(PAGE) {
                tracing::error!(error = %e, file = %path.display(), size, "database file is not a database");
                Error::DatabaseForeign(path.display().to_string())
            } else {
                tracing::error!(error = %e, file = %path.display(), "database not opened by this key");
                Error::DatabaseUnreadable(path.display().to_string())
            }
        }
        _ => Error::from(e),
    }
}

/// Refuses, before any connection opens it, an existing file that cannot be an encrypted
/// database of whole pages. A connection would read the journal (`-wal`) left beside it
/// and, on closing, copy its pages into the file: the broken file must stay as it is for
/// whoever looks at it.
pub(super) fn refuse_partial_pages(path: &Path) -> Result<()> {
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::Internal(format!("{}: {e}", path.display()))),
    };
    if size > 0 && !size.is_multiple_of(PAGE) {
        tracing::error!(file = %path.display(), size, "database file is not whole pages");
        return Err(Error::DatabaseForeign(path.display().to_string()));
    }
    Ok(())
}

/// A database in clear is encrypted only when it is this app's own (an installation from
/// before encryption: it has sqlx's migration table, or nothing at all yet). Another
/// program's SQLite file is left as it is (only read; SQLite may fold a write-ahead log
/// it left into it, which changes no row: an old station in WAL mode needs that to open).
pub(super) async fn ensure_ours_in_clear(path: &Path) -> Result<()> {
    let foreign = |cause: String| {
        tracing::error!(file = %path.display(), %cause, "database in clear is not this app's");
        Error::DatabaseForeign(path.display().to_string())
    };
    let options = SqliteConnectOptions::new().filename(path);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| foreign(e.to_string()))?;
    let tables: std::result::Result<(i64, i64), sqlx::Error> = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE name = '_sqlx_migrations') FROM sqlite_master WHERE type = 'table'",
    )
    .fetch_one(&mut conn)
    .await;
    let _ = conn.close().await;
    match tables {
        Ok((0, _)) | Ok((_, 1)) => Ok(()),
        Ok(_) => Err(foreign("tables of another program".into())),
        Err(e) => Err(foreign(e.to_string())),
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
