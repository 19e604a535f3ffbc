//! The `stats` engine: one pass over a store (or an archive) that sums up
//! its rooms for a person choosing a prune threshold: counts, sizes, idle
//! ages, what `prune-inactive` would delete, and who creates the rooms.
//!
//! # Design
//!
//! Rooms are read with the same scan as `list` ([`Store::scan`], batch by
//! batch) and folded into a [`Tally`] as they come; nothing of a room is
//! kept once it is counted. Memory is therefore one scan batch plus:
//! - the size histogram ([`SizeHistogram`]): a fixed array, about 600 KB
//!   whatever the number of rooms. The median it gives is exact for rooms
//!   under 64 KiB and otherwise rounded down by less than 0.4 %;
//! - one counter per distinct creator (`creatorPlexUserId`), about 100
//!   bytes each: the only part that grows with the store, and only with
//!   the number of people who create rooms.
//!
//! Idle ages are decided by prune's own judgement ([`Criteria::judge`]),
//! asked at each edge of the histogram: a room lands in the bucket
//! `olderThan A, youngerThan B` exactly when `prune-inactive --older-than A`
//! would delete it and `--older-than B` would not. The "would delete"
//! counts are sums of those buckets, so they are what a prune with the same
//! `--now` deletes (no filters, without `--include-unknown`), not an
//! estimate next to it.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::archive::{self, ArchiveError, ValidateOptions};
use crate::duration;
use crate::filter::RoomFilter;
use crate::ops::prune::{Criteria, Verdict};
use crate::room::{RoomFacts, format_timestamp};
use crate::store::{Entry, ProblemKind, ScanOptions, Store, StoreError};

const DAY_MS: i64 = 86_400_000;

/// The edges of the idle-age histogram, youngest first. Spelled as
/// `--older-than` reads them: `prune-inactive` has no year unit, so a year
/// is `365d`.
pub const EDGES_MS: [i64; 5] = [DAY_MS, 7 * DAY_MS, 30 * DAY_MS, 90 * DAY_MS, 365 * DAY_MS];

/// The `--older-than` values the report says a prune would delete for;
/// each is one of [`EDGES_MS`].
pub const PRUNE_AT_MS: [i64; 4] = [7 * DAY_MS, 30 * DAY_MS, 90 * DAY_MS, 365 * DAY_MS];

/// What a stats run needs besides its input.
#[derive(Debug, Clone)]
pub struct StatsOptions {
    /// The instant ages are measured from, epoch milliseconds.
    pub now_ms: i64,
    /// How many creators `top_creators` lists.
    pub top: usize,
}

/// The report of a stats run: what `stats -o json|yaml` prints. This shape
/// is stable (docs/stats.md): fields are only ever added.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    /// What was read: the store (secrets redacted), or the archive file.
    pub source: String,
    /// The instant ages are measured from (ISO 8601).
    pub now: String,
    /// Valid rooms.
    pub rooms: u64,
    /// Entries that are meant to be rooms but cannot be used as rooms:
    /// the sum of `invalid_by_kind`.
    pub invalid: u64,
    pub invalid_by_kind: InvalidByKind,
    /// Entries under the prefix that are not rooms at all (a Redis set, a
    /// JSON array): left alone by every command.
    pub not_rooms: u64,
    /// Sizes of the valid rooms, as stored.
    pub bytes: Bytes,
    /// Rooms with a password.
    pub with_password: u64,
    /// Users summed over the rooms (someone in two rooms counts twice).
    pub users: u64,
    /// Ratings summed over the rooms.
    pub ratings: u64,
    /// Matches summed over the rooms.
    pub matches: u64,
    /// Idle age of every room, youngest first, then `unknown`; the `rooms`
    /// of the buckets add up to `rooms`.
    pub histogram: Vec<Bucket>,
    /// How many rooms `prune-inactive --older-than D` would delete.
    pub would_prune: Vec<PruneCount>,
    /// The creators with the most rooms, most first (ties by id).
    pub top_creators: Vec<Creator>,
}

/// Invalid entries by what is wrong with them (the kinds `check` names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvalidByKind {
    /// Unparsable, empty, not UTF-8, or missing required keys.
    pub invalid: u64,
    /// Could not be read (permissions, I/O error).
    pub unreadable: u64,
    /// A symlink, a directory or another non-regular file.
    pub not_a_file: u64,
    /// A file or key that is not the place of the room inside it.
    pub misnamed: u64,
}

/// Room sizes in bytes as stored: pretty JSON in files, compact JSON in
/// Redis and in archives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bytes {
    pub total: u64,
    /// The size of the ⌈n/2⌉-th smallest room: exact under 64 KiB, else
    /// rounded down by less than 0.4 %; `None` without rooms.
    pub median: Option<u64>,
}

/// One bar of the idle-age histogram: the rooms idle for more than
/// `older_than` and at most `younger_than` (open when `None`). The bucket
/// of rooms whose activity is unknown has both ends `None` and `unknown`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    pub older_than: Option<String>,
    pub younger_than: Option<String>,
    pub rooms: u64,
    pub unknown: bool,
}

/// How many rooms a prune with `--older-than older_than` would delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneCount {
    pub older_than: String,
    pub rooms: u64,
}

/// A creator and how many rooms they created. A creator is their
/// `creatorPlexUserId`; the username is the one on their newest room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Creator {
    pub creator_plex_user_id: String,
    pub creator_plex_username: String,
    pub rooms: u64,
}

/// Scans a store once and sums it up. `progress` is told how many entries
/// each batch held.
pub fn of_store(
    store: &dyn Store,
    options: &StatsOptions,
    progress: &dyn Fn(u64),
) -> Result<StatsReport, StoreError> {
    let mut tally = Tally::new(options);
    // Users are counted, so the scan reads them (as `list` does).
    for batch in store.scan(ScanOptions::default())? {
        let batch = batch?;
        progress(batch.len() as u64);
        for entry in &batch {
            match entry {
                Entry::Room(room) => tally.room(&room.facts, room.bytes.len() as u64),
                Entry::Problem(problem) => tally.problem(problem.kind),
            }
        }
    }
    Ok(tally.finish(store.describe()))
}

/// What [`of_archive`] read.
#[derive(Debug, Clone)]
pub struct ArchiveStats {
    pub report: StatsReport,
    /// The archive ends before its trailer; the report covers the complete
    /// rooms before the cut.
    pub truncated: bool,
}

/// Sums up the rooms of an export archive (or any input `import` takes).
/// The archive is checked whole first, as `import` does: a bad room, a
/// repeated name or a wrong checksum is the error, since such an archive
/// cannot be imported. A truncated one is read up to the cut.
pub fn of_archive(
    path: &Path,
    options: &StatsOptions,
    progress: &dyn Fn(u64),
) -> Result<ArchiveStats, ArchiveError> {
    let summary = archive::validate(path, &ValidateOptions::allowing_truncated())?;
    let mut tally = Tally::new(options);
    for room in archive::read_checked(path, summary.checked)? {
        let room = room?;
        progress(1);
        let size = match room.doc.compact_bytes() {
            Some(bytes) => bytes.len(),
            None => room.doc.to_compact().len(),
        };
        tally.room(&room.doc.facts(), size as u64);
    }
    Ok(ArchiveStats {
        report: tally.finish(path.display().to_string()),
        truncated: summary.truncated,
    })
}

/// The running sums of a stats pass; feed it rooms and problems in any
/// order, then [`Tally::finish`].
pub struct Tally {
    now_ms: i64,
    top: usize,
    /// Prune's judgement at each of [`EDGES_MS`].
    criteria: Vec<Criteria>,
    rooms: u64,
    invalid: InvalidByKind,
    not_rooms: u64,
    sizes: SizeHistogram,
    total_bytes: u64,
    with_password: u64,
    users: u64,
    ratings: u64,
    matches: u64,
    /// Rooms per bucket: `EDGES_MS.len() + 1` known ones, then unknown.
    buckets: [u64; EDGES_MS.len() + 2],
    creators: HashMap<String, CreatorTally>,
}

struct CreatorTally {
    rooms: u64,
    username: String,
    /// `createdAt` of the room `username` comes from.
    created_ms: Option<i64>,
}

impl Tally {
    pub fn new(options: &StatsOptions) -> Tally {
        Tally {
            now_ms: options.now_ms,
            top: options.top,
            criteria: EDGES_MS
                .iter()
                .map(|&older_than_ms| Criteria {
                    older_than_ms,
                    now_ms: options.now_ms,
                    filter: RoomFilter::default(),
                    include_unknown: false,
                })
                .collect(),
            rooms: 0,
            invalid: InvalidByKind::default(),
            not_rooms: 0,
            sizes: SizeHistogram::new(),
            total_bytes: 0,
            with_password: 0,
            users: 0,
            ratings: 0,
            matches: 0,
            buckets: [0; EDGES_MS.len() + 2],
            creators: HashMap::new(),
        }
    }

    /// Counts a valid room of `size` bytes as stored.
    pub fn room(&mut self, facts: &RoomFacts, size: u64) {
        self.rooms += 1;
        self.sizes.add(size);
        self.total_bytes += size;
        self.with_password += u64::from(facts.has_password);
        self.users += facts.users.len() as u64;
        self.ratings += facts.ratings;
        self.matches += facts.matches;
        self.buckets[self.bucket_of(facts)] += 1;
        let created_ms = facts.created_ms();
        match self.creators.get_mut(facts.creator_id.as_str()) {
            Some(creator) => {
                creator.rooms += 1;
                // The newest room's username (ties: the smaller one), so
                // the answer does not depend on the scan order.
                if (created_ms, std::cmp::Reverse(&facts.creator_username))
                    > (creator.created_ms, std::cmp::Reverse(&creator.username))
                {
                    creator.username.clone_from(&facts.creator_username);
                    creator.created_ms = created_ms;
                }
            }
            None => {
                self.creators.insert(
                    facts.creator_id.clone(),
                    CreatorTally {
                        rooms: 1,
                        username: facts.creator_username.clone(),
                        created_ms,
                    },
                );
            }
        }
    }

    /// Counts an entry that is not a usable room.
    pub fn problem(&mut self, kind: ProblemKind) {
        match kind {
            ProblemKind::NotARoom => self.not_rooms += 1,
            ProblemKind::Invalid => self.invalid.invalid += 1,
            ProblemKind::Unreadable => self.invalid.unreadable += 1,
            ProblemKind::NotAFile => self.invalid.not_a_file += 1,
            ProblemKind::Misnamed => self.invalid.misnamed += 1,
        }
    }

    /// The histogram bucket of a room: the number of edges at which prune
    /// would delete it, or the last bucket when its activity is unknown.
    /// Prune's verdict only goes from delete to keep as `--older-than`
    /// grows, so a binary search asks it at most three times.
    fn bucket_of(&self, facts: &RoomFacts) -> usize {
        let (mut lo, mut hi) = (0, self.criteria.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.criteria[mid].judge(facts) {
                Verdict::Delete(_) => lo = mid + 1,
                // Without filters nothing is NotSelected.
                Verdict::Recent | Verdict::NotSelected => hi = mid,
                Verdict::Unknown => return EDGES_MS.len() + 1,
            }
        }
        lo
    }

    pub fn finish(self, source: String) -> StatsReport {
        let edge = |i: usize| EDGES_MS.get(i).map(|&ms| duration::format(ms));
        let mut histogram: Vec<Bucket> = (0..=EDGES_MS.len())
            .map(|i| Bucket {
                older_than: i.checked_sub(1).and_then(edge),
                younger_than: edge(i),
                rooms: self.buckets[i],
                unknown: false,
            })
            .collect();
        histogram.push(Bucket {
            older_than: None,
            younger_than: None,
            rooms: self.buckets[EDGES_MS.len() + 1],
            unknown: true,
        });
        let would_prune = PRUNE_AT_MS
            .iter()
            .map(|&ms| {
                // Rooms in the buckets past this edge.
                let first = EDGES_MS.iter().position(|&e| e == ms).map_or(0, |i| i + 1);
                PruneCount {
                    older_than: duration::format(ms),
                    rooms: self.buckets[first..=EDGES_MS.len()].iter().sum(),
                }
            })
            .collect();
        let mut creators: Vec<Creator> = self
            .creators
            .into_iter()
            .map(|(id, c)| Creator {
                creator_plex_user_id: id,
                creator_plex_username: c.username,
                rooms: c.rooms,
            })
            .collect();
        creators.sort_by(|a, b| {
            (b.rooms, &a.creator_plex_user_id).cmp(&(a.rooms, &b.creator_plex_user_id))
        });
        creators.truncate(self.top);
        let invalid = &self.invalid;
        StatsReport {
            source,
            now: format_timestamp(self.now_ms),
            rooms: self.rooms,
            invalid: invalid.invalid + invalid.unreadable + invalid.not_a_file + invalid.misnamed,
            invalid_by_kind: self.invalid,
            not_rooms: self.not_rooms,
            bytes: Bytes {
                total: self.total_bytes,
                median: self.sizes.median(),
            },
            with_password: self.with_password,
            users: self.users,
            ratings: self.ratings,
            matches: self.matches,
            histogram,
            would_prune,
            top_creators: creators,
        }
    }
}

/// Counts of sizes in a fixed array: one bucket per byte count under
/// 64 KiB, then 256 buckets per doubling. A bucket above 64 KiB spans less
/// than 1/256 of its lower bound, which is the size it reports.
struct SizeHistogram {
    counts: Vec<u64>,
    total: u64,
}

impl SizeHistogram {
    const EXACT_BITS: u32 = 16;
    const EXACT: u64 = 1 << Self::EXACT_BITS;
    const SUB_BITS: u32 = 8;
    const BUCKETS: usize =
        Self::EXACT as usize + ((u64::BITS - Self::EXACT_BITS) as usize) * (1 << Self::SUB_BITS);

    fn new() -> SizeHistogram {
        SizeHistogram {
            counts: vec![0; Self::BUCKETS],
            total: 0,
        }
    }

    fn index(size: u64) -> usize {
        if size < Self::EXACT {
            return size as usize;
        }
        let octave = u64::BITS - 1 - size.leading_zeros();
        let shift = octave - Self::SUB_BITS;
        let sub = (size >> shift) as usize - (1 << Self::SUB_BITS);
        Self::EXACT as usize + (octave - Self::EXACT_BITS) as usize * (1 << Self::SUB_BITS) + sub
    }

    /// The smallest size of a bucket.
    fn lower_bound(index: usize) -> u64 {
        if index < Self::EXACT as usize {
            return index as u64;
        }
        let above = index - Self::EXACT as usize;
        let octave = Self::EXACT_BITS + (above >> Self::SUB_BITS) as u32;
        let sub = (above & ((1 << Self::SUB_BITS) - 1)) as u64;
        ((1 << Self::SUB_BITS) + sub) << (octave - Self::SUB_BITS)
    }

    fn add(&mut self, size: u64) {
        self.counts[Self::index(size)] += 1;
        self.total += 1;
    }

    /// The (lower bound of the bucket of the) ⌈n/2⌉-th smallest size.
    fn median(&self) -> Option<u64> {
        let rank = self.total.div_ceil(2);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank && count > 0 {
                return Some(Self::lower_bound(index));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_buckets_round_down_by_less_than_a_256th() {
        for size in [
            0,
            1,
            65_535,
            65_536,
            65_537,
            100_000,
            8 << 20,
            512 << 20,
            u64::MAX,
        ] {
            let index = SizeHistogram::index(size);
            assert!(index < SizeHistogram::BUCKETS, "{size}");
            let low = SizeHistogram::lower_bound(index);
            assert!(low <= size, "{size}: {low}");
            assert!(size - low <= low / 256, "{size}: {low}");
            assert_eq!(SizeHistogram::index(low), index, "{size}");
        }
        assert_eq!(
            SizeHistogram::lower_bound(SizeHistogram::index(65_535)),
            65_535
        );
    }

    #[test]
    fn median_is_the_middle_size() {
        let mut sizes = SizeHistogram::new();
        assert_eq!(sizes.median(), None);
        for size in [900, 10, 300, 70_000_000] {
            sizes.add(size);
        }
        assert_eq!(sizes.median(), Some(300));
        sizes.add(5);
        assert_eq!(sizes.median(), Some(300));
    }
}
