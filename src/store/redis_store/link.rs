//! Sending commands to a single server or to a cluster: routing each
//! command to the node that holds its key, following `MOVED` and `ASK`
//! during a resharding, and sending again, after a pause, what could not be
//! answered for now (see `retry.rs`).
//!
//! Whatever the store, one batch of commands becomes at most one pipeline
//! per node per round; the pipelines of a round go out side by side.

use std::sync::Arc;
use std::thread;
use std::time::Instant;

use redis::{Cmd, ServerErrorKind, Value};

use super::cluster::{Cluster, key_slot};
use super::node::{Node, NodeCommand, SendError, Session};
use super::retry::{self, ATTEMPTS};
use crate::store::StoreError;

/// Redirects one command may follow before roomctl gives up on a cluster
/// that keeps moving its slots.
const MAX_REDIRECTS: u32 = 16;

/// Where a command goes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    /// To whichever node holds this key (every key of the command shares its
    /// hash slot).
    Key(&'a [u8]),
    /// To this node (`SCAN` on one primary).
    Node(&'a str),
}

/// A command and where it goes.
pub(super) struct Routed<'a> {
    pub(super) target: Target<'a>,
    pub(super) cmd: Cmd,
}

/// The replies to a batch, one per command, in order.
pub(super) struct Replies {
    pub(super) values: Vec<Value>,
    /// The command was sent again after a connection failed under it, so it
    /// may have run twice (`SET NX` then answers "exists" to its own write).
    pub(super) resent: Vec<bool>,
    /// The connection and server process that gave each reply.
    pub(super) sessions: Vec<Option<Session>>,
}

/// The nodes of a store.
pub(super) enum Link {
    Single(Arc<Node>),
    Cluster(Box<Cluster>),
}

/// A command still to send, and the node an `ASK` sent it to.
struct Pending {
    index: usize,
    ask: Option<String>,
}

impl Link {
    /// Groups the keys of a batch for `MGET`: all of them on a single
    /// server; one key per group on a cluster. (Keys that share a slot
    /// could share an `MGET`, but while that slot is being migrated such an
    /// `MGET` fails with `TRYAGAIN` until the migration ends, where a
    /// one-key read simply follows `ASK`. Room names rarely share a slot
    /// anyway, and every node's reads still go in one pipeline.)
    pub(super) fn mget_groups(&self, keys: &[Vec<u8>]) -> Vec<Vec<usize>> {
        match self {
            Link::Single(_) => vec![(0..keys.len()).collect()],
            Link::Cluster(_) => (0..keys.len()).map(|i| vec![i]).collect(),
        }
    }

    /// The nodes a `SCAN` must visit: the server, or every primary by the
    /// lowest slot it serves.
    pub(super) fn scan_nodes(&self) -> Vec<String> {
        match self {
            Link::Single(node) => vec![node.endpoint.clone()],
            Link::Cluster(cluster) => cluster.primaries(),
        }
    }

    /// Sends `commands`, each to its node, one pipeline per node per round;
    /// follows redirects and retries transient failures, telling `report`
    /// about each retry. Fails on the first permanent failure, or when a
    /// transient one outlasts the retries.
    pub(super) fn send(
        &self,
        commands: &[Routed<'_>],
        report: &(dyn Fn(&str) + Sync),
    ) -> Result<Replies, StoreError> {
        let mut values: Vec<Option<Value>> = vec![None; commands.len()];
        let mut sessions: Vec<Option<Session>> = vec![None; commands.len()];
        let mut resent = vec![false; commands.len()];
        let mut pending: Vec<Pending> = (0..commands.len())
            .map(|index| Pending { index, ask: None })
            .collect();
        let started = Instant::now();
        let mut failures = 0;
        let mut redirects = 0;
        while !pending.is_empty() {
            let mut round = Round::default();
            let mut groups: Vec<(Arc<Node>, Vec<Pending>)> = Vec::new();
            for p in pending {
                let node = match &p.ask {
                    Some(endpoint) => Some(self.node(endpoint)?),
                    None => self.route(commands[p.index].target)?,
                };
                let Some(node) = node else {
                    // No primary serves the slot: the map is stale, or the
                    // cluster is being fixed.
                    round.trouble(StoreError::Unavailable {
                        endpoint: self.describe(),
                        message:
                            "a hash slot has no primary (is the cluster ok? redis-cli cluster info)"
                                .into(),
                    });
                    round.refresh = true;
                    round.next.push(p);
                    continue;
                };
                match groups.iter_mut().find(|(n, _)| Arc::ptr_eq(n, &node)) {
                    Some((_, group)) => group.push(p),
                    None => groups.push((node, vec![p])),
                }
            }
            let results = send_groups(&groups, commands);
            for ((node, group), result) in groups.into_iter().zip(results) {
                match result {
                    Ok(replies) => {
                        for (p, (reply, session)) in group.into_iter().zip(replies) {
                            sessions[p.index] = Some(session);
                            self.judge(&node, p, reply, &mut values, &mut round)?;
                        }
                    }
                    Err(SendError {
                        error,
                        transient: true,
                        may_have_run,
                    }) => {
                        for p in group {
                            resent[p.index] |= may_have_run;
                            round.next.push(Pending {
                                index: p.index,
                                ask: None,
                            });
                        }
                        round.trouble(error);
                        // A node that is gone may have been replaced.
                        round.refresh = true;
                    }
                    Err(e) => return Err(e.error),
                }
            }
            if let Some(trouble) = round.trouble {
                failures += 1;
                if failures >= ATTEMPTS {
                    return Err(self.give_up(trouble, failures, started));
                }
                let wait = retry::delay(failures);
                report(&format!(
                    "{trouble}; retrying in {} (attempt {} of {ATTEMPTS})",
                    retry::brief(wait),
                    failures + 1
                ));
                thread::sleep(wait);
            } else if !round.next.is_empty() {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(StoreError::Redis {
                        endpoint: self.describe(),
                        message: format!(
                            "still redirected (MOVED/ASK) after {MAX_REDIRECTS} tries; is a resharding stuck? Check redis-cli --cluster check"
                        ),
                    });
                }
            }
            if round.refresh
                && let Link::Cluster(cluster) = self
            {
                // When no node answers, the next round says so.
                let _ = cluster.refresh();
            }
            pending = round.next;
        }
        Ok(Replies {
            values: values
                .into_iter()
                .map(|v| v.unwrap_or(Value::Nil))
                .collect(),
            resent,
            sessions,
        })
    }

    /// Takes one reply: keeps it, or schedules the command again.
    fn judge(
        &self,
        node: &Node,
        p: Pending,
        reply: Value,
        values: &mut [Option<Value>],
        round: &mut Round,
    ) -> Result<(), StoreError> {
        let Value::ServerError(e) = &reply else {
            values[p.index] = Some(reply);
            return Ok(());
        };
        match e.kind() {
            Some(kind @ (ServerErrorKind::Moved | ServerErrorKind::Ask)) => {
                let Link::Cluster(cluster) = self else {
                    return Err(node.redis(format!(
                        "answered {}: it is a Redis Cluster node; name the store redis+cluster://{}",
                        e.code(),
                        node.endpoint
                    )));
                };
                let (slot, to) = e
                    .details()
                    .and_then(|d| d.split_once(' '))
                    .and_then(|(s, to)| Some((s.parse::<u16>().ok()?, to.to_string())))
                    .ok_or_else(|| node.redis(format!("unreadable redirect: {e}")))?;
                if kind == ServerErrorKind::Moved {
                    cluster.moved(slot, &to);
                    round.refresh = true;
                    round.next.push(Pending {
                        index: p.index,
                        ask: None,
                    });
                } else {
                    round.next.push(Pending {
                        index: p.index,
                        ask: Some(to),
                    });
                }
            }
            Some(ServerErrorKind::CrossSlot) if matches!(self, Link::Single(_)) => {
                return Err(node.redis(format!(
                    "answered CROSSSLOT: it is a Redis Cluster node; name the store redis+cluster://{}",
                    node.endpoint
                )));
            }
            Some(kind) if retry::is_transient_kind(kind) || kind == ServerErrorKind::ReadOnly => {
                // ReadOnly: the node was a primary and is now a replica.
                round.refresh |= kind != ServerErrorKind::BusyLoading;
                round.next.push(Pending {
                    index: p.index,
                    ask: None,
                });
                round.trouble(node.redis(e.to_string()));
            }
            _ => values[p.index] = Some(reply),
        }
        Ok(())
    }

    fn route(&self, target: Target<'_>) -> Result<Option<Arc<Node>>, StoreError> {
        match (self, target) {
            (Link::Single(node), _) => Ok(Some(Arc::clone(node))),
            (Link::Cluster(cluster), Target::Key(key)) => match cluster.owner(key_slot(key)) {
                Some(endpoint) => cluster.node(&endpoint).map(Some),
                None => Ok(None),
            },
            (Link::Cluster(cluster), Target::Node(endpoint)) => cluster.node(endpoint).map(Some),
        }
    }

    fn node(&self, endpoint: &str) -> Result<Arc<Node>, StoreError> {
        match self {
            Link::Single(_) => Err(StoreError::Redis {
                endpoint: endpoint.to_string(),
                message: "a single server sent a cluster redirect".into(),
            }),
            Link::Cluster(cluster) => cluster.node(endpoint),
        }
    }

    fn describe(&self) -> String {
        match self {
            Link::Single(node) => node.endpoint.clone(),
            Link::Cluster(cluster) => cluster.primaries().join(","),
        }
    }

    /// The one line a failure that outlasted the retries ends with: which
    /// node, what happened, what to check.
    fn give_up(&self, trouble: StoreError, attempts: u32, started: Instant) -> StoreError {
        let (endpoint, message) = match trouble {
            StoreError::Unavailable { endpoint, message }
            | StoreError::Redis { endpoint, message } => (endpoint, message),
            other => return other,
        };
        let check = match self {
            Link::Single(_) => "is the server up and reachable?".to_string(),
            Link::Cluster(_) => match endpoint.rsplit_once(':') {
                Some((host, port)) if !endpoint.contains(',') => {
                    format!(
                        "is that node up, and the cluster ok (redis-cli -h {host} -p {port} cluster info)?"
                    )
                }
                _ => "is the cluster ok (redis-cli cluster info)?".to_string(),
            },
        };
        StoreError::Unavailable {
            endpoint,
            message: format!(
                "{message}; gave up after {attempts} attempts in {}; {check} \
                 Then run the command again: what was done is kept",
                retry::brief(started.elapsed())
            ),
        }
    }
}

/// What one round of sending left to do.
#[derive(Default)]
struct Round {
    next: Vec<Pending>,
    /// The last transient failure of the round.
    trouble: Option<StoreError>,
    /// The cluster's slot map should be learnt again.
    refresh: bool,
}

impl Round {
    fn trouble(&mut self, error: StoreError) {
        self.trouble = Some(error);
    }
}

/// Sends each node its pipeline, side by side when there are several.
fn send_groups(
    groups: &[(Arc<Node>, Vec<Pending>)],
    commands: &[Routed<'_>],
) -> Vec<Result<Vec<(Value, Session)>, SendError>> {
    let send = |node: &Node, group: &[Pending]| {
        let batch: Vec<NodeCommand<'_>> = group
            .iter()
            .map(|p| NodeCommand {
                cmd: &commands[p.index].cmd,
                asking: p.ask.is_some(),
            })
            .collect();
        // SCAN pages go on one connection (see `Node::lane`).
        let sticky = group
            .iter()
            .any(|p| matches!(commands[p.index].target, Target::Node(_)));
        node.pipeline(&batch, sticky)
    };
    if groups.len() <= 1 {
        return groups.iter().map(|(n, g)| send(n, g)).collect();
    }
    thread::scope(|scope| {
        let handles: Vec<_> = groups
            .iter()
            .map(|(node, group)| scope.spawn(move || send(node, group)))
            .collect();
        handles
            .into_iter()
            .zip(groups)
            .map(|(h, (node, _))| {
                h.join().unwrap_or_else(|_| {
                    Err(SendError {
                        error: node.redis("the thread sending to this node panicked".into()),
                        transient: false,
                        may_have_run: true,
                    })
                })
            })
            .collect()
    })
}
