//! `registro-central --correos`, `--reenviar ID`, `--reenviar-todos`: the central outbox's
//! emails that need an administrator (`incierto`: the delivery was interrupted; `abandonado`:
//! the server refused it or the attempts ran out), and sending them again.
//!
//! An email needs attention while it is the newest of its registration and the account
//! still holds a temporary password (once the affiliate chose their own, nothing is owed).
//! An interrupted email that still has its password goes again as it is (same Message-ID,
//! so a server that got it the first time can tell); one whose password was erased gets a
//! new temporary password in a new email that says it replaces the earlier ones, and the
//! old password stops working. Each resend is audited. The running service delivers them
//! at its next round (every 10 seconds).

use crate::Config;
use crate::failure::Failure;
use crate::outbox::{PasswordHolder, replace_temporary_password};
use chrono::{DateTime, Local, Utc};
use registro_core::domain::{EmailAddress, EmailKind, EmailState};
use sqlx::PgPool;

/// One email needing attention, as `--correos` lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StuckEmail {
    pub id: uuid::Uuid,
    pub folio: String,
    pub state: EmailState,
    pub recipient: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// How an email went again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resent {
    /// The same message, queued again.
    AsItWas { folio: String },
    /// A new temporary password in a new email.
    NewPassword { folio: String },
}

impl std::fmt::Display for Resent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resent::AsItWas { folio } => write!(
                f,
                "Folio {folio}: el mismo correo volvió a la cola (conserva su contraseña temporal)."
            ),
            Resent::NewPassword { folio } => write!(
                f,
                "Folio {folio}: se generó una contraseña temporal nueva y un correo que reemplaza a los anteriores."
            ),
        }
    }
}

/// The condition of "needs attention", on `m` (outbox_messages) and `r` (registrations).
const WAITING: &str = "m.state IN ($1, $2) AND m.kind = $3
    AND NOT EXISTS (SELECT 1 FROM outbox_messages n
                     WHERE n.registration_id = m.registration_id AND n.kind = m.kind
                       AND (n.created_at, n.id) > (m.created_at, m.id))
    AND EXISTS (SELECT 1 FROM accounts a
                 WHERE a.registration_id = m.registration_id AND a.must_change_password)";

fn database(e: sqlx::Error) -> Failure {
    Failure::Database(e.to_string())
}

/// Every email needing attention, oldest first.
pub async fn stuck_emails(pool: &PgPool) -> Result<Vec<StuckEmail>, Failure> {
    sqlx::query_as(&format!(
        "SELECT m.id, r.folio, m.state, m.recipient, m.created_at, m.attempts, m.last_error
           FROM outbox_messages m JOIN registrations r ON r.id = m.registration_id
          WHERE {WAITING}
          ORDER BY m.created_at, m.id"
    ))
    .bind(EmailState::Uncertain)
    .bind(EmailState::Abandoned)
    .bind(EmailKind::TemporaryPassword)
    .fetch_all(pool)
    .await
    .map_err(database)
}

/// The list as `--correos` prints it.
pub fn describe(emails: &[StuckEmail]) -> String {
    if emails.is_empty() {
        return "No hay correos del servicio central que necesiten atención.".into();
    }
    let mut out = format!(
        "Correos del servicio central que necesitan atención: {}\n",
        emails.len()
    );
    for e in emails {
        out.push_str(&format!(
            "\n{}\n  folio {} · {} · para {} · creado el {} · {} intentos\n",
            e.id,
            e.folio,
            e.state.word(),
            EmailAddress::mask_stored(&e.recipient),
            e.created_at
                .with_timezone(&Local)
                .format("%d/%m/%Y a las %H:%M"),
            e.attempts,
        ));
        if let Some(error) = &e.last_error {
            out.push_str(&format!("  último error: {error}\n"));
        }
    }
    out.push_str(
        "\nPara reenviar uno:  registro-central --reenviar ID   ·   todos:  registro-central --reenviar-todos",
    );
    out
}

#[derive(sqlx::FromRow)]
struct Target {
    registration_id: uuid::Uuid,
    state: EmailState,
    has_secrets: bool,
    folio: String,
    affiliation_number: String,
    email: String,
    full_name: Option<String>,
}

/// Sends one email needing attention again (see the module's comment).
pub async fn resend(pool: &PgPool, config: &Config, id: uuid::Uuid) -> Result<Resent, Failure> {
    let mut tx = pool.begin().await.map_err(database)?;
    let target: Option<Target> = sqlx::query_as(&format!(
        "SELECT m.registration_id, m.state, m.secrets IS NOT NULL AS has_secrets, r.folio,
                r.affiliation_number, r.email, f.full_name
           FROM outbox_messages m
           JOIN registrations r ON r.id = m.registration_id
           LEFT JOIN roster_affiliates f ON f.affiliation_number = r.affiliation_number
          WHERE m.id = $4 AND {WAITING}
            FOR UPDATE OF m"
    ))
    .bind(EmailState::Uncertain)
    .bind(EmailState::Abandoned)
    .bind(EmailKind::TemporaryPassword)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(database)?;
    let Some(target) = target else {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox_messages WHERE id = $1)")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(database)?;
        return Err(if exists {
            Failure::EmailNotWaiting(id.to_string())
        } else {
            Failure::EmailNotFound(id.to_string())
        });
    };
    // The central database's clock, not this machine's: the administrator's PC may be
    // off, and which email is the newest is decided by these times.
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await
        .map_err(database)?;
    let resent = if target.state == EmailState::Uncertain && target.has_secrets {
        sqlx::query(
            "UPDATE outbox_messages SET state = $2, attempts = 0, next_attempt_at = $3,
                    claimed_until = NULL, last_error = NULL
              WHERE id = $1",
        )
        .bind(id)
        .bind(EmailState::Queued)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(database)?;
        Resent::AsItWas {
            folio: target.folio.clone(),
        }
    } else {
        replace_temporary_password(
            &mut tx,
            &PasswordHolder {
                registration_id: target.registration_id,
                folio: &target.folio,
                affiliation_number: &target.affiliation_number,
                email: &target.email,
                full_name: target.full_name.as_deref(),
            },
            config,
            now,
        )
        .await
        .map_err(|e| Failure::Database(e.to_string()))?;
        Resent::NewPassword {
            folio: target.folio.clone(),
        }
    };
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number, clerk,
                                   office, workstation, detail, office_role)
         VALUES ($1, $2, 'correo_reenviado_por_administrador', $3, $4, 'administrador', 'central', $5,
                 jsonb_build_object('folio', $6::text, 'correo', $7::text, 'contrasena_nueva', $8::boolean),
                 'central')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(now)
    .bind(target.registration_id)
    .bind(&target.affiliation_number)
    .bind(&config.instance_name)
    .bind(&target.folio)
    .bind(id.to_string())
    .bind(matches!(resent, Resent::NewPassword { .. }))
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    tx.commit().await.map_err(database)?;
    Ok(resent)
}
