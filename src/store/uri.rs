//! Store names (docs/stores.md): one string that names a store everywhere.
//!
//! | form | store |
//! |---|---|
//! | `file:PATH`, or a plain path | a directory of room files |
//! | `redis://…`, `rediss://…`, `redis+unix://…` | one Redis server |
//! | `redis+cluster://h:p[,h:p…]`, `rediss+cluster://…` | a Redis Cluster |
//! | `memory:` | an empty in-process store |

use std::fmt;
use std::path::PathBuf;

use super::StoreError;

/// The default key prefix of the Redis layout.
pub const DEFAULT_PREFIX: &str = "room:";

/// A parsed store name.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Memory,
    File { path: PathBuf },
    Redis(StoreConfig),
}

/// How to reach a Redis (or Redis Cluster) store.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct StoreConfig {
    /// Connection URLs, one per seed node (one for a single server), in the
    /// form the redis crate takes (`redis://`, `rediss://`, `redis+unix://`),
    /// secrets included: never print these, use [`StoreConfig::redacted`].
    pub urls: Vec<String>,
    pub cluster: bool,
    pub prefix: String,
    pub tls: TlsOptions,
    /// What the command line's flags for this store start with after
    /// `--`, for hints: empty (`--tls-ca`, `--password-file`), or `to-`
    /// for migrate-backend's target (`--to-tls-ca`…).
    pub flag_prefix: &'static str,
}

/// TLS settings beyond what the URL says.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct TlsOptions {
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure: bool,
}

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl StoreSpec {
    /// Parses a store name. A key prefix given as `?prefix=` is taken from
    /// the URL; `default_prefix` applies otherwise.
    pub fn parse(s: &str) -> Result<StoreSpec, StoreError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(StoreError::Config("empty store name".into()));
        }
        if s == "memory:" || s == "memory" || s == "memory://" {
            return Ok(StoreSpec::Memory);
        }
        if let Some(path) = s.strip_prefix("file://") {
            return Ok(StoreSpec::File { path: path.into() });
        }
        if let Some(path) = s.strip_prefix("file:") {
            return Ok(StoreSpec::File { path: path.into() });
        }
        let scheme = s.split_once("://").map(|(a, _)| a.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("redis" | "rediss" | "redis+unix" | "unix" | "valkey" | "valkeys") => {
                Ok(StoreSpec::Redis(parse_redis(s, false)?))
            }
            Some("redis+cluster" | "rediss+cluster" | "valkey+cluster" | "valkeys+cluster") => {
                Ok(StoreSpec::Redis(parse_redis(s, true)?))
            }
            Some(other) => Err(StoreError::Config(format!(
                "unknown store scheme `{other}://` (use file:PATH, redis://, rediss://, redis+cluster:// or memory:)"
            ))),
            None => Ok(StoreSpec::File { path: s.into() }),
        }
    }

    /// The name with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            StoreSpec::Memory => "memory:".into(),
            StoreSpec::File { path } => format!("file:{}", path.display()),
            StoreSpec::Redis(c) => c.redacted(),
        }
    }

    /// Applies a key prefix given by flag (it beats `?prefix=`).
    pub fn with_prefix(mut self, prefix: Option<&str>) -> StoreSpec {
        if let (StoreSpec::Redis(c), Some(p)) = (&mut self, prefix) {
            c.prefix = p.to_string();
        }
        self
    }
}

impl StoreConfig {
    /// A URL-like name for messages, with every credential hidden (see
    /// [`redact_rest`]). Every message that names a Redis store uses it.
    pub fn redacted(&self) -> String {
        let scheme_of = |u: &str| {
            u.split_once("://")
                .map(|(a, _)| a.to_string())
                .unwrap_or_default()
        };
        let first = self.urls.first().map(String::as_str).unwrap_or("redis://");
        let mut scheme = scheme_of(first);
        if self.cluster {
            scheme = format!("{scheme}+cluster");
        }
        let hosts: Vec<String> = self
            .urls
            .iter()
            .map(|u| {
                let (scheme, rest) = u.split_once("://").unwrap_or(("", u));
                redact_rest(rest, scheme.contains("unix"))
            })
            .collect();
        let mut out = format!("{scheme}://{}", hosts.join(","));
        if self.prefix != DEFAULT_PREFIX {
            out.push_str(&format!("?prefix={}", self.prefix));
        }
        out
    }

    /// `host:port` of the first node, for error messages.
    pub fn endpoint(&self) -> String {
        self.urls
            .first()
            .map(|u| {
                let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
                let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
                rest.split(['/', '?']).next().unwrap_or(rest).to_string()
            })
            .unwrap_or_default()
    }
}

/// The query keys that carry a password: the redis crate reads `pass` on
/// `redis+unix://` URLs; `password` is hidden too, as some tools write it.
const SECRET_KEYS: [&str; 2] = ["pass", "password"];

/// The part of a URL after `scheme://`, with every credential replaced by
/// `***`: the password of `user:secret@`, all of `secret@`, and the values
/// of `?pass=` and `?password=` (`?user=` is not secret). This and
/// [`url_secrets`] are the one reading of where a URL keeps its secrets.
fn redact_rest(rest: &str, unix: bool) -> String {
    let (head, query) = split_query(rest);
    let mut out = match query {
        // A `?` typed raw in a password puts the `@` that ends it after the
        // `?`: hide everything up to that `@` (a Unix socket URL has no
        // userinfo, so its `@`s belong to the query).
        Some(q) if !unix && !head.contains('@') && q.contains('@') => {
            let host = q.rsplit_once('@').map_or("", |(_, h)| h);
            return format!("***@{host}");
        }
        _ => redact_authority(head),
    };
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if SECRET_KEYS.contains(&key) => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

/// `rest` split at its first `?`.
fn split_query(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (rest, None),
    }
}

/// `user:secret@host:port/db` → `user:***@host:port/db`.
fn redact_authority(rest: &str) -> String {
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None if userinfo.is_empty() => host.to_string(),
            // `redis://secret@host` is a password without a user.
            None => format!("***@{host}"),
        },
        None => rest.to_string(),
    }
}

/// Every password a URL holds, as written (percent-encoded where it was):
/// what [`redact_rest`] hides, for scrubbing messages that quote the URL.
pub fn url_secrets(url: &str) -> Vec<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (head, query) = split_query(rest);
    let mut secrets = Vec::new();
    if let Some((userinfo, _)) = head.rsplit_once('@') {
        secrets.push(
            userinfo
                .split_once(':')
                .map_or(userinfo, |(_, p)| p)
                .to_string(),
        );
    }
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some((key, value)) if SECRET_KEYS.contains(&key) => secrets.push(value.to_string()),
            // What a raw `?` in a password left after it.
            _ if !head.contains('@') && pair.contains('@') => {
                secrets.push(pair.rsplit_once('@').map_or(pair, |(p, _)| p).to_string());
            }
            _ => {}
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets
}

/// `url` with its password set to `password` (percent-encoded), whatever
/// the form: in the userinfo of a TCP URL, keeping its user; as `?pass=`
/// on a `redis+unix://` URL, which has no userinfo.
pub fn with_password(url: &str, password: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let encoded = percent_encode(password);
    if scheme.contains("unix") {
        let (path, query) = split_query(rest);
        let mut pairs: Vec<&str> = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|p| {
                !p.is_empty() && !SECRET_KEYS.contains(&p.split_once('=').map_or(*p, |(k, _)| k))
            })
            .collect();
        let pass = format!("pass={encoded}");
        pairs.push(&pass);
        return format!("{scheme}://{path}?{}", pairs.join("&"));
    }
    let (user, host) = match rest.rsplit_once('@') {
        Some((info, host)) => (info.split(':').next().unwrap_or(""), host),
        None => ("", rest),
    };
    format!("{scheme}://{user}:{encoded}@{host}")
}

/// Percent-encodes everything but the unreserved characters, so that the
/// text stays one value in a userinfo or a query (`+` included, which a
/// query would read as a space).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn parse_redis(s: &str, cluster: bool) -> Result<StoreConfig, StoreError> {
    let (scheme, rest) = s.split_once("://").unwrap_or(("redis", s));
    let scheme = scheme.to_ascii_lowercase();
    // `#insecure` (the redis crate's spelling of --tls-insecure) is taken
    // out of the URL so that it is warned about like the flag. A `#` in the
    // userinfo is part of a password.
    let host_start = rest.rfind('@').map_or(0, |at| at + 1);
    let (rest, insecure) = match rest[host_start..].find('#') {
        Some(hash) => match &rest[host_start + hash + 1..] {
            "insecure" => (&rest[..host_start + hash], true),
            other => {
                return Err(StoreError::Config(format!(
                    "unknown URL fragment `#{other}` (only #insecure is understood)"
                )));
            }
        },
        None => (rest, false),
    };
    let (body, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let mut prefix = DEFAULT_PREFIX.to_string();
    let mut kept_query = Vec::new();
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("prefix", v)) => prefix = percent_decode(v)?,
            _ => kept_query.push(pair),
        }
    }
    let tls = scheme.starts_with("rediss") || scheme.starts_with("valkeys");
    let base = if scheme.contains("unix") {
        "redis+unix"
    } else if tls {
        "rediss"
    } else {
        "redis"
    };
    let query_suffix = if kept_query.is_empty() {
        String::new()
    } else {
        format!("?{}", kept_query.join("&"))
    };
    let urls = if cluster {
        // Credentials given once apply to every seed node.
        let (auth, hosts) = match body.rsplit_once('@') {
            Some((a, h)) => (format!("{a}@"), h),
            None => (String::new(), body),
        };
        let hosts = hosts.trim_end_matches('/');
        let list: Vec<String> = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| format!("{base}://{auth}{h}{query_suffix}"))
            .collect();
        if list.is_empty() {
            return Err(StoreError::Config(format!(
                "{}: a cluster URL needs at least one host:port",
                redact_rest(body, false)
            )));
        }
        list
    } else {
        if body.contains(',') && !scheme.contains("unix") {
            return Err(StoreError::Config(
                "several hosts need redis+cluster:// (or rediss+cluster://)".into(),
            ));
        }
        vec![format!("{base}://{body}{query_suffix}")]
    };
    if prefix.is_empty() {
        return Err(StoreError::Config(
            "the key prefix must not be empty".into(),
        ));
    }
    Ok(StoreConfig {
        urls,
        cluster,
        prefix,
        tls: TlsOptions {
            insecure,
            ..TlsOptions::default()
        },
        flag_prefix: "",
    })
}

fn percent_decode(s: &str) -> Result<String, StoreError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| StoreError::Config("prefix is not UTF-8 after decoding".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(StoreSpec::parse("memory:").unwrap(), StoreSpec::Memory);
        assert_eq!(
            StoreSpec::parse("file:./data/rooms").unwrap(),
            StoreSpec::File {
                path: "./data/rooms".into()
            }
        );
        assert_eq!(
            StoreSpec::parse("/srv/rooms").unwrap(),
            StoreSpec::File {
                path: "/srv/rooms".into()
            }
        );
        let StoreSpec::Redis(c) =
            StoreSpec::parse("redis://u:secret@h:6380/2?prefix=mm%3A").unwrap()
        else {
            panic!()
        };
        assert_eq!(c.urls, vec!["redis://u:secret@h:6380/2"]);
        assert_eq!(c.prefix, "mm:");
        assert!(!c.redacted().contains("secret"));
        assert_eq!(c.redacted(), "redis://u:***@h:6380/2?prefix=mm:");
        assert_eq!(c.endpoint(), "h:6380");
        let StoreSpec::Redis(c) = StoreSpec::parse("rediss+cluster://:pw@a:1,b:2").unwrap() else {
            panic!()
        };
        assert!(c.cluster);
        assert_eq!(c.urls, vec!["rediss://:pw@a:1", "rediss://:pw@b:2"]);
        assert_eq!(c.redacted(), "rediss+cluster://:***@a:1,:***@b:2");
        let StoreSpec::Redis(c) = StoreSpec::parse("rediss://u:pw@h:1/0#insecure").unwrap() else {
            panic!()
        };
        assert_eq!(c.urls, vec!["rediss://u:pw@h:1/0"]);
        assert!(c.tls.insecure);
        let StoreSpec::Redis(c) = StoreSpec::parse("rediss://h:1").unwrap() else {
            panic!()
        };
        assert!(!c.tls.insecure);
        assert!(StoreSpec::parse("rediss://h:1#nope").is_err());
        assert!(StoreSpec::parse("ftp://x").is_err());
        assert!(StoreSpec::parse("redis://a:1,b:2").is_err());
    }

    #[test]
    fn every_credential_form_is_redacted() {
        let redacted = |s: &str| StoreSpec::parse(s).unwrap().redacted();
        for (given, shown) in [
            (
                "redis+unix:///run/r.sock?pass=SECRET",
                "redis+unix:///run/r.sock?pass=***",
            ),
            (
                "redis+unix:///run/r.sock?db=2&user=mm&password=SECRET&pass=SECRET",
                "redis+unix:///run/r.sock?db=2&user=mm&password=***&pass=***",
            ),
            (
                "redis://u:SECRET@h:1/0?protocol=resp3",
                "redis://u:***@h:1/0?protocol=resp3",
            ),
            ("redis://SECRET@h:1", "redis://***@h:1"),
            ("redis://:SE?CRET@h:1", "redis://***@h:1"),
            ("redis://:SE/CRET@h:1", "redis://:***@h:1"),
            (
                "redis+unix://:SECRET@/run/r.sock",
                "redis+unix://:***@/run/r.sock",
            ),
            (
                "redis+cluster://:SECRET@a:1,b:2?prefix=mm%3A",
                "redis+cluster://:***@a:1,:***@b:2?prefix=mm:",
            ),
        ] {
            assert_eq!(redacted(given), shown, "{given}");
        }
    }

    #[test]
    fn secrets_are_found_where_redaction_hides_them() {
        assert_eq!(url_secrets("redis://u:p%40w@h:1/0"), vec!["p%40w"]);
        assert_eq!(url_secrets("redis://pw@h:1"), vec!["pw"]);
        assert!(url_secrets("redis://h:1?user=u").is_empty());
        assert_eq!(
            url_secrets("redis+unix:///s?user=u&pass=a%2Bb&password=c"),
            vec!["a%2Bb", "c"]
        );
        assert_eq!(url_secrets("redis://:se?cret@h:1"), vec!["cret"]);
    }

    #[test]
    fn a_password_goes_where_each_form_keeps_it() {
        assert_eq!(
            with_password("redis://h:1/0", "p@ss:w"),
            "redis://:p%40ss%3Aw@h:1/0"
        );
        assert_eq!(
            with_password("redis://u:old@h:1", "new"),
            "redis://u:new@h:1"
        );
        assert_eq!(
            with_password("redis+unix:///run/r.sock", "a+b c"),
            "redis+unix:///run/r.sock?pass=a%2Bb%20c"
        );
        assert_eq!(
            with_password("redis+unix:///run/r.sock?db=1&pass=old&user=u", "new"),
            "redis+unix:///run/r.sock?db=1&user=u&pass=new"
        );
        let StoreSpec::Redis(c) = StoreSpec::parse("rediss+cluster://u@a:1,b:2").unwrap() else {
            panic!()
        };
        let urls: Vec<String> = c.urls.iter().map(|u| with_password(u, "pw")).collect();
        assert_eq!(urls, vec!["rediss://u:pw@a:1", "rediss://u:pw@b:2"]);
    }
}
