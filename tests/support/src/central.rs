//! The central PostgreSQL database most sync and central-service tests start from.

use crate::postgres_server::PgServer;

/// A central database on `pg` with the schema, the office roles `oficina_mexicali` and
/// `oficina_tijuana`, the service role `servicio_central`, and the demo roster with
/// "(CENTRAL)" instead of "(DEMO)" in the names (so a pull is visible).
pub async fn central_database(pg: &PgServer) -> registro_core::sync::Central {
    let url = pg.create_database("central");
    let admin = registro_core::sync::Central::new(&url, None).unwrap();
    admin.migrate().await.unwrap();
    // As `registro-central --migrar` does: offices cannot publish legal texts.
    registro_core::legal::publish_centrally(admin.pool())
        .await
        .unwrap();
    for office in ["oficina_mexicali", "oficina_tijuana"] {
        pg.psql(
            "central",
            &format!("CREATE ROLE {office} LOGIN IN ROLE registro_ventanilla"),
        );
    }
    pg.psql(
        "central",
        "CREATE ROLE servicio_central LOGIN IN ROLE registro_central",
    );
    for line in include_str!("../../../core/demo/padron_demo.csv")
        .lines()
        .skip(1)
    {
        let f: Vec<&str> = line.split(',').collect();
        sqlx::query(
            "INSERT INTO roster_affiliates (affiliation_number, credential_serial, full_name, kind, family_nucleus, is_current)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(f[0])
        .bind(f[1])
        .bind(f[2].replace(" (DEMO)", " (CENTRAL)"))
        .bind(f[3])
        .bind(f[4])
        .bind(f[5] == "si")
        .execute(admin.pool())
        .await
        .unwrap();
    }
    admin
}

/// A rule of the central database that refuses the registration with `email` (SQLSTATE
/// 23514, as a data rule would): the one row a test wants set aside while the rest go up.
pub fn refuse_registrations_to(pg: &PgServer, email: &str) {
    // One line: under Wine the SQL travels to the test servers as a line of text.
    pg.psql(
        "central",
        &format!(
            "CREATE FUNCTION refuse_for_the_test() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'dato no admitido' USING ERRCODE = '23514'; END $$; \
             CREATE TRIGGER refuse_for_the_test BEFORE INSERT ON registrations FOR EACH ROW \
             WHEN (NEW.email = '{email}') EXECUTE FUNCTION refuse_for_the_test();"
        ),
    );
}
