//! `roomctl archive list FILE`: the rooms in an archive, as `list` shows a
//! store's.

use std::ops::ControlFlow;
use std::path::PathBuf;

use super::open_input;
use crate::commands::Context;
use crate::commands::list::{self, Listed};
use crate::exit::{ExitCode, fail};
use crate::ops::archive_rooms;

#[derive(Debug, clap::Args)]
// The flattened arguments are a group named `Args` already.
#[group(skip)]
pub struct Args {
    /// The archive; `-` for stdin. Compression is detected from the content.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// List the rooms of an archive that has lost its end (no trailer).
    #[arg(long)]
    pub allow_truncated: bool,

    #[command(flatten)]
    pub view: list::View,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let input = open_input(&args.file)?;
    let filter = &args.view.filter;
    let now = filter.checked_now_ms()?;
    let mut rooms: Vec<Listed> = Vec::new();
    let summary = archive_rooms::for_each_room(&input, args.allow_truncated, |room| {
        let facts = room.doc.facts();
        if filter.matches(&facts, now) {
            rooms.push(Listed::new(facts, archive_rooms::location(&input, &room)));
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| fail(ExitCode::BadInput, format!("{}: {e}", input.label())))?;
    if summary.truncated {
        ctx.ui.warn(format!(
            "{} is truncated; listing the {} complete rooms it holds (--allow-truncated)",
            input.label(),
            summary.rooms
        ));
    }
    let shown = list::print_listing(&args.view, rooms, now)?;
    ctx.ui.status(format!(
        "{shown} room{}{}",
        if shown == 1 { "" } else { "s" },
        if filter.is_empty() {
            String::new()
        } else {
            format!(" of {} in the archive", summary.rooms)
        }
    ));
    Ok(ExitCode::Success)
}
