//! The central schema is embedded in the binary (`sqlx::migrate!`): rebuild when a
//! migration is added.

fn main() {
    println!("cargo:rerun-if-changed=../migrations/postgres");
}
