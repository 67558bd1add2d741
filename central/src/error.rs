//! What can go wrong while the service answers a request or delivers mail. None of it is
//! shown as-is to the affiliate (the pages say «no disponible por el momento»); it is
//! logged without personal data or secrets.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("la base central no respondió como se esperaba: {0}")]
    Database(#[from] sqlx::Error),
    #[error("error del núcleo: {0:?}")]
    Core(#[from] registro_core::Error),
    #[error("el cálculo de una contraseña se interrumpió")]
    Hashing,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
