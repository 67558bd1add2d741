//! The workstation's SQLite database: one file in the app's data folder, its migrations,
//! and the typed rows the use cases read from it.

pub(crate) mod constraint;
pub(crate) mod meta;
pub mod roster;
pub(crate) mod rows;

use crate::error::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// Two pools over one file: a single writer connection, so writes from the form, the
/// outbox worker and an import queue up in-process instead of failing with SQLITE_BUSY,
/// and a few readers that WAL lets run beside it.
#[derive(Clone, Debug)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted rows (scrubbed passwords, replaced tokens) are overwritten on disk.
            .pragma("secure_delete", "ON");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, reader })
    }

    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// Closes every connection; Windows keeps a folder whose files are open.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// `secure_delete` zeroes an erased secret in the database file, but the write-ahead
    /// log still holds the page as it was before (with the temporary password in it) until
    /// a checkpoint. This one copies the log into the file and empties the log, so an
    /// erased secret is in no file on disk. Best effort: a reader in the middle of a query
    /// only delays it to the next delivery.
    pub async fn forget_erased(&self) {
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.writer)
            .await
        {
            Ok((0, _, _)) => {}
            Ok(_) => tracing::info!("write-ahead log busy; emptied at the next delivery"),
            Err(e) => tracing::warn!(error = %e, "write-ahead log checkpoint failed"),
        }
    }
}

/// Every timestamp is stored in one fixed-width UTC form, so SQL can compare them as text.
pub(crate) fn db_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}
