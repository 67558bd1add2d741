//! What an administrator runs with the database owner's role: the migration (which also
//! creates the group roles, so the owner needs CREATEROLE) and the portal's keys; and the
//! checks the service makes of its own role before it listens. Every failure is a
//! [`Failure`] with a Spanish message that says what to do.

use crate::config::Config;
use crate::failure::Failure;
use crate::portal;
use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};

/// The central schema, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// The group roles the first migration creates.
const GROUP_ROLES: [&str; 2] = ["registro_ventanilla", "registro_central"];

/// Connects once, now, so that a wrong address or password is told here and not later.
pub async fn connect(config: &Config) -> Result<PgPool, Failure> {
    let options = config.database_options().map_err(|e| match e.code {
        "sin_cifrar" => Failure::DatabasePlaintext,
        _ => Failure::DatabaseUrl(e.message),
    })?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_lazy_with(options);
    sqlx::query("SELECT 1").execute(&pool).await.map_err(|e| {
        if registro_core::sync::is_tls_refusal(&e) {
            Failure::DatabaseCertificate(e.to_string())
        } else {
            Failure::Unreachable(e.to_string())
        }
    })?;
    Ok(pool)
}

#[derive(sqlx::FromRow)]
struct Owner {
    role: String,
    is_superuser: bool,
    can_create_roles: bool,
    can_create_tables: bool,
    existing_group_roles: i64,
}

/// `--migrar`: checks the owner's rights first (a missing right is explained, not met
/// half-way through a migration), then brings the schema up to date.
pub async fn migrate(pool: &PgPool) -> Result<MigrationReport, Failure> {
    let owner: Owner = sqlx::query_as(
        "SELECT current_user::text AS role, r.rolsuper AS is_superuser, r.rolcreaterole AS can_create_roles,
                has_schema_privilege('public', 'CREATE') AS can_create_tables,
                (SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)) AS existing_group_roles
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .bind(&GROUP_ROLES[..])
    .fetch_one(pool)
    .await
    .map_err(|e| Failure::Database(e.to_string()))?;
    if owner.existing_group_roles < GROUP_ROLES.len() as i64
        && !owner.is_superuser
        && !owner.can_create_roles
    {
        return Err(Failure::NeedsCreateRole { role: owner.role });
    }
    if !owner.can_create_tables {
        return Err(Failure::NeedsSchemaOwnership { role: owner.role });
    }
    let before = applied_version(pool).await;
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| migration_failure(e, &owner.role))?;
    registro_core::legal::publish_centrally(pool)
        .await
        .map_err(|e| Failure::Database(e.to_string()))?;
    Ok(MigrationReport {
        before,
        after: latest_version(),
    })
}

/// What `--migrar` did, for its one line of output.
pub struct MigrationReport {
    pub before: Option<i64>,
    pub after: i64,
}

fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database, if it can be read.
async fn applied_version(pool: &PgPool) -> Option<i64> {
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .ok()
        .flatten()
}

fn migration_failure(e: MigrateError, role: &str) -> Failure {
    match e {
        MigrateError::Execute(sqlx::Error::Database(db))
        | MigrateError::ExecuteMigration(sqlx::Error::Database(db), _)
            if db.code().as_deref() == Some("42501") =>
        {
            Failure::MigrationPermission {
                role: role.to_owned(),
                detail: db.message().to_owned(),
            }
        }
        MigrateError::VersionMissing(version) => Failure::Migration(format!(
            "la base ya tiene la migración {version}, que este programa no conoce: use la versión de registro-central con la que se migró o una más nueva"
        )),
        MigrateError::VersionMismatch(version) => Failure::Migration(format!(
            "la migración {version} aplicada en la base no es igual a la de este programa (una migración publicada nunca se edita)"
        )),
        other => Failure::Migration(other.to_string()),
    }
}

/// Before the service listens: the schema has this program's newest table (`--migrar`
/// was run), and the role has the service's rights.
pub async fn preflight(pool: &PgPool) -> Result<(), Failure> {
    let ready: (bool, bool) = sqlx::query_as(
        "SELECT to_regclass('public.sign_in_guards') IS NOT NULL,
                to_regclass('public.sign_in_guards') IS NOT NULL
                  AND has_table_privilege('public.sign_in_guards', 'INSERT')
                  AND has_table_privilege('public.outbox_messages', 'UPDATE')
                  AND has_table_privilege('public.accounts', 'UPDATE')",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| Failure::Database(e.to_string()))?;
    match ready {
        (false, _) => Err(Failure::SchemaOutdated),
        (true, false) => {
            let role: String = sqlx::query_scalar("SELECT current_user::text")
                .fetch_one(pool)
                .await
                .map_err(|e| Failure::Database(e.to_string()))?;
            Err(Failure::NotServiceRole { role })
        }
        (true, true) => Ok(()),
    }
}

/// A portal key's name: what the administrator calls it (`portal`, `portal-2027`).
pub struct KeyName(String);

impl KeyName {
    pub fn parse(raw: &str) -> Result<Self, Failure> {
        let name = raw.trim();
        if (1..=60).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            Ok(Self(name.to_owned()))
        } else {
            Err(Failure::Usage(format!(
                "«{raw}» no sirve como nombre de clave: use de 1 a 60 letras minúsculas, números, guiones o guiones bajos (por ejemplo portal-2027)"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `--crear-clave-portal NOMBRE`: a new key, stored as its SHA-256; the key itself is
/// returned to be printed once.
pub async fn create_portal_key(pool: &PgPool, name: &KeyName) -> Result<String, Failure> {
    let key = portal::new_key();
    let inserted = sqlx::query(
        "INSERT INTO portal_keys (id, name, key_sha256) VALUES ($1, $2, $3)
         ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(name.as_str())
    .bind(portal::key_digest(&key))
    .execute(pool)
    .await
    .map_err(key_failure)?
    .rows_affected();
    if inserted == 0 {
        return Err(Failure::KeyExists(name.as_str().to_owned()));
    }
    Ok(key)
}

/// `--revocar-clave-portal NOMBRE`: the key stops working at once, on every instance.
pub async fn revoke_portal_key(pool: &PgPool, name: &KeyName) -> Result<(), Failure> {
    let revoked = sqlx::query(
        "UPDATE portal_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL",
    )
    .bind(name.as_str())
    .execute(pool)
    .await
    .map_err(key_failure)?
    .rows_affected();
    if revoked == 0 {
        return Err(Failure::KeyNotFound(name.as_str().to_owned()));
    }
    Ok(())
}

fn key_failure(e: sqlx::Error) -> Failure {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
            Failure::KeysNeedOwner
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("42P01") => {
            Failure::SchemaOutdated
        }
        _ => Failure::Database(e.to_string()),
    }
}
