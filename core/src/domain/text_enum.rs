//! `text_enum!`: a state or kind that is one word of text everywhere it goes (a TEXT
//! column with a CHECK list, a JSON string, the screen), declared once: each variant
//! names its text, and serde, sqlx, `as_str`, `ALL` and `FromStr` all read that one text.

/// A stored word that no variant of the enum carries (a row written by a newer version,
/// or a hand-edited database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("«{text}» no es un valor de {kind}")]
pub struct UnknownText {
    pub kind: &'static str,
    pub text: String,
}

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        // A union of the texts in TypeScript (the serde renames below), for the screens.
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database and sent as JSON.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownText;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| $crate::domain::UnknownText {
                        kind: stringify!($name),
                        text: text.to_owned(),
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Plain TEXT in SQLite and PostgreSQL alike (no named PostgreSQL type to look up).
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<&'r str as sqlx::Decode<'r, DB>>::decode(value)?.parse()?)
            }
        }
    };
}

pub(crate) use text_enum;

/// The CHECK lists of the migrations, which have shipped and never change: a Rust enum
/// that drifts from its column's list fails here, not at a station.
#[cfg(test)]
pub(crate) mod check_lists {
    use std::collections::BTreeMap;

    pub(crate) const SQLITE: &[&str] = &[
        include_str!("../../../migrations/sqlite/20261125000001_initial.sql"),
        include_str!("../../../migrations/sqlite/20261125000002_sync.sql"),
        include_str!("../../../migrations/sqlite/20261126000003_staff_sign_in.sql"),
        include_str!("../../../migrations/sqlite/20261128000010_consents_answered_again.sql"),
    ];
    pub(crate) const POSTGRES: &[&str] = &[
        include_str!("../../../migrations/postgres/20261125000001_central.sql"),
        include_str!("../../../migrations/postgres/20261126000002_staff.sql"),
        include_str!("../../../migrations/postgres/20261127000003_central_clock.sql"),
        include_str!("../../../migrations/postgres/20261128000010_grouping_answers.sql"),
        include_str!("../../../migrations/postgres/20261130000011_phone_rectified.sql"),
        include_str!("../../../migrations/postgres/20261201000012_personal_data_erased.sql"),
    ];

    /// `table.column` → the quoted words of every `CHECK (column IN ('a', 'b'))` in the
    /// migrations, the last migration winning (a table rebuilt later replaces its list).
    pub(crate) fn lists(migrations: &[&str]) -> BTreeMap<String, Vec<String>> {
        let mut found = BTreeMap::new();
        for sql in migrations {
            let sql = strip_comments(sql);
            for statement in sql.split(';') {
                let Some(table) = table_of(statement) else {
                    continue;
                };
                let mut rest = statement;
                while let Some(at) = rest.find("CHECK (") {
                    rest = &rest[at + "CHECK (".len()..];
                    let Some((column, after)) = rest.split_once(" IN (") else {
                        continue;
                    };
                    let column = column.trim();
                    if column.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                        continue;
                    }
                    let list = &after[..after.find(')').unwrap_or(after.len())];
                    let words: Vec<String> = list
                        .split(',')
                        .map(|w| w.trim().trim_matches('\'').to_owned())
                        .collect();
                    found.insert(format!("{table}.{column}"), words);
                }
            }
        }
        found
    }

    /// The texts of an enum's values, for comparing with a list.
    pub(crate) fn texts<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| as_str(*v).to_owned()).collect()
    }

    fn strip_comments(sql: &str) -> String {
        sql.lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn table_of(statement: &str) -> Option<&str> {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let at = words
            .windows(2)
            .position(|w| matches!(w, ["CREATE", "TABLE"] | ["ALTER", "TABLE"]))?;
        words.get(at + 2).map(|t| t.trim_end_matches('('))
    }
}
