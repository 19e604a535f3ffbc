//! The `roomctl` binary: parse, run, and turn an error into one line on
//! stderr and an exit code. This is the only place the process exits.

use std::process;

use clap::Parser;

use roomctl::cli::Cli;
use roomctl::exit::{self, ExitCode};

fn main() {
    let cli = Cli::parse();
    let code = match roomctl::commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) if exit::is_broken_pipe(&err) => ExitCode::Success,
        Err(err) => {
            eprintln!("roomctl: error: {}", exit::one_line(&err));
            exit::code_of(&err)
        }
    };
    process::exit(code.code());
}
