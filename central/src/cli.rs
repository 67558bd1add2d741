//! The command line of `registro-central`: serve (no argument), `--migrar`,
//! `--importar-padron ARCHIVO`, `--crear-clave-portal NOMBRE`, `--revocar-clave-portal
//! NOMBRE`, `--correos`, `--reenviar ID`, `--reenviar-todos`, `--ayuda`. Every
//! failure is a Spanish message on stderr that says what to do, and a non-zero exit
//! (2: the command or a setting is wrong; 1: something failed while doing it); never a
//! panic or a backtrace. Logs go to stdout, in colour only on a terminal.

use crate::admin::{self, KeyName};
use crate::config::Config;
use crate::failure::{Failure, USAGE};
use crate::outbox_admin;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Said after a resend: the running service does the delivery.
const DELIVERED_SOON: &str =
    "El servicio en marcha lo entrega en su siguiente ronda (en menos de un minuto).";

/// What `registro-central` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    ImportRoster(std::path::PathBuf),
    CreatePortalKey(String),
    RevokePortalKey(String),
    /// The central outbox's emails needing attention.
    ListEmails,
    ResendEmail(uuid::Uuid),
    ResendAllEmails,
    Help,
}

/// The arguments after the program's name.
pub fn parse_args(args: &[String]) -> Result<Command, Failure> {
    let named = |flag: &str| -> Result<String, Failure> {
        match args.get(1) {
            Some(name) if args.len() == 2 && !name.starts_with("--") => Ok(name.clone()),
            _ => Err(Failure::Usage(format!(
                "{flag} lleva un solo argumento: el nombre de la clave (por ejemplo  {flag} portal)"
            ))),
        }
    };
    match args.first().map(String::as_str) {
        None => Ok(Command::Serve),
        Some("--ayuda" | "-h" | "--help") if args.len() == 1 => Ok(Command::Help),
        Some("--migrar") if args.len() == 1 => Ok(Command::Migrate),
        Some("--importar-padron") => match args.get(1) {
            Some(file) if args.len() == 2 && !file.starts_with("--") => {
                Ok(Command::ImportRoster(file.into()))
            }
            _ => Err(Failure::Usage(
                "--importar-padron lleva un solo argumento: el archivo CSV del padrón (por ejemplo  --importar-padron padron.csv)".into(),
            )),
        },
        Some(flag @ "--crear-clave-portal") => named(flag).map(Command::CreatePortalKey),
        Some(flag @ "--revocar-clave-portal") => named(flag).map(Command::RevokePortalKey),
        Some("--correos") if args.len() == 1 => Ok(Command::ListEmails),
        Some("--reenviar-todos") if args.len() == 1 => Ok(Command::ResendAllEmails),
        Some("--reenviar") => match args.get(1).map(|id| uuid::Uuid::parse_str(id.trim())) {
            Some(Ok(id)) if args.len() == 2 => Ok(Command::ResendEmail(id)),
            _ => Err(Failure::Usage(
                "--reenviar lleva un solo argumento: el ID del correo como lo muestra --correos (por ejemplo  --reenviar 0b8f3c9e-5d1a-4f6e-9a2b-7c4d1e0f3a21)".into(),
            )),
        },
        Some(_) => Err(Failure::Usage(format!(
            "orden no reconocida: «{}»",
            args.join(" ")
        ))),
    }
}

/// The program: parses, runs, and turns any failure into its sentence and exit code.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "registro-central: error interno inesperado{place}; la operación se interrumpió. Avise a soporte con la hora en que ocurrió."
        );
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = parse_args(&args).and_then(|command| {
        if command == Command::Help {
            println!("{USAGE}");
            return Ok(());
        }
        init_logs();
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Runtime(e.to_string()))?
            .block_on(run(command))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("registro-central: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Plain text unless stdout is a terminal: a log file or journal gets no colour codes.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .try_init();
}

async fn run(command: Command) -> Result<(), Failure> {
    let config = Config::from_env()?;
    match command {
        Command::Help => Ok(()),
        Command::Migrate => {
            let pool = admin::connect(&config).await?;
            let report = admin::migrate(&pool).await?;
            match report.before {
                Some(before) if before == report.after => {
                    println!("El esquema central ya estaba al día (versión {before}).");
                }
                Some(before) => println!(
                    "Esquema central al día: versión {} (antes {before}).",
                    report.after
                ),
                None => println!(
                    "Esquema central creado: versión {}, con los roles de grupo registro_ventanilla y registro_central.",
                    report.after
                ),
            }
            Ok(())
        }
        Command::ImportRoster(file) => {
            let pool = admin::connect(&config).await?;
            let mut shown = 0usize;
            let report = crate::roster_import::import_roster(
                &pool,
                &file,
                |p| {
                    let percent = (p.bytes_read * 100)
                        .checked_div(p.total_bytes)
                        .unwrap_or(100);
                    eprintln!("Leídas {} líneas ({percent} %).", p.lines_read);
                },
                |e| {
                    // The first errors, each with its line; the rest are counted below.
                    if shown < 1000 {
                        shown += 1;
                        let column = e
                            .column
                            .map(|c| format!(", columna {c}"))
                            .unwrap_or_default();
                        eprintln!("Línea {}{column}: {}", e.line, e.message);
                    }
                },
            )
            .await?;
            println!(
                "Padrón central: {} nuevos, {} con cambios ({} con número de serie nuevo), {} sin cambios, {} líneas rechazadas. SHA-256 del archivo: {}. Las oficinas lo toman en su siguiente sincronización.",
                report.added,
                report.changed,
                report.serial_changes,
                report.unchanged,
                report.rejected,
                report.sha256
            );
            Ok(())
        }
        Command::CreatePortalKey(name) => {
            let name = KeyName::parse(&name)?;
            let pool = admin::connect(&config).await?;
            let key = admin::create_portal_key(&pool, &name).await?;
            eprintln!(
                "Clave del portal «{}» creada. Se muestra solo esta vez (la base guarda únicamente su huella SHA-256): cópiela en la configuración del portal.",
                name.as_str()
            );
            println!("{key}");
            Ok(())
        }
        Command::RevokePortalKey(name) => {
            let name = KeyName::parse(&name)?;
            let pool = admin::connect(&config).await?;
            admin::revoke_portal_key(&pool, &name).await?;
            println!("La clave del portal «{}» quedó revocada.", name.as_str());
            Ok(())
        }
        Command::ListEmails => {
            let pool = admin::connect(&config).await?;
            println!(
                "{}",
                outbox_admin::describe(&outbox_admin::stuck_emails(&pool).await?)
            );
            Ok(())
        }
        Command::ResendEmail(id) => {
            let pool = admin::connect(&config).await?;
            let resent = outbox_admin::resend(&pool, &config, id).await?;
            println!("{resent}\n{DELIVERED_SOON}");
            Ok(())
        }
        Command::ResendAllEmails => {
            let pool = admin::connect(&config).await?;
            let waiting = outbox_admin::stuck_emails(&pool).await?;
            if waiting.is_empty() {
                println!("{}", outbox_admin::describe(&waiting));
                return Ok(());
            }
            let mut failures = Vec::new();
            for email in &waiting {
                match outbox_admin::resend(&pool, &config, email.id).await {
                    Ok(resent) => println!("{resent}"),
                    Err(failure) => failures.push(format!("{}: {failure}", email.id)),
                }
            }
            let done = waiting.len() - failures.len();
            if done > 0 {
                println!("{DELIVERED_SOON}");
            }
            if failures.is_empty() {
                Ok(())
            } else {
                Err(Failure::SomeNotResent {
                    done,
                    total: waiting.len(),
                    failures: failures.join("; "),
                })
            }
        }
        Command::Serve => serve(config).await,
    }
}

async fn serve(config: Config) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| Failure::Listen {
            address: config.listen.to_string(),
            detail: listen_error(&e),
        })?;
    let pool = admin::connect(&config).await?;
    admin::preflight(&pool).await?;
    pool.close().await;
    if std::env::var_os("REGISTRO_URL_INICIO_SESION").is_none() {
        tracing::warn!(
            sign_in_url = %config.sign_in_url,
            "REGISTRO_URL_INICIO_SESION is not set: the emails point at this address"
        );
    }
    tracing::info!(address = %config.listen, instance = %config.instance_name, "registro-central listening");
    crate::serve(config, listener)
        .await
        .map_err(|e| Failure::Serve(e.to_string()))
}

fn listen_error(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::AddrInUse => {
            "la dirección ya está en uso (¿hay otra instancia escuchando ahí?)".into()
        }
        ErrorKind::AddrNotAvailable => "esa dirección IP no pertenece a este equipo".into(),
        ErrorKind::PermissionDenied => {
            "sin permiso (los puertos menores que 1024 requieren privilegios)".into()
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_command_line_parses_or_says_why_not() {
        assert_eq!(parse_args(&args(&[])).unwrap(), Command::Serve);
        assert_eq!(parse_args(&args(&["--migrar"])).unwrap(), Command::Migrate);
        assert_eq!(
            parse_args(&args(&["--crear-clave-portal", "portal"])).unwrap(),
            Command::CreatePortalKey("portal".into())
        );
        assert_eq!(
            parse_args(&args(&["--revocar-clave-portal", "portal"])).unwrap(),
            Command::RevokePortalKey("portal".into())
        );
        assert_eq!(
            parse_args(&args(&["--correos"])).unwrap(),
            Command::ListEmails
        );
        assert_eq!(
            parse_args(&args(&["--reenviar-todos"])).unwrap(),
            Command::ResendAllEmails
        );
        let id = "0b8f3c9e-5d1a-4f6e-9a2b-7c4d1e0f3a21";
        assert_eq!(
            parse_args(&args(&["--reenviar", id])).unwrap(),
            Command::ResendEmail(uuid::Uuid::parse_str(id).unwrap())
        );
        for bad in [
            &["--reenviar"][..],
            &["--reenviar", "RSL-261127-AB12-CD34"],
            &["--correos", "todos"],
            &["--migrate"],
            &["--migrar", "de-mas"],
            &["--crear-clave-portal"],
            &["--crear-clave-portal", "a", "b"],
        ] {
            let failure = parse_args(&args(bad)).unwrap_err();
            assert_eq!(failure.exit_code(), 2);
            assert!(
                failure.to_string().contains("Uso: registro-central"),
                "{failure}"
            );
        }
    }
}
