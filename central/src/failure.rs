//! What `registro-central` can fail at, each said in Spanish with what to do, and the
//! usage text the command-line errors end with. Apart from `cli`, so the administrator's
//! commands (`admin`, `roster_import`) report failures without importing the command line.

use crate::config::ConfigError;

pub const USAGE: &str = "Uso: registro-central [ORDEN]

Sin orden, atiende el enlace de validación, la página de primer ingreso y la API del portal.

Órdenes (con REGISTRO_CENTRAL_DB apuntando al rol dueño de la base):
  --migrar                        crea o pone al día el esquema central y los roles de grupo
  --importar-padron ARCHIVO       carga el padrón del Instituto (CSV) en la base central; las
                                  oficinas lo toman en su siguiente sincronización
  --crear-clave-portal NOMBRE     crea una clave para el portal y la muestra una sola vez
  --revocar-clave-portal NOMBRE   deja sin efecto la clave vigente con ese nombre
  --correos                       lista los correos del servicio que no se entregaron o cuyo
                                  envío se interrumpió
  --reenviar ID                   vuelve a enviar uno de esos correos (ID como lo da --correos)
  --reenviar-todos                vuelve a enviar todos los de la lista
  --ayuda                         muestra este texto

La configuración va en variables de entorno; la lista completa está en el README
(«Partes centrales»).";

/// Everything `registro-central` can fail at, said in Spanish.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}\n\n{USAGE}")]
    Usage(String),
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error(
        "REGISTRO_CENTRAL_DB no es una dirección de PostgreSQL válida ({0}); se espera como postgres://usuario:contraseña@servidor:5432/registro"
    )]
    DatabaseUrl(String),
    #[error(
        "REGISTRO_CENTRAL_DB pide una conexión sin cifrar o sin verificar (sslmode) con un servidor que no es este equipo: quite el sslmode o use sslmode=verify-full; si el certificado del servidor es de una autoridad interna, ponga su certificado raíz (PEM) en REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ"
    )]
    DatabasePlaintext,
    #[error(
        "la conexión cifrada con la base central no se pudo verificar: el certificado del servidor debe ser para el nombre que dice REGISTRO_CENTRAL_DB y de una autoridad de confianza (las del sistema o la de REGISTRO_CENTRAL_DB_CERTIFICADO_RAIZ), y el servidor debe aceptar TLS (ssl = on). Detalle: {0}"
    )]
    DatabaseCertificate(String),
    #[error(
        "no se pudo conectar a la base central; revise REGISTRO_CENTRAL_DB (servidor, puerto, base, usuario y contraseña) y que PostgreSQL esté en marcha. Detalle: {0}"
    )]
    Unreachable(String),
    #[error("la base central respondió con un error. Detalle: {0}")]
    Database(String),
    #[error(
        "el rol «{role}» no puede crear roles: la migración crea los roles de grupo registro_ventanilla y registro_central. Como superusuario, dé el permiso con  ALTER ROLE {role} CREATEROLE;  o cree antes esos dos roles con  CREATE ROLE registro_ventanilla NOLOGIN; CREATE ROLE registro_central NOLOGIN;  y vuelva a correr --migrar"
    )]
    NeedsCreateRole { role: String },
    #[error(
        "el rol «{role}» no puede crear tablas en el esquema public de esta base: la migración debe correrla el dueño de la base. Como superusuario:  ALTER DATABASE <base> OWNER TO {role};  (o cree la base con  CREATE DATABASE registro OWNER {role};) y vuelva a correr --migrar"
    )]
    NeedsSchemaOwnership { role: String },
    #[error(
        "la migración no se completó porque al rol «{role}» le falta un permiso ({detail}). Córrala con el dueño de la base, que además tenga CREATEROLE; el README, «Partes centrales», tiene las órdenes"
    )]
    MigrationPermission { role: String, detail: String },
    #[error("la migración no se completó: {0}")]
    Migration(String),
    #[error(
        "la base central no tiene el esquema de esta versión: corra primero  registro-central --migrar  con el rol dueño de la base"
    )]
    SchemaOutdated,
    #[error(
        "el rol «{role}» no tiene los permisos del servicio: el servicio se conecta con un rol miembro de registro_central (CREATE ROLE servicio_central LOGIN PASSWORD '…' IN ROLE registro_central;)"
    )]
    NotServiceRole { role: String },
    #[error(
        "las claves del portal las crea y revoca el dueño de la base: ponga en REGISTRO_CENTRAL_DB la dirección con el rol dueño, no la del servicio"
    )]
    KeysNeedOwner,
    #[error(
        "ya hay una clave vigente llamada «{0}»: revóquela con --revocar-clave-portal {0} o use otro nombre"
    )]
    KeyExists(String),
    #[error("no hay una clave vigente llamada «{0}»")]
    KeyNotFound(String),
    #[error("el padrón no se importó: {0} No se cambió nada en la base central.")]
    RosterFile(String),
    #[error(
        "no hay ningún correo con el ID {0} en la base central; copie el ID tal como lo muestra  registro-central --correos"
    )]
    EmailNotFound(String),
    #[error(
        "el correo {0} ya no espera un reenvío: se entregó, ya se reenvió, lo reemplazó uno más reciente o el afiliado ya eligió su contraseña. Vea la lista actual con  registro-central --correos"
    )]
    EmailNotWaiting(String),
    #[error("{done} de {total} correos se reenviaron; los demás no: {failures}")]
    SomeNotResent {
        done: usize,
        total: usize,
        failures: String,
    },
    #[error("no se pudo escuchar en {address} (REGISTRO_CENTRAL_ESCUCHA): {detail}")]
    Listen { address: String, detail: String },
    #[error("no se pudo preparar el programa: {0}")]
    Runtime(String),
    #[error("el servicio se detuvo por un error: {0}")]
    Serve(String),
}

impl Failure {
    /// 2 when the command or a setting is wrong, 1 when doing it failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_)
            | Failure::Config(_)
            | Failure::DatabaseUrl(_)
            | Failure::DatabasePlaintext => 2,
            _ => 1,
        }
    }
}
