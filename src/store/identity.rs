//! Which rooms a store handle reaches, as the store itself says once it is
//! open: the answer to "are these two names the same store?".
//!
//! Names cannot answer it. `redis://127.0.0.1:6379`, `redis://LOCALHOST`,
//! `/00`, a unix socket, a host name and its address, or another seed node
//! of a cluster all reach the same rooms; so do a symlink, a bind mount and
//! `../x/rooms` for a directory. Copying a store onto itself finds every
//! room "identical", and `--delete-source` would then delete them all. So
//! each backend reports facts only the store can give ([`Store::identity`]):
//!
//! - a directory: its device and inode numbers;
//! - a Redis server: its `run_id` (`INFO server`, new at every start), its
//!   mode, the database the connection selected and the key prefix; in
//!   cluster mode also its node id (`CLUSTER MYID`);
//! - a Redis Cluster: the id of every node (`CLUSTER NODES`) and the
//!   primaries' `run_id`s;
//! - memory: each store is its own.
//!
//! An ACL user may be denied `INFO` and `CLUSTER`: then a Redis store may
//! not be told apart from another, and [`Relation::Unknown`] says why.
//!
//! [`Store::identity`]: super::Store::identity

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What a store says about which rooms it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreIdentity {
    /// An in-process store: a number unique to each one opened.
    Memory(u64),
    /// A room directory by `(st_dev, st_ino)`, symlinks followed; `None`
    /// while the directory does not exist (a target created by the first
    /// write), which holds no rooms to share.
    Directory(Option<(u64, u64)>),
    Redis(RedisIdentity),
}

/// How a Redis store answered the questions about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisIdentity {
    /// How the server runs, as far as it said.
    pub mode: RedisMode,
    /// The `run_id` of each server process reached: the server, or the
    /// primaries of a cluster. Empty when `INFO` is not allowed.
    pub run_ids: BTreeSet<String>,
    /// Cluster node ids: every node a cluster knows (`CLUSTER NODES`), or a
    /// single cluster-mode server's own (`CLUSTER MYID`). Empty when not
    /// in cluster mode or not allowed.
    pub node_ids: BTreeSet<String>,
    /// The database the connections select (always 0 on a cluster).
    pub db: i64,
    pub prefix: String,
}

/// How a Redis store runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    /// A server known not to be a cluster node.
    Standalone,
    /// A server named as one server that runs in cluster mode.
    ClusterNode,
    /// A store named as a Redis Cluster.
    Cluster,
    /// A single server that would not say (`INFO` not allowed).
    Unknown,
}

/// What two identities say about two stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    /// They reach (some of) the same rooms; says how it is known.
    Same(String),
    /// They cannot share a room.
    Distinct,
    /// The stores would not say enough to tell; says what is missing.
    Unknown(String),
}

impl StoreIdentity {
    /// Whether `self` and `other` reach the same rooms.
    pub fn relation(&self, other: &StoreIdentity) -> Relation {
        match (self, other) {
            (StoreIdentity::Memory(a), StoreIdentity::Memory(b)) if a == b => {
                Relation::Same("the same in-process store".into())
            }
            (StoreIdentity::Directory(Some(a)), StoreIdentity::Directory(Some(b))) if a == b => {
                Relation::Same(format!(
                    "the same directory (device {}, inode {})",
                    a.0, a.1
                ))
            }
            (StoreIdentity::Redis(a), StoreIdentity::Redis(b)) => a.relation(b),
            _ => Relation::Distinct,
        }
    }
}

impl RedisIdentity {
    fn relation(&self, other: &RedisIdentity) -> Relation {
        // Keys are `prefix + name`: prefixes where neither begins the other
        // never share a key, wherever they live.
        if !(self.prefix.starts_with(&other.prefix) || other.prefix.starts_with(&self.prefix)) {
            return Relation::Distinct;
        }
        let server = match self.same_server(other) {
            Ok(Some(why)) => why,
            Ok(None) => return Relation::Distinct,
            Err(why) => return Relation::Unknown(why),
        };
        if self.db != other.db {
            return Relation::Distinct;
        }
        let mut why = format!("{server}, database {}", self.db);
        if self.prefix == other.prefix {
            let _ = write!(why, ", key prefix {}", self.prefix);
        } else {
            let _ = write!(
                why,
                ", and the key prefixes {} and {} overlap",
                self.prefix, other.prefix
            );
        }
        Relation::Same(why)
    }

    /// `Ok(Some(why))` when both reach one server process (or one cluster),
    /// `Ok(None)` when they cannot, `Err(why)` when that cannot be told.
    fn same_server(&self, other: &RedisIdentity) -> Result<Option<String>, String> {
        if let Some(id) = self.run_ids.intersection(&other.run_ids).next() {
            return Ok(Some(format!("the same server (run_id {id})")));
        }
        if let Some(id) = self.node_ids.intersection(&other.node_ids).next() {
            return Ok(Some(format!("the same cluster (node {id})")));
        }
        use RedisMode::*;
        match (self.mode, other.mode) {
            // A server out of cluster mode belongs to no cluster.
            (Standalone, ClusterNode | Cluster) | (ClusterNode | Cluster, Standalone) => Ok(None),
            _ if self.known() && other.known() => Ok(None),
            _ => Err(
                "a Redis server would not tell which one it is (is the user denied INFO and \
                 CLUSTER?)"
                    .into(),
            ),
        }
    }

    /// Whether the ids gathered name this store's servers well enough that
    /// sharing none of them with another store proves it distinct.
    fn known(&self) -> bool {
        match self.mode {
            RedisMode::Standalone => !self.run_ids.is_empty(),
            RedisMode::ClusterNode | RedisMode::Cluster => !self.node_ids.is_empty(),
            RedisMode::Unknown => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redis(mode: RedisMode, run_ids: &[&str], node_ids: &[&str], db: i64) -> StoreIdentity {
        StoreIdentity::Redis(RedisIdentity {
            mode,
            run_ids: run_ids.iter().map(|s| s.to_string()).collect(),
            node_ids: node_ids.iter().map(|s| s.to_string()).collect(),
            db,
            prefix: "room:".into(),
        })
    }

    fn with_prefix(id: StoreIdentity, prefix: &str) -> StoreIdentity {
        match id {
            StoreIdentity::Redis(mut r) => {
                r.prefix = prefix.into();
                StoreIdentity::Redis(r)
            }
            other => other,
        }
    }

    fn same(r: Relation) -> bool {
        matches!(r, Relation::Same(_))
    }

    #[test]
    fn redis_servers_are_told_apart_by_run_id_database_and_prefix() {
        use RedisMode::*;
        let a = redis(Standalone, &["r1"], &[], 0);
        assert!(same(a.relation(&redis(Standalone, &["r1"], &[], 0))));
        assert_eq!(
            a.relation(&redis(Standalone, &["r1"], &[], 1)),
            Relation::Distinct
        );
        assert_eq!(
            a.relation(&redis(Standalone, &["r2"], &[], 0)),
            Relation::Distinct
        );
        assert!(same(a.relation(&with_prefix(
            redis(Standalone, &["r1"], &[], 0),
            "room:old:"
        ))));
        assert_eq!(
            a.relation(&with_prefix(redis(Standalone, &["r1"], &[], 0), "mm:")),
            Relation::Distinct
        );
        // INFO denied on one side: unknown, unless the prefixes settle it.
        let denied = redis(Unknown, &[], &[], 0);
        assert!(matches!(a.relation(&denied), Relation::Unknown(_)));
        assert!(matches!(denied.relation(&denied), Relation::Unknown(_)));
        assert_eq!(
            with_prefix(denied.clone(), "mm:").relation(&a),
            Relation::Distinct
        );
    }

    #[test]
    fn clusters_are_the_same_when_they_share_a_node() {
        use RedisMode::*;
        let c = redis(Cluster, &["p1", "p2"], &["n1", "n2", "n3"], 0);
        assert!(same(c.relation(&redis(
            Cluster,
            &[],
            &["n3", "n2", "n1"],
            0
        ))));
        assert_eq!(
            c.relation(&redis(Cluster, &[], &["m1", "m2"], 0)),
            Relation::Distinct
        );
        // One of its nodes named as a single server.
        assert!(same(c.relation(&redis(ClusterNode, &["p2"], &[], 0))));
        assert!(same(c.relation(&redis(ClusterNode, &[], &["n2"], 0))));
        assert_eq!(
            c.relation(&redis(ClusterNode, &["x"], &["m1"], 0)),
            Relation::Distinct
        );
        assert_eq!(
            c.relation(&redis(Standalone, &["x"], &[], 0)),
            Relation::Distinct
        );
        assert!(matches!(
            c.relation(&redis(Unknown, &[], &[], 0)),
            Relation::Unknown(_)
        ));
        assert!(matches!(
            c.relation(&redis(Cluster, &[], &[], 0)),
            Relation::Unknown(_)
        ));
    }

    #[test]
    fn directories_and_memory_stores() {
        let dir = StoreIdentity::Directory(Some((1, 2)));
        assert!(same(dir.relation(&StoreIdentity::Directory(Some((1, 2))))));
        assert_eq!(
            dir.relation(&StoreIdentity::Directory(Some((1, 3)))),
            Relation::Distinct
        );
        assert_eq!(
            StoreIdentity::Directory(None).relation(&StoreIdentity::Directory(None)),
            Relation::Distinct
        );
        assert!(same(
            StoreIdentity::Memory(1).relation(&StoreIdentity::Memory(1))
        ));
        assert_eq!(
            StoreIdentity::Memory(1).relation(&StoreIdentity::Memory(2)),
            Relation::Distinct
        );
        assert_eq!(dir.relation(&StoreIdentity::Memory(1)), Relation::Distinct);
    }
}
