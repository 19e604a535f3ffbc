//! `roomctl show NAME`: everything about one room.

use std::io::Write;

use serde_json::Value;

use super::Context;
use crate::clock::wall_clock_ms;
use crate::exit::{ExitCode, fail};
use crate::output::{self, DocFormat, safe};
use crate::room::{RoomDocument, format_timestamp, parse_timestamp};
use crate::store::{self, Lookup};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The room's name (exactly as stored; quote names with spaces).
    pub name: String,

    #[command(flatten)]
    pub view: View,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// How `show` prints a room; `archive show` takes the same.
#[derive(Debug, clap::Args)]
pub struct View {
    /// Output format: text for people, json/yaml for the stored document
    /// with every field.
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    /// Show the room's password instead of redacting it.
    #[arg(long)]
    pub show_password: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let (store, resolved) = ctx.open_store()?;
    let room = match store::get(store.as_ref(), &args.name)? {
        Lookup::Found(room) => room,
        Lookup::Missing => {
            return Err(fail(
                ExitCode::NotFound,
                format!(
                    "no room named {:?} in {} (roomctl list shows the rooms)",
                    safe(&args.name),
                    resolved.spec.redacted()
                ),
            ));
        }
        Lookup::Problem(p) => {
            return Err(fail(
                ExitCode::Failure,
                format!(
                    "{} is {}: {} (roomctl check explains what to do)",
                    safe(&p.location),
                    p.kind.label(),
                    safe(&p.reason)
                ),
            ));
        }
    };
    let doc = room.document()?;
    print_room(&args.view, &doc, &room.location)?;
    Ok(ExitCode::Success)
}

/// Prints one room on stdout in the `-o` format, its password redacted
/// unless `--show-password`; `location` is where it lives. Every display of
/// one room (`show`, `archive show`) prints through here.
pub fn print_room(args: &View, doc: &RoomDocument, location: &str) -> anyhow::Result<()> {
    let shown = if args.show_password {
        doc.clone()
    } else {
        doc.redacted()
    };
    let mut out = output::stdout();
    match args.output {
        DocFormat::Json => output::write_json(&mut out, shown.as_map())?,
        DocFormat::Yaml => output::write_yaml(&mut out, shown.as_map())?,
        DocFormat::Text => write_text(&mut out, doc, location, args.show_password)?,
    }
    out.flush()?;
    Ok(())
}

fn write_text(
    out: &mut impl Write,
    doc: &RoomDocument,
    location: &str,
    show_password: bool,
) -> anyhow::Result<()> {
    let now = wall_clock_ms();
    let facts = doc.facts();
    let details = doc.details();
    let text = |key: &str| {
        doc.get(key)
            .and_then(Value::as_str)
            .map(|s| safe(s).into_owned())
    };
    let when = |s: &str| match parse_timestamp(s) {
        Some(ms) => format!(
            "{} ({})",
            format_timestamp(ms),
            output::relative(Some(ms), now)
        ),
        None => format!("{} (unparsable)", safe(s)),
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("Room", safe(doc.name()).into_owned()),
        ("Stored in", safe(location).into_owned()),
        (
            "Creator",
            format!(
                "{} (Plex user id {})",
                text("creatorPlexUsername").unwrap_or_else(|| "?".into()),
                text("creatorPlexUserId").unwrap_or_default()
            ),
        ),
        ("Created", when(&facts.created_at)),
    ];
    if let Some(la) = &facts.last_activity_field {
        rows.push(("Last activity at", when(la)));
    }
    rows.push((
        "Last activity",
        match facts.last_activity_ms() {
            Some(ms) => format!(
                "{} ({})",
                format_timestamp(ms),
                output::relative(Some(ms), now)
            ),
            None => "unknown".into(),
        },
    ));
    rows.push((
        "Password",
        match (doc.get("password"), show_password) {
            (None, _) => "none".into(),
            (Some(v), true) => safe(v.as_str().unwrap_or_default()).into_owned(),
            (Some(_), false) => "set (hidden; --show-password shows it)".into(),
        },
    ));
    for (key, label) in [
        ("roomType", "Room type"),
        ("sort", "Sort"),
        ("sortOrder", "Sort order"),
        ("genreFilterMode", "Genre filter"),
    ] {
        if let Some(v) = text(key) {
            rows.push((label, v));
        }
    }
    for (key, label) in [
        ("options", "Options"),
        ("filters", "Filters"),
        ("ratingFilter", "Rating filter"),
        ("contentRatingFilter", "Content rating"),
    ] {
        if let Some(v) = doc.get(key) {
            rows.push((label, safe(&compact(v)).into_owned()));
        }
    }
    rows.push((
        "Ratings",
        format!(
            "{} ({} likes), {} matches",
            facts.ratings, facts.likes, facts.matches
        ),
    ));
    for (key, value) in rows {
        writeln!(out, "{key:<17} {value}")?;
    }
    if !facts.users.is_empty() {
        writeln!(out, "\nUsers")?;
        let mut table = output::table(&["  USER", "PROGRESS", "LIKES", "DISLIKES"]);
        for user in &facts.users {
            let (likes, dislikes) = details
                .per_user
                .iter()
                .find(|(u, _, _)| u == user)
                .map(|(_, l, d)| (*l, *d))
                .unwrap_or((0, 0));
            let progress = details
                .progress
                .iter()
                .find(|(u, _)| u == user)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| "-".into());
            table.add_row(vec![
                format!("  {}", safe(user)),
                progress,
                likes.to_string(),
                dislikes.to_string(),
            ]);
        }
        output::write_table(out, &table)?;
    }
    if !details.matches.is_empty() {
        writeln!(out, "\nMatches")?;
        let mut matches = details.matches.clone();
        matches.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (media, likes) in matches {
            writeln!(out, "  {} ({likes} likes)", safe(&media))?;
        }
    }
    let unknown: Vec<String> = doc
        .as_map()
        .keys()
        .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
        .map(|k| safe(k).into_owned())
        .collect();
    if !unknown.is_empty() {
        writeln!(
            out,
            "\nOther fields (kept as stored): {}",
            unknown.join(", ")
        )?;
    }
    Ok(())
}

/// The room document's keys (docs/compatibility.md); anything else is a
/// newer server's data.
const KNOWN_KEYS: &[&str] = &[
    "roomName",
    "password",
    "options",
    "filters",
    "sort",
    "roomType",
    "sortOrder",
    "genreFilterMode",
    "ratingFilter",
    "contentRatingFilter",
    "createdAt",
    "creatorPlexUserId",
    "creatorPlexUsername",
    "ratings",
    "userProgress",
    "lastActivityAt",
];

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
