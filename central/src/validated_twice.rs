//! A registration validated twice: by its link here, and by its code at a desk that was
//! offline at the time. Each side emailed a temporary password, and an account holds one.
//! When the desk's validation arrives after the link's, the trigger of
//! `migrations/postgres/…_validated_twice.sql` notes it; this issues one more temporary
//! password, the account's only one, in an email that says it replaces the others. So the
//! last email the affiliate receives is the one that works, whatever the order the first
//! two arrived in. Once the affiliate has chosen their own password nothing is reissued.

use crate::Config;
use crate::outbox;
use chrono::Utc;
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Twice {
    registration_id: uuid::Uuid,
    folio: String,
    affiliation_number: String,
    email: String,
    full_name: Option<String>,
}

/// Every 10 seconds, the passwords noted since (the central outbox sends them).
pub(crate) async fn reissue_forever(pool: PgPool, config: std::sync::Arc<Config>) {
    loop {
        match reissue_passwords(&pool, &config).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reissued = n, "temporary passwords reissued"),
            Err(e) => tracing::warn!(error = ?e, "reissuing temporary passwords failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    }
}

/// Reissues every noted password, each in its own transaction; returns how many.
async fn reissue_passwords(pool: &PgPool, config: &Config) -> Result<usize, registro_core::Error> {
    let mut reissued = 0;
    loop {
        let mut tx = pool.begin().await?;
        // SKIP LOCKED: two instances never reissue the same account twice.
        let Some(twice) = sqlx::query_as::<_, Twice>(
            "SELECT p.registration_id, r.folio, r.affiliation_number, r.email, a.full_name
               FROM password_reissues p
               JOIN registrations r ON r.id = p.registration_id
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE p.reissued_at IS NULL
              ORDER BY p.requested_at
              LIMIT 1
                FOR UPDATE OF p SKIP LOCKED",
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(reissued);
        };
        // The central database's clock, like every time the service compares.
        let now: chrono::DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *tx)
            .await?;
        let still_temporary: bool = sqlx::query_scalar(
            "SELECT must_change_password FROM accounts WHERE registration_id = $1 FOR UPDATE",
        )
        .bind(twice.registration_id)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(false);
        if still_temporary {
            outbox::replace_temporary_password(
                &mut tx,
                &outbox::PasswordHolder {
                    registration_id: twice.registration_id,
                    folio: &twice.folio,
                    affiliation_number: &twice.affiliation_number,
                    email: &twice.email,
                    full_name: twice.full_name.as_deref(),
                },
                config,
                now,
            )
            .await?;
            sqlx::query(
                "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number, clerk,
                                           office, workstation, detail, office_role)
                 VALUES ($1, $2, 'contrasena_reemitida', $3, $4, 'servicio_central', 'central', $5,
                         jsonb_build_object('folio', $6::text, 'motivo', 'validado_con_enlace_y_codigo'),
                         'central')",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(now)
            .bind(twice.registration_id)
            .bind(&twice.affiliation_number)
            .bind(&config.instance_name)
            .bind(&twice.folio)
            .execute(&mut *tx)
            .await?;
            reissued += 1;
        }
        sqlx::query("UPDATE password_reissues SET reissued_at = $2 WHERE registration_id = $1")
            .bind(twice.registration_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if still_temporary {
            outbox::wake();
        }
    }
}
