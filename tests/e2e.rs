//! The real app in a real window: Xvfb, tauri-driver and WebKitWebDriver, driven like a
//! clerk would. Run by `./dev.sh test` (it installs what this needs); by hand:
//! `cargo test --test e2e -- --ignored`.
#![cfg(target_os = "linux")]

#[path = "support/smtp_server.rs"]
mod smtp_server;

#[path = "support/postgres_server.rs"]
mod postgres_server;

use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use registro_core::config::SmtpSecurity;
use smtp_server::SmtpServer;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APP: &str = env!("CARGO_BIN_EXE_registro-servicios-en-linea");
const WAIT: Duration = Duration::from_secs(30);

/// Xvfb, tauri-driver and a temporary data folder; stopped on drop.
struct Harness {
    xvfb: Option<Child>,
    driver: Child,
    port: u16,
    data: tempfile::TempDir,
    shots: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.driver.id().to_string())
            .status();
        let _ = self.driver.wait();
        if let Some(x) = self.xvfb.as_mut() {
            let _ = x.kill();
            let _ = x.wait();
        }
    }
}

fn start_xvfb() -> (Option<Child>, String) {
    if let Ok(display) = std::env::var("DISPLAY")
        && !display.is_empty()
    {
        return (None, display);
    }
    let n = (90..200)
        .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
        .expect("a free display");
    let display = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([&display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (package xvfb) must be installed: ./dev.sh test installs it");
    let socket = format!("/tmp/.X11-unix/X{n}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() {
        assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Some(child), display)
}

fn start() -> Harness {
    let (xvfb, display) = start_xvfb();
    let data = tempfile::tempdir().unwrap();
    let port = smtp_server::free_port();
    let native = smtp_server::free_port();
    let driver = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", &display)
        .env(registro_app::DATA_DIR_ENV, data.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("tauri-driver must be installed: ./dev.sh test installs it");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capturas-e2e");
    std::fs::create_dir_all(&shots).unwrap();
    Harness {
        xvfb,
        driver,
        port,
        data,
        shots,
    }
}

async fn connect(h: &Harness) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": APP }),
    );
    // tauri-driver accepts connections before WebKitWebDriver behind it is ready: retry.
    let deadline = Instant::now() + WAIT;
    let client = loop {
        let attempt = tokio::time::timeout(
            WAIT,
            ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", h.port)),
        )
        .await
        .expect("WebDriver session request answered within 30 s");
        match attempt {
            Ok(client) => break client,
            Err(e) if Instant::now() < deadline => {
                eprintln!("WebDriver session not ready yet ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    };
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("body[data-listo='si']"))
        .await
        .expect("the app's screen is ready");
    client
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn type_into(c: &Client, id: &str, value: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn wait_visible(c: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.is_displayed().await.unwrap_or(false)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never became visible");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(c: &Client, h: &Harness, name: &str) {
    // A paint right after a change may not be on screen yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(h.shots.join(format!("{name}.png")), png).unwrap();
}

/// The body of the email to `to` whose text contains `containing`, waiting for the worker.
fn wait_for_email(h: &Harness, to: &str, containing: &str) -> String {
    let dir = h.data.path().join("correos");
    let deadline = Instant::now() + WAIT;
    loop {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let raw = std::fs::read(entry.path()).unwrap_or_default();
            if let Some(msg) = mail_parser::MessageParser::default().parse(&raw) {
                let text = msg.body_text(0).unwrap_or_default().into_owned();
                if msg.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(to)
                    && text.contains(containing)
                {
                    return text;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no email to {to} with {containing:?} in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} not in email"))
        + label.len();
    text[at..].lines().next().unwrap().trim()
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_clerk_registers_a_demo_affiliate_and_validates_with_the_emailed_code() {
    let h = start();
    let c = connect(&h).await;

    assert_eq!(
        c.title().await.unwrap(),
        "Registro en Servicios en Línea — ISSSTECALI"
    );
    assert!(text(&c, "#aviso-demo").await.starts_with("DEMO"));
    screenshot(&c, &h, "01-registro-vacio").await;

    // "Registrar" on an empty form: every field says what is missing, focus on the first.
    c.find(Locator::Id("registrar"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_visible(&c, "#registro-resumen").await;
    assert_eq!(
        text(&c, "#error-affiliation_number").await,
        "Escriba el número de afiliación que aparece en la credencial."
    );
    assert!(
        text(&c, "#error-integral_notice")
            .await
            .contains("aviso de privacidad integral")
    );
    let focused = c.active_element().await.unwrap().attr("id").await.unwrap();
    assert_eq!(focused.as_deref(), Some("affiliation_number"));
    screenshot(&c, &h, "02-registro-errores").await;

    type_into(&c, "affiliation_number", "900 100 101").await;
    type_into(&c, "credential_serial", "demo4821907").await;
    type_into(&c, "phone", "(686) 555-0142").await;
    type_into(&c, "email", "ximena.ocampo@gmial.com").await;
    c.find(Locator::Id("email_confirmation"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The live check offers the likely domain; the clerk takes it.
    wait_visible(&c, "#sugerencia-email").await;
    assert_eq!(
        text(&c, "#sugerencia-texto").await,
        "¿Quisiste decir ximena.ocampo@gmail.com?"
    );
    screenshot(&c, &h, "03-sugerencia-correo").await;
    c.find(Locator::Id("usar-sugerencia"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&c, "#error-phone").await, "");
    type_into(&c, "email_confirmation", "ximena.ocampo@gmail.com").await;

    // Each document is opened (showing the stored text) before it can be answered.
    for (kind, answer) in [
        ("aviso_integral", "integral_notice"),
        ("aviso_simplificado", "simplified_notice"),
        ("terminos_condiciones", "terms_and_conditions"),
        ("consentimiento_agrupacion", "family_grouping_consent-si"),
    ] {
        let input = c.find(Locator::Id(answer)).await.unwrap();
        assert!(
            !input.is_selected().await.unwrap(),
            "{answer} must never be pre-checked"
        );
        c.find(Locator::Id(&format!("leer-{kind}")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_visible(&c, "#dialogo-documento").await;
        let body = text(&c, "#documento-texto").await;
        assert!(body.len() > 200, "{kind}: the document text is shown");
        if kind == "aviso_integral" {
            screenshot(&c, &h, "04-aviso-integral").await;
        }
        c.find(Locator::Id("documento-texto"))
            .await
            .unwrap()
            .send_keys(&Key::Escape.to_string())
            .await
            .unwrap();
        c.find(Locator::Id(answer))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(
            c.find(Locator::Id(answer))
                .await
                .unwrap()
                .is_selected()
                .await
                .unwrap()
        );
    }
    screenshot(&c, &h, "05-registro-lleno").await;

    c.find(Locator::Id("registrar"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_visible(&c, "#registro-exito").await;
    let folio = text(&c, "#exito-folio").await;
    assert!(folio.starts_with("RSL-"), "{folio}");
    assert!(
        text(&c, "#exito-correo")
            .await
            .starts_with("Se envió el correo de validación a xi***@gmail.com")
    );
    screenshot(&c, &h, "06-registro-guardado").await;

    let email = wait_for_email(&h, "ximena.ocampo@gmail.com", "código de validación");
    let code = after(&email, "código de validación: ").to_owned();
    assert!(
        email.contains("token="),
        "the email carries the validation link"
    );

    c.find(Locator::Id("ir-validar"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_visible(&c, "#pantalla-validacion").await;
    assert_eq!(
        c.find(Locator::Id("folio"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(folio.as_str())
    );
    type_into(&c, "code", &code).await;
    c.find(Locator::Id("validar"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_visible(&c, "#validacion-exito").await;
    assert_eq!(text(&c, "#validacion-usuario").await, "Usuario: 900100101");
    assert!(
        text(&c, "#validacion-correo")
            .await
            .contains("contraseña temporal")
    );
    screenshot(&c, &h, "07-validado").await;

    let email = wait_for_email(&h, "ximena.ocampo@gmail.com", "Contraseña temporal");
    assert_eq!(after(&email, "Usuario: "), "900100101");
    assert!(after(&email, "Contraseña temporal: ").len() >= 12);

    c.close().await.unwrap();
}

/// The body of the newest message the SMTP server accepted for `to` with `containing`.
fn wait_for_smtp(server: &SmtpServer, to: &str, containing: &str, at_least: usize) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let matching: Vec<String> = server
            .received_files()
            .iter()
            .filter_map(|p| {
                let raw = std::fs::read(p).ok()?;
                let msg = mail_parser::MessageParser::default().parse(&raw)?;
                let text = msg.body_text(0).unwrap_or_default().into_owned();
                (msg.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(to)
                    && text.contains(containing))
                .then_some(text)
            })
            .collect();
        if matching.len() >= at_least {
            return matching.last().unwrap().clone();
        }
        assert!(
            Instant::now() < deadline,
            "the SMTP server got {} of {at_least} emails to {to} with {containing:?}",
            matching.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Clicks `id`, waiting (as a person would) while it is still appearing or covered.
async fn click(c: &Client, id: &str) {
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
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            Err(e) => panic!("could not click #{id}: {e}"),
        }
    }
}

async fn tab(c: &Client, screen: &str) {
    c.find(Locator::Css(&format!(".pestana[data-pantalla='{screen}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn wait_text(c: &Client, css: &str, fragment: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
            && t.contains(fragment)
        {
            return t;
        }
        assert!(Instant::now() < deadline, "{css} never said {fragment:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills and submits the registration form for a demo affiliate, answering every document.
async fn register_demo(c: &Client, affiliation: &str, serial: &str, email: &str) -> String {
    type_into(c, "affiliation_number", affiliation).await;
    type_into(c, "credential_serial", serial).await;
    type_into(c, "phone", "664 555 0199").await;
    type_into(c, "email", email).await;
    type_into(c, "email_confirmation", email).await;
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
    click(c, "registrar").await;
    wait_visible(c, "#registro-exito").await;
    text(c, "#exito-folio").await
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and python3-aiosmtpd; ./dev.sh test runs it"]
async fn a_clerk_sets_up_smtp_and_handles_the_follow_ups_at_the_desk() {
    let server = SmtpServer::start(SmtpSecurity::Plain, true);
    let (smtp, password) = server.settings(true);
    let h = start();
    let c = connect(&h).await;

    // Settings: the SMTP server, no wait between resends, and a test email.
    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    click(&c, "usar-smtp").await;
    type_into(&c, "smtp_host", "127.0.0.1").await;
    type_into(&c, "smtp_port", &smtp.port.to_string()).await;
    c.find(Locator::Css("#smtp_security option[value='plain']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&c, "smtp_username", &smtp.username).await;
    type_into(&c, "smtp_password", password.as_deref().unwrap()).await;
    type_into(&c, "resend_cooldown_secs", "0").await;
    click(&c, "guardar-ajustes").await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    assert!(
        text(&c, "#entrega-actual")
            .await
            .contains(&format!("127.0.0.1:{}", smtp.port))
    );
    assert!(
        text(&c, "#ayuda-smtp_password")
            .await
            .contains("Hay una contraseña guardada")
    );
    type_into(&c, "test_recipient", "prueba@example.org").await;
    click(&c, "enviar-prueba").await;
    wait_text(&c, "#prueba-resultado", "el servidor lo aceptó").await;
    wait_for_smtp(&server, "prueba@example.org", "correo de prueba", 1);
    screenshot(&c, &h, "11-ajustes-smtp").await;

    // A supervisor account, then a credential without a printed serial.
    type_into(&c, "supervisor_username", "supervisora").await;
    type_into(&c, "supervisor_full_name", "Rosa Elena Prueba Demo").await;
    type_into(&c, "supervisor_password", "una-clave-larga-1").await;
    type_into(&c, "supervisor_password_confirmation", "una-clave-larga-1").await;
    click(&c, "crear-supervisor").await;
    wait_text(&c, "#ajustes-exito", "Cuenta de supervisor creada").await;

    tab(&c, "registro").await;
    type_into(&c, "affiliation_number", "900200201").await;
    click(&c, "sin-serie").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(
        &c,
        "reason",
        "La credencial no trae número de serie impreso",
    )
    .await;
    click(&c, "identity_checked").await;
    type_into(&c, "approval_username", "supervisora").await;
    type_into(&c, "approval_password", "una-clave-larga-1").await;
    click(&c, "confirmar-autorizacion").await;
    wait_text(&c, "#autorizacion-resultado", "DEMO5930114").await;
    screenshot(&c, &h, "12-serie-revelada").await;
    click(&c, "cerrar-autorizacion").await;
    let serial = c
        .find(Locator::Id("credential_serial"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(serial.as_deref(), Some("DEMO5930114"));

    // Register; the validation email arrives at the real server.
    let folio = register_demo(&c, "900200201", "DEMO5930114", "joaquin@example.com").await;
    let first = wait_for_smtp(&server, "joaquin@example.com", "código de validación", 1);

    // Search: the registration, its emails and the 10-minute promise.
    tab(&c, "busqueda").await;
    type_into(&c, "query", "900200201").await;
    click(&c, "buscar").await;
    wait_visible(&c, "#detalle").await;
    assert!(text(&c, "#detalle-titulo").await.contains(&folio));
    wait_text(&c, "#promesa", "cumplida").await;
    screenshot(&c, &h, "13-busqueda-detalle").await;

    // Resend: a second email with a new code.
    click(&c, "accion-reenviar").await;
    wait_text(
        &c,
        "#detalle-exito",
        "Se envió un nuevo correo de validación",
    )
    .await;
    let second = wait_for_smtp(&server, "joaquin@example.com", "código de validación", 2);
    assert_ne!(
        after(&first, "token="),
        after(&second, "token="),
        "a new link"
    );

    // Correct the email: the next validation email goes to the new address.
    click(&c, "accion-corregir").await;
    type_into(&c, "correccion-email", "joaquin.villasenor@example.com").await;
    type_into(
        &c,
        "correccion-confirmacion",
        "joaquin.villasenor@example.com",
    )
    .await;
    click(&c, "guardar-correccion").await;
    wait_text(&c, "#detalle-exito", "Correo corregido").await;
    let third = wait_for_smtp(
        &server,
        "joaquin.villasenor@example.com",
        "código de validación",
        1,
    );
    screenshot(&c, &h, "14-correo-corregido").await;

    // The first code was replaced: the desk says so. The newest one validates.
    tab(&c, "validacion").await;
    type_into(&c, "folio", &folio).await;
    type_into(&c, "code", after(&first, "código de validación: ")).await;
    click(&c, "validar").await;
    let replaced = wait_text(&c, "#validacion-resumen", "código").await;
    let code = after(&third, "código de validación: ").to_owned();
    if after(&first, "código de validación: ") != code {
        assert!(
            replaced.contains("reemplazado") || replaced.contains("no coincide"),
            "{replaced}"
        );
    }
    type_into(&c, "code", &code).await;
    click(&c, "validar").await;
    wait_visible(&c, "#validacion-exito").await;
    wait_for_smtp(
        &server,
        "joaquin.villasenor@example.com",
        "Contraseña temporal",
        1,
    );

    // A new temporary password for the validated account.
    tab(&c, "busqueda").await;
    type_into(&c, "query", &folio).await;
    click(&c, "buscar").await;
    wait_text(&c, "#detalle-datos", "Validada").await;
    click(&c, "accion-contrasena").await;
    wait_visible(&c, "#dialogo-autorizacion").await;
    type_into(&c, "reason", "El afiliado no anotó su contraseña").await;
    click(&c, "confirmar-autorizacion").await;
    wait_text(&c, "#autorizacion-resultado", "nueva contraseña temporal").await;
    click(&c, "cerrar-autorizacion").await;
    let password_email = wait_for_smtp(
        &server,
        "joaquin.villasenor@example.com",
        "Contraseña temporal",
        2,
    );
    assert!(after(&password_email, "Contraseña temporal: ").len() >= 12);
    wait_text(&c, "#detalle-correos", "Contraseña temporal").await;
    screenshot(&c, &h, "15-nueva-contrasena").await;

    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and PostgreSQL; ./dev.sh test runs it"]
async fn offline_registration_waits_in_the_status_bar_and_goes_up_when_the_network_returns() {
    use registro_core::sync::Central;
    let mut pg = postgres_server::PgServer::start();
    let url = pg.create_database("central");
    let admin = Central::new(&url, None).unwrap();
    admin.migrate().await.unwrap();
    pg.psql(
        "central",
        "CREATE ROLE oficina_mexicali LOGIN IN ROLE registro_ventanilla",
    );
    pg.stop();

    let h = start();
    let c = connect(&h).await;
    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    type_into(&c, "central_url", &pg.url_as("oficina_mexicali", "central")).await;
    click(&c, "guardar-ajustes").await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    wait_text(&c, "#estado-conexion", "Sin conexión con la base central").await;

    tab(&c, "registro").await;
    let folio = register_demo(&c, "900300301", "DEMO6102233", "leticia@example.com").await;
    let waiting = wait_text(&c, "#estado-pendientes", "Registros por enviar: 1 (").await;
    assert!(waiting.contains("desde"), "{waiting}");
    screenshot(&c, &h, "21-sin-conexion-pendientes").await;

    pg.resume();
    click(&c, "sincronizar-ahora").await;
    wait_text(&c, "#estado-conexion", "En línea").await;
    wait_text(&c, "#estado-pendientes", "Registros por enviar: 0").await;
    assert!(!text(&c, "#estado-ultima").await.contains("nunca"));
    screenshot(&c, &h, "22-sincronizado").await;
    let central_folio: String = sqlx::query_scalar("SELECT folio FROM registrations")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(central_folio, folio);
    c.close().await.unwrap();
}
