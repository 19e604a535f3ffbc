//! TLS to a Redis node, made by roomctl rather than by the redis crate.
//!
//! The crate builds its own rustls configuration and takes no certificate
//! verifier of ours, and roomctl needs one for what self-hosted setups do:
//! a server certificate made with `openssl req -x509` is its own CA
//! (`CA:TRUE`), which rustls refuses as a server's certificate even when it
//! is the very certificate given with `--tls-ca`; redis-cli accepts it. So
//! roomctl opens the TCP connection, makes the TLS handshake with a
//! [`PinningVerifier`], logs in and selects the database itself, and then
//! speaks RESP with the crate's parser ([`TlsConnection`] is a
//! [`ConnectionLike`] like the crate's own connections).
//!
//! Trust: the certificates of `--tls-ca` (else the system's roots), by the
//! usual chain rules; and a server certificate that is byte for byte one of
//! the `--tls-ca` certificates (pinning), whose host name and validity
//! dates are still checked. Nothing else. `--tls-insecure` checks nothing.
//!
//! Refusals come back as rustls errors; [`explain`] says each as a
//! sentence with what to do.

use std::io::{self, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::{
    ConnectionLike, ErrorKind, Parser, RedisConnectionInfo, RedisError, RedisResult,
    ServerErrorKind, Value,
};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct,
    RootCertStore, SignatureScheme, StreamOwned,
};

use crate::store::StoreError;
use crate::store::uri::TlsOptions;

/// What every TLS connection of a store shares: its rustls configuration,
/// and what messages say about it.
pub(super) struct TlsSetup {
    config: Arc<ClientConfig>,
    /// `--tls-ca` (or `--to-tls-ca`…): how the command line names the flags.
    flag_prefix: &'static str,
    ca_given: bool,
}

impl TlsSetup {
    /// Reads the certificate files `tls` names and builds the configuration.
    pub(super) fn new(tls: &TlsOptions, flag_prefix: &'static str) -> Result<TlsSetup, StoreError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let flag = |name: &str| format!("--{flag_prefix}{name}");
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Config(format!("TLS: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure {
            Arc::new(NoVerification {
                algorithms: provider.signature_verification_algorithms,
            })
        } else {
            let (roots, pinned) = match &tls.ca_file {
                Some(path) => {
                    let certs = read_certificates(path, &flag("tls-ca"))?;
                    let mut roots = RootCertStore::empty();
                    for cert in &certs {
                        roots.add(cert.clone()).map_err(|e| {
                            StoreError::Config(format!(
                                "{} {}: a certificate there cannot be a trust anchor: {e}",
                                flag("tls-ca"),
                                path.display()
                            ))
                        })?;
                    }
                    (roots, certs)
                }
                None => (system_roots()?, Vec::new()),
            };
            let inner =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(|e| {
                        StoreError::Config(format!("TLS: no certificate to trust ({e})"))
                    })?;
            Arc::new(PinningVerifier { inner, pinned })
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match (&tls.cert_file, &tls.key_file) {
            (Some(cert), Some(key)) => {
                let chain = read_certificates(cert, &flag("tls-cert"))?;
                let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    StoreError::Config(format!(
                        "{} {}: no private key (PEM) read from it: {e}",
                        flag("tls-key"),
                        key.display()
                    ))
                })?;
                builder.with_client_auth_cert(chain, key_der).map_err(|e| {
                    let why = match e {
                        rustls::Error::InconsistentKeys(_) => {
                            "the key is not the certificate's".to_string()
                        }
                        other => other.to_string(),
                    };
                    StoreError::Config(format!(
                        "{} {} and {} {}: {why}",
                        flag("tls-cert"),
                        cert.display(),
                        flag("tls-key"),
                        key.display()
                    ))
                })?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => {
                return Err(StoreError::Config(format!(
                    "a TLS client certificate needs both {} and {}",
                    flag("tls-cert"),
                    flag("tls-key")
                )));
            }
        };
        Ok(TlsSetup {
            config: Arc::new(config),
            flag_prefix,
            ca_given: tls.ca_file.is_some(),
        })
    }

    /// The sentence for a TLS failure under `error`, when there is one.
    pub(super) fn explain_error(&self, error: &io::Error) -> Option<String> {
        let tls = error.get_ref()?.downcast_ref::<rustls::Error>()?;
        Some(explain(tls, self.flag_prefix, self.ca_given))
    }
}

/// The certificates of a PEM file.
fn read_certificates(path: &Path, flag: &str) -> Result<Vec<CertificateDer<'static>>, StoreError> {
    let bytes = std::fs::read(path).map_err(|e| StoreError::io(path.display(), e))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            StoreError::Config(format!(
                "{flag} {}: not PEM certificates: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(StoreError::Config(format!(
            "{flag} {}: no certificate in it (expected PEM, -----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(certs)
}

/// The system's trusted roots (`/etc/ssl/certs`, or `SSL_CERT_FILE` /
/// `SSL_CERT_DIR`).
fn system_roots() -> Result<RootCertStore, StoreError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(StoreError::Config(format!(
            "TLS: no trusted root certificates found on this system{why}; give the server's CA with --tls-ca"
        )));
    }
    Ok(roots)
}

/// The usual chain checks, and pinning: a certificate that is byte for byte
/// one of the trusted ones is trusted as it is, for its names and dates.
#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<WebPkiServerVerifier>,
    /// The certificates of `--tls-ca`.
    pinned: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refused = match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(refused) => refused,
        };
        if !self
            .pinned
            .iter()
            .any(|pin| pin.as_ref() == end_entity.as_ref())
        {
            return Err(refused);
        }
        // The very certificate given: its signature and its issuer do not
        // matter (a self-signed CA, most often), its names and dates do.
        let parsed = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        let (not_before, not_after) =
            validity(end_entity.as_ref()).ok_or(CertificateError::BadEncoding)?;
        let at = |secs: i64| UnixTime::since_unix_epoch(Duration::from_secs(secs.max(0) as u64));
        let time = now.as_secs() as i64;
        if time < not_before {
            return Err(CertificateError::NotValidYetContext {
                time: now,
                not_before: at(not_before),
            }
            .into());
        }
        if time > not_after {
            return Err(CertificateError::ExpiredContext {
                time: now,
                not_after: at(not_after),
            }
            .into());
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `--tls-insecure`: any certificate, for any name. The handshake's
/// signatures are still checked, against whatever certificate was shown.
#[derive(Debug)]
struct NoVerification {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// One TLS connection to a node, logged in and on its database.
pub(super) struct TlsConnection {
    stream: StreamOwned<ClientConnection, TcpStream>,
    parser: Parser,
    db: i64,
}

impl TlsConnection {
    /// Connects to `host:port` within `timeout`, makes the handshake, and
    /// logs in and selects the database as `settings` say.
    pub(super) fn open(
        setup: &TlsSetup,
        host: &str,
        port: u16,
        settings: &RedisConnectionInfo,
        timeout: Duration,
    ) -> RedisResult<TlsConnection> {
        let deadline = Instant::now() + timeout;
        let left = || {
            deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| io::Error::from(io::ErrorKind::TimedOut))
        };
        let name = ServerName::try_from(host.to_string()).map_err(|_| {
            RedisError::from((
                ErrorKind::InvalidClientConfig,
                "not a host name or an IP address",
                host.to_string(),
            ))
        })?;
        let mut tcp = None;
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address for the host");
        for addr in (host, port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, left()?) {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(e) => last_error = e,
            }
        }
        let mut tcp = tcp.ok_or(last_error)?;
        tcp.set_nodelay(true)?;
        tcp.set_read_timeout(Some(left()?))?;
        tcp.set_write_timeout(Some(left()?))?;
        let mut tls = ClientConnection::new(Arc::clone(&setup.config), name)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        while tls.is_handshaking() {
            tls.complete_io(&mut tcp).map_err(|e| match e.kind() {
                // A plain Redis port waits for the end of a command line
                // that a TLS greeting never sends.
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no answer to the TLS greeting within {} s",
                        timeout.as_secs_f64()
                    ),
                ),
                _ => e,
            })?;
        }
        let mut connection = TlsConnection {
            stream: StreamOwned::new(tls, tcp),
            parser: Parser::new(),
            db: settings.db(),
        };
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = settings.username() {
                auth.arg(user);
            }
            auth.arg(password);
            match connection.req_command(&auth)? {
                Value::Okay => {}
                Value::ServerError(e) => {
                    return Err(RedisError::from((
                        ErrorKind::AuthenticationFailed,
                        "Password authentication failed",
                        e.details().unwrap_or_default().to_string(),
                    )));
                }
                other => {
                    return Err(RedisError::from((
                        ErrorKind::AuthenticationFailed,
                        "Password authentication failed",
                        format!("unexpected reply {other:?}"),
                    )));
                }
            }
        }
        if settings.db() != 0 {
            let select = redis::cmd("SELECT").arg(settings.db()).clone();
            if let Value::ServerError(e) = connection.req_command(&select)? {
                return Err(RedisError::from((
                    ErrorKind::Server(ServerErrorKind::ResponseError),
                    "Redis server refused to switch database",
                    e.details().unwrap_or_default().to_string(),
                )));
            }
        }
        Ok(connection)
    }

    pub(super) fn set_read_timeout(&self, timeout: Option<Duration>) -> RedisResult<()> {
        Ok(self.stream.sock.set_read_timeout(timeout)?)
    }

    pub(super) fn set_write_timeout(&self, timeout: Option<Duration>) -> RedisResult<()> {
        Ok(self.stream.sock.set_write_timeout(timeout)?)
    }

    fn send(&mut self, bytes: &[u8]) -> RedisResult<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()?;
        Ok(())
    }

    fn read(&mut self) -> RedisResult<Value> {
        self.parser.parse_value(&mut self.stream)
    }
}

impl ConnectionLike for TlsConnection {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.send(cmd)?;
        self.read()
    }

    /// Every reply, error replies included as values (as the crate's
    /// connections give them); the first `offset` are dropped.
    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.send(cmd)?;
        let mut replies = Vec::with_capacity(count);
        for index in 0..offset + count {
            let reply = self.read()?;
            if index >= offset {
                replies.push(reply);
            }
        }
        Ok(replies)
    }

    fn get_db(&self) -> i64 {
        self.db
    }

    fn check_connection(&mut self) -> bool {
        redis::cmd("PING").query::<String>(self).is_ok()
    }

    fn is_open(&self) -> bool {
        true
    }
}

/// A TLS failure said as a sentence, with what to do. `flag_prefix` names
/// the flags (`--tls-ca`, or `--to-tls-ca` for migrate-backend's target);
/// `ca_given` says whether `--tls-ca` was given.
pub(super) fn explain(error: &rustls::Error, flag_prefix: &str, ca_given: bool) -> String {
    let flag = |name: &str| format!("--{flag_prefix}{name}");
    let ca = flag("tls-ca");
    let client = format!("{} FILE {} FILE", flag("tls-cert"), flag("tls-key"));
    let not_a_tls_port = "what answers there does not speak TLS: use rediss:// only for the \
                          server's TLS port (tls-port), redis:// for the plain one";
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            CertificateError::UnknownIssuer if ca_given => format!(
                "the server's certificate is not one of the certificates in {ca}, nor signed by \
                 a CA there: give {ca} the CA that signed it (or, for a self-signed \
                 certificate, the certificate itself)"
            ),
            CertificateError::UnknownIssuer => format!(
                "the server's certificate is not signed by a CA this system trusts: give the CA \
                 that signed it (or, for a self-signed certificate, the certificate itself) with \
                 {ca} FILE"
            ),
            CertificateError::NotValidForName => "the server's certificate is not made out to \
                 the host in the URL: connect by a name or address the certificate lists (its \
                 subjectAltName), or reissue it for this one"
                .to_string(),
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => format!(
                "the server's certificate is not made out to {} (it names {}): connect by a name \
                 or address it lists, or reissue it for this one",
                name_of(expected),
                if presented.is_empty() {
                    "no host name or address".to_string()
                } else {
                    presented
                        .iter()
                        .map(|p| presented_name(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            CertificateError::Expired => {
                "the server's certificate has expired: renew it on the server (or check this \
                 machine's clock)"
                    .to_string()
            }
            CertificateError::ExpiredContext { not_after, .. } => format!(
                "the server's certificate expired {}: renew it on the server (or check this \
                 machine's clock)",
                instant(*not_after)
            ),
            CertificateError::NotValidYet => "the server's certificate is not valid yet: check \
                 this machine's clock, or the certificate's dates"
                .to_string(),
            CertificateError::NotValidYetContext { not_before, .. } => format!(
                "the server's certificate is only valid from {}: check this machine's clock, or \
                 the certificate's dates",
                instant(*not_before)
            ),
            CertificateError::Revoked => "the server's certificate has been revoked".to_string(),
            CertificateError::BadSignature => "the server's certificate has a bad signature: it \
                 was not signed by the CA it names"
                .to_string(),
            CertificateError::BadEncoding => {
                "the server's certificate cannot be read (bad encoding)".to_string()
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the server's certificate is not for servers (its extendedKeyUsage lacks \
                 serverAuth): reissue it"
                    .to_string()
            }
            CertificateError::Other(other) if other.to_string().contains("CaUsedAsEndEntity") => {
                let which = if ca_given {
                    format!("is not one of the certificates in {ca}, and")
                } else {
                    "is not trusted, and".to_string()
                };
                format!(
                    "the server's certificate {which} is itself a CA certificate (CA:TRUE, as \
                     `openssl req -x509` makes them): to trust it as it is, give {ca} that very \
                     certificate (the server's tls-cert-file)"
                )
            }
            other => format!("the server's certificate is refused ({other:?})"),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired | AlertDescription::NoCertificate => format!(
                "the server asks for a client certificate: give one it trusts with {client}"
            ),
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied => format!(
                "the server refused roomctl's client certificate ({}): give one signed by a CA \
                 the server trusts (its tls-ca-cert-file)",
                flag("tls-cert")
            ),
            AlertDescription::CertificateExpired => format!(
                "the server says roomctl's client certificate ({}) has expired: renew it",
                flag("tls-cert")
            ),
            AlertDescription::HandshakeFailure if !ca_given => format!(
                "the server ended the TLS handshake (handshake failure): does it want a client \
                 certificate ({client})?"
            ),
            AlertDescription::ProtocolVersion => "the server and roomctl share no TLS version \
                 (roomctl speaks TLS 1.2 and 1.3)"
                .to_string(),
            other => format!("the server ended the TLS handshake ({other:?})"),
        },
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => not_a_tls_port.to_string(),
        rustls::Error::NoCertificatesPresented => "the server presented no certificate".to_string(),
        rustls::Error::PeerIncompatible(why) => format!(
            "the server and roomctl share no TLS version or cipher suite ({why:?}; roomctl speaks \
             TLS 1.2 and 1.3)"
        ),
        other => format!("TLS failed: {other}"),
    }
}

/// A name rustls reports a certificate presents (`DnsName("db.example")`,
/// `IpAddress(10.0.0.1)`) as the name alone, its control characters
/// escaped: it is the certificate's text.
fn presented_name(presented: &str) -> String {
    let inner = presented
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(presented);
    let inner = inner
        .strip_prefix('"')
        .and_then(|i| i.strip_suffix('"'))
        .unwrap_or(inner);
    inner.escape_debug().to_string()
}

fn name_of(name: &rustls::pki_types::ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

fn instant(time: UnixTime) -> String {
    crate::room::format_timestamp(time.as_secs().saturating_mul(1000) as i64)
}

/// The validity of a DER certificate: `notBefore` and `notAfter`, in seconds
/// since 1970. rustls checks them only on the way to a trust anchor, which
/// a pinned certificate does not take.
fn validity(der: &[u8]) -> Option<(i64, i64)> {
    const SEQUENCE: u8 = 0x30;
    let (_, certificate, _) = tlv(der, SEQUENCE)?;
    let (_, tbs, _) = tlv(certificate, SEQUENCE)?;
    let mut rest = tbs;
    // [0] version (optional), serialNumber, signature, issuer.
    if rest.first() == Some(&0xA0) {
        rest = tlv(rest, 0xA0)?.2;
    }
    rest = tlv(rest, 0x02)?.2;
    rest = tlv(rest, SEQUENCE)?.2;
    rest = tlv(rest, SEQUENCE)?.2;
    let (_, dates, _) = tlv(rest, SEQUENCE)?;
    let (tag, before, dates) = tlv_any(dates)?;
    let not_before = time(tag, before)?;
    let (tag, after, _) = tlv_any(dates)?;
    Some((not_before, time(tag, after)?))
}

/// One DER element with tag `tag`: (tag, contents, what follows).
fn tlv(input: &[u8], tag: u8) -> Option<(u8, &[u8], &[u8])> {
    tlv_any(input).filter(|(t, _, _)| *t == tag)
}

fn tlv_any(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// A UTCTime (`YYMMDDHHMMSSZ`, tag 0x17) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`, tag 0x18), in seconds since 1970.
fn time(tag: u8, contents: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(contents).ok()?.strip_suffix('Z')?;
    let (year, rest) = match (tag, text.len()) {
        (0x17, 12) => {
            let yy: i32 = text[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        (0x18, 14) => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2)?.parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(year, field(0)?, field(2)?)?;
    Some(
        date.and_hms_opt(field(4)?, field(6)?, field(8)?)?
            .and_utc()
            .timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_names_are_shown_bare_and_escaped() {
        assert_eq!(presented_name("DnsName(\"db.example\")"), "db.example");
        assert_eq!(presented_name("IpAddress(10.0.0.1)"), "10.0.0.1");
        assert_eq!(presented_name("DnsName(\"a\u{1b}[31m\")"), "a\\u{1b}[31m");
    }

    /// `openssl req -x509 -days 30 -addext subjectAltName=DNS:pinned.example`
    /// (CA:TRUE): notBefore Dec  2 03:06:07 2026 GMT, notAfter Jan  1
    /// 03:06:07 2027 GMT.
    const CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIBkjCCATigAwIBAgIUYM+F4xZU85ITUREIuDmhbel9uaYwCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGcGlubmVkMB4XDTI2MTIwMjAzMDYwN1oXDTI3MDEwMTAzMDYw
N1owETEPMA0GA1UEAwwGcGlubmVkMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
v4y6sNk0wpdpuf7/9Jmg/lQevhs1hKqZ9XfGDDM7+v0tLcneToswuiixIfdc/xhU
wTXEbXJwgyY4bpGKmG6Ch6NuMGwwHQYDVR0OBBYEFFM8yA9TKiZxyM+2UkjQ27PM
rNm0MB8GA1UdIwQYMBaAFFM8yA9TKiZxyM+2UkjQ27PMrNm0MA8GA1UdEwEB/wQF
MAMBAf8wGQYDVR0RBBIwEIIOcGlubmVkLmV4YW1wbGUwCgYIKoZIzj0EAwIDSAAw
RQIgAm7dCxG/YTu9KbVS8/hMADLQYzxjjQf6qNfpA8nIPQwCIQCIZrLwi+/e/STD
Eehga5ucGfoK8/I8of3SH9tm8rJn9A==
-----END CERTIFICATE-----";
    const NOT_BEFORE: u64 = 1796180767;
    const NOT_AFTER: u64 = 1798772767;

    #[test]
    fn a_certificates_validity_is_read() {
        let der = CertificateDer::from_pem_slice(CERTIFICATE.as_bytes()).unwrap();
        assert_eq!(
            validity(der.as_ref()),
            Some((NOT_BEFORE as i64, NOT_AFTER as i64))
        );
        assert_eq!(validity(&der.as_ref()[..100]), None);
    }

    #[test]
    fn a_pinned_certificate_is_checked_for_its_name_and_dates() {
        let der = CertificateDer::from_pem_slice(CERTIFICATE.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(der.clone()).unwrap();
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        let verifier = PinningVerifier {
            inner,
            pinned: vec![der.clone()],
        };
        let at = |secs: u64| UnixTime::since_unix_epoch(Duration::from_secs(secs));
        let name = |n: &str| ServerName::try_from(n.to_string()).unwrap();
        let verify =
            |n: &str, now: u64| verifier.verify_server_cert(&der, &[], &name(n), &[], at(now));
        let during = NOT_BEFORE + 3600;
        // rustls alone refuses it: it is a CA.
        assert!(
            verifier
                .inner
                .verify_server_cert(&der, &[], &name("pinned.example"), &[], at(during))
                .is_err()
        );
        assert!(verify("pinned.example", during).is_ok());
        assert!(matches!(
            verify("other.example", during),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. } | CertificateError::NotValidForName
            ))
        ));
        assert!(matches!(
            verify("pinned.example", NOT_AFTER + 1),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ExpiredContext { .. }
            ))
        ));
        assert!(matches!(
            verify("pinned.example", NOT_BEFORE - 1),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidYetContext { .. }
            ))
        ));
        // Not pinned: refused as rustls refuses it.
        let unpinned = PinningVerifier {
            inner: Arc::clone(&verifier.inner),
            pinned: Vec::new(),
        };
        assert!(
            unpinned
                .verify_server_cert(&der, &[], &name("pinned.example"), &[], at(during))
                .is_err()
        );
    }

    #[test]
    fn dates_are_read_from_both_time_forms() {
        assert_eq!(time(0x17, b"491231235959Z"), Some(2524607999));
        assert_eq!(time(0x17, b"500101000000Z"), Some(-631152000));
        assert_eq!(time(0x18, b"20500101000000Z"), Some(2524608000));
        assert_eq!(time(0x18, b"2050010100000Z"), None);
        assert_eq!(time(0x17, b"491331235959Z"), None);
    }
}
