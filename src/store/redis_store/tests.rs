//! Unit tests of the Redis backend's command building and reply decoding.

use super::*;

#[test]
fn glob_characters_in_the_prefix_are_escaped() {
    assert_eq!(match_pattern("room:"), b"room:*");
    assert_eq!(match_pattern(r"mm*[1]?\:"), br"mm\*\[1\]\?\\:*");
}

#[test]
fn lock_keys_are_never_under_the_prefix() {
    for prefix in ["room:", "r", "roomctl:", "roomctl:lock:prune:", "_", "x"] {
        let key = lock_key("prune", prefix);
        assert!(!key.starts_with(prefix), "{prefix:?}: {key}");
        assert!(key.ends_with(prefix), "one key per prefix: {key}");
    }
    assert_eq!(lock_key("prune", "room:"), "roomctl:lock:prune:room:");
}

#[test]
fn only_a_dead_holder_on_this_host_is_taken_over() {
    let mine = lock_token();
    assert!(!dead_local_holder(&mine), "this process runs: {mine}");
    // A pid that cannot exist (above the kernel's pid_max limit).
    let dead = mine.replacen(
        &format!("(pid {} ", std::process::id()),
        "(pid 99999999 ",
        1,
    );
    assert_ne!(dead, mine);
    assert!(dead_local_holder(&dead), "{dead}");
    let elsewhere = dead.replacen(" on ", " on not-this-host-", 1);
    assert!(!dead_local_holder(&elsewhere), "{elsewhere}");
    assert!(!dead_local_holder(
        "roomctl (pid 99999999 on elsewhere) since yesterday"
    ));
    assert!(!dead_local_holder("the other run"));
}

#[test]
fn server_facts_are_read_from_info_and_cluster_nodes() {
    let info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nrun_id:abc123\r\n";
    assert_eq!(info_field(info, "run_id"), Some("abc123"));
    assert_eq!(info_field(info, "redis_mode"), Some("standalone"));
    assert_eq!(info_field(info, "run"), None);
    let nodes = "07c3 127.0.0.1:30004@31004 slave e7d1 0 1 4 connected\n\
                 e7d1 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460\n";
    assert_eq!(
        cluster_node_ids(nodes).collect::<Vec<_>>(),
        ["07c3", "e7d1"]
    );
}

#[test]
fn not_a_string_reads_well() {
    assert_eq!(not_a_string("set"), "a set, not a string; not a room");
    assert_eq!(not_a_string("hash"), "a hash, not a string; not a room");
}
