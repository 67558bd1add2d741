//! The kinds of row the sync queue carries, each with its central table: the columns a
//! pushed row fills, the key that makes a repeat harmless, and the order parents go first.

use crate::domain::text_enum;

text_enum! {
    pub enum Entity {
        Document = "documento",
        Registration = "registro",
        Consent = "consentimiento",
        Token = "token",
        Account = "cuenta",
        Audit = "auditoria",
        Event = "evento",
        /// A version of a staff account, shared with the office's other stations.
        Staff = "personal",
    }
}

impl Entity {
    /// The central table a row of this kind goes into.
    pub const fn table(self) -> &'static str {
        match self {
            Entity::Document => "legal_documents",
            Entity::Registration => "registrations",
            Entity::Consent => "consents",
            Entity::Token => "validation_tokens",
            Entity::Account => "accounts",
            Entity::Audit => "audit_events",
            Entity::Event => "registration_events",
            Entity::Staff => "staff_versions",
        }
    }

    /// The central columns a pushed row fills: its payload's fields.
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Document => &["kind", "version", "title", "body", "sha256", "published_at"],
            Entity::Registration => &[
                "id",
                "folio",
                "affiliation_number",
                "phone_e164",
                "email",
                "state",
                "family_grouping",
                "office",
                "workstation",
                "clerk",
                "created_at",
            ],
            Entity::Consent => &[
                "id",
                "registration_id",
                "document_kind",
                "document_version",
                "document_sha256",
                "accepted",
                "decided_at",
                "method",
                "clerk",
                "office",
                "workstation",
            ],
            Entity::Token => &[
                "id",
                "registration_id",
                "link_sha256",
                "code_sha256",
                "state",
                "created_at",
                "expires_at",
            ],
            Entity::Account => &[
                "registration_id",
                "username",
                "password_hash",
                "must_change_password",
                "password_set_at",
            ],
            Entity::Audit => &[
                "id",
                "occurred_at",
                "action",
                "registration_id",
                "affiliation_number",
                "clerk",
                "office",
                "workstation",
                "detail",
            ],
            Entity::Event => &["id", "registration_id", "kind", "payload", "occurred_at"],
            Entity::Staff => &[
                "id",
                "username",
                "full_name",
                "role",
                "password_hash",
                "active",
                "must_change_password",
                "changed_at",
                "changed_by",
                "previous_id",
            ],
        }
    }

    /// What makes a second push of the same row change nothing.
    const fn conflict_key(self) -> &'static str {
        match self {
            Entity::Document => "(kind, version)",
            Entity::Account => "(registration_id)",
            _ => "(id)",
        }
    }

    /// Parents first: a registration before its consents, a token or account before the
    /// events that change it; the audit trail and staff versions last.
    pub(crate) const fn push_rank(self) -> u8 {
        match self {
            Entity::Document => 0,
            Entity::Registration => 1,
            Entity::Consent => 2,
            Entity::Token => 3,
            Entity::Account => 4,
            Entity::Event => 5,
            Entity::Audit | Entity::Staff => 6,
        }
    }

    /// How a run of this kind goes up: most as an idempotent INSERT into their table; an
    /// account queued by an earlier version as the validation event that carries it
    /// (offices may not insert accounts); a legal text not at all (the central
    /// administrator publishes them).
    pub(crate) fn push_sql(self) -> Option<String> {
        match self {
            Entity::Document => None,
            Entity::Account => Some(
                "INSERT INTO registration_events (id, registration_id, kind, payload, occurred_at)
                 SELECT md5('cuenta:' || a.registration_id::text)::uuid, a.registration_id,
                        'validado_en_ventanilla',
                        jsonb_build_object('metodo', 'ventanilla', 'cuenta',
                                           jsonb_build_object('username', a.username,
                                                              'password_hash', a.password_hash,
                                                              'must_change_password', a.must_change_password)),
                        a.password_set_at
                   FROM jsonb_populate_recordset(NULL::accounts, $1) a
                 ON CONFLICT (id) DO NOTHING"
                    .to_owned(),
            ),
            _ => Some(self.insert_sql(true)),
        }
    }

    /// Whether a run of this kind goes up through a staging table (`COPY`, then one
    /// INSERT … SELECT): the kinds inserted as they are. An account becomes an event and
    /// a staff version goes alone (each judged on the one before); a legal text not at all.
    pub(crate) const fn stages(self) -> bool {
        matches!(
            self,
            Entity::Registration | Entity::Consent | Entity::Token | Entity::Audit | Entity::Event
        )
    }

    /// The idempotent INSERT of what a run left in its staging table `stage` (see
    /// push.rs), emptying it, in the run's order.
    pub(crate) fn insert_from_staging_sql(self, stage: &str) -> String {
        let (table, columns) = (self.table(), self.columns().join(", "));
        format!(
            "WITH staged AS (DELETE FROM {stage} RETURNING *)
             INSERT INTO {table} ({columns}) SELECT {columns} FROM staged ORDER BY ord
             ON CONFLICT {} DO NOTHING",
            self.conflict_key()
        )
    }

    /// The idempotent central INSERT of one row (`$1` a JSON object) or, with `batch`, of
    /// many (`$1` a JSON array).
    pub(crate) fn insert_sql(self, batch: bool) -> String {
        let (table, columns) = (self.table(), self.columns().join(", "));
        let from = if batch {
            "jsonb_populate_recordset"
        } else {
            "jsonb_populate_record"
        };
        format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {from}(NULL::{table}, $1) ON CONFLICT {} DO NOTHING",
            self.conflict_key()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text_enum::check_lists::{SQLITE, lists, texts};

    #[test]
    fn the_queue_accepts_every_entity() {
        assert_eq!(
            lists(SQLITE).get("sync_queue_new.entity"),
            Some(&texts(Entity::ALL, Entity::as_str))
        );
    }

    #[test]
    fn a_batch_insert_reads_a_json_array() {
        assert_eq!(
            Entity::Account.insert_sql(true),
            "INSERT INTO accounts (registration_id, username, password_hash, must_change_password, password_set_at) \
             SELECT registration_id, username, password_hash, must_change_password, password_set_at \
             FROM jsonb_populate_recordset(NULL::accounts, $1) ON CONFLICT (registration_id) DO NOTHING"
        );
    }
}
