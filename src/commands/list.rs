//! `roomctl list`: every room of a store, as a table or machine-readable.

use std::io::Write;

use serde::Serialize;

use super::Context;
use crate::exit::ExitCode;
use crate::filter::RoomFilter;
use crate::output::{self, ListFormat, plural, safe};
use crate::room::{RoomFacts, format_timestamp};
use crate::store::{Entry, EntryProblem, ScanOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub view: View,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// What `list` shows and how; `archive list` takes the same.
#[derive(Debug, clap::Args)]
pub struct View {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,

    /// Order of the rooms.
    #[arg(long, value_enum, default_value_t = SortKey::Name)]
    pub sort: SortKey,

    /// Reverse the order.
    #[arg(short, long)]
    pub reverse: bool,

    #[command(flatten)]
    pub filter: RoomFilter,
}

/// What `list --sort` orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Room name.
    Name,
    /// Creation time, oldest first.
    Created,
    /// Last activity, least recent first (unknown activity first of all).
    Activity,
}

/// One room as `list -o json|yaml|ndjson` prints it. This shape is stable:
/// fields are only ever added.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListItem {
    pub room_name: String,
    pub creator_plex_username: String,
    pub creator_plex_user_id: String,
    pub created_at: String,
    /// Last activity (newest of lastActivityAt, newest rating, createdAt),
    /// ISO 8601; null when it cannot be determined.
    pub last_activity_at: Option<String>,
    pub users: usize,
    pub user_names: Vec<String>,
    pub ratings: u64,
    pub matches: u64,
    pub has_password: bool,
    /// The file or Redis key the room lives in.
    pub location: String,
}

impl ListItem {
    fn new(facts: RoomFacts, location: String) -> ListItem {
        let last = facts.last_activity_ms();
        ListItem {
            last_activity_at: last.map(format_timestamp),
            users: facts.users.len(),
            user_names: facts.users,
            room_name: facts.name,
            creator_plex_username: facts.creator_username,
            creator_plex_user_id: facts.creator_id,
            created_at: facts.created_at,
            ratings: facts.ratings,
            matches: facts.matches,
            has_password: facts.has_password,
            location,
        }
    }
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let now = args.view.filter.checked_now_ms()?;
    let (store, _) = ctx.open_store()?;
    let mut rooms: Vec<Listed> = Vec::new();
    let mut problems = Vec::new();
    for batch in store.scan(ScanOptions::default())? {
        for entry in batch? {
            match entry {
                Entry::Room(room) => {
                    if args.view.filter.matches(&room.facts, now) {
                        rooms.push(Listed::new(room.facts, room.location));
                    }
                }
                Entry::Problem(p) => problems.push(p),
            }
        }
    }
    let shown = print_listing(&args.view, rooms, now)?;
    report_problems(ctx, &problems);
    ctx.ui.status(format!(
        "{}{}",
        plural(shown as u64, "room", "rooms"),
        if problems.is_empty() {
            String::new()
        } else {
            format!(
                ", {} entries skipped (run roomctl check for details)",
                problems.len()
            )
        }
    ));
    Ok(ExitCode::Success)
}

/// A room to be listed, with the keys `--sort` orders by.
pub struct Listed {
    created_ms: Option<i64>,
    activity_ms: Option<i64>,
    item: ListItem,
}

impl Listed {
    /// A room as `list` shows it; `location` is where it lives.
    pub fn new(facts: RoomFacts, location: String) -> Listed {
        Listed {
            created_ms: facts.created_ms(),
            activity_ms: facts.last_activity_ms(),
            item: ListItem::new(facts, location),
        }
    }
}

/// Sorts the rooms that passed the filters as `--sort` and `--reverse`
/// say, and prints them on stdout in the `-o` format; returns how many.
/// Every listing of rooms (`list`, `archive list`) prints through here.
pub fn print_listing(args: &View, mut rooms: Vec<Listed>, now: i64) -> anyhow::Result<usize> {
    let key = |r: &Listed| match args.sort {
        SortKey::Name => None,
        SortKey::Created => r.created_ms,
        SortKey::Activity => r.activity_ms,
    };
    // Unknown instants first; rooms with the same instant by name.
    rooms.sort_by(|a, b| (key(a), &a.item.room_name).cmp(&(key(b), &b.item.room_name)));
    if args.reverse {
        rooms.reverse();
    }
    let items: Vec<ListItem> = rooms.into_iter().map(|r| r.item).collect();
    let mut out = output::stdout();
    match args.output {
        ListFormat::Json => output::write_json(&mut out, &items)?,
        ListFormat::Yaml => output::write_yaml(&mut out, &items)?,
        ListFormat::Ndjson => {
            for item in &items {
                output::write_json_line(&mut out, item)?;
            }
        }
        ListFormat::Name => {
            // Names are data here: printed as stored, one per line. A name
            // containing a newline would break the format, so those are
            // escaped like in the table.
            for item in &items {
                writeln!(out, "{}", safe(&item.room_name))?;
            }
        }
        ListFormat::Table => write_table(&mut out, &items, now)?,
    }
    out.flush()?;
    Ok(items.len())
}

fn write_table(out: &mut impl Write, items: &[ListItem], now: i64) -> anyhow::Result<()> {
    let mut table = output::table(&[
        "NAME",
        "CREATOR",
        "CREATED",
        "LAST ACTIVITY",
        "USERS",
        "RATINGS",
        "MATCHES",
        "PASSWORD",
    ]);
    for item in items {
        let created = crate::room::parse_timestamp(&item.created_at)
            .map(|ms| format_timestamp(ms)[..10].to_string())
            .unwrap_or_else(|| safe(&item.created_at).into_owned());
        let last = item
            .last_activity_at
            .as_deref()
            .and_then(crate::room::parse_timestamp);
        table.add_row(vec![
            safe(&item.room_name).into_owned(),
            safe(&item.creator_plex_username).into_owned(),
            created,
            output::relative(last, now),
            item.users.to_string(),
            item.ratings.to_string(),
            item.matches.to_string(),
            if item.has_password { "yes" } else { "no" }.to_string(),
        ]);
    }
    output::write_table(out, &table)
}

/// Names every skipped entry on stderr, one line each.
pub fn report_problems(ctx: &Context, problems: &[EntryProblem]) {
    const SHOWN: usize = 50;
    let limit = if ctx.ui.verbose > 0 {
        usize::MAX
    } else {
        SHOWN
    };
    for p in problems.iter().take(limit) {
        ctx.ui.warn(format!(
            "skipped {}: {}: {}",
            safe(&p.location),
            p.kind.label(),
            safe(&p.reason)
        ));
    }
    if problems.len() > limit {
        ctx.ui.warn(format!(
            "… and {} more skipped entries (-v shows all)",
            problems.len() - limit
        ));
    }
}
