//! The `roomctl` binary: parse, run, and turn an error into one line on
//! stderr and an exit code. This is the only place the process exits.

use std::process;

use clap::Parser;

use roomctl::cli::Cli;
use roomctl::exit;

fn main() {
    let cli = Cli::parse();
    let result = roomctl::commands::dispatch(cli);
    if let Err(err) = &result
        && !exit::is_broken_pipe(err)
    {
        eprintln!("roomctl: error: {}", exit::one_line(err));
    }
    process::exit(exit::status_of(&result).code());
}
