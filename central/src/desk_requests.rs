//! What a desk asks for a registration made at another station
//! (`migrations/postgres/…_desk_across_stations.sql`): a new validation email, or a new
//! temporary password, sent from here to the address on record. Each request is carried
//! out once (two instances skip each other's), audited with the clerk, office and station
//! that asked, and marked with its outcome.

use crate::Config;
use crate::outbox;
use chrono::{DateTime, Utc};
use registro_core::domain::token::validation_link;
use registro_core::domain::{EmailKind, RegistrationState, local_time};
use registro_core::emails::{LINK_TOKEN_PLACEHOLDER, ValidationEmail};
use registro_core::security;
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Request {
    id: uuid::Uuid,
    registration_id: uuid::Uuid,
    kind: String,
    clerk: String,
    office: String,
    workstation: String,
    reason: Option<String>,
    folio: String,
    affiliation_number: String,
    email: String,
    state: RegistrationState,
    office_role: String,
    full_name: Option<String>,
}

/// How a request ended, as `desk_requests.outcome` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The email is in this service's outbox.
    Queued,
    /// The registration changed since (validated, cancelled, erased, expired).
    NoLongerApplies,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "en_cola",
            Outcome::NoLongerApplies => "ya_no_aplica",
        }
    }
}

/// Every 3 seconds, the requests waiting (the outbox then sends their emails).
pub(crate) async fn carry_out_forever(pool: PgPool, config: std::sync::Arc<Config>) {
    loop {
        match carry_out(&pool, &config).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(carried_out = n, "desk requests carried out"),
            Err(e) => tracing::warn!(error = ?e, "carrying out desk requests failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
}

/// Carries out every waiting request, each in its own transaction; returns how many.
pub(crate) async fn carry_out(
    pool: &PgPool,
    config: &Config,
) -> Result<usize, registro_core::Error> {
    let mut done = 0;
    loop {
        let mut tx = pool.begin().await?;
        // SKIP LOCKED: two instances never carry out the same request twice.
        let Some(request) = sqlx::query_as::<_, Request>(
            "SELECT d.id, d.registration_id, d.kind, d.clerk, d.office, d.workstation, d.reason,
                    r.folio, r.affiliation_number, r.email, r.state, r.office_role, a.full_name
               FROM desk_requests d
               JOIN registrations r ON r.id = d.registration_id
               LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
              WHERE d.handled_at IS NULL
              ORDER BY d.requested_at
              LIMIT 1
                FOR UPDATE OF d, r SKIP LOCKED",
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(done);
        };
        // The central database's clock, like every time the service compares.
        let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *tx)
            .await?;
        let (outcome, action) = match request.kind.as_str() {
            "reenviar_validacion" => (
                resend_validation(&mut tx, &request, config, now).await?,
                "correo_validacion_reenviado",
            ),
            _ => (
                new_temporary_password(&mut tx, &request, config, now).await?,
                "contrasena_temporal_reemitida",
            ),
        };
        sqlx::query(
            "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number, clerk,
                                       office, workstation, detail, office_role)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                     jsonb_build_object('folio', $9::text, 'motivo', $10::text, 'resultado', $11::text,
                                        'pedido_desde_otra_estacion', TRUE, 'servicio', $12::text),
                     'central')",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(now)
        .bind(action)
        .bind(request.registration_id)
        .bind(&request.affiliation_number)
        .bind(&request.clerk)
        .bind(&request.office)
        .bind(&request.workstation)
        .bind(&request.folio)
        .bind(&request.reason)
        .bind(outcome.as_str())
        .bind(&config.instance_name)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE desk_requests SET handled_at = $2, outcome = $3 WHERE id = $1")
            .bind(request.id)
            .bind(now)
            .bind(outcome.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if outcome == Outcome::Queued {
            outbox::wake();
        }
        done += 1;
    }
}

/// A new link for a pending registration, living until the registration's latest token
/// expires: the station that made it expires it then, whatever is sent from here. Its
/// arrival makes every earlier link of the registration a replaced one.
async fn resend_validation(
    tx: &mut sqlx::PgConnection,
    request: &Request,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Outcome, registro_core::Error> {
    let expires_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT max(expires_at) FROM validation_tokens WHERE registration_id = $1",
    )
    .bind(request.registration_id)
    .fetch_one(&mut *tx)
    .await?;
    let Some(expires_at) = expires_at.filter(|at| *at > now) else {
        return Ok(Outcome::NoLongerApplies);
    };
    if request.state != RegistrationState::PendingValidation || request.email.is_empty() {
        return Ok(Outcome::NoLongerApplies);
    }
    let token_id = uuid::Uuid::new_v4();
    let link_token = security::new_link_token();
    // Nobody is told this code: a code is taken only at the desk that holds the
    // registration, which does not know this token.
    let unused_code = security::new_code();
    sqlx::query(
        "INSERT INTO validation_tokens (id, registration_id, link_sha256, code_sha256, state,
                                        created_at, expires_at, office_role)
         VALUES ($1, $2, $3, $4, 'activo', $5, $6, $7)",
    )
    .bind(token_id)
    .bind(request.registration_id)
    .bind(security::sha256_hex(&link_token))
    .bind(security::code_hash(&token_id.to_string(), &unused_code))
    .bind(now)
    .bind(expires_at)
    .bind(&request.office_role)
    .execute(&mut *tx)
    .await?;
    let link = validation_link(&config.validation_url, LINK_TOKEN_PLACEHOLDER);
    let rendered = ValidationEmail {
        name: request
            .full_name
            .as_deref()
            .unwrap_or("afiliada o afiliado"),
        folio: &request.folio,
        link: &link,
        code: None,
        expires: &local_time(&expires_at),
    }
    .render()?;
    outbox::queue(
        tx,
        outbox::Queued {
            registration_id: request.registration_id,
            kind: EmailKind::Validation,
            recipient: &request.email,
            rendered: &rendered,
            secrets: &[(LINK_TOKEN_PLACEHOLDER, link_token)],
        },
        &config.sender_address,
        now,
    )
    .await?;
    Ok(Outcome::Queued)
}

/// The account's temporary password replaced, and the new one emailed.
async fn new_temporary_password(
    tx: &mut sqlx::PgConnection,
    request: &Request,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Outcome, registro_core::Error> {
    let has_account: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE registration_id = $1)")
            .bind(request.registration_id)
            .fetch_one(&mut *tx)
            .await?;
    if !has_account || !request.state.has_account() || request.email.is_empty() {
        return Ok(Outcome::NoLongerApplies);
    }
    outbox::replace_temporary_password(
        tx,
        &outbox::PasswordHolder {
            registration_id: request.registration_id,
            folio: &request.folio,
            affiliation_number: &request.affiliation_number,
            email: &request.email,
            full_name: request.full_name.as_deref(),
        },
        config,
        now,
    )
    .await?;
    Ok(Outcome::Queued)
}
