//! A real `redis-server` for tests: spawned on a free loopback port with its
//! own temporary directory and no persistence, killed and reaped on drop.
//!
//! It never skips: when no server can be started the test panics, saying why.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a fresh server may take to answer PING.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Another process may take the free port before the server binds it.
const ATTEMPTS: usize = 5;

pub struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server (`$REDIS_SERVER`, else `redis-server` on `PATH`).
    pub fn start() -> RedisServer {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut last_failure = String::new();
        for _ in 0..ATTEMPTS {
            match Self::try_start(&binary) {
                Ok(server) => return server,
                Err(why) => last_failure = why,
            }
        }
        panic!(
            "cannot start {binary} for the Redis tests ({last_failure}); \
             install redis-server or point REDIS_SERVER at one"
        );
    }

    fn try_start(binary: &str) -> Result<RedisServer, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let port = free_port()?;
        let log = dir.path().join("redis.log");
        let child = Command::new(binary)
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        let mut server = RedisServer {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("exited with {status}: {}", read_log(&log)));
            }
            if answers_ping(port) {
                return Ok(server);
            }
            thread::sleep(Duration::from_millis(20));
        }
        // Returning drops `server`, which kills the process.
        Err(format!(
            "no answer to PING within {START_TIMEOUT:?}: {}",
            read_log(&log)
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now (the kernel's pick for port 0).
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().lines().last().unwrap_or_default().to_string())
        .unwrap_or_default()
}

/// A TCP proxy in front of a server that counts how many times clients sent
/// something: a pipelined batch arrives in a few reads, one round trip per
/// key in one read per key at least.
pub struct CountingProxy {
    port: u16,
    sends: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingProxy {
    pub fn start(upstream_port: u16) -> CountingProxy {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("proxy bind");
        let port = listener.local_addr().expect("proxy addr").port();
        let sends = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&sends);
        // The threads end with the test process; they hold no resources a
        // later test could need.
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect((Ipv4Addr::LOCALHOST, upstream_port)) else {
                    continue;
                };
                let (Ok(mut client_r), Ok(mut server_r)) = (client.try_clone(), server.try_clone())
                else {
                    continue;
                };
                let (mut client_w, mut server_w) = (client, server);
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n @ 1..) = client_r.read(&mut buf) {
                        counter.fetch_add(1, Ordering::Relaxed);
                        if server_w.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = server_w.shutdown(std::net::Shutdown::Write);
                });
                thread::spawn(move || {
                    let _ = std::io::copy(&mut server_r, &mut client_w);
                    let _ = client_w.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        CountingProxy { port, sends }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Reads of client data so far.
    pub fn sends(&self) -> usize {
        self.sends.load(std::sync::atomic::Ordering::Relaxed)
    }
}
