//! Reading what a Redis server says about itself (`INFO server`,
//! `CLUSTER MYID`, `CLUSTER NODES`), for a store's identity.

use redis::{Cmd, Value};

/// The text of a reply (`INFO`, `CLUSTER MYID`); `None` for an error,
/// such as a command the user may not run.
pub(super) fn reply_text(reply: &Value) -> Option<String> {
    match reply {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

/// The value of `field:` in an `INFO` reply.
pub(super) fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        line.strip_prefix(field)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
            .filter(|value| !value.is_empty())
    })
}

/// The node ids of a `CLUSTER NODES` reply: the first word of each line.
pub(super) fn cluster_node_ids(nodes: &str) -> impl Iterator<Item = String> + '_ {
    nodes
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
}

pub(super) fn info_server() -> Cmd {
    redis::cmd("INFO").arg("server").clone()
}
