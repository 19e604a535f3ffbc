//! `roomctl archive …`: look into a backup archive without a store. None of
//! these opens a store or resolves one (`--store`, env and config.yaml are
//! not read), so they run anywhere the archive is.

pub mod list;
pub mod show;
pub mod verify;

use super::Context;
use crate::exit::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ArchiveCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ArchiveCommand {
    /// Check that archives are whole and sound, as import would.
    ///
    /// Reads each archive (any format and compression import reads; `-` for
    /// stdin) and checks its framing, every room's document, that no room
    /// name appears twice, and the trailer's room count and checksum: the
    /// very checks import makes before it writes anything. Prints one line
    /// per archive: its verdict, rooms, size, when and from which store it
    /// was made, and for a damaged one the first problem and its line.
    ///
    /// Exit status: 0 every archive is good; 8 any is damaged or unreadable.
    Verify(verify::Args),
    /// List the rooms in an archive, as `list` lists a store's.
    ///
    /// The same columns, filters, sorting and output formats as `list`; the
    /// location is the archive and the line the room starts on. The archive
    /// is checked whole first: a damaged one lists nothing and exits 8.
    #[command(visible_alias = "ls")]
    List(list::Args),
    /// Show one room of an archive, as `show` shows a stored one.
    ///
    /// Exits 4 when the archive holds no room of that exact name, 8 when the
    /// archive is damaged.
    Show(show::Args),
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ArchiveCommand::Verify(args) => verify::run(ctx, args),
        ArchiveCommand::List(args) => list::run(ctx, args),
        ArchiveCommand::Show(args) => show::run(ctx, args),
    }
}

/// Opens FILE (`-`: stdin) for reading.
fn open_input(file: &std::path::Path) -> anyhow::Result<crate::ops::archive_input::ArchiveInput> {
    Ok(crate::ops::archive_input::ArchiveInput::open(file)?)
}
