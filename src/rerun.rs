//! The command line of this run, edited into the one a message suggests
//! next (prune's `--max-delete` refusal prints the one-off run that clears
//! a backlog): the same words as typed, minus some options, plus others,
//! quoted for a POSIX shell so that it can be pasted as it is.
//!
//! Working on the words as typed, rather than re-spelling the parsed
//! options, keeps every option the user gave, in their order and spelling,
//! whatever options commands gain later.

use std::ffi::OsString;

use crate::output::safe;
use crate::store::uri::url_secrets;

/// What to take out of a command line and what to add.
#[derive(Debug, Default)]
pub struct Edit<'a> {
    /// Long options to drop with their value (`--max-delete 5%`,
    /// `--max-delete=5%`).
    pub drop_options: &'a [&'a str],
    /// Long flags to drop (`--dry-run`).
    pub drop_flags: &'a [&'a str],
    /// Short flags to drop, also from a cluster of flags (`-qn` → `-q`).
    pub drop_short: &'a [char],
    /// Words to append.
    pub add: Vec<String>,
}

/// Short flags roomctl's commands take without a value: a word made only
/// of them is a cluster of flags, not a short option with its value
/// attached (`-snowhere` is `-s nowhere`).
const VALUELESS_SHORT: &[char] = &['q', 'v', 'y', 'n'];

/// This run's command line, edited.
pub fn this_run(edit: &Edit) -> String {
    edited(&std::env::args_os().collect::<Vec<_>>(), edit)
}

/// `argv` edited, quoted for a shell, with the passwords of store URLs
/// shown as `***` (they are never printed; the user types them again, or
/// better uses `--password-file`).
pub fn edited(argv: &[OsString], edit: &Edit) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut args = argv.iter().map(|a| a.to_string_lossy().into_owned());
    let mut after_dashes = false;
    while let Some(word) = args.next() {
        if after_dashes {
            words.push(word);
            continue;
        }
        after_dashes = word == "--";
        let dropped_with_value = edit
            .drop_options
            .iter()
            .any(|o| word.starts_with(&format!("{o}=")));
        if edit.drop_options.contains(&word.as_str()) {
            args.next();
        } else if dropped_with_value || edit.drop_flags.contains(&word.as_str()) {
            // Dropped.
        } else if is_short_cluster(&word) {
            let kept: String = word[1..]
                .chars()
                .filter(|c| !edit.drop_short.contains(c))
                .collect();
            if !kept.is_empty() {
                words.push(format!("-{kept}"));
            }
        } else {
            words.push(word);
        }
    }
    words.extend(edit.add.iter().cloned());
    words
        .iter()
        .map(|w| quote(&hide_secrets(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_short_cluster(word: &str) -> bool {
    word.len() > 1
        && word.starts_with('-')
        && !word.starts_with("--")
        && word[1..].chars().all(|c| VALUELESS_SHORT.contains(&c))
}

fn hide_secrets(word: &str) -> String {
    if !word.contains("://") {
        return word.to_string();
    }
    let mut shown = word.to_string();
    for secret in url_secrets(word.split_once('=').map_or(word, |(_, v)| v)) {
        shown = shown.replace(&secret, "***");
    }
    shown
}

/// `word` as a POSIX shell reads it back: bare when it is made of
/// characters no shell treats specially, else in single quotes.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%^".contains(c));
    if plain {
        return word.to_string();
    }
    // Control characters are shown escaped, never sent to the terminal.
    format!("'{}'", safe(&word.replace('\'', r"'\''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn drops_and_adds_words_keeping_the_rest() {
        let edit = Edit {
            drop_options: &["--max-delete"],
            drop_flags: &["--dry-run"],
            drop_short: &['n'],
            add: vec!["--backup".into(), "b.jsonl.gz".into()],
        };
        let line = edited(
            &argv(&[
                "/usr/local/bin/roomctl",
                "-qn",
                "-s",
                "/srv/rooms dir",
                "prune-inactive",
                "--older-than",
                "30d",
                "--max-delete",
                "500",
                "--max-delete=5%",
                "--dry-run",
                "-n",
                "--yes",
            ]),
            &edit,
        );
        assert_eq!(
            line,
            "/usr/local/bin/roomctl -q -s '/srv/rooms dir' prune-inactive --older-than 30d --yes --backup b.jsonl.gz"
        );
    }

    #[test]
    fn a_short_option_with_its_value_attached_is_kept_whole() {
        let edit = Edit {
            drop_short: &['n'],
            ..Edit::default()
        };
        assert_eq!(
            edited(&argv(&["roomctl", "-snowhere", "list"]), &edit),
            "roomctl -snowhere list"
        );
    }

    #[test]
    fn passwords_are_hidden_and_quotes_survive() {
        let line = edited(
            &argv(&["roomctl", "--store=redis://u:s3cret@h:6379/0", "it's"]),
            &Edit::default(),
        );
        assert_eq!(line, r"roomctl '--store=redis://u:***@h:6379/0' 'it'\''s'");
    }
}
