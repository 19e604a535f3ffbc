//! The streaming scan of a Redis store: one `SCAN` page and its values per
//! batch, node after node.

use super::*;

/// One page of a `SCAN`.
pub(super) struct ScanPage {
    /// The cursor of the next page; 0 when the node has no more.
    pub(super) cursor: u64,
    pub(super) keys: Vec<Vec<u8>>,
    /// Who answered: a cursor is only valid on the server process that
    /// gave it.
    pub(super) session: Option<node::Session>,
}

/// The streaming scan: one `SCAN` page and its values per batch, node after
/// node (the primaries of a cluster, by the lowest slot each serves).
pub(super) struct KeyScan<'a> {
    pub(super) store: &'a RedisStore,
    pub(super) pattern: Vec<u8>,
    pub(super) nodes: Vec<String>,
    pub(super) node: usize,
    pub(super) cursor: u64,
    /// Who gave `cursor`: the next page must come from the same server
    /// process.
    pub(super) session: Option<node::Session>,
    pub(super) options: ScanOptions,
    pub(super) failed: bool,
    /// A cluster's slot map when the scan began.
    pub(super) map_at_start: Option<Arc<cluster::SlotMap>>,
    /// The page read while the one before was judged.
    pub(super) ahead: Option<Result<Fetched, StoreError>>,
}

/// A page's keys and what they hold, not yet judged.
pub(super) struct Fetched {
    pub(super) keys: Vec<Vec<u8>>,
    pub(super) held: Vec<Held>,
}

impl Iterator for KeyScan<'_> {
    type Item = Result<Vec<Entry>, StoreError>;

    /// The next page is read while this one is judged.
    fn next(&mut self) -> Option<Self::Item> {
        let fetched = match self.ahead.take().or_else(|| self.fetch())? {
            Ok(fetched) => fetched,
            Err(e) => return Some(Err(e)),
        };
        let (store, options) = (self.store, self.options);
        let (entries, ahead) = std::thread::scope(|s| {
            let judged = s.spawn(move || store.judge(fetched, &options));
            let ahead = self.fetch();
            (judged.join(), ahead)
        });
        self.ahead = ahead;
        match entries {
            Ok(entries) => Some(Ok(entries)),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl KeyScan<'_> {
    /// Reads the next page that has matching keys, and their values.
    fn fetch(&mut self) -> Option<Result<Fetched, StoreError>> {
        while !self.failed && self.node < self.nodes.len() {
            let page = self
                .store
                .scan_page(&self.nodes[self.node], self.cursor, &self.pattern);
            let ScanPage {
                cursor,
                keys,
                session,
            } = match page.and_then(|page| self.same_server(page)) {
                Ok(page) => page,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            };
            self.cursor = cursor;
            self.session = session;
            if cursor == 0 {
                self.node += 1;
                if self.node == self.nodes.len() {
                    self.check_topology();
                }
            }
            // A page may hold no matching keys at all: ask for the next one.
            if keys.is_empty() {
                continue;
            }
            let held = self.store.read_keys(&keys, self.options.with_ttl);
            self.failed = held.is_err();
            return Some(held.map(|held| Fetched { keys, held }));
        }
        None
    }

    /// Lets a page through only if the server process that gave the cursor
    /// it continues also answered it. After a restart (a connection lost
    /// and made again, to a server with another `run_id`), the old cursor
    /// would walk the new server's table from a meaningless place: keys
    /// would be missed and repeated without any error. Such a scan cannot
    /// be resumed; the command must run again.
    fn same_server(&self, page: ScanPage) -> Result<ScanPage, StoreError> {
        let (Some(before), Some(now)) = (&self.session, &page.session) else {
            return Ok(page);
        };
        if self.cursor == 0 || before.same_server(now) {
            return Ok(page);
        }
        let why = match (&before.run_id, &now.run_id) {
            (Some(_), Some(_)) => "the server restarted during the scan (its run_id changed)",
            _ => {
                "the connection was lost during the scan, and without the right to run INFO \
                 roomctl cannot tell whether the server restarted"
            }
        };
        Err(StoreError::Unavailable {
            endpoint: self.nodes[self.node].clone(),
            message: format!(
                "{why}, so the scan cannot continue where it was without missing rooms; \
                 run the command again"
            ),
        })
    }

    /// Says so when a cluster moved slots while it was scanned: a key that
    /// moved from a primary not yet scanned to one already scanned was
    /// missed (or, the other way round, seen twice).
    fn check_topology(&self) {
        let (Some(before), Link::Cluster(cluster)) = (&self.map_at_start, &self.store.link) else {
            return;
        };
        if cluster.refresh().is_ok() && *cluster.map() != **before {
            (self.store.report)(
                "the cluster moved hash slots during the scan: a room that moved meanwhile \
                 may be missing or listed twice; run the command again for an exact result",
            );
        }
    }
}
