//! Backups of the local database: a copy every day (the app's maintenance loop asks), one
//! before migrations change an existing database (the store takes it), one whenever a
//! supervisor asks in «Ajustes»; and the restore of a copy, by a supervisor. Both audited.

use crate::audit::{self, Subject};
use crate::config::Settings;
use crate::desk::Desk;
use crate::domain::SupervisorApproval;
use crate::error::Result;
use crate::store::backup::{self, BackupInfo};
use crate::store::{DatabaseKey, Store};
use crate::work::Actor;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use std::path::Path;

/// A daily copy is due once the newest one is this old.
const DAILY: i64 = 24;
/// After a failed daily copy, the next try waits this long (the maintenance loop runs
/// every minute: a drive taken away must not fill the log).
const RETRY_MINUTES: i64 = 15;

/// What a restore did: the copy now in force, and where the database it replaced was
/// kept (`None` when there was no database file left to replace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RestoreOutcome {
    pub restored: String,
    pub kept_aside: Option<String>,
}

impl Desk {
    /// The copies in the backup folder, newest first.
    pub async fn list_backups(&self) -> Result<Vec<BackupInfo>> {
        self.current_clerk()?;
        backup::list(&self.backup_place().folder)
    }

    /// A copy now, asked for by a supervisor in «Ajustes».
    pub async fn back_up_now(&self, approval: &SupervisorApproval) -> Result<BackupInfo> {
        self.current_clerk()?;
        let supervisor = self.approve(approval).await?;
        self.back_up(Actor::Staff(supervisor), "a_peticion").await
    }

    /// The daily copy, when the newest copy in the folder is a day old or there is none.
    /// `None`: not due yet, or a failed copy is retried later. A failure stays in the
    /// status bar (since when, why) until a copy works again.
    pub async fn backup_if_due(&self) -> Result<Option<BackupInfo>> {
        let now = self.now();
        let failure = self.backup_failure();
        if failure
            .as_ref()
            .is_some_and(|f| now - f.last_attempt_at < Duration::minutes(RETRY_MINUTES))
        {
            return Ok(None);
        }
        let attempt = async {
            let newest = backup::list(&self.backup_place().folder)?
                .into_iter()
                .next();
            if newest.is_some_and(|b| now - b.taken_at < Duration::hours(DAILY)) {
                return Ok(None);
            }
            self.back_up(Actor::System, "diaria").await.map(Some)
        };
        let outcome = attempt.await;
        *self.backup_failure.write().expect("backup lock") = match &outcome {
            Ok(_) => None,
            Err(e) => Some(backup::BackupFailure {
                since: failure.map_or(now, |f| f.since),
                last_attempt_at: now,
                message: e.to_string(),
            }),
        };
        outcome
    }

    /// The daily backup's failure, if the last attempt failed.
    pub fn backup_failure(&self) -> Option<backup::BackupFailure> {
        self.backup_failure.read().expect("backup lock").clone()
    }

    async fn back_up(&self, actor: Actor, reason: &'static str) -> Result<BackupInfo> {
        let now = self.now();
        let copy = self.store.back_up(&self.backup_place(), now).await?;
        let mut work = self.work_at(actor, now).await?;
        work.audit(
            "copia_de_seguridad",
            Subject::Station,
            json!({ "archivo": copy.file_name, "motivo": reason }),
        )
        .await?;
        work.commit().await?;
        Ok(copy)
    }

    /// Puts the copy `file_name` of the backup folder in place of the database, with a
    /// supervisor's approval. The copy is checked before anything changes; the database it
    /// replaces is kept, renamed. This desk's database is closed afterwards: the shell
    /// starts the app again on the restored one.
    pub async fn restore_backup(
        &self,
        file_name: &str,
        approval: &SupervisorApproval,
    ) -> Result<RestoreOutcome> {
        self.current_clerk()?;
        let supervisor = self.approve(approval).await?;
        let place = self.backup_place();
        let copy = backup::find(&place.folder, file_name)?;
        backup::verify(&copy, &self.key).await?;
        self.store.close().await;
        restore_and_record(
            self.store.path(),
            &copy,
            &self.key,
            &self.settings(),
            self.now(),
            &supervisor,
        )
        .await
    }
}

/// Restores `copy` over `database` (its connections closed) and records the restore in
/// the restored database's own audit trail, which is the one that lives on. `actor`: who
/// restored (a supervisor, or the rescue screen of a station that could not start).
pub(crate) async fn restore_and_record(
    database: &Path,
    copy: &Path,
    key: &DatabaseKey,
    settings: &Settings,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<RestoreOutcome> {
    let kept = backup::restore(database, copy, key, now).await?;
    let restored = copy
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kept_aside = kept
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let store = Store::open(database, key).await?;
    let mut tx = store.begin_write().await?;
    audit::record(
        &mut tx,
        settings,
        now,
        actor,
        Subject::Station,
        "copia_restaurada",
        json!({ "archivo": restored, "base_reemplazada": kept_aside }),
    )
    .await?;
    tx.commit().await?;
    store.close().await;
    Ok(RestoreOutcome {
        restored,
        kept_aside,
    })
}
