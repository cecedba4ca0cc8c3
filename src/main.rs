use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = slam::cli::Cli::parse();
    let _log_guard = slam::logging::init();
    match slam::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
