//! The settings screen: a supervisor changes how this station works (office, email,
//! central database, lifetimes and thresholds), and tries the email delivery.

use crate::config::{KeyOnDisk, Settings};
use crate::desk::{Desk, KEY_ON_DISK_ACCEPTED};
use crate::domain::{EmailAddress, EmailState, Field, SupervisorApproval};
use crate::error::{Error, Result};
use crate::outbox::Transport;
use crate::store::db_time;
use crate::sync::Central;
use crate::work::{Actor, Subject};
use serde_json::json;
use std::path::Path;

/// Names of the settings that differ (values stay out of the audit trail).
fn changed_keys(old: &Settings, new: &Settings) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

impl Desk {
    /// Applies new settings from the settings screen: checks every field, asks for a
    /// supervisor's approval once a supervisor exists, switches email delivery (SMTP with
    /// `smtp_password`, or files) and audits which settings changed (never secrets).
    pub async fn change_settings(
        &self,
        new: Settings,
        smtp_password: Option<&str>,
        central_password: Option<&str>,
        approval: &SupervisorApproval,
        outbox_files: &Path,
    ) -> Result<()> {
        new.validate().map_err(Error::Fields)?;
        let clerk = self.current_clerk()?;
        let supervisor = self.approve(approval).await?;
        let transport = match &new.smtp {
            Some(smtp) => Transport::smtp(smtp, smtp_password)?,
            None => Transport::files(outbox_files)?,
        };
        let central = match new.central_url.trim() {
            "" => None,
            url => Some(Central::with_root_certificate(
                url,
                central_password,
                &new.central_root_certificate_pem,
            )?),
        };
        let old = self.settings();
        let changed = changed_keys(&old, &new);
        // Audited under the new settings: a move to another office is recorded there.
        let mut work = self
            .work(Actor::Staff(supervisor))
            .await?
            .with_settings(new.clone());
        work.audit(
            "ajustes_cambiados",
            Subject::Station,
            json!({ "claves": changed, "capturista": clerk.username }),
        )
        .await?;
        if !new.central_url.trim().is_empty() {
            // Joined to the central database: the roster comes from there only.
            let retired = crate::store::roster::retire_demo(work.conn()).await?;
            if retired.rows > 0 {
                work.audit(
                    "padron_demostracion_retirado",
                    Subject::Station,
                    json!({ "filas": retired.rows, "registros_retenidos": retired.registrations_held }),
                )
                .await?;
            }
        }
        work.commit().await?;
        self.replace_settings(new);
        // Valid settings, chosen by a supervisor: what waited on hold goes out now.
        *self
            .settings_problem
            .write()
            .expect("settings problem lock") = None;
        // Emails that waited for these settings (a refused password, a server down) are
        // tried now rather than at their next scheduled attempt.
        sqlx::query("UPDATE outbox_messages SET next_attempt_at = ? WHERE state = ?")
            .bind(db_time(self.clock.now()))
            .bind(EmailState::Queued)
            .execute(self.store.writer())
            .await?;
        self.use_transport(transport);
        self.use_central(central);
        Ok(())
    }

    /// A supervisor accepts that this station, which has no credential store, keeps its
    /// database key in a file of the data folder: registrations resume. Audited, and kept
    /// in the database so it holds after a restart.
    pub async fn accept_key_on_disk(&self, approval: &SupervisorApproval) -> Result<()> {
        let clerk = self.current_clerk()?;
        let supervisor = self.approve(approval).await?;
        let now = self.now();
        let mut work = self.work_at(Actor::Staff(supervisor.clone()), now).await?;
        work.audit(
            "clave_en_disco_aceptada",
            Subject::Station,
            json!({ "capturista": clerk.username }),
        )
        .await?;
        crate::store::meta::set(
            work.conn(),
            KEY_ON_DISK_ACCEPTED,
            &format!("{} {supervisor}", crate::store::db_time(now)),
        )
        .await?;
        work.commit().await?;
        tracing::info!(%supervisor, "database key on disk accepted");
        *self.key_on_disk.write().expect("key custody lock") = Some(KeyOnDisk::Accepted);
        Ok(())
    }

    /// Sends a test email now through the current transport, reporting the server's own
    /// complaint in Spanish when it fails.
    pub async fn send_test_email(&self, to: &str) -> Result<()> {
        self.current_clerk()?;
        self.ensure_settings_usable()?;
        let to = EmailAddress::parse_field(to, Field::TestRecipient)?;
        let settings = self.settings();
        self.transport()
            .send_test(&settings, &to)
            .await
            .map_err(|e| Error::SmtpTest(format!("La prueba de correo falló: {e}")))
    }
}
