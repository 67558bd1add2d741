//! The real app in a real window: Xvfb, tauri-driver and WebKitWebDriver, driven like a
//! clerk would. Run by `./dev.sh test` (it installs what this needs); by hand:
//! `cargo test --test app -- --ignored --test-threads=1 e2e::`.

use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use registro_core::config::SmtpSecurity;
use registro_test_support::mail::{eml_files, wait_for};
use registro_test_support::smtp_server::SmtpServer;
use registro_test_support::{free_port, postgres_server};
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
            // SIGTERM, so Xvfb removes its lock file and socket; SIGKILL leaves them behind.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(x.id().to_string())
                .status();
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
    // `-displayfd 1`: Xvfb picks a free display itself (clearing locks left by dead
    // servers) and writes its number to stdout only once it accepts connections, so
    // there is no guessing of numbers and no race with a stale socket.
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1920x1080x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (package xvfb) must be installed: ./dev.sh test installs it");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("piped stdout")),
        &mut line,
    )
    .expect("reading the display number from Xvfb");
    let n: u32 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Xvfb did not start (it printed {line:?})"));
    (Some(child), format!(":{n}"))
}

fn start() -> Harness {
    let (xvfb, display) = start_xvfb();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let native = free_port();
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

/// The body of the email to `to` whose text contains `containing`, waiting for the worker
/// to write it to the station's folder of emails (no SMTP server configured).
async fn wait_for_email(h: &Harness, to: &str, containing: &str) -> String {
    let dir = h.data.path().join("correos");
    wait_for(|| eml_files(&dir), to, containing, 1, WAIT).await
}

/// The body of the newest message the SMTP server accepted for `to` with `containing`,
/// once it holds `at_least` of them.
async fn wait_for_smtp(server: &SmtpServer, to: &str, containing: &str, at_least: usize) -> String {
    wait_for(|| server.received_files(), to, containing, at_least, WAIT).await
}

fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} not in email"))
        + label.len();
    text[at..].lines().next().unwrap().trim()
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

const SUPERVISOR: (&str, &str) = ("supervisora", "una-clave-larga-1");

/// First run: the gate asks for the station's first supervisor; creating it signs in.
async fn first_supervisor(c: &Client) {
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
async fn approve_as_supervisor(c: &Client) {
    wait_visible(c, "#dialogo-autorizacion").await;
    type_into(c, "approval_username", SUPERVISOR.0).await;
    type_into(c, "approval_password", SUPERVISOR.1).await;
    click(c, "confirmar-autorizacion").await;
}

/// «Guardar ajustes», approved by the supervisor; the dialog says it saved, then closes.
async fn save_settings_as_supervisor(c: &Client) {
    click(c, "guardar-ajustes").await;
    approve_as_supervisor(c).await;
    wait_text(c, "#autorizacion-resultado", "Ajustes guardados").await;
    click(c, "cerrar-autorizacion").await;
}

async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn focused(c: &Client) -> String {
    c.active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn is_displayed(c: &Client, css: &str) -> bool {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Types `keys` into whatever has the focus, as a keyboard would.
async fn press(c: &Client, keys: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// axe-core (from npm, pinned in package-lock.json) injected into the real window: every
/// finding goes to `axe-<screen>.json` next to the screenshots; serious or critical ones
/// fail the test.
async fn audit_accessibility(c: &Client, h: &Harness, screen: &str) {
    let axe = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/node_modules/axe-core/axe.min.js"
    ))
    .expect("axe-core from npm: ./dev.sh test runs npm ci");
    c.execute(
        &format!("if (!window.axe) {{ {axe} }} return true;"),
        vec![],
    )
    .await
    .unwrap();
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done({ rules_passed: r.passes.length, violations: r.violations.map((v) => ({
                   id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })) }))
               .catch((e) => done({ rules_passed: 0, violations: [{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }] }));",
            vec![],
        )
        .await
        .unwrap();
    std::fs::write(
        h.shots.join(format!("axe-{screen}.json")),
        serde_json::to_string_pretty(&found).unwrap(),
    )
    .unwrap();
    // An audit that checked nothing would pass anything.
    assert!(
        found["rules_passed"].as_u64().unwrap_or(0) > 10,
        "{screen}: axe ran too few rules: {found}"
    );
    let blocking: Vec<&serde_json::Value> = found["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(
        blocking.is_empty(),
        "{screen}: accessibility violations {blocking:#?}"
    );
}

/// The screen at the clerks' two screen sizes: nothing sticks out of its box (no text
/// cut off, no sideways scrolling); a screenshot of each.
async fn check_layout(c: &Client, h: &Harness, name: &str) {
    for (width, height) in [(1920, 1080), (1366, 768)] {
        c.set_window_size(width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let overflowing = c
            .execute(
                "const bad = [];
                 for (const el of document.querySelectorAll('body *')) {
                   if (!el.getClientRects().length || ['INPUT', 'TEXTAREA', 'SELECT', 'OPTION'].includes(el.tagName)) continue;
                   const cs = getComputedStyle(el);
                   if (['auto', 'scroll'].includes(cs.overflowX)) continue;
                   if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) bad.push(el.id || `${el.tagName}.${el.className}`);
                 }
                 if (document.documentElement.scrollWidth > innerWidth + 1) bad.push('document');
                 return bad;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            overflowing,
            serde_json::json!([]),
            "{name} at {width}x{height}: content wider than its box"
        );
        screenshot(c, h, &format!("{name}-{width}x{height}")).await;
    }
    c.set_window_size(1366, 768).await.unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_supervisor_opens_the_station_and_a_clerk_signs_in_and_locks_the_desk() {
    let h = start();
    let c = connect(&h).await;
    assert_eq!(
        c.title().await.unwrap(),
        "Registro en Servicios en Línea — ISSSTECALI"
    );
    c.set_window_size(1366, 768).await.unwrap();

    // First run: nothing of the application shows until the first supervisor exists.
    wait_visible(&c, "#form-primer-supervisor").await;
    assert!(!is_displayed(&c, "#aplicacion").await);
    assert_eq!(focused(&c).await, "supervisor_full_name");
    audit_accessibility(&c, &h, "primer-arranque").await;
    type_into(&c, "supervisor_full_name", "Rosa Elena Prueba Demo").await;
    type_into(&c, "supervisor_username", SUPERVISOR.0).await;
    type_into(&c, "supervisor_password", SUPERVISOR.1).await;
    type_into(&c, "supervisor_password_confirmation", "otra-clave-larga").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(
        &c,
        "#error-supervisor_password_confirmation",
        "Las dos contraseñas no coinciden.",
    )
    .await;
    assert_eq!(focused(&c).await, "supervisor_password_confirmation");
    check_layout(&c, &h, "00-primer-arranque-error").await;
    type_into(&c, "supervisor_password_confirmation", SUPERVISOR.1).await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#aplicacion").await;
    assert_eq!(
        text(&c, "#usuario-actual").await,
        "Rosa Elena Prueba Demo (Supervisor)"
    );

    // The supervisor opens an account for a clerk.
    tab(&c, "personal").await;
    wait_text(&c, "#tabla-personal", "supervisora").await;
    type_into(&c, "staff_full_name", "Ana Lucía Ejemplo Ficticio").await;
    type_into(&c, "staff_username", "ana.ejemplo").await;
    type_into(&c, "staff_password", "clave-inicial-ana").await;
    type_into(&c, "staff_password_confirmation", "clave-inicial-ana").await;
    click(&c, "crear-cuenta").await;
    wait_text(&c, "#personal-exito", "Cuenta creada para Ana Lucía").await;
    wait_text(&c, "#tabla-personal", "debe elegir su contraseña").await;
    check_layout(&c, &h, "08-personal").await;
    audit_accessibility(&c, &h, "personal").await;

    // The clerk signs in: a wrong password is counted, then the supervisor's password
    // must be replaced before anything else.
    click(&c, "cerrar-sesion").await;
    wait_visible(&c, "#form-entrar").await;
    type_into(&c, "signin_username", "ana.ejemplo").await;
    type_into(&c, "signin_password", "no-es-la-clave").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(
        &c,
        "#error-signin_password",
        "Usuario o contraseña incorrectos. Quedan 4 intentos.",
    )
    .await;
    assert_eq!(focused(&c).await, "signin_password");
    check_layout(&c, &h, "09-entrar-error").await;
    audit_accessibility(&c, &h, "entrar").await;
    type_into(&c, "signin_password", "clave-inicial-ana").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#form-cambiar-contrasena").await;
    audit_accessibility(&c, &h, "elegir-contrasena").await;
    type_into(&c, "current_password", "clave-inicial-ana").await;
    type_into(&c, "new_password", "la-clave-de-ana-2026").await;
    type_into(&c, "new_password_confirmation", "la-clave-de-ana-2026").await;
    screenshot(&c, &h, "10-elegir-contrasena").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#aplicacion").await;
    assert_eq!(
        text(&c, "#usuario-actual").await,
        "Ana Lucía Ejemplo Ficticio (Capturista)"
    );
    assert!(!is_displayed(&c, ".pestana[data-pantalla='personal']").await);
    assert_eq!(focused(&c).await, "affiliation_number");

    // She steps away: the desk locks and shows nothing; only her password opens it.
    type_into(&c, "affiliation_number", "900100101").await;
    click(&c, "bloquear").await;
    wait_visible(&c, "#form-desbloquear").await;
    assert!(!is_displayed(&c, "#aplicacion").await);
    assert!(
        text(&c, "#desbloquear-quien")
            .await
            .contains("Ana Lucía Ejemplo Ficticio (ana.ejemplo)")
    );
    check_layout(&c, &h, "11-sesion-bloqueada").await;
    audit_accessibility(&c, &h, "sesion-bloqueada").await;
    type_into(&c, "unlock_password", "otra").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(&c, "#error-unlock_password", "Quedan").await;
    type_into(&c, "unlock_password", "la-clave-de-ana-2026").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#aplicacion").await;
    // Her work is where she left it.
    assert_eq!(value(&c, "affiliation_number").await, "900100101");

    // Left alone for the configured minutes (a supervisor set 1), the desk locks itself.
    tab(&c, "ajustes").await;
    type_into(&c, "session_lock_minutes", "1").await;
    save_settings_as_supervisor(&c).await;
    let idle = Instant::now();
    let deadline = idle + Duration::from_secs(90);
    while !is_displayed(&c, "#form-desbloquear").await {
        assert!(Instant::now() < deadline, "the idle desk never locked");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        idle.elapsed() >= Duration::from_secs(55),
        "locked too early"
    );
    assert!(!is_displayed(&c, "#aplicacion").await);
    c.close().await.unwrap();
}

/// The demo roster plus an affiliate with a very long name, to see it wrap.
fn roster_with_a_long_name(dir: &Path) -> PathBuf {
    let mut csv = include_str!("../../core/demo/padron_demo.csv").to_owned();
    csv.push_str(
        "900700701,LARG7700701,María de los Ángeles Guadalupe Fernández de Castro y Villaseñor-Ochoa Ruiz Esparza (DEMO),titular,900700701,si\n",
    );
    let file = dir.join("padron con nombre largo.csv");
    std::fs::write(&file, csv).unwrap();
    file
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_clerk_registers_by_keyboard_prints_the_receipt_and_starts_the_next_one() {
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    assert!(text(&c, "#aviso-demo").await.starts_with("DEMO"));

    // Padrón: a roster with a very long name.
    tab(&c, "padron").await;
    let roster = roster_with_a_long_name(h.data.path());
    type_into(&c, "roster_file", roster.to_str().unwrap()).await;
    click(&c, "importar").await;
    wait_text(&c, "#padron-totales", "Con errores: 0").await;
    check_layout(&c, &h, "12-padron").await;
    audit_accessibility(&c, &h, "padron").await;

    tab(&c, "registro").await;
    click(&c, "affiliation_number").await;
    check_layout(&c, &h, "01-registro-vacio").await;
    audit_accessibility(&c, &h, "registro").await;

    // Enter on an empty form: every field says what is missing, focus on the first.
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#registro-resumen").await;
    for (field, says) in [
        ("affiliation_number", "número de afiliación"),
        ("credential_serial", "número de serie"),
        ("phone", "teléfono"),
        ("email", "correo"),
        ("email_confirmation", "correo"),
        ("integral_notice", "aviso de privacidad integral"),
        ("simplified_notice", "aviso de privacidad simplificado"),
        ("terms_and_conditions", "términos"),
        ("family_grouping_consent", "agrupación"),
    ] {
        let error = text(&c, &format!("#error-{field}")).await;
        assert!(
            error.to_lowercase().contains(says),
            "{field}: {error:?} should mention {says:?}"
        );
    }
    assert_eq!(focused(&c).await, "affiliation_number");
    check_layout(&c, &h, "02-registro-errores").await;
    audit_accessibility(&c, &h, "registro-errores").await;

    // Wrong shapes are caught as the clerk leaves each field.
    type_into(&c, "affiliation_number", "9").await;
    type_into(&c, "phone", "555 01").await;
    type_into(&c, "email", "ana.ejemplo@gmial.com").await;
    type_into(&c, "email_confirmation", "otra@example.com").await;
    click(&c, "credential_serial").await;
    wait_text(&c, "#error-affiliation_number", "debe tener entre").await;
    wait_text(&c, "#error-phone", "10 dígitos").await;
    wait_text(
        &c,
        "#sugerencia-texto",
        "¿Quisiste decir ana.ejemplo@gmail.com?",
    )
    .await;
    wait_text(&c, "#error-email_confirmation", "no coincide").await;
    screenshot(&c, &h, "03-errores-al-escribir").await;

    // Number and serial: the roster's name, to confirm the person.
    type_into(&c, "affiliation_number", "900 700 701").await;
    type_into(&c, "credential_serial", "larg7700701").await;
    click(&c, "phone").await;
    wait_text(
        &c,
        "#afiliado-identificado",
        "María de los Ángeles Guadalupe",
    )
    .await;
    let long_email = "maria.de.los.angeles.guadalupe.fernandez.de.castro.villasenor@correo-de-pruebas.example.org";
    type_into(&c, "phone", "(686) 555-0142").await;
    type_into(&c, "email", long_email).await;
    type_into(&c, "email_confirmation", long_email).await;

    // Each document is opened (its stored text) before it can be answered; Escape closes.
    for (kind, answer) in [
        ("aviso_integral", "integral_notice"),
        ("aviso_simplificado", "simplified_notice"),
        ("terminos_condiciones", "terms_and_conditions"),
        ("consentimiento_agrupacion", "family_grouping_consent-no"),
    ] {
        let input = c.find(Locator::Id(answer)).await.unwrap();
        assert!(
            !input.is_selected().await.unwrap(),
            "{answer} never pre-checked"
        );
        let disabled = c
            .execute(
                "return document.getElementById(arguments[0]).matches(':disabled');",
                vec![serde_json::json!(answer)],
            )
            .await
            .unwrap();
        assert_eq!(disabled, true, "{answer} waits for the text");
        click(&c, &format!("leer-{kind}")).await;
        wait_visible(&c, "#dialogo-documento").await;
        assert!(text(&c, "#documento-texto").await.len() > 200);
        if kind == "aviso_integral" {
            check_layout(&c, &h, "04-aviso-integral").await;
            audit_accessibility(&c, &h, "dialogo-documento").await;
        }
        press(&c, &Key::Escape.to_string()).await;
        // Focus returns to the answer: the space bar ticks a box; for the grouping
        // question the arrow moves from "Sí" to "No".
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Some(question) = answer.strip_suffix("-no") {
            assert_eq!(focused(&c).await, format!("{question}-si"));
            press(&c, &Key::Down.to_string()).await;
        } else {
            assert_eq!(focused(&c).await, answer);
            press(&c, " ").await;
        }
        assert!(
            c.find(Locator::Id(answer))
                .await
                .unwrap()
                .is_selected()
                .await
                .unwrap()
        );
    }
    check_layout(&c, &h, "05-registro-lleno").await;

    // Enter registers. The grouping consent was refused: registered all the same.
    click(&c, "email_confirmation").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#registro-exito").await;
    let folio = text(&c, "#exito-folio").await;
    assert!(folio.starts_with("RSL-"), "{folio}");
    wait_text(&c, "#exito-agrupacion", "no otorgada").await;

    // The receipt: masked contact, documents with version and hash, next steps, contact.
    let data = wait_text(&c, "#comprobante-datos", "Villaseñor").await;
    assert!(
        data.contains("ma***@correo-de-pruebas.example.org"),
        "{data}"
    );
    assert!(data.contains("*** *** 0142"), "{data}");
    assert!(!data.contains(long_email) && !data.contains("555 0142"));
    let documents = text(&c, "#comprobante-documentos").await;
    assert!(
        documents.contains("Aviso de privacidad integral"),
        "{documents}"
    );
    assert!(documents.contains("No autorizó"), "{documents}");
    let rows = c
        .find_all(Locator::Css("#comprobante-documentos tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert!(!text(&c, "#comprobante-pasos").await.is_empty());
    assert!(
        text(&c, "#comprobante-contacto")
            .await
            .contains("686 551 6100")
    );
    // No central database here: the status bar says the record lives only on this station.
    wait_text(
        &c,
        "#estado-pendientes",
        "Registros guardados solo en esta estación: 1",
    )
    .await;
    assert!(!is_displayed(&c, "#estado-ultima").await);
    check_layout(&c, &h, "06-comprobante").await;
    audit_accessibility(&c, &h, "comprobante").await;

    click(&c, "guardar-pdf").await;
    let saved = wait_text(&c, "#pdf-resultado", "Comprobante guardado en PDF: ").await;
    let path = saved.trim_start_matches("Comprobante guardado en PDF: ");
    let pdf = std::fs::read(path).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "{path}");
    assert!(path.contains(&folio));
    std::fs::write(h.shots.join("06-comprobante.pdf"), &pdf).unwrap();

    // Validation by code from the email.
    let email = wait_for_email(&h, long_email, "código de validación").await;
    let code = after(&email, "código de validación: ").to_owned();
    click(&c, "ir-validar").await;
    wait_visible(&c, "#pantalla-validacion").await;
    assert_eq!(value(&c, "folio").await, folio);
    type_into(&c, "code", "000000").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(&c, "#validacion-resumen", "El código no coincide").await;
    assert_eq!(focused(&c).await, "code");
    audit_accessibility(&c, &h, "validacion-error").await;
    type_into(&c, "code", &code).await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#validacion-exito").await;
    assert_eq!(text(&c, "#validacion-usuario").await, "Usuario: 900700701");
    check_layout(&c, &h, "07-validado").await;

    // "Nuevo registro" (Alt+N): an empty form, focus on the first field.
    tab(&c, "registro").await;
    click(&c, "nuevo-registro").await;
    wait_visible(&c, "#form-registro").await;
    for field in [
        "affiliation_number",
        "credential_serial",
        "phone",
        "email",
        "email_confirmation",
    ] {
        assert_eq!(value(&c, field).await, "", "{field} cleared");
    }
    assert!(
        !c.find(Locator::Id("integral_notice"))
            .await
            .unwrap()
            .is_selected()
            .await
            .unwrap()
    );
    assert_eq!(focused(&c).await, "affiliation_number");

    // The same person again: said as soon as number and serial are typed.
    type_into(&c, "affiliation_number", "900700701").await;
    type_into(&c, "credential_serial", "LARG7700701").await;
    click(&c, "phone").await;
    wait_text(
        &c,
        "#afiliado-identificado",
        "ya tiene cuenta en Servicios en Línea",
    )
    .await;
    screenshot(&c, &h, "16-registro-duplicado").await;

    // Five wrong serials lock the number.
    type_into(&c, "credential_serial", "").await;
    type_into(&c, "affiliation_number", "900100102").await;
    for attempt in 1..=5 {
        type_into(&c, "credential_serial", &format!("DEMO000000{attempt}")).await;
        click(&c, "phone").await;
        if attempt < 5 {
            wait_text(
                &c,
                "#error-credential_serial",
                &format!("{} intento", 5 - attempt),
            )
            .await;
        }
    }
    wait_text(&c, "#error-affiliation_number", "está bloqueado hasta las").await;
    screenshot(&c, &h, "17-serie-bloqueada").await;
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and python3-aiosmtpd; ./dev.sh test runs it"]
async fn resend_email_correction_and_a_new_password_through_a_real_smtp_server() {
    let server = SmtpServer::start(SmtpSecurity::Plain, true);
    let (smtp, password) = server.settings(true);
    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;

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
    save_settings_as_supervisor(&c).await;
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
    wait_for_smtp(&server, "prueba@example.org", "correo de prueba", 1).await;
    screenshot(&c, &h, "31-ajustes-smtp").await;
    audit_accessibility(&c, &h, "ajustes").await;

    // A credential without a printed serial.

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
    audit_accessibility(&c, &h, "dialogo-autorizacion").await;
    approve_as_supervisor(&c).await;
    wait_text(&c, "#autorizacion-resultado", "DEMO5930114").await;
    screenshot(&c, &h, "32-serie-revelada").await;
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
    let first = wait_for_smtp(&server, "joaquin@example.com", "código de validación", 1).await;

    // Search: the registration, its emails and the 10-minute promise.
    tab(&c, "busqueda").await;
    type_into(&c, "query", "900200201").await;
    click(&c, "buscar").await;
    wait_visible(&c, "#detalle").await;
    assert!(text(&c, "#detalle-titulo").await.contains(&folio));
    wait_text(&c, "#promesa", "cumplida").await;
    screenshot(&c, &h, "33-busqueda-detalle").await;
    audit_accessibility(&c, &h, "busqueda-detalle").await;

    // Resend: a second email with a new code.
    click(&c, "accion-reenviar").await;
    wait_text(
        &c,
        "#detalle-exito",
        "Se envió un nuevo correo de validación",
    )
    .await;
    let second = wait_for_smtp(&server, "joaquin@example.com", "código de validación", 2).await;
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
    )
    .await;
    screenshot(&c, &h, "34-correo-corregido").await;

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
    )
    .await;

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
    )
    .await;
    assert!(after(&password_email, "Contraseña temporal: ").len() >= 12);
    wait_text(&c, "#detalle-correos", "Contraseña temporal").await;
    screenshot(&c, &h, "35-nueva-contrasena").await;

    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver, WebKitWebDriver and PostgreSQL; ./dev.sh test runs it"]
async fn offline_registration_waits_in_the_status_bar_and_goes_up_when_the_network_returns() {
    use registro_core::sync::Central;
    // The office's central database keeps the right time; this station's clock, as far as
    // the central one can tell, runs three days behind.
    let mut pg = postgres_server::PgServer::start_with_clock("+3d");
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
    first_supervisor(&c).await;
    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    type_into(&c, "central_url", &pg.url_as("oficina_mexicali", "central")).await;
    save_settings_as_supervisor(&c).await;
    wait_text(&c, "#ajustes-exito", "Ajustes guardados").await;
    wait_text(&c, "#estado-conexion", "Sin conexión con la base central").await;
    assert!(
        !is_displayed(&c, "#estado-reloj").await,
        "no clock warning before the central clock was ever read"
    );

    tab(&c, "registro").await;
    let folio = register_demo(&c, "900300301", "DEMO6102233", "leticia@example.com").await;
    let waiting = wait_text(&c, "#estado-pendientes", "Registros por enviar: 1 (").await;
    assert!(waiting.contains("desde"), "{waiting}");
    screenshot(&c, &h, "41-sin-conexion-pendientes").await;

    pg.resume();
    click(&c, "sincronizar-ahora").await;
    wait_text(&c, "#estado-conexion", "En línea").await;
    wait_text(&c, "#estado-pendientes", "Registros por enviar: 0").await;
    assert!(!text(&c, "#estado-ultima").await.contains("nunca"));
    let warning = wait_text(&c, "#estado-reloj", "va 3 días atrasada").await;
    assert!(warning.contains("hora de la base central"), "{warning}");
    screenshot(&c, &h, "42-sincronizado").await;
    let central_folio: String = sqlx::query_scalar("SELECT folio FROM registrations")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert_eq!(central_folio, folio);
    // Registered on a clock three days behind, it arrived on the central clock.
    let (created, expires): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT created_at, expires_at FROM validation_tokens")
            .fetch_one(admin.pool())
            .await
            .unwrap();
    let central_now: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(admin.pool())
        .await
        .unwrap();
    assert!((central_now - created).abs() < chrono::Duration::minutes(5));
    assert_eq!(expires - created, chrono::Duration::hours(24));
    c.close().await.unwrap();
}
