//! `registro-central`: the central validation service. Configured by environment
//! variables (see README, «Partes centrales»).

use registro_central::Config;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("registro-central: {e}");
            std::process::exit(2);
        }
    };
    if std::env::args().any(|a| a == "--migrar") {
        let central =
            registro_core::sync::Central::new(&config.database_url, None).expect("database URL");
        central.migrate().await.expect("migrations");
        tracing::info!("central schema up to date");
        return;
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .expect("listen address");
    tracing::info!(address = %config.listen, "registro-central listening");
    if let Err(e) = registro_central::serve(config, listener).await {
        eprintln!("registro-central: {e}");
        std::process::exit(1);
    }
}
