use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A closed pipe (`slam sessions show 1 | head`) ends slam quietly, as it ends other Unix
    // tools, instead of a panic or an error line. Sockets are unaffected: Rust sends with
    // MSG_NOSIGNAL.
    // SAFETY: at the start of main, before any thread; SIG_DFL is a valid disposition.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
