//! What a bulk lookup knows of the directory without opening each name
//! ([`Listing`]).

use std::collections::HashSet;
use std::fs;
use std::time::{Duration, Instant};

use super::{FileStore, is_room_file_name, safe_file_name};

/// What a bulk lookup knows of the directory without opening each name: a
/// name not listed is missing, so looking up thousands of new rooms costs
/// no failed `open` each.
///
/// A listing is a snapshot: the server may create a file just after it,
/// as it may just after any lookup. Nothing is written on its word alone:
/// a create is a no-replace rename, which finds a file made meanwhile. It
/// is taken again once older than 20 times what taking it cost (at least a
/// second), so listing costs at most a twentieth of the lookups' time, and
/// it is taken at all only once the bulk lookups of this handle number
/// more than a sixteenth of the directory's entries (a few rooms looked up
/// in a directory of a million are opened one by one).
#[derive(Default)]
pub(super) struct Listing {
    /// [`name_hash`] of each `*.json` entry, and of each room this handle
    /// wrote since; a name whose hash is absent is missing.
    names: Option<HashSet<u32>>,
    taken: Option<Instant>,
    cost: Duration,
    /// Names looked up in bulk so far.
    looked_up: u64,
}

/// Bulk lookups below this many names open each one.
const LISTED_LOOKUPS: usize = 32;

impl FileStore {
    /// For each name, whether its room file may exist: `false` only when a
    /// listing of the directory (see [`Listing`]) says it does not. `None`
    /// when there is no listing worth having.
    pub(super) fn maybe_present(&self, names: &[&str]) -> Option<Vec<bool>> {
        if names.len() < LISTED_LOOKUPS {
            return None;
        }
        let Ok(mut listing) = self.listing.lock() else {
            return None;
        };
        listing.looked_up += names.len() as u64;
        let fresh = listing
            .taken
            .is_some_and(|t| t.elapsed() < (listing.cost * 20).max(Duration::from_secs(1)));
        if !fresh {
            let entries = match &listing.names {
                Some(names) => names.len() as u64,
                // About 32 bytes of directory per entry (ext4, xfs).
                None => fs::metadata(&self.dir).map_or(u64::MAX, |m| m.len() / 32),
            };
            if entries > listing.looked_up.saturating_mul(16) {
                listing.names = None;
                return None;
            }
            let started = Instant::now();
            let mut names = HashSet::new();
            for entry in fs::read_dir(&self.dir).ok()? {
                let entry = entry.ok()?;
                let file_name = entry.file_name();
                let file_name = file_name.to_string_lossy();
                if is_room_file_name(&file_name) {
                    names.insert(name_hash(&file_name));
                }
            }
            listing.names = Some(names);
            listing.taken = Some(started);
            listing.cost = started.elapsed();
        }
        let listed = listing.names.as_ref()?;
        Some(
            names
                .iter()
                .map(|n| listed.contains(&name_hash(&safe_file_name(n))))
                .collect(),
        )
    }

    /// Keeps the listing true to the room files this handle wrote
    /// (`present`) or deleted.
    pub(super) fn note_listed<'a>(&self, file_names: impl Iterator<Item = &'a str>, present: bool) {
        let Ok(mut listing) = self.listing.lock() else {
            return;
        };
        if let Some(names) = &mut listing.names {
            for file_name in file_names {
                match present {
                    true => names.insert(name_hash(file_name)),
                    false => names.remove(&name_hash(file_name)),
                };
            }
        }
    }
}

/// A room file name's hash in a [`Listing`]: 32 bits keep a listing of a
/// million names in a few megabytes; two names sharing one only cost an
/// `open`.
fn name_hash(file_name: &str) -> u32 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::hash::DefaultHasher::new();
    file_name.hash(&mut h);
    (h.finish() >> 32) as u32
}
