//! `app_meta`: the station's few facts about itself (the pull's watermarks, when the
//! roster was imported, the central clock's offset), one text value per key.

use crate::clock::ClockOffset;
use crate::error::{Error, Result};
use sqlx::{SqliteConnection, SqlitePool};

pub(crate) const ROSTER_IMPORTED_AT: &str = "roster_imported_at";
const CENTRAL_CLOCK_OFFSET: &str = "central_clock_offset";

async fn get(reader: &SqlitePool, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM app_meta WHERE key = ?")
            .bind(key)
            .fetch_optional(reader)
            .await?,
    )
}

pub(crate) async fn set(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_meta (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

/// A text value; `None` when never set.
pub(crate) async fn get_text(reader: &SqlitePool, key: &str) -> Result<Option<String>> {
    get(reader, key).await
}

/// A counter such as a pull's watermark; 0 when never set.
pub(crate) async fn get_i64(reader: &SqlitePool, key: &str) -> Result<i64> {
    Ok(get(reader, key)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub(crate) async fn set_i64(conn: &mut SqliteConnection, key: &str, value: i64) -> Result<()> {
    set(conn, key, &value.to_string()).await
}

pub(crate) async fn roster_imported_at(reader: &SqlitePool) -> Result<Option<String>> {
    get(reader, ROSTER_IMPORTED_AT).await
}

/// The offset kept by the last sync round that reached the central database.
pub(crate) async fn clock_offset(reader: &SqlitePool) -> Result<Option<ClockOffset>> {
    Ok(get(reader, CENTRAL_CLOCK_OFFSET)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

pub(crate) async fn set_clock_offset(
    conn: &mut SqliteConnection,
    offset: ClockOffset,
) -> Result<()> {
    let json = serde_json::to_string(&offset)
        .map_err(|e| Error::Internal(format!("clock offset: {e}")))?;
    set(conn, CENTRAL_CLOCK_OFFSET, &json).await
}
