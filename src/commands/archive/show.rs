//! `roomctl archive show FILE ROOM`: one room of an archive, as `show`
//! shows a stored one.

use std::path::PathBuf;

use super::open_input;
use crate::commands::Context;
use crate::commands::show;
use crate::exit::{ExitCode, fail};
use crate::ops::archive_rooms;
use crate::output::safe;

#[derive(Debug, clap::Args)]
// The flattened arguments are a group named `Args` already.
#[group(skip)]
pub struct Args {
    /// The archive; `-` for stdin. Compression is detected from the content.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Find the room in an archive that has lost its end (no trailer).
    #[arg(long)]
    pub allow_truncated: bool,

    /// The room's name (exactly as stored; quote names with spaces).
    pub name: String,

    #[command(flatten)]
    pub view: show::View,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let input = open_input(&args.file)?;
    let name = &args.name;
    let (summary, room) = archive_rooms::find_room(&input, args.allow_truncated, name)
        .map_err(|e| fail(ExitCode::BadInput, format!("{}: {e}", input.label())))?;
    if summary.truncated {
        ctx.ui.warn(format!(
            "{} is truncated; looked among the {} complete rooms it holds (--allow-truncated)",
            input.label(),
            summary.rooms
        ));
    }
    let Some(room) = room else {
        return Err(fail(
            ExitCode::NotFound,
            format!(
                "no room named {:?} in {} (roomctl archive list shows an archive's rooms)",
                safe(name),
                safe(input.label()),
            ),
        ));
    };
    show::print_room(
        &args.view,
        &room.doc,
        &archive_rooms::location(&input, &room),
    )?;
    Ok(ExitCode::Success)
}
