//! The Linux side of the Windows tests under Wine: starts a PostgreSQL or SMTP server for
//! each test that asks (see `registro_test_support::remote`). Listens on a free loopback
//! port, prints `listo <address>`, and serves until its standard input closes; then it
//! waits for the last test to let go of its server, so nothing is left running.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use registro_test_support::remote::{self, Live};

fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("the listening address");
    let live = Arc::new(Live::default());
    let serving = live.clone();
    std::thread::spawn(move || remote::serve(listener, serving));
    println!("listo {address}");
    std::io::stdout().flush().expect("stdout");

    // The harness holds our stdin open for as long as the tests run.
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    if !live.wait_idle(Duration::from_secs(60)) {
        eprintln!("registro-test-servers: some test servers were still in use after 60 s");
        std::process::exit(1);
    }
}
