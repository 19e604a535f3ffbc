//! The Redis backend (SPEC §3): one string key per room, `prefix + roomName`
//! (the raw name), holding the room as compact JSON.
//!
//! The code has two layers, so that a Redis Cluster variant can be added
//! beside the single server without rewriting the command logic:
//! - [`RedisStore`] builds commands for keys and decodes their replies. Every
//!   command it builds touches one key, except `MGET`, which it builds per
//!   batch of keys (`RedisStore::read_keys`); a cluster would
//!   build it per hash slot instead.
//! - `Server` sends a list of commands as one pipeline on its connection
//!   and pages through `SCAN`. A cluster link would offer the same two
//!   operations, routing each command to its slot's primary and running
//!   `SCAN` on every primary.
//!
//! Everything that must not race with the server (overwrite only a room,
//! compare-and-swap, conditional delete) runs as a Lua script, so the check
//! and the write are one atomic step on the server.
//!
//! Advisory locks ([`Store::lock`]) are leases: `SET key token NX PX 60000`
//! on a key outside the room prefix (`roomctl:lock:<name>:<prefix>`, see
//! [`lock_key`]), extended by [`LockGuard::refresh`] only while the key
//! still holds this holder's token, and released by a compare-and-delete.
//! A holder that dies stops refreshing and the lease runs out.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use redis::{Client, Cmd, Connection, ErrorKind, RedisError, ServerErrorKind, Value};

use super::{
    Condition, Delete, DeleteOutcome, Entry, EntryProblem, LockGuard, Lookup, ProblemKind, Put,
    PutOutcome, Scan, ScanOptions, Store, StoreConfig, StoreError, StoreKind, valid_lock_name,
};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(3);

/// Keys per `SCAN` page and per pipeline: 10,000 rooms take ten round trips,
/// and no batch holds more than this many values in memory.
const BATCH: usize = 1000;

/// Lua shared by the scripts: `set` honours the TTL argument, `judge` says why
/// a stored value is not the room `name` (nil when it is). `judge` follows
/// roomctl's reader: a JSON object with string `roomName`, `creatorPlexUserId`
/// and `createdAt`, whose `roomName` is the name its key says.
const LUA_HELPERS: &str = r#"
local function set(key, value, ttl)
  if ttl == '' then
    redis.call('SET', key, value, 'KEEPTTL')
  else
    redis.call('SET', key, value, 'PX', ttl)
  end
end
local function judge(value, name)
  if not string.find(value, '^%s*{') then
    if pcall(cjson.decode, value) then return 'notroom', 'JSON but not an object' end
    return 'invalid', 'not valid JSON'
  end
  local ok, doc = pcall(cjson.decode, value)
  if not ok or type(doc) ~= 'table' then return 'invalid', 'not valid JSON' end
  local missing = {}
  for _, k in ipairs({'roomName', 'creatorPlexUserId', 'createdAt'}) do
    if type(doc[k]) ~= 'string' then table.insert(missing, k) end
  end
  if #missing > 0 then
    return 'invalid', 'not a room document (missing ' .. table.concat(missing, ', ') .. ')'
  end
  if doc['roomName'] ~= name then return 'misnamed', doc['roomName'] end
  return nil
end
"#;

/// KEYS[1] room key; ARGV: name, new value, TTL in ms ('' keeps the key's).
/// Replaces a room (or creates one), never anything else.
const OVERWRITE_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' then
  if t ~= 'string' then return {'wrongtype', t} end
  local kind, why = judge(redis.call('GET', KEYS[1]), ARGV[1])
  if kind then return {kind, why} end
end
set(KEYS[1], ARGV[2], ARGV[3])
return {'written'}
"#;

/// KEYS[1] room key; ARGV: expected value, new value, TTL in ms ('' keeps).
/// Compare-and-swap: writes only over exactly the expected bytes.
const SWAP_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'changed'} end
if t ~= 'string' then return {'wrongtype', t} end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'changed'} end
set(KEYS[1], ARGV[2], ARGV[3])
return {'written'}
"#;

/// KEYS[1] room key; ARGV: name, '1' when an invalid document may go, '1'
/// when ARGV[4] holds the expected value. Deletes only a room (or an invalid
/// document when allowed), and only the expected bytes when given.
const DELETE_BODY: &str = r#"
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'missing'} end
if t ~= 'string' then return {'wrongtype', t} end
local value = redis.call('GET', KEYS[1])
if ARGV[3] == '1' and value ~= ARGV[4] then return {'changed'} end
local kind, why = judge(value, ARGV[1])
if kind and not (kind == 'invalid' and ARGV[2] == '1') then return {kind, why} end
redis.call('DEL', KEYS[1])
return {'deleted'}
"#;

/// How long a lock lease lasts without a refresh.
const LOCK_TTL_MS: u64 = 60_000;

/// KEYS[1] lock key; ARGV: token, TTL in ms. Extends the lease while it is
/// ours; takes it again if it ran out and nobody took it meanwhile.
const LOCK_REFRESH: &str = r#"
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
const LOCK_RELEASE: &str = r#"
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

/// Who takes a lock, for the message another run shows, made unique by a
/// random suffix (the lease's token).
fn lock_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    // RandomState is seeded from the OS's randomness per process.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!(
        "roomctl (pid {} on {host}) since {} #{:016x}",
        std::process::id(),
        crate::room::format_timestamp(crate::filter::wall_clock_ms()),
        hasher.finish()
    )
}

/// A held Redis lock lease.
struct RedisLock<'a> {
    store: &'a RedisStore,
    key: String,
    token: String,
}

impl RedisLock<'_> {
    fn eval(&self, script: &str, extra: Option<u64>) -> Result<Value, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(1).arg(&self.key).arg(&self.token);
        if let Some(x) = extra {
            cmd.arg(x);
        }
        self.store.server.single(cmd)
    }
}

impl LockGuard for RedisLock<'_> {
    fn refresh(&self) -> Result<(), StoreError> {
        match self.eval(LOCK_REFRESH, Some(LOCK_TTL_MS))? {
            Value::Int(1) => Ok(()),
            _ => {
                let holder = self
                    .store
                    .server
                    .single(redis::cmd("GET").arg(&self.key).clone())
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

/// A Lua script with its SHA1, for `EVALSHA`.
struct LuaScript {
    source: String,
    sha: String,
}

impl LuaScript {
    fn new(body: &str) -> LuaScript {
        let source = format!("{LUA_HELPERS}{body}");
        let sha = redis::Script::new(&source).get_hash().to_string();
        LuaScript { source, sha }
    }

    fn invoke(&self, key: &[u8]) -> Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(&self.sha).arg(1).arg(key);
        cmd
    }
}

/// One Redis server (or Valkey) and the single connection to it.
struct Server {
    client: Client,
    endpoint: String,
    /// The password, scrubbed from any message before it leaves this module.
    secrets: Vec<String>,
    /// `None` after a connection failure; the next command reconnects.
    connection: Mutex<Option<Connection>>,
    scripts: [LuaScript; 3],
}

impl Server {
    fn open(config: &StoreConfig) -> Result<Server, StoreError> {
        let endpoint = config.endpoint();
        let url = match config.urls.as_slice() {
            [url] => url,
            _ => {
                return Err(StoreError::Config(format!(
                    "{}: a single Redis server needs exactly one URL",
                    config.redacted()
                )));
            }
        };
        if config.tls.insecure {
            // Accepting any certificate needs the redis crate's
            // `tls-rustls-insecure` feature, which this build leaves out.
            return Err(StoreError::Unsupported(format!(
                "{}: skipping TLS certificate checks is not supported by this build; give the server's CA instead",
                config.redacted()
            )));
        }
        let mut secrets: Vec<String> = url_password(url).into_iter().collect();
        let client = if has_tls_files(config) {
            Client::build_with_tls(url.as_str(), tls_certificates(config)?)
        } else {
            Client::open(url.as_str())
        }
        .map_err(|e| {
            let message = scrub(&secrets, e.to_string());
            StoreError::Config(format!("{}: {message}", config.redacted()))
        })?;
        // The client holds the password percent-decoded; scrub both forms.
        let info = client.get_connection_info().redis_settings();
        secrets.extend(
            info.password()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
        let scripts = [
            LuaScript::new(OVERWRITE_BODY),
            LuaScript::new(SWAP_BODY),
            LuaScript::new(DELETE_BODY),
        ];
        let server = Server {
            client,
            endpoint,
            secrets,
            connection: Mutex::new(None),
            scripts,
        };
        // Connect now, so that a wrong address fails before any work starts.
        let connection = server.connect()?;
        *server.lock() = Some(connection);
        Ok(server)
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        let mut connection = self
            .client
            .get_connection_with_timeout(CONNECT_TIMEOUT)
            .map_err(|e| self.unavailable(&e))?;
        connection
            .set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| connection.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| self.unavailable(&e))?;
        // Without a password nothing has been said yet: make sure something
        // that speaks Redis is listening.
        redis::cmd("PING")
            .query::<Value>(&mut connection)
            .map_err(|e| self.unavailable(&e))?;
        Ok(connection)
    }

    fn lock(&self) -> MutexGuard<'_, Option<Connection>> {
        self.connection.lock().unwrap_or_else(|poisoned| {
            // A panic mid-pipeline may have left replies unread, which the
            // next pipeline would take for its own: start afresh.
            let mut guard = poisoned.into_inner();
            *guard = None;
            self.connection.clear_poison();
            guard
        })
    }

    /// Sends `commands` as one pipeline; one reply per command, in order,
    /// with a command's own error (WRONGTYPE, NOSCRIPT…) as its reply.
    fn send(&self, commands: &[Cmd]) -> Result<Vec<Value>, StoreError> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for cmd in commands {
            pipe.add_command(cmd.clone());
        }
        let mut guard = self.lock();
        let connection = match guard.as_mut() {
            Some(c) => c,
            None => guard.insert(self.connect()?),
        };
        match pipe.query::<Vec<Value>>(connection) {
            Ok(replies) if replies.len() == commands.len() => Ok(replies),
            Ok(replies) => {
                *guard = None;
                Err(self.redis(format!(
                    "{} replies to {} commands",
                    replies.len(),
                    commands.len()
                )))
            }
            Err(e) => {
                // After an I/O error or a timeout, replies may still be in
                // flight: the connection cannot be trusted to stay in step.
                *guard = None;
                Err(self.error(&e))
            }
        }
    }

    /// [`send`](Server::send), loading the scripts when the server does not
    /// know them (first use, restart, `SCRIPT FLUSH`) and resending only the
    /// commands that failed so: a NOSCRIPT command did not run.
    fn pipeline(&self, commands: &[Cmd]) -> Result<Vec<Value>, StoreError> {
        let mut replies = self.send(commands)?;
        let unknown: Vec<usize> = (0..replies.len())
            .filter(|&i| server_error_kind(&replies[i]) == Some(ServerErrorKind::NoScript))
            .collect();
        if unknown.is_empty() {
            return Ok(replies);
        }
        let mut retry: Vec<Cmd> = self
            .scripts
            .iter()
            .map(|s| redis::cmd("SCRIPT").arg("LOAD").arg(&s.source).clone())
            .collect();
        retry.extend(unknown.iter().map(|&i| commands[i].clone()));
        let mut again = self.send(&retry)?.into_iter();
        for loaded in again.by_ref().take(self.scripts.len()) {
            if let Value::ServerError(e) = loaded {
                return Err(self.redis(format!("cannot load a Lua script: {e}")));
            }
        }
        for (i, reply) in unknown.into_iter().zip(again) {
            replies[i] = reply;
        }
        Ok(replies)
    }

    /// One `SCAN` page: the next cursor (0 when done) and the keys found.
    fn scan_page(&self, cursor: u64, pattern: &[u8]) -> Result<(u64, Vec<Vec<u8>>), StoreError> {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(BATCH);
        let reply = self.single(cmd)?;
        let parsed = match reply {
            Value::Array(mut parts) if parts.len() == 2 => {
                let keys = parts.pop();
                let next = parts.pop();
                match (next, keys) {
                    (Some(Value::BulkString(n)), Some(Value::Array(keys))) => {
                        let next = std::str::from_utf8(&n).ok().and_then(|n| n.parse().ok());
                        let keys: Option<Vec<Vec<u8>>> = keys
                            .into_iter()
                            .map(|k| match k {
                                Value::BulkString(k) => Some(k),
                                _ => None,
                            })
                            .collect();
                        next.zip(keys)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        parsed.ok_or_else(|| self.redis("unexpected reply to SCAN".into()))
    }

    /// Sends one command; its error reply becomes an error.
    fn single(&self, cmd: Cmd) -> Result<Value, StoreError> {
        match self.pipeline(&[cmd])?.pop() {
            Some(Value::ServerError(e)) => Err(self.redis(e.to_string())),
            Some(reply) => Ok(reply),
            None => Err(self.redis("no reply".into())),
        }
    }

    fn scrub(&self, message: String) -> String {
        scrub(&self.secrets, message)
    }

    fn redis(&self, message: String) -> StoreError {
        StoreError::Redis {
            endpoint: self.endpoint.clone(),
            message: self.scrub(message),
        }
    }

    fn error(&self, e: &RedisError) -> StoreError {
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            StoreError::Unavailable {
                endpoint: self.endpoint.clone(),
                message: self.scrub(format!("lost the connection: {e}")),
            }
        } else {
            self.redis(e.to_string())
        }
    }

    fn unavailable(&self, e: &RedisError) -> StoreError {
        let hint = if e.kind() == ErrorKind::AuthenticationFailed
            || e.code() == Some("WRONGPASS")
            || e.code() == Some("NOAUTH")
        {
            "check the user and password in REDIS_URL (or VALKEY_PASSWORD)"
        } else {
            "is redis-server (or Valkey) running there? Check REDIS_URL, or VALKEY_HOST and VALKEY_PORT"
        };
        StoreError::Unavailable {
            endpoint: self.endpoint.clone(),
            message: self.scrub(format!("{e}; {hint}")),
        }
    }
}

/// The password written in a URL's authority, as written: after the first
/// `:` of `user:pass@`, or all of `pass@` (as [`StoreConfig::redacted`]
/// reads it).
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (userinfo, _) = authority.rsplit_once('@')?;
    let password = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
    (!password.is_empty()).then(|| password.to_string())
}

/// `message` with every secret replaced by `***`, longest first so that a
/// secret containing another is hidden whole.
fn scrub(secrets: &[String], message: String) -> String {
    let mut secrets: Vec<&String> = secrets.iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
        .into_iter()
        .fold(message, |m, secret| m.replace(secret.as_str(), "***"))
}

fn has_tls_files(config: &StoreConfig) -> bool {
    let tls = &config.tls;
    tls.ca_file.is_some() || tls.cert_file.is_some() || tls.key_file.is_some()
}

fn tls_certificates(config: &StoreConfig) -> Result<redis::TlsCertificates, StoreError> {
    let read =
        |path: &std::path::Path| std::fs::read(path).map_err(|e| StoreError::io(path.display(), e));
    let tls = &config.tls;
    let client_tls = match (&tls.cert_file, &tls.key_file) {
        (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
            client_cert: read(cert)?,
            client_key: read(key)?,
        }),
        (None, None) => None,
        _ => {
            return Err(StoreError::Config(
                "a TLS client certificate needs both the certificate and its key".into(),
            ));
        }
    };
    let root_cert = tls.ca_file.as_deref().map(read).transpose()?;
    Ok(redis::TlsCertificates {
        client_tls,
        root_cert,
    })
}

fn server_error_kind(reply: &Value) -> Option<ServerErrorKind> {
    match reply {
        Value::ServerError(e) => e.kind(),
        _ => None,
    }
}

/// `prefix*` for `SCAN MATCH`, with the glob characters of the prefix escaped
/// so that `mm*[1]:` matches only keys that start with exactly that.
fn match_pattern(prefix: &str) -> Vec<u8> {
    let mut pattern = Vec::with_capacity(prefix.len() + 2);
    for &b in prefix.as_bytes() {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            pattern.push(b'\\');
        }
        pattern.push(b);
    }
    pattern.push(b'*');
    pattern
}

fn lossy(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

fn not_a_string(redis_type: &str) -> String {
    let article = if redis_type.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {redis_type}, not a string; not a room")
}

/// The name of a `TYPE` reply.
fn type_name(reply: &Value) -> Option<&str> {
    match reply {
        Value::SimpleString(s) => Some(s),
        Value::BulkString(b) => std::str::from_utf8(b).ok(),
        Value::Okay => Some("OK"),
        _ => None,
    }
}

fn ttl_arg(ttl_ms: Option<i64>) -> String {
    // A copied TTL may have run out on the way; PX needs at least 1.
    ttl_ms.map(|ms| ms.max(1).to_string()).unwrap_or_default()
}

/// What one key holds, as read by [`RedisStore::read_keys`].
enum Slot {
    Value { bytes: Vec<u8>, ttl_ms: Option<i64> },
    NotAString(String),
    Missing,
}

/// The Redis store. See the module docs.
pub struct RedisStore {
    server: Server,
    prefix: String,
    description: String,
}

impl RedisStore {
    /// Connects to the one server `config` names (connect timeout 5 s,
    /// read/write timeouts 3 s).
    pub fn connect(config: &StoreConfig) -> Result<RedisStore, StoreError> {
        if config.cluster {
            return Err(StoreError::Unsupported(format!(
                "{}: Redis Cluster is not supported yet",
                config.redacted()
            )));
        }
        if config.prefix.is_empty() {
            return Err(StoreError::Config(
                "the key prefix must not be empty".into(),
            ));
        }
        Ok(RedisStore {
            server: Server::open(config)?,
            prefix: config.prefix.clone(),
            description: config.redacted(),
        })
    }

    fn key(&self, name: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(self.prefix.len() + name.len());
        key.extend_from_slice(self.prefix.as_bytes());
        key.extend_from_slice(name.as_bytes());
        key
    }

    /// Reads keys in batches: one `MGET` per batch (with one `PTTL` per key
    /// when asked, in the same pipeline), then `TYPE` for the keys `MGET`
    /// found no string under.
    fn read_keys(&self, keys: &[Vec<u8>], with_ttl: bool) -> Result<Vec<Slot>, StoreError> {
        let mut slots = Vec::with_capacity(keys.len());
        for batch in keys.chunks(BATCH) {
            let mut commands = Vec::with_capacity(1 + if with_ttl { batch.len() } else { 0 });
            let mut mget = redis::cmd("MGET");
            for key in batch {
                mget.arg(key.as_slice());
            }
            commands.push(mget);
            if with_ttl {
                commands.extend(batch.iter().map(|k| redis::cmd("PTTL").arg(k).clone()));
            }
            let mut replies = self.server.pipeline(&commands)?.into_iter();
            let values = match replies.next() {
                Some(Value::Array(values)) if values.len() == batch.len() => values,
                Some(Value::ServerError(e)) => return Err(self.server.redis(format!("MGET: {e}"))),
                _ => return Err(self.server.redis("unexpected reply to MGET".into())),
            };
            let ttls: Vec<Option<i64>> = if with_ttl {
                replies
                    .map(|r| match r {
                        Value::Int(ms) if ms >= 0 => Some(ms),
                        _ => None,
                    })
                    .collect()
            } else {
                vec![None; batch.len()]
            };
            let first = slots.len();
            let mut nils = Vec::new();
            for (i, (value, ttl_ms)) in values.into_iter().zip(ttls).enumerate() {
                match value {
                    Value::BulkString(bytes) => slots.push(Slot::Value { bytes, ttl_ms }),
                    _ => {
                        nils.push(i);
                        slots.push(Slot::Missing);
                    }
                }
            }
            // MGET gives nil both for a missing key and for one holding a
            // set or a hash: only TYPE tells them apart.
            let types: Vec<Cmd> = nils
                .iter()
                .map(|&i| redis::cmd("TYPE").arg(&batch[i]).clone())
                .collect();
            for (i, reply) in nils.into_iter().zip(self.server.pipeline(&types)?) {
                match type_name(&reply) {
                    Some("none") | Some("string") => {}
                    Some(other) => slots[first + i] = Slot::NotAString(other.to_string()),
                    None => return Err(self.server.redis(format!("TYPE: {reply:?}"))),
                }
            }
        }
        Ok(slots)
    }

    /// Classifies a value read from `key`; `None` when the key is gone.
    fn entry(&self, key: &[u8], slot: Slot) -> Option<Entry> {
        let location = lossy(key);
        match slot {
            Slot::Missing => None,
            Slot::NotAString(t) => Some(Entry::Problem(EntryProblem {
                location,
                kind: ProblemKind::NotARoom,
                reason: not_a_string(&t),
                room_name: None,
            })),
            Slot::Value { bytes, ttl_ms } => Some(match Entry::classify(location, bytes, ttl_ms) {
                Entry::Room(room) if room.name().as_bytes() != &key[self.prefix.len()..] => {
                    let reason = format!(
                        "holds room {:?}, whose key would be {}",
                        room.name(),
                        lossy(&self.key(room.name()))
                    );
                    Entry::Problem(EntryProblem {
                        location: room.location,
                        kind: ProblemKind::Misnamed,
                        reason,
                        room_name: Some(room.facts.name),
                    })
                }
                entry => entry,
            }),
        }
    }

    fn read_entries(&self, keys: &[Vec<u8>], with_ttl: bool) -> Result<Vec<Entry>, StoreError> {
        let slots = self.read_keys(keys, with_ttl)?;
        Ok(keys
            .iter()
            .zip(slots)
            .filter_map(|(key, slot)| self.entry(key, slot))
            .collect())
    }

    fn put_command(&self, key: &[u8], put: &Put<'_>) -> Cmd {
        let value = put.doc.to_compact();
        let [overwrite, swap, _] = &self.server.scripts;
        match put.condition {
            Condition::Absent => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(value).arg("NX");
                if let Some(ms) = put.ttl_ms {
                    cmd.arg("PX").arg(ttl_arg(Some(ms)));
                }
                cmd
            }
            Condition::Overwrite => overwrite
                .invoke(key)
                .arg(put.doc.name())
                .arg(value)
                .arg(ttl_arg(put.ttl_ms))
                .clone(),
            Condition::Unchanged(expected) => swap
                .invoke(key)
                .arg(expected)
                .arg(value)
                .arg(ttl_arg(put.ttl_ms))
                .clone(),
        }
    }

    fn delete_command(&self, key: &[u8], d: &Delete<'_>) -> Cmd {
        let flag = |b: bool| if b { "1" } else { "0" };
        let [_, _, delete] = &self.server.scripts;
        delete
            .invoke(key)
            .arg(d.name)
            .arg(flag(d.allow_invalid))
            .arg(flag(d.expected.is_some()))
            .arg(d.expected.unwrap_or_default())
            .clone()
    }

    /// Reads a script's reply: `{code}` or `{code, detail}`.
    fn script_reply(&self, key: &[u8], reply: Value) -> Result<ScriptReply, StoreError> {
        let parts = match reply {
            Value::Array(parts) => parts,
            Value::ServerError(e) => {
                return Err(self.server.redis(format!("{}: {e}", lossy(key))));
            }
            other => return Err(self.server.redis(format!("unexpected reply {other:?}"))),
        };
        let mut text = parts.into_iter().map(|p| match p {
            Value::BulkString(b) => lossy(&b),
            Value::SimpleString(s) => s,
            other => format!("{other:?}"),
        });
        let code = text.next().unwrap_or_default();
        let detail = text.next().unwrap_or_default();
        let blocked =
            |reason: String| Ok(ScriptReply::Blocked(format!("{}: {reason}", lossy(key))));
        match code.as_str() {
            "written" | "deleted" => Ok(ScriptReply::Done),
            "changed" => Ok(ScriptReply::Changed),
            "missing" => Ok(ScriptReply::Missing),
            "wrongtype" => blocked(not_a_string(&detail)),
            "invalid" | "notroom" => blocked(detail),
            "misnamed" => blocked(format!("holds another room, {detail:?}")),
            _ => Err(self
                .server
                .redis(format!("unexpected script reply {code:?}"))),
        }
    }
}

/// What a write or delete script answered.
enum ScriptReply {
    Done,
    Changed,
    Missing,
    Blocked(String),
}

/// The streaming scan: one `SCAN` page and its values per batch.
struct KeyScan<'a> {
    store: &'a RedisStore,
    pattern: Vec<u8>,
    cursor: u64,
    done: bool,
    with_ttl: bool,
}

impl Iterator for KeyScan<'_> {
    type Item = Result<Vec<Entry>, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let page = self.store.server.scan_page(self.cursor, &self.pattern);
            let (cursor, keys) = match page {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.cursor = cursor;
            self.done = cursor == 0;
            // A page may hold no matching keys at all: ask for the next one.
            if keys.is_empty() {
                continue;
            }
            let entries = self.store.read_entries(&keys, self.with_ttl);
            if entries.is_err() {
                self.done = true;
            }
            return Some(entries);
        }
        None
    }
}

impl Store for RedisStore {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn kind(&self) -> StoreKind {
        StoreKind::Redis
    }

    fn scan(&self, options: ScanOptions) -> Result<Scan<'_>, StoreError> {
        // SCAN may return a key twice when the server resizes its table
        // meanwhile; deduplicating would need memory for every key seen.
        Ok(Box::new(KeyScan {
            store: self,
            pattern: match_pattern(&self.prefix),
            cursor: 0,
            done: false,
            with_ttl: options.with_ttl,
        }))
    }

    fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError> {
        let keys: Vec<Vec<u8>> = names.iter().map(|n| self.key(n)).collect();
        let slots = self.read_keys(&keys, false)?;
        Ok(keys
            .iter()
            .zip(slots)
            .map(|(key, slot)| match self.entry(key, slot) {
                None => Lookup::Missing,
                Some(Entry::Room(room)) => Lookup::Found(room),
                Some(Entry::Problem(p)) => Lookup::Problem(p),
            })
            .collect())
    }

    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(puts.len());
        for batch in puts.chunks(BATCH) {
            let keys: Vec<Vec<u8>> = batch.iter().map(|p| self.key(p.doc.name())).collect();
            let commands: Vec<Cmd> = keys
                .iter()
                .zip(batch)
                .map(|(key, put)| self.put_command(key, put))
                .collect();
            let replies = self.server.pipeline(&commands)?;
            let first = outcomes.len();
            let mut refused = Vec::new();
            for (i, reply) in replies.into_iter().enumerate() {
                let key = &keys[i];
                outcomes.push(match (batch[i].condition, reply) {
                    (Condition::Absent, Value::Okay) => PutOutcome::Written,
                    (Condition::Absent, Value::Nil) => {
                        refused.push(i);
                        PutOutcome::Exists
                    }
                    (Condition::Absent, Value::ServerError(e)) => {
                        return Err(self.server.redis(format!("{}: {e}", lossy(key))));
                    }
                    (Condition::Absent, other) => {
                        return Err(self.server.redis(format!("unexpected reply {other:?}")));
                    }
                    (_, reply) => match self.script_reply(key, reply)? {
                        ScriptReply::Done => PutOutcome::Written,
                        ScriptReply::Changed | ScriptReply::Missing => PutOutcome::Changed,
                        ScriptReply::Blocked(reason) => PutOutcome::Blocked(reason),
                    },
                });
            }
            // SET NX cannot say whether what is there is a room; for the
            // message, tell a set or a hash apart from an existing room.
            let types: Vec<Cmd> = refused
                .iter()
                .map(|&i| redis::cmd("TYPE").arg(&keys[i]).clone())
                .collect();
            for (i, reply) in refused.into_iter().zip(self.server.pipeline(&types)?) {
                if let Some(t) = type_name(&reply).filter(|t| !matches!(*t, "string" | "none")) {
                    let reason = format!("{}: {}", lossy(&keys[i]), not_a_string(t));
                    outcomes[first + i] = PutOutcome::Blocked(reason);
                }
            }
        }
        Ok(outcomes)
    }

    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(deletes.len());
        for batch in deletes.chunks(BATCH) {
            let keys: Vec<Vec<u8>> = batch.iter().map(|d| self.key(d.name)).collect();
            let commands: Vec<Cmd> = keys
                .iter()
                .zip(batch)
                .map(|(key, d)| self.delete_command(key, d))
                .collect();
            for (key, reply) in keys.iter().zip(self.server.pipeline(&commands)?) {
                outcomes.push(match self.script_reply(key, reply)? {
                    ScriptReply::Done => DeleteOutcome::Deleted,
                    ScriptReply::Changed => DeleteOutcome::Changed,
                    ScriptReply::Missing => DeleteOutcome::Missing,
                    ScriptReply::Blocked(reason) => DeleteOutcome::Blocked(reason),
                });
            }
        }
        Ok(outcomes)
    }

    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        if !valid_lock_name(name) {
            return Err(StoreError::Config(format!("invalid lock name {name:?}")));
        }
        let key = lock_key(name, &self.prefix);
        let token = lock_token();
        let mut set = redis::cmd("SET");
        set.arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(LOCK_TTL_MS);
        match self.server.single(set)? {
            Value::Okay => Ok(Box::new(RedisLock {
                store: self,
                key,
                token,
            })),
            _ => {
                let holder = match self.server.single(redis::cmd("GET").arg(&key).clone())? {
                    Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
                    _ => "another roomctl (just released)".into(),
                };
                Err(StoreError::Locked {
                    lock: format!("{} on {}", key, self.description),
                    holder,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
    fn not_a_string_reads_well() {
        assert_eq!(not_a_string("set"), "a set, not a string; not a room");
        assert_eq!(not_a_string("hash"), "a hash, not a string; not a room");
    }
}
