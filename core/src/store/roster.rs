//! The roster as the station keeps it: one row per affiliate, for checks made offline.

use crate::domain::{AffiliateKind, AffiliationNumber};
use crate::error::Result;
use crate::store::{Store, meta};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RosterEntry {
    pub affiliation_number: String,
    pub credential_serial: String,
    pub full_name: String,
    pub kind: AffiliateKind,
    pub family_nucleus: String,
    pub is_current: bool,
    pub is_demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterSummary {
    pub total: i64,
    pub current: i64,
    /// True while the roster is the embedded demo one.
    pub is_demo: bool,
    pub imported_at: Option<String>,
}

pub async fn find(store: &Store, number: &AffiliationNumber) -> Result<Option<RosterEntry>> {
    Ok(sqlx::query_as(
        "SELECT affiliation_number, credential_serial, full_name, kind, family_nucleus,
                is_current, is_demo
           FROM roster_affiliates WHERE affiliation_number = ?",
    )
    .bind(number.as_str())
    .fetch_optional(store.reader())
    .await?)
}

pub async fn summary(store: &Store) -> Result<RosterSummary> {
    let (total, current, demo): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(is_current), 0), coalesce(sum(is_demo), 0)
           FROM roster_affiliates",
    )
    .fetch_one(store.reader())
    .await?;
    Ok(RosterSummary {
        total,
        current,
        is_demo: total > 0 && demo == total,
        imported_at: meta::roster_imported_at(store.reader()).await?,
    })
}
