//! The core's one error type. Its `Display` is the Spanish sentence the clerk reads;
//! internal failures show a generic sentence and keep their cause for the log.

use crate::config::SettingsProblem;
use crate::domain::token::TokenRefusal;
use crate::domain::{DocumentKind, Field, FieldError, RegistrationState};
use chrono::{DateTime, Utc};

pub(crate) use crate::domain::local_time;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Revise los campos marcados: {}", summary(.0))]
    Fields(Vec<FieldError>),

    #[error(
        "El número de afiliación {0} no está en el padrón. Verifique el número en la credencial; si es correcto, el afiliado debe acudir a Afiliación para su alta."
    )]
    NotInRoster(String),

    #[error("El número de serie no corresponde a la credencial registrada en el padrón. {}", remaining_tries(*.remaining))]
    SerialMismatch { remaining: u32 },

    #[error("Por seguridad, el número de afiliación {affiliation} está bloqueado hasta el {} por intentos con un número de serie equivocado. Verifique la credencial física; después de ese momento podrá intentarlo de nuevo.", local_time(.until))]
    AffiliationLocked {
        affiliation: String,
        until: DateTime<Utc>,
    },

    #[error(
        "La afiliación {0} no está vigente en el padrón. El afiliado debe acudir a Afiliación para actualizar su vigencia antes de registrarse."
    )]
    NotCurrent(String),

    #[error("Este afiliado ya tiene un registro pendiente de validación (folio {folio}, del {}). Pida al afiliado revisar su correo, incluida la carpeta de correo no deseado, y validar con el enlace o el código.", local_time(.created_at))]
    AlreadyPending {
        folio: String,
        created_at: DateTime<Utc>,
    },

    #[error(
        "Este afiliado ya tiene cuenta en Servicios en Línea (folio {folio}). Si no recuerda su contraseña, puede solicitar una contraseña temporal nueva; no es necesario registrarse otra vez."
    )]
    AlreadyRegistered { folio: String },

    #[error("El texto de «{}» cambió mientras se capturaba. Vuelva a mostrarlo al afiliado y registre su respuesta otra vez.", .0.title())]
    DocumentChanged(DocumentKind),

    #[error("No hay ningún registro con el folio {0}. Revise el folio impreso en el comprobante.")]
    FolioNotFound(String),

    #[error("El código no coincide. {}", remaining_tries(*.remaining))]
    CodeMismatch { remaining: u32 },

    #[error(
        "Se agotaron los intentos para este código. Hay que enviar un nuevo correo de validación al afiliado."
    )]
    CodeExhausted,

    #[error("El código venció el {}. Hay que enviar un nuevo correo de validación al afiliado.", local_time(.0))]
    CodeExpired(DateTime<Utc>),

    #[error("El registro ya fue validado el {}; la contraseña temporal va al correo del afiliado («Buscar» muestra si ya salió).", local_time(.0))]
    AlreadyValidated(DateTime<Utc>),

    #[error("El registro con folio {folio} está {}; ya no se puede validar.", .state.word())]
    RegistrationClosed {
        folio: String,
        state: RegistrationState,
    },

    #[error("Los datos de contacto del registro con folio {folio} ya se suprimieron.")]
    PersonalDataErased { folio: String },

    #[error("No se pudo leer el archivo del padrón: {0}")]
    RosterFile(String),

    #[error("Espere {0} segundos antes de reenviar: el correo anterior se generó hace muy poco.")]
    ResendTooSoon(i64),

    #[error("El registro con folio {folio} no está pendiente de validación (está {}); esta acción no aplica.", .state.word())]
    NotPending {
        folio: String,
        state: RegistrationState,
    },

    #[error(
        "El registro con folio {folio} todavía no está validado: primero debe validarse con el enlace o el código."
    )]
    NotValidated { folio: String },

    #[error(
        "Este enlace fue reemplazado por uno más reciente. Use el enlace del último correo de validación."
    )]
    LinkSuperseded,

    #[error(
        "Ese código es de un correo anterior y fue reemplazado. Pida al afiliado el código del último correo de validación."
    )]
    CodeSuperseded,

    #[error(
        "El enlace de validación no es válido. Revise que esté completo o solicite un nuevo correo en ventanilla."
    )]
    LinkUnknown,

    #[error("No se encontró el registro.")]
    RegistrationNotFound,

    #[error("El formato de consentimiento firmado del folio {folio} ya se registró como recogido el {} ({clerk}). No hace falta registrarlo otra vez.", local_time(.at))]
    ConsentFormAlreadyCollected {
        folio: String,
        at: DateTime<Utc>,
        clerk: String,
    },

    #[error(
        "El registro con folio {0} no guarda la respuesta del afiliado al consentimiento para agrupar por núcleo familiar; no hay formato que imprimir."
    )]
    NoGroupingConsent(String),

    #[error("Usuario o contraseña de supervisor incorrectos. {}", remaining_tries(*.remaining))]
    SupervisorRejected { remaining: u32 },

    #[error("La cuenta de supervisor está bloqueada hasta el {} por intentos fallidos.", local_time(.0))]
    SupervisorLocked(DateTime<Utc>),

    #[error("Todavía no hay ninguna cuenta de supervisor en esta estación.")]
    NoSupervisor,

    #[error("Usuario o contraseña incorrectos. {}", remaining_tries(*.remaining))]
    SignInRejected { remaining: u32 },

    #[error("La cuenta está bloqueada hasta el {} por intentos fallidos. Un supervisor puede desbloquearla asignándole una contraseña nueva.", local_time(.0))]
    AccountLocked(DateTime<Utc>),

    #[error("Inicie sesión para continuar.")]
    NotSignedIn,

    #[error("La sesión se bloqueó por inactividad. Escriba su contraseña para continuar.")]
    SessionLocked,

    #[error(
        "Antes de continuar, cambie la contraseña que le asignó el supervisor por una que solo usted conozca."
    )]
    PasswordChangeRequired,

    /// What was refused, as "Solo un supervisor puede …" ends.
    #[error("Solo un supervisor puede {0}.")]
    SupervisorOnly(&'static str),

    #[error("No puede desactivar su propia cuenta; pida a otro supervisor que lo haga.")]
    CannotDeactivateSelf,

    #[error("No existe la cuenta «{0}».")]
    StaffNotFound(String),

    #[error("Ya existe una cuenta de supervisor; la primera cuenta solo se crea una vez.")]
    SupervisorExists,

    #[error(
        "Esta oficina ya tiene cuentas en la base central y se copiaron a esta estación: inicie sesión con la suya. Si no tiene cuenta, pídala a un supervisor de la oficina."
    )]
    OfficeHasStaff,

    #[error(
        "No se pudo consultar la base central. Una estación conectada a ella crea su primera cuenta solo con la base central al alcance, para no duplicar las cuentas de la oficina; revise la red e intente de nuevo."
    )]
    CentralNeededForFirstAccount,

    #[error("{0}")]
    SmtpTest(String),

    #[error("{} Un supervisor debe corregirlo en «Ajustes»; mientras tanto no se registra a nadie y no se envía ningún correo.", .0.message)]
    SettingsHeld(SettingsProblem),

    #[error(
        "Este registro se está enviando a la base central en este momento; intente de nuevo en unos segundos."
    )]
    RecordUploading,

    // «Pendientes» and the audit log viewer.
    #[error(
        "Ese correo ya no espera un reenvío: lo reemplazó uno más reciente o su registro ya no lo necesita. La lista de «Pendientes» se actualizó."
    )]
    EmailNotWaiting,

    #[error("Este afiliado ya tiene un registro en Servicios en Línea hecho en {office} (folio {folio}, {}). No es necesario registrarse otra vez: búsquelo en «Buscar» por el folio o el número de afiliación; desde ahí puede reenviarle el correo de validación o enviarle una contraseña temporal nueva.", .state.word())]
    RegisteredElsewhere {
        folio: String,
        state: RegistrationState,
        office: String,
    },

    // «Buscar» beyond this station (across_stations.rs).
    #[error(
        "Este registro se hizo en otra estación y se atiende a través de la base central, que no responde ahora. No se hizo nada; intente de nuevo cuando vuelva la red."
    )]
    CentralActionUnavailable,

    #[error(
        "Este registro es de {office}: desde aquí solo se le puede reenviar el correo de validación o enviar una contraseña temporal nueva, al correo que ya tiene registrado. Para corregir el correo o cancelar el registro, el afiliado debe acudir a esa oficina."
    )]
    OtherOfficeRegistration { office: String },

    #[error(
        "La base de datos local ({0}) no se pudo abrir con la clave de este equipo: está cifrada con otra clave o no es una base de datos de esta aplicación."
    )]
    DatabaseUnreadable(String),

    #[error(
        "El archivo de la base de datos local ({0}) no es una base de datos de esta aplicación: es un archivo de otro programa o está dañado."
    )]
    DatabaseForeign(String),

    #[error(
        "El texto publicado de «{0}» que guarda la base de datos local es distinto del que trae esta versión de la aplicación."
    )]
    LegalTextChanged(String),

    #[error(
        "La copia de seguridad «{0}» no se puede usar: no se abre con la clave de este equipo o está dañada. La base de datos actual no se modificó; elija otra copia."
    )]
    BackupUnusable(String),

    #[error("No existe la copia de seguridad «{0}» en la carpeta de copias.")]
    BackupNotFound(String),

    #[error(
        "No se pudo usar la carpeta de copias de seguridad «{0}». Revise que exista y que se pueda escribir en ella (si es una memoria USB o una carpeta de red, que esté conectada)."
    )]
    BackupFolder(String),

    #[error(
        "No se pudo leer ni guardar la clave de la base de datos local ({0}). No borre la carpeta de datos; avise a soporte."
    )]
    DatabaseKeyFile(String),

    #[error(
        "La clave de la base de datos local está en {0} y no respondió. Vuelva a abrir la aplicación con la misma cuenta de usuario del equipo; si se repite, avise a soporte (no borre la carpeta de datos)."
    )]
    DatabaseKeyUnavailable(String),

    #[error(
        "Este equipo no tiene un almacén de contraseñas del sistema: la clave que cifra la base de datos local quedó en un archivo de la carpeta de datos. No se registra a nadie hasta que un supervisor lo acepte en «Ajustes» o se instale el almacén de contraseñas y se vuelva a abrir la aplicación."
    )]
    KeyOnDiskHeld,

    #[error(
        "El disco de este equipo está lleno: no se guardó nada de esta operación (no quedó nada a medias). Los datos capturados siguen en pantalla; libere espacio en el disco o avise a soporte y vuelva a intentarlo."
    )]
    DiskFull,

    // Reports («Reportes»).
    #[error(
        "Esta estación no tiene base central configurada: los reportes son solo de esta estación."
    )]
    ReportNeedsCentral,

    #[error(
        "No se pudo consultar la base central para el reporte. Revise la red e intente de nuevo; el reporte de esta estación sí está disponible."
    )]
    CentralReportUnavailable,

    #[error(
        "La cuenta de la base central de esta oficina solo puede ver los reportes de su oficina. El reporte de todo el Instituto lo consulta una cuenta autorizada por el Instituto."
    )]
    InstituteReportDenied,

    #[error(
        "Ocurrió un error interno al guardar o leer los datos. El registro no se guardó; intente de nuevo y, si se repite, avise a soporte."
    )]
    Storage(sqlx::Error),

    #[error("Ocurrió un error interno al preparar la base de datos. Avise a soporte.")]
    Migration(#[from] sqlx::migrate::MigrateError),

    #[error("Ocurrió un error interno. Intente de nuevo y, si se repite, avise a soporte.")]
    Internal(String),
}

impl Error {
    /// Stable, machine-readable code for the front end and the tests.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Fields(_) => "campos_invalidos",
            Error::NotInRoster(_) => "no_en_padron",
            Error::SerialMismatch { .. } => "serie_no_coincide",
            Error::AffiliationLocked { .. } => "afiliacion_bloqueada",
            Error::NotCurrent(_) => "afiliacion_no_vigente",
            Error::AlreadyPending { .. } => "registro_pendiente",
            Error::AlreadyRegistered { .. } => "ya_registrado",
            Error::DocumentChanged(_) => "documento_cambio",
            Error::FolioNotFound(_) => "folio_desconocido",
            Error::CodeMismatch { .. } => "codigo_incorrecto",
            Error::CodeExhausted => "codigo_agotado",
            Error::CodeExpired(_) => "codigo_vencido",
            Error::AlreadyValidated(_) => "ya_validado",
            Error::RegistrationClosed { .. } => "registro_cerrado",
            Error::PersonalDataErased { .. } => "datos_suprimidos",
            Error::RosterFile(_) => "archivo_padron",
            Error::ResendTooSoon(_) => "reenvio_muy_pronto",
            Error::NotPending { .. } => "no_pendiente",
            Error::NotValidated { .. } => "no_validado",
            Error::LinkSuperseded => "enlace_reemplazado",
            Error::CodeSuperseded => "codigo_reemplazado",
            Error::LinkUnknown => "enlace_desconocido",
            Error::RegistrationNotFound => "registro_desconocido",
            Error::ConsentFormAlreadyCollected { .. } => "consentimiento_ya_recogido",
            Error::NoGroupingConsent(_) => "sin_consentimiento_agrupacion",
            Error::SupervisorRejected { .. } => "supervisor_rechazado",
            Error::SupervisorLocked(_) => "supervisor_bloqueado",
            Error::NoSupervisor => "sin_supervisor",
            Error::SupervisorExists => "supervisor_existente",
            Error::OfficeHasStaff => "oficina_con_cuentas",
            Error::CentralNeededForFirstAccount => "central_necesaria",
            Error::SignInRejected { .. } => "credenciales_incorrectas",
            Error::AccountLocked(_) => "cuenta_bloqueada",
            Error::NotSignedIn => "sin_sesion",
            Error::SessionLocked => "sesion_bloqueada",
            Error::SupervisorOnly(_) => "solo_supervisor",
            Error::PasswordChangeRequired => "cambio_contrasena_requerido",
            Error::CannotDeactivateSelf => "propia_cuenta",
            Error::StaffNotFound(_) => "cuenta_inexistente",
            Error::SmtpTest(_) => "prueba_correo_fallida",
            Error::SettingsHeld(_) => "ajustes_invalidos",
            Error::RecordUploading => "registro_enviandose",
            Error::EmailNotWaiting => "correo_sin_pendiente",
            Error::RegisteredElsewhere { .. } => "registrado_en_otra_oficina",
            Error::CentralActionUnavailable => "central_no_disponible",
            Error::OtherOfficeRegistration { .. } => "registro_de_otra_oficina",
            Error::DatabaseUnreadable(_) => "base_ilegible",
            Error::DatabaseForeign(_) => "base_ajena",
            Error::LegalTextChanged(_) => "texto_legal_cambio",
            Error::BackupUnusable(_) => "copia_no_valida",
            Error::BackupNotFound(_) => "copia_inexistente",
            Error::BackupFolder(_) => "carpeta_copias",
            Error::DatabaseKeyFile(_) => "clave_base_ilegible",
            Error::DatabaseKeyUnavailable(_) => "clave_base_no_disponible",
            Error::KeyOnDiskHeld => "clave_en_disco",
            Error::DiskFull => "disco_lleno",
            Error::ReportNeedsCentral => "reporte_sin_central",
            Error::CentralReportUnavailable => "reporte_central_no_disponible",
            Error::InstituteReportDenied => "reporte_instituto_no_autorizado",
            Error::Storage(_) | Error::Migration(_) | Error::Internal(_) => "error_interno",
        }
    }

    /// The field the clerk should look at, when the error is about one.
    pub fn field(&self) -> Option<Field> {
        match self {
            Error::Fields(errors) if errors.len() == 1 => Some(errors[0].field),
            Error::NotInRoster(_)
            | Error::NotCurrent(_)
            | Error::AffiliationLocked { .. }
            | Error::RegisteredElsewhere { .. } => Some(Field::AffiliationNumber),
            Error::SerialMismatch { .. } => Some(Field::CredentialSerial),
            Error::DocumentChanged(kind) => Some(kind.field()),
            Error::FolioNotFound(_) => Some(Field::Folio),
            Error::CodeMismatch { .. }
            | Error::CodeExhausted
            | Error::CodeExpired(_)
            | Error::CodeSuperseded => Some(Field::Code),
            Error::SupervisorRejected { .. } | Error::SupervisorLocked(_) => {
                Some(Field::SupervisorPassword)
            }
            Error::SignInRejected { .. } | Error::AccountLocked(_) => Some(Field::Password),
            Error::SmtpTest(_) => Some(Field::TestRecipient),
            Error::SettingsHeld(problem) => problem.field,
            Error::RosterFile(_) => Some(Field::RosterFile),
            Error::BackupFolder(_) => Some(Field::BackupFolder),
            Error::BackupUnusable(_) | Error::BackupNotFound(_) => Some(Field::Backup),
            Error::ReportNeedsCentral
            | Error::CentralReportUnavailable
            | Error::InstituteReportDenied => Some(Field::ReportScope),
            _ => None,
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Fields(errors) => errors,
            _ => &[],
        }
    }

    /// Internal errors are logged with their cause and never shown as-is.
    pub fn is_internal(&self) -> bool {
        self.code() == "error_interno"
    }
}

/// A failure of the local database; a full disk (SQLite's `SQLITE_FULL`, the write that
/// found no room) is told as such, since the clerk can have it fixed and try again.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if is_disk_full(&e) {
            tracing::error!(error = %e, "the local database's disk is full");
            Error::DiskFull
        } else {
            Error::Storage(e)
        }
    }
}

/// SQLite's `SQLITE_FULL` (13), in its primary or an extended code. Only SQLite's: the
/// central PostgreSQL's errors have their own words (`sync::central`).
pub(crate) fn is_disk_full(e: &sqlx::Error) -> bool {
    const SQLITE_FULL: i64 = 13;
    match e {
        sqlx::Error::Database(db) => {
            db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                && db
                    .code()
                    .and_then(|code| code.parse::<i64>().ok())
                    .is_some_and(|code| code & 0xff == SQLITE_FULL)
        }
        _ => false,
    }
}

/// A token that may not validate, told as the clerk's error.
impl From<TokenRefusal> for Error {
    fn from(refusal: TokenRefusal) -> Self {
        match refusal {
            TokenRefusal::AlreadyValidated(at) => Error::AlreadyValidated(at),
            TokenRefusal::Closed { folio, state } => Error::RegistrationClosed { folio, state },
            TokenRefusal::Unknown => Error::LinkUnknown,
            TokenRefusal::Exhausted => Error::CodeExhausted,
            TokenRefusal::Superseded => Error::LinkSuperseded,
            TokenRefusal::Expired(at) => Error::CodeExpired(at),
        }
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Fields(vec![e])
    }
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn remaining_tries(remaining: u32) -> String {
    match remaining {
        0 => "No quedan intentos.".to_owned(),
        1 => "Queda 1 intento.".to_owned(),
        n => format!("Quedan {n} intentos."),
    }
}
