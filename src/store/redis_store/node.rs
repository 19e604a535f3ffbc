//! One Redis node: how to reach it (address, credentials, TLS), and the one
//! connection roomctl keeps to it.
//!
//! A [`Dialer`] holds what every node of a store shares — the user and
//! password, the TLS settings, the secrets to scrub from messages — and makes
//! a [`Node`] for a seed URL or for an address a cluster announced. A
//! [`Node`] sends pipelines on its connection and says, when one fails,
//! whether trying again could help and whether the commands may have run.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use redis::{
    Client, Cmd, Connection, ConnectionAddr, ConnectionInfo, ConnectionLike, ErrorKind,
    IntoConnectionInfo, RedisConnectionInfo, RedisError, RedisResult, ServerErrorKind, Value,
};

use super::scripts::SCRIPTS;
use super::tls::{TlsConnection, TlsSetup};
use crate::store::uri::url_secrets;
use crate::store::{StoreConfig, StoreError};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What to check when nothing (or nothing that speaks the same protocol)
/// answers at an address.
const HINT_REACH: &str = "is redis-server (or Valkey) running there, and does the scheme fit the port \
     (redis:// plain, rediss:// TLS)? Check REDIS_URL, or VALKEY_HOST and VALKEY_PORT";
const IO_TIMEOUT: Duration = Duration::from_secs(3);

/// Makes connections to the nodes of one store.
pub(super) struct Dialer {
    /// One per URL of the store name (the seeds of a cluster).
    seeds: Vec<ConnectionInfo>,
    /// For `rediss://`: TLS is roomctl's own (see [`super::tls`]).
    tls: Option<Arc<TlsSetup>>,
    /// Passwords, scrubbed from every message that leaves this module.
    secrets: Arc<Vec<String>>,
    /// How the command line names this store's flags (`to-` for
    /// migrate-backend's target), for hints.
    flag_prefix: &'static str,
}

impl Dialer {
    pub(super) fn new(config: &StoreConfig) -> Result<Dialer, StoreError> {
        let mut secrets: Vec<String> = config.urls.iter().flat_map(|u| url_secrets(u)).collect();
        let mut seeds = Vec::with_capacity(config.urls.len());
        for url in &config.urls {
            let info = url.as_str().into_connection_info().map_err(|e| {
                let message = scrub(&secrets, e.to_string());
                StoreError::Config(format!("{}: {message}", config.redacted()))
            })?;
            // The client holds the password percent-decoded; scrub both forms.
            secrets.extend(
                info.redis_settings()
                    .password()
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            );
            let tls = matches!(info.addr(), ConnectionAddr::TcpTls { .. });
            if !tls && (has_tls_files(config) || config.tls.insecure) {
                let p = config.flag_prefix;
                return Err(StoreError::Config(format!(
                    "{}: TLS options (--{p}tls-ca, --{p}tls-cert, --{p}tls-key, --{p}tls-insecure) need a rediss:// URL",
                    config.redacted()
                )));
            }
            seeds.push(info);
        }
        if seeds.is_empty() {
            return Err(StoreError::Config(format!(
                "{}: no Redis URL",
                config.redacted()
            )));
        }
        let tls = if matches!(seeds[0].addr(), ConnectionAddr::TcpTls { .. }) {
            Some(Arc::new(TlsSetup::new(&config.tls, config.flag_prefix)?))
        } else {
            None
        };
        Ok(Dialer {
            seeds,
            tls,
            secrets: Arc::new(secrets),
            flag_prefix: config.flag_prefix,
        })
    }

    pub(super) fn seed_count(&self) -> usize {
        self.seeds.len()
    }

    /// The node the `index`th URL names.
    pub(super) fn seed(&self, index: usize) -> Result<Node, StoreError> {
        let info = self
            .seeds
            .get(index)
            .cloned()
            .ok_or_else(|| StoreError::Config(format!("no seed node number {}", index + 1)))?;
        self.node(info)
    }

    /// The node at `host:port`, reached with the first seed's credentials
    /// and TLS settings (the nodes of a cluster share them).
    pub(super) fn node_at(&self, host: &str, port: u16) -> Result<Node, StoreError> {
        let template = self.seeds[0].clone();
        let addr = match template.addr() {
            ConnectionAddr::TcpTls { .. } => ConnectionAddr::TcpTls {
                host: host.to_string(),
                port,
                insecure: false,
                tls_params: None,
            },
            _ => ConnectionAddr::Tcp(host.to_string(), port),
        };
        self.node(template.set_addr(addr))
    }

    fn node(&self, info: ConnectionInfo) -> Result<Node, StoreError> {
        let endpoint = info.addr().to_string();
        let dial = match (info.addr().clone(), &self.tls) {
            (ConnectionAddr::TcpTls { host, port, .. }, Some(setup)) => Dial::Tls {
                setup: Arc::clone(setup),
                host,
                port,
                settings: info.redis_settings().clone(),
            },
            _ => Dial::Plain(Client::open(info).map_err(|e| {
                StoreError::Config(format!(
                    "{endpoint}: {}",
                    scrub(&self.secrets, e.to_string())
                ))
            })?),
        };
        Ok(Node {
            dial,
            endpoint,
            secrets: Arc::clone(&self.secrets),
            flag_prefix: self.flag_prefix,
            connections: [Mutex::new(None), Mutex::new(None)],
        })
    }
}

/// How a node is reached: by the redis crate (plain TCP, a Unix socket),
/// or by roomctl's own TLS.
enum Dial {
    Plain(Client),
    Tls {
        setup: Arc<TlsSetup>,
        host: String,
        port: u16,
        settings: RedisConnectionInfo,
    },
}

impl Dial {
    fn connect(&self, timeout: Duration) -> RedisResult<Wire> {
        match self {
            Dial::Plain(client) => client.get_connection_with_timeout(timeout).map(Wire::Plain),
            Dial::Tls {
                setup,
                host,
                port,
                settings,
            } => TlsConnection::open(setup, host, *port, settings, timeout)
                .map(|c| Wire::Tls(Box::new(c))),
        }
    }
}

/// A connection to a node, either kind.
enum Wire {
    Plain(Connection),
    Tls(Box<TlsConnection>),
}

impl Wire {
    fn set_timeouts(&self, timeout: Duration) -> RedisResult<()> {
        match self {
            Wire::Plain(c) => c
                .set_read_timeout(Some(timeout))
                .and_then(|()| c.set_write_timeout(Some(timeout))),
            Wire::Tls(c) => c
                .set_read_timeout(Some(timeout))
                .and_then(|()| c.set_write_timeout(Some(timeout))),
        }
    }

    fn inner(&mut self) -> &mut dyn ConnectionLike {
        match self {
            Wire::Plain(c) => c,
            Wire::Tls(c) => c.as_mut(),
        }
    }
}

impl ConnectionLike for Wire {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.inner().req_packed_command(cmd)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.inner().req_packed_commands(cmd, offset, count)
    }

    fn get_db(&self) -> i64 {
        match self {
            Wire::Plain(c) => c.get_db(),
            Wire::Tls(c) => c.get_db(),
        }
    }

    fn check_connection(&mut self) -> bool {
        self.inner().check_connection()
    }

    fn is_open(&self) -> bool {
        match self {
            Wire::Plain(c) => c.is_open(),
            Wire::Tls(c) => c.is_open(),
        }
    }
}

/// Why a pipeline sent to a node failed.
#[derive(Debug)]
pub(super) struct SendError {
    pub(super) error: StoreError,
    /// Trying again later may work: the connection was lost or refused, the
    /// node timed out or is loading its data.
    pub(super) transient: bool,
    /// Some commands may have reached the node (and run) before it failed.
    pub(super) may_have_run: bool,
}

/// One node and the connection to it.
pub(super) struct Node {
    dial: Dial,
    /// `host:port` (or a socket path), for messages and routing.
    pub(super) endpoint: String,
    secrets: Arc<Vec<String>>,
    flag_prefix: &'static str,
    /// `None` until first used and after a failure; the next send reconnects.
    /// Two, so that one thread's pipeline can be on its way while another's
    /// is answered.
    connections: [Mutex<Option<(Wire, Session)>>; 2],
}

type Lane<'a> = MutexGuard<'a, Option<(Wire, Session)>>;

/// Numbers every connection roomctl makes, to any node: two replies came
/// over the same connection exactly when their sessions have one number.
static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

/// Which connection, to which server process, answered a command.
///
/// State that lives in the server process, such as a `SCAN` cursor, is only
/// valid while the process lives: a cursor from before a restart, continued
/// on the restarted server, silently misses keys and repeats others (the
/// server hashes keys with a new random seed each time it starts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Session {
    /// The connection, unique within this roomctl process.
    pub(super) connection: u64,
    /// The server process's `run_id` (`INFO server`), which changes on
    /// every restart; `None` when the user may not run `INFO`.
    pub(super) run_id: Option<Arc<str>>,
}

impl Session {
    /// Whether a server-side state from `self` is still valid in `later`:
    /// the same connection, or a new one to the same server process.
    pub(super) fn same_server(&self, later: &Session) -> bool {
        self.connection == later.connection
            || matches!((&self.run_id, &later.run_id), (Some(a), Some(b)) if a == b)
    }
}

/// A command to send to a node; `asking` sends `ASKING` before it (a
/// cluster's answer to a key being moved during a resharding).
pub(super) struct NodeCommand<'a> {
    pub(super) cmd: &'a Cmd,
    pub(super) asking: bool,
}

impl Node {
    /// The database the connections select (`/N` or `?db=N` in the URL,
    /// as a number: `/00` is 0).
    pub(super) fn db(&self) -> i64 {
        match &self.dial {
            Dial::Plain(client) => client.get_connection_info().redis_settings().db(),
            Dial::Tls { settings, .. } => settings.db(),
        }
    }

    /// Connects now, so that a wrong address or password fails before any
    /// work starts.
    pub(super) fn check(&self) -> Result<(), StoreError> {
        match self.connect() {
            Ok(connected) => {
                *self.lane(true) = Some(connected);
                Ok(())
            }
            Err(SendError {
                error: StoreError::Unavailable { endpoint, message },
                transient: true,
                ..
            }) => Err(StoreError::Unavailable {
                endpoint,
                message: format!("{message}; {HINT_REACH}"),
            }),
            Err(e) => Err(e.error),
        }
    }

    fn connect(&self) -> Result<(Wire, Session), SendError> {
        let fail = |e: &RedisError| {
            let transient = is_transient(e);
            SendError {
                transient,
                may_have_run: false,
                error: if transient {
                    StoreError::Unavailable {
                        endpoint: self.endpoint.clone(),
                        message: self.scrub(format!("cannot connect: {e}")),
                    }
                } else {
                    self.refused(e)
                },
            }
        };
        let mut connection = self.dial.connect(CONNECT_TIMEOUT).map_err(|e| fail(&e))?;
        connection.set_timeouts(IO_TIMEOUT).map_err(|e| fail(&e))?;
        // Without a password nothing has been said yet: make sure something
        // that speaks Redis is listening.
        redis::cmd("PING")
            .query::<Value>(&mut connection)
            .map_err(|e| fail(&e))?;
        // Which server process this is; a user without the right to run
        // INFO (an ACL user limited to the room keys) leaves it unknown.
        let run_id = match redis::cmd("INFO")
            .arg("server")
            .query::<String>(&mut connection)
        {
            Ok(info) => info
                .lines()
                .find_map(|l| l.strip_prefix("run_id:"))
                .map(|id| Arc::from(id.trim())),
            Err(e) if e.is_io_error() || is_transient(&e) => return Err(fail(&e)),
            Err(_) => None,
        };
        let session = Session {
            connection: CONNECTIONS.fetch_add(1, Ordering::Relaxed),
            run_id,
        };
        Ok((connection, session))
    }

    /// A connection to send on: the first one when `sticky` (a `SCAN`
    /// cursor stays on one connection, which tells a restart apart when
    /// `INFO` is not allowed), else whichever is free.
    fn lane(&self, sticky: bool) -> Lane<'_> {
        // A panic mid-pipeline may have left replies unread, which the next
        // pipeline would take for its own: start afresh.
        fn recover<'a>(
            connection: &'a Mutex<Option<(Wire, Session)>>,
            poisoned: std::sync::PoisonError<Lane<'a>>,
        ) -> Lane<'a> {
            let mut guard = poisoned.into_inner();
            *guard = None;
            connection.clear_poison();
            guard
        }
        if !sticky {
            for connection in &self.connections {
                match connection.try_lock() {
                    Ok(guard) => return guard,
                    Err(std::sync::TryLockError::Poisoned(p)) => return recover(connection, p),
                    Err(std::sync::TryLockError::WouldBlock) => {}
                }
            }
        }
        let connection = &self.connections[usize::from(!sticky)];
        connection.lock().unwrap_or_else(|p| recover(connection, p))
    }

    /// Sends `commands` as one pipeline; one reply per command, in order,
    /// with a command's own error (WRONGTYPE, MOVED…) as its reply, and the
    /// session that answered.
    fn send(
        &self,
        commands: &[NodeCommand<'_>],
        sticky: bool,
    ) -> Result<(Vec<Value>, Session), SendError> {
        // Encoded before the connection is taken, so that another thread's
        // pipeline can run meanwhile.
        let size: usize = commands
            .iter()
            .flat_map(|c| c.cmd.args_iter())
            .map(|arg| match arg {
                redis::Arg::Simple(a) => a.len() + 16,
                _ => 32,
            })
            .sum();
        let mut packed = Vec::with_capacity(size + 16 * commands.len() + 32);
        let mut sent = 0;
        for c in commands {
            if c.asking {
                redis::cmd("ASKING").write_packed_command(&mut packed);
                sent += 1;
            }
            c.cmd.write_packed_command(&mut packed);
            sent += 1;
        }
        let mut guard = self.lane(sticky);
        let (connection, session) = match guard.as_mut() {
            Some(c) => c,
            None => guard.insert(self.connect()?),
        };
        let session = session.clone();
        let replies = connection
            .req_packed_commands(&packed, 0, sent)
            .map(|replies| {
                // Each command's own reply, without those to ASKING.
                let mut replies = replies.into_iter();
                commands
                    .iter()
                    .filter_map(|c| {
                        if c.asking {
                            replies.next();
                        }
                        replies.next()
                    })
                    .collect::<Vec<Value>>()
            });
        match replies {
            Ok(replies) if replies.len() == commands.len() => Ok((replies, session)),
            Ok(replies) => {
                *guard = None;
                Err(SendError {
                    error: self.redis(format!(
                        "{} replies to {} commands",
                        replies.len(),
                        commands.len()
                    )),
                    transient: false,
                    may_have_run: true,
                })
            }
            Err(e) => {
                // After an I/O error or a timeout, replies may still be in
                // flight: the connection cannot be trusted to stay in step.
                *guard = None;
                let transient = is_transient(&e);
                let error = if transient {
                    StoreError::Unavailable {
                        endpoint: self.endpoint.clone(),
                        message: self.scrub(format!("lost the connection: {e}")),
                    }
                } else {
                    self.redis(e.to_string())
                };
                Err(SendError {
                    error,
                    transient,
                    may_have_run: true,
                })
            }
        }
    }

    /// [`send`](Node::send), loading the scripts when the node does not
    /// know them (first use, restart, `SCRIPT FLUSH`) and resending only the
    /// commands that failed so: a NOSCRIPT command did not run.
    /// Each reply comes with the session that answered it.
    pub(super) fn pipeline(
        &self,
        commands: &[NodeCommand<'_>],
        sticky: bool,
    ) -> Result<Vec<(Value, Session)>, SendError> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let (replies, session) = self.send(commands, sticky)?;
        let mut replies: Vec<(Value, Session)> =
            replies.into_iter().map(|r| (r, session.clone())).collect();
        let unknown: Vec<usize> = (0..replies.len())
            .filter(|&i| server_error_kind(&replies[i].0) == Some(ServerErrorKind::NoScript))
            .collect();
        if unknown.is_empty() {
            return Ok(replies);
        }
        let loads: Vec<Cmd> = SCRIPTS
            .iter()
            .map(|s| redis::cmd("SCRIPT").arg("LOAD").arg(&s.source).clone())
            .collect();
        let mut retry: Vec<NodeCommand<'_>> = loads
            .iter()
            .map(|cmd| NodeCommand { cmd, asking: false })
            .collect();
        retry.extend(unknown.iter().map(|&i| NodeCommand {
            cmd: commands[i].cmd,
            asking: commands[i].asking,
        }));
        let (again, session) = self.send(&retry, sticky)?;
        let mut again = again.into_iter();
        for loaded in again.by_ref().take(loads.len()) {
            if let Value::ServerError(e) = loaded {
                return Err(SendError {
                    error: self.redis(format!("cannot load a Lua script: {e}")),
                    transient: false,
                    may_have_run: true,
                });
            }
        }
        for (i, reply) in unknown.into_iter().zip(again) {
            replies[i] = (reply, session.clone());
        }
        Ok(replies)
    }

    /// An optimistic transaction on one connection: `WATCH` and `MGET` of
    /// `keys`, then the commands `decide` makes of the values read, in
    /// `MULTI`/`EXEC`, which runs them only if no watched key changed since
    /// it was read (else, or when `decide` makes none, nothing runs).
    /// Returns the values read and the replies of the commands (`None`
    /// when the transaction was aborted).
    ///
    /// For writes conditional on bytes roomctl holds: compared here rather
    /// than in a script, where bringing a value into Lua costs the server
    /// more than the write (Lua hashes every byte of every string).
    pub(super) fn watched(
        &self,
        keys: &[&[u8]],
        decide: impl FnOnce(&[Value]) -> Vec<Cmd>,
    ) -> Result<(Vec<Value>, Option<Vec<Value>>), SendError> {
        let mut guard = self.lane(false);
        let (connection, _) = match guard.as_mut() {
            Some(c) => c,
            None => guard.insert(self.connect()?),
        };
        let round = |connection: &mut Wire, cmds: &[Cmd], keep: usize| {
            let mut packed = Vec::new();
            for cmd in cmds {
                cmd.write_packed_command(&mut packed);
            }
            connection.req_packed_commands(&packed, cmds.len() - keep, keep)
        };
        let mut watch = redis::cmd("WATCH");
        let mut mget = redis::cmd("MGET");
        for key in keys {
            watch.arg(*key);
            mget.arg(*key);
        }
        let result = (|| {
            let mut read = round(connection, &[watch, mget], 2)?;
            let values = match (read.pop(), read.pop()) {
                (Some(Value::Array(values)), Some(Value::Okay)) if values.len() == keys.len() => {
                    values
                }
                // Refused (an ACL without transactions): nothing is watched.
                (mget, watch) => {
                    let _ = round(connection, &[redis::cmd("UNWATCH")], 1);
                    return Ok(Err(format!("WATCH/MGET answered {watch:?}, {mget:?}")));
                }
            };
            let cmds = decide(&values);
            if cmds.is_empty() {
                round(connection, &[redis::cmd("UNWATCH")], 1)?;
                return Ok(Ok((values, Some(Vec::new()))));
            }
            let mut all = Vec::with_capacity(cmds.len() + 2);
            all.push(redis::cmd("MULTI"));
            all.extend(cmds);
            all.push(redis::cmd("EXEC"));
            let exec = round(connection, &all, 1)?.pop();
            Ok(match exec {
                Some(Value::Array(replies)) => Ok((values, Some(replies))),
                Some(Value::Nil) => Ok((values, None)),
                other => Err(format!("EXEC answered {other:?}")),
            })
        })();
        match result {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(message)) => Err(SendError {
                error: self.redis(message),
                transient: false,
                may_have_run: false,
            }),
            Err(e) => {
                // The connection cannot be trusted to stay in step.
                *guard = None;
                let transient = is_transient(&e);
                let error = if transient {
                    StoreError::Unavailable {
                        endpoint: self.endpoint.clone(),
                        message: self.scrub(format!("lost the connection: {e}")),
                    }
                } else {
                    self.redis(e.to_string())
                };
                Err(SendError {
                    transient,
                    error,
                    may_have_run: true,
                })
            }
        }
    }

    pub(super) fn scrub(&self, message: String) -> String {
        scrub(&self.secrets, message)
    }

    pub(super) fn redis(&self, message: String) -> StoreError {
        StoreError::Redis {
            endpoint: self.endpoint.clone(),
            message: self.scrub(message),
        }
    }

    /// A connection the node refused for good: a wrong password, a TLS
    /// certificate it does not accept or that roomctl does not trust.
    fn refused(&self, e: &RedisError) -> StoreError {
        let tls = match &self.dial {
            Dial::Tls { setup, .. } => io_error_of(e).and_then(|io| setup.explain_error(io)),
            Dial::Plain(_) => None,
        };
        let message = match tls {
            Some(sentence) => format!("cannot connect: {sentence}"),
            None => {
                let p = self.flag_prefix;
                let password_flags = if p.is_empty() {
                    "VALKEY_PASSWORD or --password-file".to_string()
                } else {
                    format!("--{p}password-file")
                };
                let text = e.to_string();
                let hint = if e.kind() == ErrorKind::AuthenticationFailed
                    || matches!(e.code(), Some("WRONGPASS" | "NOAUTH" | "NOPERM"))
                {
                    format!("check the user and password (in the URL, {password_flags})")
                } else if text.contains("switch database") {
                    "the server has no database of that number (db 0 always exists; see \
                     `databases` in its configuration)"
                        .to_string()
                } else {
                    HINT_REACH.to_string()
                };
                format!("cannot connect: {text}; {hint}")
            }
        };
        StoreError::Unavailable {
            endpoint: self.endpoint.clone(),
            message: self.scrub(message),
        }
    }
}

/// Whether trying again later may help: the node is unreachable for now,
/// restarting, loading its data, or too slow to answer in time.
fn is_transient(e: &RedisError) -> bool {
    if e.is_timeout() || e.is_connection_refusal() || e.is_connection_dropped() {
        return true;
    }
    if let ErrorKind::Server(kind) = e.kind() {
        return super::retry::is_transient_kind(kind);
    }
    // A TLS handshake failure is an I/O error too, but not one that goes
    // away: only the kinds that mean "the connection went away" are retried,
    // and EINTR: a read with a timeout is not restarted after the process
    // was stopped and continued (Ctrl-Z, then fg), and fails with it.
    io_error_of(e).is_some_and(|io| {
        matches!(
            io.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
                | io::ErrorKind::Interrupted
        )
    })
}

/// The I/O error under a Redis error. The redis crate keeps it behind an
/// `Arc<dyn Error>`, which is what `source()` gives.
fn io_error_of(e: &RedisError) -> Option<&io::Error> {
    type Shared = Arc<dyn std::error::Error + Send + Sync>;
    let source = std::error::Error::source(e)?;
    source.downcast_ref::<io::Error>().or_else(|| {
        source
            .downcast_ref::<Shared>()
            .and_then(|inner| inner.downcast_ref::<io::Error>())
    })
}

pub(super) fn server_error_kind(reply: &Value) -> Option<ServerErrorKind> {
    match reply {
        Value::ServerError(e) => e.kind(),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_a_reconnection_only_to_the_same_server() {
        let session = |connection, run_id: Option<&str>| Session {
            connection,
            run_id: run_id.map(Arc::from),
        };
        let first = session(1, Some("a"));
        assert!(first.same_server(&session(1, Some("a"))));
        assert!(first.same_server(&session(2, Some("a"))), "reconnected");
        assert!(!first.same_server(&session(2, Some("b"))), "restarted");
        // Without INFO, a new connection may be to a restarted server.
        assert!(session(1, None).same_server(&session(1, None)));
        assert!(!session(1, None).same_server(&session(2, None)));
    }

    #[test]
    fn scans_keep_to_one_connection_and_other_pipelines_take_a_free_one() {
        let node = Node {
            dial: Dial::Plain(Client::open("redis://127.0.0.1:1").unwrap()),
            endpoint: "127.0.0.1:1".into(),
            secrets: Arc::new(Vec::new()),
            flag_prefix: "",
            connections: [Mutex::new(None), Mutex::new(None)],
        };
        let busy = |i: usize| node.connections[i].try_lock().is_err();
        let first = node.lane(false);
        assert!(busy(0) && !busy(1));
        // The first is busy: another pipeline takes the second.
        let second = node.lane(false);
        assert!(busy(1));
        drop((first, second));
        // A scan takes the first, even with the second free.
        let scan = node.lane(true);
        assert!(busy(0) && !busy(1));
        drop(scan);
    }

    #[test]
    fn an_interrupted_read_is_retried() {
        let interrupted = RedisError::from(io::Error::from(io::ErrorKind::Interrupted));
        assert!(is_transient(&interrupted));
        let reset = RedisError::from(io::Error::from(io::ErrorKind::ConnectionReset));
        assert!(is_transient(&reset));
        let other = RedisError::from(io::Error::from(io::ErrorKind::InvalidData));
        assert!(!is_transient(&other));
    }

    #[test]
    fn secrets_are_scrubbed_longest_first() {
        let secrets = vec!["ab".to_string(), "abc".to_string()];
        assert_eq!(scrub(&secrets, "x abc ab".into()), "x *** ***");
    }
}
