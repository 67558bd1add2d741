//! Rate limits shared by every instance: fixed windows counted in PostgreSQL
//! (`rate_limit_windows`), on the database's clock. Behind a balancer each request may
//! land on another instance; one counter in the database they all use keeps the limit a
//! limit. The price is one upsert per counted event, and counted events are rare (unknown
//! links, failed sign-ins) or already cost a database round (portal calls). A fixed
//! window lets a burst of twice the limit straddle a boundary: enough for guessing
//! 256-bit tokens and argon2id passwords.

use sqlx::PgPool;
use std::time::Duration;

/// What a limit counts, how long its window is and how much fits in it.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub kind: &'static str,
    pub window_secs: i32,
    pub max: u32,
}

impl Limit {
    /// Unknown validation links per client address.
    pub fn unknown_links(max: u32) -> Self {
        Self {
            kind: "enlace",
            window_secs: 15 * 60,
            max,
        }
    }

    /// Failed sign-ins (page or portal) per client address.
    pub fn failed_sign_ins(max: u32) -> Self {
        Self {
            kind: "entrada",
            window_secs: 15 * 60,
            max,
        }
    }

    /// Calls with a portal key that does not exist, per client address.
    pub fn bad_portal_keys() -> Self {
        Self {
            kind: "clave_portal",
            window_secs: 15 * 60,
            max: 20,
        }
    }

    /// Calls per portal key.
    pub fn portal_calls(max: u32) -> Self {
        Self {
            kind: "portal",
            window_secs: 60,
            max,
        }
    }

    fn bucket(&self, key: &str) -> String {
        format!("{}:{key}", self.kind)
    }
}

/// The window is full: come back in this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    pub retry_after_secs: u64,
}

const WINDOW: &str =
    "date_bin($2::int * interval '1 second', now(), TIMESTAMPTZ '2000-01-01 00:00:00+00')";

fn retry_after(seconds_left: f64) -> Exceeded {
    Exceeded {
        retry_after_secs: seconds_left.ceil().max(1.0) as u64,
    }
}

/// Is `key`'s window already full? Counts nothing.
pub async fn check(
    pool: &PgPool,
    limit: Limit,
    key: &str,
) -> Result<Option<Exceeded>, sqlx::Error> {
    let row: Option<(i32, f64)> = sqlx::query_as(&format!(
        "SELECT hits, extract(epoch FROM window_start + $2::int * interval '1 second' - now())::float8
           FROM rate_limit_windows WHERE bucket = $1 AND window_start = {WINDOW}"
    ))
    .bind(limit.bucket(key))
    .bind(limit.window_secs)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some((hits, left)) if i64::from(hits) >= i64::from(limit.max) => Some(retry_after(left)),
        _ => None,
    })
}

/// Counts one event for `key`; `Some(Exceeded)` when this one went over the limit.
pub async fn hit(pool: &PgPool, limit: Limit, key: &str) -> Result<Option<Exceeded>, sqlx::Error> {
    let (hits, left): (i32, f64) = sqlx::query_as(&format!(
        "INSERT INTO rate_limit_windows AS w (bucket, window_start, hits) VALUES ($1, {WINDOW}, 1)
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
         RETURNING hits, extract(epoch FROM window_start + $2::int * interval '1 second' - now())::float8"
    ))
    .bind(limit.bucket(key))
    .bind(limit.window_secs)
    .fetch_one(pool)
    .await?;
    Ok((i64::from(hits) > i64::from(limit.max)).then(|| retry_after(left)))
}

/// Forgets windows and sign-in guards nobody needs any more; every instance runs it, and
/// running it twice is harmless.
pub async fn prune_forever(pool: PgPool) {
    loop {
        let windows = sqlx::query(
            "DELETE FROM rate_limit_windows WHERE window_start < now() - interval '1 day'",
        )
        .execute(&pool)
        .await;
        let guards = sqlx::query(
            "DELETE FROM sign_in_guards
              WHERE first_failure_at < now() - interval '1 day'
                AND (locked_until IS NULL OR locked_until < now())",
        )
        .execute(&pool)
        .await;
        if let Err(e) = windows.and(guards) {
            tracing::warn!(error = %e, "pruning rate-limit windows failed");
        }
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}
