//! Finding a registration at the desk and everything about it: state, consents, each
//! email with its delivery attempts, and whether the institute's promise (validation
//! email out within 10 minutes of submit) was kept.

use crate::audit;
use crate::desk::Desk;
use crate::domain::{
    AffiliationNumber, AttemptOutcome, DocumentKind, EmailAddress, EmailKind, EmailState, Field,
    FieldError, Phone, RegistrationState, search_key,
};
use crate::error::{Error, Result};
use crate::sync::{CentralQuery, RegistrationElsewhere};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// One page of results: what fits on the screen without scrolling through names.
const MAX_RESULTS: usize = 50;

/// The newest matches, and whether there are more than the page shows (the screen then
/// asks for more of the name, or the folio).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchResults {
    pub registrations: Vec<RegistrationSummary>,
    pub more: bool,
    /// Matches made at other stations (of this office, or live ones of other offices),
    /// found through the central database; none held here.
    pub elsewhere: Vec<RegistrationElsewhere>,
    pub reach: SearchReach,
}

/// Where a search looked: the clerk must know when a registration made at another station
/// could not have been found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SearchReach {
    /// A station without a central database: everything it knows is here.
    ThisStation,
    /// This station and the central database.
    Central,
    /// The central database did not answer: this station only.
    ThisStationOffline,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistrationSummary {
    pub registration_id: String,
    pub folio: String,
    pub affiliation_number: String,
    pub full_name: Option<String>,
    pub email: String,
    pub state: RegistrationState,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentView {
    pub document_kind: DocumentKind,
    pub document_version: i64,
    pub document_sha256: String,
    pub accepted: bool,
    pub decided_at: DateTime<Utc>,
    pub method: String,
    pub clerk: String,
    pub office: String,
    pub workstation: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EmailView {
    pub id: String,
    pub kind: EmailKind,
    pub recipient: String,
    pub state: EmailState,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub attempt_log: Vec<AttemptView>,
}

#[derive(sqlx::FromRow)]
struct EmailRow {
    id: String,
    kind: EmailKind,
    recipient: String,
    state: EmailState,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<String>,
}

/// The 10-minute promise for one registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
// `Promise` is JavaScript's own: a type of that name would shadow it in the screens.
#[cfg_attr(feature = "ts", ts(rename = "DeliveryPromise"))]
pub struct Promise {
    pub limit_minutes: u32,
    /// Seconds from submit to the first validation email accepted, or until now.
    pub elapsed_secs: i64,
    /// `Some(true)` kept, `Some(false)` broken (shown in red), `None` still within time.
    pub kept: Option<bool>,
    pub first_sent_at: Option<DateTime<Utc>>,
}

/// Where, by whom and how a registration was taken, and how it ended.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistrationRecord {
    pub phone_e164: String,
    /// The number in its country's grouping (`55 5555 0142`, `+1 (619) 555-0142`).
    #[sqlx(skip)]
    pub phone_display: String,
    pub family_grouping: bool,
    pub office: String,
    pub workstation: String,
    pub clerk: String,
    pub validated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    /// When the email and phone were erased (a right of cancellation or opposition, or
    /// the retention period ended).
    pub personal_data_erased_at: Option<DateTime<Utc>>,
}

/// The signed written consent (family grouping) handed back at the desk: when, by whom
/// and where, as the audit trail recorded it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentFormCollected {
    pub collected_at: DateTime<Utc>,
    pub clerk: String,
    pub office: String,
    pub workstation: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistrationDetail {
    #[serde(flatten)]
    pub summary: RegistrationSummary,
    #[serde(flatten)]
    pub record: RegistrationRecord,
    pub consents: Vec<ConsentView>,
    pub emails: Vec<EmailView>,
    pub promise: Promise,
    /// When "resend" becomes possible again (cooldown), if it is not now.
    pub resend_available_at: Option<DateTime<Utc>>,
    /// The signed written consent, once collected.
    pub consent_form_collected: Option<ConsentFormCollected>,
}

/// Longer than any name, email or folio a clerk would type: anything past it was pasted
/// by mistake, and would only make every comparison slower.
const MAX_QUERY_CHARS: usize = 120;

/// Each condition is its own indexed lookup, joined by `UNION`: one `OR` across them made
/// SQLite read every registration. The name goes through the trigram index of the
/// registrations' names (migration `..._search_by_name.sql`), newest first by the order the
/// station recorded them and only as many as the page shows: the roster's names are joined
/// to those few rows, not to every match.
fn search_sql(by_name: bool) -> String {
    let name = if by_name {
        "UNION SELECT registration_id FROM registration_names
          WHERE id IN (SELECT rowid FROM registration_names_index
                        WHERE registration_names_index MATCH ?5
                        ORDER BY rowid DESC LIMIT ?4)"
    } else {
        ""
    };
    format!(
        "SELECT r.id AS registration_id, r.folio, r.affiliation_number, a.full_name, r.email,
                r.state, r.created_at
           FROM registrations r
           LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
          WHERE r.id IN (SELECT id FROM registrations WHERE affiliation_number = ?1
                         UNION SELECT id FROM registrations WHERE folio = ?2
                         UNION SELECT registration_id FROM previous_folios WHERE folio = ?2
                         UNION SELECT id FROM registrations WHERE email = ?3
                         {name})
          ORDER BY r.created_at DESC
          LIMIT ?4"
    )
}

/// What the clerk typed, as a full-text phrase that matches it anywhere inside a name:
/// folded like the stored names, quoted so that no character is an operator. `None` under
/// three characters, which a trigram index cannot look up, and for control characters
/// (a pasted NUL ends the phrase early), which no roster name holds: the import refuses them.
fn name_phrase(query: &str) -> Option<String> {
    let key = search_key(query);
    (key.chars().count() >= 3 && !key.chars().any(char::is_control))
        .then(|| format!("\"{}\"", key.replace('"', "\"\"")))
}

impl Desk {
    /// Registrations matching an affiliation number, folio, email or part of a name.
    pub async fn search(&self, query: &str) -> Result<SearchResults> {
        self.current_clerk()?;
        let query = query.trim();
        let length = query.chars().count();
        if length > MAX_QUERY_CHARS {
            return Err(FieldError::new(
                Field::Query,
                "longitud",
                format!(
                    "La búsqueda admite hasta {MAX_QUERY_CHARS} caracteres (tiene {length}): escriba el número de afiliación, el folio, el correo o parte del nombre."
                ),
            )
            .into());
        }
        if length < 3 {
            return Err(FieldError::new(
                Field::Query,
                "longitud",
                "Escriba al menos 3 caracteres: número de afiliación, folio, correo o nombre.",
            )
            .into());
        }
        self.expire_overdue().await?;
        let affiliation = AffiliationNumber::parse(query)
            .map(|a| a.to_string())
            .unwrap_or_default();
        let email = EmailAddress::parse(query)
            .map(|e| e.to_string())
            .unwrap_or_default();
        let folio = query.to_uppercase();
        let phrase = name_phrase(query);
        let sql = search_sql(phrase.is_some());
        let mut search = sqlx::query_as(&sql)
            .bind(&affiliation)
            .bind(&folio)
            .bind(&email)
            // One past the page, to know whether there are more.
            .bind(MAX_RESULTS as i64 + 1);
        if let Some(phrase) = phrase {
            search = search.bind(phrase);
        }
        let mut registrations: Vec<RegistrationSummary> =
            search.fetch_all(self.store.reader()).await?;
        let mut more = registrations.len() > MAX_RESULTS;
        registrations.truncate(MAX_RESULTS);
        let central_query = CentralQuery {
            affiliation,
            folio,
            email,
            name_key: search_key(query),
            id: None,
        };
        let (elsewhere, reach) = match (self.central(), self.central_if_reachable()) {
            (None, _) => (Vec::new(), SearchReach::ThisStation),
            (Some(_), None) => (Vec::new(), SearchReach::ThisStationOffline),
            (Some(_), Some(central)) => {
                match central
                    .search_across_stations(&central_query, MAX_RESULTS + 1)
                    .await
                {
                    Ok(found) => {
                        more |= found.len() > MAX_RESULTS;
                        (self.not_held_here(found).await?, SearchReach::Central)
                    }
                    Err(e) => {
                        tracing::info!(error = ?e, "central search unavailable; this station only");
                        (Vec::new(), SearchReach::ThisStationOffline)
                    }
                }
            }
        };
        Ok(SearchResults {
            registrations,
            more,
            elsewhere,
            reach,
        })
    }

    /// The central matches this station does not hold (its own are shown from here, with
    /// everything the station knows about them).
    async fn not_held_here(
        &self,
        found: Vec<RegistrationElsewhere>,
    ) -> Result<Vec<RegistrationElsewhere>> {
        let ids = serde_json::to_string(
            &found
                .iter()
                .map(|r| r.registration_id.as_str())
                .collect::<Vec<_>>(),
        )
        .map_err(|e| Error::Internal(format!("ids: {e}")))?;
        let held: Vec<String> = sqlx::query_scalar(
            "SELECT value FROM json_each(?) WHERE value IN (SELECT id FROM registrations)",
        )
        .bind(ids)
        .fetch_all(self.store.reader())
        .await?;
        let mut elsewhere: Vec<RegistrationElsewhere> = found
            .into_iter()
            .filter(|r| !held.contains(&r.registration_id))
            .collect();
        elsewhere.truncate(MAX_RESULTS);
        Ok(elsewhere)
    }

    pub async fn registration_detail(&self, registration_id: &str) -> Result<RegistrationDetail> {
        self.current_clerk()?;
        let settings = self.settings();
        let now = self.clock.now();
        let mut record: RegistrationRecord = sqlx::query_as(
            "SELECT phone_e164, family_grouping, office, workstation, clerk, validated_at, closed_at,
                    closed_reason, personal_data_erased_at
               FROM registrations WHERE id = ?",
        )
        .bind(registration_id)
        .fetch_optional(self.store.reader())
        .await?
        .ok_or(Error::RegistrationNotFound)?;
        record.phone_display = Phone::display_stored(&record.phone_e164);
        let summary: RegistrationSummary = sqlx::query_as(
            "SELECT r.id AS registration_id, r.folio, r.affiliation_number, a.full_name, r.email,
                    r.state, r.created_at
               FROM registrations r
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE r.id = ?",
        )
        .bind(registration_id)
        .fetch_one(self.store.reader())
        .await?;
        let consents: Vec<ConsentView> = sqlx::query_as(
            "SELECT document_kind, document_version, document_sha256, accepted, decided_at, method,
                    clerk, office, workstation
               FROM consents WHERE registration_id = ? ORDER BY decided_at, document_id",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;
        let rows: Vec<EmailRow> = sqlx::query_as(
            "SELECT id, kind, recipient, state, created_at, sent_at, attempts, next_attempt_at, last_error
               FROM outbox_messages WHERE registration_id = ? ORDER BY created_at, rowid",
        )
        .bind(registration_id)
        .fetch_all(self.store.reader())
        .await?;
        let mut emails = Vec::with_capacity(rows.len());
        for r in rows {
            let attempt_log: Vec<AttemptView> = sqlx::query_as(
                "SELECT attempted_at, outcome, detail FROM outbox_attempts WHERE message_id = ? ORDER BY id",
            )
            .bind(&r.id)
            .fetch_all(self.store.reader())
            .await?;
            emails.push(EmailView {
                next_attempt_at: (r.state == EmailState::Queued).then_some(r.next_attempt_at),
                id: r.id,
                kind: r.kind,
                recipient: r.recipient,
                state: r.state,
                created_at: r.created_at,
                sent_at: r.sent_at,
                attempts: r.attempts,
                last_error: r.last_error,
                attempt_log,
            });
        }
        let promise = promise(&summary, &emails, settings.delivery_promise_minutes, now);
        let resend_available_at = emails
            .iter()
            .filter(|e| e.kind == EmailKind::Validation)
            .map(|e| e.created_at + Duration::seconds(i64::from(settings.resend_cooldown_secs)))
            .max()
            .filter(|at| *at > now && summary.state == RegistrationState::PendingValidation);
        // The signed form of the grouping answer in force (consents.rs: a later answer
        // needs its own).
        let grouping_answered_at = consents
            .iter()
            .filter(|c| c.document_kind == DocumentKind::ConsentimientoAgrupacion)
            .map(|c| c.decided_at)
            .max();
        let consent_form_collected = match grouping_answered_at {
            Some(since) => {
                audit::latest_about_since(
                    self.store.reader(),
                    registration_id,
                    audit::CONSENT_FORM_COLLECTED,
                    since,
                )
                .await?
            }
            None => None,
        }
        .map(|r| ConsentFormCollected {
            collected_at: r.occurred_at,
            clerk: r.clerk,
            office: r.office,
            workstation: r.workstation,
        });
        Ok(RegistrationDetail {
            summary,
            record,
            consents,
            emails,
            promise,
            resend_available_at,
            consent_form_collected,
        })
    }
}

/// From submit to the first validation email the server accepted (or until now).
fn promise(
    summary: &RegistrationSummary,
    emails: &[EmailView],
    limit_minutes: u32,
    now: DateTime<Utc>,
) -> Promise {
    let limit = Duration::minutes(i64::from(limit_minutes));
    let first_sent_at = emails
        .iter()
        .filter(|e| e.kind == EmailKind::Validation)
        .filter_map(|e| e.sent_at)
        .min();
    let (elapsed, kept) = match first_sent_at {
        Some(sent) => (
            sent - summary.created_at,
            Some(sent - summary.created_at <= limit),
        ),
        None if summary.state != RegistrationState::PendingValidation => {
            (now - summary.created_at, None)
        }
        None => {
            let elapsed = now - summary.created_at;
            (elapsed, (elapsed > limit).then_some(false))
        }
    };
    Promise {
        limit_minutes,
        elapsed_secs: elapsed.num_seconds().max(0),
        kept,
        first_sent_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sqlx::{Connection, SqliteConnection};

    async fn names_index() -> SqliteConnection {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE VIRTUAL TABLE names USING fts5(search_name, tokenize = 'trigram')")
            .execute(&mut conn)
            .await
            .unwrap();
        conn
    }

    async fn matches(conn: &mut SqliteConnection, phrase: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM names WHERE names MATCH ?")
            .bind(phrase)
            .fetch_one(conn)
            .await
            .unwrap()
    }

    proptest! {
        /// Whatever is typed, the phrase is valid full-text syntax, and a name holding what
        /// was typed is found by it: no character is an operator, none is lost.
        #[test]
        fn any_typed_part_of_a_name_finds_that_name(
            typed in "\\PC{0,30}",
            before in "[a-zñáé ]{0,10}",
            after in "[a-zñáé ]{0,10}",
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let mut conn = names_index().await;
                let name = search_key(&format!("{before}{typed}{after}"));
                sqlx::query("INSERT INTO names (search_name) VALUES (?), ('zzz qqq')")
                    .bind(&name)
                    .execute(&mut conn)
                    .await
                    .unwrap();
                if let Some(phrase) = name_phrase(&typed) {
                    let key = search_key(&typed);
                    let expected = i64::from(name.contains(&key)) + i64::from("zzz qqq".contains(&key));
                    prop_assert_eq!(matches(&mut conn, &phrase).await, expected, "{}", phrase);
                }
                Ok(())
            })?;
        }
    }

    #[test]
    fn short_or_control_text_is_no_name_phrase() {
        assert_eq!(name_phrase("  ab "), None);
        assert_eq!(name_phrase("ma\u{0}ria"), None);
        assert_eq!(name_phrase("O\"Brien").as_deref(), Some("\"o\"\"brien\""));
    }
}
