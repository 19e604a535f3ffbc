//! Redis-specific behaviour of the Redis store, beyond the shared contract:
//! TTLs, prefixes with glob characters, neighbours under the same prefix,
//! misnamed keys, connection failures and secrets, script reloading, speed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::Commands;
use roomctl::room::RoomDocument;
use roomctl::store::contract::sample_room;
use roomctl::store::redis_store::RedisStore;
use roomctl::store::{
    Condition, Delete, DeleteOutcome, Entry, Lookup, ProblemKind, Put, PutOutcome, ScanOptions,
    Store, StoreConfig, StoreError, StoreSpec, collect, delete, get, put,
};

use crate::support::redis::{CountingProxy, RedisServer, ReplyCuttingProxy, free_port};

fn config(url: &str, prefix: &str) -> StoreConfig {
    match StoreSpec::parse(url)
        .expect("parse")
        .with_prefix(Some(prefix))
    {
        StoreSpec::Redis(config) => config,
        other => panic!("{other:?} is not a Redis store"),
    }
}

fn store(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::connect(&config(&server.url(), prefix)).expect("connect")
}

fn raw(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .and_then(|c| c.get_connection())
        .expect("raw connection")
}

fn put_with(
    store: &dyn Store,
    doc: &RoomDocument,
    condition: Condition<'_>,
    ttl_ms: Option<i64>,
) -> PutOutcome {
    put(
        store,
        Put {
            doc,
            condition,
            ttl_ms,
        },
    )
    .expect("put")
}

/// Every entry of a scan with TTLs, by location.
fn scan_with_ttl(store: &dyn Store) -> Vec<Entry> {
    let mut entries = Vec::new();
    for batch in store
        .scan(ScanOptions {
            with_ttl: true,
            ..ScanOptions::default()
        })
        .expect("scan")
    {
        entries.extend(batch.expect("batch"));
    }
    entries
}

fn ttl_of(entries: &[Entry], name: &str) -> Option<i64> {
    entries
        .iter()
        .find_map(|e| match e {
            Entry::Room(r) if r.name() == name => Some(r.ttl_ms),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{name} not scanned"))
}

#[test]
fn ttl_is_written_and_reported() {
    let server = RedisServer::start();
    let s = store(&server, "room:");
    let mut con = raw(&server);
    assert_eq!(
        put_with(&s, &sample_room("brief"), Condition::Absent, Some(60_000)),
        PutOutcome::Written
    );
    put_with(&s, &sample_room("forever"), Condition::Absent, None);
    let pttl: i64 = con.pttl("room:brief").expect("pttl");
    assert!((59_000..=60_000).contains(&pttl), "{pttl}");
    assert_eq!(con.pttl::<_, i64>("room:forever").expect("pttl"), -1);

    let entries = scan_with_ttl(&s);
    let brief = ttl_of(&entries, "brief").expect("brief has a TTL");
    assert!((59_000..=60_000).contains(&brief), "{brief}");
    assert_eq!(ttl_of(&entries, "forever"), None);
    // Without with_ttl no TTL is read.
    let (rooms, _) = collect(&s).expect("collect");
    assert!(rooms.iter().all(|r| r.ttl_ms.is_none()), "{rooms:?}");

    // An overwrite or a swap with a TTL sets it; without one it keeps the
    // key's own, so editing a room does not make it immortal.
    put_with(
        &s,
        &sample_room("forever"),
        Condition::Overwrite,
        Some(30_000),
    );
    let pttl: i64 = con.pttl("room:forever").expect("pttl");
    assert!((29_000..=30_000).contains(&pttl), "{pttl}");
    put_with(&s, &sample_room("brief"), Condition::Overwrite, None);
    let pttl: i64 = con.pttl("room:brief").expect("pttl");
    assert!(
        (1..=60_000).contains(&pttl),
        "overwrite kept the TTL: {pttl}"
    );
    let stored = match get(&s, "forever").expect("get") {
        Lookup::Found(r) => r.bytes,
        other => panic!("{other:?}"),
    };
    put_with(
        &s,
        &sample_room("forever"),
        Condition::Unchanged(&stored),
        Some(90_000),
    );
    let pttl: i64 = con.pttl("room:forever").expect("pttl");
    assert!((89_000..=90_000).contains(&pttl), "{pttl}");
}

#[test]
fn glob_characters_in_the_prefix_match_only_its_own_keys() {
    let server = RedisServer::start();
    let globbed = store(&server, "mm*[1]:");
    let plain = store(&server, "room:");
    let mut con = raw(&server);
    // Keys an unescaped `mm*[1]:*` would match.
    let other = sample_room("other");
    let _: () = con.set("mmX1:other", other.to_compact()).expect("set");
    let _: () = con.set("mm*1:other", other.to_compact()).expect("set");
    put_with(&globbed, &sample_room("mine"), Condition::Absent, None);
    put_with(&plain, &sample_room("plain"), Condition::Absent, None);

    let (rooms, problems) = collect(&globbed).expect("collect");
    let names: Vec<&str> = rooms.iter().map(|r| r.name()).collect();
    assert_eq!(names, vec!["mine"]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rooms[0].location, "mm*[1]:mine");
    let (rooms, _) = collect(&plain).expect("collect");
    let names: Vec<&str> = rooms.iter().map(|r| r.name()).collect();
    assert_eq!(names, vec!["plain"]);
    assert_eq!(get(&globbed, "other").expect("get"), Lookup::Missing);
    assert_eq!(
        delete(&globbed, Delete::named("other")).expect("delete"),
        DeleteOutcome::Missing
    );
    assert!(con.exists::<_, bool>("mmX1:other").expect("exists"));
    assert!(con.exists::<_, bool>("mm*1:other").expect("exists"));
}

#[test]
fn neighbours_are_never_touched() {
    let server = RedisServer::start();
    let s = store(&server, "room:");
    let mut con = raw(&server);
    let _: () = con.sadd("room:members:1", "ann").expect("sadd");
    let _: () = con.zadd("room:messages:1", "hi", 1).expect("zadd");
    let foreign = sample_room("r1").to_compact();
    let _: () = con.set("other:r1", &foreign).expect("set");
    let docs: Vec<RoomDocument> = (0..5).map(|i| sample_room(&format!("r{i}"))).collect();
    let puts: Vec<Put<'_>> = docs
        .iter()
        .map(|doc| Put {
            doc,
            condition: Condition::Absent,
            ttl_ms: None,
        })
        .collect();
    assert!(
        s.put_batch(&puts)
            .expect("put_batch")
            .iter()
            .all(|o| *o == PutOutcome::Written)
    );

    let (rooms, problems) = collect(&s).expect("collect");
    assert_eq!(rooms.len(), 5);
    // collect() sorts problems by location.
    let skipped: Vec<(&str, ProblemKind, &str)> = problems
        .iter()
        .map(|p| (p.location.as_str(), p.kind, p.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (
                "room:members:1",
                ProblemKind::NotARoom,
                "a set, not a string; not a room"
            ),
            (
                "room:messages:1",
                ProblemKind::NotARoom,
                "a zset, not a string; not a room"
            ),
        ]
    );
    assert!(
        matches!(get(&s, "members:1").expect("get"), Lookup::Problem(p) if p.kind == ProblemKind::NotARoom)
    );

    // Writing or deleting a room of the neighbour's name is refused.
    let squatter = sample_room("members:1");
    for condition in [
        Condition::Overwrite,
        Condition::Absent,
        Condition::Unchanged(b"x"),
    ] {
        let out = put_with(&s, &squatter, condition, None);
        assert!(
            matches!(&out, PutOutcome::Blocked(why) if why.contains("a set")),
            "{out:?}"
        );
    }
    let d = delete(
        &s,
        Delete {
            name: "members:1",
            expected: None,
            allow_invalid: true,
        },
    )
    .expect("delete");
    assert!(
        matches!(&d, DeleteOutcome::Blocked(why) if why.contains("a set")),
        "{d:?}"
    );

    // Deleting every room leaves the neighbours as they were.
    let deletes: Vec<Delete<'_>> = docs.iter().map(|d| Delete::named(d.name())).collect();
    let outs = s.delete_batch(&deletes).expect("delete_batch");
    assert!(
        outs.iter().all(|o| *o == DeleteOutcome::Deleted),
        "{outs:?}"
    );
    let members: Vec<String> = con.smembers("room:members:1").expect("smembers");
    assert_eq!(members, vec!["ann"]);
    assert_eq!(con.zcard::<_, i64>("room:messages:1").expect("zcard"), 1);
    assert_eq!(con.get::<_, Vec<u8>>("other:r1").expect("get"), foreign);
}

#[test]
fn documents_that_are_not_rooms_are_never_overwritten() {
    let server = RedisServer::start();
    let s = store(&server, "room:");
    let mut con = raw(&server);
    let planted: [(&str, &[u8]); 4] = [
        ("corrupt", b"{\"roomName\": \"corrupt\""),
        ("list", b"[\"a\",\"list\"]"),
        (
            "no-created",
            br#"{"roomName":"no-created","creatorPlexUserId":"1"}"#,
        ),
        (
            "numeric",
            br#"{"roomName":7,"creatorPlexUserId":"1","createdAt":"x"}"#,
        ),
    ];
    for (name, bytes) in planted {
        let _: () = con.set(format!("room:{name}"), bytes).expect("set");
        let out = put_with(&s, &sample_room(name), Condition::Overwrite, None);
        assert!(matches!(out, PutOutcome::Blocked(_)), "{name}: {out:?}");
        let stored: Vec<u8> = con.get(format!("room:{name}")).expect("get");
        assert_eq!(stored, bytes, "{name} untouched");
    }
    // A JSON value that is not an object is not a room: even allow_invalid
    // does not delete it. Invalid room documents go only when allowed.
    let forced = |name| Delete {
        name,
        expected: None,
        allow_invalid: true,
    };
    let d = delete(&s, forced("list")).expect("delete");
    assert!(matches!(d, DeleteOutcome::Blocked(_)), "{d:?}");
    for name in ["corrupt", "no-created", "numeric"] {
        let d = delete(&s, Delete::named(name)).expect("delete");
        assert!(matches!(d, DeleteOutcome::Blocked(_)), "{name}: {d:?}");
        assert_eq!(
            delete(&s, forced(name)).expect("delete"),
            DeleteOutcome::Deleted,
            "{name}"
        );
    }
    let left: Vec<String> = con.keys("room:*").expect("keys");
    assert_eq!(left, vec!["room:list"]);
}

#[test]
fn a_key_holding_another_room_is_misnamed() {
    let server = RedisServer::start();
    let s = store(&server, "room:");
    let mut con = raw(&server);
    let b = sample_room("b").to_compact();
    let _: () = con.set("room:a", &b).expect("set");
    let (rooms, problems) = collect(&s).expect("collect");
    assert!(rooms.is_empty(), "{rooms:?}");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Misnamed);
    assert_eq!(problems[0].room_name.as_deref(), Some("b"));
    assert!(
        matches!(get(&s, "a").expect("get"), Lookup::Problem(p) if p.kind == ProblemKind::Misnamed)
    );
    let out = put_with(&s, &sample_room("a"), Condition::Overwrite, None);
    assert!(matches!(out, PutOutcome::Blocked(_)), "{out:?}");
    let d = delete(&s, Delete::named("a")).expect("delete");
    assert!(matches!(d, DeleteOutcome::Blocked(_)), "{d:?}");
    assert_eq!(con.get::<_, Vec<u8>>("room:a").expect("get"), b);
}

#[test]
fn scripts_are_reloaded_after_a_flush() {
    let server = RedisServer::start();
    let s = store(&server, "room:");
    let mut con = raw(&server);
    put_with(&s, &sample_room("r"), Condition::Overwrite, None);
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query(&mut con)
        .expect("flush");
    let stored = match get(&s, "r").expect("get") {
        Lookup::Found(r) => r.bytes,
        other => panic!("{other:?}"),
    };
    let mut newer = sample_room("r").into_map();
    newer.remove("password");
    let newer = RoomDocument::from_value(newer.into()).expect("valid");
    assert_eq!(
        put_with(&s, &newer, Condition::Unchanged(&stored), None),
        PutOutcome::Written
    );
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query(&mut con)
        .expect("flush");
    assert_eq!(
        delete(&s, Delete::named("r")).expect("delete"),
        DeleteOutcome::Deleted
    );
}

/// A store that records the retries it reports.
fn reporting_store(url: &str) -> (RedisStore, Arc<Mutex<Vec<String>>>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&reports);
    let store = RedisStore::connect(&config(url, "room:"))
        .expect("connect")
        .with_retry_report(Arc::new(move |line: &str| {
            sink.lock().expect("reports").push(line.to_string())
        }));
    (store, reports)
}

#[test]
fn a_lost_connection_is_retried_and_reported() {
    let server = RedisServer::start();
    let (s, reports) = reporting_store(&server.url());
    put_with(&s, &sample_room("r"), Condition::Absent, None);
    let mut con = raw(&server);
    // Kill every other client: the store's connection.
    let _: () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("SKIPME")
        .arg("yes")
        .query(&mut con)
        .expect("client kill");
    assert!(matches!(get(&s, "r").expect("retried"), Lookup::Found(_)));
    let reports = reports.lock().expect("reports").clone();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let endpoint = format!("127.0.0.1:{}", server.port());
    assert!(reports[0].starts_with(&endpoint), "{reports:?}");
    assert!(
        reports[0].contains("retrying in 50 ms (attempt 2 of 8)"),
        "{reports:?}"
    );
}

#[test]
fn writes_whose_reply_was_lost_are_not_misreported() {
    let server = RedisServer::start();
    let proxy = ReplyCuttingProxy::start(server.port());
    let (s, reports) = reporting_store(&proxy.url());
    let mut con = raw(&server);

    // A create that ran but whose reply was lost is sent again, finds the
    // room it wrote itself, and says Written, not Exists.
    let doc = sample_room("created");
    proxy.cut_next_reply();
    assert_eq!(
        put_with(&s, &doc, Condition::Absent, None),
        PutOutcome::Written
    );
    assert_eq!(proxy.cuts(), 1);
    assert_eq!(
        con.get::<_, Vec<u8>>("room:created").expect("get"),
        doc.to_compact()
    );

    // A room someone else created is still Exists, even when resent.
    let _: () = con
        .set("room:theirs", sample_room("theirs").to_compact())
        .expect("set");
    let mut mine = sample_room("theirs").into_map();
    mine.insert("sort".into(), serde_json::json!("rating"));
    let mine = RoomDocument::from_value(mine.into()).expect("valid");
    proxy.cut_next_reply();
    assert_eq!(
        put_with(&s, &mine, Condition::Absent, None),
        PutOutcome::Exists
    );

    // The same for a compare-and-swap: its second run sees its own bytes.
    let stored = match get(&s, "created").expect("get") {
        Lookup::Found(r) => r.bytes,
        other => panic!("{other:?}"),
    };
    let mut newer = sample_room("created").into_map();
    newer.remove("password");
    let newer = RoomDocument::from_value(newer.into()).expect("valid");
    proxy.cut_next_reply();
    assert_eq!(
        put_with(&s, &newer, Condition::Unchanged(&stored), None),
        PutOutcome::Written
    );
    assert_eq!(
        con.get::<_, Vec<u8>>("room:created").expect("get"),
        newer.to_compact()
    );

    // An overwrite writes the same bytes twice; a delete finds nothing the
    // second time, and the room is gone either way.
    proxy.cut_next_reply();
    assert_eq!(
        put_with(&s, &doc, Condition::Overwrite, None),
        PutOutcome::Written
    );
    assert_eq!(
        con.get::<_, Vec<u8>>("room:created").expect("get"),
        doc.to_compact()
    );
    proxy.cut_next_reply();
    let d = delete(&s, Delete::named("created")).expect("delete");
    assert!(
        matches!(d, DeleteOutcome::Deleted | DeleteOutcome::Missing),
        "{d:?}"
    );
    assert!(!con.exists::<_, bool>("room:created").expect("exists"));

    assert_eq!(proxy.cuts(), 5);
    let reports = reports.lock().expect("reports").clone();
    assert_eq!(
        reports.len(),
        5,
        "one retry reported per lost reply: {reports:?}"
    );
    assert!(
        reports.iter().all(|r| r.contains("lost the connection")),
        "{reports:?}"
    );
}

#[test]
fn a_server_that_stays_down_fails_with_one_clear_line() {
    let server = RedisServer::start();
    let port = server.port();
    let s = RedisStore::connect(&config(
        &format!("redis://:s3cretpw@127.0.0.1:{port}"),
        "room:",
    ));
    // No password is set on the server: AUTH fails. Connect without one.
    assert!(s.is_err());
    let (s, reports) = reporting_store(&server.url());
    put_with(&s, &sample_room("r"), Condition::Absent, None);
    drop(server);
    let started = Instant::now();
    let err = match get(&s, "r") {
        Err(e) => e,
        Ok(found) => panic!("the server is gone, yet {found:?}"),
    };
    let took = started.elapsed();
    assert!(
        (Duration::from_secs(3)..Duration::from_secs(15)).contains(&took),
        "retried with backoff for a few seconds: {took:?}"
    );
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(text.starts_with(&format!("127.0.0.1:{port}: ")), "{text}");
    assert!(text.contains("gave up after 8 attempts"), "{text}");
    assert!(text.contains("is the server up"), "{text}");
    assert!(text.contains("run the command again"), "{text}");
    assert_eq!(reports.lock().expect("reports").len(), 7);
}

#[test]
fn an_unreachable_server_fails_fast_without_the_password() {
    let port = free_port().expect("port");
    let started = Instant::now();
    let result = RedisStore::connect(&config(
        &format!("redis://ann:s3cretpw@127.0.0.1:{port}/0"),
        "room:",
    ));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let err = match result {
        Err(e) => e,
        Ok(_) => panic!("nothing listens on {port}"),
    };
    let text = err.to_string();
    match &err {
        StoreError::Unavailable { endpoint, message } => {
            assert_eq!(endpoint, &format!("127.0.0.1:{port}"));
            assert!(message.contains("redis-server"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("s3cretpw"), "{text}");
    assert!(!format!("{err:?}").contains("s3cretpw"));
}

#[test]
fn passwords_stay_out_of_descriptions_and_errors() {
    let server = RedisServer::start();
    let mut con = raw(&server);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("s3cretpw")
        .query(&mut con)
        .expect("requirepass");
    let port = server.port();
    let good = RedisStore::connect(&config(
        &format!("redis://:s3cretpw@127.0.0.1:{port}"),
        "mm:",
    ))
    .expect("connect with the password");
    let described = good.describe();
    assert!(!described.contains("s3cretpw"), "{described}");
    assert!(
        described.contains(&format!("127.0.0.1:{port}")),
        "{described}"
    );
    assert!(described.contains("prefix=mm:"), "{described}");
    put_with(&good, &sample_room("r"), Condition::Absent, None);

    let wrong = RedisStore::connect(&config(
        &format!("redis://:wr0ngpw@127.0.0.1:{port}"),
        "mm:",
    ));
    let err = match wrong {
        Err(e) => e,
        Ok(_) => panic!("a wrong password was accepted"),
    };
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("password"), "says what to check: {text}");
    assert!(!text.contains("wr0ngpw"), "{text}");
}

#[test]
fn ten_thousand_rooms_scan_in_well_under_a_second() {
    let server = RedisServer::start();
    let s = store(&server, "room:");
    let docs: Vec<RoomDocument> = (0..10_000)
        .map(|i| sample_room(&format!("room-{i:05}")))
        .collect();
    let puts: Vec<Put<'_>> = docs
        .iter()
        .map(|doc| Put {
            doc,
            condition: Condition::Overwrite,
            ttl_ms: Some(3_600_000),
        })
        .collect();
    let outs = s.put_batch(&puts).expect("put_batch");
    assert!(outs.iter().all(|o| *o == PutOutcome::Written));
    let started = Instant::now();
    let mut rooms = 0;
    let mut batches = 0;
    for batch in s
        .scan(ScanOptions {
            with_ttl: true,
            ..ScanOptions::default()
        })
        .expect("scan")
    {
        let batch = batch.expect("batch");
        assert!(batch.len() <= 2_000, "bounded batches: {}", batch.len());
        batches += 1;
        rooms += batch
            .iter()
            .filter(|e| matches!(e, Entry::Room(r) if r.ttl_ms.is_some()))
            .count();
    }
    let took = started.elapsed();
    assert_eq!(rooms, 10_000);
    assert!(batches >= 5, "{batches} batches");
    // About 40 ms in a release build; an unoptimised build spends some ten
    // times that parsing replies, so it only gets a sanity bound.
    // `every_operation_is_batched` guards the round trips either way.
    let limit = if cfg!(debug_assertions) { 5 } else { 1 };
    assert!(took < Duration::from_secs(limit), "scan took {took:?}");
}

#[test]
fn every_operation_is_batched() {
    const ROOMS: usize = 2_500;
    let server = RedisServer::start();
    let proxy = CountingProxy::start(server.port());
    let s = RedisStore::connect(&config(&proxy.url(), "room:")).expect("connect");
    let docs: Vec<RoomDocument> = (0..ROOMS)
        .map(|i| sample_room(&format!("room-{i:05}")))
        .collect();
    let names: Vec<&str> = docs.iter().map(|d| d.name()).collect();
    // One round trip per key would be at least ROOMS sends per operation.
    let few = ROOMS / 10;
    let check = |what: &str, run: &mut dyn FnMut()| {
        let before = proxy.sends();
        run();
        let sends = proxy.sends() - before;
        assert!(sends < few, "{what}: {sends} sends for {ROOMS} rooms");
    };
    for condition in [Condition::Absent, Condition::Overwrite] {
        check(&format!("put {condition:?}"), &mut || {
            let puts: Vec<Put<'_>> = docs
                .iter()
                .map(|doc| Put {
                    doc,
                    condition,
                    ttl_ms: None,
                })
                .collect();
            s.put_batch(&puts).expect("put_batch");
        });
    }
    check("scan", &mut || {
        let n: usize = s
            .scan(ScanOptions {
                with_ttl: true,
                ..ScanOptions::default()
            })
            .expect("scan")
            .map(|b| b.expect("batch").len())
            .sum();
        assert_eq!(n, ROOMS);
    });
    let mut stored = Vec::new();
    check("get", &mut || {
        stored = s.get_batch(&names).expect("get_batch");
    });
    let bytes: Vec<Vec<u8>> = stored
        .into_iter()
        .map(|l| match l {
            Lookup::Found(r) => r.bytes,
            other => panic!("{other:?}"),
        })
        .collect();
    check("swap", &mut || {
        let puts: Vec<Put<'_>> = docs
            .iter()
            .zip(&bytes)
            .map(|(doc, b)| Put {
                doc,
                condition: Condition::Unchanged(b),
                ttl_ms: None,
            })
            .collect();
        let outs = s.put_batch(&puts).expect("put_batch");
        assert!(outs.iter().all(|o| *o == PutOutcome::Written));
    });
    check("delete", &mut || {
        let deletes: Vec<Delete<'_>> = names.iter().map(|n| Delete::named(n)).collect();
        let outs = s.delete_batch(&deletes).expect("delete_batch");
        assert!(outs.iter().all(|o| *o == DeleteOutcome::Deleted));
    });
}
