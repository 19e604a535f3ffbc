//! roomgen: deterministic synthetic MovieMatch rooms for the roomctl benchmarks.
//!
//! Not part of the shipped CLI. Run it as
//! `cargo run --release --example roomgen -- --rooms 100000 --out bench/data/100000`.
//!
//! Everything is a pure function of `--seed`, `--rooms`, `--stale-fraction`,
//! `--small` and `--now`: room `i` is built from its own PRNG stream (a
//! hand-written SplitMix64, so the output never changes with a crate version),
//! so rooms can be built in parallel and still come out byte-identical.
//!
//! It writes, streaming (memory does not grow with the number of rooms):
//! - `OUT/rooms/`: a file store exactly as the server writes it, one
//!   `<safe>.json` per room, `JSON.stringify(room, null, 2)` (2-space indent,
//!   no trailing newline), each file's mtime set to the room's last activity;
//! - `OUT/rooms.resp`: `SET room:<name> <compact json>` commands in RESP, for
//!   `redis-cli --pipe`;
//! - `OUT/rooms.jsonl`: a roomctl archive (header, one compact room per line,
//!   trailer with the room count and the SHA-256 of the room lines);
//! - `OUT/stale.txt`: the names of the rooms whose last activity is more than
//!   30 days before `--now`, one JSON string literal per line.
//!
//! Stale rooms have their last activity at least 31 days before `--now`, all
//! others within the last 29 days, so a one-day margin separates the two sets
//! and any cutoff between them (content-based or mtime-based) agrees.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use clap::Parser;
use rayon::prelude::*;
use roomctl::room::RoomFacts;
use roomctl::store::file::safe_file_name;
use serde::Serialize;
use serde::ser::Serializer;
use sha2::{Digest, Sha256};

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const DAY: i64 = 86_400_000;
/// Rooms built (in parallel) before their output is appended to the streams.
const CHUNK: u64 = 2_048;

#[derive(Parser, Debug)]
#[command(about = "Generate deterministic MovieMatch room data for benchmarks")]
struct Args {
    /// PRNG seed; the same seed always gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of rooms.
    #[arg(long)]
    rooms: u64,
    /// Output directory (its `rooms/` subdirectory must be absent or empty).
    #[arg(long)]
    out: PathBuf,
    /// Fraction of rooms inactive for more than 30 days.
    #[arg(long, default_value_t = 0.10)]
    stale_fraction: f64,
    /// Small rooms (0-20 media, about 1 KB), for the 1,000,000-room runs.
    #[arg(long)]
    small: bool,
    /// The instant everything is relative to (ISO 8601).
    #[arg(long, default_value = "2026-11-01T00:00:00.000Z")]
    now: String,
}

/// SplitMix64 (Steele, Lea, Flood 2014). Hand-written so that the data never
/// depends on a crate's choice of algorithm.
struct Rng(u64);

impl Rng {
    /// An independent stream for room `index` under `seed`.
    fn for_room(seed: u64, index: u64) -> Rng {
        let mut base = Rng(seed);
        let s = base.next_u64();
        let mut rng = Rng(s ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-40 here).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform in `[0, 1)`, from the top 53 bits (exact, no libm).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Draws from a distribution given by its quantile table (piecewise linear
/// inverse CDF). Only `+ - * /` on doubles: bit-identical everywhere.
fn quantile(rng: &mut Rng, table: &[(f64, f64)]) -> u64 {
    let u = rng.unit();
    for w in table.windows(2) {
        let ((p0, v0), (p1, v1)) = (w[0], w[1]);
        if u < p1 {
            return (v0 + (v1 - v0) * (u - p0) / (p1 - p0)) as u64;
        }
    }
    table.last().map_or(0, |&(_, v)| v as u64)
}

/// Number of rated media per room: median about 20, p90 about 90.
const MEDIA_FULL: [(f64, f64); 9] = [
    (0.0, 0.0),
    (0.04, 0.0),
    (0.20, 6.0),
    (0.50, 24.0),
    (0.75, 50.0),
    (0.90, 88.0),
    (0.97, 170.0),
    (0.995, 260.0),
    (1.0, 300.0),
];
/// `--small`: 0-20 media.
const MEDIA_SMALL: [(f64, f64); 5] = [
    (0.0, 0.0),
    (0.30, 1.0),
    (0.50, 2.0),
    (0.90, 8.0),
    (1.0, 21.0),
];

const USERS: [&str; 36] = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "zoé",
    "José",
    "Ånika",
    "Łukasz",
    "sören",
    "kenji",
    "mei",
    "priya",
    "omar",
    "plexfan_1987",
    "cinephile",
    "popcornqueen",
    "the.dude",
    "Night Owl",
    "🎬director",
    "sam-w",
    "ChloeK",
];
const GENRES: [&str; 12] = [
    "Action",
    "Comedy",
    "Drama",
    "Horror",
    "Thriller",
    "Animation",
    "Documentary",
    "Science Fiction",
    "Romance",
    "Fantasy",
    "Crime",
    "Family",
];
const ROOM_TYPES: [&str; 8] = [
    "standard",
    "standard",
    "standard",
    "standard",
    "unanimous",
    "solo",
    "async",
    "async",
];
const SORT_ORDERS: [&str; 3] = ["newest", "oldest", "random"];
const PASSWORD_CHARS: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The name of room `n` (1-based). Every sanitised name is unique by
/// construction: the sanitised prefixes are distinct and digit-free, the
/// number follows, and the suffixes start with a non-digit.
fn room_name(n: u64) -> String {
    match n % 100 {
        7 | 57 => format!("Movie Night {n}"),
        13 | 63 => format!("Soirée ciné {n}"),
        29 => format!("🍿 Popcorn Club {n}"),
        37 => format!("Friday/Freitag #{n}"),
        71 => format!("Noche de películas {n} 🎬"),
        83 => format!("Bob's \"Best\" Picks {n}"),
        91 => format!("Filmabend für {n} Freunde"),
        _ => format!("movie-night-{n}"),
    }
}

#[derive(Serialize)]
struct Filter {
    key: &'static str,
    operator: &'static str,
    value: Vec<String>,
}

type Tuple = (&'static str, &'static str, i64);

/// The room document's keys (docs/compatibility.md), in the order the
/// server writes them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Room {
    room_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<Vec<Filter>>,
    sort: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    room_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<&'static str>,
    created_at: String,
    creator_plex_user_id: String,
    creator_plex_username: &'static str,
    /// mediaId → tuples. Ids ascend numerically, which is also the order a
    /// JavaScript object gives integer-like keys.
    #[serde(serialize_with = "as_map")]
    ratings: Vec<(String, Vec<Tuple>)>,
    #[serde(serialize_with = "as_map")]
    user_progress: Vec<(&'static str, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_activity_at: Option<String>,
}

fn as_map<S: Serializer, K: Serialize, V: Serialize>(
    pairs: &[(K, V)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

fn iso(ms: i64) -> Result<String> {
    let t = chrono::DateTime::from_timestamp_millis(ms)
        .with_context(|| format!("timestamp {ms} out of range"))?;
    Ok(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// One generated room and what the streams need from it.
struct Built {
    room: Room,
    stale: bool,
    /// Last activity, epoch ms.
    last_ms: i64,
}

fn build_room(args: &Args, now_ms: i64, index: u64) -> Result<Built> {
    let mut rng = Rng::for_room(args.seed, index);
    let n = index + 1;
    let stale = rng.chance(args.stale_fraction);

    // Shape first: whether the room has ratings decides how its times work.
    let heavy = !args.small && rng.chance(0.001);
    let users_n = if heavy { 9 } else { rng.between(2, 9) } as usize;
    let media_n = if heavy {
        rng.between(285, 300) as u64
    } else if args.small {
        quantile(&mut rng, &MEDIA_SMALL).min(20)
    } else {
        quantile(&mut rng, &MEDIA_FULL).min(300)
    };
    let extra_rater_p = if heavy { 0.97 } else { 0.28 };
    let has_last_field = rng.chance(0.5);

    // Users: a partial Fisher-Yates shuffle of the pool.
    let mut pool: [usize; USERS.len()] = std::array::from_fn(|i| i);
    for i in 0..users_n {
        let j = i + rng.below((USERS.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    let users: Vec<&'static str> = pool[..users_n].iter().map(|&i| USERS[i]).collect();

    // Times. Stale: last activity in [now-400d, now-31d]; active: in
    // [now-29d, now). createdAt is within the 400 days before now.
    let derived_from_created = media_n == 0 && !has_last_field;
    let (created_ms, last_ms) = if stale {
        let created = now_ms - rng.between(31 * DAY, 400 * DAY);
        let last = if derived_from_created {
            created
        } else {
            rng.between(created, now_ms - 31 * DAY)
        };
        (created, last)
    } else if derived_from_created {
        let created = now_ms - rng.between(MINUTE, 29 * DAY);
        (created, created)
    } else {
        let created = now_ms - rng.between(MINUTE, 400 * DAY);
        let last = rng.between(created.max(now_ms - 29 * DAY), now_ms - SECOND);
        (created, last)
    };

    // Ratings. Media ids ascend; each media is rated by one user and each
    // other user with probability `extra_rater_p`.
    let mut ratings = Vec::with_capacity(media_n as usize);
    let mut progress = vec![0u64; users_n];
    let mut media_id = 1_000 + rng.below(60_000);
    for _ in 0..media_n {
        media_id += 1 + rng.below(40);
        let first = rng.below(users_n as u64) as usize;
        let mut tuples = Vec::new();
        for k in 0..users_n {
            let u = (first + k) % users_n;
            if k == 0 || rng.chance(extra_rater_p) {
                let verdict = if rng.chance(0.45) { "like" } else { "dislike" };
                tuples.push((users[u], verdict, rng.between(created_ms, last_ms)));
                progress[u] += 1;
            }
        }
        ratings.push((media_id.to_string(), tuples));
    }
    // Without a lastActivityAt field the newest rating is the last activity.
    if !has_last_field && let Some(last) = ratings.last_mut().and_then(|(_, t)| t.last_mut()) {
        last.2 = last_ms;
    }

    let password = rng.chance(0.10).then(|| {
        (0..rng.between(6, 12))
            .map(|_| char::from(rng.pick(PASSWORD_CHARS)))
            .collect()
    });
    let options = match rng.below(10) {
        0..=3 => None,
        4..=6 => Some(vec![]),
        _ => Some(vec!["EndOnFirstMatch"]),
    };
    let filters = rng.chance(0.4).then(|| {
        let mut f = Vec::new();
        let genres = (0..rng.between(1, 3))
            .map(|_| rng.pick(&GENRES).to_string())
            .collect();
        f.push(Filter {
            key: "genre",
            operator: "=",
            value: genres,
        });
        if rng.chance(0.4) {
            f.push(Filter {
                key: "year",
                operator: ">=",
                value: vec![rng.between(1970, 2020).to_string()],
            });
        }
        if rng.chance(0.2) {
            f.push(Filter {
                key: "contentRating",
                operator: "!=",
                value: vec!["R".into(), "NC-17".into()],
            });
        }
        f
    });
    let sort = if rng.chance(0.7) { "random" } else { "rating" };
    let room_type = rng.chance(0.8).then(|| rng.pick(&ROOM_TYPES));
    let sort_order = rng.chance(0.5).then(|| rng.pick(&SORT_ORDERS));
    let creator_id = rng.between(1_000_000, 999_999_999).to_string();

    let room = Room {
        room_name: room_name(n),
        password,
        options,
        filters,
        sort,
        room_type,
        sort_order,
        created_at: iso(created_ms)?,
        creator_plex_user_id: creator_id,
        creator_plex_username: users[0],
        ratings,
        user_progress: users.iter().copied().zip(progress).collect(),
        last_activity_at: if has_last_field {
            Some(iso(last_ms)?)
        } else {
            None
        },
    };
    Ok(Built {
        room,
        stale,
        last_ms,
    })
}

/// What the sequential writer needs from one room once its file is written.
struct Written {
    name: String,
    compact: Vec<u8>,
    stale: bool,
    pretty_len: usize,
}

fn write_room(args: &Args, rooms_dir: &Path, now_ms: i64, index: u64) -> Result<Written> {
    let built = build_room(args, now_ms, index)?;
    let pretty = serde_json::to_vec_pretty(&built.room)?;
    let compact = serde_json::to_vec(&built.room)?;

    // Self-check: the library's reading of the room agrees with our intent.
    let facts = RoomFacts::from_slice(&compact)
        .map_err(|e| anyhow::anyhow!("room {index} is not a valid document: {e}"))?;
    if facts.last_activity_ms() != Some(built.last_ms) {
        bail!(
            "room {index}: intended last activity {} but the document says {:?}",
            built.last_ms,
            facts.last_activity_ms()
        );
    }

    let path = rooms_dir.join(safe_file_name(&built.room.room_name));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(&pretty)
        .with_context(|| format!("writing {}", path.display()))?;
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_millis(built.last_ms as u64);
    file.set_modified(mtime)
        .with_context(|| format!("setting the mtime of {}", path.display()))?;
    Ok(Written {
        name: built.room.room_name,
        compact,
        stale: built.stale,
        pretty_len: pretty.len(),
    })
}

/// Fixed-size histogram of file sizes (32-byte buckets), for the report.
struct Sizes {
    buckets: Vec<u64>,
    count: u64,
    total: u64,
    max: usize,
}

impl Sizes {
    const WIDTH: usize = 32;
    const BUCKETS: usize = 1 << 15; // up to 1 MiB; larger sizes share the last

    fn new() -> Sizes {
        Sizes {
            buckets: vec![0; Self::BUCKETS],
            count: 0,
            total: 0,
            max: 0,
        }
    }

    fn add(&mut self, len: usize) {
        self.buckets[(len / Self::WIDTH).min(Self::BUCKETS - 1)] += 1;
        self.count += 1;
        self.total += len as u64;
        self.max = self.max.max(len);
    }

    /// Upper bound of the bucket holding quantile `q` (within 32 bytes).
    fn quantile(&self, q: f64) -> usize {
        let rank = (q * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return ((i + 1) * Self::WIDTH).min(self.max);
            }
        }
        self.max
    }
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn resp_bulk(out: &mut impl Write, parts: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    write!(out, "${len}\r\n")?;
    for p in parts {
        out.write_all(p)?;
    }
    out.write_all(b"\r\n")
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.stale_fraction) {
        bail!("--stale-fraction must be between 0 and 1");
    }
    let now = chrono::DateTime::parse_from_rfc3339(&args.now)
        .with_context(|| format!("--now {:?} is not an ISO 8601 instant", args.now))?;
    let now_ms = now.timestamp_millis();
    let now_iso = iso(now_ms)?;
    let started = Instant::now();

    let rooms_dir = args.out.join("rooms");
    fs::create_dir_all(&rooms_dir).with_context(|| format!("creating {}", rooms_dir.display()))?;
    if fs::read_dir(&rooms_dir)
        .with_context(|| format!("reading {}", rooms_dir.display()))?
        .next()
        .is_some()
    {
        bail!("{} is not empty; remove it first", rooms_dir.display());
    }

    let mut resp = create(&args.out.join("rooms.resp"))?;
    let mut jsonl = create(&args.out.join("rooms.jsonl"))?;
    let mut stale_txt = create(&args.out.join("stale.txt"))?;
    let header = serde_json::json!({
        "$roomctl": "archive",
        "version": 1,
        "createdAt": now_iso,
        "source": format!("roomgen seed={}", args.seed),
        "tool": "roomgen",
    });
    serde_json::to_writer(&mut jsonl, &header)?;
    jsonl.write_all(b"\n")?;

    let mut hasher = Sha256::new();
    let mut sizes = Sizes::new();
    let mut stale_count = 0u64;
    let mut start = 0;
    while start < args.rooms {
        let end = (start + CHUNK).min(args.rooms);
        let chunk: Vec<Written> = (start..end)
            .into_par_iter()
            .map(|i| write_room(&args, &rooms_dir, now_ms, i))
            .collect::<Result<_>>()?;
        for w in chunk {
            jsonl.write_all(&w.compact)?;
            jsonl.write_all(b"\n")?;
            hasher.update(&w.compact);
            hasher.update(b"\n");

            resp.write_all(b"*3\r\n$3\r\nSET\r\n")?;
            resp_bulk(&mut resp, &[b"room:", w.name.as_bytes()])?;
            resp_bulk(&mut resp, &[&w.compact])?;

            if w.stale {
                stale_count += 1;
                serde_json::to_writer(&mut stale_txt, &w.name)?;
                stale_txt.write_all(b"\n")?;
            }
            sizes.add(w.pretty_len);
        }
        start = end;
    }

    let trailer = serde_json::json!({
        "$roomctl": "trailer",
        "rooms": args.rooms,
        "sha256": hex(&hasher.finalize()),
    });
    serde_json::to_writer(&mut jsonl, &trailer)?;
    jsonl.write_all(b"\n")?;
    for (w, name) in [
        (&mut resp, "rooms.resp"),
        (&mut jsonl, "rooms.jsonl"),
        (&mut stale_txt, "stale.txt"),
    ] {
        w.flush().with_context(|| format!("writing {name}"))?;
    }

    eprintln!(
        "roomgen: {} rooms ({} stale) in {} in {:.1}s; file sizes: median {} B, p90 {} B, p99 {} B, max {} B, total {:.1} MB",
        args.rooms,
        stale_count,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        sizes.quantile(0.5),
        sizes.quantile(0.9),
        sizes.quantile(0.99),
        sizes.max,
        sizes.total as f64 / 1e6,
    );
    Ok(())
}
