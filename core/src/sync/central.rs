//! The central PostgreSQL as a station reaches it: lazily, and offline is a normal state.

use crate::config::central_connect_options;
use crate::domain::RegistrationState;
use crate::error::{Error, Result};
use crate::store::Store;
use chrono::{DateTime, Utc};
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

/// What «Buscar» may look up centrally: an affiliation number, folio or email typed whole,
/// a part of a name (folded as [`crate::domain::search_key`] folds it), or one
/// registration by its id. An empty value matches nothing.
#[derive(Debug, Clone, Default)]
pub struct CentralQuery {
    pub affiliation: String,
    pub folio: String,
    pub email: String,
    pub name_key: String,
    pub id: Option<uuid::Uuid>,
}

/// A registration made at another station, as the central database shows it to this
/// office: whole when the office made it, and only while live and with the email masked
/// when another office did.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistrationElsewhere {
    pub registration_id: String,
    pub folio: String,
    pub affiliation_number: String,
    pub full_name: Option<String>,
    pub email: String,
    pub state: RegistrationState,
    pub created_at: DateTime<Utc>,
    pub validated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub office: String,
    pub workstation: String,
    /// Made by this station's office: its email can be corrected and it can be cancelled
    /// from here.
    pub own_office: bool,
    /// The affiliate has an account (a new temporary password can be sent).
    pub has_account: bool,
    /// The email and phone were erased (a right of cancellation or opposition, or the
    /// retention period ended): nothing can be sent.
    pub personal_data_erased: bool,
}

#[derive(sqlx::FromRow)]
struct ElsewhereRow {
    id: uuid::Uuid,
    folio: String,
    affiliation_number: String,
    full_name: Option<String>,
    email: String,
    state: RegistrationState,
    created_at: DateTime<Utc>,
    validated_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    office: String,
    workstation: String,
    own_office: bool,
    has_account: bool,
    personal_data_erased: bool,
}

impl Central {
    /// Registrations matching `query` at this office's other stations, and live ones of
    /// other offices by affiliation number, folio or id; newest first, at most `max_rows`.
    /// Bounded by [`CENTRAL_CHECK_TIMEOUT`] twice over: a slow network is offline here.
    pub async fn search_across_stations(
        &self,
        query: &CentralQuery,
        max_rows: usize,
    ) -> Result<Vec<RegistrationElsewhere>> {
        let search = sqlx::query_as::<_, ElsewhereRow>(
            "SELECT * FROM search_across_stations($1, $2, $3, $4, $5, $6)",
        )
        .bind(&query.affiliation)
        .bind(&query.folio)
        .bind(&query.email)
        .bind(&query.name_key)
        .bind(query.id)
        .bind(i32::try_from(max_rows).unwrap_or(i32::MAX))
        .fetch_all(&self.pool);
        let rows = tokio::time::timeout(CENTRAL_CHECK_TIMEOUT * 2, search)
            .await
            .map_err(|_| Error::CentralActionUnavailable)??;
        Ok(rows
            .into_iter()
            .map(|r| RegistrationElsewhere {
                registration_id: r.id.to_string(),
                folio: r.folio,
                affiliation_number: r.affiliation_number,
                full_name: r.full_name,
                email: r.email,
                state: r.state,
                created_at: r.created_at,
                validated_at: r.validated_at,
                closed_at: r.closed_at,
                office: r.office,
                workstation: r.workstation,
                own_office: r.own_office,
                has_account: r.has_account,
                personal_data_erased: r.personal_data_erased,
            })
            .collect())
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
