//! The Redis backend (docs/compatibility.md): one string key per room, `prefix + roomName`
//! (the raw name), holding the room as compact JSON — on a single server
//! or on a Redis Cluster.
//!
//! The code has layers, so that a single server and a cluster share all of
//! the command logic:
//! - [`RedisStore`] (this file) builds commands for keys and decodes their
//!   replies. Every command it builds touches one key, except `MGET`, which
//!   reads a whole batch on a single server and one key on a cluster (see
//!   `Link::mget_groups`).
//! - `link.rs` sends a batch of commands: to the one server, or each to the
//!   primary that serves its key's slot, one pipeline per node; it follows
//!   `MOVED`/`ASK` and retries what failed for now (`retry.rs`).
//! - `cluster.rs` knows the cluster's slot map; `node.rs` holds one
//!   connection to one node, with its credentials and TLS settings
//!   (`tls.rs`).
//! - `scan.rs` streams the keys and values; `scripts.rs` holds the Lua
//!   scripts below; `lock.rs` the advisory locks.
//!
//! Everything that must not race with the server (overwrite only a room,
//! compare-and-swap, conditional delete) runs as a Lua script on the key's
//! node, so the check and the write are one atomic step there.
//!
//! Advisory locks ([`Store::lock`]) are leases: `SET key token NX PX 60000`
//! on a key outside the room prefix (`roomctl:lock:<name>:<prefix>`, see
//! [`lock_key`]), extended by [`LockGuard::refresh`] only while the key
//! still holds this holder's token, and released by a compare-and-delete.
//! A holder that dies stops refreshing and the lease runs out.

mod cluster;
mod info;
mod link;
mod lock;
mod maintenance;
mod node;
mod retry;
mod scan;
mod scripts;
mod tls;

use std::borrow::Cow;
use std::sync::Arc;

use redis::{Cmd, Value};

pub use cluster::key_slot;
pub use retry::RetryReport;

use cluster::Cluster;
use rayon::prelude::*;

use info::{cluster_node_ids, info_field, info_server, reply_text};
use link::{Link, Replies, Routed, Target};
use lock::*;
use node::Dialer;
use scan::*;
use scripts::*;

use super::identity::{RedisIdentity, RedisMode};
use super::maintenance::{InspectOptions, Issue, IssueKind, Maintenance};
use super::{
    Condition, Delete, DeleteOutcome, Entry, EntryProblem, EntryShape, LockGuard, Lookup,
    ProblemKind, Put, PutOutcome, Scan, ScanOptions, Store, StoreConfig, StoreError, StoreIdentity,
    StoreKind, valid_lock_name,
};

/// Keys per `SCAN` page and per pipeline: 10,000 rooms take ten round trips,
/// and no batch holds more than this many values in memory.
const KEYS_PER_ROUND_TRIP: usize = 1000;

/// `prefix*` for `SCAN MATCH`, with the glob characters of the prefix escaped
/// so that `mm*[1]:` matches only keys that start with exactly that.
fn match_pattern(prefix: &str) -> Vec<u8> {
    let mut pattern = Vec::with_capacity(prefix.len() + 2);
    for &b in prefix.as_bytes() {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            pattern.push(b'\\');
        }
        pattern.push(b);
    }
    pattern.push(b'*');
    pattern
}

fn lossy(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

fn not_a_string(redis_type: &str) -> String {
    let article = if redis_type.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {redis_type}, not a string; not a room")
}

/// The name of a `TYPE` reply.
fn type_name(reply: &Value) -> Option<&str> {
    match reply {
        Value::SimpleString(s) => Some(s),
        Value::BulkString(b) => std::str::from_utf8(b).ok(),
        Value::Okay => Some("OK"),
        _ => None,
    }
}

fn ttl_arg(ttl_ms: Option<i64>) -> String {
    // A copied TTL may have run out on the way; PX needs at least 1.
    ttl_ms.map(|ms| ms.max(1).to_string()).unwrap_or_default()
}

/// What one key holds, as read by [`RedisStore::read_keys`].
enum Held {
    Value { bytes: Vec<u8>, ttl_ms: Option<i64> },
    NotAString(String),
    Missing,
}

/// The Redis store. See the module docs.
pub struct RedisStore {
    link: Link,
    prefix: String,
    description: String,
    report: RetryReport,
    /// The largest value read as a room (`--max-room-size`).
    max_room: u64,
    /// The server refused a transaction ([`RedisStore::guarded`]): the
    /// scripts decide every conditional write from then on.
    no_transactions: std::sync::atomic::AtomicBool,
}

/// What a write guarded by the bytes roomctl holds found
/// ([`RedisStore::guarded`]).
#[derive(Debug)]
enum Guarded {
    /// The value was exactly the bytes held; the command ran, with this
    /// reply.
    Done(Value),
    /// Another value is stored; nothing ran.
    Differs,
    /// No string is stored (missing, or a set, a hash…); nothing ran.
    NoString,
}

/// `SET key value` with a TTL in ms, or keeping the key's (the scripts'
/// `set`).
fn set_command(key: &[u8], value: &[u8], ttl_ms: Option<i64>) -> Cmd {
    let mut cmd = Cmd::with_capacity(5, key.len() + value.len() + 24);
    cmd.arg("SET").arg(key).arg(value);
    match ttl_ms {
        Some(_) => cmd.arg("PX").arg(ttl_arg(ttl_ms)),
        None => cmd.arg("KEEPTTL"),
    };
    cmd
}

impl RedisStore {
    /// Connects to the server, or to the cluster, `config` names (connect
    /// timeout 5 s, read/write timeouts 3 s). A cluster's topology is learnt
    /// from the first seed node that answers.
    pub fn connect(config: &StoreConfig) -> Result<RedisStore, StoreError> {
        if config.prefix.is_empty() {
            return Err(StoreError::Config(
                "the key prefix must not be empty".into(),
            ));
        }
        let dialer = Dialer::new(config)?;
        let link = if config.cluster {
            Link::Cluster(Box::new(Cluster::open(dialer)?))
        } else {
            if dialer.seed_count() != 1 {
                return Err(StoreError::Config(format!(
                    "{}: a single Redis server needs exactly one URL",
                    config.redacted()
                )));
            }
            let node = dialer.seed(0)?;
            node.check()?;
            Link::Single(Arc::new(node))
        };
        Ok(RedisStore {
            link,
            prefix: config.prefix.clone(),
            description: config.redacted(),
            report: Arc::new(|_: &str| {}),
            max_room: crate::limit::DEFAULT_MAX_ROOM_BYTES,
            no_transactions: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The same store with another limit for the size of a room (see
    /// `crate::limit`): a larger value is reported as an invalid entry,
    /// never parsed.
    pub fn with_max_room_bytes(mut self, max: u64) -> RedisStore {
        self.max_room = max;
        self
    }

    /// Tells `report` about every retry (a lost connection, a node loading
    /// its data, a cluster resharding), and about scans a resharding may
    /// have made incomplete.
    pub fn with_retry_report(mut self, report: RetryReport) -> RedisStore {
        self.report = report;
        self
    }

    /// Whether this store is a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.link, Link::Cluster(_))
    }

    fn key(&self, name: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(self.prefix.len() + name.len());
        key.extend_from_slice(self.prefix.as_bytes());
        key.extend_from_slice(name.as_bytes());
        key
    }

    /// Runs `then[i]` for each key whose stored value is exactly `held[i]`
    /// (bytes roomctl read there and judged), all in one transaction that
    /// runs only if none of the keys changed since they were compared
    /// (`Node::watched`): a write of the server meanwhile is never lost.
    /// The server compares nothing and decodes nothing.
    ///
    /// `None` when that cannot be done here (a cluster, whose keys live on
    /// several nodes; a server that refuses transactions; a lost connection;
    /// a key changed meanwhile): the scripts then decide each room, as
    /// before. A lost connection may have run the transaction: the scripts
    /// then find each room written or deleted already.
    fn guarded(&self, keys: &[&[u8]], held: &[&[u8]], then: &[Cmd]) -> Option<Vec<Guarded>> {
        use std::sync::atomic::Ordering;
        let Link::Single(node) = &self.link else {
            return None;
        };
        if keys.is_empty() || self.no_transactions.load(Ordering::Relaxed) {
            return None;
        }
        let same = |values: &[Value], i: usize| matches!(&values[i], Value::BulkString(b) if b.as_slice() == held[i]);
        let result = node.watched(keys, |values| {
            (0..keys.len())
                .filter(|&i| same(values, i))
                .map(|i| then[i].clone())
                .collect()
        });
        let (values, replies) = match result {
            Ok(done) => done,
            Err(e) if e.transient => {
                // Sent again as scripts, after the pause any retry makes.
                let wait = retry::delay(1);
                (self.report)(&format!(
                    "{}; retrying in {} (attempt 2 of {})",
                    e.error,
                    retry::brief(wait),
                    retry::ATTEMPTS
                ));
                std::thread::sleep(wait);
                return None;
            }
            Err(e) => {
                if !e.may_have_run {
                    self.no_transactions.store(true, Ordering::Relaxed);
                }
                return None;
            }
        };
        let mut replies = replies?.into_iter();
        Some(
            (0..keys.len())
                .map(|i| match &values[i] {
                    _ if same(&values, i) => Guarded::Done(replies.next().unwrap_or(Value::Nil)),
                    Value::BulkString(_) => Guarded::Differs,
                    _ => Guarded::NoString,
                })
                .collect(),
        )
    }

    fn send(&self, commands: &[Routed<'_>]) -> Result<Replies, StoreError> {
        self.link.send(commands, &*self.report)
    }

    /// One command on the node that holds `key`; an error reply is an error.
    fn single_key(&self, key: &[u8], cmd: Cmd) -> Result<Value, StoreError> {
        let reply = self
            .send(&[Routed {
                target: Target::Key(key),
                cmd,
            }])?
            .values
            .pop()
            .unwrap_or(Value::Nil);
        match reply {
            Value::ServerError(e) => Err(StoreError::Redis {
                endpoint: self.description.clone(),
                message: e.to_string(),
            }),
            other => Ok(other),
        }
    }

    /// A reply roomctl cannot make sense of.
    fn unexpected(&self, message: String) -> StoreError {
        StoreError::Redis {
            endpoint: self.description.clone(),
            message,
        }
    }

    /// Reads keys in batches: `MGET` per group of keys (with one `PTTL` per
    /// key when asked, in the same round),
    /// then `TYPE` for the keys `MGET` found no string under.
    fn read_keys(&self, keys: &[Vec<u8>], with_ttl: bool) -> Result<Vec<Held>, StoreError> {
        let mut held = Vec::with_capacity(keys.len());
        for batch in keys.chunks(KEYS_PER_ROUND_TRIP) {
            let groups = self.link.mget_groups(batch);
            let mut commands = Vec::with_capacity(groups.len() + batch.len());
            for group in &groups {
                let mut mget = redis::cmd("MGET");
                for &i in group {
                    mget.arg(batch[i].as_slice());
                }
                commands.push(Routed {
                    target: Target::Key(&batch[group[0]]),
                    cmd: mget,
                });
            }
            if with_ttl {
                commands.extend(batch.iter().map(|k| Routed {
                    target: Target::Key(k),
                    cmd: redis::cmd("PTTL").arg(k).clone(),
                }));
            }
            let mut replies = self.send(&commands)?.values.into_iter();
            let mut values: Vec<Value> = vec![Value::Nil; batch.len()];
            for group in &groups {
                match replies.next() {
                    Some(Value::Array(found)) if found.len() == group.len() => {
                        for (&i, value) in group.iter().zip(found) {
                            values[i] = value;
                        }
                    }
                    Some(Value::ServerError(e)) => {
                        return Err(self.unexpected(format!("MGET: {e}")));
                    }
                    _ => return Err(self.unexpected("unexpected reply to MGET".into())),
                }
            }
            let ttls: Vec<Option<i64>> = if with_ttl {
                replies
                    .map(|r| match r {
                        Value::Int(ms) if ms >= 0 => Some(ms),
                        _ => None,
                    })
                    .collect()
            } else {
                vec![None; batch.len()]
            };
            let first = held.len();
            let mut nils = Vec::new();
            for (i, (value, ttl_ms)) in values.into_iter().zip(ttls).enumerate() {
                match value {
                    Value::BulkString(bytes) => held.push(Held::Value { bytes, ttl_ms }),
                    _ => {
                        nils.push(i);
                        held.push(Held::Missing);
                    }
                }
            }
            // MGET gives nil both for a missing key and for one holding a
            // set or a hash: EXISTS says whether any of them is there at all
            // (one command on a single server), TYPE then which.
            let nils = self.present(batch, nils)?;
            let types: Vec<Routed<'_>> = nils.iter().map(|&i| type_command(&batch[i])).collect();
            for (i, reply) in nils.into_iter().zip(self.send(&types)?.values) {
                match type_name(&reply) {
                    Some("none") | Some("string") => {}
                    Some(other) => held[first + i] = Held::NotAString(other.to_string()),
                    None => return Err(self.unexpected(format!("TYPE: {reply:?}"))),
                }
            }
        }
        Ok(held)
    }

    /// The keys of `batch` at `indexes` that exist, by `EXISTS` per group
    /// of keys (all of them at once on a single server).
    fn present(&self, batch: &[Vec<u8>], indexes: Vec<usize>) -> Result<Vec<usize>, StoreError> {
        if indexes.is_empty() {
            return Ok(indexes);
        }
        let keys: Vec<Vec<u8>> = indexes.iter().map(|&i| batch[i].clone()).collect();
        let groups = self.link.mget_groups(&keys);
        let commands: Vec<Routed<'_>> = groups
            .iter()
            .map(|group| {
                let mut exists = redis::cmd("EXISTS");
                for &j in group {
                    exists.arg(keys[j].as_slice());
                }
                Routed {
                    target: Target::Key(&keys[group[0]]),
                    cmd: exists,
                }
            })
            .collect();
        let mut present = Vec::new();
        for (group, reply) in groups.iter().zip(self.send(&commands)?.values) {
            match reply {
                Value::Int(0) => {}
                Value::Int(_) => present.extend(group.iter().map(|&j| indexes[j])),
                other => return Err(self.unexpected(format!("EXISTS: {other:?}"))),
            }
        }
        Ok(present)
    }

    /// Classifies a value read from `key`; `None` when the key is gone.
    fn entry(&self, key: &[u8], held: Held, options: &ScanOptions) -> Option<Entry> {
        let location = lossy(key);
        match held {
            Held::Missing => None,
            Held::NotAString(t) => Some(Entry::Problem(EntryProblem {
                location,
                kind: ProblemKind::NotARoom,
                reason: not_a_string(&t),
                room_name: None,
                shape: Some(EntryShape::RedisType(t)),
            })),
            Held::Value { bytes, .. } if bytes.len() as u64 > self.max_room => {
                Some(Entry::Problem(EntryProblem {
                    location,
                    kind: ProblemKind::Invalid,
                    reason: crate::limit::over_limit(bytes.len() as u64, self.max_room, false),
                    room_name: None,
                    shape: None,
                }))
            }
            Held::Value { bytes, ttl_ms } => {
                Some(match Entry::classify_as(location, bytes, ttl_ms, options) {
                    Entry::Room(room) if room.name().as_bytes() != &key[self.prefix.len()..] => {
                        let reason = format!(
                            "holds room {:?}, whose key would be {}",
                            room.name(),
                            lossy(&self.key(room.name()))
                        );
                        Entry::Problem(EntryProblem {
                            location: room.location,
                            kind: ProblemKind::Misnamed,
                            reason,
                            room_name: Some(room.facts.name),
                            shape: None,
                        })
                    }
                    entry => entry,
                })
            }
        }
    }

    /// Judges what keys hold; parsing is the work, so every core shares it.
    fn judge(&self, fetched: Fetched, options: &ScanOptions) -> Vec<Entry> {
        fetched
            .keys
            .par_iter()
            .zip(fetched.held)
            .filter_map(|(key, held)| self.entry(key, held, options))
            .collect()
    }

    /// One `SCAN` page on `node`: the next cursor (0 when done), the keys,
    /// and the session that answered.
    fn scan_page(&self, node: &str, cursor: u64, pattern: &[u8]) -> Result<ScanPage, StoreError> {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(KEYS_PER_ROUND_TRIP);
        let Replies {
            mut values,
            mut sessions,
            ..
        } = self.send(&[Routed {
            target: Target::Node(node),
            cmd,
        }])?;
        let reply = values.pop();
        let session = sessions.pop().flatten();
        if let Some(Value::ServerError(e)) = &reply {
            return Err(StoreError::Redis {
                endpoint: node.to_string(),
                message: format!("SCAN: {e}"),
            });
        }
        let parsed = match reply {
            Some(Value::Array(mut parts)) if parts.len() == 2 => {
                let keys = parts.pop();
                let next = parts.pop();
                match (next, keys) {
                    (Some(Value::BulkString(n)), Some(Value::Array(keys))) => {
                        let next = std::str::from_utf8(&n).ok().and_then(|n| n.parse().ok());
                        let keys: Option<Vec<Vec<u8>>> = keys
                            .into_iter()
                            .map(|k| match k {
                                Value::BulkString(k) => Some(k),
                                _ => None,
                            })
                            .collect();
                        next.zip(keys)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let (cursor, keys) = parsed.ok_or_else(|| StoreError::Redis {
            endpoint: node.to_string(),
            message: "unexpected reply to SCAN".into(),
        })?;
        Ok(ScanPage {
            cursor,
            keys,
            session,
        })
    }

    fn put_command<'k>(&self, key: &'k [u8], value: &[u8], put: &Put<'_>) -> Routed<'k> {
        let [overwrite, swap, _, replace_invalid] = &*SCRIPTS;
        let cmd = match put.condition {
            Condition::Absent => {
                // Sized for its arguments: no growing copies of the value.
                let mut cmd = Cmd::with_capacity(6, key.len() + value.len() + 16);
                cmd.arg("SET").arg(key).arg(value).arg("NX");
                if let Some(ms) = put.ttl_ms {
                    cmd.arg("PX").arg(ttl_arg(Some(ms)));
                }
                cmd
            }
            Condition::Overwrite => overwrite
                .invoke(key)
                .arg(put.doc.name())
                .arg(value)
                .arg(ttl_arg(put.ttl_ms))
                .clone(),
            Condition::Unchanged(expected) => swap
                .invoke(key)
                .arg(expected)
                .arg(value)
                .arg(ttl_arg(put.ttl_ms))
                .clone(),
            Condition::ReplaceInvalid(expected) => replace_invalid
                .invoke(key)
                .arg(put.doc.name())
                .arg(expected)
                .arg(value)
                .arg(ttl_arg(put.ttl_ms))
                .clone(),
        };
        Routed {
            target: Target::Key(key),
            cmd,
        }
    }

    fn delete_command<'k>(&self, key: &'k [u8], d: &Delete<'_>) -> Routed<'k> {
        let flag = |b: bool| if b { "1" } else { "0" };
        let [_, _, delete, _] = &*SCRIPTS;
        let cmd = delete
            .invoke(key)
            .arg(d.name)
            .arg(flag(d.allow_invalid))
            .arg(flag(d.expected.is_some()))
            .arg(d.expected.unwrap_or_default())
            .clone();
        Routed {
            target: Target::Key(key),
            cmd,
        }
    }

    /// Reads a script's reply: `{code}` or `{code, detail}`.
    fn script_reply(&self, key: &[u8], reply: Value) -> Result<ScriptReply, StoreError> {
        let parts = match reply {
            Value::Array(parts) => parts,
            Value::ServerError(e) => {
                return Err(self.unexpected(format!("{}: {e}", lossy(key))));
            }
            other => return Err(self.unexpected(format!("unexpected reply {other:?}"))),
        };
        let mut text = parts.into_iter().map(|p| match p {
            Value::BulkString(b) => lossy(&b),
            Value::SimpleString(s) => s,
            other => format!("{other:?}"),
        });
        let code = text.next().unwrap_or_default();
        let detail = text.next().unwrap_or_default();
        let blocked =
            |reason: String| Ok(ScriptReply::Blocked(format!("{}: {reason}", lossy(key))));
        match code.as_str() {
            "written" | "deleted" => Ok(ScriptReply::Done),
            "changed" => Ok(ScriptReply::Changed),
            "missing" => Ok(ScriptReply::Missing),
            "wrongtype" => blocked(not_a_string(&detail)),
            "invalid" | "notroom" => blocked(detail),
            "misnamed" => blocked(format!("holds another room, {detail:?}")),
            _ => Err(self.unexpected(format!("unexpected script reply {code:?}"))),
        }
    }
}

fn type_command(key: &[u8]) -> Routed<'_> {
    Routed {
        target: Target::Key(key),
        cmd: redis::cmd("TYPE").arg(key).clone(),
    }
}

impl Store for RedisStore {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn kind(&self) -> StoreKind {
        StoreKind::Redis
    }

    fn identity(&self) -> Result<StoreIdentity, StoreError> {
        let mut identity = RedisIdentity {
            mode: RedisMode::Cluster,
            run_ids: Default::default(),
            node_ids: Default::default(),
            db: 0,
            prefix: self.prefix.clone(),
        };
        match &self.link {
            Link::Single(node) => {
                let on_node = |cmd| Routed {
                    target: Target::Node(&node.endpoint),
                    cmd,
                };
                let replies = self
                    .send(&[
                        on_node(info_server()),
                        on_node(redis::cmd("CLUSTER").arg("MYID").clone()),
                    ])?
                    .values;
                let info = replies.first().and_then(reply_text);
                let node_id = replies.get(1).and_then(reply_text);
                let info = info.as_deref().unwrap_or_default();
                identity.mode = match info_field(info, "redis_mode") {
                    Some("cluster") => RedisMode::ClusterNode,
                    Some(_) => RedisMode::Standalone,
                    None if node_id.is_some() => RedisMode::ClusterNode,
                    None => RedisMode::Unknown,
                };
                identity
                    .run_ids
                    .extend(info_field(info, "run_id").map(str::to_string));
                identity
                    .node_ids
                    .extend(node_id.map(|id| id.trim().to_string()));
                identity.db = node.db();
            }
            Link::Cluster(cluster) => {
                // Every primary's run_id, and every node id the first one
                // knows: any seed of the same cluster lists the same nodes.
                let primaries = cluster.primaries();
                let mut commands: Vec<Routed<'_>> = primaries
                    .iter()
                    .map(|endpoint| Routed {
                        target: Target::Node(endpoint),
                        cmd: info_server(),
                    })
                    .collect();
                if let Some(first) = primaries.first() {
                    commands.push(Routed {
                        target: Target::Node(first),
                        cmd: redis::cmd("CLUSTER").arg("NODES").clone(),
                    });
                }
                let mut replies = self.send(&commands)?.values;
                let nodes = if primaries.is_empty() {
                    None
                } else {
                    replies.pop().as_ref().and_then(reply_text)
                };
                for info in replies.iter().filter_map(reply_text) {
                    identity
                        .run_ids
                        .extend(info_field(&info, "run_id").map(str::to_string));
                }
                identity
                    .node_ids
                    .extend(nodes.iter().flat_map(|n| cluster_node_ids(n)));
            }
        }
        Ok(StoreIdentity::Redis(identity))
    }

    fn scan(&self, options: ScanOptions) -> Result<Scan<'_>, StoreError> {
        // SCAN may return a key twice when the server resizes its table
        // meanwhile; deduplicating would need memory for every key seen.
        let map_at_start = match &self.link {
            Link::Cluster(cluster) => Some(cluster.map()),
            Link::Single(_) => None,
        };
        Ok(Box::new(KeyScan {
            store: self,
            pattern: match_pattern(&self.prefix),
            nodes: self.link.scan_nodes(),
            node: 0,
            cursor: 0,
            session: None,
            options,
            failed: false,
            map_at_start,
            ahead: None,
        }))
    }

    fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError> {
        let keys: Vec<Vec<u8>> = names.iter().map(|n| self.key(n)).collect();
        let held = self.read_keys(&keys, false)?;
        Ok(keys
            .iter()
            .zip(held)
            .map(
                |(key, held)| match self.entry(key, held, &ScanOptions::default()) {
                    None => Lookup::Missing,
                    Some(Entry::Room(room)) => Lookup::Found(room),
                    Some(Entry::Problem(p)) => Lookup::Problem(p),
                },
            )
            .collect())
    }

    fn read_raw_batch(&self, names: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let keys: Vec<Vec<u8>> = names.iter().map(|n| self.key(n)).collect();
        Ok(self
            .read_keys(&keys, false)?
            .into_iter()
            .map(|held| match held {
                Held::Value { bytes, .. } => Some(bytes),
                _ => None,
            })
            .collect())
    }

    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(puts.len());
        for batch in puts.chunks(KEYS_PER_ROUND_TRIP) {
            let keys: Vec<Vec<u8>> = batch.iter().map(|p| self.key(p.doc.name())).collect();
            let values: Vec<Cow<'_, [u8]>> = batch
                .iter()
                .map(|p| match p.doc.compact_bytes() {
                    Some(bytes) => Cow::Borrowed(bytes),
                    None => Cow::Owned(p.doc.to_compact()),
                })
                .collect();
            let mut decided: Vec<Option<PutOutcome>> = vec![None; batch.len()];
            // Writes over exactly the bytes roomctl holds: one transaction.
            let holding: Vec<(usize, &[u8])> = (0..batch.len())
                .filter_map(|i| match batch[i].condition {
                    Condition::Unchanged(held) => Some((i, held)),
                    _ => None,
                })
                .collect();
            let guarded_keys: Vec<&[u8]> =
                holding.iter().map(|&(i, _)| keys[i].as_slice()).collect();
            let held: Vec<&[u8]> = holding.iter().map(|&(_, h)| h).collect();
            let sets: Vec<Cmd> = holding
                .iter()
                .map(|&(i, _)| set_command(&keys[i], &values[i], batch[i].ttl_ms))
                .collect();
            if let Some(found) = self.guarded(&guarded_keys, &held, &sets) {
                for (&(i, _), found) in holding.iter().zip(found) {
                    decided[i] = match (found, batch[i].condition) {
                        (Guarded::Done(Value::Okay), _) => Some(PutOutcome::Written),
                        (Guarded::Differs, Condition::Unchanged(_)) => Some(PutOutcome::Changed),
                        // What is there now is judged by the script.
                        _ => None,
                    };
                }
            }
            let rest: Vec<usize> = (0..batch.len()).filter(|&i| decided[i].is_none()).collect();
            let commands: Vec<Routed<'_>> = rest
                .iter()
                .map(|&i| self.put_command(&keys[i], &values[i], &batch[i]))
                .collect();
            let Replies {
                values: replies,
                resent,
                ..
            } = self.send(&commands)?;
            let mut refused = Vec::new();
            let mut recheck = Vec::new();
            for (j, reply) in replies.into_iter().enumerate() {
                let i = rest[j];
                let key = &keys[i];
                let outcome = match (batch[i].condition, reply) {
                    (Condition::Absent, Value::Okay) => PutOutcome::Written,
                    (Condition::Absent, Value::Nil) => {
                        refused.push(i);
                        PutOutcome::Exists
                    }
                    (Condition::Absent, Value::ServerError(e)) => {
                        return Err(self.unexpected(format!("{}: {e}", lossy(key))));
                    }
                    (Condition::Absent, other) => {
                        return Err(self.unexpected(format!("unexpected reply {other:?}")));
                    }
                    (_, reply) => match self.script_reply(key, reply)? {
                        ScriptReply::Done => PutOutcome::Written,
                        ScriptReply::Changed | ScriptReply::Missing => PutOutcome::Changed,
                        ScriptReply::Blocked(reason) => PutOutcome::Blocked(reason),
                    },
                };
                // A create or a swap sent again after its connection broke
                // may have run the first time: then it finds its own write.
                if resent[j] && matches!(outcome, PutOutcome::Exists | PutOutcome::Changed) {
                    recheck.push(i);
                }
                decided[i] = Some(outcome);
            }
            if !recheck.is_empty() {
                let gets: Vec<Routed<'_>> = recheck
                    .iter()
                    .map(|&i| Routed {
                        target: Target::Key(&keys[i]),
                        cmd: redis::cmd("GET").arg(&keys[i]).clone(),
                    })
                    .collect();
                for (i, reply) in recheck.into_iter().zip(self.send(&gets)?.values) {
                    if matches!(&reply, Value::BulkString(b) if *b == *values[i]) {
                        decided[i] = Some(PutOutcome::Written);
                        refused.retain(|&r| r != i);
                    }
                }
            }
            // SET NX cannot say whether what is there is a room; for the
            // message, tell a set or a hash apart from an existing room.
            let types: Vec<Routed<'_>> = refused.iter().map(|&i| type_command(&keys[i])).collect();
            for (i, reply) in refused.into_iter().zip(self.send(&types)?.values) {
                if let Some(t) = type_name(&reply).filter(|t| !matches!(*t, "string" | "none")) {
                    let reason = format!("{}: {}", lossy(&keys[i]), not_a_string(t));
                    decided[i] = Some(PutOutcome::Blocked(reason));
                }
            }
            outcomes.extend(
                decided
                    .into_iter()
                    .map(|d| d.unwrap_or(PutOutcome::Changed)),
            );
        }
        Ok(outcomes)
    }

    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        // A delete sent again after its connection broke may have run the
        // first time; it then finds nothing and says Missing. The room is
        // gone either way, which is what was asked.
        let mut outcomes = Vec::with_capacity(deletes.len());
        for batch in deletes.chunks(KEYS_PER_ROUND_TRIP) {
            let keys: Vec<Vec<u8>> = batch.iter().map(|d| self.key(d.name)).collect();
            let mut decided: Vec<Option<DeleteOutcome>> = vec![None; batch.len()];
            // Deletes of exactly the bytes judged: one transaction.
            let expecting: Vec<usize> = (0..batch.len())
                .filter(|&i| batch[i].expected.is_some())
                .collect();
            let guarded_keys: Vec<&[u8]> = expecting.iter().map(|&i| keys[i].as_slice()).collect();
            let held: Vec<&[u8]> = expecting
                .iter()
                .map(|&i| batch[i].expected.unwrap_or_default())
                .collect();
            let dels: Vec<Cmd> = guarded_keys
                .iter()
                .map(|k| redis::cmd("DEL").arg(*k).clone())
                .collect();
            if let Some(found) = self.guarded(&guarded_keys, &held, &dels) {
                for (&i, found) in expecting.iter().zip(found) {
                    decided[i] = match found {
                        Guarded::Done(Value::Int(1)) => Some(DeleteOutcome::Deleted),
                        Guarded::Differs => Some(DeleteOutcome::Changed),
                        _ => None,
                    };
                }
            }
            // The others (and what the transaction could not say): scripts.
            let rest: Vec<usize> = (0..batch.len()).filter(|&i| decided[i].is_none()).collect();
            let commands: Vec<Routed<'_>> = rest
                .iter()
                .map(|&i| self.delete_command(&keys[i], &batch[i]))
                .collect();
            for (&i, reply) in rest.iter().zip(self.send(&commands)?.values) {
                decided[i] = Some(match self.script_reply(&keys[i], reply)? {
                    ScriptReply::Done => DeleteOutcome::Deleted,
                    ScriptReply::Changed => DeleteOutcome::Changed,
                    ScriptReply::Missing => DeleteOutcome::Missing,
                    ScriptReply::Blocked(reason) => DeleteOutcome::Blocked(reason),
                });
            }
            outcomes.extend(
                decided
                    .into_iter()
                    .map(|d| d.unwrap_or(DeleteOutcome::Missing)),
            );
        }
        Ok(outcomes)
    }

    fn maintenance(&self) -> Option<&dyn Maintenance> {
        Some(self)
    }

    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        if !valid_lock_name(name) {
            return Err(StoreError::Config(format!("invalid lock name {name:?}")));
        }
        let key = lock_key(name, &self.prefix);
        let token = lock_token();
        let mut set = redis::cmd("SET");
        set.arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(LOCK_TTL_MS);
        match self.single_key(key.as_bytes(), set)? {
            Value::Okay => Ok(Box::new(RedisLock {
                store: self,
                key,
                token,
            })),
            _ => {
                let holder =
                    match self.single_key(key.as_bytes(), redis::cmd("GET").arg(&key).clone())? {
                        Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
                        _ => "another roomctl (just released)".into(),
                    };
                if dead_local_holder(&holder) {
                    let mut takeover = redis::cmd("EVAL");
                    takeover
                        .arg(LOCK_TAKEOVER)
                        .arg(1)
                        .arg(&key)
                        .arg(&holder)
                        .arg(&token)
                        .arg(LOCK_TTL_MS);
                    if self.single_key(key.as_bytes(), takeover)? == Value::Int(1) {
                        (self.report)(&format!(
                            "took over {key} (its holder, {holder}, no longer runs)"
                        ));
                        return Ok(Box::new(RedisLock {
                            store: self,
                            key,
                            token,
                        }));
                    }
                }
                Err(StoreError::Locked {
                    lock: format!("{} on {}", key, self.description),
                    holder,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests;
