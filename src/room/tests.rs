//! The room readers' tests: the document, its facts and its spelling.

use serde_json::Value;

use super::*;

const ROOM: &str = r#"{"roomName":"movie night","password":"pw","sort":"random","createdAt":"2025-10-25T19:04:11.123Z","creatorPlexUserId":"1","creatorPlexUsername":"ann","ratings":{"m1":[["ann","like",1761419051123],["bob","like",1761419052123]],"m2":[["ann","dislike",1761419053123]]},"userProgress":{"ann":2,"bob":1,"cy":0},"futureField":{"x":[1,2]}}"#;

#[test]
fn pretty_is_what_serde_json_prints_pretty() {
    let texts = [
        ROOM,
        r#"{"a":[],"b":{},"c":[{}],"d":[[],[1]],"e":"x,y:{[\"]}\\","f":"é🎬\u0001","g":-1.5e-7}"#,
        r#"{"roomName":"a\\","n":[null,true,false,{"k":{"l":[]}}]}"#,
    ];
    for text in texts {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let compact = serde_json::to_vec(&value).unwrap();
        let want = serde_json::to_vec_pretty(&value).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&pretty(&compact)),
            String::from_utf8_lossy(&want),
            "{text}"
        );
    }
    let doc = RoomDocument::from_slice(ROOM.as_bytes()).unwrap();
    assert_eq!(
        doc.to_pretty(),
        serde_json::to_vec_pretty(doc.as_map()).unwrap()
    );
}

#[test]
fn pretty_len_is_the_length_of_the_pretty_form() {
    let texts = [
        ROOM,
        r#"{"a":[],"b":{},"c":[{}],"d":[[],[1]],"e":"x,y:{[\"]}"}"#,
        r#"{ "a" : [ 1 , 2 ] , "b" : { } }"#,
        "[]",
        "12",
    ];
    for text in texts {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        assert_eq!(pretty_len(text.as_bytes()), pretty.len() as u64, "{text}");
        let compact = serde_json::to_vec(&value).unwrap();
        assert_eq!(pretty_len(&compact), pretty.len() as u64, "{text}");
    }
}

#[test]
fn facts_fold_ratings() {
    let f = RoomFacts::from_slice(ROOM.as_bytes()).unwrap();
    assert_eq!(f.name, "movie night");
    assert_eq!(f.users, vec!["ann", "bob", "cy"]);
    assert_eq!((f.ratings, f.likes, f.matches), (3, 2, 1));
    assert_eq!(f.newest_rating_ms, Some(1761419053123));
    assert!(f.has_password);
    assert_eq!(f.last_activity_ms(), Some(1761419053123));
}

#[test]
fn document_round_trips_unknown_keys_in_order() {
    let doc = RoomDocument::from_slice(ROOM.as_bytes()).unwrap();
    assert_eq!(String::from_utf8(doc.to_compact()).unwrap(), ROOM);
    let pretty = doc.to_pretty();
    let again = RoomDocument::from_slice(&pretty).unwrap();
    assert_eq!(again.to_compact(), doc.to_compact());
    assert!(!pretty.ends_with(b"\n"));
}

#[test]
fn minifying_never_turns_bad_text_into_a_room() {
    // Whitespace between two words is not dropped silently: `[1 2]` is
    // not JSON, `[12]` would be.
    for bad in [
        &br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","n":[1 2]}"#[..],
        br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","n":[1 .5]}"#,
        br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","b":tr ue}"#,
        br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","s":"a" "b"}"#,
    ] {
        assert!(!minify_checked(bad).1, "{}", String::from_utf8_lossy(bad));
        assert!(RoomDocument::from_slice(bad).is_err());
        assert!(RoomFacts::from_slice(bad).is_err());
    }
    // Literals and pretty text stay on the fast path.
    let doc = br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","t":true,"f":[false,null],"s":"\"\\"}"#;
    let pretty = serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(doc).unwrap()).unwrap();
    assert_eq!(minify_checked(&pretty), (doc.to_vec(), true));
    // A string cut short inside an escape.
    assert!(RoomDocument::from_slice(br#"{"roomName":"a\"#).is_err());
}

#[test]
fn a_judged_room_reads_as_its_parse() {
    let doc = br#"{"roomName":"a b","creatorPlexUserId":"1","createdAt":"2026-01-01T00:00:00.000Z","ratings":{"m":[["u","like",1761419051123]]},"x":true}"#;
    let pretty = RoomDocument::from_slice(doc).unwrap().to_pretty();
    let facts = RoomFacts::from_slice(&pretty).unwrap();
    let (compact, canonical) = minify_checked(&pretty);
    assert!(canonical);
    let judged = RoomDocument::from_judged_compact(facts.name.clone(), compact);
    let parsed = RoomDocument::from_slice(&pretty).unwrap();
    assert_eq!(judged.name(), parsed.name());
    assert_eq!(judged.to_compact(), parsed.to_compact());
    assert_eq!(judged.facts(), parsed.facts());
    assert_eq!(judged.as_map(), parsed.as_map());
}

#[test]
fn unusual_spellings_are_respelled() {
    let odd = br#"{"roomName":"caf\u00e9","creatorPlexUserId":"1","createdAt":"x","n":1.50,"p":"a\/b","e":1e3,"c":"\u001b"}"#;
    let doc = RoomDocument::from_slice(odd).unwrap();
    assert_eq!(
        String::from_utf8(doc.to_compact()).unwrap(),
        r#"{"roomName":"café","creatorPlexUserId":"1","createdAt":"x","n":1.5,"p":"a/b","e":1000.0,"c":"\u001b"}"#
    );
    let usual = br#"{"roomName":"a","creatorPlexUserId":"1","createdAt":"x","n":[1.5,-2,1761419051123],"c":"\u001b\n"}"#;
    assert_eq!(
        RoomDocument::from_slice(usual).unwrap().compact_bytes(),
        Some(&usual[..])
    );
    let pretty = RoomDocument::from_slice(usual).unwrap().to_pretty();
    assert_eq!(
        RoomDocument::from_slice(&pretty).unwrap().compact_bytes(),
        Some(&usual[..])
    );
}

/// A room with `extra` appended to its required keys.
fn room_with(extra: &str) -> Vec<u8> {
    format!(r#"{{"roomName":"r","creatorPlexUserId":"1","createdAt":"2025-10-25T19:04:11.123Z"{extra}}}"#).into_bytes()
}

#[test]
fn whitespace_between_two_tokens_is_not_removed_into_one() {
    // Minified, `1 2` would read as 12 and `tr ue` as true.
    for extra in [
        r#","n":[1 2]"#,
        r#","b":tr ue"#,
        r#","n":- 1"#,
        r#","n":1 .5"#,
    ] {
        let bytes = room_with(extra);
        assert!(
            matches!(
                RoomDocument::from_slice(&bytes),
                Err(DocumentError::Corrupt(_))
            ),
            "{extra}"
        );
    }
    let spaced = room_with(r#", "n" : [ 1 , 2 ] , "b" : true "#);
    assert_eq!(
        RoomDocument::from_slice(&spaced).unwrap().compact_bytes(),
        Some(&room_with(r#","n":[1,2],"b":true"#)[..])
    );
}

#[test]
fn literals_take_the_fast_path() {
    let bytes = room_with(r#","flags":[true,false,null],"e":{"enabled":true}"#);
    let doc = RoomDocument::from_slice(&bytes).unwrap();
    assert_eq!(doc.compact_bytes(), Some(&bytes[..]));
}

#[test]
fn numbers_are_kept_only_in_serde_json_spelling() {
    for (stored, kept) in [
        ("0", true),
        ("-1", true),
        ("18446744073709551615", true),
        ("-9223372036854775808", true),
        ("1.5", true),
        ("1761419051.1269999", true),
        ("1e-7", true),
        // Read as other numbers or spelled otherwise by serde_json.
        ("18446744073709551616", false),
        ("-9223372036854775809", false),
        ("-0", false),
        ("0.0000001", false),
        ("0.10000000000000001", false),
        ("1E2", false),
    ] {
        let bytes = room_with(&format!(r#","n":{stored}"#));
        let doc = RoomDocument::from_slice(&bytes).unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            doc.to_compact(),
            serde_json::to_vec(&value).unwrap(),
            "{stored}"
        );
        assert_eq!(doc.compact_bytes().is_some(), kept, "{stored}");
    }
}

#[test]
fn respelled_numbers_keep_their_value() {
    // Without serde_json's float_roundtrip this reads as the double
    // printed 1761419051.127, and a re-spelled room changed its number.
    let bytes = room_with(r#","p":"a\/b","t":1761419051.1269999"#);
    let doc = RoomDocument::from_slice(&bytes).unwrap();
    assert!(doc.compact_bytes().is_none());
    assert_eq!(
        doc.to_compact(),
        room_with(r#","p":"a/b","t":1761419051.1269999"#)
    );
}

#[test]
fn what_a_tree_cannot_hold_is_refused_by_every_reader() {
    for extra in [
        r#","n":1e400"#,
        r#","n":[-1e400]"#,
        r#","s":"\ud800""#,
        r#","x":{"\udfff":1}"#,
        r#","ratings":{"m":[["a","like",1e999]]}"#,
    ] {
        let bytes = room_with(extra);
        assert!(serde_json::from_slice::<Value>(&bytes).is_err(), "{extra}");
        for (reader, result) in [
            ("document", RoomDocument::from_slice(&bytes).err()),
            ("facts", RoomFacts::from_slice(&bytes).err()),
        ] {
            assert!(
                matches!(result, Some(DocumentError::Corrupt(_))),
                "{reader} {extra}"
            );
        }
    }
    // Nested deeper than a tree may be.
    let deep = room_with(&format!(r#","d":{}{}"#, "[".repeat(200), "]".repeat(200)));
    assert!(RoomFacts::from_slice(&deep).is_err());
    assert!(RoomDocument::from_slice(&deep).is_err());
}

#[test]
fn bytes_that_are_not_utf8_are_refused_wherever_they_are() {
    let mut bytes = room_with(r#","note":"caf"#);
    bytes.truncate(bytes.len() - 1);
    bytes.extend_from_slice(b"\xe9\"}");
    let at = bytes.iter().position(|&b| b == 0xe9).unwrap() + 1;
    for err in [
        RoomDocument::from_slice(&bytes).unwrap_err(),
        RoomFacts::from_slice(&bytes).unwrap_err(),
    ] {
        assert_eq!(
            err,
            DocumentError::Corrupt(format!("not UTF-8 from byte {at}"))
        );
    }
}

#[test]
fn of_two_equal_keys_the_last_counts() {
    // As the server's JSON.parse reads it: the last value, in the place
    // of the first key.
    let bytes = room_with(r#","x":1,"roomName":"second","x":[2]"#);
    let doc = RoomDocument::from_slice(&bytes).unwrap();
    assert_eq!(doc.name(), "second");
    assert_eq!(
        String::from_utf8(doc.to_compact()).unwrap(),
        r#"{"roomName":"second","creatorPlexUserId":"1","createdAt":"2025-10-25T19:04:11.123Z","x":[2]}"#
    );
    assert_eq!(RoomFacts::from_slice(&bytes).unwrap().name, "second");
    // An earlier value of the wrong type does not count either.
    let bytes = room_with(r#","ratings":5,"ratings":{}"#);
    assert!(RoomFacts::from_slice(&bytes).is_ok());
    assert!(RoomDocument::from_slice(&bytes).is_ok());
    // A media item listed twice: only its last list.
    let bytes = room_with(
        r#","ratings":{"m":[["a","like",1],["b","like",2]],"n":[],"m":[["c","dislike",3]]}"#,
    );
    let facts = RoomFacts::from_slice(&bytes).unwrap();
    assert_eq!(facts.users, vec!["c"]);
    assert_eq!((facts.ratings, facts.likes, facts.matches), (1, 0, 0));
    assert_eq!(facts, RoomDocument::from_slice(&bytes).unwrap().facts());
}

#[test]
fn a_malformed_value_is_named_by_its_key() {
    for (extra, key) in [
        (r#","creatorPlexUsername":7"#, "creatorPlexUsername"),
        (r#","lastActivityAt":[]"#, "lastActivityAt"),
        (r#","ratings":1"#, "ratings"),
        (r#","ratings":{"m":3}"#, "ratings"),
        (r#","ratings":{"m":[["a","like"]]}"#, "ratings"),
        (r#","ratings":{"m":[["a","like",1,2]]}"#, "ratings"),
        (r#","ratings":{"m":[["a",1,1]]}"#, "ratings"),
        (r#","userProgress":[]"#, "userProgress"),
    ] {
        let bytes = room_with(extra);
        for err in [
            RoomDocument::from_slice(&bytes).unwrap_err(),
            RoomFacts::from_slice(&bytes).unwrap_err(),
        ] {
            let DocumentError::Invalid(why) = err else {
                panic!("{extra}: {err:?}");
            };
            assert!(why.contains(key), "{extra}: {why}");
            assert!(why.contains("at line 1 column"), "{extra}: {why}");
        }
    }
    let err = RoomFacts::from_slice(br#"{"roomName":5,"creatorPlexUserId":"1","createdAt":"x"}"#)
        .unwrap_err();
    assert_eq!(
        err,
        DocumentError::Invalid(
            "invalid type: integer `5`, expected roomName as a string at line 1 column 13".into()
        )
    );
}

#[test]
fn a_long_value_is_not_quoted_whole() {
    let long = "y".repeat(50_000);
    let bytes = room_with(&format!(r#","ratings":"{long}""#));
    for err in [
        RoomDocument::from_slice(&bytes).unwrap_err(),
        RoomFacts::from_slice(&bytes).unwrap_err(),
    ] {
        let DocumentError::Invalid(why) = err else {
            panic!("{err:?}")
        };
        assert!(why.chars().count() <= 400, "{why}");
        assert!(why.starts_with("invalid type: string \"yyy"), "{why}");
        assert!(why.ends_with("expected ratings as an object of mediaId -> [user, verdict, epochMillis] lists at line 1 column 50091"), "{why}");
    }
}

#[test]
fn missing_required_is_invalid() {
    let e = RoomFacts::from_slice(br#"{"roomName":"x","creatorPlexUserId":"1"}"#).unwrap_err();
    assert_eq!(e, DocumentError::Invalid("missing createdAt".into()));
    let e = RoomDocument::from_slice(br#"{"roomName":"x","creatorPlexUserId":"1"}"#).unwrap_err();
    assert!(matches!(e, DocumentError::Invalid(_)));
    assert!(matches!(
        RoomFacts::from_slice(b""),
        Err(DocumentError::Corrupt(_))
    ));
    assert!(matches!(
        RoomFacts::from_slice(b"[1]"),
        Err(DocumentError::NotAnObject)
    ));
    assert!(matches!(
        RoomFacts::from_slice(b"{\"roomName\":"),
        Err(DocumentError::Corrupt(_))
    ));
    assert!(matches!(
        RoomFacts::from_slice(b"\xff\xfe"),
        Err(DocumentError::Corrupt(_))
    ));
}

#[test]
fn activity_falls_back_and_can_be_unknown() {
    let f = RoomFacts::from_slice(br#"{"roomName":"x","creatorPlexUserId":"1","createdAt":"2025-01-01T00:00:00.000Z","lastActivityAt":"2025-02-01T00:00:00.000Z"}"#).unwrap();
    assert_eq!(
        f.last_activity_ms(),
        parse_timestamp("2025-02-01T00:00:00.000Z")
    );
    let f = RoomFacts::from_slice(
        br#"{"roomName":"x","creatorPlexUserId":"1","createdAt":"yesterday"}"#,
    )
    .unwrap();
    assert_eq!(f.last_activity_ms(), None);
    assert_eq!(f.last_activity(), None);
    assert!(
        f.unknown_activity_reason()
            .contains("\"yesterday\" is not a date")
    );
    assert_eq!(format_timestamp(1761419051123), "2025-10-25T19:04:11.123Z");
}

#[test]
fn activity_source_is_the_newest_reading() {
    let base = r#""roomName":"x","creatorPlexUserId":"1","createdAt":"2025-01-01T00:00:00.000Z""#;
    let rating = r#""ratings":{"m":[["a","like",1738368000000]]}"#; // 2025-02-01
    let cases = [
        (
            format!("{{{base}}}"),
            ActivitySource::CreatedAt,
            "2025-01-01",
        ),
        (
            format!("{{{base},{rating}}}"),
            ActivitySource::Rating,
            "2025-02-01",
        ),
        (
            format!(r#"{{{base},{rating},"lastActivityAt":"2025-03-01T00:00:00.000Z"}}"#),
            ActivitySource::LastActivityAt,
            "2025-03-01",
        ),
        // An older lastActivityAt does not hide a newer rating.
        (
            format!(r#"{{{base},{rating},"lastActivityAt":"2025-01-15T00:00:00.000Z"}}"#),
            ActivitySource::Rating,
            "2025-02-01",
        ),
    ];
    for (json, source, day) in cases {
        let f = RoomFacts::from_slice(json.as_bytes()).unwrap();
        let (ms, got) = f.last_activity().unwrap();
        assert_eq!(got, source, "{json}");
        assert_eq!(Some(ms), f.last_activity_ms(), "{json}");
        assert!(format_timestamp(ms).starts_with(day), "{json}");
    }
}
