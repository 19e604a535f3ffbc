//! The memory backend: a process-local map, the reference implementation of
//! the [`Store`] contract, which every other backend is tested against.
//! Rooms are kept as compact JSON, the way the Redis backend stores them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::{
    Condition, Delete, DeleteOutcome, Entry, LockGuard, Lookup, ProblemKind, Put, PutOutcome, Scan,
    ScanOptions, Store, StoreError, StoreIdentity, StoreKind, valid_lock_name,
};

/// Entries per scan batch.
const SCAN_BATCH: usize = 1000;

pub struct MemoryStore {
    rooms: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Names of the advisory locks held (kept apart from the rooms).
    locks: Mutex<BTreeSet<String>>,
    /// Unique in the process: every `memory:` is a store of its own.
    id: u64,
}

/// Numbers the memory stores of this process.
static MEMORY_STORES: AtomicU64 = AtomicU64::new(1);

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            rooms: Mutex::default(),
            locks: Mutex::default(),
            id: MEMORY_STORES.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// A memory store lock: an entry in the store's lock set until dropped.
struct MemoryLock<'a> {
    store: &'a MemoryStore,
    name: String,
}

impl LockGuard for MemoryLock<'_> {
    fn refresh(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl Drop for MemoryLock<'_> {
    fn drop(&mut self) {
        self.store.held_locks().remove(&self.name);
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores raw bytes under a name, valid or not (for tests of bad entries).
    pub fn insert_raw(&self, name: &str, bytes: Vec<u8>) {
        self.rooms().insert(name.to_string(), bytes);
    }

    fn held_locks(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.locks.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rooms(&self) -> MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A panic while holding the lock cannot leave a half-written room:
        // every mutation is a single map operation.
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn location(name: &str) -> String {
    format!("memory:{name}")
}

impl Store for MemoryStore {
    fn describe(&self) -> String {
        "memory:".into()
    }

    fn kind(&self) -> StoreKind {
        StoreKind::Memory
    }

    fn identity(&self) -> Result<StoreIdentity, StoreError> {
        Ok(StoreIdentity::Memory(self.id))
    }

    fn scan(&self, options: ScanOptions) -> Result<Scan<'_>, StoreError> {
        let snapshot: Vec<(String, Vec<u8>)> = self
            .rooms()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut batches = Vec::new();
        let mut iter = snapshot.into_iter().peekable();
        while iter.peek().is_some() {
            let batch: Vec<Entry> = iter
                .by_ref()
                .take(SCAN_BATCH)
                .map(|(name, bytes)| Entry::classify_as(location(&name), bytes, None, &options))
                .collect();
            batches.push(Ok(batch));
        }
        Ok(Box::new(batches.into_iter()))
    }

    fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError> {
        let rooms = self.rooms();
        Ok(names
            .iter()
            .map(|name| match rooms.get(*name) {
                None => Lookup::Missing,
                Some(bytes) => match Entry::classify(location(name), bytes.clone(), None) {
                    Entry::Room(r) => Lookup::Found(r),
                    Entry::Problem(p) => Lookup::Problem(p),
                },
            })
            .collect())
    }

    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        let mut rooms = self.rooms();
        Ok(puts
            .iter()
            .map(|put| {
                let name = put.doc.name();
                let current = rooms.get(name);
                let allowed = match (put.condition, current) {
                    (Condition::Absent, None) => Ok(()),
                    (Condition::Absent, Some(_)) => Err(PutOutcome::Exists),
                    (Condition::Unchanged(want), Some(have)) if want == have.as_slice() => Ok(()),
                    (Condition::Unchanged(_), _) => Err(PutOutcome::Changed),
                    (Condition::ReplaceInvalid(want), Some(have)) if want == have.as_slice() => {
                        match Entry::classify(String::new(), have.clone(), None) {
                            Entry::Problem(p) if p.kind == ProblemKind::Invalid => Ok(()),
                            Entry::Problem(p) => Err(PutOutcome::Blocked(p.reason)),
                            Entry::Room(_) => Err(PutOutcome::Changed),
                        }
                    }
                    (Condition::ReplaceInvalid(_), _) => Err(PutOutcome::Changed),
                    (Condition::Overwrite, None) => Ok(()),
                    (Condition::Overwrite, Some(have)) => {
                        match Entry::classify(String::new(), have.clone(), None) {
                            Entry::Room(_) => Ok(()),
                            Entry::Problem(p) => Err(PutOutcome::Blocked(p.reason)),
                        }
                    }
                };
                match allowed {
                    Ok(()) => {
                        rooms.insert(name.to_string(), put.doc.to_compact());
                        PutOutcome::Written
                    }
                    Err(outcome) => outcome,
                }
            })
            .collect())
    }

    fn size_hint(&self) -> Option<u64> {
        Some(self.rooms().len() as u64)
    }

    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        let mut rooms = self.rooms();
        Ok(deletes
            .iter()
            .map(|d| match rooms.get(d.name) {
                None => DeleteOutcome::Missing,
                Some(have) => {
                    if d.expected.is_some_and(|want| want != have.as_slice()) {
                        return DeleteOutcome::Changed;
                    }
                    if let Entry::Problem(p) = Entry::classify(String::new(), have.clone(), None)
                        && !(d.allow_invalid && p.kind == ProblemKind::Invalid)
                    {
                        return DeleteOutcome::Blocked(p.reason);
                    }
                    rooms.remove(d.name);
                    DeleteOutcome::Deleted
                }
            })
            .collect())
    }

    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        if !valid_lock_name(name) {
            return Err(StoreError::Config(format!("invalid lock name {name:?}")));
        }
        if !self.held_locks().insert(name.to_string()) {
            return Err(StoreError::Locked {
                lock: format!("lock {name:?} of memory:"),
                holder: "another run in this process".into(),
            });
        }
        Ok(Box::new(MemoryLock {
            store: self,
            name: name.to_string(),
        }))
    }
}
