//! `roomctl completions SHELL`: prints a shell completion script.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = crate::output::stdout();
    clap_complete::generate(args.shell, &mut Cli::command(), "roomctl", &mut out);
    std::io::Write::flush(&mut out)?;
    Ok(ExitCode::Success)
}

/// The completion script for a shell, as `completions` prints it.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "roomctl", &mut buf);
    buf
}
