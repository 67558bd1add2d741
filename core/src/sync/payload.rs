//! One struct per row the central database gets: its fields are the central table's
//! columns ([`Entity::columns`]), it is the row's JSON in the sync queue and, where the
//! row is also kept here, it binds the local INSERT, so the two cannot drift apart.

use super::entity::Entity;
use crate::domain::{DocumentKind, EventKind, RegistrationState, Role, TokenState};
use crate::error::Result;
use crate::store::db_time;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::SqliteConnection;

/// A row the central database must get, queued with the change that made it.
pub(crate) trait Synced: Serialize {
    const ENTITY: Entity;
    /// The queue row's id, which also makes a repeated push harmless.
    fn queue_id(&self) -> String;
    /// The registration it belongs to, whose sync state it moves.
    fn registration_id(&self) -> Option<&str>;
    /// When it entered the queue (a staff version: when the account changed).
    fn queued_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now
    }
}

/// A published version of a legal text (stored locally; the central database gets its
/// texts from `registro-central --migrar`, and rows queued by earlier versions are
/// dropped at the push).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocumentPayload {
    pub kind: DocumentKind,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub sha256: String,
    pub published_at: DateTime<Utc>,
}

impl Synced for DocumentPayload {
    const ENTITY: Entity = Entity::Document;
    fn queue_id(&self) -> String {
        format!("documento:{}:{}", self.kind, self.version)
    }
    fn registration_id(&self) -> Option<&str> {
        None
    }
}

impl DocumentPayload {
    pub(crate) async fn insert(&self, conn: &mut SqliteConnection) -> Result<()> {
        sqlx::query(
            "INSERT INTO legal_documents (kind, version, title, body, sha256, published_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(self.kind)
        .bind(self.version)
        .bind(&self.title)
        .bind(&self.body)
        .bind(&self.sha256)
        .bind(db_time(self.published_at))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// A registration as it was taken at the desk.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RegistrationPayload {
    pub id: String,
    pub folio: String,
    pub affiliation_number: String,
    pub phone_e164: String,
    pub email: String,
    pub state: RegistrationState,
    pub family_grouping: bool,
    pub office: String,
    pub workstation: String,
    pub clerk: String,
    pub created_at: DateTime<Utc>,
}

impl Synced for RegistrationPayload {
    const ENTITY: Entity = Entity::Registration;
    fn queue_id(&self) -> String {
        self.id.clone()
    }
    fn registration_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl RegistrationPayload {
    /// Fails with the unique violation when the affiliate already has a live registration.
    pub(crate) async fn insert(&self, conn: &mut SqliteConnection) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO registrations (id, folio, affiliation_number, phone_e164, email, state,
                                        family_grouping, office, workstation, clerk, created_at,
                                        updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        )
        .bind(&self.id)
        .bind(&self.folio)
        .bind(&self.affiliation_number)
        .bind(&self.phone_e164)
        .bind(&self.email)
        .bind(self.state)
        .bind(self.family_grouping)
        .bind(&self.office)
        .bind(&self.workstation)
        .bind(&self.clerk)
        .bind(db_time(self.created_at))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The affiliate's answer to one legal document, with the version and hash shown.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConsentPayload {
    pub id: String,
    pub registration_id: String,
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

impl Synced for ConsentPayload {
    const ENTITY: Entity = Entity::Consent;
    fn queue_id(&self) -> String {
        self.id.clone()
    }
    fn registration_id(&self) -> Option<&str> {
        Some(&self.registration_id)
    }
}

/// What a consent records besides the document: who answered what, and where.
pub(crate) struct ConsentRecord<'a> {
    pub registration_id: &'a str,
    pub document_id: i64,
    pub accepted: bool,
    pub decided_at: DateTime<Utc>,
    pub method: &'a str,
    pub clerk: &'a str,
    pub office: &'a str,
    pub workstation: &'a str,
}

impl ConsentPayload {
    /// Stores the consent with the kind, version and hash of the stored document it
    /// answers (read in the same statement), and returns it as the central row.
    pub(crate) async fn insert(
        conn: &mut SqliteConnection,
        answer: ConsentRecord<'_>,
    ) -> Result<Self> {
        let id = uuid::Uuid::new_v4().to_string();
        let (document_kind, document_version, document_sha256): (DocumentKind, i64, String) =
            sqlx::query_as(
                "INSERT INTO consents (id, registration_id, document_id, document_kind,
                                       document_version, document_sha256, accepted, decided_at,
                                       method, clerk, office, workstation)
                 SELECT ?, ?, id, kind, version, sha256, ?, ?, ?, ?, ?, ?
                   FROM legal_documents WHERE id = ?
                 RETURNING document_kind, document_version, document_sha256",
            )
            .bind(&id)
            .bind(answer.registration_id)
            .bind(answer.accepted)
            .bind(db_time(answer.decided_at))
            .bind(answer.method)
            .bind(answer.clerk)
            .bind(answer.office)
            .bind(answer.workstation)
            .bind(answer.document_id)
            .fetch_one(conn)
            .await?;
        Ok(ConsentPayload {
            id,
            registration_id: answer.registration_id.to_owned(),
            document_kind,
            document_version,
            document_sha256,
            accepted: answer.accepted,
            decided_at: answer.decided_at,
            method: answer.method.to_owned(),
            clerk: answer.clerk.to_owned(),
            office: answer.office.to_owned(),
            workstation: answer.workstation.to_owned(),
        })
    }
}

/// A validation token: hashes only, never the link or the code.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TokenPayload {
    pub id: String,
    pub registration_id: String,
    pub link_sha256: String,
    pub code_sha256: String,
    pub state: TokenState,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Synced for TokenPayload {
    const ENTITY: Entity = Entity::Token;
    fn queue_id(&self) -> String {
        self.id.clone()
    }
    fn registration_id(&self) -> Option<&str> {
        Some(&self.registration_id)
    }
}

impl TokenPayload {
    pub(crate) async fn insert(&self, conn: &mut SqliteConnection) -> Result<()> {
        sqlx::query(
            "INSERT INTO validation_tokens (id, registration_id, link_sha256, code_sha256, state,
                                            created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&self.id)
        .bind(&self.registration_id)
        .bind(&self.link_sha256)
        .bind(&self.code_sha256)
        .bind(self.state)
        .bind(db_time(self.created_at))
        .bind(db_time(self.expires_at))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The affiliate's account, made at validation. Kept locally; centrally it travels inside
/// the validation event (rows queued as accounts by earlier versions are wrapped in one).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AccountPayload {
    pub registration_id: String,
    pub username: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub password_set_at: DateTime<Utc>,
}

impl Synced for AccountPayload {
    const ENTITY: Entity = Entity::Account;
    fn queue_id(&self) -> String {
        format!("cuenta:{}", self.registration_id)
    }
    fn registration_id(&self) -> Option<&str> {
        Some(&self.registration_id)
    }
}

impl AccountPayload {
    /// What a 'validado_en_ventanilla' event carries of the account: its hash (the
    /// username, office and instant are the registration's and the event's centrally).
    pub(crate) fn as_event_part(&self) -> Value {
        serde_json::json!({
            "username": self.username,
            "password_hash": self.password_hash,
            "must_change_password": self.must_change_password,
        })
    }

    pub(crate) async fn insert(&self, conn: &mut SqliteConnection) -> Result<()> {
        sqlx::query(
            "INSERT INTO accounts (registration_id, username, password_hash, must_change_password,
                                   password_set_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&self.registration_id)
        .bind(&self.username)
        .bind(&self.password_hash)
        .bind(self.must_change_password)
        .bind(db_time(self.password_set_at))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// One event of the audit trail.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuditPayload {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub action: &'static str,
    pub registration_id: Option<String>,
    pub affiliation_number: Option<String>,
    /// Who acted: the signed-in clerk, an approving supervisor, or the system.
    pub clerk: String,
    pub office: String,
    pub workstation: String,
    pub detail: Value,
}

impl Synced for AuditPayload {
    const ENTITY: Entity = Entity::Audit;
    fn queue_id(&self) -> String {
        self.id.clone()
    }
    fn registration_id(&self) -> Option<&str> {
        self.registration_id.as_deref()
    }
}

impl AuditPayload {
    pub(crate) async fn insert(&self, conn: &mut SqliteConnection) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number,
                                       clerk, office, workstation, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&self.id)
        .bind(db_time(self.occurred_at))
        .bind(self.action)
        .bind(&self.registration_id)
        .bind(&self.affiliation_number)
        .bind(&self.clerk)
        .bind(&self.office)
        .bind(&self.workstation)
        .bind(self.detail.to_string())
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Something that happened to a registration here, applied centrally by a trigger.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventPayload {
    pub id: String,
    pub registration_id: String,
    pub kind: EventKind,
    pub payload: Value,
    pub occurred_at: DateTime<Utc>,
}

impl Synced for EventPayload {
    const ENTITY: Entity = Entity::Event;
    fn queue_id(&self) -> String {
        self.id.clone()
    }
    fn registration_id(&self) -> Option<&str> {
        Some(&self.registration_id)
    }
}

/// A version of a staff account as it travels between an office's stations: pushed as a
/// central `staff_versions` row, pulled back as one.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub(crate) struct StaffVersion {
    pub id: String,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    pub changed_at: DateTime<Utc>,
    /// Who made this version: the central database accepts it only from an active
    /// supervisor of the office, or from the holder changing their own password.
    pub changed_by: String,
    /// The version in force this one builds on (none for a new account).
    pub previous_id: Option<String>,
}

impl Synced for StaffVersion {
    const ENTITY: Entity = Entity::Staff;
    fn queue_id(&self) -> String {
        self.id.clone()
    }
    fn registration_id(&self) -> Option<&str> {
        None
    }
    fn queued_at(&self, _now: DateTime<Utc>) -> DateTime<Utc> {
        self.changed_at
    }
}

impl StaffVersion {
    /// The account as it stands here now, as a new version by `changed_by`, which becomes
    /// the version in force here.
    pub(crate) async fn load(
        conn: &mut SqliteConnection,
        username: &str,
        changed_by: &str,
    ) -> Result<Self> {
        let version: Self = sqlx::query_as(
            "SELECT ?1 AS id, username, full_name, role, password_hash, active = 1 AS active,
                    must_change_password = 1 AS must_change_password, changed_at,
                    ?2 AS changed_by, version_id AS previous_id
               FROM staff WHERE username = ?3",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(changed_by)
        .bind(username)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("UPDATE staff SET version_id = ? WHERE username = ?")
            .bind(&version.id)
            .bind(username)
            .execute(conn)
            .await?;
        Ok(version)
    }
}

#[cfg(test)]
mod tests;
