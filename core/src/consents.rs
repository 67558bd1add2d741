//! The consent's whole life after the registration: at a later visit to a desk, the
//! affiliate grants or revokes the grouping consent, or answers a new version of a text
//! they answered in an older one. Each answer is a new consent row with its own evidence
//! (the exact text, who, where, when); the latest answer to a text is the one in force,
//! and none is ever rewritten.

use crate::desk::Desk;
use crate::domain::registration::CONSENT_METHOD;
use crate::domain::{DocumentKind, EventKind};
use crate::error::{Error, Result};
use crate::legal;
use crate::store::rows::RegistrationRow;
use crate::sync;
use crate::sync::payload::{ConsentPayload, ConsentRecord};
use crate::work::{Actor, Subject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An answer given at a desk after the registration, as the screen sends it: the text
/// shown (its id and hash, so a text replaced meanwhile is refused) and the answer.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LaterAnswer {
    pub registration_id: String,
    pub kind: DocumentKind,
    pub document_id: i64,
    pub sha256: String,
    pub accepted: bool,
}

/// Where a registration stands with one text: the version in force and the affiliate's
/// latest answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentStanding {
    pub kind: DocumentKind,
    pub current_version: i64,
    pub current_document_id: i64,
    /// The version of the latest answer; none when the text was never answered.
    pub answered_version: Option<i64>,
    pub accepted: Option<bool>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The latest answer was to an older version: show the new one at this visit.
    pub needs_new_answer: bool,
}

impl Desk {
    /// For each text in force, the registration's latest answer to it.
    pub async fn consent_standings(&self, registration_id: &str) -> Result<Vec<ConsentStanding>> {
        let registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        let current = legal::current_documents(&self.store).await?;
        let mut standings = Vec::with_capacity(current.len());
        for doc in current {
            let latest: Option<(i64, bool, DateTime<Utc>)> = sqlx::query_as(
                "SELECT document_version, accepted, decided_at FROM consents
                  WHERE registration_id = ? AND document_kind = ?
                  ORDER BY decided_at DESC, rowid DESC LIMIT 1",
            )
            .bind(&registration.id)
            .bind(doc.kind)
            .fetch_optional(self.store.reader())
            .await?;
            standings.push(ConsentStanding {
                kind: doc.kind,
                current_version: doc.version,
                current_document_id: doc.id,
                answered_version: latest.map(|l| l.0),
                accepted: latest.map(|l| l.1),
                decided_at: latest.map(|l| l.2),
                needs_new_answer: latest.is_none_or(|l| l.0 < doc.version),
            });
        }
        Ok(standings)
    }

    /// Records an answer given at this visit. For the grouping consent it is also the
    /// answer in force for the family's agenda, here and, through the sync, centrally.
    pub async fn answer_consent(&self, answer: &LaterAnswer) -> Result<ConsentStanding> {
        let clerk = self.current_clerk()?;
        let registration =
            RegistrationRow::by_id(self.store.reader(), &answer.registration_id).await?;
        if registration.state.is_closed() {
            return Err(Error::RegistrationClosed {
                folio: registration.folio,
                state: registration.state,
            });
        }
        let shown_is_current = legal::versions_in_force(&self.store)
            .await?
            .iter()
            .any(|d| d.is(answer.kind, answer.document_id, &answer.sha256));
        if !shown_is_current {
            return Err(Error::DocumentChanged(answer.kind));
        }
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let settings = self.settings();
        let mut work = self.work(Actor::Staff(clerk.username.clone())).await?;
        let now = work.now();
        let consent = ConsentPayload::insert(
            work.conn(),
            ConsentRecord {
                registration_id: &registration.id,
                document_id: answer.document_id,
                accepted: answer.accepted,
                decided_at: now,
                method: CONSENT_METHOD,
                clerk: &clerk.username,
                office: &settings.office,
                workstation: &settings.workstation,
            },
        )
        .await?;
        work.share(&consent).await?;
        if answer.kind == DocumentKind::ConsentimientoAgrupacion {
            sqlx::query(
                "UPDATE registrations SET family_grouping = ?, updated_at = ? WHERE id = ?",
            )
            .bind(answer.accepted)
            .bind(crate::store::db_time(now))
            .bind(&registration.id)
            .execute(work.conn())
            .await?;
            // The central database takes the latest answer by its time, whatever the
            // order in which stations' answers arrive.
            work.event(
                &registration.id,
                EventKind::GroupingAnswered,
                json!({ "agrupacion": answer.accepted }),
            )
            .await?;
        }
        work.audit(
            "consentimiento_respondido",
            Subject::of(&registration),
            json!({
                "folio": registration.folio,
                "tipo": answer.kind.as_str(),
                "version": consent.document_version,
                "aceptado": answer.accepted,
            }),
        )
        .await?;
        work.commit().await?;
        self.consent_standings(&registration.id)
            .await?
            .into_iter()
            .find(|s| s.kind == answer.kind)
            .ok_or_else(|| Error::Internal("texto sin postura".into()))
    }
}
