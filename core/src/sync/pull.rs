//! The pull: roster rows, this office's registration states and its staff accounts
//! changed centrally since the watermarks. Applying them queues nothing back.

use super::central::Central;
use super::entity::Entity;
use super::payload::StaffVersion;
use super::worker::SyncWorker;
use crate::clock::ClockOffset;
use crate::domain::{AffiliateKind, QueueState, RegistrationState};
use crate::error::Result;
use crate::store::{db_time, meta};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct PulledStaffVersion {
    #[sqlx(flatten)]
    version: StaffVersion,
    change_seq: i64,
}

impl SyncWorker {
    /// Roster rows and this office's registration states changed centrally since the
    /// watermarks. Applying them does not queue anything back.
    pub(super) async fn pull(&self, central: &Central, offset: ClockOffset) -> Result<(u64, u64)> {
        let roster_mark = meta::get_i64(self.store.reader(), "central_roster_seq").await?;
        let roster: Vec<(String, String, String, AffiliateKind, String, bool, i64)> = sqlx::query_as(
            "SELECT affiliation_number, credential_serial, full_name, kind, family_nucleus, is_current, change_seq
               FROM roster_affiliates WHERE change_seq > $1 ORDER BY change_seq LIMIT 50000",
        )
        .bind(roster_mark)
        .fetch_all(central.pool())
        .await?;
        let states_mark = meta::get_i64(self.store.reader(), "central_registration_seq").await?;
        type StateRow = (
            uuid::Uuid,
            RegistrationState,
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
        .fetch_all(central.pool())
        .await?;
        let now = db_time(self.clock.now());
        let mut tx = self.store.begin_write().await?;
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
    /// comes back as the newest); one the central database refused does not. Each pulled
    /// version becomes the one in force here, which the next local change builds on.
    /// Failed attempts and locks stay as they are here.
    pub(super) async fn pull_staff(&self, central: &Central, offset: ClockOffset) -> Result<u64> {
        let mark = meta::get_i64(self.store.reader(), "central_staff_seq").await?;
        let versions: Vec<PulledStaffVersion> = sqlx::query_as(
            "SELECT id::text AS id, username, full_name, role, password_hash, active,
                    must_change_password, changed_at, coalesce(changed_by, '') AS changed_by,
                    previous_id::text AS previous_id, change_seq
               FROM staff_versions WHERE change_seq > $1 ORDER BY change_seq LIMIT 50000",
        )
        .bind(mark)
        .fetch_all(central.pool())
        .await?;
        let mut tx = self.store.begin_write().await?;
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
                 WHERE NOT EXISTS (SELECT 1 FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
                                    WHERE q.entity = ?8 AND q.state IN (?9, ?10, ?11)
                                      AND json_extract(p.payload, '$.username') = excluded.username)
                   AND (staff.full_name IS NOT excluded.full_name OR staff.role IS NOT excluded.role
                        OR staff.password_hash IS NOT excluded.password_hash
                        OR staff.active IS NOT excluded.active
                        OR staff.must_change_password IS NOT excluded.must_change_password)",
            )
            .bind(&v.username)
            .bind(&v.full_name)
            .bind(v.role)
            .bind(&v.password_hash)
            .bind(v.active)
            .bind(v.must_change_password)
            .bind(&changed_at)
            .bind(Entity::Staff)
            .bind(QueueState::Pending)
            .bind(QueueState::Sending)
            .bind(QueueState::Error)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE staff SET version_id = ?1
                  WHERE username = ?2
                    AND NOT EXISTS (SELECT 1 FROM sync_queue q JOIN sync_payloads p ON p.seq = q.seq
                                     WHERE q.entity = ?3 AND q.state IN (?4, ?5, ?6)
                                       AND json_extract(p.payload, '$.username') = ?2)",
            )
            .bind(&v.id)
            .bind(&v.username)
            .bind(Entity::Staff)
            .bind(QueueState::Pending)
            .bind(QueueState::Sending)
            .bind(QueueState::Error)
            .execute(&mut *tx)
            .await?;
            max_seq = max_seq.max(*change_seq);
        }
        meta::set_i64(&mut tx, "central_staff_seq", max_seq).await?;
        tx.commit().await?;
        Ok(applied)
    }
}
