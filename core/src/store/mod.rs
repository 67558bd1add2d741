//! The workstation's SQLite database: one file in the app's data folder, its migrations,
//! and the typed rows the use cases read from it.

pub mod backup;
pub(crate) mod constraint;
mod encryption;
pub mod key;
pub(crate) mod meta;
pub mod roster;
pub(crate) mod rows;

use crate::error::Result;
use chrono::{DateTime, SecondsFormat, Utc};
pub use key::DatabaseKey;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A legal text as this version of the app publishes it (see [`Store::open_with_backups`]).
#[derive(Debug, Clone)]
pub struct TextOnRecord {
    pub kind: String,
    pub version: i64,
    pub sha256: String,
    /// How the clerk reads it: «Aviso de privacidad integral (versión 2)».
    pub label: String,
}

/// Refuses a database that published another text under a kind and version of `texts`.
async fn check_texts_on_record(pool: &SqlitePool, texts: &[TextOnRecord]) -> Result<()> {
    let has_texts: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'legal_documents')",
    )
    .fetch_one(pool)
    .await?;
    if !has_texts {
        return Ok(());
    }
    for text in texts {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM legal_documents WHERE kind = ? AND version = ?")
                .bind(&text.kind)
                .bind(text.version)
                .fetch_optional(pool)
                .await?;
        if stored.is_some_and(|sha| sha != text.sha256) {
            tracing::error!(
                document = text.kind,
                version = text.version,
                "a published text changed; publish a new version"
            );
            return Err(crate::error::Error::LegalTextChanged(text.label.clone()));
        }
    }
    Ok(())
}

/// Two pools over one file: a single writer connection, so writes from the form, the
/// outbox worker and an import queue up in-process instead of failing with SQLITE_BUSY,
/// and a few readers that WAL lets run beside it.
/// What a committed write survives.
#[derive(Clone, Copy, Debug)]
enum Durability {
    /// A crash of the app.
    Everyday,
    /// A crash, and a power cut.
    PowerCut,
}

#[derive(Clone, Debug)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    path: PathBuf,
    encrypted: bool,
}

impl Store {
    /// Opens (creating if needed) the database file, encrypted with `key` (SQLCipher), and
    /// brings its schema up to date. A database of an older version, kept in clear, is
    /// encrypted first. A file that `key` does not open is [`crate::Error::DatabaseUnreadable`].
    pub async fn open(path: &Path, key: &DatabaseKey) -> Result<Self> {
        Self::open_with_backups(path, key, None, &[]).await
    }

    /// [`Store::open`], taking a copy into `backups` first when migrations are about to
    /// change an existing database (a new one has nothing to lose). A file in clear that is
    /// not this app's database (another program's SQLite file) is
    /// [`crate::Error::DatabaseForeign`], left as it is.
    ///
    /// A database that holds another text under the kind and version of one of `texts`
    /// (this version's legal texts) is [`crate::Error::LegalTextChanged`], found before
    /// anything is written: no migration runs on it, the file stays as it was.
    pub async fn open_with_backups(
        path: &Path,
        key: &DatabaseKey,
        backups: Option<&backup::BackupPlace>,
        texts: &[TextOnRecord],
    ) -> Result<Self> {
        if key.sqlcipher_literal().is_some() && encryption::is_plaintext(path)? {
            encryption::ensure_ours_in_clear(path).await?;
            encryption::encrypt_in_place(path, key).await?;
        }
        if key.sqlcipher_literal().is_some() {
            encryption::refuse_partial_pages(path)?;
        }
        let unreadable = |e: sqlx::Error| encryption::unreadable(e, path);
        let mut options = SqliteConnectOptions::new();
        if let Some(literal) = key.sqlcipher_literal() {
            // sqlx issues `key` before every other pragma of a new connection.
            options = options.pragma("key", format!("\"{literal}\""));
        }
        let options = options
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted rows (scrubbed passwords, replaced tokens) are overwritten on disk.
            .pragma("secure_delete", "ON");
        // A connection to a file on this PC does not go stale like one over a network:
        // sqlx's check before lending it (a round trip to the driver's thread) is skipped.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(unreadable)?;
        // The first read of the file: with a wrong key, this is where SQLCipher says so.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&writer)
            .await
            .map_err(unreadable)?;
        if let Err(e) = check_texts_on_record(&writer, texts).await {
            writer.close().await;
            return Err(e);
        }
        let migrator = sqlx::migrate!("../migrations/sqlite");
        if let Some(place) = backups
            && migrations_pending(&writer, &migrator).await?
        {
            tracing::info!("migrations pending: backing the database up first");
            backup::take(
                &writer,
                key.sqlcipher_literal().is_some(),
                place,
                Utc::now(),
            )
            .await?;
        }
        migrator.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await
            .map_err(unreadable)?;
        Ok(Self {
            writer,
            reader,
            path: path.to_owned(),
            encrypted: key.sqlcipher_literal().is_some(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A copy of the database now into `place` (see [`backup`]).
    pub(crate) async fn back_up(
        &self,
        place: &backup::BackupPlace,
        now: DateTime<Utc>,
    ) -> Result<backup::BackupInfo> {
        backup::take(&self.writer, self.encrypted, place, now).await
    }

    /// Whether `path` is a database this build encrypted (there is a file and it is not
    /// one kept in clear), so only its own key opens it.
    pub fn is_encrypted(path: &Path) -> Result<bool> {
        Ok(path.exists() && !encryption::is_plaintext(path)?)
    }

    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// A write transaction that holds the write lock from its BEGIN. A second app on the
    /// same data folder (a double-click) is another process: a transaction begun deferred
    /// that reads before it writes gets SQLITE_BUSY at the upgrade, with no wait, when that
    /// process wrote in between; `BEGIN IMMEDIATE` waits for it at BEGIN (`busy_timeout`).
    ///
    /// Its commit survives a crash of the app, not always a power cut (`synchronous =
    /// NORMAL`); see [`Store::begin_durable_write`].
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_write_at(Durability::Everyday).await
    }

    /// A write transaction whose commit returns only once it is on the disk: the
    /// write-ahead log is synced (`synchronous = FULL`, one fsync), so it survives a power
    /// cut as well as a crash.
    pub async fn begin_durable_write(
        &self,
    ) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_write_at(Durability::PowerCut).await
    }

    /// The setting belongs to the connection and cannot change inside a transaction, so
    /// every write transaction sets its own in the same call as its BEGIN (one trip to the
    /// driver's thread, not three). A statement run on the writer outside these
    /// transactions keeps whatever the last one set: at worst slower, never less safe.
    async fn begin_write_at(
        &self,
        durability: Durability,
    ) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        let synchronous = match durability {
            Durability::Everyday => "PRAGMA synchronous = NORMAL",
            Durability::PowerCut => "PRAGMA synchronous = FULL",
        };
        match self
            .writer
            .begin_with(format!("{synchronous}; BEGIN IMMEDIATE"))
            .await
        {
            // sqlx still counts a transaction whose COMMIT failed (a full disk) and that
            // SQLite rolled back by itself; it then refuses a BEGIN of our own. Its plain
            // begin issues a SAVEPOINT, which SQLite takes as a deferred BEGIN: what every
            // write did before, on the same connection.
            Err(sqlx::Error::InvalidSavePointStatement) => {
                sqlx::query(synchronous).execute(&self.writer).await?;
                self.writer.begin().await
            }
            begun => begun,
        }
    }

    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// Closes every connection; Windows keeps a folder whose files are open. The readers
    /// first: the last connection to close folds the write-ahead log into the file and
    /// removes it, which a read-only one cannot do (Windows then keeps the log beside the
    /// file, and whoever opens it next, even with a wrong key, rewrites the file).
    pub async fn close(&self) {
        for pool in [&self.reader, &self.writer] {
            // sqlx's close can return while a connection given back at that very moment
            // (checked as open, then pinged) sits idle and open, or while another task
            // is still closing one: the file stays locked, and Windows then refuses to
            // move it. A closed pool opens nothing new, so closing again, a moment
            // later, ends what was left (the store tests see this in about 1 close in 2
            // while queries are running).
            let mut rounds = 0;
            loop {
                pool.close().await;
                if pool.size() == 0 {
                    break;
                }
                rounds += 1;
                if rounds == 3000 {
                    tracing::warn!(
                        left = pool.size(),
                        "database connections still open after 30 s"
                    );
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
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

/// Whether an existing database (one where migrations ran before) has migrations still to
/// run. A new database has none of its own data to lose.
async fn migrations_pending(
    writer: &SqlitePool,
    migrator: &sqlx::migrate::Migrator,
) -> Result<bool> {
    let existing: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(writer)
    .await?;
    if existing == 0 {
        return Ok(false);
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(writer)
            .await?;
    Ok(migrator
        .iter()
        .any(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version)))
}

/// Every timestamp is stored in one fixed-width UTC form, so SQL can compare them as text.
pub(crate) fn db_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The steps of SQLite's plan for `sql` on an empty database with every migration, for
/// tests that a hot query goes through its index. Parameters stay unbound: a plan does
/// not depend on their values.
#[cfg(test)]
pub(crate) async fn query_plan(sql: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::migrate!("../migrations/sqlite")
        .run(&mut conn)
        .await
        .unwrap();
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    plan.into_iter().map(|(_, _, _, step)| step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn synchronous_inside(tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut **tx)
            .await
            .unwrap()
    }

    /// A durable write (a registration's receipt) commits with the log synced to the disk
    /// (FULL = 2), and the everyday write after it is back to NORMAL (1), whatever came
    /// before: each sets its own at BEGIN.
    #[tokio::test]
    async fn each_write_commits_under_its_own_durability() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3"), &DatabaseKey::generate())
            .await
            .unwrap();
        for _ in 0..2 {
            let mut durable = store.begin_durable_write().await.unwrap();
            assert_eq!(synchronous_inside(&mut durable).await, 2);
            durable.commit().await.unwrap();
            let mut everyday = store.begin_write().await.unwrap();
            assert_eq!(synchronous_inside(&mut everyday).await, 1);
            everyday.commit().await.unwrap();
        }
        // A durable write given up before its commit does not make the next one slow.
        drop(store.begin_durable_write().await.unwrap());
        let mut everyday = store.begin_write().await.unwrap();
        assert_eq!(synchronous_inside(&mut everyday).await, 1);
        everyday.rollback().await.unwrap();
        // Windows keeps a folder whose files are open.
        store.close().await;
    }

    /// Closing while queries end on every side leaves no connection open and the log
    /// folded into the file: what a restore, or Windows removing the folder, needs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_close_racing_returned_connections_leaves_nothing_open() {
        for round in 0..30 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("db.sqlite3");
            let store = Store::open(&path, &DatabaseKey::generate()).await.unwrap();
            sqlx::query("CREATE TABLE t (n INTEGER)")
                .execute(store.writer())
                .await
                .unwrap();
            let busy: Vec<_> = (0..6)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        loop {
                            let pool = if i % 2 == 0 {
                                store.writer()
                            } else {
                                store.reader()
                            };
                            let done = if i % 2 == 0 {
                                sqlx::query("INSERT INTO t VALUES (1)")
                                    .execute(pool)
                                    .await
                                    .map(drop)
                            } else {
                                sqlx::query("SELECT count(*) FROM t")
                                    .execute(pool)
                                    .await
                                    .map(drop)
                            };
                            if done.is_err() {
                                break;
                            }
                        }
                    })
                })
                .collect();
            tokio::time::sleep(std::time::Duration::from_millis(5 + round % 7)).await;
            store.close().await;
            assert_eq!(
                (store.writer().size(), store.reader().size()),
                (0, 0),
                "round {round}: connections left open"
            );
            assert!(
                !dir.path().join("db.sqlite3-wal").exists(),
                "round {round}: the log was left beside the file"
            );
            for task in busy {
                task.await.unwrap();
            }
        }
    }
}
