//! Sync with the central PostgreSQL. Every local write that the institute must know
//! about also appends a row to `sync_queue` in the same transaction; the sync worker
//! pushes the queue in order (each row idempotent by its UUID: a repeat after a cut is
//! harmless), then pulls roster changes and state changes made centrally (a validation
//! by link, a cancellation) since its watermarks. A registration that meets a live
//! account of the same affiliate already in the central database becomes `conflicto`:
//! kept, shown to the clerk with the other account's folio and office, never dropped.

use crate::clock::ClockOffset;
use crate::desk::Desk;
use crate::domain::RegistrationState;
use crate::error::{Error, Result};
use crate::store::constraint::{Violation, violation};
use crate::store::{db_time, meta};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, SqliteConnection};
use std::str::FromStr;
use std::time::Duration;

/// Rows pushed per round trip to the central database.
const PUSH_BATCH: i64 = 500;
/// How long the registration form waits for the central check before going on offline.
pub const CENTRAL_CHECK_TIMEOUT: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Document,
    Registration,
    Consent,
    Token,
    Account,
    Audit,
    Event,
    /// A version of a staff account, shared with the office's other stations.
    Staff,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Document => "documento",
            Entity::Registration => "registro",
            Entity::Consent => "consentimiento",
            Entity::Token => "token",
            Entity::Account => "cuenta",
            Entity::Audit => "auditoria",
            Entity::Event => "evento",
            Entity::Staff => "personal",
        }
    }
}

/// Queues `payload` (the row as the central schema names its columns) for the push.
pub(crate) async fn enqueue(
    conn: &mut SqliteConnection,
    entity: Entity,
    id: &str,
    registration_id: Option<&str>,
    payload: Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_queue (id, entity, registration_id, payload, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(entity.as_str())
    .bind(registration_id)
    .bind(payload.to_string())
    .bind(db_time(now))
    .execute(&mut *conn)
    .await?;
    if let Some(registration_id) = registration_id {
        sqlx::query(
            "UPDATE registrations SET sync_state = 'pendiente', sync_error = NULL
              WHERE id = ? AND sync_state IN ('sincronizado', 'error')",
        )
        .bind(registration_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// An event for a registration (its own UUID), applied centrally by the database.
pub(crate) async fn enqueue_event(
    conn: &mut SqliteConnection,
    registration_id: &str,
    kind: &str,
    payload: Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = uuid::Uuid::new_v4().to_string();
    enqueue(
        conn,
        Entity::Event,
        &id,
        Some(registration_id),
        json!({ "id": id, "registration_id": registration_id, "kind": kind, "payload": payload, "occurred_at": now }),
        now,
    )
    .await
}

/// A problem with one record, for the status bar.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RecordProblem {
    pub registration_id: String,
    pub folio: String,
    pub sync_state: String,
    pub message: Option<String>,
}

/// What the status bar shows on every screen.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SyncStatus {
    pub configured: bool,
    pub online: bool,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Registrations with something not yet in the central database.
    pub records_waiting: i64,
    /// Rows of any kind waiting (a registration is several: consents, token, audit…).
    pub changes_waiting: i64,
    pub oldest_record_waiting_at: Option<DateTime<Utc>>,
    pub emails_waiting: i64,
    pub oldest_email_waiting_at: Option<DateTime<Utc>>,
    pub problems: Vec<RecordProblem>,
    /// How far the central clock is ahead of this station's, in seconds, as last measured
    /// (negative: the station is ahead). `None` before the first round that reached it.
    pub clock_offset_seconds: Option<i64>,
    /// The station's clock is off by more than the configured minutes: the clerk is told
    /// (the central clock still decides expiry, so nothing breaks meanwhile).
    pub clock_skewed: bool,
}

/// What one sync round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: u64,
    pub conflicts: u64,
    pub roster_rows_pulled: u64,
    pub states_pulled: u64,
    /// Staff account versions from the office's other stations that were newer here.
    pub staff_pulled: u64,
}

/// Connection to the central database (lazy: offline is a normal state).
#[derive(Clone)]
pub struct Central {
    pool: PgPool,
}

impl Central {
    /// `url` without the password, which comes from the credential store.
    pub fn new(url: &str, password: Option<&str>) -> Result<Self> {
        let mut options = PgConnectOptions::from_str(url).map_err(|_| {
            crate::domain::FieldError::new(
                crate::domain::Field::CentralUrl,
                "no_valido",
                "La dirección de la base central debe ser como postgres://usuario@servidor:5432/base.",
            )
        })?;
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            options = options.password(password);
        }
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with(options);
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates or updates the central schema (an administrator's job, not the desk's).
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("../migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// A live registration of the affiliate anywhere in the institute, if the central
    /// database answers quickly; `None` also when it does not (the check moves to sync).
    pub async fn live_registration_of(&self, affiliation: &str) -> Option<LiveRegistration> {
        let query = sqlx::query_as::<_, LiveRegistration>(
            "SELECT folio, state, office FROM live_registration_of($1)",
        )
        .bind(affiliation)
        .fetch_optional(&self.pool);
        match tokio::time::timeout(CENTRAL_CHECK_TIMEOUT, query).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "central check unavailable; registering offline");
                None
            }
            Err(_) => {
                tracing::info!("central check timed out; registering offline");
                None
            }
        }
    }
}

/// The affiliate's live registration in the central database, made at some office.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveRegistration {
    pub folio: String,
    pub state: RegistrationState,
    pub office: String,
}

#[derive(sqlx::FromRow)]
struct PulledStaffVersion {
    #[sqlx(flatten)]
    version: crate::staff::StaffVersion,
    change_seq: i64,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    seq: i64,
    id: String,
    entity: String,
    registration_id: Option<String>,
    payload: String,
}

fn insert_sql(entity: &str) -> &'static str {
    match entity {
        "documento" => {
            "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
             SELECT kind, version, title, body, sha256, published_at
               FROM jsonb_populate_record(NULL::legal_documents, $1)
             ON CONFLICT (kind, version) DO NOTHING"
        }
        "registro" => {
            "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                        family_grouping, office, workstation, clerk, created_at)
             SELECT id, folio, affiliation_number, phone_e164, email, state, family_grouping,
                    office, workstation, clerk, created_at
               FROM jsonb_populate_record(NULL::registrations, $1)
             ON CONFLICT (id) DO NOTHING"
        }
        "consentimiento" => {
            "INSERT INTO consents (id, registration_id, document_kind, document_version, document_sha256,
                                   accepted, decided_at, method, clerk, office, workstation)
             SELECT id, registration_id, document_kind, document_version, document_sha256, accepted,
                    decided_at, method, clerk, office, workstation
               FROM jsonb_populate_record(NULL::consents, $1)
             ON CONFLICT (id) DO NOTHING"
        }
        "token" => {
            "INSERT INTO validation_tokens (id, registration_id, link_sha256, code_sha256, state,
                                            created_at, expires_at)
             SELECT id, registration_id, link_sha256, code_sha256, state, created_at, expires_at
               FROM jsonb_populate_record(NULL::validation_tokens, $1)
             ON CONFLICT (id) DO NOTHING"
        }
        "cuenta" => {
            "INSERT INTO accounts (registration_id, username, password_hash, must_change_password,
                                   password_set_at)
             SELECT registration_id, username, password_hash, must_change_password, password_set_at
               FROM jsonb_populate_record(NULL::accounts, $1)
             ON CONFLICT (registration_id) DO NOTHING"
        }
        "personal" => {
            "INSERT INTO staff_versions (id, username, full_name, role, password_hash, active,
                                         must_change_password, changed_at)
             SELECT id, username, full_name, role, password_hash, active, must_change_password,
                    changed_at
               FROM jsonb_populate_record(NULL::staff_versions, $1)
             ON CONFLICT (id) DO NOTHING"
        }
        "auditoria" => {
            "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number,
                                       clerk, office, workstation, detail)
             SELECT id, occurred_at, action, registration_id, affiliation_number, clerk, office,
                    workstation, detail
               FROM jsonb_populate_record(NULL::audit_events, $1)
             ON CONFLICT (id) DO NOTHING"
        }
        _ => {
            "INSERT INTO registration_events (id, registration_id, kind, payload, occurred_at)
             SELECT id, registration_id, kind, payload, occurred_at
               FROM jsonb_populate_record(NULL::registration_events, $1)
             ON CONFLICT (id) DO NOTHING"
        }
    }
}

fn entity_rank(entity: &str) -> u8 {
    match entity {
        "documento" => 0,
        "registro" => 1,
        "consentimiento" => 2,
        "token" => 3,
        "cuenta" => 4,
        "evento" => 5,
        _ => 6,
    }
}

/// The queued row as the central database gets it: its instants moved onto the central
/// clock with the offset measured in this round.
fn payload_of(row: &QueueRow, offset: ClockOffset) -> Result<Value> {
    let mut payload: Value = serde_json::from_str(&row.payload)
        .map_err(|e| Error::Internal(format!("sync payload {}: {e}", row.id)))?;
    to_central_clock(&mut payload, offset);
    Ok(payload)
}

fn payload_array(rows: &[&QueueRow], offset: ClockOffset) -> Result<Value> {
    rows.iter()
        .map(|r| payload_of(r, offset))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
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

fn is_live_conflict(e: &sqlx::Error) -> bool {
    violation(e) == Some(Violation::OneLivePerAffiliate)
}

impl Desk {
    /// Connects this desk to the central database (or disconnects it with `None`).
    pub fn use_central(&self, central: Option<Central>) {
        *self.central.write().expect("central lock") = central;
        self.sync_wake.notify_one();
    }

    pub fn central(&self) -> Option<Central> {
        self.central.read().expect("central lock").clone()
    }

    /// The central database, unless the last sync round found it unreachable within the
    /// last minute: an office without network should not wait at every registration.
    pub fn central_if_reachable(&self) -> Option<Central> {
        let status = self.sync_status.read().expect("sync status lock");
        let recently_down = !status.online
            && status.last_error.is_some()
            && status
                .last_attempt_at
                .is_some_and(|at| self.clock.now() - at < chrono::Duration::seconds(60));
        drop(status);
        if recently_down { None } else { self.central() }
    }

    /// Asks for a sync round now ("Sincronizar ahora", or a local change).
    pub fn request_sync(&self) {
        self.sync_wake.notify_one();
    }

    /// One round: learn the central clock, push everything waiting, then pull. Errors
    /// leave the queue as it was.
    pub async fn sync_once(&self) -> Result<SyncReport> {
        let Some(central) = self.central() else {
            return Ok(SyncReport::default());
        };
        let offset = self.measure_clock_offset(&central).await?;
        let mut report = SyncReport::default();
        loop {
            let (pushed, conflicts, more) = self.push_batch(&central, offset).await?;
            report.pushed += pushed;
            report.conflicts += conflicts;
            if !more {
                break;
            }
        }
        let (roster, states) = self.pull(&central, offset).await?;
        report.roster_rows_pulled = roster;
        report.states_pulled = states;
        report.staff_pulled = self.pull_staff(&central, offset).await?;
        Ok(report)
    }

    /// Asks the central database for its time (`SELECT now()`) and keeps the offset, in
    /// memory for this round's conversions and in `app_meta` for the status bar and the
    /// emails' expiry times after a restart without network.
    async fn measure_clock_offset(&self, central: &Central) -> Result<ClockOffset> {
        let sent = self.clock.now();
        let central_now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&central.pool)
            .await?;
        let offset = ClockOffset::measure(sent, central_now, self.clock.now());
        meta::set_clock_offset(&mut *self.store.writer().acquire().await?, offset).await?;
        *self.clock_offset.write().expect("clock offset lock") = Some(offset);
        Ok(offset)
    }

    /// The last measured offset from the central clock, if any round ever reached it.
    pub fn clock_offset(&self) -> Option<ClockOffset> {
        *self.clock_offset.read().expect("clock offset lock")
    }

    /// A station instant as the institute's clock would read it: the central clock when
    /// its offset is known, this station's own clock otherwise (a station that works
    /// alone has no other clock to trust).
    pub fn institute_time(&self, station: DateTime<Utc>) -> DateTime<Utc> {
        self.clock_offset()
            .map_or(station, |offset| offset.to_central(station))
    }

    /// Tries a conflicting registration again (say, the other office cancelled theirs).
    pub async fn retry_conflict(&self, registration_id: &str) -> Result<()> {
        self.current_clerk()?;
        let mut tx = self.store.writer().begin().await?;
        sqlx::query("UPDATE registrations SET sync_state = 'pendiente', sync_error = NULL WHERE id = ? AND sync_state = 'conflicto'")
            .bind(registration_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sync_queue SET state = 'pendiente' WHERE registration_id = ? AND state = 'retenido'")
            .bind(registration_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.request_sync();
        Ok(())
    }

    /// A record whose upload is in flight is frozen: desk actions on it wait.
    pub(crate) async fn ensure_not_uploading(&self, registration_id: &str) -> Result<()> {
        let uploading: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sync_queue WHERE registration_id = ? AND state = 'enviando'",
        )
        .bind(registration_id)
        .fetch_one(self.store.reader())
        .await?;
        if uploading > 0 {
            return Err(Error::RecordUploading);
        }
        Ok(())
    }

    async fn push_batch(&self, central: &Central, offset: ClockOffset) -> Result<(u64, u64, bool)> {
        let now = self.clock.now();
        // Rows of a registration in conflict wait for the clerk; everything else goes.
        let rows: Vec<QueueRow> = sqlx::query_as(
            "UPDATE sync_queue SET state = 'enviando', attempts = attempts + 1
              WHERE seq IN (SELECT q.seq FROM sync_queue q
                             WHERE q.state IN ('pendiente', 'error')
                               AND NOT EXISTS (SELECT 1 FROM registrations r
                                                WHERE r.id = q.registration_id AND r.sync_state = 'conflicto')
                             ORDER BY q.seq LIMIT ?)
          RETURNING seq, id, entity, registration_id, payload",
        )
        .bind(PUSH_BATCH)
        .fetch_all(self.store.writer())
        .await?;
        if rows.is_empty() {
            return Ok((0, 0, false));
        }
        let mut rows = rows;
        rows.sort_by_key(|r| r.seq);
        let result = self.push_rows(central, &rows, offset).await;
        let mut tx = self.store.writer().begin().await?;
        let outcome = match result {
            Ok(conflicted) => {
                // The rows this round claimed are exactly those still 'enviando'.
                let held = serde_json::to_string(&conflicted).unwrap_or_else(|_| "[]".into());
                let pushed = sqlx::query(
                    "UPDATE sync_queue
                        SET state = CASE WHEN registration_id IN (SELECT value FROM json_each(?1))
                                         THEN 'retenido' ELSE 'sincronizado' END,
                            synced_at = CASE WHEN registration_id IN (SELECT value FROM json_each(?1))
                                             THEN NULL ELSE ?2 END,
                            last_error = NULL
                      WHERE state = 'enviando'",
                )
                .bind(&held)
                .bind(db_time(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let pushed = pushed.saturating_sub(
                    rows.iter()
                        .filter(|r| {
                            r.registration_id
                                .as_ref()
                                .is_some_and(|id| conflicted.contains(id))
                        })
                        .count() as u64,
                );
                for registration_id in &conflicted {
                    let detail = match central.live_registration_of_for(registration_id, self).await {
                        Some(LiveRegistration { folio, state, office }) => format!(
                            "El afiliado ya tiene un registro en la base central (folio {folio}, {}, oficina {office}). Revise con el afiliado cuál conservar: cancele este registro local o pida a la otra oficina cancelar el suyo y reintente.",
                            state.label()
                        ),
                        None => "El afiliado ya tiene un registro vivo en la base central. Revise cuál conservar.".to_owned(),
                    };
                    sqlx::query("UPDATE registrations SET sync_state = 'conflicto', sync_error = ? WHERE id = ?")
                        .bind(detail)
                        .bind(registration_id)
                        .execute(&mut *tx)
                        .await?;
                }
                // Only the registrations this round touched can have become fully synced.
                sqlx::query(
                    "UPDATE registrations SET sync_state = 'sincronizado', sync_error = NULL
                      WHERE id IN (SELECT DISTINCT registration_id FROM sync_queue WHERE seq BETWEEN ?1 AND ?2)
                        AND sync_state IN ('pendiente', 'enviando', 'error')
                        AND NOT EXISTS (SELECT 1 FROM sync_queue q WHERE q.registration_id = registrations.id
                                          AND q.state <> 'sincronizado')",
                )
                .bind(rows.first().map_or(0, |r| r.seq))
                .bind(rows.last().map_or(0, |r| r.seq))
                .execute(&mut *tx)
                .await?;
                Ok((
                    pushed,
                    conflicted.len() as u64,
                    rows.len() as i64 == PUSH_BATCH,
                ))
            }
            Err(e) => {
                // Nothing was committed centrally: everything goes back, with the reason.
                let message = describe_sync_error(&e);
                for row in &rows {
                    sqlx::query(
                        "UPDATE sync_queue SET state = 'error', last_error = ? WHERE seq = ?",
                    )
                    .bind(&message)
                    .bind(row.seq)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE registrations SET sync_state = 'error', sync_error = ?
                      WHERE sync_state <> 'conflicto'
                        AND id IN (SELECT registration_id FROM sync_queue WHERE state = 'error')",
                )
                .bind(&message)
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
    /// the conflicting registration is held back.
    async fn push_rows(
        &self,
        central: &Central,
        rows: &[QueueRow],
        offset: ClockOffset,
    ) -> Result<Vec<String>> {
        // One statement per kind: parents first (a registration before its consents, a
        // token or account before the events that change it), queue order within a kind.
        let mut ordered: Vec<&QueueRow> = rows.iter().collect();
        ordered.sort_by_key(|r| (entity_rank(&r.entity), r.seq));
        let rows = ordered;
        let mut conn = central.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let mut conflicted: Vec<String> = Vec::new();
        let mut start = 0;
        while start < rows.len() {
            let entity = rows[start].entity.as_str();
            let end = rows[start..]
                .iter()
                .position(|r| r.entity != entity)
                .map_or(rows.len(), |n| start + n);
            let run: Vec<&QueueRow> = rows[start..end]
                .iter()
                .copied()
                .filter(|r| {
                    !r.registration_id
                        .as_ref()
                        .is_some_and(|id| conflicted.contains(id))
                })
                .collect();
            start = end;
            if run.is_empty() {
                continue;
            }
            let batch = payload_array(&run, offset)?;
            let sql =
                insert_sql(entity).replace("jsonb_populate_record(", "jsonb_populate_recordset(");
            let mut savepoint = tx.begin().await?;
            match sqlx::query(&sql)
                .bind(&batch)
                .execute(&mut *savepoint)
                .await
            {
                Ok(_) => savepoint.commit().await?,
                Err(e) if entity == "registro" && is_live_conflict(&e) => {
                    savepoint.rollback().await?;
                    for row in run {
                        let mut one = tx.begin().await?;
                        match sqlx::query(insert_sql(entity))
                            .bind(payload_of(row, offset)?)
                            .execute(&mut *one)
                            .await
                        {
                            Ok(_) => one.commit().await?,
                            Err(e) if is_live_conflict(&e) => {
                                one.rollback().await?;
                                if let Some(id) = &row.registration_id {
                                    conflicted.push(id.clone());
                                }
                            }
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(conflicted)
    }

    /// Roster rows and this office's registration states changed centrally since the
    /// watermarks. Applying them does not queue anything back.
    async fn pull(&self, central: &Central, offset: ClockOffset) -> Result<(u64, u64)> {
        let roster_mark = meta::get_i64(self.store.reader(), "central_roster_seq").await?;
        let roster: Vec<(String, String, String, String, String, bool, i64)> = sqlx::query_as(
            "SELECT affiliation_number, credential_serial, full_name, kind, family_nucleus, is_current, change_seq
               FROM roster_affiliates WHERE change_seq > $1 ORDER BY change_seq LIMIT 50000",
        )
        .bind(roster_mark)
        .fetch_all(&central.pool)
        .await?;
        let states_mark = meta::get_i64(self.store.reader(), "central_registration_seq").await?;
        type StateRow = (
            uuid::Uuid,
            String,
            String,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<String>,
            i64,
        );
        let states: Vec<StateRow> = sqlx::query_as(
            "SELECT id, state, email, validated_at, closed_at, closed_reason, change_seq
               FROM registrations WHERE change_seq > $1 ORDER BY change_seq LIMIT 50000",
        )
        .bind(states_mark)
        .fetch_all(&central.pool)
        .await?;
        let now = db_time(self.clock.now());
        let mut tx = self.store.writer().begin().await?;
        let mut max_roster = roster_mark;
        for (number, serial, name, kind, nucleus, current, seq) in &roster {
            sqlx::query(
                "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name, search_name,
                                                kind, family_nucleus, is_current, is_demo, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)
                 ON CONFLICT (affiliation_number) DO UPDATE SET
                   credential_serial = excluded.credential_serial, full_name = excluded.full_name,
                   search_name = excluded.search_name, kind = excluded.kind,
                   family_nucleus = excluded.family_nucleus, is_current = excluded.is_current,
                   is_demo = 0, updated_at = excluded.updated_at",
            )
            .bind(number)
            .bind(serial)
            .bind(name)
            .bind(crate::domain::search_key(name))
            .bind(kind)
            .bind(nucleus)
            .bind(current)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            max_roster = max_roster.max(*seq);
        }
        if !roster.is_empty() {
            sqlx::query("DELETE FROM roster_affiliates WHERE is_demo = 1")
                .execute(&mut *tx)
                .await?;
        }
        let mut max_states = states_mark;
        let mut applied = 0u64;
        for (id, state, email, validated_at, closed_at, closed_reason, seq) in &states {
            let changed = sqlx::query(
                "UPDATE registrations SET state = ?1, email = ?2,
                        validated_at = coalesce(?3, validated_at), closed_at = coalesce(?4, closed_at),
                        closed_reason = coalesce(?5, closed_reason), updated_at = ?6
                  WHERE id = ?7 AND (state <> ?1 OR email <> ?2)",
            )
            .bind(state)
            .bind(email)
            .bind(validated_at.map(|t| db_time(offset.to_station(t))))
            .bind(closed_at.map(|t| db_time(offset.to_station(t))))
            .bind(closed_reason)
            .bind(&now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            applied += changed;
            max_states = max_states.max(*seq);
        }
        meta::set_i64(&mut tx, "central_roster_seq", max_roster).await?;
        meta::set_i64(&mut tx, "central_registration_seq", max_states).await?;
        tx.commit().await?;
        Ok((roster.len() as u64, applied))
    }

    /// The office's staff accounts changed at other stations, applied in the order the
    /// central database received them (its `change_seq`), never by the stations' clocks:
    /// a station whose clock reads 2030 cannot make its version win. A version of an
    /// account changed here and not yet pushed waits (the local change goes up next and
    /// comes back as the newest). Failed attempts and locks stay as they are here.
    async fn pull_staff(&self, central: &Central, offset: ClockOffset) -> Result<u64> {
        let mark = meta::get_i64(self.store.reader(), "central_staff_seq").await?;
        let versions: Vec<PulledStaffVersion> = sqlx::query_as(
            "SELECT username, full_name, role, password_hash, active, must_change_password,
                    changed_at, change_seq
               FROM staff_versions WHERE change_seq > $1 ORDER BY change_seq LIMIT 50000",
        )
        .bind(mark)
        .fetch_all(&central.pool)
        .await?;
        let mut tx = self.store.writer().begin().await?;
        let mut applied = 0;
        let mut max_seq = mark;
        for PulledStaffVersion {
            version: v,
            change_seq,
        } in &versions
        {
            let changed_at = db_time(offset.to_station(v.changed_at));
            applied += sqlx::query(
                "INSERT INTO staff (username, full_name, role, password_hash, active,
                                    must_change_password, changed_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (username) DO UPDATE SET
                   full_name = excluded.full_name, role = excluded.role,
                   password_hash = excluded.password_hash, active = excluded.active,
                   must_change_password = excluded.must_change_password,
                   changed_at = excluded.changed_at
                 WHERE NOT EXISTS (SELECT 1 FROM sync_queue q
                                    WHERE q.entity = 'personal' AND q.state <> 'sincronizado'
                                      AND json_extract(q.payload, '$.username') = excluded.username)
                   AND (staff.full_name IS NOT excluded.full_name OR staff.role IS NOT excluded.role
                        OR staff.password_hash IS NOT excluded.password_hash
                        OR staff.active IS NOT excluded.active
                        OR staff.must_change_password IS NOT excluded.must_change_password)",
            )
            .bind(&v.username)
            .bind(&v.full_name)
            .bind(&v.role)
            .bind(&v.password_hash)
            .bind(v.active)
            .bind(v.must_change_password)
            .bind(&changed_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            max_seq = max_seq.max(*change_seq);
        }
        meta::set_i64(&mut tx, "central_staff_seq", max_seq).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// The status bar's figures, from the local database and the last round.
    pub async fn sync_status(&self) -> Result<SyncStatus> {
        let mut status = self.sync_status.read().expect("sync status lock").clone();
        status.configured = self.central().is_some();
        let (changes, records, oldest): (i64, i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*), count(DISTINCT registration_id), min(created_at) FROM sync_queue
              WHERE state IN ('pendiente', 'enviando', 'error', 'retenido')",
        )
        .fetch_one(self.store.reader())
        .await?;
        status.records_waiting = records;
        status.changes_waiting = changes;
        status.oldest_record_waiting_at = oldest;
        let emails = crate::outbox::counts(&self.store).await?;
        status.emails_waiting = emails.queued;
        status.oldest_email_waiting_at = emails.oldest_queued_at;
        let offset = self.clock_offset();
        status.clock_offset_seconds = offset.map(|o| o.millis / 1000);
        status.clock_skewed =
            offset.is_some_and(|o| o.exceeds_minutes(self.settings().clock_skew_warning_minutes));
        status.problems = sqlx::query_as(
            "SELECT id AS registration_id, folio, sync_state, sync_error AS message FROM registrations
              WHERE sync_state IN ('error', 'conflicto') ORDER BY created_at DESC LIMIT 100",
        )
        .fetch_all(self.store.reader())
        .await?;
        Ok(status)
    }

    /// Runs sync rounds forever: on start, every `every`, and when woken.
    pub async fn run_sync(self, every: Duration) {
        // Rows left 'enviando' by a stop are safe to push again: every insert is idempotent.
        if let Err(e) =
            sqlx::query("UPDATE sync_queue SET state = 'pendiente' WHERE state = 'enviando'")
                .execute(self.store.writer())
                .await
        {
            tracing::error!(error = ?e, "sync: could not reset interrupted rows");
        }
        loop {
            if self.central().is_some() {
                let started = self.clock.now();
                let outcome =
                    tokio::time::timeout(Duration::from_secs(120), self.sync_once()).await;
                let mut status = self.sync_status.write().expect("sync status lock");
                status.last_attempt_at = Some(started);
                match outcome {
                    Ok(Ok(report)) => {
                        status.online = true;
                        status.last_success_at = Some(self.clock.now());
                        status.last_error = None;
                        if report != SyncReport::default() {
                            tracing::info!(
                                pushed = report.pushed,
                                conflicts = report.conflicts,
                                roster = report.roster_rows_pulled,
                                states = report.states_pulled,
                                "sync round"
                            );
                        }
                    }
                    Ok(Err(e)) => {
                        status.online = false;
                        status.last_error = Some(describe_sync_error(&e));
                        tracing::warn!(error = ?e, "sync round failed");
                    }
                    Err(_) => {
                        status.online = false;
                        status.last_error =
                            Some("La base central tardó demasiado en responder.".to_owned());
                    }
                }
            }
            tokio::select! {
                _ = self.sync_wake.notified() => {}
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}

impl Central {
    async fn live_registration_of_for(
        &self,
        registration_id: &str,
        desk: &Desk,
    ) -> Option<LiveRegistration> {
        let affiliation: Option<String> =
            sqlx::query_scalar("SELECT affiliation_number FROM registrations WHERE id = ?")
                .bind(registration_id)
                .fetch_optional(desk.store.reader())
                .await
                .ok()
                .flatten();
        self.live_registration_of(&affiliation?).await
    }
}

/// The clerk's sentence for a failed round: offline is normal, anything else is named.
fn describe_sync_error(e: &Error) -> String {
    match e {
        Error::Storage(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed) => {
            "Sin conexión con la base central: los registros se guardan en esta estación y se enviarán solos al volver la red.".to_owned()
        }
        Error::Storage(sqlx::Error::Database(db)) => {
            format!("La base central rechazó el envío: {}", db.message())
        }
        Error::Storage(other) => format!("La sincronización falló: {other}"),
        other => format!("La sincronización falló: {other}"),
    }
}
