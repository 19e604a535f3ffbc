//! The names of temporary files in a room directory: the server's
//! `<safe>.json.tmp`, roomctl's own `<safe>.json.roomctl-<role>-<pid>-<n>.tmp`
//! ([`temp_name`] makes them), and reading either back ([`TempName`]).

use super::NAME_MAX;

/// The name of a temporary file the server or roomctl writes: the server's
/// `<safe>.json.tmp`, or roomctl's `<safe>.json.roomctl-<role>-<pid>-<n>.tmp`.
/// A file `check --fix` claimed (renamed before repairing it) carries one
/// more `.roomctl-fix-<pid>-<n>.tmp`, and a repair killed half-way leaves it
/// so: such a name is judged as the file it was, in the name of the process
/// that claimed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TempName<'a> {
    /// The room file it belongs to, `<safe>.json`.
    pub base: &'a str,
    /// roomctl's role (`new`, `aside`, `fix`) when it wrote the file;
    /// `None` for the server's.
    pub role: Option<&'a str>,
    /// The roomctl process that last wrote or claimed it; `None` for the
    /// server's.
    pub pid: Option<u32>,
}

impl<'a> TempName<'a> {
    pub fn parse(name: &'a str) -> Option<TempName<'a>> {
        let stem = name.strip_suffix(".tmp")?;
        let Some((first, _)) = stem.split_once(".roomctl-") else {
            return stem.ends_with(".json").then_some(TempName {
                base: stem,
                role: None,
                pid: None,
            });
        };
        // A claimed server temporary file: `<safe>.json.tmp.roomctl-fix-…`.
        let (base, server) = match first.strip_suffix(".tmp") {
            Some(base) => (base, true),
            None => (first, false),
        };
        if !base.ends_with(".json") {
            return None;
        }
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let mut role = None;
        let mut pid = None;
        for (i, segment) in stem[first.len()..].split(".roomctl-").skip(1).enumerate() {
            // Inner names end in `.tmp` too.
            let segment = segment.strip_suffix(".tmp").unwrap_or(segment);
            let mut parts = segment.splitn(3, '-');
            let r = parts.next().filter(|r| !r.is_empty())?;
            let p = parts.next().filter(|p| numeric(p))?;
            if !parts.next().is_some_and(numeric) {
                return None;
            }
            if i == 0 && !server {
                role = Some(r);
            }
            pid = p.parse().ok();
        }
        Some(TempName { base, role, pid })
    }

    /// The room file's name, when this name holds it whole (not shortened,
    /// see [`temp_name`]).
    pub fn whole_base(&self) -> Option<&'a str> {
        (!is_shortened(self.base)).then_some(self.base)
    }

    /// Whether this name was made for the room file `file_name`.
    pub fn made_for(&self, file_name: &str) -> bool {
        if !is_shortened(self.base) {
            return self.base == file_name;
        }
        let (Some(stem), Some(short)) = (
            file_name.strip_suffix(".json"),
            self.base.strip_suffix(".json"),
        ) else {
            return false;
        };
        crate::atomic::shortened(stem, short.len()) == short
    }

    /// The pid of the roomctl that wrote it, when that process no longer
    /// runs on this machine: nothing will ever finish or remove this file,
    /// however recent it is. (Where several machines share the directory,
    /// a pid is only meaningful on the one that wrote the file; see
    /// docs/check.md.)
    pub fn writer_gone(&self) -> Option<u32> {
        self.pid.filter(|&pid| crate::atomic::process_gone(pid))
    }
}

/// roomctl's temporary name for `entry` (a room file, or a temporary file
/// being claimed): `<entry>.roomctl-<role>-<pid>-<n>.tmp`. The server's own
/// temporary name, `<safe>.json.tmp`, is four bytes longer than the room
/// file's; roomctl's must fit wherever the server's does. When it would be
/// longer than a file name may be, it keeps only what [`TempName`] reads
/// (the room file, roomctl's first role, the last pid), and if that is still
/// too long the room file's name in it is shortened to its beginning, `~`
/// and 16 hex digits of the SHA-256 of the whole name (`<head>~<digest>.json`,
/// short enough that the names derived from it never need shortening
/// again): still one name per room file, still ending in `.tmp` and never
/// the server's, and [`TempName::made_for`] tells the room file by the
/// digest.
pub fn temp_name(entry: &str, role: &str, pid: u32, n: u64) -> String {
    let suffix = format!(".roomctl-{role}-{pid}-{n}.tmp");
    if entry.len() + suffix.len() <= NAME_MAX {
        return format!("{entry}{suffix}");
    }
    let (base, rest) = split_base(entry);
    // The parts between the first and the last claim say nothing.
    let rest = match rest.match_indices(".roomctl-").nth(1) {
        Some((i, _)) => &rest[..i],
        None => rest,
    };
    if base.len() + rest.len() + suffix.len() <= NAME_MAX {
        return format!("{base}{rest}{suffix}");
    }
    let stem = base.strip_suffix(".json").unwrap_or(base);
    let ext = &base[stem.len()..];
    let short = crate::atomic::shortened(stem, SHORT_BASE - ext.len());
    format!("{short}{ext}{rest}{suffix}")
}

/// The longest a shortened room file name in a temporary name is: what a
/// name may have, less the longest tail roomctl puts after it (the server's
/// `.tmp`, and two `.roomctl-<role>-<pid>-<n>.tmp`, up to 50 bytes each).
const SHORT_BASE: usize = NAME_MAX - 4 - 2 * 50;

/// An entry's room file name (`<safe>.json`) and what follows it: the
/// server's `.tmp`, roomctl's `.roomctl-…` parts. The way [`TempName`] reads
/// a name.
fn split_base(entry: &str) -> (&str, &str) {
    let first = entry.find(".roomctl-").map_or(entry, |i| &entry[..i]);
    let base = match first.strip_suffix(".tmp") {
        Some(base) if base.ends_with(".json") => base,
        _ => first,
    };
    (base, &entry[base.len()..])
}

/// Whether a room file name in a temporary name is a shortened one
/// (`<head>~<16 hex digits>.json`, see [`temp_name`]). A safe name never
/// holds `~`.
fn is_shortened(base: &str) -> bool {
    base.strip_suffix(".json")
        .and_then(|stem| stem.rsplit_once('~'))
        .is_some_and(|(_, digest)| {
            digest.len() == 16
                && digest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::{NAME_MAX, TempName, temp_name};

    #[test]
    fn temporary_names_fit_wherever_the_servers_fits() {
        assert_eq!(
            temp_name("a.json", "new", 1, 2),
            "a.json.roomctl-new-1-2.tmp"
        );
        // The longest room file the server can write: its `.tmp` is 255 bytes.
        let file = format!("{}.json", "a".repeat(NAME_MAX - 9));
        let longest = (u32::MAX, u64::MAX);
        let aside = temp_name(&file, "aside", longest.0, longest.1);
        assert!(aside.len() <= NAME_MAX, "{}", aside.len());
        assert!(aside.ends_with(".tmp") && aside != format!("{file}.tmp"));
        let t = TempName::parse(&aside).expect("roomctl's");
        assert_eq!((t.role, t.pid), (Some("aside"), Some(u32::MAX)));
        assert_eq!(t.whole_base(), None);
        assert!(t.made_for(&file));
        assert!(!t.made_for(&format!("{}b.json", "a".repeat(NAME_MAX - 10))));
        // Claimed by check --fix, twice: the name is not shortened again.
        let claimed = temp_name(&aside, "fix", longest.0, longest.1);
        let twice = temp_name(&claimed, "fix", 8, longest.1);
        for name in [&claimed, &twice] {
            assert!(name.len() <= NAME_MAX, "{}", name.len());
            let t = TempName::parse(name).expect("roomctl's");
            assert_eq!(t.role, Some("aside"));
            assert!(t.made_for(&file), "{name}");
        }
        assert_eq!(TempName::parse(&twice).and_then(|t| t.pid), Some(8));
        // The server's temporary file, claimed.
        let server = temp_name(&format!("{file}.tmp"), "fix", 8, 1);
        assert!(server.len() <= NAME_MAX);
        let t = TempName::parse(&server).expect("roomctl's");
        assert_eq!((t.role, t.pid), (None, Some(8)));
        assert!(t.made_for(&file));
        // A name that fits once the middle claims are dropped keeps its
        // room file whole.
        let mid = format!("{}.json", "m".repeat(190));
        let nested = temp_name(
            &temp_name(&temp_name(&mid, "aside", 1, 1), "fix", 2, 2),
            "fix",
            3,
            3,
        );
        assert!(nested.len() <= NAME_MAX, "{}", nested.len());
        assert_eq!(nested.matches(".roomctl-").count(), 2, "{nested}");
        let t = TempName::parse(&nested).expect("roomctl's");
        assert_eq!(
            (t.whole_base(), t.role, t.pid),
            (Some(mid.as_str()), Some("aside"), Some(3))
        );
    }

    #[test]
    fn temporary_names_of_the_server_and_of_roomctl() {
        assert_eq!(
            TempName::parse("movie_night.json.tmp"),
            Some(TempName {
                base: "movie_night.json",
                role: None,
                pid: None,
            })
        );
        assert_eq!(
            TempName::parse("a.json.roomctl-aside-4242-7.tmp"),
            Some(TempName {
                base: "a.json",
                role: Some("aside"),
                pid: Some(4242),
            })
        );
        // Claimed by a check --fix (pid 8) that was killed.
        assert_eq!(
            TempName::parse("a.json.roomctl-aside-4242-7.tmp.roomctl-fix-8-0.tmp"),
            Some(TempName {
                base: "a.json",
                role: Some("aside"),
                pid: Some(8),
            })
        );
        assert_eq!(
            TempName::parse("a.json.tmp.roomctl-fix-8-1.tmp"),
            Some(TempName {
                base: "a.json",
                role: None,
                pid: Some(8),
            })
        );
        assert_eq!(
            TempName::parse("copy.json.roomctl-fix-8-2.tmp"),
            Some(TempName {
                base: "copy.json",
                role: Some("fix"),
                pid: Some(8),
            })
        );
        assert_eq!(TempName::parse("notes.tmp"), None);
        assert_eq!(TempName::parse("notes.txt.roomctl-fix-8-2.tmp"), None);
        assert_eq!(TempName::parse("a.json.roomctl-aside-x-7.tmp"), None);
        assert_eq!(TempName::parse("a.json"), None);
    }
}
