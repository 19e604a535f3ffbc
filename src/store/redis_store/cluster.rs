//! Redis Cluster topology: which primary serves which of the 16,384 hash
//! slots, learnt with `CLUSTER SLOTS` from any node that answers, and one
//! [`Node`] (one connection) per primary.
//!
//! roomctl routes its commands itself rather than through the redis crate's
//! `ClusterConnection`: that connection sends a pipeline's commands one
//! node at a time and has no way to `SCAN` every primary, while a batch of
//! rooms here becomes one pipeline per primary, sent side by side. Redirects
//! (`MOVED`, `ASK`) and retries are handled by the caller (`link.rs`); this
//! module only knows where keys live and how to learn that again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use redis::Value;

use super::node::{Dialer, Node, NodeCommand};
use crate::store::StoreError;

/// Hash slots in a Redis Cluster.
pub const SLOTS: usize = 16384;

/// The hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag —
/// the part between the first `{` and the next `}` when not empty — modulo
/// 16,384, as the cluster computes it.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16(hashed) % SLOTS as u16
}

const CRC16_TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ CRC16_TABLE[usize::from((crc >> 8) as u8 ^ b)]
    })
}

/// Which primary serves each slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SlotMap {
    /// For each slot, an index into `primaries`; `NONE` when no node
    /// serves it.
    owners: Vec<u16>,
    /// `host:port` of each primary, by the lowest slot it serves.
    primaries: Vec<String>,
}

const NONE: u16 = u16::MAX;

impl SlotMap {
    /// Reads a `CLUSTER SLOTS` reply; `asked` is the `host:port` of the node
    /// that sent it, whose host stands in for an empty address.
    fn parse(reply: &Value, asked: &str) -> Option<SlotMap> {
        let asked_host = asked.rsplit_once(':').map_or(asked, |(h, _)| h);
        let Value::Array(ranges) = reply else {
            return None;
        };
        let mut found: Vec<(u16, u16, String)> = Vec::new();
        for range in ranges {
            let Value::Array(parts) = range else {
                return None;
            };
            let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(primary))) =
                (parts.first(), parts.get(1), parts.get(2))
            else {
                return None;
            };
            let host = match primary.first() {
                Some(Value::BulkString(h)) => String::from_utf8_lossy(h).into_owned(),
                Some(Value::SimpleString(h)) => h.clone(),
                _ => return None,
            };
            let host = if host.is_empty() || host == "?" {
                asked_host.to_string()
            } else {
                host
            };
            let Some(Value::Int(port)) = primary.get(1) else {
                return None;
            };
            let (start, end, port) = (
                u16::try_from(*start).ok()?,
                u16::try_from(*end).ok()?,
                u16::try_from(*port).ok()?,
            );
            if start > end || usize::from(end) >= SLOTS {
                return None;
            }
            found.push((start, end, endpoint(&host, port)));
        }
        found.sort();
        let mut primaries: Vec<String> = Vec::new();
        let mut owners = vec![NONE; SLOTS];
        for (start, end, node) in found {
            let index = match primaries.iter().position(|p| *p == node) {
                Some(i) => i,
                None => {
                    primaries.push(node);
                    primaries.len() - 1
                }
            };
            let index = u16::try_from(index).ok()?;
            owners[usize::from(start)..=usize::from(end)].fill(index);
        }
        Some(SlotMap { owners, primaries })
    }

    fn owner(&self, slot: u16) -> Option<&str> {
        let index = *self.owners.get(usize::from(slot))?;
        self.primaries.get(usize::from(index)).map(String::as_str)
    }

    /// Records that `slot` moved to `node` (a `MOVED` reply).
    fn moved(&mut self, slot: u16, node: &str) {
        let index = match self.primaries.iter().position(|p| p == node) {
            Some(i) => i,
            None => {
                self.primaries.push(node.to_string());
                self.primaries.len() - 1
            }
        };
        if let (Some(owner), Ok(index)) =
            (self.owners.get_mut(usize::from(slot)), u16::try_from(index))
        {
            *owner = index;
        }
    }

    /// The primaries that serve at least one slot, by their lowest slot.
    fn serving(&self) -> Vec<String> {
        let mut seen = vec![false; self.primaries.len()];
        let mut out = Vec::new();
        for &owner in &self.owners {
            if let Some(s) = seen.get_mut(usize::from(owner))
                && !*s
            {
                *s = true;
                out.push(self.primaries[usize::from(owner)].clone());
            }
        }
        out
    }
}

/// `host:port`, with IPv6 hosts in brackets.
fn endpoint(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A Redis Cluster: the slot map and one node per primary.
pub(super) struct Cluster {
    dialer: Dialer,
    nodes: Mutex<HashMap<String, Arc<Node>>>,
    map: RwLock<Arc<SlotMap>>,
    /// The nodes the store was named by, tried when no primary answers.
    seeds: Vec<Arc<Node>>,
}

impl Cluster {
    /// Learns the topology from the first seed that answers.
    pub(super) fn open(dialer: Dialer) -> Result<Cluster, StoreError> {
        let mut seeds = Vec::with_capacity(dialer.seed_count());
        for i in 0..dialer.seed_count() {
            seeds.push(Arc::new(dialer.seed(i)?));
        }
        let mut failures = Vec::new();
        let mut map = None;
        for seed in &seeds {
            // Connecting first gives the clear reasons (refused, password)
            // without waiting for retries: a wrong address fails fast.
            match seed.check().and_then(|()| slot_map(seed)) {
                Ok(m) => {
                    map = Some(m);
                    break;
                }
                Err(e @ StoreError::Config(_)) => return Err(e),
                Err(e) => failures.push(e),
            }
        }
        let Some(map) = map else {
            return Err(match failures.len() {
                1 => failures.remove(0),
                _ => StoreError::Unavailable {
                    endpoint: seeds
                        .iter()
                        .map(|s| s.endpoint.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    message: format!(
                        "no seed node answered: {}",
                        failures
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                },
            });
        };
        let nodes = seeds
            .iter()
            .map(|s| (s.endpoint.clone(), Arc::clone(s)))
            .collect();
        Ok(Cluster {
            dialer,
            nodes: Mutex::new(nodes),
            map: RwLock::new(Arc::new(map)),
            seeds,
        })
    }

    fn nodes(&self) -> MutexGuard<'_, HashMap<String, Arc<Node>>> {
        // The map only ever gains complete entries: a panic elsewhere
        // cannot have left it half-changed.
        self.nodes.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn map(&self) -> Arc<SlotMap> {
        Arc::clone(&self.map.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn set_map(&self, map: SlotMap) {
        *self.map.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(map);
    }

    /// The node at `endpoint` (`host:port`), connected on first use.
    pub(super) fn node(&self, endpoint: &str) -> Result<Arc<Node>, StoreError> {
        if let Some(node) = self.nodes().get(endpoint) {
            return Ok(Arc::clone(node));
        }
        let (host, port) = endpoint
            .rsplit_once(':')
            .and_then(|(h, p)| {
                Some((
                    h.trim_start_matches('[').trim_end_matches(']'),
                    p.parse().ok()?,
                ))
            })
            .ok_or_else(|| StoreError::Redis {
                endpoint: endpoint.to_string(),
                message: "the cluster announced an address that is not host:port".into(),
            })?;
        let node = Arc::new(self.dialer.node_at(host, port)?);
        Ok(Arc::clone(
            self.nodes().entry(endpoint.to_string()).or_insert(node),
        ))
    }

    /// The primary that serves `slot`, as far as the map knows.
    pub(super) fn owner(&self, slot: u16) -> Option<String> {
        self.map().owner(slot).map(str::to_string)
    }

    /// Records a `MOVED` reply until the next refresh confirms it.
    pub(super) fn moved(&self, slot: u16, endpoint: &str) {
        let mut map = (*self.map()).clone();
        map.moved(slot, endpoint);
        self.set_map(map);
    }

    /// The primaries, by the lowest slot each serves.
    pub(super) fn primaries(&self) -> Vec<String> {
        self.map().serving()
    }

    /// Learns the slot map again, from a primary or else a seed.
    pub(super) fn refresh(&self) -> Result<(), StoreError> {
        let mut candidates: Vec<Arc<Node>> = Vec::new();
        for endpoint in self.primaries() {
            if let Ok(node) = self.node(&endpoint) {
                candidates.push(node);
            }
        }
        candidates.extend(self.seeds.iter().cloned());
        let mut last = None;
        for node in candidates {
            match slot_map(&node) {
                Ok(map) => {
                    self.set_map(map);
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| StoreError::Unavailable {
            endpoint: String::new(),
            message: "no node of the cluster is known".into(),
        }))
    }
}

/// Asks `node` for the slot map.
fn slot_map(node: &Node) -> Result<SlotMap, StoreError> {
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("SLOTS");
    let reply = node
        .pipeline(
            &[NodeCommand {
                cmd: &cmd,
                asking: false,
            }],
            true,
        )
        .map_err(|e| e.error)?
        .pop()
        .map(|(reply, _)| reply);
    match reply {
        Some(Value::ServerError(e)) if e.details().is_some_and(|d| d.contains("cluster support disabled")) => {
            Err(StoreError::Config(format!(
                "{} is a single Redis server, not a cluster node; name it redis://{}",
                node.endpoint, node.endpoint
            )))
        }
        Some(Value::ServerError(e)) => Err(node.redis(format!("CLUSTER SLOTS: {e}"))),
        Some(reply) => match SlotMap::parse(&reply, &node.endpoint) {
            Some(map) if !map.primaries.is_empty() => Ok(map),
            Some(_) => Err(StoreError::Unavailable {
                endpoint: node.endpoint.clone(),
                message: "the cluster has no slots assigned yet; is it set up (redis-cli --cluster create)?".into(),
            }),
            None => Err(node.redis("unexpected reply to CLUSTER SLOTS".into())),
        },
        None => Err(node.redis("no reply to CLUSTER SLOTS".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_the_clusters() {
        // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"somekey"), 11058);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_ne!(key_slot(b"foo{}{bar}"), key_slot(b"bar"));
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
        // The redis crate's own computation agrees.
        for i in 0..2000 {
            let key = format!("room:r{i}\u{1f3ac}{{tag{}}}", i % 7);
            let mine = redis::cluster_routing::Slot::new(key_slot(key.as_bytes()));
            assert_eq!(
                mine,
                Some(redis::cluster_routing::Slot::for_key(key.as_bytes())),
                "{key}"
            );
        }
    }

    fn range(start: i64, end: i64, host: &str, port: i64) -> Value {
        Value::Array(vec![
            Value::Int(start),
            Value::Int(end),
            Value::Array(vec![
                Value::BulkString(host.as_bytes().to_vec()),
                Value::Int(port),
                Value::BulkString(b"id".to_vec()),
            ]),
        ])
    }

    #[test]
    fn a_slot_map_is_read_and_patched() {
        let reply = Value::Array(vec![
            range(10923, 16383, "10.0.0.3", 7003),
            range(0, 5460, "", 7001),
            range(5461, 10922, "10.0.0.2", 7002),
        ]);
        let mut map = SlotMap::parse(&reply, "seed:7001").expect("parsed");
        assert_eq!(map.owner(0), Some("seed:7001"));
        assert_eq!(map.owner(5461), Some("10.0.0.2:7002"));
        assert_eq!(map.owner(16383), Some("10.0.0.3:7003"));
        assert_eq!(
            map.serving(),
            vec!["seed:7001", "10.0.0.2:7002", "10.0.0.3:7003"]
        );
        map.moved(0, "10.0.0.3:7003");
        assert_eq!(map.owner(0), Some("10.0.0.3:7003"));
        assert_eq!(map.owner(1), Some("seed:7001"));
        let partial =
            SlotMap::parse(&Value::Array(vec![range(0, 99, "h", 1)]), "x:1").expect("parsed");
        assert_eq!(partial.owner(100), None);
        assert!(SlotMap::parse(&Value::Array(vec![range(0, 16384, "h", 1)]), "x:1").is_none());
        assert!(SlotMap::parse(&Value::Int(3), "x:1").is_none());
        assert_eq!(endpoint("::1", 7000), "[::1]:7000");
    }
}
