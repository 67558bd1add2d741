//! The affiliate's account as the sign-in page and the portal API check it: one verdict for
//! both, so they lock alike. A username is guarded whether or not an account exists (the
//! guard is keyed by the username as typed), an unknown username costs the same argon2id
//! verification as a wrong password, and every answer reads the same for both: nobody learns
//! from this service which affiliation numbers have an account.
//!
//! Lockout: `failures_before_lock` failures within 12 hours lock the username for
//! `lock_minutes`; each further lock in those 12 hours doubles (up to 16 times). A success
//! clears the count. All on the database's clock, shared by every instance.

use crate::error::Error;
use crate::passwords::{self, NewPassword};
use crate::{AppState, config::Limits};
use chrono::{DateTime, Utc};
use registro_core::domain::AffiliationNumber;

/// An account that may sign in: its registration is `validada` or `activa`. (No `Debug`:
/// it holds the password hash.)
#[derive(Clone, sqlx::FromRow)]
pub struct Account {
    pub registration_id: uuid::Uuid,
    pub username: String,
    pub folio: String,
    pub affiliation_number: String,
    pub must_change_password: bool,
    password_hash: String,
}

/// The answer to «is this the password of this username?».
pub enum Verdict {
    Accepted(Account),
    /// Wrong password, or no such account: the same answer.
    Rejected,
    /// Too many failures; nothing is checked until then.
    Locked {
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    },
}

impl Verdict {
    /// Minutes left of a lock, rounded up.
    pub fn minutes_locked(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
        let seconds = (until - now).num_seconds().max(1);
        (seconds as u64).div_ceil(60)
    }
}

/// Checks `password` for `username`, counting a failure against the username's guard.
pub async fn check(
    state: &AppState,
    username: &AffiliationNumber,
    password: &str,
) -> Result<Verdict, Error> {
    let username = username.as_str();
    if let Some((until, now)) = locked_until(state, username).await? {
        return Ok(Verdict::Locked { until, now });
    }
    let account: Option<Account> = sqlx::query_as(
        "SELECT a.registration_id, a.username, a.password_hash, a.must_change_password,
                r.folio, r.affiliation_number
           FROM accounts a JOIN registrations r ON r.id = a.registration_id
          WHERE a.username = $1 AND r.state IN ('validada', 'activa')
          ORDER BY a.password_set_at DESC LIMIT 1",
    )
    .bind(username)
    .fetch_optional(&state.pool)
    .await?;
    let matches = passwords::verify(
        state,
        password.to_owned(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await?;
    match account {
        Some(account) if matches => {
            sqlx::query("DELETE FROM sign_in_guards WHERE username = $1")
                .bind(username)
                .execute(&state.pool)
                .await?;
            Ok(Verdict::Accepted(account))
        }
        _ => record_failure(state, username, &state.config.limits).await,
    }
}

async fn locked_until(
    state: &AppState,
    username: &str,
) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, Error> {
    let row: Option<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT locked_until, now() FROM sign_in_guards WHERE username = $1 AND locked_until > now()",
    )
    .bind(username)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row)
}

/// One more failure for `username`; locks it when the count reaches the threshold.
async fn record_failure(
    state: &AppState,
    username: &str,
    limits: &Limits,
) -> Result<Verdict, Error> {
    let mut tx = state.pool.begin().await?;
    // Failures older than 12 hours are forgotten, and so are earlier locks.
    let (failures, lockouts): (i32, i32) = sqlx::query_as(
        "INSERT INTO sign_in_guards AS g (username, failures, first_failure_at, lockouts)
         VALUES ($1, 1, now(), 0)
         ON CONFLICT (username) DO UPDATE SET
           failures = CASE WHEN g.first_failure_at < now() - interval '12 hours' THEN 1 ELSE g.failures + 1 END,
           lockouts = CASE WHEN g.first_failure_at < now() - interval '12 hours' THEN 0 ELSE g.lockouts END,
           first_failure_at = CASE WHEN g.first_failure_at < now() - interval '12 hours' THEN now()
                                   ELSE g.first_failure_at END
         RETURNING failures, lockouts",
    )
    .bind(username)
    .fetch_one(&mut *tx)
    .await?;
    let verdict = if i64::from(failures) >= i64::from(limits.failures_before_lock) {
        let minutes = i64::from(limits.lock_minutes) << lockouts.clamp(0, 4);
        let (until, now): (DateTime<Utc>, DateTime<Utc>) = sqlx::query_as(
            "UPDATE sign_in_guards SET failures = 0, lockouts = lockouts + 1,
                    locked_until = now() + $2::bigint * interval '1 minute'
              WHERE username = $1 RETURNING locked_until, now()",
        )
        .bind(username)
        .bind(minutes)
        .fetch_one(&mut *tx)
        .await?;
        tracing::info!(minutes, "a username was locked after failed sign-ins");
        Verdict::Locked { until, now }
    } else {
        Verdict::Rejected
    };
    tx.commit().await?;
    Ok(verdict)
}

/// What a password change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The first own password: the registration is now `activa`.
    Activated,
    /// An active account changed its password.
    Changed,
    /// Someone changed it between the check and the change: the old password no longer
    /// holds, so nothing was done.
    Raced,
}

/// Replaces the password just checked by `new`, and activates the registration.
pub async fn change_password(
    state: &AppState,
    account: &Account,
    new: NewPassword,
) -> Result<Changed, Error> {
    let hash = passwords::hash(state, new.into_inner()).await?;
    let mut tx = state.pool.begin().await?;
    // Only over the hash that was verified: a concurrent change wins, this one is dropped.
    let updated = sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = FALSE, password_set_at = now()
          WHERE registration_id = $2 AND password_hash = $3",
    )
    .bind(&hash)
    .bind(account.registration_id)
    .bind(&account.password_hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(Changed::Raced);
    }
    let activated = sqlx::query(
        "UPDATE registrations SET state = 'activa' WHERE id = $1 AND state = 'validada'",
    )
    .bind(account.registration_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let action = if activated {
        "cuenta_activada"
    } else {
        "contrasena_cambiada"
    };
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number, clerk,
                                   office, workstation, detail, office_role)
         VALUES ($1, now(), $2, $3, $4, 'afiliado', 'central', $5,
                 jsonb_build_object('folio', $6::text, 'metodo', 'pagina_de_primer_ingreso'), 'central')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(action)
    .bind(account.registration_id)
    .bind(&account.affiliation_number)
    .bind(&state.config.instance_name)
    .bind(&account.folio)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(registration_id = %account.registration_id, action, "affiliate password changed");
    Ok(if activated {
        Changed::Activated
    } else {
        Changed::Changed
    })
}
