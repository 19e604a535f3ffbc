//! Choosing rooms by name: `--room NAME` and `--rooms-from FILE` of
//! `export` and `import`, and the [`Selection`] they make with the filters
//! of [`RoomFilter`].
//!
//! Names are exact `roomName`s: no trimming, no case folding, no patterns.
//! A `--rooms-from` file holds one name a line; a line ending in CRLF loses
//! its CR, an empty line is skipped (so a trailing newline, or none, is the
//! same), a UTF-8 byte order mark at the start is dropped, and any other
//! character, spaces included, is part of the name.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::exit::{ExitCode, fail};
use crate::filter::RoomFilter;
use crate::output::safe;
use crate::room::RoomFacts;

/// `--room` and `--rooms-from`, as `export` and `import` take them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RoomNames {
    /// Only the room of exactly this name (repeatable). A name that is not
    /// there is an error (exit 4) and nothing is written.
    #[arg(long = "room", value_name = "NAME")]
    pub rooms: Vec<String>,

    /// Only the rooms named in FILE, one exact name a line (`-` for stdin;
    /// CRLF and empty lines are fine). Adds to --room.
    #[arg(long, value_name = "FILE")]
    pub rooms_from: Option<PathBuf>,
}

impl RoomNames {
    /// Whether `--rooms-from` reads stdin.
    pub fn reads_stdin(&self) -> bool {
        self.rooms_from
            .as_ref()
            .is_some_and(|p| p.as_os_str() == "-")
    }

    /// Every name given, once each, in order; empty when none was (every
    /// room). A usage error for an empty name or an unreadable file.
    pub fn resolve(&self) -> anyhow::Result<BTreeSet<String>> {
        let mut names = BTreeSet::new();
        for name in &self.rooms {
            if name.is_empty() {
                return Err(fail(
                    ExitCode::Usage,
                    "--room needs a room name; an empty one names no room",
                ));
            }
            names.insert(name.clone());
        }
        if let Some(path) = &self.rooms_from {
            names.extend(read_names(path)?);
        }
        Ok(names)
    }
}

/// The names of a `--rooms-from` file (see the module's rules).
fn read_names(path: &Path) -> anyhow::Result<Vec<String>> {
    let shown = if path.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        safe(&path.display().to_string()).into_owned()
    };
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    read.map_err(|e| fail(ExitCode::Usage, format!("--rooms-from {shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        fail(
            ExitCode::Usage,
            format!("--rooms-from {shown}: line {line} is not UTF-8; room names are"),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(parse_names(text))
}

/// One name a line: CR before LF dropped, empty lines skipped.
fn parse_names(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// Which rooms an `import` takes: those named (all when none is), of those
/// the ones that pass the filters.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub names: BTreeSet<String>,
    pub filter: RoomFilter,
    /// The instant the filters measure ages from.
    pub now_ms: i64,
}

impl Selection {
    /// Takes every room.
    pub fn is_all(&self) -> bool {
        self.names.is_empty() && self.filter.is_empty()
    }

    /// Whether a room of this name can be taken (the filters aside).
    pub fn takes_name(&self, name: &str) -> bool {
        self.names.is_empty() || self.names.contains(name)
    }

    /// Whether the room is taken.
    pub fn takes(&self, facts: &RoomFacts) -> bool {
        self.takes_name(&facts.name) && self.filter.matches(facts, self.now_ms)
    }
}

/// The error of names that are not there: every one of them, quoted, and
/// where they were looked for. `nothing` says what was not done
/// (`nothing was exported`).
pub fn missing_message(missing: &[&str], place: &str, nothing: &str) -> String {
    let quoted: Vec<String> = missing.iter().map(|n| format!("{:?}", safe(n))).collect();
    format!(
        "{} not found in {place}: {}; {nothing}",
        crate::output::plural(missing.len() as u64, "room", "rooms"),
        quoted.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::parse_names;

    #[test]
    fn names_file_lines() {
        assert_eq!(parse_names("a\r\nb c\n\n../x\n"), ["a", "b c", "../x"]);
        assert_eq!(parse_names("a"), ["a"]);
        assert_eq!(parse_names(" a \r\n\r\n"), [" a "]);
        assert!(parse_names("\n\n").is_empty());
    }
}
