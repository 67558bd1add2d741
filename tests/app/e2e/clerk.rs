//! What a clerk or a supervisor does at the window: type, click, change tabs, press keys,
//! register a demo affiliate, create the first supervisor, approve, save the settings.

use super::checks::{text, wait_text, wait_visible};
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

pub async fn type_into(c: &Client, id: &str, value: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    // WebKitWebDriver types only into what is in view.
    c.execute(
        "arguments[0].scrollIntoView({ block: 'center' });",
        vec![serde_json::to_value(&field).unwrap()],
    )
    .await
    .unwrap();
    field.clear().await.unwrap();
    if !value.is_empty() {
        field.send_keys(value).await.unwrap();
    }
}

/// Clicks `id`, waiting (as a person would) while it is still appearing or covered.
pub async fn click(c: &Client, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = match c.find(Locator::Id(id)).await {
            Ok(e) => e.click().await.map(|_| ()),
            Err(e) => Err(e),
        };
        match attempt {
            Ok(()) => return,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                // Below the fold, or under the status bar: bring it to the middle.
                let _ = c
                    .execute(
                        "document.getElementById(arguments[0])?.scrollIntoView({ block: 'center' });",
                        vec![serde_json::json!(id)],
                    )
                    .await;
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            Err(e) => panic!("could not click #{id}: {e}"),
        }
    }
}

pub async fn tab(c: &Client, screen: &str) {
    c.find(Locator::Css(&format!(".pestana[data-pantalla='{screen}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Types `keys` into whatever has the focus, as a keyboard would.
pub async fn press(c: &Client, keys: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// Fills and submits the registration form for a demo affiliate, answering every document.
pub async fn register_demo(c: &Client, affiliation: &str, serial: &str, email: &str) -> String {
    type_into(c, "affiliation_number", affiliation).await;
    type_into(c, "credential_serial", serial).await;
    type_into(c, "phone", "664 555 0199").await;
    type_into(c, "email", email).await;
    type_into(c, "email_confirmation", email).await;
    answer_every_document(c).await;
    click(c, "registrar").await;
    wait_visible(c, "#registro-exito").await;
    text(c, "#exito-folio").await
}

/// Opens each legal document (its answer waits for that), then accepts the notices and
/// the terms and refuses the family-grouping consent.
pub async fn answer_every_document(c: &Client) {
    for (kind, answer) in [
        ("aviso_integral", "integral_notice"),
        ("aviso_simplificado", "simplified_notice"),
        ("terminos_condiciones", "terms_and_conditions"),
        ("consentimiento_agrupacion", "family_grouping_consent-no"),
    ] {
        click(c, &format!("leer-{kind}")).await;
        wait_visible(c, "#dialogo-documento").await;
        click(c, "cerrar-documento").await;
        click(c, answer).await;
    }
}

pub const SUPERVISOR: (&str, &str) = ("supervisora", "una-clave-larga-1");

/// First run: the gate asks for the station's first supervisor; creating it signs in.
pub async fn first_supervisor(c: &Client) {
    c.set_window_size(1366, 768).await.unwrap();
    wait_visible(c, "#form-primer-supervisor").await;
    type_into(c, "supervisor_full_name", "Rosa Elena Prueba Demo").await;
    type_into(c, "supervisor_username", SUPERVISOR.0).await;
    type_into(c, "supervisor_password", SUPERVISOR.1).await;
    type_into(c, "supervisor_password_confirmation", SUPERVISOR.1).await;
    click(c, "crear-supervisor").await;
    wait_visible(c, "#aplicacion").await;
}

/// The supervisor types their approval in the authorization dialog and confirms.
pub async fn approve_as_supervisor(c: &Client) {
    wait_visible(c, "#dialogo-autorizacion").await;
    type_into(c, "approval_username", SUPERVISOR.0).await;
    type_into(c, "approval_password", SUPERVISOR.1).await;
    click(c, "confirmar-autorizacion").await;
}

/// «Guardar ajustes», approved by the supervisor, refused: the dialog says `why`, then
/// closes, and nothing was saved.
pub async fn save_settings_refused(c: &Client, why: &str) {
    click(c, "guardar-ajustes").await;
    approve_as_supervisor(c).await;
    wait_text(c, "#autorizacion-mensaje", why).await;
    click(c, "cerrar-autorizacion").await;
}

/// «Guardar ajustes», approved by the supervisor; the dialog says it saved, then closes.
pub async fn save_settings_as_supervisor(c: &Client) {
    click(c, "guardar-ajustes").await;
    approve_as_supervisor(c).await;
    wait_text(c, "#autorizacion-resultado", "Ajustes guardados").await;
    click(c, "cerrar-autorizacion").await;
}

/// Finds a registration by its folio in «Buscar» and waits for its detail.
pub async fn open_in_search(c: &Client, folio: &str) {
    tab(c, "busqueda").await;
    type_into(c, "query", folio).await;
    click(c, "buscar").await;
    super::checks::wait_visible(c, "#detalle").await;
}
