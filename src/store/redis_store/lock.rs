//! Advisory locks as leases on a key outside the room prefix (see the
//! module doc of the Redis backend).

use super::*;

/// How long a lock lease lasts without a refresh.
pub(super) const LOCK_TTL_MS: u64 = 60_000;

/// KEYS[1] lock key; ARGV: token, TTL in ms. Extends the lease while it is
/// ours; takes it again if it ran out and nobody took it meanwhile.
pub(super) const LOCK_REFRESH: &str = r#"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"#;

/// KEYS[1] lock key; ARGV[1] token. Deletes the lock only if it is ours.
pub(super) const LOCK_RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// The key of the lock `name` for rooms under `prefix`: never itself under
/// the prefix, so it is never scanned as a room (two bases that differ in
/// their first byte cannot both start with the same non-empty prefix).
pub fn lock_key(name: &str, prefix: &str) -> String {
    let key = format!("roomctl:lock:{name}:{prefix}");
    if key.starts_with(prefix) {
        format!("_roomctl:lock:{name}:{prefix}")
    } else {
        key
    }
}

/// KEYS[1] lock key; ARGV: the dead holder's token, our token, TTL in ms.
/// Takes a lease over only while it still holds that token.
pub(super) const LOCK_TAKEOVER: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"#;

pub(super) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// This process's PID namespace (`pid:[4026531836]`): a pid names the same
/// process only on the same host and in the same namespace (containers
/// sharing a host name have their own).
pub(super) fn pid_namespace() -> Option<String> {
    std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Who takes a lock, for the message another run shows, made unique by a
/// random suffix (the lease's token), and ending with the PID namespace so
/// that a later run can tell whether the holder still runs (see
/// [`dead_local_holder`]).
pub(super) fn lock_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS's randomness per process.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!(
        "roomctl (pid {} on {}) since {} #{:016x} {}",
        std::process::id(),
        hostname(),
        crate::room::format_timestamp(crate::clock::wall_clock_ms()),
        hasher.finish(),
        pid_namespace().unwrap_or_default()
    )
    .trim_end()
    .to_string()
}

/// Whether a lock token names a roomctl that ran on this host, in this PID
/// namespace, and no longer runs (`kill -9`, a crash, a reboot): its lease
/// would only run out, so it may be taken over at once. A holder elsewhere,
/// or one whose pid is alive (even if reused by another program), is left
/// to its lease.
pub(super) fn dead_local_holder(token: &str) -> bool {
    let parse = || {
        let rest = token.strip_prefix("roomctl (pid ")?;
        let (pid, rest) = rest.split_once(" on ")?;
        let (host, rest) = rest.split_once(") since ")?;
        let (_, namespace) = rest.rsplit_once(' ')?;
        let pid: u32 = pid.parse().ok()?;
        let here = host == hostname() && pid_namespace().as_deref() == Some(namespace);
        here.then_some(pid)
    };
    parse().is_some_and(crate::atomic::process_gone)
}

/// A held Redis lock lease.
pub(super) struct RedisLock<'a> {
    pub(super) store: &'a RedisStore,
    pub(super) key: String,
    pub(super) token: String,
}

impl RedisLock<'_> {
    fn eval(&self, script: &str, extra: Option<u64>) -> Result<Value, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(1).arg(&self.key).arg(&self.token);
        if let Some(x) = extra {
            cmd.arg(x);
        }
        self.store.single_key(self.key.as_bytes(), cmd)
    }
}

impl LockGuard for RedisLock<'_> {
    fn refresh(&self) -> Result<(), StoreError> {
        match self.eval(LOCK_REFRESH, Some(LOCK_TTL_MS))? {
            Value::Int(1) => Ok(()),
            _ => {
                let holder = self
                    .store
                    .single_key(
                        self.key.as_bytes(),
                        redis::cmd("GET").arg(&self.key).clone(),
                    )
                    .ok()
                    .and_then(|v| match v {
                        Value::BulkString(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "another roomctl".into());
                Err(StoreError::Locked {
                    lock: format!("{} (lost: the lease ran out and was taken)", self.key),
                    holder,
                })
            }
        }
    }
}

impl Drop for RedisLock<'_> {
    fn drop(&mut self) {
        // If this fails (Redis gone), the lease runs out by itself.
        let _ = self.eval(LOCK_RELEASE, None);
    }
}
