//! Who is at the desk: the roster says whether the affiliation number exists, is current
//! and goes with the serial on the credential; wrong serials count toward a lock, and an
//! affiliate with a live registration is told so.

use crate::desk::Desk;
use crate::domain::{AffiliateKind, AffiliationNumber, CredentialSerial, RegistrationState};
use crate::error::{Error, Result};
use crate::store::db_time;
use crate::store::roster::{self, RosterEntry};
use crate::work::{Actor, Subject};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// Who the number and serial belong to, for the clerk to confirm aloud.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentifiedAffiliate {
    pub full_name: String,
    pub kind: AffiliateKind,
}

impl Desk {
    /// Once the clerk has typed the number and the serial: the affiliate's name from the
    /// roster, so the clerk can confirm the person before going on. The same checks as
    /// "Registrar" (a wrong serial counts toward the lock), plus an early word on an
    /// existing registration so nobody types the rest of the form for nothing.
    pub async fn identify_affiliate(
        &self,
        affiliation_number: &str,
        credential_serial: &str,
    ) -> Result<IdentifiedAffiliate> {
        let clerk = self.current_clerk()?;
        let mut errors = Vec::new();
        let affiliation = AffiliationNumber::parse(affiliation_number)
            .map_err(|e| errors.push(e))
            .ok();
        let serial = CredentialSerial::parse(credential_serial)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(affiliation), Some(serial)) = (affiliation, serial) else {
            return Err(Error::Fields(errors));
        };
        let now = self.clock.now();
        let entry = self
            .check_identity(&affiliation, &serial, now, &clerk.username)
            .await?;
        self.check_no_live_registration(&affiliation).await?;
        Ok(IdentifiedAffiliate {
            full_name: entry.full_name,
            kind: entry.kind,
        })
    }

    /// Roster checks, in an order that never tells a guesser more than the lock allows:
    /// lock first, then existence, then the serial (counted), then currency.
    pub(super) async fn check_identity(
        &self,
        affiliation: &AffiliationNumber,
        serial: &CredentialSerial,
        now: DateTime<Utc>,
        clerk: &str,
    ) -> Result<RosterEntry> {
        if let Some(until) = self.locked_until(affiliation, now).await? {
            return Err(Error::AffiliationLocked {
                affiliation: affiliation.to_string(),
                until,
            });
        }
        let entry = roster::find(&self.store, affiliation)
            .await?
            .ok_or_else(|| Error::NotInRoster(affiliation.to_string()))?;
        if entry.credential_serial != serial.as_str() {
            return Err(self.record_wrong_serial(affiliation, now, clerk).await?);
        }
        if !entry.is_current {
            return Err(Error::NotCurrent(affiliation.to_string()));
        }
        Ok(entry)
    }

    async fn locked_until(
        &self,
        affiliation: &AffiliationNumber,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let until: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
            "SELECT locked_until FROM serial_lockouts WHERE affiliation_number = ?",
        )
        .bind(affiliation.as_str())
        .fetch_optional(self.store.reader())
        .await?;
        Ok(until.flatten().filter(|until| *until > now))
    }

    /// Counts a wrong serial and locks the number when the count reaches the threshold.
    /// Failures older than a day, or from before an expired lock, start a new count.
    async fn record_wrong_serial(
        &self,
        affiliation: &AffiliationNumber,
        now: DateTime<Utc>,
        clerk: &str,
    ) -> Result<Error> {
        let mut work = self.work_at(Actor::Staff(clerk.to_owned()), now).await?;
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO serial_lockouts (affiliation_number, failures, last_failure_at)
             VALUES (?1, 1, ?2)
             ON CONFLICT (affiliation_number) DO UPDATE SET
                failures = CASE WHEN last_failure_at < ?3 OR locked_until IS NOT NULL
                                THEN 1 ELSE failures + 1 END,
                locked_until = NULL,
                last_failure_at = ?2
             RETURNING failures",
        )
        .bind(affiliation.as_str())
        .bind(db_time(now))
        .bind(db_time(now - Duration::hours(24)))
        .fetch_one(work.conn())
        .await?;
        let max = i64::from(work.settings().max_serial_failures.max(1));
        let about = Subject::Affiliation(affiliation.as_str());
        let error = if failures >= max {
            let until = now + Duration::minutes(i64::from(work.settings().serial_lock_minutes));
            sqlx::query("UPDATE serial_lockouts SET locked_until = ? WHERE affiliation_number = ?")
                .bind(db_time(until))
                .bind(affiliation.as_str())
                .execute(work.conn())
                .await?;
            work.audit(
                "afiliacion_bloqueada",
                about,
                json!({ "intentos": failures, "bloqueada_hasta": db_time(until) }),
            )
            .await?;
            tracing::warn!("affiliation number locked after repeated wrong serials");
            Error::AffiliationLocked {
                affiliation: affiliation.to_string(),
                until,
            }
        } else {
            Error::SerialMismatch {
                remaining: u32::try_from(max - failures).unwrap_or(0),
            }
        };
        work.audit("serie_incorrecta", about, json!({ "intento": failures }))
            .await?;
        work.commit().await?;
        Ok(error)
    }

    pub(super) async fn check_no_live_registration(
        &self,
        affiliation: &AffiliationNumber,
    ) -> Result<()> {
        // The live states stay literal (RegistrationState::is_live): SQLite uses the partial
        // index `registrations_one_live_per_affiliate` only for this text.
        let live: Option<(String, RegistrationState, DateTime<Utc>)> = sqlx::query_as(
            "SELECT folio, state, created_at FROM registrations
              WHERE affiliation_number = ? AND state IN ('pendiente_validacion', 'validada', 'activa')",
        )
        .bind(affiliation.as_str())
        .fetch_optional(self.store.reader())
        .await?;
        match live {
            None => Ok(()),
            Some((folio, RegistrationState::PendingValidation, created_at)) => {
                Err(Error::AlreadyPending { folio, created_at })
            }
            Some((folio, _, _)) => Err(Error::AlreadyRegistered { folio }),
        }
    }
}
