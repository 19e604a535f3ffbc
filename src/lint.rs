//! Deep validation of a room document's values against the document the
//! server writes (docs/compatibility.md, "The room document"): what
//! `roomctl check` reports about rooms the server can load but that carry
//! malformed values (unparsable dates, broken rating tuples, unknown enum
//! values, wrong types).
//!
//! Only the keys the SPEC documents are looked at: unknown keys are data a
//! newer server wrote, never a problem. The three keys the server's reader
//! requires are already enforced when the document is parsed
//! ([`crate::room::REQUIRED_KEYS`]); here only their values are checked.

use serde_json::{Map, Value};

use crate::room::{RoomDocument, parse_timestamp};

/// Every problem with the values of a room document, one sentence each,
/// naming the key (`createdAt "yesterday" is not an ISO 8601 instant`).
/// Empty for a clean document. Text from the document is included as JSON
/// (quoted, shortened); callers escape it for terminals.
pub fn lint(doc: &RoomDocument) -> Vec<String> {
    let map = doc.as_map();
    let mut issues = Vec::new();

    // The password is a secret whatever its type: say what it is, never
    // what it holds.
    optional(map, "password", &mut issues, |v| match v {
        Value::String(_) => Ok(()),
        other => Err(format!("is {}, not a string", kind(other))),
    });
    optional(map, "options", &mut issues, string_array);
    optional(map, "filters", &mut issues, filters);
    match map.get("sort") {
        None => issues.push(r#"sort is missing (the server requires "random" or "rating")"#.into()),
        Some(v) => one_of("sort", v, &["random", "rating"], &mut issues),
    }
    enum_field(
        map,
        "roomType",
        &["standard", "unanimous", "solo", "async"],
        &mut issues,
    );
    enum_field(
        map,
        "sortOrder",
        &["newest", "oldest", "random"],
        &mut issues,
    );
    enum_field(map, "genreFilterMode", &["and", "or"], &mut issues);
    optional(map, "ratingFilter", &mut issues, rating_filter);
    optional(
        map,
        "contentRatingFilter",
        &mut issues,
        content_rating_filter,
    );
    instant(map, "createdAt", &mut issues);
    instant(map, "lastActivityAt", &mut issues);
    // Required by the SPEC although the server's reader does not insist.
    match map.get("creatorPlexUsername") {
        None => issues.push("creatorPlexUsername is missing".into()),
        Some(v) => {
            if let Err(why) = expect_string(v) {
                issues.push(format!("creatorPlexUsername {why}"));
            }
        }
    }
    if let Some(v) = map.get("ratings") {
        ratings(v, &mut issues);
    }
    optional(map, "userProgress", &mut issues, user_progress);
    issues
}

/// Runs `check` on `key` when present; its error is prefixed with the key.
fn optional(
    map: &Map<String, Value>,
    key: &str,
    issues: &mut Vec<String>,
    check: impl Fn(&Value) -> Result<(), String>,
) {
    if let Some(v) = map.get(key)
        && let Err(why) = check(v)
    {
        issues.push(format!("{key} {why}"));
    }
}

fn enum_field(map: &Map<String, Value>, key: &str, allowed: &[&str], issues: &mut Vec<String>) {
    if let Some(v) = map.get(key) {
        one_of(key, v, allowed, issues);
    }
}

fn one_of(key: &str, v: &Value, allowed: &[&str], issues: &mut Vec<String>) {
    if !v.as_str().is_some_and(|s| allowed.contains(&s)) {
        issues.push(format!(
            "{key} {} is not one of {}",
            shown(v),
            allowed.join(", ")
        ));
    }
}

fn instant(map: &Map<String, Value>, key: &str, issues: &mut Vec<String>) {
    let Some(v) = map.get(key) else { return };
    if v.as_str().and_then(parse_timestamp).is_none() {
        issues.push(format!(
            "{key} {} is not an ISO 8601 instant (like 2025-10-25T19:04:11.123Z)",
            shown(v)
        ));
    }
}

fn expect_string(v: &Value) -> Result<(), String> {
    if v.is_string() {
        Ok(())
    } else {
        Err(format!("is {}, not a string", shown(v)))
    }
}

fn string_array(v: &Value) -> Result<(), String> {
    match v.as_array() {
        Some(items) => match items.iter().position(|i| !i.is_string()) {
            None => Ok(()),
            Some(n) => Err(format!("[{n}] is {}, not a string", shown(&items[n]))),
        },
        None => Err(format!("is {}, not an array of strings", shown(v))),
    }
}

fn filters(v: &Value) -> Result<(), String> {
    let Some(items) = v.as_array() else {
        return Err(format!("is {}, not an array", shown(v)));
    };
    for (n, item) in items.iter().enumerate() {
        let ok = item.as_object().is_some_and(|f| {
            f.get("key").is_some_and(Value::is_string)
                && f.get("operator").is_some_and(Value::is_string)
                && f.get("value").is_some_and(|v| string_array(v).is_ok())
        });
        if !ok {
            return Err(format!(
                "[{n}] is {}, not {{key: string, operator: string, value: string[]}}",
                shown(item)
            ));
        }
    }
    Ok(())
}

fn rating_filter(v: &Value) -> Result<(), String> {
    let Some(f) = v.as_object() else {
        return Err(format!("is {}, not an object", shown(v)));
    };
    for key in ["min", "max"] {
        if let Some(n) = f.get(key)
            && !n.is_number()
        {
            return Err(format!(".{key} is {}, not a number", shown(n)));
        }
    }
    if let Some(t) = f.get("type")
        && !t.as_str().is_some_and(|s| s == "critic" || s == "audience")
    {
        return Err(format!(".type {} is not one of critic, audience", shown(t)));
    }
    Ok(())
}

fn content_rating_filter(v: &Value) -> Result<(), String> {
    match v.as_object().and_then(|f| f.get("ratings")) {
        Some(r) => string_array(r).map_err(|why| format!(".ratings {why}")),
        None => Err(format!("is {}, not {{ratings: string[]}}", shown(v))),
    }
}

/// Ratings are the match history: every malformed tuple is counted, and the
/// first one is shown, so that one broken room yields one line, not hundreds.
fn ratings(v: &Value, issues: &mut Vec<String>) {
    let Some(media) = v.as_object() else {
        issues.push(format!(
            "ratings is {}, not an object of mediaId -> rating tuples",
            shown(v)
        ));
        return;
    };
    let mut bad = 0usize;
    let mut first: Option<String> = None;
    for (id, tuples) in media {
        let Some(tuples) = tuples.as_array() else {
            bad += 1;
            first.get_or_insert_with(|| {
                format!(
                    "ratings[{}] is {}, not an array",
                    Value::from(id.as_str()),
                    shown(tuples)
                )
            });
            continue;
        };
        for (n, t) in tuples.iter().enumerate() {
            if !is_rating_tuple(t) {
                bad += 1;
                first.get_or_insert_with(|| {
                    format!(
                        "ratings[{}][{n}] is {}, not [user, \"like\"|\"dislike\", epochMillis]",
                        Value::from(id.as_str()),
                        shown(t)
                    )
                });
            }
        }
    }
    if let Some(first) = first {
        if bad == 1 {
            issues.push(first);
        } else {
            issues.push(format!("{first} ({bad} malformed ratings in all)"));
        }
    }
}

fn is_rating_tuple(t: &Value) -> bool {
    matches!(
        t.as_array().map(Vec::as_slice),
        Some([Value::String(_), Value::String(verdict), Value::Number(_)])
            if verdict == "like" || verdict == "dislike"
    )
}

fn user_progress(v: &Value) -> Result<(), String> {
    let Some(users) = v.as_object() else {
        return Err(format!("is {}, not an object of user -> number", shown(v)));
    };
    match users.iter().find(|(_, n)| !n.is_number()) {
        None => Ok(()),
        Some((user, n)) => Err(format!(
            "[{}] is {}, not a number",
            Value::from(user.as_str()),
            shown(n)
        )),
    }
}

/// A value as compact JSON, shortened: messages stay one readable line.
/// What a value is, without what it holds (for secrets).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn shown(v: &Value) -> String {
    const MAX: usize = 60;
    let text = v.to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(extra: Value) -> RoomDocument {
        let mut base = json!({
            "roomName": "r",
            "sort": "random",
            "createdAt": "2025-10-25T19:04:11.123Z",
            "creatorPlexUserId": "1",
            "creatorPlexUsername": "ann",
            "ratings": {"m1": [["ann", "like", 1761419051123_i64], ["bob", "dislike", 1.5e12]]},
            "userProgress": {"ann": 1, "bob": 1}
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(&k);
            } else {
                base[k] = v;
            }
        }
        RoomDocument::from_value(base).unwrap()
    }

    #[test]
    fn a_complete_room_and_unknown_keys_are_clean() {
        let d = doc(json!({
            "password": "pw",
            "options": ["EndOnFirstMatch"],
            "filters": [{"key": "genre", "operator": "=", "value": ["Drama"]}],
            "roomType": "async",
            "sortOrder": "oldest",
            "genreFilterMode": "or",
            "ratingFilter": {"min": 5, "max": 9.5, "type": "critic"},
            "contentRatingFilter": {"ratings": ["PG"]},
            "lastActivityAt": "2025-10-26T00:00:00Z",
            "futureField": {"anything": [1, "x"]},
            "reactions": "whatever a newer server writes"
        }));
        assert_eq!(lint(&d), Vec::<String>::new());
    }

    #[test]
    fn bad_dates_are_reported() {
        let issues = lint(&doc(
            json!({"createdAt": "yesterday", "lastActivityAt": 17}),
        ));
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues[0].starts_with("createdAt \"yesterday\" is not an ISO 8601"));
        assert!(issues[1].starts_with("lastActivityAt 17 is not"));
    }

    #[test]
    fn enums_are_checked() {
        let issues = lint(&doc(json!({
            "sort": "alphabetical",
            "roomType": "premium",
            "sortOrder": 1,
            "genreFilterMode": "xor",
            "ratingFilter": {"type": "friends"}
        })));
        assert_eq!(
            issues,
            vec![
                "sort \"alphabetical\" is not one of random, rating",
                "roomType \"premium\" is not one of standard, unanimous, solo, async",
                "sortOrder 1 is not one of newest, oldest, random",
                "genreFilterMode \"xor\" is not one of and, or",
                "ratingFilter .type \"friends\" is not one of critic, audience",
            ]
        );
    }

    #[test]
    fn missing_sort_and_username_are_reported() {
        let issues = lint(&doc(json!({"sort": null, "creatorPlexUsername": null})));
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues[0].starts_with("sort is missing"));
        assert_eq!(issues[1], "creatorPlexUsername is missing");
    }

    #[test]
    fn rating_tuples_are_checked_and_counted() {
        let issues = lint(&doc(json!({"ratings": {
            "m1": [["ann", "like", 1], ["bob", "meh", 2]],
            "m2": [["ann", "like", "yesterday"], ["ann", "like"]],
            "m3": "nope"
        }})));
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(
            issues[0],
            "ratings[\"m1\"][1] is [\"bob\",\"meh\",2], not [user, \"like\"|\"dislike\", epochMillis] (4 malformed ratings in all)"
        );
        let issues = lint(&doc(json!({"ratings": [1, 2]})));
        assert!(issues[0].starts_with("ratings is [1,2], not an object"));
    }

    #[test]
    fn types_of_optional_fields_are_checked() {
        let issues = lint(&doc(json!({
            "password": 1234,
            "options": ["EndOnFirstMatch", 3],
            "filters": [{"key": "genre", "operator": "=", "value": "Drama"}],
            "contentRatingFilter": {"ratings": "PG"},
            "ratingFilter": {"min": "5"},
            "userProgress": {"ann": "two"}
        })));
        assert_eq!(
            issues,
            vec![
                "password is a number, not a string",
                "options [1] is 3, not a string",
                "filters [0] is {\"key\":\"genre\",\"operator\":\"=\",\"value\":\"Drama\"}, not {key: string, operator: string, value: string[]}",
                "ratingFilter .min is \"5\", not a number",
                "contentRatingFilter .ratings is \"PG\", not an array of strings",
                "userProgress [\"ann\"] is \"two\", not a number",
            ]
        );
    }

    #[test]
    fn long_values_are_shortened() {
        let long = "x".repeat(500);
        let issues = lint(&doc(json!({ "sort": long })));
        assert!(issues[0].len() < 150, "{}", issues[0]);
        assert!(issues[0].contains('…'));
    }
}
