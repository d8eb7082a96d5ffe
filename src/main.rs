use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

// glibc's malloc keeps the 19 MiB that each argon2 hash allocates in every thread that ever
// hashed (320 failed logins left 2.85 GB); mimalloc returns it. See BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: a log file or a journal gets plain
        // text (and NO_COLOR is honoured, see no-color.org).
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    let cli = statsbidrag::cli::Cli::parse();
    match statsbidrag::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fel: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
