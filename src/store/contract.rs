//! The conformance suite every backend runs: plain functions that take a
//! [`Fixture`] (a store plus a way to plant raw entries in it), so that the
//! memory, file, Redis and Redis Cluster backends are held to one contract.
//! `tests/integration/contract.rs` generates one `#[test]` per case and backend.

use serde_json::json;

use super::{
    Condition, Delete, DeleteOutcome, Entry, Lookup, ProblemKind, Put, PutOutcome, Relation,
    ScanOptions, Store, StoreError, collect, delete, get, put,
};
use crate::room::RoomDocument;
use crate::store::maintenance::{InspectOptions, Issue, IssueKind};

/// A backend under test.
pub trait Fixture {
    fn store(&self) -> &dyn Store;
    /// Stores raw bytes where the room `name` would live (a file named after
    /// the safe name, the key `prefix + name`, the memory map entry).
    fn plant_bytes(&self, name: &str, bytes: &[u8]);
    /// Puts something that is not a room at all where `name` would live
    /// (a Redis set; a directory for files; a JSON array in memory).
    fn plant_not_a_room(&self, name: &str);
    /// Whether different names can share one place (the file backend).
    fn names_collide(&self) -> bool {
        false
    }
}

/// One case of the suite.
pub type Case = fn(&dyn Fixture);

/// Every case, by name, for the macro that generates the tests.
pub const CASES: &[(&str, Case)] = &[
    ("put_get_round_trip", put_get_round_trip),
    ("get_missing", get_missing),
    (
        "scans_without_users_find_the_same_rooms",
        scans_without_users_find_the_same_rooms,
    ),
    ("create_only_refuses_existing", create_only_refuses_existing),
    ("compare_and_swap", compare_and_swap),
    ("overwrite_replaces", overwrite_replaces),
    ("delete_and_delete_again", delete_and_delete_again),
    (
        "conditional_delete_keeps_changed_room",
        conditional_delete_keeps_changed_room,
    ),
    ("scan_streams_every_room", scan_streams_every_room),
    ("hostile_names", hostile_names),
    ("colliding_names", colliding_names),
    (
        "bad_entries_are_reported_not_rooms",
        bad_entries_are_reported_not_rooms,
    ),
    ("non_rooms_are_never_touched", non_rooms_are_never_touched),
    (
        "invalid_deleted_only_when_allowed",
        invalid_deleted_only_when_allowed,
    ),
    (
        "invalid_replaced_only_by_its_bytes",
        invalid_replaced_only_by_its_bytes,
    ),
    (
        "housekeeping_is_read_only_and_quiet_on_rooms",
        housekeeping_is_read_only_and_quiet_on_rooms,
    ),
    ("lock_is_exclusive", lock_is_exclusive),
    (
        "raw_reads_are_the_stored_bytes",
        raw_reads_are_the_stored_bytes,
    ),
    ("identity_is_the_stores_own", identity_is_the_stores_own),
];

/// A valid room document with an unknown field, for the cases.
pub fn sample_room(name: &str) -> RoomDocument {
    RoomDocument::from_value(json!({
        "roomName": name,
        "password": "hunter2",
        "options": ["EndOnFirstMatch"],
        "sort": "random",
        "createdAt": "2025-10-25T19:04:11.123Z",
        "creatorPlexUserId": "42",
        "creatorPlexUsername": "ann",
        "ratings": {"m1": [["ann", "like", 1761419051123_i64], ["bob", "like", 1761419052123_i64]]},
        "userProgress": {"ann": 1, "bob": 1},
        "zFutureField": {"nested": [1, "two", null]},
        "aFutureField": true
    }))
    .expect("sample room is valid")
}

fn put_new(store: &dyn Store, doc: &RoomDocument) -> PutOutcome {
    put(
        store,
        Put {
            doc,
            condition: Condition::Absent,
            ttl_ms: None,
        },
    )
    .expect("put")
}

fn found(store: &dyn Store, name: &str) -> super::StoredRoom {
    match get(store, name).expect("get") {
        Lookup::Found(r) => r,
        other => panic!("{name:?}: expected a room, got {other:?}"),
    }
}

pub fn put_get_round_trip(f: &dyn Fixture) {
    let s = f.store();
    let doc = sample_room("movie night");
    assert_eq!(put_new(s, &doc), PutOutcome::Written);
    let room = found(s, "movie night");
    assert_eq!(room.name(), "movie night");
    let back = room.document().expect("stored document parses");
    assert_eq!(back, doc, "every key, unknown ones too, in order");
    let keys: Vec<&String> = back.as_map().keys().collect();
    assert_eq!(keys.last().map(|k| k.as_str()), Some("aFutureField"));
    assert_eq!(room.facts.matches, 1);
}

/// A store is the same store as itself, asked twice, and asking writes
/// nothing.
pub fn identity_is_the_stores_own(f: &dyn Fixture) {
    let s = f.store();
    assert_eq!(put_new(s, &sample_room("who am i")), PutOutcome::Written);
    let before = collect(s).expect("collect");
    let first = s.identity().expect("identity");
    let again = s.identity().expect("identity asked again");
    assert!(
        matches!(first.relation(&again), Relation::Same(_)),
        "{first:?} and {again:?}"
    );
    assert_eq!(collect(s).expect("collect"), before, "asking wrote nothing");
}

pub fn raw_reads_are_the_stored_bytes(f: &dyn Fixture) {
    let s = f.store();
    let doc = sample_room("raw room");
    assert_eq!(put_new(s, &doc), PutOutcome::Written);
    let stored = found(s, "raw room").bytes;
    let raw = s
        .read_raw_batch(&["raw room", "nobody here", "raw room"])
        .expect("raw read");
    assert_eq!(raw, vec![Some(stored.clone()), None, Some(stored)]);
}

pub fn scans_without_users_find_the_same_rooms(f: &dyn Fixture) {
    let s = f.store();
    for name in ["lean one", "lean two"] {
        assert_eq!(put_new(s, &sample_room(name)), PutOutcome::Written);
    }
    // A room spelled unusually, read by the careful reader.
    f.plant_bytes(
        "lean three",
        br#"{"roomName":"lean three","createdAt":"2025-10-25T19:04:11.123Z","creatorPlexUserId":"1","ratings":{"m":[["\u0061nn","like",1761419051123]]}}"#,
    );
    let rooms = |options: ScanOptions| {
        let mut rooms: Vec<super::StoredRoom> = s
            .scan(options)
            .expect("scan")
            .flat_map(|batch| batch.expect("batch"))
            .filter_map(|e| match e {
                Entry::Room(r) => Some(r),
                Entry::Problem(_) => None,
            })
            .collect();
        rooms.sort_by(|a, b| a.facts.name.cmp(&b.facts.name));
        rooms
    };
    let full = rooms(ScanOptions::default());
    let lean = rooms(ScanOptions {
        skip_users: true,
        ..ScanOptions::default()
    });
    assert_eq!(full.len(), 3);
    assert!(full.iter().all(|r| !r.facts.users.is_empty()));
    for (mut full, lean) in full.into_iter().zip(lean) {
        assert!(lean.facts.users.is_empty(), "{}", lean.facts.name);
        full.facts.users.clear();
        assert_eq!(full, lean);
    }
}

pub fn get_missing(f: &dyn Fixture) {
    assert_eq!(get(f.store(), "nobody here").expect("get"), Lookup::Missing);
}

pub fn create_only_refuses_existing(f: &dyn Fixture) {
    let s = f.store();
    let doc = sample_room("r1");
    assert_eq!(put_new(s, &doc), PutOutcome::Written);
    let mut other = sample_room("r1").into_map();
    other.insert("sort".into(), json!("rating"));
    let other = RoomDocument::from_value(other.into()).expect("valid");
    assert_eq!(put_new(s, &other), PutOutcome::Exists);
    assert_eq!(
        found(s, "r1").document().expect("doc"),
        doc,
        "first write kept"
    );
}

pub fn compare_and_swap(f: &dyn Fixture) {
    let s = f.store();
    let doc = sample_room("cas");
    put_new(s, &doc);
    let stored = found(s, "cas").bytes;
    let mut newer = doc.clone().into_map();
    newer.insert("lastActivityAt".into(), json!("2026-01-01T00:00:00.000Z"));
    let newer = RoomDocument::from_value(newer.into()).expect("valid");
    let stale = b"{\"not\":\"what is stored\"}".to_vec();
    let swap = |expected: &[u8]| {
        put(
            s,
            Put {
                doc: &newer,
                condition: Condition::Unchanged(expected),
                ttl_ms: None,
            },
        )
        .expect("put")
    };
    assert_eq!(swap(&stale), PutOutcome::Changed);
    assert_eq!(found(s, "cas").document().expect("doc"), doc);
    assert_eq!(swap(&stored), PutOutcome::Written);
    assert_eq!(found(s, "cas").document().expect("doc"), newer);
    // Compare-and-swap on a missing room is a change, not a create.
    let ghost = sample_room("ghost");
    let out = put(
        s,
        Put {
            doc: &ghost,
            condition: Condition::Unchanged(&stored),
            ttl_ms: None,
        },
    )
    .expect("put");
    assert_eq!(out, PutOutcome::Changed);
    assert_eq!(get(s, "ghost").expect("get"), Lookup::Missing);
}

pub fn overwrite_replaces(f: &dyn Fixture) {
    let s = f.store();
    put_new(s, &sample_room("ow"));
    let mut map = sample_room("ow").into_map();
    map.remove("password");
    let doc = RoomDocument::from_value(map.into()).expect("valid");
    let out = put(
        s,
        Put {
            doc: &doc,
            condition: Condition::Overwrite,
            ttl_ms: None,
        },
    )
    .expect("put");
    assert_eq!(out, PutOutcome::Written);
    let room = found(s, "ow");
    assert!(!room.facts.has_password);
}

pub fn delete_and_delete_again(f: &dyn Fixture) {
    let s = f.store();
    put_new(s, &sample_room("gone"));
    put_new(s, &sample_room("stays"));
    assert_eq!(
        delete(s, Delete::named("gone")).expect("delete"),
        DeleteOutcome::Deleted
    );
    assert_eq!(get(s, "gone").expect("get"), Lookup::Missing);
    assert_eq!(
        delete(s, Delete::named("gone")).expect("delete"),
        DeleteOutcome::Missing
    );
    found(s, "stays");
}

pub fn conditional_delete_keeps_changed_room(f: &dyn Fixture) {
    let s = f.store();
    put_new(s, &sample_room("busy"));
    let judged = found(s, "busy").bytes;
    // The server rewrites the room after it was judged.
    let mut map = sample_room("busy").into_map();
    map.insert("lastActivityAt".into(), json!("2026-11-01T00:00:00.000Z"));
    let fresh = RoomDocument::from_value(map.into()).expect("valid");
    put(
        s,
        Put {
            doc: &fresh,
            condition: Condition::Overwrite,
            ttl_ms: None,
        },
    )
    .expect("put");
    let out = delete(
        s,
        Delete {
            name: "busy",
            expected: Some(&judged),
            allow_invalid: false,
        },
    )
    .expect("delete");
    assert_eq!(out, DeleteOutcome::Changed);
    assert_eq!(found(s, "busy").document().expect("doc"), fresh);
    let current = found(s, "busy").bytes;
    let out = delete(
        s,
        Delete {
            name: "busy",
            expected: Some(&current),
            allow_invalid: false,
        },
    )
    .expect("delete");
    assert_eq!(out, DeleteOutcome::Deleted);
}

pub fn scan_streams_every_room(f: &dyn Fixture) {
    let s = f.store();
    let docs: Vec<RoomDocument> = (0..1234)
        .map(|i| sample_room(&format!("room-{i:05}")))
        .collect();
    for chunk in docs.chunks(200) {
        let puts: Vec<Put<'_>> = chunk
            .iter()
            .map(|doc| Put {
                doc,
                condition: Condition::Absent,
                ttl_ms: None,
            })
            .collect();
        let outs = s.put_batch(&puts).expect("put_batch");
        assert!(outs.iter().all(|o| *o == PutOutcome::Written), "{outs:?}");
    }
    let mut batches = 0;
    let mut names = Vec::new();
    for batch in s.scan(ScanOptions::default()).expect("scan") {
        batches += 1;
        for e in batch.expect("batch") {
            match e {
                Entry::Room(r) => names.push(r.facts.name),
                Entry::Problem(p) => panic!("unexpected problem {p:?}"),
            }
        }
    }
    names.sort();
    let want: Vec<String> = docs.iter().map(|d| d.name().to_string()).collect();
    assert_eq!(names, want);
    assert!(batches > 1, "a large store is streamed in several batches");
    let lookups = s
        .get_batch(&["room-00000", "nope", "room-01233"])
        .expect("get_batch");
    assert!(matches!(lookups[0], Lookup::Found(_)));
    assert_eq!(lookups[1], Lookup::Missing);
    assert!(matches!(&lookups[2], Lookup::Found(r) if r.name() == "room-01233"));
}

/// Names an attacker or a careless user might choose.
pub const HOSTILE_NAMES: &[&str] = &[
    "movie night",
    "../../etc/passwd",
    "a/b/c",
    "..",
    "🎬 popcorn 🍿",
    "\u{1b}[31mred\u{1b}[0m",
    "tab\there\nnewline",
    "*?[glob]",
    "é",
];

pub fn hostile_names(f: &dyn Fixture) {
    let s = f.store();
    for name in HOSTILE_NAMES {
        assert_eq!(
            put_new(s, &sample_room(name)),
            PutOutcome::Written,
            "{name:?}"
        );
    }
    for name in HOSTILE_NAMES {
        assert_eq!(found(s, name).name(), *name);
    }
    let (rooms, problems) = collect(s).expect("collect");
    assert!(problems.is_empty(), "{problems:?}");
    let mut listed: Vec<&str> = rooms.iter().map(|r| r.name()).collect();
    let mut want = HOSTILE_NAMES.to_vec();
    listed.sort();
    want.sort();
    assert_eq!(listed, want);
    for name in HOSTILE_NAMES {
        assert_eq!(
            delete(s, Delete::named(name)).expect("delete"),
            DeleteOutcome::Deleted
        );
    }
    assert!(collect(s).expect("collect").0.is_empty());
}

pub fn colliding_names(f: &dyn Fixture) {
    let s = f.store();
    assert_eq!(put_new(s, &sample_room("a b")), PutOutcome::Written);
    let second = put_new(s, &sample_room("a_b"));
    if f.names_collide() {
        assert!(matches!(second, PutOutcome::Blocked(_)), "{second:?}");
        assert_eq!(get(s, "a_b").expect("get"), Lookup::Missing);
        let ow = put(
            s,
            Put {
                doc: &sample_room("a_b"),
                condition: Condition::Overwrite,
                ttl_ms: None,
            },
        )
        .expect("put");
        assert!(matches!(ow, PutOutcome::Blocked(_)), "{ow:?}");
        assert_eq!(
            delete(s, Delete::named("a_b")).expect("delete"),
            DeleteOutcome::Missing
        );
        assert_eq!(found(s, "a b").name(), "a b");
    } else {
        assert_eq!(second, PutOutcome::Written);
        assert_eq!(found(s, "a_b").name(), "a_b");
        assert_eq!(found(s, "a b").name(), "a b");
    }
}

pub fn bad_entries_are_reported_not_rooms(f: &dyn Fixture) {
    let s = f.store();
    put_new(s, &sample_room("good"));
    f.plant_bytes("corrupt", b"{\"roomName\": \"corrupt\", ");
    f.plant_bytes("empty", b"");
    f.plant_bytes(
        "no-created",
        br#"{"roomName":"no-created","creatorPlexUserId":"1","creatorPlexUsername":"x","sort":"random"}"#,
    );
    f.plant_not_a_room("members-1");
    let (rooms, problems) = collect(s).expect("collect");
    let names: Vec<&str> = rooms.iter().map(|r| r.name()).collect();
    assert_eq!(names, vec!["good"]);
    assert_eq!(problems.len(), 4, "{problems:?}");
    let invalid = problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Invalid)
        .count();
    assert_eq!(invalid, 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.location.contains("members-1")));
    assert!(problems.iter().any(|p| p.reason.contains("createdAt")));
    assert!(matches!(
        get(s, "corrupt").expect("get"),
        Lookup::Problem(_)
    ));
}

pub fn non_rooms_are_never_touched(f: &dyn Fixture) {
    let s = f.store();
    f.plant_not_a_room("members-2");
    let blocked = put(
        s,
        Put {
            doc: &sample_room("members-2"),
            condition: Condition::Overwrite,
            ttl_ms: None,
        },
    )
    .expect("put");
    assert!(matches!(blocked, PutOutcome::Blocked(_)) || blocked == PutOutcome::Exists);
    let absent = put_new(s, &sample_room("members-2"));
    assert!(matches!(absent, PutOutcome::Blocked(_)) || absent == PutOutcome::Exists);
    let d = delete(
        s,
        Delete {
            name: "members-2",
            expected: None,
            allow_invalid: true,
        },
    )
    .expect("delete");
    assert!(matches!(d, DeleteOutcome::Blocked(_)), "{d:?}");
    let (_, problems) = collect(s).expect("collect");
    assert_eq!(
        problems.len(),
        1,
        "the non-room is still there: {problems:?}"
    );
}

pub fn invalid_deleted_only_when_allowed(f: &dyn Fixture) {
    let s = f.store();
    f.plant_bytes("broken", b"not json at all");
    let d = delete(s, Delete::named("broken")).expect("delete");
    assert!(matches!(d, DeleteOutcome::Blocked(_)), "{d:?}");
    assert_eq!(collect(s).expect("collect").1.len(), 1);
    let d = delete(
        s,
        Delete {
            name: "broken",
            expected: None,
            allow_invalid: true,
        },
    )
    .expect("delete");
    assert_eq!(d, DeleteOutcome::Deleted);
    assert!(collect(s).expect("collect").1.is_empty());
}

/// [`Condition::ReplaceInvalid`] restores a room over its invalid document
/// when the stored bytes are exactly the expected ones, and never touches a
/// valid room, an entry that is not a room, or another room's place.
pub fn invalid_replaced_only_by_its_bytes(f: &dyn Fixture) {
    let s = f.store();
    let replace = |name: &str, expected: &[u8]| {
        put(
            s,
            Put {
                doc: &sample_room(name),
                condition: Condition::ReplaceInvalid(expected),
                ttl_ms: None,
            },
        )
        .expect("put")
    };
    // Not JSON: replaced only when the bytes are the ones judged.
    f.plant_bytes("broken", b"not json at all");
    assert_eq!(replace("broken", b"not json"), PutOutcome::Changed);
    assert!(matches!(get(s, "broken").expect("get"), Lookup::Problem(_)));
    assert_eq!(replace("broken", b"not json at all"), PutOutcome::Written);
    assert_eq!(found(s, "broken").name(), "broken");
    // Now a valid room: never replaced this way, even by its own bytes.
    let stored = found(s, "broken").bytes;
    assert_eq!(replace("broken", &stored), PutOutcome::Changed);
    // A document missing a required key is invalid too.
    let partial = br#"{"roomName":"partial","creatorPlexUserId":"1"}"#;
    f.plant_bytes("partial", partial);
    assert_eq!(replace("partial", partial), PutOutcome::Written);
    assert_eq!(found(s, "partial").name(), "partial");
    // Nothing stored: nothing to replace.
    assert_eq!(replace("absent", b"x"), PutOutcome::Changed);
    assert_eq!(get(s, "absent").expect("get"), Lookup::Missing);
    // An entry that is not a room is never replaced.
    f.plant_not_a_room("members-3");
    let blocked = replace("members-3", b"");
    assert!(
        matches!(blocked, PutOutcome::Blocked(_) | PutOutcome::Changed),
        "{blocked:?}"
    );
    f.plant_bytes("array", b"[1, 2]");
    let blocked = replace("array", b"[1, 2]");
    assert!(matches!(blocked, PutOutcome::Blocked(_)), "{blocked:?}");
    // Another room's file, where names collide, is never replaced.
    if f.names_collide() {
        put_new(s, &sample_room("c d"));
        let theirs = found(s, "c d").bytes;
        let blocked = replace("c_d", &theirs);
        assert!(matches!(blocked, PutOutcome::Blocked(_)), "{blocked:?}");
        assert_eq!(found(s, "c d").bytes, theirs);
    }
    let (rooms, problems) = collect(s).expect("collect");
    assert_eq!(rooms.len(), 2 + usize::from(f.names_collide()), "{rooms:?}");
    assert_eq!(problems.len(), 2, "{problems:?}");
}

/// [`Maintenance::inspect`](super::maintenance::Maintenance::inspect)
/// changes nothing, finds nothing wrong with rooms (hostile and colliding
/// names included), and every fix it offers concerns an entry that is not a
/// room. A store without maintenance has nothing to find.
pub fn housekeeping_is_read_only_and_quiet_on_rooms(f: &dyn Fixture) {
    let s = f.store();
    let Some(maintenance) = s.maintenance() else {
        return;
    };
    for name in HOSTILE_NAMES.iter().chain(&["a b"]) {
        put_new(s, &sample_room(name));
    }
    let options = InspectOptions {
        stale_after_ms: 0,
        now_ms: i64::MAX / 2,
    };
    let (_, problems) = collect(s).expect("collect");
    let issues = maintenance.inspect(&problems, &options).expect("inspect");
    assert!(issues.iter().all(informational), "{issues:?}");
    f.plant_bytes("corrupt", b"{\"roomName\": ");
    f.plant_not_a_room("members-3");
    let before = collect(s).expect("collect");
    let issues = maintenance.inspect(&before.1, &options).expect("inspect");
    assert!(issues.iter().all(|i| i.fix.is_none()), "{issues:?}");
    assert_eq!(collect(s).expect("collect"), before, "read-only");
}

/// An issue that is worth knowing but no problem: a write in progress, a
/// `.tmp` file that is neither the server's nor roomctl's, other data
/// under the key prefix.
fn informational(issue: &Issue) -> bool {
    matches!(
        issue.kind,
        IssueKind::TempInProgress { .. } | IssueKind::ForeignTemp | IssueKind::OtherData(_)
    )
}

/// Whether taking the lock `name` fails because it is held.
fn lock_refused(store: &dyn Store, name: &str) -> bool {
    match store.lock(name) {
        Err(StoreError::Locked { lock, holder }) => {
            assert!(!lock.is_empty() && !holder.is_empty(), "says what and who");
            true
        }
        Err(e) => panic!("lock {name:?}: unexpected error {e}"),
        Ok(_) => false,
    }
}

pub fn lock_is_exclusive(f: &dyn Fixture) {
    let s = f.store();
    put_new(s, &sample_room("locked-room"));
    let held = s.lock("prune").expect("first lock");
    held.refresh().expect("a held lock refreshes");
    assert!(lock_refused(s, "prune"), "a second holder is refused");
    {
        let other = s.lock("import").expect("another name is another lock");
        other.refresh().expect("refresh");
    }
    assert!(s.lock("import").is_ok(), "dropping a guard releases it");
    // The lock is no entry of the store, and rooms stay usable under it.
    let (rooms, problems) = collect(s).expect("collect");
    assert_eq!(rooms.len(), 1);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        delete(s, Delete::named("locked-room")).expect("delete"),
        DeleteOutcome::Deleted
    );
    assert!(lock_refused(s, "prune"), "still held");
    drop(held);
    let again = s.lock("prune").expect("released on drop");
    again.refresh().expect("refresh");
    assert!(matches!(s.lock("../x"), Err(StoreError::Config(_))));
}
