//! Copies of the local database: taken whole by SQLite (`VACUUM INTO`), encrypted with the
//! same key as the database (SQLCipher gives the copy the main database's key), named by
//! the UTC instant they were taken so names sort by time, written under a temporary name
//! and renamed, so a copy cut short never counts. A restore checks the copy first and
//! keeps the database it replaces beside it, renamed: nothing is ever deleted.

use super::encryption;
use super::key::DatabaseKey;
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, SqlitePool};
use std::path::{Path, PathBuf};

/// A daily copy that could not be taken: when it first failed, and the last reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupFailure {
    pub since: DateTime<Utc>,
    pub last_attempt_at: DateTime<Utc>,
    pub message: String,
}

/// The folder inside the data folder where copies go unless the settings name another.
pub const DEFAULT_FOLDER: &str = "copias-de-seguridad";
const PREFIX: &str = "registro-";
const SUFFIX: &str = ".sqlite3";
/// `registro-AAAAMMDD-HHMMSS.sqlite3`, in UTC.
const STAMP: &str = "%Y%m%d-%H%M%S";
/// A copy being written; never listed, never restored.
const PARTIAL: &str = ".parcial";

/// Where copies go and how many are kept there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPlace {
    pub folder: PathBuf,
    pub keep: u32,
}

/// One copy in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupInfo {
    /// The file's name in the folder, which is how a restore names it.
    pub file_name: String,
    /// When it was taken (from its name).
    pub taken_at: DateTime<Utc>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_bytes: u64,
}

fn folder_error(folder: &Path, e: impl std::fmt::Display) -> Error {
    tracing::error!(folder = %folder.display(), error = %e, "backup folder unusable");
    Error::BackupFolder(folder.display().to_string())
}

/// Makes sure a finished file is on the disk before it is renamed into place. Opened for
/// writing: Windows flushes only a handle with write access, and refuses a read-only one
/// with «access denied» (Linux flushes either).
fn flush_to_disk(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .sync_all()
}

/// The instant a copy's file name says it was taken; `None` for any other file.
fn taken_at(file_name: &str) -> Option<DateTime<Utc>> {
    let stamp = file_name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| t.and_utc())
}

/// Copies the database behind `pool` into `place` as it is at `now`, then deletes the
/// oldest copies beyond `place.keep`. `encrypted`: the database is, so the copy must be.
pub(crate) async fn take(
    pool: &SqlitePool,
    encrypted: bool,
    place: &BackupPlace,
    now: DateTime<Utc>,
) -> Result<BackupInfo> {
    let folder = &place.folder;
    std::fs::create_dir_all(folder).map_err(|e| folder_error(folder, e))?;
    let file_name = format!("{PREFIX}{}{SUFFIX}", now.format(STAMP));
    let target = folder.join(&file_name);
    let partial = folder.join(format!("{file_name}{PARTIAL}"));
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(folder_error(folder, e));
        }
        _ => {}
    }
    sqlx::query("VACUUM INTO ?")
        .bind(partial.to_string_lossy().into_owned())
        .execute(pool)
        .await
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            folder_error(folder, e)
        })?;
    // A copy in clear of an encrypted database would leave the personal data readable on
    // a USB drive: refused, and removed.
    if encrypted && encryption::is_plaintext(&partial)? {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::Internal(
            "the backup came out unencrypted; removed".into(),
        ));
    }
    flush_to_disk(&partial).map_err(|e| folder_error(folder, e))?;
    std::fs::rename(&partial, &target).map_err(|e| folder_error(folder, e))?;
    let size_bytes = std::fs::metadata(&target)
        .map(|m| m.len())
        .map_err(|e| folder_error(folder, e))?;
    tracing::info!(file = %file_name, "database backup taken");
    prune(place)?;
    Ok(BackupInfo {
        taken_at: taken_at(&file_name).unwrap_or(now),
        file_name,
        size_bytes,
    })
}

/// The copies in `folder`, newest first. A folder that does not exist has none.
pub fn list(folder: &Path) -> Result<Vec<BackupInfo>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(folder_error(folder, e)),
    };
    let mut copies = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| folder_error(folder, e))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(taken_at) = taken_at(&file_name) else {
            continue;
        };
        let size_bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        copies.push(BackupInfo {
            file_name,
            taken_at,
            size_bytes,
        });
    }
    copies.sort_by_key(|c| std::cmp::Reverse(c.taken_at));
    Ok(copies)
}

/// Deletes the oldest copies beyond the `keep` newest.
fn prune(place: &BackupPlace) -> Result<()> {
    let keep = usize::try_from(place.keep.max(1)).unwrap_or(usize::MAX);
    for old in list(&place.folder)?.into_iter().skip(keep) {
        std::fs::remove_file(place.folder.join(&old.file_name))
            .map_err(|e| folder_error(&place.folder, e))?;
        tracing::info!(file = %old.file_name, "old database backup deleted");
    }
    Ok(())
}

/// The copy named `file_name` in `folder`, if it is one (a bare name: never a path that
/// leads out of the folder).
pub fn find(folder: &Path, file_name: &str) -> Result<PathBuf> {
    let path = folder.join(file_name);
    if taken_at(file_name).is_none() || !path.is_file() {
        return Err(Error::BackupNotFound(file_name.to_owned()));
    }
    Ok(path)
}

/// Whether `backup` opens with `key`, is a database of this app and passes SQLite's
/// integrity check. Opened read-only: checking changes nothing.
pub async fn verify(backup: &Path, key: &DatabaseKey) -> Result<()> {
    let name = backup
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let refused = |cause: String| {
        tracing::warn!(file = %name, %cause, "backup refused");
        Error::BackupUnusable(name.clone())
    };
    let mut options = SqliteConnectOptions::new().filename(backup).read_only(true);
    if let Some(literal) = key.sqlcipher_literal() {
        options = options.pragma("key", format!("\"{literal}\""));
    }
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| refused(e.to_string()))?;
    let checked = check(&mut conn).await;
    let _ = conn.close().await;
    checked.map_err(refused)
}

async fn check(conn: &mut SqliteConnection) -> std::result::Result<(), String> {
    let report: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    if report != ["ok"] {
        return Err(format!("integrity check: {}", report.join("; ")));
    }
    let migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("not this app's database: {e}"))?;
    if migrations == 0 {
        return Err("no migration ever ran".into());
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Puts the copy `backup` in place of the database at `database` (whose connections are
/// all closed). The copy is checked first; a refused one leaves everything as it was. The
/// database replaced, with its write-ahead log, is renamed
/// `registro.sqlite3.reemplazada-AAAAMMDD-HHMMSS` (UTC) and kept: returned, when there
/// was one.
pub async fn restore(
    database: &Path,
    backup: &Path,
    key: &DatabaseKey,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>> {
    verify(backup, key).await?;
    let failed = |e: std::io::Error| Error::Internal(format!("restoring the backup: {e}"));
    let aside = with_suffix(database, &format!(".reemplazada-{}", now.format(STAMP)));
    let mut kept = None;
    // Each file on its own: a log left without its database would be replayed into the
    // restored copy and spoil it.
    for (suffix, main) in [("", true), ("-wal", false), ("-shm", false)] {
        let current = with_suffix(database, suffix);
        match std::fs::rename(&current, with_suffix(&aside, suffix)) {
            Ok(()) if main => kept = Some(aside.clone()),
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(failed(e)),
        }
    }
    let incoming = with_suffix(database, ".restaurando");
    std::fs::copy(backup, &incoming).map_err(failed)?;
    flush_to_disk(&incoming).map_err(failed)?;
    std::fs::rename(&incoming, database).map_err(failed)?;
    tracing::info!(
        backup = %backup.display(),
        kept = ?kept.as_ref().map(|p| p.display().to_string()),
        "database restored from a backup"
    );
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_copies_named_by_their_instant_count() {
        assert!(taken_at("registro-20261127-093000.sqlite3").is_some());
        assert!(taken_at("registro-20261127-093000.sqlite3.parcial").is_none());
        assert!(taken_at("registro.sqlite3").is_none());
        assert!(taken_at("registro-2026.sqlite3").is_none());
        assert!(taken_at("../registro-20261127-093000.sqlite3x").is_none());
    }
}
