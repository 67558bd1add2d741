//! The central PostgreSQL as a station reaches it: lazily, and offline is a normal state.

use crate::config::central_connect_options;
use crate::domain::RegistrationState;
use crate::error::{Error, Result};
use crate::store::Store;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// How long the registration form waits for the central check before going on offline.
pub const CENTRAL_CHECK_TIMEOUT: Duration = Duration::from_millis(1500);

/// Connection to the central database (lazy: offline is a normal state).
#[derive(Clone)]
pub struct Central {
    pool: PgPool,
    /// The login role the station connects as: its office's identity centrally.
    office_role: String,
}

impl Central {
    /// `url` without the password, which comes from the credential store; the server's
    /// certificate is checked against the operating system's roots.
    pub fn new(url: &str, password: Option<&str>) -> Result<Self> {
        Self::with_root_certificate(url, password, "")
    }

    /// Like [`Central::new`], also trusting `root_certificate_pem` (an internal CA). The
    /// transport rule is [`central_connect_options`]'s: verified TLS to any host but
    /// this machine.
    pub fn with_root_certificate(
        url: &str,
        password: Option<&str>,
        root_certificate_pem: &str,
    ) -> Result<Self> {
        let mut options = central_connect_options(url)?;
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            options = options.password(password);
        }
        if !root_certificate_pem.trim().is_empty() {
            options = options.ssl_root_cert_from_pem(root_certificate_pem.as_bytes().to_vec());
        }
        let office_role = options.get_username().to_owned();
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with(options);
        Ok(Self { pool, office_role })
    }

    /// The role this connection signs in as (an office's login role, for a station).
    pub fn office_role(&self) -> &str {
        &self.office_role
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates or updates the central schema (an administrator's job, not the desk's; the
    /// legal texts are [`crate::legal::publish_centrally`]'s, which `--migrar` runs too).
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

/// What the clerk reads about a registration held back in conflict: the other live
/// registration's folio, state and office when the central database says.
pub(crate) async fn conflict_detail(
    store: &Store,
    central: &Central,
    registration_id: &str,
) -> String {
    let affiliation: Option<String> =
        sqlx::query_scalar("SELECT affiliation_number FROM registrations WHERE id = ?")
            .bind(registration_id)
            .fetch_optional(store.reader())
            .await
            .ok()
            .flatten();
    let live = match affiliation {
        Some(affiliation) => central.live_registration_of(&affiliation).await,
        None => None,
    };
    match live {
        Some(LiveRegistration {
            folio,
            state,
            office,
        }) => format!(
            "El afiliado ya tiene un registro en la base central (folio {folio}, {}, oficina {office}). Revise con el afiliado cuál conservar: cancele este registro local o pida a la otra oficina cancelar el suyo y reintente.",
            state.label()
        ),
        None => "El afiliado ya tiene un registro vivo en la base central. Revise cuál conservar."
            .to_owned(),
    }
}

/// Whether a connection failed because TLS was refused: a server certificate that is not
/// for the host's name or not from a trusted root, or a server that offers no TLS at all.
pub fn is_tls_refusal(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Tls(_) => true,
        // rustls reports a certificate it refuses as invalid data on the socket.
        sqlx::Error::Io(e) => e.kind() == std::io::ErrorKind::InvalidData,
        _ => false,
    }
}

/// The clerk's sentence for a failed round: offline is normal, anything else is named.
pub(crate) fn describe_sync_error(e: &Error) -> String {
    match e {
        Error::Storage(e) if is_tls_refusal(e) => {
            "No se pudo establecer una conexión cifrada y verificada con la base central: revise la dirección y el certificado raíz en «Ajustes» (el certificado del servidor debe ser para ese nombre y de una autoridad de confianza). No se envió nada.".to_owned()
        }
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
