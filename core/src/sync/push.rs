//! The push: queued rows go up in order, in one central transaction per batch, each
//! idempotent; a registration that meets a live account elsewhere is held back.

use super::central::{Central, conflict_detail, sync_trouble};
use super::entity::Entity;
use super::payload::AuditPayload;
use super::queue::QueueRow;
use super::worker::SyncWorker;
use crate::clock::ClockOffset;
use crate::domain::{QueueState, SyncState};
use crate::error::{Error, Result};
use crate::store::constraint::{Violation, violation};
use crate::store::db_time;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::Connection;
use std::time::{Duration, Instant};

/// The rows' payloads as one JSON array (a batch statement's `$1`).
fn payload_array(rows: &[&QueueRow]) -> Value {
    Value::Array(rows.iter().map(|r| r.payload.clone()).collect())
}

/// One CSV field for `COPY … (FORMAT csv)`: a JSON null is an unquoted empty field (SQL
/// NULL); anything else is quoted, a string as it is, a number or a boolean as its JSON
/// text (which PostgreSQL reads as such), an object as its JSON text (a `jsonb` column).
fn push_csv_field(out: &mut String, value: &Value) {
    let text = match value {
        Value::Null => return,
        Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
        other => std::borrow::Cow::Owned(other.to_string()),
    };
    out.push('"');
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// The run as CSV for its staging table: the row's place in the run, then `columns`.
fn staging_csv(rows: &[&QueueRow], columns: &[&str]) -> String {
    let mut out = String::with_capacity(rows.len() * 400);
    for (ord, row) in rows.iter().enumerate() {
        out.push_str(&ord.to_string());
        for column in columns {
            out.push(',');
            push_csv_field(&mut out, &row.payload[*column]);
        }
        out.push('\n');
    }
    out
}

/// A run of rows as the central database takes it fastest: `COPY` into a temporary
/// staging table of this connection (no row-level security, no index: it only holds the
/// run), then one idempotent `INSERT … SELECT … ON CONFLICT DO NOTHING` into the real
/// table, as the office's role, in the run's order. Every policy, trigger and key of the
/// real table applies exactly as to the JSON batch it replaces; the staging table empties
/// as it is read, and its rows vanish at the end of the transaction whatever happens.
async fn insert_through_staging(
    conn: &mut sqlx::PgConnection,
    entity: Entity,
    data: &str,
) -> std::result::Result<(), sqlx::Error> {
    let (table, columns) = (entity.table(), entity.columns());
    let list = columns.join(", ");
    let stage = format!("push_{table}");
    let attempt = async {
        sqlx::query(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS
                 AS SELECT 0::bigint AS ord, {list} FROM {table} WITH NO DATA"
        ))
        .execute(&mut *conn)
        .await?;
        let mut copy = conn
            .copy_in_raw(&format!(
                "COPY {stage} (ord, {list}) FROM STDIN (FORMAT csv)"
            ))
            .await?;
        copy.send(data.as_bytes()).await?;
        copy.finish().await?;
        sqlx::query(&entity.insert_from_staging_sql(&stage))
            .execute(&mut *conn)
            .await?;
        Ok(())
    };
    attempt.await
}

/// A run's rows as its statement takes them.
enum Prepared {
    Csv(String),
    Json(Value),
}

/// Every instant of a payload (its `…_at` fields) on the central clock. A station whose
/// clock runs days ahead or behind still sends a token born now and living exactly its
/// lifetime by the central clock, which is the one that judges the link.
fn to_central_clock(payload: &mut Value, offset: ClockOffset) {
    let Value::Object(fields) = payload else {
        return;
    };
    for (name, value) in fields.iter_mut() {
        if !name.ends_with("_at") {
            continue;
        }
        if let Some(instant) = value
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        {
            *value = json!(offset.to_central(instant.with_timezone(&Utc)));
        }
    }
}

/// The order rows go up in: one statement per kind, parents first (a registration before
/// its consents, a token or account before the events that change it), queue order within
/// a kind. But a registration queued after an event starts a new round of kinds: the event
/// may be the cancellation that lets this person register again, and it must reach the
/// central database before the new registration does (else the two look like two live
/// accounts of one person). Events between registrations are rare (validations,
/// cancellations, expiries), so a batch stays a handful of statements.
fn push_order(rows: &[QueueRow]) -> Vec<&QueueRow> {
    let mut round = 0u32;
    let mut event_in_round = false;
    let mut ordered: Vec<(u32, &QueueRow)> = rows
        .iter()
        .map(|row| {
            if row.entity == Entity::Registration && event_in_round {
                round += 1;
                event_in_round = false;
            }
            event_in_round |= row.entity == Entity::Event;
            (round, row)
        })
        .collect();
    ordered.sort_by_key(|(round, r)| (*round, r.entity.push_rank(), r.seq));
    ordered.into_iter().map(|(_, r)| r).collect()
}

fn is_live_conflict(e: &sqlx::Error) -> bool {
    violation(e) == Some(Violation::OneLivePerAffiliate)
}

/// Another registration holds this folio centrally (`registrations_folio_key`): folios are
/// drawn at random by each station, so two can meet, however rarely.
fn is_folio_taken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some("registrations_folio_key"))
}

/// The central database's "not yours to do" (SQLSTATE 42501): for a staff version, made
/// without the authority its office's accounts require (migrations/postgres/…_staff_authority.sql).
fn is_refused(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
            Some(db.message().to_owned())
        }
        _ => None,
    }
}

/// A staff version the central database refused: the account here goes back to the
/// office's version in force with the next pull, or stops signing in if the office has none.
struct StaffRefusal {
    seq: i64,
    username: String,
    reason: String,
}

/// What one push round did, or a whole pass (the sum of its rounds).
#[derive(Default)]
pub(super) struct PushRound {
    pub pushed: u64,
    pub conflicts: u64,
    pub staff_refused: u64,
    /// Rows went back to waiting (a registration with a new folio): claim again.
    pub more: bool,
}

impl PushRound {
    fn add(&mut self, round: &PushRound) {
        self.pushed += round.pushed;
        self.conflicts += round.conflicts;
        self.staff_refused += round.staff_refused;
    }
}

/// The registrations a round set aside, by kind. The next round was claimed before they
/// were known, so its rows of them are kept back too, and go as these went.
#[derive(Default)]
pub(super) struct SetAside {
    conflicted: Vec<String>,
    folio_taken: Vec<String>,
    quarantined: Vec<String>,
}

impl SetAside {
    fn holds(&self, registration_id: &String) -> bool {
        self.conflicted.contains(registration_id)
            || self.folio_taken.contains(registration_id)
            || self.quarantined.contains(registration_id)
    }
}

/// Whether `row` stays out of the central transaction: its registration was set aside
/// earlier in it, or by the round before.
fn kept_back(row: &QueueRow, so_far: &Pushed, before: &SetAside) -> bool {
    row.registration_id
        .as_ref()
        .is_some_and(|id| before.holds(id) || so_far.holds(id))
}

/// A round the central database has answered, waiting for this station to record it.
struct Sent {
    rows: Vec<QueueRow>,
    outcome: Result<Pushed>,
    /// What the round before set aside (its rows here were kept back).
    before: SetAside,
}

impl Sent {
    fn seqs(&self) -> Vec<i64> {
        self.rows.iter().map(|r| r.seq).collect()
    }
}

/// What the central transaction left for the station to record.
#[derive(Default)]
struct Pushed {
    /// Registrations held back by a live account elsewhere.
    conflicted: Vec<String>,
    refused: Vec<StaffRefusal>,
    /// Rows the central database would not take, with its reason.
    quarantined: Vec<Quarantined>,
    /// Registrations whose folio another station's registration already has centrally:
    /// they get a new folio here and go again.
    folio_taken: Vec<String>,
}

impl Pushed {
    fn holds(&self, registration_id: &String) -> bool {
        self.conflicted.contains(registration_id)
            || self.folio_taken.contains(registration_id)
            || self
                .quarantined
                .iter()
                .any(|q| q.registration_id.as_ref() == Some(registration_id))
    }

    fn set_aside(&self) -> SetAside {
        SetAside {
            conflicted: self.conflicted.clone(),
            folio_taken: self.folio_taken.clone(),
            quarantined: self
                .quarantined
                .iter()
                .filter_map(|q| q.registration_id.clone())
                .collect(),
        }
    }
}

/// A row set aside: with its registration (and the rest of that registration's rows) it
/// waits for someone at the desk; the status bar shows it with the reason.
struct Quarantined {
    seq: i64,
    registration_id: Option<String>,
    reason: String,
}

/// A refusal of this row's data (a constraint, a rule of the office's role), as opposed to
/// the network or the server failing: the rest of the batch can still go.
fn refused_row(e: &sqlx::Error) -> Option<String> {
    match e {
        // Data (22), integrity (23), a rule of the office's role (42501) or of a trigger
        // (P0001); not a schema the station does not know (42P01…), which every row
        // would meet.
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            (code.starts_with("22") || code.starts_with("23") || code == "42501" || code == "P0001")
                .then(|| db.message().to_owned())
        }
        _ => None,
    }
}

/// A new folio for a registration whose folio the central database already holds: the
/// same day, new random characters; its queued row carries it, and the audit trail keeps
/// both (the affiliate's receipt shows the first one, which «Buscar» and the validation by
/// code still find through `previous_folios`).
async fn refolio(
    tx: &mut sqlx::SqliteConnection,
    registration_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (old, affiliation, office, workstation): (String, String, String, String) = sqlx::query_as(
        "SELECT folio, affiliation_number, office, workstation FROM registrations WHERE id = ?",
    )
    .bind(registration_id)
    .fetch_one(&mut *tx)
    .await?;
    let day = old
        .get(4..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%y%m%d").ok())
        .unwrap_or_else(|| now.date_naive());
    let new = crate::security::new_folio(day);
    sqlx::query("UPDATE registrations SET folio = ? WHERE id = ?")
        .bind(&new)
        .bind(registration_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT OR IGNORE INTO previous_folios (folio, registration_id) VALUES (?, ?)")
        .bind(&old)
        .bind(registration_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE sync_payloads SET payload = json_set(payload, '$.folio', ?)
          WHERE seq IN (SELECT seq FROM sync_queue WHERE registration_id = ? AND entity = ?)",
    )
    .bind(&new)
    .bind(registration_id)
    .bind(Entity::Registration)
    .execute(&mut *tx)
    .await?;
    let audit = AuditPayload {
        id: uuid::Uuid::new_v4().to_string(),
        occurred_at: now,
        action: FOLIO_REASSIGNED,
        registration_id: Some(registration_id.to_owned()),
        affiliation_number: Some(affiliation),
        clerk: "sistema".to_owned(),
        office,
        workstation,
        detail: serde_json::json!({ "anterior": old, "nuevo": new }),
    };
    audit.insert(&mut *tx).await?;
    super::queue::share(&mut *tx, &audit, now).await
}

/// The rows a round claims, oldest first. Rows of a registration in conflict wait for the
/// clerk; everything else goes. The waiting states and the conflict stay literal
/// (QueueState::Pending, Error; SyncState::Conflict): SQLite uses the partial indexes
/// `sync_queue_waiting` and `registrations_in_conflict` only for this text (a test below
/// reads the plan). The registrations in conflict are looked up once (`NOT IN`, through the
/// partial index `registrations_in_conflict`), not once per queued row: a `NOT EXISTS` per
/// row cost 36-65 ms for a round of 500 at the head of a long queue.
macro_rules! waiting_rows {
    () => {
        "SELECT q.seq FROM sync_queue q
          WHERE q.state IN ('pendiente', 'error')
            AND (q.registration_id IS NULL
                 OR q.registration_id NOT IN
                    (SELECT r.id FROM registrations r
                      WHERE r.sync_state = 'conflicto' AND r.id IS NOT NULL))
          ORDER BY q.seq LIMIT ?2"
    };
}

/// The claimed rows with their payloads, as one JSON array in one row: handed over one by
/// one through the driver's channel, 2,000 rows cost as much again as reading them
/// (README, «Mediciones», «Envío»). The payloads are read beside the small state rows from
/// `sync_payloads` (kept in the queue row, they were rewritten with its state: about 220
/// dirty pages of the encrypted database per round, twice).
macro_rules! claimed_rows {
    () => {
        concat!(
            "SELECT json_group_array(json_array(q.seq, q.entity, q.registration_id, json(p.payload)))
               FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
              WHERE q.seq IN (",
            waiting_rows!(),
            ")"
        )
    };
}

/// Marks the same rows as being sent (its own statement in the same transaction, so the
/// same rows).
macro_rules! mark_claimed {
    () => {
        concat!(
            "UPDATE sync_queue SET state = ?1, attempts = attempts + 1 WHERE seq IN (",
            waiting_rows!(),
            ")"
        )
    };
}

/// A round's claim, in one call to the driver: the rows, then their mark.
const CLAIM: &str = concat!(claimed_rows!(), ";\n", mark_claimed!());

/// The audit action of a folio drawn again ([`refolio`]).
pub(crate) const FOLIO_REASSIGNED: &str = "folio_reasignado";

impl SyncWorker {
    /// Pushes everything waiting, round after round, as a pipeline: while the central
    /// database takes one round, this station acknowledges the round before and claims the
    /// next (its SQLite work and the central statements overlap instead of taking turns;
    /// README, «Mediciones», «Envío»). The central side still gets the rounds one at a time
    /// and in queue order. Rows of a registration that the round before set aside (a live
    /// account elsewhere, a folio taken, a refused row) may already be in the next round,
    /// claimed before that was known: they are kept back from the central database and
    /// acknowledged as that registration's rows would have been ([`SetAside`]).
    pub(super) async fn push_rounds(
        &self,
        central: &Central,
        offset: ClockOffset,
    ) -> Result<PushRound> {
        let mut total = PushRound::default();
        let mut sending = self.claim_round(offset).await?;
        let mut before = SetAside::default();
        let mut unacknowledged: Option<Sent> = None;
        loop {
            if sending.is_empty() {
                let Some(last) = unacknowledged.take() else {
                    break;
                };
                let round = self.acknowledge_or_release(central, last).await?;
                total.add(&round);
                if !round.more {
                    break;
                }
                // A registration with a new folio goes again at once.
                sending = self.claim_round(offset).await?;
                before = SetAside::default();
                continue;
            }
            let send = self.push_rows(central, &sending, &before);
            let local = async {
                let acknowledged = match unacknowledged.take() {
                    Some(last) => {
                        let seqs = last.seqs();
                        Some(self.acknowledge(central, last).await.map_err(|e| (e, seqs)))
                    }
                    None => None,
                };
                let next = match &acknowledged {
                    Some(Err(_)) => Ok(Vec::new()),
                    _ => self.claim_round(offset).await,
                };
                (acknowledged, next)
            };
            let (sent, (acknowledged, next)) = tokio::join!(send, local);
            let sent = Sent {
                rows: sending,
                outcome: sent,
                before,
            };
            let next = match (acknowledged, next) {
                (Some(Err((e, earlier))), _) => {
                    // This station could not record the round before: it and this one go
                    // again later (every insert is idempotent).
                    let mut seqs = earlier;
                    seqs.extend(sent.seqs());
                    self.release(&seqs).await;
                    return Err(e);
                }
                (Some(Ok(round)), next) => {
                    total.add(&round);
                    next
                }
                (None, next) => next,
            };
            let next = match next {
                Ok(next) => next,
                Err(e) => {
                    self.release(&sent.seqs()).await;
                    return Err(e);
                }
            };
            if sent.outcome.is_err() {
                // Nothing of this round was committed centrally; the next, claimed meanwhile,
                // was never sent: it waits as it was, and this round says why.
                self.release(&next.iter().map(|r| r.seq).collect::<Vec<_>>())
                    .await;
                // Acknowledging a failed round returns its error.
                let round = self.acknowledge_or_release(central, sent).await?;
                total.add(&round);
                return Ok(total);
            }
            // What this round set aside, for the round after.
            before = sent
                .outcome
                .as_ref()
                .map(Pushed::set_aside)
                .unwrap_or_default();
            unacknowledged = Some(sent);
            sending = next;
        }
        Ok(total)
    }

    /// A round's rows, in queue order, marked as being sent; their instants already on the
    /// central clock.
    async fn claim_round(&self, offset: ClockOffset) -> Result<Vec<QueueRow>> {
        let mut tx = self.store.begin_write().await?;
        let claimed: Vec<(String,)> = sqlx::query_as(CLAIM)
            .bind(QueueState::Sending)
            .bind(self.rows_per_round)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some((array,)) = claimed.first() else {
            return Ok(Vec::new());
        };
        let mut rows: Vec<QueueRow> =
            serde_json::from_str(array).map_err(|e| Error::Internal(format!("sync claim: {e}")))?;
        rows.sort_by_key(|r| r.seq);
        for row in &mut rows {
            to_central_clock(&mut row.payload, offset);
        }
        Ok(rows)
    }

    /// Claimed rows that will not be acknowledged in this pass wait again, unsent or sent
    /// (a second push of a row changes nothing centrally). Only this pass's rows: another
    /// push (the first supervisor's sign-up) may have its own in flight.
    async fn release(&self, seqs: &[i64]) {
        let claimed = serde_json::to_string(seqs).unwrap_or_else(|_| "[]".into());
        if let Err(e) = sqlx::query(
            "UPDATE sync_queue SET state = ?1
              WHERE seq IN (SELECT value FROM json_each(?2)) AND state = ?3",
        )
        .bind(QueueState::Pending)
        .bind(&claimed)
        .bind(QueueState::Sending)
        .execute(self.store.writer())
        .await
        {
            tracing::error!(error = ?e, "sync: could not release the rows of an unfinished round");
        }
    }

    /// [`Self::acknowledge`], and should this station fail to record the round, its rows
    /// wait again ([`Self::release`]) instead of staying frozen as being sent.
    async fn acknowledge_or_release(&self, central: &Central, sent: Sent) -> Result<PushRound> {
        let seqs = sent.seqs();
        let acknowledged = self.acknowledge(central, sent).await;
        if acknowledged.is_err() {
            self.release(&seqs).await;
        }
        acknowledged
    }

    /// Records here what the central database did with a round: sent rows are synced,
    /// set-aside ones wait with their reason, and a round that failed goes back whole.
    async fn acknowledge(&self, central: &Central, sent: Sent) -> Result<PushRound> {
        let now = self.clock.now();
        let Sent {
            rows,
            outcome,
            before,
            ..
        } = sent;
        let mut tx = self.store.begin_write().await?;
        let outcome = match outcome {
            Ok(Pushed {
                conflicted,
                refused,
                quarantined,
                folio_taken,
            }) => {
                for registration_id in &folio_taken {
                    refolio(&mut tx, registration_id, now).await?;
                }
                for q in &quarantined {
                    let message = format!(
                        "La base central no aceptó este registro; los demás siguen subiendo. Revíselo y pulse «Reintentar», o pida ayuda a soporte. Detalle: {}",
                        q.reason
                    );
                    // The refused row, and the rest of its registration's rows (not sent).
                    sqlx::query(
                        "UPDATE sync_queue SET state = ?1, last_error = ?2
                          WHERE seq = ?3
                             OR (state = ?4 AND registration_id IS NOT NULL AND registration_id = ?5)",
                    )
                    .bind(QueueState::Held)
                    .bind(&message)
                    .bind(q.seq)
                    .bind(QueueState::Sending)
                    .bind(&q.registration_id)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(id) = &q.registration_id {
                        sqlx::query(
                            "UPDATE registrations SET sync_state = ?, sync_error = ? WHERE id = ?",
                        )
                        .bind(SyncState::Error)
                        .bind(&message)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                for refusal in &refused {
                    tracing::warn!(username = %refusal.username, reason = %refusal.reason,
                        "the central database refused a staff account version");
                    sqlx::query("UPDATE sync_queue SET state = ?, last_error = ? WHERE seq = ?")
                        .bind(QueueState::Held)
                        .bind(format!(
                            "La base central no aceptó este cambio de la cuenta. Detalle: {}",
                            refusal.reason
                        ))
                        .bind(refusal.seq)
                        .execute(&mut *tx)
                        .await?;
                    // Until the office's version arrives, the account does not sign in here.
                    sqlx::query(
                        "UPDATE staff SET active = 0, version_id = NULL WHERE username = ?",
                    )
                    .bind(&refusal.username)
                    .execute(&mut *tx)
                    .await?;
                }
                if !refused.is_empty() {
                    // The office's versions of these accounts may have been pulled long ago
                    // and skipped then (the local change was waiting): read them again.
                    sqlx::query("DELETE FROM app_meta WHERE key = 'central_staff_seq'")
                        .execute(&mut *tx)
                        .await?;
                }
                // The rows this round claimed, those still 'enviando' (not set aside
                // above), found by their seq: a search by state alone reads the whole
                // queue, every round (no index has 'enviando').
                // Rows kept back because the round before set their registration aside
                // go as that round's rows of it went.
                let held_ids: Vec<&String> = conflicted.iter().chain(&before.conflicted).collect();
                let again_ids: Vec<&String> =
                    folio_taken.iter().chain(&before.folio_taken).collect();
                let held = serde_json::to_string(&held_ids).unwrap_or_else(|_| "[]".into());
                let again = serde_json::to_string(&again_ids).unwrap_or_else(|_| "[]".into());
                let claimed =
                    serde_json::to_string(&rows.iter().map(|r| r.seq).collect::<Vec<_>>())
                        .unwrap_or_else(|_| "[]".into());
                let pushed = sqlx::query(
                    "UPDATE sync_queue
                        SET state = CASE WHEN registration_id IN (SELECT value FROM json_each(?1))
                                         THEN ?3
                                         WHEN registration_id IN (SELECT value FROM json_each(?7))
                                         THEN 'pendiente' ELSE ?4 END,
                            synced_at = CASE WHEN registration_id IN (SELECT value FROM json_each(?1))
                                               OR registration_id IN (SELECT value FROM json_each(?7))
                                             THEN NULL ELSE ?2 END,
                            last_error = NULL
                      WHERE seq IN (SELECT value FROM json_each(?6)) AND state = ?5",
                )
                .bind(&held)
                .bind(db_time(now))
                .bind(QueueState::Held)
                .bind(QueueState::Synced)
                .bind(QueueState::Sending)
                .bind(&claimed)
                .bind(&again)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let pushed = pushed.saturating_sub(
                    rows.iter()
                        .filter(|r| {
                            r.registration_id
                                .as_ref()
                                .is_some_and(|id| held_ids.contains(&id) || again_ids.contains(&id))
                        })
                        .count() as u64,
                );
                for registration_id in &conflicted {
                    let detail = conflict_detail(&self.store, central, registration_id).await;
                    sqlx::query(
                        "UPDATE registrations SET sync_state = ?, sync_error = ? WHERE id = ?",
                    )
                    .bind(SyncState::Conflict)
                    .bind(detail)
                    .bind(registration_id)
                    .execute(&mut *tx)
                    .await?;
                }
                // Only the registrations this round touched can have become fully synced.
                sqlx::query(
                    "UPDATE registrations SET sync_state = ?3, sync_error = NULL
                      WHERE id IN (SELECT DISTINCT registration_id FROM sync_queue WHERE seq BETWEEN ?1 AND ?2)
                        AND sync_state IN (?4, ?5, ?6)
                        AND NOT EXISTS (SELECT 1 FROM sync_queue q WHERE q.registration_id = registrations.id
                                          AND q.state <> ?7)",
                )
                .bind(rows.first().map_or(0, |r| r.seq))
                .bind(rows.last().map_or(0, |r| r.seq))
                .bind(SyncState::Synced)
                .bind(SyncState::Pending)
                .bind(SyncState::Sending)
                .bind(SyncState::Error)
                .bind(QueueState::Synced)
                .execute(&mut *tx)
                .await?;
                Ok(PushRound {
                    pushed,
                    conflicts: conflicted.len() as u64,
                    staff_refused: refused.len() as u64,
                    // A registration with a new folio goes at once, in the next round.
                    more: !again_ids.is_empty(),
                })
            }
            Err(e) => {
                // Nothing was committed centrally: everything goes back, with the reason.
                let trouble = sync_trouble(&e);
                let message = match &trouble.detail {
                    Some(detail) => format!("{} Detalle: {detail}", trouble.message),
                    None => trouble.message.clone(),
                };
                let claimed =
                    serde_json::to_string(&rows.iter().map(|r| r.seq).collect::<Vec<_>>())
                        .unwrap_or_else(|_| "[]".into());
                sqlx::query(
                    "UPDATE sync_queue SET state = ?1, last_error = ?2
                      WHERE seq IN (SELECT value FROM json_each(?3))",
                )
                .bind(QueueState::Error)
                .bind(&message)
                .bind(&claimed)
                .execute(&mut *tx)
                .await?;
                if trouble.offline {
                    // Waiting for the network is not a problem of these records: they stay
                    // "to be sent", not "needs attention".
                    tx.commit().await?;
                    return Err(e);
                }
                sqlx::query(
                    "UPDATE registrations SET sync_state = ?1, sync_error = ?2
                      WHERE sync_state <> ?3
                        AND id IN (SELECT registration_id FROM sync_queue WHERE state = ?4)",
                )
                .bind(SyncState::Error)
                .bind(&message)
                .bind(SyncState::Conflict)
                .bind(QueueState::Error)
                .execute(&mut *tx)
                .await?;
                Err(e)
            }
        };
        tx.commit().await?;
        outcome
    }

    /// Inserts the rows centrally in one transaction, a statement per run of rows of the
    /// same kind (queue order keeps registrations before their consents). A run of
    /// registrations that meets a live account elsewhere is redone row by row, so only
    /// the conflicting registration is held back. Staff versions go one by one, in queue
    /// order (each may be judged on the one before it), and a refused one is set aside.
    async fn push_rows(
        &self,
        central: &Central,
        rows: &[QueueRow],
        before: &SetAside,
    ) -> Result<Pushed> {
        let started = Instant::now();
        let mut prepared_in = Duration::ZERO;
        let rows = push_order(rows);
        let mut conn = central.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        // The staging tables' "already exists, skipping" notices are not for the log.
        sqlx::query("SET LOCAL client_min_messages = warning")
            .execute(&mut *tx)
            .await?;
        let mut pushed = Pushed::default();
        let mut start = 0;
        while start < rows.len() {
            let entity = rows[start].entity;
            let end = rows[start..]
                .iter()
                .position(|r| r.entity != entity)
                .map_or(rows.len(), |n| start + n);
            let run: Vec<&QueueRow> = rows[start..end]
                .iter()
                .copied()
                .filter(|r| !kept_back(r, &pushed, before))
                .collect();
            start = end;
            if run.is_empty() {
                continue;
            }
            let Some(sql) = entity.push_sql() else {
                // Nothing to send: the row counts as done.
                continue;
            };
            if entity == Entity::Staff {
                for row in run {
                    let payload = &row.payload;
                    let mut one = tx.begin().await?;
                    match sqlx::query(&entity.insert_sql(false))
                        .bind(payload)
                        .execute(&mut *one)
                        .await
                    {
                        Ok(_) => one.commit().await?,
                        Err(e) => {
                            let Some(reason) = is_refused(&e) else {
                                return Err(e.into());
                            };
                            one.rollback().await?;
                            pushed.refused.push(StaffRefusal {
                                seq: row.seq,
                                username: payload["username"].as_str().unwrap_or_default().into(),
                                reason,
                            });
                        }
                    }
                }
                continue;
            }
            let preparing = Instant::now();
            let data = if entity.stages() {
                Prepared::Csv(staging_csv(&run, entity.columns()))
            } else {
                Prepared::Json(payload_array(&run))
            };
            prepared_in += preparing.elapsed();
            let mut savepoint = tx.begin().await?;
            let outcome = match data {
                Prepared::Csv(csv) => insert_through_staging(&mut savepoint, entity, &csv).await,
                Prepared::Json(batch) => sqlx::query(&sql)
                    .bind(batch)
                    .execute(&mut *savepoint)
                    .await
                    .map(|_| ()),
            };
            match outcome {
                Ok(_) => savepoint.commit().await?,
                // One row the central database will not take (a live account elsewhere, a
                // folio already there, a rule of the office's role) must not hold back the
                // others, round after round: the run goes again row by row and each row
                // refused is set aside with the database's reason.
                Err(e) if refused_row(&e).is_some() => {
                    savepoint.rollback().await?;
                    for row in run {
                        if kept_back(row, &pushed, before) {
                            continue;
                        }
                        let mut one = tx.begin().await?;
                        match sqlx::query(&sql)
                            .bind(payload_array(&[row]))
                            .execute(&mut *one)
                            .await
                        {
                            Ok(_) => one.commit().await?,
                            Err(e) if entity == Entity::Registration && is_live_conflict(&e) => {
                                one.rollback().await?;
                                if let Some(id) = &row.registration_id {
                                    pushed.conflicted.push(id.clone());
                                }
                            }
                            Err(e) if entity == Entity::Registration && is_folio_taken(&e) => {
                                one.rollback().await?;
                                if let Some(id) = &row.registration_id {
                                    tracing::warn!(registration_id = %id,
                                        "folio already taken centrally; a new one is drawn");
                                    pushed.folio_taken.push(id.clone());
                                }
                            }
                            Err(e) => {
                                let Some(reason) = refused_row(&e) else {
                                    return Err(e.into());
                                };
                                one.rollback().await?;
                                tracing::warn!(seq = row.seq, entity = %entity, %reason,
                                    "the central database refused a row; set aside");
                                pushed.quarantined.push(Quarantined {
                                    seq: row.seq,
                                    registration_id: row.registration_id.clone(),
                                    reason,
                                });
                            }
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        // For support, and for the push bench, which sums them: how long this round spent
        // with the central database (its floor) and preparing rows here.
        let preparing_us = prepared_in.as_micros() as u64;
        tracing::debug!(
            rows = rows.len(),
            central_us = (started.elapsed().as_micros() as u64).saturating_sub(preparing_us),
            preparing_us,
            "push round sent"
        );
        Ok(pushed)
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_claim_finds_waiting_rows_and_conflicts_through_their_partial_indexes() {
        for statement in [claimed_rows!(), mark_claimed!()] {
            let plan = crate::store::query_plan(statement).await;
            for index in [
                "INDEX sync_queue_waiting",
                "INDEX registrations_in_conflict",
            ] {
                assert!(plan.iter().any(|step| step.contains(index)), "{plan:#?}");
            }
            assert!(
                !plan.iter().any(|step| step.starts_with("SCAN p")),
                "a payload is read by its seq: {plan:#?}"
            );
        }
    }
}
