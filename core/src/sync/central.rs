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
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with(options);
        Ok(Self { pool })
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
            state.word()
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

/// A failed round as the clerk reads it. Waiting for the network is normal and says so;
/// anything else gets a Spanish sentence that says what to do, and the server's own words
/// (English, technical) are kept apart for support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncTrouble {
    /// The central database could not be reached: nothing is wrong with the records.
    pub offline: bool,
    pub message: String,
    /// What the server or the driver said, for the detail.
    pub detail: Option<String>,
}

pub(crate) fn sync_trouble(e: &Error) -> SyncTrouble {
    let refused = |message: &str, detail: String| SyncTrouble {
        offline: false,
        message: message.to_owned(),
        detail: Some(detail),
    };
    match e {
        Error::Storage(e) if is_tls_refusal(e) => refused(
            "No se pudo establecer una conexión cifrada y verificada con la base central: revise la dirección y el certificado raíz en «Ajustes» (el certificado del servidor debe ser para ese nombre y de una autoridad de confianza). No se envió nada.",
            e.to_string(),
        ),
        Error::Storage(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed) => {
            SyncTrouble {
                offline: true,
                message: "Sin conexión con la base central: los registros se guardan en esta estación y se enviarán solos al volver la red.".to_owned(),
                detail: None,
            }
        }
        Error::Storage(sqlx::Error::Database(db)) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let detail = format!("{code}: {}", db.message());
            let message = match code.as_str() {
                "28P01" | "28000" => "La base central no aceptó el usuario o la contraseña de esta oficina: revise la dirección y la contraseña de la base central en «Ajustes».",
                "3D000" => "La base de datos indicada no existe en el servidor central: revise la dirección de la base central en «Ajustes».",
                "42501" => "La base central no le permite a esta oficina hacer este envío. Avise a soporte con el detalle.",
                "42P01" | "42703" | "42883" => "La base central no tiene el esquema de esta versión: soporte debe ponerla al día (registro-central --migrar).",
                // The server is shutting down or starting: the same as no network.
                "57P01" | "57P02" | "57P03" => {
                    return SyncTrouble {
                        offline: true,
                        message: "La base central se está reiniciando: los registros esperan en esta estación y se enviarán solos.".to_owned(),
                        detail: Some(detail),
                    };
                }
                c if c.starts_with("23") => "La base central rechazó un dato de este envío. Avise a soporte con el detalle.",
                _ => "La base central respondió con un error. Avise a soporte con el detalle.",
            };
            refused(message, detail)
        }
        Error::Storage(other) => refused(
            "No se pudo hablar con la base central. Avise a soporte con el detalle.",
            other.to_string(),
        ),
        other => refused(
            "La sincronización falló. Avise a soporte con el detalle.",
            other.to_string(),
        ),
    }
}
