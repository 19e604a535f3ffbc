//! The storage layer: one [`Store`] trait, one implementation per backend
//! (memory, file, Redis — a single server or a cluster), and [`open`] to
//! pick one from a store URI.
//!
//! The trait holds a small set of batch primitives whose contracts every
//! backend must keep (the conformance suite in `contract.rs` checks them);
//! conveniences built on top (`get`, `put`, `collect`) live outside the trait
//! so that no backend can get them subtly wrong.
//!
//! Contract, for every backend:
//! - A room is addressed by its `roomName`. The stored document is returned
//!   exactly as stored ([`StoredRoom::bytes`]); writes take a
//!   [`RoomDocument`] and store it in the backend's own layout.
//! - No reader ever observes a partially written room.
//! - An entry that is not a room (corrupt file, a Redis set under the prefix,
//!   a file holding another name) is reported, never returned as a room,
//!   and never overwritten or deleted.
//! - Conditional writes and deletes ([`Condition`], [`Delete::expected`])
//!   lose no concurrent write by the server: when the stored bytes are not
//!   the expected ones, nothing happens and the outcome says so.
//! - Advisory locks ([`Store::lock`]) keep two roomctl runs of the same kind
//!   off one store; they live outside the rooms and are never entries.

#[doc(hidden)]
pub mod contract;
pub mod file;
pub mod identity;
pub mod maintenance;
pub mod memory;
pub mod redis_store;
pub mod uri;

use std::fmt;

use crate::room::{DocumentError, RoomDocument, RoomFacts};

pub use identity::{Relation, StoreIdentity};
use maintenance::Maintenance;
pub use uri::{StoreConfig, StoreSpec};

/// A failure of the store as a whole (as opposed to one bad entry).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no space left on device; free some space and run again")]
    DiskFull { path: String },
    #[error("{endpoint}: {message}")]
    Redis { endpoint: String, message: String },
    #[error("{endpoint}: {message}")]
    Unavailable { endpoint: String, message: String },
    #[error("invalid store: {0}")]
    Config(String),
    /// A file store's directory does not exist (and was not to be created).
    #[error("{path}: no such directory")]
    NoSuchDirectory { path: String },
    /// An advisory lock ([`Store::lock`]) is held by another run.
    #[error("{lock} is held by {holder}")]
    Locked { lock: String, holder: String },
    #[error("{0}")]
    Unsupported(String),
    /// Going on would harm something outside the rooms (a lock file that is
    /// a hard link to another file); nothing was done.
    #[error("{0}")]
    Refused(String),
    /// A failure of the store met on one room of a batch (a full disk, a
    /// directory roomctl may not write) that stops the run: every other
    /// room would fail the same way. See [`RoomFailure::store_wide`].
    #[error("{0}")]
    Stopped(String),
}

impl StoreError {
    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        if source.raw_os_error() == Some(28) {
            return StoreError::DiskFull {
                path: path.to_string(),
            };
        }
        StoreError::Io {
            path: path.to_string(),
            source,
        }
    }
}

/// Why one room's write or delete did not happen, while the other rooms of
/// its batch went on: a batch reports this per room rather than failing as
/// a whole, so that what the others did is never lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomFailure {
    /// One line naming the file or key and what went wrong.
    pub message: String,
    /// The cause is the store's, not the room's (a full disk, a directory
    /// roomctl may not write, a read-only file system): every other room
    /// would fail the same way, so the caller stops once it has counted the
    /// batch ([`RoomFailure::stop`]).
    pub store_wide: bool,
}

impl RoomFailure {
    /// A room's failure from the error met on it.
    pub fn of(err: &StoreError) -> RoomFailure {
        let store_wide = match err {
            StoreError::DiskFull { .. } | StoreError::Stopped(_) => true,
            StoreError::Io { source, .. } => matches!(
                source.raw_os_error(),
                Some(
                    libc::EACCES
                        | libc::EROFS
                        | libc::ENOSPC
                        | libc::EDQUOT
                        | libc::EFBIG
                        | libc::EIO
                )
            ),
            _ => true,
        };
        RoomFailure {
            message: err.to_string(),
            store_wide,
        }
    }

    /// The error that stops a run at a store-wide failure.
    pub fn stop(&self) -> StoreError {
        StoreError::Stopped(self.message.clone())
    }
}

/// A room read from a store: its facts and its stored bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRoom {
    /// Facts derived from the document; `facts.name` is the room's name.
    pub facts: RoomFacts,
    /// The document exactly as stored (pretty for files, compact for Redis).
    pub bytes: Vec<u8>,
    /// Where it lives: a file path or a Redis key, for messages.
    pub location: String,
    /// Remaining time to live in milliseconds (Redis keys with a TTL, when
    /// asked for with [`ScanOptions::with_ttl`]).
    pub ttl_ms: Option<i64>,
    /// `bytes` are known to be compact and spelled as serde_json writes
    /// them (the fast reader said so); `false` when that is not known.
    pub canonical_compact: bool,
}

impl StoredRoom {
    pub fn name(&self) -> &str {
        &self.facts.name
    }

    /// The full lossless document.
    pub fn document(&self) -> Result<RoomDocument, DocumentError> {
        RoomDocument::from_slice(&self.bytes)
    }
}

/// What kind of problem an entry that is not a usable room has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Unparsable, empty, not UTF-8, or missing required fields.
    Invalid,
    /// Under the prefix but not a room (a Redis set, a JSON array…).
    NotARoom,
    /// Could not be read (permissions, I/O error).
    Unreadable,
    /// A symlink, a directory or another non-regular file.
    NotAFile,
    /// A file whose name is not the safe name of the room inside it.
    Misnamed,
}

impl ProblemKind {
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Invalid => "invalid",
            ProblemKind::NotARoom => "not a room",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::NotAFile => "not a regular file",
            ProblemKind::Misnamed => "misnamed",
        }
    }
}

/// An entry of the store that is not a usable room.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryProblem {
    /// File path or Redis key.
    pub location: String,
    pub kind: ProblemKind,
    pub reason: String,
    /// The `roomName` inside, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
    /// What the entry is, when the backend can tell more than `kind`.
    #[serde(skip)]
    pub shape: Option<EntryShape>,
}

/// What an entry that is not a room is, when its backend can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryShape {
    Symlink,
    Directory,
    /// A device, a socket, a FIFO.
    SpecialFile,
    /// A Redis key of another type than string (`set`, `zset`, …).
    RedisType(String),
}

impl EntryProblem {
    pub fn from_document_error(location: String, err: &DocumentError) -> Self {
        let kind = match err {
            DocumentError::NotAnObject => ProblemKind::NotARoom,
            _ => ProblemKind::Invalid,
        };
        EntryProblem {
            location,
            kind,
            reason: err.to_string(),
            room_name: None,
            shape: None,
        }
    }
}

/// One entry met while scanning a store.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Room(StoredRoom),
    Problem(EntryProblem),
}

impl Entry {
    /// Classifies stored bytes found at `location`.
    pub fn classify(location: String, bytes: Vec<u8>, ttl_ms: Option<i64>) -> Entry {
        Self::classify_as(location, bytes, ttl_ms, &ScanOptions::default())
    }

    /// [`Entry::classify`] for a scan with these options.
    pub fn classify_as(
        location: String,
        bytes: Vec<u8>,
        ttl_ms: Option<i64>,
        options: &ScanOptions,
    ) -> Entry {
        match RoomFacts::read(&bytes, !options.skip_users) {
            Ok((facts, canonical_compact)) => Entry::Room(StoredRoom {
                facts,
                bytes,
                location,
                ttl_ms,
                canonical_compact,
            }),
            Err(e) => {
                let mut problem = EntryProblem::from_document_error(location, &e);
                if matches!(e, DocumentError::Invalid(_)) {
                    // A room document missing a key: say which room it is.
                    problem.room_name = room_name_of(&bytes);
                }
                Entry::Problem(problem)
            }
        }
    }
}

/// The string `roomName` of a JSON object, when it has one.
fn room_name_of(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct NameOnly {
        #[serde(rename = "roomName")]
        room_name: Option<String>,
    }
    serde_json::from_slice::<NameOnly>(bytes)
        .ok()
        .and_then(|n| n.room_name)
}

/// The result of looking a room up by name.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Found(StoredRoom),
    /// No room of that name (a file holding another name counts as missing).
    Missing,
    /// Something is there but it is not a readable room of that name.
    Problem(EntryProblem),
}

/// When a write may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition<'a> {
    /// Only when nothing is stored under the name (create).
    Absent,
    /// Only when the stored bytes are exactly these (compare-and-swap).
    Unchanged(&'a [u8]),
    /// Replace whatever room is there (but never a non-room entry).
    Overwrite,
    /// Replace an *invalid* stored document (corrupt JSON, missing fields)
    /// whose stored bytes are exactly these (compare-and-swap): restoring a
    /// damaged room. Never replaces a valid room, an entry that is not a
    /// room at all (a Redis set, a JSON array, a directory) or a file that
    /// holds another room; a store holding other bytes says
    /// [`PutOutcome::Changed`].
    ReplaceInvalid(&'a [u8]),
}

/// One room to write.
#[derive(Debug, Clone, Copy)]
pub struct Put<'a> {
    pub doc: &'a RoomDocument,
    pub condition: Condition<'a>,
    /// Time to live in milliseconds (Redis only; ignored elsewhere).
    pub ttl_ms: Option<i64>,
}

/// What happened to one [`Put`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    Written,
    /// [`Condition::Absent`] failed: a room of that name exists.
    Exists,
    /// [`Condition::Unchanged`] or [`Condition::ReplaceInvalid`] failed: the
    /// stored bytes differ (or are gone).
    Changed,
    /// The place is held by something that is not this room (a file holding
    /// another room name, a non-string Redis key); nothing was written.
    Blocked(String),
    /// The write failed for this room (its file could not be written); the
    /// room is as it was.
    Failed(RoomFailure),
}

/// One room to delete.
#[derive(Debug, Clone, Copy)]
pub struct Delete<'a> {
    pub name: &'a str,
    /// Delete only when the stored bytes are exactly these: bytes the caller
    /// read under the name and judged a room of that name, so that a
    /// backend finding them unchanged compares them and judges nothing
    /// again.
    pub expected: Option<&'a [u8]>,
    /// Also delete an *invalid* entry stored under this name (corrupt JSON,
    /// missing fields). Entries that are not rooms at all are never deleted.
    pub allow_invalid: bool,
}

impl<'a> Delete<'a> {
    pub fn named(name: &'a str) -> Self {
        Delete {
            name,
            expected: None,
            allow_invalid: false,
        }
    }
}

/// What happened to one [`Delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    Missing,
    /// The stored bytes were not the expected ones; nothing was deleted.
    Changed,
    /// The place is held by something that is not this room; untouched.
    Blocked(String),
    /// The delete failed for this room (its file could not be moved); the
    /// room is still there.
    Failed(RoomFailure),
}

/// Options of a scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Also read each entry's TTL (Redis; costs one more command per key).
    pub with_ttl: bool,
    /// Leave each room's `facts.users` empty: for the commands that do not
    /// list users, which then read rooms faster.
    pub skip_users: bool,
}

/// A running scan: batches of entries, in no particular order.
pub type Scan<'a> = Box<dyn Iterator<Item = Result<Vec<Entry>, StoreError>> + Send + 'a>;

/// Which backend a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Memory,
    File,
    Redis,
}

/// A held advisory lock (see [`Store::lock`]); released when dropped.
pub trait LockGuard: Send {
    /// Confirms that this guard still holds the lock and extends its lease
    /// where the lock has one (Redis). An error means the lock was lost (for
    /// instance it expired and another run took it): the work it protects
    /// must stop.
    fn refresh(&self) -> Result<(), StoreError>;
}

/// Lock names are short and safe in a file name and a Redis key.
pub fn valid_lock_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A room store. See the module docs for the contract.
pub trait Store: Send + Sync {
    /// The store's URI with secrets redacted.
    fn describe(&self) -> String;

    fn kind(&self) -> StoreKind;

    /// Which rooms this handle reaches, as the store itself says (see
    /// [`identity`]): two handles whose identities are
    /// [`Relation::Same`] share rooms however they were named.
    ///
    /// Contract: asks, never writes. A store that would not say enough
    /// (an ACL user denied `INFO`) answers with what it knows; the
    /// comparison then says [`Relation::Unknown`], never `Distinct`.
    fn identity(&self) -> Result<StoreIdentity, StoreError>;

    /// Streams every entry in batches with bounded memory.
    fn scan(&self, options: ScanOptions) -> Result<Scan<'_>, StoreError>;

    /// Looks rooms up by name; one result per name, in order.
    fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError>;

    /// The stored bytes of each named room, unjudged: `None` where
    /// [`get_batch`](Self::get_batch) would not find the room. For callers
    /// that compare bytes with what they wrote and need no parse; a backend
    /// may return bytes there that `get_batch` would judge not a room, so
    /// only equality with a known room proves anything.
    fn read_raw_batch(&self, names: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        Ok(self
            .get_batch(names)?
            .into_iter()
            .map(|lookup| match lookup {
                Lookup::Found(room) => Some(room.bytes),
                _ => None,
            })
            .collect())
    }

    /// Writes rooms; one outcome per put, in order. Each put is atomic. A
    /// failure of one room is its outcome ([`PutOutcome::Failed`]), never an
    /// error of the batch: what the others did is reported. An error means
    /// the outcome of no room is known (the store could not be reached).
    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError>;

    /// Deletes rooms; one outcome per delete, in order. As for
    /// [`Store::put_batch`], a failure of one room is its outcome
    /// ([`DeleteOutcome::Failed`]).
    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError>;

    /// Inspection and repair of what the store holds besides its rooms
    /// (temporary files, entries a scan cannot judge alone), for backends
    /// that have any; `None` for the others.
    fn maintenance(&self) -> Option<&dyn Maintenance> {
        None
    }

    /// About how many entries a scan will yield, when that is cheap to learn
    /// (for progress bars); `None` when it is not.
    fn size_hint(&self) -> Option<u64> {
        None
    }
    /// Takes the advisory lock `name` (see [`valid_lock_name`]) on this
    /// store without waiting, held until the guard is dropped.
    ///
    /// Contract: while a guard is alive, every other `lock` of the same name
    /// on the same store — through this handle, another handle, or another
    /// process — fails with [`StoreError::Locked`], whose `holder` says who
    /// holds it when known. Different names do not exclude each other. A
    /// holder that dies without dropping the guard does not keep the lock
    /// forever (the kernel drops a file lock with its process; a Redis lock
    /// is a lease that expires unless [`LockGuard::refresh`]ed). The lock is
    /// kept outside the rooms: it is never a room nor a problem entry in a
    /// scan, and it never blocks the server. Locks only exclude roomctl runs
    /// that take them; they do not stop the server from writing.
    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError>;
}

/// Looks one room up.
pub fn get(store: &dyn Store, name: &str) -> Result<Lookup, StoreError> {
    Ok(store.get_batch(&[name])?.pop().unwrap_or(Lookup::Missing))
}

/// Writes one room.
pub fn put(store: &dyn Store, put: Put<'_>) -> Result<PutOutcome, StoreError> {
    Ok(store
        .put_batch(&[put])?
        .pop()
        .unwrap_or(PutOutcome::Changed))
}

/// Deletes one room.
pub fn delete(store: &dyn Store, delete: Delete<'_>) -> Result<DeleteOutcome, StoreError> {
    Ok(store
        .delete_batch(&[delete])?
        .pop()
        .unwrap_or(DeleteOutcome::Missing))
}

/// Whether a room of that name exists.
pub fn exists(store: &dyn Store, name: &str) -> Result<bool, StoreError> {
    Ok(matches!(get(store, name)?, Lookup::Found(_)))
}

/// Every entry of the store, in memory (tests and small stores only).
pub fn collect(store: &dyn Store) -> Result<(Vec<StoredRoom>, Vec<EntryProblem>), StoreError> {
    let mut rooms = Vec::new();
    let mut problems = Vec::new();
    for batch in store.scan(ScanOptions::default())? {
        for entry in batch? {
            match entry {
                Entry::Room(r) => rooms.push(r),
                Entry::Problem(p) => problems.push(p),
            }
        }
    }
    rooms.sort_by(|a, b| a.facts.name.cmp(&b.facts.name));
    problems.sort_by(|a, b| a.location.cmp(&b.location));
    Ok((rooms, problems))
}

/// How to open a store, beyond its name.
#[derive(Clone)]
pub struct OpenOptions {
    /// Told, in one line each, about every retry of a transient failure
    /// (a lost connection, a Redis node loading its data, a cluster
    /// resharding) and about a scan a resharding may have made incomplete.
    pub retry_report: Option<redis_store::RetryReport>,
    /// A file store's directory that does not exist: `None` refuses it
    /// ([`StoreError::NoSuchDirectory`]); otherwise it is created.
    pub create_missing: Option<CreateMissing>,
    /// The largest room read or written, as stored (see `crate::limit`):
    /// a larger one is an entry problem when read and a failed put when
    /// written.
    pub max_room_bytes: u64,
}

/// How to create a file store's missing directory.
#[derive(Clone)]
pub struct CreateMissing {
    /// Create nothing: only report what would be created (a dry run).
    pub dry_run: bool,
    /// Told each directory created (or that would be), outermost first.
    pub report: std::sync::Arc<dyn Fn(&std::path::Path) + Send + Sync>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            retry_report: None,
            create_missing: None,
            max_room_bytes: crate::limit::DEFAULT_MAX_ROOM_BYTES,
        }
    }
}

/// Opens the store a spec names.
pub fn open(spec: &StoreSpec) -> Result<Box<dyn Store>, StoreError> {
    open_with(spec, &OpenOptions::default())
}

/// Opens the store a spec names, with options.
pub fn open_with(spec: &StoreSpec, options: &OpenOptions) -> Result<Box<dyn Store>, StoreError> {
    Ok(match spec {
        StoreSpec::Memory => Box::new(memory::MemoryStore::new()),
        StoreSpec::File { path } => Box::new(
            match &options.create_missing {
                Some(create) => file::FileStore::open_creating(path, create)?,
                None => file::FileStore::open(path)?,
            }
            .with_max_room_bytes(options.max_room_bytes),
        ),
        StoreSpec::Redis(config) => {
            let store = redis_store::RedisStore::connect(config)?
                .with_max_room_bytes(options.max_room_bytes);
            Box::new(match &options.retry_report {
                Some(report) => store.with_retry_report(report.clone()),
                None => store,
            })
        }
    })
}
