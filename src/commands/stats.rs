//! `roomctl stats`: a store (or an archive) at a glance: counts, sizes, a
//! histogram of idle ages, what a prune would delete, the top creators.
//! The engine is `crate::ops::stats`; this file renders its report.

use std::io::Write;
use std::path::PathBuf;

use super::Context;
use crate::archive::ArchiveErrorKind;
use crate::clock::wall_clock_ms;
use crate::exit::{ExitCode, fail};
use crate::filter::parse_now;
use crate::ops::stats::{self, StatsOptions, StatsReport};
use crate::output::{self, DocFormat, safe};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format: text with bars for people, json/yaml for programs
    /// (shape in docs/stats.md).
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,

    /// How many of the creators with the most rooms to list.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,

    /// Measure ages from this instant instead of the clock (RFC 3339).
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    pub now: Option<i64>,

    /// Read this export archive (or any file import takes) instead of a
    /// store.
    #[arg(long, value_name = "FILE")]
    pub archive: Option<PathBuf>,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let options = StatsOptions {
        now_ms: args.now.unwrap_or_else(wall_clock_ms),
        top: args.top,
    };
    let report = match &args.archive {
        Some(path) => {
            if ctx.flags.store.is_some() {
                return Err(fail(
                    ExitCode::Usage,
                    "--archive and --store name two inputs: give one of them",
                ));
            }
            let bar = ctx.ui.progress(None, "reading");
            let read = stats::of_archive(path, &options, &|n| bar.inc(n));
            bar.finish_and_clear();
            let read = read.map_err(|e| {
                let hint = match e.kind {
                    ArchiveErrorKind::Io => "",
                    _ => "; stats reads only what import would take",
                };
                fail(ExitCode::BadInput, format!("{}: {e}{hint}", path.display()))
            })?;
            if read.truncated {
                ctx.ui.warn(format!(
                    "{} is truncated (no trailer): counting the {} complete rooms before the cut",
                    path.display(),
                    read.report.rooms
                ));
            }
            read.report
        }
        None => {
            let (store, _) = ctx.open_store()?;
            let bar = ctx.ui.progress(store.size_hint(), "scanning");
            let report = stats::of_store(store.as_ref(), &options, &|n| bar.inc(n));
            bar.finish_and_clear();
            report?
        }
    };
    let mut out = output::stdout();
    match args.output {
        DocFormat::Json => output::write_json(&mut out, &report)?,
        DocFormat::Yaml => output::write_yaml(&mut out, &report)?,
        DocFormat::Text => write_text(&mut out, &report, output::stdout_colour(&ctx.env))?,
    }
    out.flush()?;
    Ok(ExitCode::Success)
}

/// The widest bar, in characters.
const BAR_WIDTH: u64 = 30;

fn write_text(out: &mut impl Write, report: &StatsReport, colour: bool) -> anyhow::Result<()> {
    let rooms = report.rooms;
    writeln!(out, "source     {}", safe(&report.source))?;
    writeln!(out, "now        {}", report.now)?;
    writeln!(
        out,
        "rooms      {rooms} ({} with a password)",
        report.with_password
    )?;
    let kinds = &report.invalid_by_kind;
    let by_kind: Vec<String> = [
        (kinds.invalid, "invalid"),
        (kinds.unreadable, "unreadable"),
        (kinds.not_a_file, "not a regular file"),
        (kinds.misnamed, "misnamed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if by_kind.is_empty() {
        writeln!(out, "invalid    0")?;
    } else {
        writeln!(
            out,
            "invalid    {} ({}; roomctl check says what to do)",
            report.invalid,
            by_kind.join(", ")
        )?;
    }
    writeln!(
        out,
        "not rooms  {} (other data under the prefix, left alone)",
        report.not_rooms
    )?;
    match report.bytes.median {
        Some(median) => writeln!(
            out,
            "size       {} as stored, median {}",
            human_bytes(report.bytes.total),
            human_bytes(median)
        )?,
        None => writeln!(out, "size       0 B")?,
    }
    writeln!(
        out,
        "users      {} (summed over rooms), {} ratings, {} matches",
        report.users, report.ratings, report.matches
    )?;

    writeln!(out)?;
    writeln!(out, "idle for   rooms")?;
    let widest = report.histogram.iter().map(|b| b.rooms).max().unwrap_or(0);
    let count_width = rooms.to_string().len();
    for bucket in &report.histogram {
        let label = match (&bucket.older_than, &bucket.younger_than) {
            _ if bucket.unknown => "unknown".to_string(),
            (None, Some(young)) => format!("<{young}"),
            (Some(old), Some(young)) => format!("{old}-{young}"),
            (Some(old), None) => format!(">{old}"),
            (None, None) => "any".to_string(),
        };
        let bar = bar(bucket.rooms, widest);
        let pad = " ".repeat(BAR_WIDTH as usize - bar.chars().count());
        let (on, off) = if colour && !bar.is_empty() {
            ("\x1b[36m", "\x1b[0m")
        } else {
            ("", "")
        };
        writeln!(
            out,
            "{label:<10} {on}{bar}{off}{pad} {:>count_width$} {:>6}",
            bucket.rooms,
            percent(bucket.rooms, rooms)
        )?;
    }

    writeln!(out)?;
    writeln!(out, "prune-inactive --older-than D would delete")?;
    for count in &report.would_prune {
        writeln!(
            out,
            "{:<10} {:>count_width$} {:>6}",
            count.older_than,
            count.rooms,
            percent(count.rooms, rooms)
        )?;
    }
    let unknown = report
        .histogram
        .iter()
        .filter(|b| b.unknown)
        .map(|b| b.rooms)
        .sum::<u64>();
    if unknown > 0 {
        writeln!(
            out,
            "(and the {unknown} of unknown activity with --include-unknown)"
        )?;
    }

    if !report.top_creators.is_empty() {
        writeln!(out)?;
        writeln!(out, "top creators")?;
        let names: Vec<String> = report
            .top_creators
            .iter()
            .map(|c| {
                format!(
                    "{} (id {})",
                    safe(&c.creator_plex_username),
                    safe(&c.creator_plex_user_id)
                )
            })
            .collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        for (name, creator) in names.iter().zip(&report.top_creators) {
            let pad = " ".repeat(width - name.chars().count());
            writeln!(
                out,
                "{name}{pad} {:>count_width$} {:>6}",
                creator.rooms,
                percent(creator.rooms, rooms)
            )?;
        }
    }
    Ok(())
}

/// A bar of `n` against the largest `max`, in eighths of a character; any
/// room at all shows at least an eighth.
fn bar(n: u64, max: u64) -> String {
    const PARTS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if n == 0 || max == 0 {
        return String::new();
    }
    let eighths = (n.saturating_mul(BAR_WIDTH * 8) / max).max(1);
    let mut bar = "█".repeat((eighths / 8) as usize);
    match eighths % 8 {
        0 => {}
        part => bar.push(PARTS[part as usize - 1]),
    }
    bar
}

/// `12.5%`; `0.0%` of nothing.
fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        return "0.0%".into();
    }
    format!("{:.1}%", n as f64 * 100.0 / of as f64)
}

/// `812 B`, `5.1 KiB`, `61.0 MiB`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_sizes() {
        assert_eq!(bar(0, 10), "");
        assert_eq!(bar(10, 10).chars().count(), BAR_WIDTH as usize);
        assert_eq!(bar(1, 1000), "▏");
        assert_eq!(bar(5, 10), "█".repeat(15));
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(5 * 1024 + 100), "5.1 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
        assert_eq!(percent(1, 8), "12.5%");
        assert_eq!(percent(0, 0), "0.0%");
    }
}
