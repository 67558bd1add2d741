//! `registro-central`: the central service and its administration commands. Configured by
//! environment variables (README, «Partes centrales»); see [`registro_central::cli`].

fn main() -> std::process::ExitCode {
    registro_central::cli::main()
}
