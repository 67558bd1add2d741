//! Both schemas are embedded in the core (`sqlx::migrate!`): rebuild when a migration is
//! added, or a new file would not reach the binary until some source changed.

fn main() {
    println!("cargo:rerun-if-changed=../migrations/sqlite");
    println!("cargo:rerun-if-changed=../migrations/postgres");
}
