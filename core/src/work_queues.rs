//! «Pendientes»: what waits for someone at the desk, in four queues. Registrations pending
//! validation (oldest first, and those close to expiring); emails that could not be
//! delivered or whose delivery was interrupted, with a resend of all of them at once after
//! an outage; records the central database would not take (a conflict, or a row set aside
//! with its reason); affiliation numbers locked by wrong serials, which a supervisor can
//! release. The status bar shows the counts and opens the screen.

use crate::desk::Desk;
use crate::domain::{
    EmailAddress, EmailKind, EmailState, Field, FieldError, QueueState, SupervisorApproval,
    SyncState, require_reason,
};
use crate::error::{Error, Result};
use crate::outbox::needing_attention;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// At most this many rows per queue on screen; the counts are always whole.
const MAX_ROWS: i64 = 200;
/// A pending registration is close to expiring in its last quarter of life.
const EXPIRING_SHARE: i32 = 4;
/// What the audit trail says a resend from «Pendientes» of a temporary password was for.
const RESEND_REASON: &str = "Reenvío desde Pendientes: el correo anterior no se entregó";

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkQueues {
    pub pending: Vec<PendingValidation>,
    pub emails: Vec<EmailNeedingAttention>,
    pub sync_problems: Vec<SyncProblem>,
    pub locked: Vec<LockedAffiliation>,
    pub counts: QueueCounts,
}

/// How many wait in each queue (the status bar's link says the total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueCounts {
    pub pending: i64,
    pub expiring_soon: i64,
    pub emails: i64,
    pub sync_problems: i64,
    pub locked: i64,
}

impl QueueCounts {
    /// What needs someone: pending registrations only count when close to expiring.
    pub fn needing_attention(&self) -> i64 {
        self.expiring_soon + self.emails + self.sync_problems + self.locked
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PendingValidation {
    pub registration_id: String,
    pub folio: String,
    pub affiliation_number: String,
    pub full_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it expires unless validated.
    #[sqlx(skip)]
    pub expires_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub expiring_soon: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EmailNeedingAttention {
    pub email_id: String,
    pub registration_id: String,
    pub folio: String,
    pub kind: EmailKind,
    pub state: EmailState,
    pub recipient_masked: String,
    pub created_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Why a record did not reach the central database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SyncProblemKind {
    /// The central database has a live account for the affiliate from elsewhere.
    Conflict,
    /// The central database refused a row; it and the rest of its record wait.
    Held,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncProblem {
    pub kind: SyncProblemKind,
    /// The registration, when the row belongs to one (a staff account's does not).
    pub registration_id: Option<String>,
    pub folio: Option<String>,
    /// The central database's reason, in the station's words.
    pub reason: String,
    /// Rows of the record waiting.
    pub rows: i64,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LockedAffiliation {
    pub affiliation_number: String,
    pub failures: i64,
    pub locked_until: DateTime<Utc>,
}

/// What a resend of every email needing attention did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkResend {
    /// Folios whose email went out again.
    pub resent: Vec<String>,
    pub skipped: Vec<ResendSkipped>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResendSkipped {
    pub folio: String,
    /// Why, as the single resend would have said it.
    pub message: String,
}

#[derive(sqlx::FromRow)]
struct ProblemRow {
    registration_id: Option<String>,
    folio: Option<String>,
    sync_state: Option<SyncState>,
    reason: Option<String>,
    rows: i64,
    since: DateTime<Utc>,
}

impl Desk {
    /// The four queues of «Pendientes», as of now.
    pub async fn work_queues(&self) -> Result<WorkQueues> {
        self.signed_in_clerk()?;
        let now = self.clock.now();
        let window = Duration::hours(i64::from(self.settings().pending_expiry_hours));
        // Expired ones are not listed, even before the expiry timer closes them.
        let cutoff = now - window;
        let soon_after = now - window + window / EXPIRING_SHARE;
        let reader = self.store.reader();
        let (pending_count, expiring_soon): (i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(created_at < ?2), 0) FROM registrations
              WHERE state = 'pendiente_validacion' AND created_at >= ?1",
        )
        .bind(crate::store::db_time(cutoff))
        .bind(crate::store::db_time(soon_after))
        .fetch_one(reader)
        .await?;
        let mut pending: Vec<PendingValidation> = sqlx::query_as(
            "SELECT r.id AS registration_id, r.folio, r.affiliation_number, a.full_name, r.created_at
               FROM registrations r
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE r.state = 'pendiente_validacion' AND r.created_at >= ?
              ORDER BY r.created_at
              LIMIT ?",
        )
        .bind(crate::store::db_time(cutoff))
        .bind(MAX_ROWS)
        .fetch_all(reader)
        .await?;
        for p in &mut pending {
            let expires_at = p.created_at + window;
            p.expires_at = Some(expires_at);
            p.expiring_soon = expires_at - now <= window / EXPIRING_SHARE;
        }

        let attention =
            needing_attention(&self.store, i64::MAX, self.settings().outbox_max_attempts).await?;
        let emails_count = attention.len() as i64;
        let emails = attention
            .into_iter()
            .take(MAX_ROWS as usize)
            .map(|m| EmailNeedingAttention {
                recipient_masked: EmailAddress::mask_stored(&m.recipient),
                email_id: m.id,
                registration_id: m.registration_id,
                folio: m.folio,
                kind: m.kind,
                state: m.state,
                created_at: m.created_at,
                last_error: m.last_error,
            })
            .collect();

        // A registration in conflict or in error, with its waiting rows; and rows set
        // aside that belong to no registration (a staff account's change).
        let problems: Vec<ProblemRow> = sqlx::query_as(
            "SELECT r.id AS registration_id, r.folio, r.sync_state,
                    coalesce(r.sync_error, (SELECT q.last_error FROM sync_queue q
                                             WHERE q.registration_id = r.id AND q.state = ?3
                                             ORDER BY q.seq LIMIT 1)) AS reason,
                    (SELECT count(*) FROM sync_queue q
                      WHERE q.registration_id = r.id AND q.state <> ?4) AS rows,
                    coalesce((SELECT min(q.created_at) FROM sync_queue q
                               WHERE q.registration_id = r.id AND q.state <> ?4), r.updated_at) AS since
               FROM registrations r
              WHERE r.sync_state IN (?1, ?2)
                 OR EXISTS (SELECT 1 FROM sync_queue q WHERE q.registration_id = r.id AND q.state = ?3)
             UNION ALL
             SELECT NULL, NULL, NULL, q.last_error, 1, q.created_at
               FROM sync_queue q
              WHERE q.state = ?3 AND q.registration_id IS NULL
              ORDER BY since",
        )
        .bind(SyncState::Conflict)
        .bind(SyncState::Error)
        .bind(QueueState::Held)
        .bind(QueueState::Synced)
        .fetch_all(reader)
        .await?;
        let sync_problems: Vec<SyncProblem> = problems
            .into_iter()
            .map(|p| SyncProblem {
                kind: if p.sync_state == Some(SyncState::Conflict) {
                    SyncProblemKind::Conflict
                } else {
                    SyncProblemKind::Held
                },
                registration_id: p.registration_id,
                folio: p.folio,
                reason: p.reason.unwrap_or_else(|| {
                    "La base central no aceptó este registro y no dijo por qué.".into()
                }),
                rows: p.rows,
                since: p.since,
            })
            .collect();

        let locked: Vec<LockedAffiliation> = sqlx::query_as(
            "SELECT affiliation_number, failures, locked_until FROM serial_lockouts
              WHERE locked_until > ? ORDER BY locked_until",
        )
        .bind(crate::store::db_time(now))
        .fetch_all(reader)
        .await?;

        Ok(WorkQueues {
            counts: QueueCounts {
                pending: pending_count,
                expiring_soon,
                emails: emails_count,
                sync_problems: sync_problems.len() as i64,
                locked: locked.len() as i64,
            },
            pending,
            emails,
            sync_problems,
            locked,
        })
    }

    /// Sends again one email needing attention, the way its single resend does: a
    /// validation email with a new link and code, a temporary password replaced by a new
    /// one. Each is audited by that action.
    pub async fn resend_email(&self, email_id: &str) -> Result<String> {
        self.current_clerk()?;
        let waiting =
            needing_attention(&self.store, i64::MAX, self.settings().outbox_max_attempts).await?;
        let email = waiting
            .into_iter()
            .find(|m| m.id == email_id)
            .ok_or(Error::EmailNotWaiting)?;
        self.resend_one(&email.registration_id, email.kind).await?;
        Ok(email.folio)
    }

    /// After an outage: every email needing attention goes again, one by one, each as its
    /// single resend; one that cannot go now is reported with why, and the others still go.
    pub async fn resend_all_emails(&self) -> Result<BulkResend> {
        let clerk = self.current_clerk()?;
        let waiting =
            needing_attention(&self.store, i64::MAX, self.settings().outbox_max_attempts).await?;
        let mut outcome = BulkResend {
            resent: Vec::new(),
            skipped: Vec::new(),
        };
        for email in waiting {
            match self.resend_one(&email.registration_id, email.kind).await {
                Ok(()) => outcome.resent.push(email.folio),
                Err(e @ (Error::Storage(_) | Error::DiskFull | Error::Internal(_))) => {
                    return Err(e);
                }
                Err(e) => outcome.skipped.push(ResendSkipped {
                    folio: email.folio,
                    message: e.to_string(),
                }),
            }
        }
        let mut work = self.work(Actor::Staff(clerk.username)).await?;
        work.audit(
            "correos_reenviados_en_bloque",
            Subject::Station,
            json!({ "reenviados": outcome.resent, "omitidos": outcome.skipped.iter().map(|s| &s.folio).collect::<Vec<_>>() }),
        )
        .await?;
        work.commit().await?;
        Ok(outcome)
    }

    async fn resend_one(&self, registration_id: &str, kind: EmailKind) -> Result<()> {
        match kind {
            EmailKind::Validation => self.resend_validation(registration_id).await.map(drop),
            EmailKind::TemporaryPassword => self
                .issue_new_temporary_password(registration_id, RESEND_REASON)
                .await
                .map(drop),
        }
    }

    /// Releases an affiliation number locked by wrong serials before its time (the
    /// supervisor saw the credential), with the reason; audited.
    pub async fn release_affiliation_lock(
        &self,
        affiliation: &str,
        approval: &SupervisorApproval,
        reason: &str,
    ) -> Result<()> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        let affiliation = crate::domain::AffiliationNumber::parse(affiliation)?;
        let now = self.clock.now();
        let locked: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT locked_until FROM serial_lockouts WHERE affiliation_number = ? AND locked_until > ?",
        )
        .bind(affiliation.as_str())
        .bind(crate::store::db_time(now))
        .fetch_optional(self.store.reader())
        .await?;
        let Some(until) = locked else {
            return Err(FieldError::new(
                Field::AffiliationNumber,
                "no_bloqueada",
                format!(
                    "El número de afiliación {affiliation} no está bloqueado: ya se puede registrar."
                ),
            )
            .into());
        };
        let supervisor = self.approve(approval).await?;
        let mut work = self.work_at(Actor::Staff(supervisor), now).await?;
        sqlx::query("DELETE FROM serial_lockouts WHERE affiliation_number = ?")
            .bind(affiliation.as_str())
            .execute(work.conn())
            .await?;
        work.audit(
            "afiliacion_desbloqueada",
            Subject::Affiliation(affiliation.as_str()),
            json!({
                "motivo": reason,
                "bloqueada_hasta": crate::store::db_time(until),
                "capturista": clerk.username,
            }),
        )
        .await?;
        work.commit().await
    }
}
