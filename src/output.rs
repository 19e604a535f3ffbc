//! Rendering results on stdout: tables for people, JSON / YAML / NDJSON for
//! programs, and safe display of text that came from storage.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufWriter, IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::exit::Refusal;

/// How a listing is printed (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Table,
    /// One JSON array.
    Json,
    /// One YAML sequence.
    Yaml,
    /// One JSON object per line.
    Ndjson,
    /// Room names only, one per line.
    Name,
}

/// How one document or report is printed (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocFormat {
    /// Readable text.
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Buffered stdout. A closed pipe surfaces as an `io::Error` of kind
/// `BrokenPipe`, which `main` turns into a quiet exit.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(256 * 1024, io::stdout().lock())
}

/// Whether what goes to stdout may be coloured: stdout is a terminal and
/// `NO_COLOR` is unset or empty (<https://no-color.org>).
pub fn stdout_colour(env: &HashMap<String, String>) -> bool {
    io::stdout().is_terminal() && env.get("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Text from storage made safe for a terminal: control characters, escape
/// sequences and bidirectional overrides are shown escaped (`\u{1b}`).
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Writes a value as pretty JSON followed by a newline.
pub fn write_json<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes a value as one line of compact JSON.
pub fn write_json_line<T: Serialize + ?Sized>(
    out: &mut impl Write,
    value: &T,
) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes a value as YAML.
pub fn write_yaml<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> anyhow::Result<()> {
    serde_yaml::to_writer(&mut *out, value)?;
    Ok(())
}

/// `1 room`, `3 rooms`: a count and its noun.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 created, 1 overwritten`: the non-zero counts of a summary, each with
/// its label, in the order given; empty when all are zero.
pub fn counted(counts: &[(u64, &str)]) -> String {
    counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| format!("{n} {label}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints one report on stdout in the format asked: JSON and YAML as it
/// serializes, text as `text` writes it.
pub fn print_doc<T: Serialize + ?Sized>(
    format: DocFormat,
    doc: &T,
    text: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut out = stdout();
    match format {
        DocFormat::Json => write_json(&mut out, doc)?,
        DocFormat::Yaml => write_yaml(&mut out, doc)?,
        DocFormat::Text => text(&mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// Prints a command's report on stdout as `-o` asks: JSON or YAML. With
/// `text` it prints nothing (the command says its summary on stderr).
pub fn print_report<T: Serialize + ?Sized>(format: DocFormat, report: &T) -> anyhow::Result<()> {
    print_doc(format, report, |_| Ok(()))
}

/// A report that carries why its run was refused (the [`Refusal`] fields,
/// flattened).
pub trait RefusableReport: Serialize {
    fn refusal_mut(&mut self) -> &mut Refusal;
}

/// Returns `err`; first, when it is a refusal ([`crate::exit::refuse`]),
/// prints `report` carrying it as `-o json|yaml` asks, so that a program
/// reading stdout learns why nothing was done.
pub fn print_refusal<R: RefusableReport>(
    format: DocFormat,
    mut report: R,
    err: anyhow::Error,
) -> anyhow::Error {
    let Some(refusal) = Refusal::of(&err) else {
        return err;
    };
    *report.refusal_mut() = refusal;
    match print_report(format, &report) {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// A table in roomctl's style: no borders, header row, fits the terminal.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    t
}

/// Prints a table with trailing spaces trimmed.
pub fn write_table(out: &mut (impl Write + ?Sized), table: &Table) -> anyhow::Result<()> {
    for line in table.lines() {
        let line = line.trim_end();
        writeln!(out, "{}", line.strip_prefix(" ").unwrap_or(line))?;
    }
    Ok(())
}

/// `3d ago`, `5h ago`, `20min ago`, `2mo ago`, `just now`; future instants
/// read `in 2d`. The units are the ones `crate::duration` reads.
pub fn relative(ms: Option<i64>, now_ms: i64) -> String {
    let Some(ms) = ms else {
        return "unknown".into();
    };
    let delta = now_ms - ms;
    let (future, secs) = if delta < 0 {
        (true, (-delta) / 1000)
    } else {
        (false, delta / 1000)
    };
    let amount = match secs {
        s if s < 60 => {
            return if future {
                "in <1min".into()
            } else {
                "just now".into()
            };
        }
        s if s < 3600 => format!("{}min", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 86_400 * 60 => format!("{}d", s / 86_400),
        s if s < 86_400 * 730 => format!("{}mo", s / (86_400 * 30)),
        s => format!("{}y", s / (86_400 * 365)),
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// A size for people: `412 B`, `1.5 KiB`, `695.7 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut size = n as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_escapes_controls_and_bidi() {
        assert_eq!(safe("movie night"), "movie night");
        assert_eq!(safe("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(safe("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(safe("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(safe("🎬 é"), "🎬 é");
    }

    #[test]
    fn relative_times() {
        let day = 86_400_000;
        assert_eq!(relative(Some(0), 3 * day), "3d ago");
        assert_eq!(relative(Some(0), 5 * 3_600_000), "5h ago");
        assert_eq!(relative(Some(0), 10_000), "just now");
        assert_eq!(relative(Some(2 * day), 0), "in 2d");
        assert_eq!(relative(None, 0), "unknown");
        assert_eq!(relative(Some(0), 400 * day), "13mo ago");
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
