//! `stance`: parse the command line, run it, map the outcome to an exit code
//! (0 ok, 1 some records failed, 2 error).

use clap::Parser;

fn main() {
    let cli = stance::cli::Cli::parse();
    let code = match stance::cli::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    };
    std::process::exit(code);
}
