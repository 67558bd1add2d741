//! What is left before a station works for real: the first-run checklist of «Ajustes», and
//! the guard that keeps a station joined to the institute (a real SMTP server or the
//! central database) from emailing affiliates a link and a sender that are still the
//! values the app ships with, legal texts citing the demo institute profile, or from
//! keeping the demo roster.

use crate::config::Settings;
use crate::desk::Desk;
use crate::domain::Field;
use crate::error::Result;
use serde::Serialize;

/// One line of the checklist; the screen words it (ui/shared/textos.js).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReadinessItem {
    /// The office's name is not the demo one.
    Office,
    /// The validation link points at the institute's service, not the demo address.
    LinkBase,
    /// The emails' sender is the institute's, not the demo address.
    Sender,
    /// The legal texts cite the institute's own facts, not the demo profile's (they ship
    /// with the app: a build carrying the institute's profile).
    InstituteProfile,
    /// A real SMTP server (without one, emails are files in the data folder).
    Smtp,
    /// The central database (optional: a station may work alone).
    Central,
    /// The institute's roster, not the demo one.
    Roster,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReadinessCheck {
    pub item: ReadinessItem,
    pub done: bool,
    /// Where it is set on the screen, when it is a field there.
    pub field: Option<Field>,
    /// Needed before the station serves affiliates (the central database is not).
    pub required: bool,
}

impl Desk {
    /// The first-run checklist, in the order a supervisor works through it.
    pub async fn readiness(&self) -> Result<Vec<ReadinessCheck>> {
        let settings = self.settings();
        let demo = settings.demo_values();
        let demo_roster: i64 =
            sqlx::query_scalar("SELECT count(*) FROM roster_affiliates WHERE is_demo = 1")
                .fetch_one(self.store.reader())
                .await?;
        let check = |item, done, field, required| ReadinessCheck {
            item,
            done,
            field,
            required,
        };
        Ok(vec![
            check(
                ReadinessItem::Office,
                settings.office.trim() != Settings::default().office,
                Some(Field::Office),
                true,
            ),
            check(
                ReadinessItem::LinkBase,
                !demo.contains(&Field::LinkBaseUrl),
                Some(Field::LinkBaseUrl),
                true,
            ),
            check(
                ReadinessItem::Sender,
                !demo.contains(&Field::SenderAddress),
                Some(Field::SenderAddress),
                true,
            ),
            check(
                ReadinessItem::InstituteProfile,
                !crate::legal::profile_in_force()?.demostracion,
                None,
                true,
            ),
            check(ReadinessItem::Smtp, settings.smtp.is_some(), None, true),
            check(
                ReadinessItem::Central,
                !settings.central_url.trim().is_empty(),
                None,
                false,
            ),
            check(ReadinessItem::Roster, demo_roster == 0, None, true),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_values_hold_sending_only_on_a_station_joined_to_the_institute() {
        let shipped = Settings::default();
        assert_eq!(
            shipped.demo_values(),
            [Field::LinkBaseUrl, Field::SenderAddress]
        );
        assert!(
            shipped.sending_held_by(false, true).is_empty(),
            "emails as files"
        );
        let joined = Settings {
            central_url: "postgres://oficina@central.issstecali.example:5432/registro".into(),
            ..Settings::default()
        };
        assert_eq!(
            joined.sending_held_by(false, true),
            [
                Field::LinkBaseUrl,
                Field::SenderAddress,
                Field::InstituteProfile
            ]
        );
        assert_eq!(
            shipped.sending_held_by(true, false),
            [Field::LinkBaseUrl, Field::SenderAddress]
        );
        let configured = Settings {
            link_base_url: "https://servicios.example.com/validar".into(),
            sender_address: "avisos@example.com".into(),
            ..joined
        };
        // The settings alone are not enough while the texts cite the demo profile.
        assert_eq!(
            configured.sending_held_by(true, true),
            [Field::InstituteProfile]
        );
        assert!(configured.sending_held_by(true, false).is_empty());
    }
}
