//! Reaching a protected Redis through the real binary: TLS with the
//! system's roots, `--tls-ca`, client certificates and `--tls-insecure`;
//! passwords from `--password-file` and `VALKEY_PASSWORD`; ACL users.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::redis::{RedisServer, TlsFiles};
use crate::support::{TestEnv, archive_rooms, export_dir, room, stdout_json, write_room};

/// An archive of five rooms, made by exporting a room directory.
fn archive(env: &TestEnv) -> PathBuf {
    let dir = env.rooms_dir("src");
    for i in 0..5 {
        write_room(&dir, &room(&format!("room {i}")));
    }
    export_dir(env, &dir)
}

/// import, list, show, delete and export, all given the same access flags.
fn every_command(env: &TestEnv, store: &str, access: &[&str]) {
    let archive = archive(env);
    let roomctl = || {
        let mut cmd = env.roomctl();
        cmd.args(["-s", store]).args(access);
        cmd
    };
    roomctl()
        .arg("import")
        .arg(&archive)
        .assert()
        .success()
        .stderr(contains("5 created"));
    let out = roomctl()
        .args(["list", "-o", "json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out).as_array().map(Vec::len), Some(5));
    let out = roomctl()
        .args(["show", "room 3", "-o", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["roomName"], "room 3");
    roomctl()
        .args(["delete", "room 4", "--yes"])
        .assert()
        .success();
    roomctl()
        .args(["export", "back.jsonl"])
        .assert()
        .success()
        .stderr(contains("exported 4 rooms"));
    let mut want = archive_rooms(&archive);
    want.retain(|l| !l.contains("\"room 4\""));
    assert_eq!(archive_rooms(&env.path().join("back.jsonl")), want);
}

fn path_str(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn tls_with_the_servers_ca_runs_every_command() {
    let env = TestEnv::new();
    let server = RedisServer::start_tls();
    let ca = path_str(server.tls().ca());
    every_command(&env, &server.url(), &["--tls-ca", &ca]);
}

#[test]
fn tls_trusts_the_system_roots() {
    let env = TestEnv::new();
    let server = RedisServer::start_tls();
    // Not trusted: the test CA is in no system store.
    let out = env
        .roomctl()
        .args(["-s", &server.url(), "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", server.port())),
        "{stderr}"
    );
    assert!(stderr.contains("certificate"), "{stderr}");
    assert!(stderr.contains("--tls-ca"), "says what to check: {stderr}");
    // Trusted once the system's bundle holds it (SSL_CERT_FILE stands in
    // for /etc/ssl/certs).
    env.roomctl()
        .args(["-s", &server.url(), "list"])
        .env("SSL_CERT_FILE", server.tls().ca())
        .assert()
        .success()
        .stderr(contains("0 rooms"));
}

#[test]
fn tls_insecure_connects_and_warns_every_time() {
    let env = TestEnv::new();
    let server = RedisServer::start_tls();
    let warning = "TLS certificate checks are OFF";
    env.roomctl()
        .args(["-s", &server.url(), "--tls-insecure", "-q", "list"])
        .assert()
        .success()
        .stderr(contains(warning));
    // The redis crate's spelling, #insecure on the URL, is warned about too.
    env.roomctl()
        .args(["-s", &format!("{}/#insecure", server.url()), "list"])
        .assert()
        .success()
        .stderr(contains(warning));
    every_command(&env, &server.url(), &["--tls-insecure"]);
}

#[test]
fn client_certificates_are_presented_when_given() {
    let env = TestEnv::new();
    let server = RedisServer::start_tls_requiring_client_certs();
    let tls = server.tls();
    let ca = path_str(tls.ca());
    let out = env
        .roomctl()
        .args(["-s", &server.url(), "--tls-ca", &ca, "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7), "no certificate, no entry");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", server.port())),
        "{stderr}"
    );
    let (cert, key) = (path_str(tls.client_cert()), path_str(tls.client_key()));
    every_command(
        &env,
        &server.url(),
        &["--tls-ca", &ca, "--tls-cert", &cert, "--tls-key", &key],
    );
    // A certificate without its key is a usage error.
    env.roomctl()
        .args(["-s", &server.url(), "--tls-cert", &cert, "list"])
        .assert()
        .code(2);
}

#[test]
fn tls_options_need_a_tls_store() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    env.roomctl()
        .args(["-s", &server.url(), "--tls-insecure", "list"])
        .assert()
        .code(7)
        .stderr(contains("need a rediss:// URL"));
    env.roomctl()
        .args(["-s", "memory:", "--tls-ca", "ca.pem", "list"])
        .assert()
        .code(2)
        .stderr(contains("--tls-ca only applies to a Redis store"));
    env.roomctl()
        .args(["-s", "memory:", "--password-file", "pw", "list"])
        .assert()
        .code(2)
        .stderr(contains("--password-file only applies to a Redis store"));
}

fn require_password(server: &RedisServer, password: &str) {
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg(password)
        .exec(&mut server.connection())
        .expect("requirepass");
}

#[test]
fn a_password_file_keeps_the_secret_off_the_command_line() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let secret = "s3cret p@ss:word";
    require_password(&server, secret);
    let file = env.path().join("redis.pass");
    fs::write(&file, format!("{secret}\n")).expect("write password file");
    let file = path_str(file);
    every_command(&env, &server.url(), &["--password-file", &file]);

    // Without it: refused, and the hint says where a password goes.
    let out = env
        .roomctl()
        .args(["-s", &server.url(), "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--password-file"), "{stderr}");

    // A wrong one: refused, and never printed.
    let wrong = env.path().join("wrong.pass");
    fs::write(&wrong, "wr0ng-secret").expect("write");
    let out = env
        .roomctl()
        .args(["-s", &server.url(), "--password-file"])
        .arg(&wrong)
        .args(["-v", "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("password"), "{stderr}");
    assert!(!stderr.contains("wr0ng"), "{stderr}");

    // The server's own variables work too.
    env.roomctl()
        .env("STORAGE_TYPE", "redis")
        .env("VALKEY_HOST", "127.0.0.1")
        .env("VALKEY_PORT", server.port().to_string())
        .env("VALKEY_PASSWORD", secret)
        .arg("list")
        .assert()
        .success()
        .stderr(contains("4 rooms").and(contains(secret).not()));
}

#[test]
fn acl_users_log_in_by_name() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = server.connection();
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg("roomctl")
        .arg("on")
        .arg(">pw-of-roomctl")
        .arg("~room:*")
        .arg("+@all")
        .exec(&mut con)
        .expect("ACL SETUSER");
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg("default")
        .arg("off")
        .exec(&mut con)
        .expect("ACL SETUSER default off");
    let port = server.port();
    every_command(
        &env,
        &format!("redis://roomctl:pw-of-roomctl@127.0.0.1:{port}"),
        &[],
    );
    // The user in the URL, the password from a file.
    let file = env.path().join("acl.pass");
    fs::write(&file, "pw-of-roomctl").expect("write");
    env.roomctl()
        .args([
            "-s",
            &format!("redis://roomctl@127.0.0.1:{port}"),
            "--password-file",
        ])
        .arg(&file)
        .args(["list", "-o", "json"])
        .assert()
        .success();
    // A wrong password for that user is refused without echoing it.
    let out = env
        .roomctl()
        .args([
            "-s",
            &format!("redis://roomctl:not-it@127.0.0.1:{port}"),
            "list",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("not-it"), "{stderr}");
    assert!(stderr.contains("redis://roomctl:***@"), "{stderr}");
}

#[test]
fn a_unix_socket_password_is_never_shown() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let secret = "SECRET-of-the-socket";
    require_password(&server, secret);
    let socket = server.socket();
    let store = format!("redis+unix://{}?pass={secret}", socket.display());
    let archive = archive(&env);
    let roomctl = |store: &str| {
        let mut cmd = env.roomctl();
        cmd.args(["-s", store]);
        cmd
    };
    let shows_no_secret = |out: &std::process::Output| {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(secret), "{all}");
        all
    };

    let out = roomctl(&store)
        .arg("-v")
        .arg("import")
        .arg(&archive)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", shows_no_secret(&out));
    let out = roomctl(&store).args(["-v", "list"]).output().expect("run");
    assert!(out.status.success());
    assert!(shows_no_secret(&out).contains("?pass=***"));

    // The archive header's `source`.
    let exported = env.path().join("out.jsonl");
    let out = roomctl(&store)
        .arg("export")
        .arg(&exported)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", shows_no_secret(&out));
    let header = fs::read_to_string(&exported).expect("archive");
    let header = header.lines().next().expect("a header");
    assert!(!header.contains(secret), "{header}");
    assert!(header.contains("?pass=***"), "{header}");

    // prune's JSON report names the store.
    let out = roomctl(&store)
        .args([
            "prune-inactive",
            "--older-than",
            "1d",
            "--dry-run",
            "-o",
            "json",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", shows_no_secret(&out));
    let report = stdout_json(&out);
    assert!(
        report["store"]
            .as_str()
            .is_some_and(|s| s.contains("?pass=***")),
        "{report}"
    );

    // An error names the store too: a database the server does not have.
    let out = roomctl(&format!("{store}&db=99"))
        .arg("list")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    assert!(shows_no_secret(&out).contains("database"));
}

#[test]
fn a_password_file_works_with_a_unix_socket() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let secret = "s3cret p@ss+word&db=7";
    require_password(&server, secret);
    let file = env.path().join("redis.pass");
    fs::write(&file, format!("{secret}\n")).expect("write password file");
    let store = format!("redis+unix://{}", server.socket().display());
    every_command(&env, &store, &["--password-file", &path_str(file.clone())]);
    // It beats a password in the URL.
    let out = env
        .roomctl()
        .args(["-s", &format!("{store}?pass=wrong-one"), "--password-file"])
        .arg(&file)
        .args(["-v", "list"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("wrong-one") && !stderr.contains("p@ss"),
        "{stderr}"
    );
}

/// The one line of a run that failed to connect, checked for rustls' own
/// names (which say nothing to an operator).
fn refusal(env: &TestEnv, args: &[&str]) -> String {
    let out = env.roomctl().args(args).output().expect("run");
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for name in [
        "InvalidCertificate",
        "UnknownIssuer",
        "NotValidForName",
        "CaUsedAsEndEntity",
        "AlertReceived",
        "Other(",
    ] {
        assert!(!stderr.contains(name), "{stderr}");
    }
    stderr
}

#[test]
fn a_self_signed_certificate_given_as_the_ca_is_trusted_as_it_is() {
    let env = TestEnv::new();
    // `openssl req -x509` makes a certificate that is its own CA (CA:TRUE).
    let server = RedisServer::start_tls_with(TlsFiles::self_signed("IP:127.0.0.1,DNS:localhost"));
    let ca = path_str(server.tls().ca());
    every_command(&env, &server.url(), &["--tls-ca", &ca]);
    env.roomctl()
        .args(["-s", &format!("rediss://localhost:{}", server.port())])
        .args(["--tls-ca", &ca, "list"])
        .assert()
        .success();

    // Another self-signed certificate is not that one.
    let stranger = TlsFiles::self_signed("IP:127.0.0.1,DNS:localhost");
    let stderr = refusal(
        &env,
        &[
            "-s",
            &server.url(),
            "--tls-ca",
            &path_str(stranger.ca()),
            "list",
        ],
    );
    assert!(
        stderr.contains("the server's certificate is not one of the certificates in --tls-ca")
            && stderr.contains("give --tls-ca"),
        "{stderr}"
    );
}

#[test]
fn a_pinned_certificate_must_still_name_the_host() {
    let env = TestEnv::new();
    let server = RedisServer::start_tls_with(TlsFiles::self_signed("DNS:elsewhere.example"));
    let ca = path_str(server.tls().ca());
    let stderr = refusal(&env, &["-s", &server.url(), "--tls-ca", &ca, "list"]);
    assert!(
        stderr.contains("not made out to 127.0.0.1") && stderr.contains("elsewhere.example"),
        "{stderr}"
    );
}

#[test]
fn tls_refusals_are_sentences_that_say_what_to_do() {
    let env = TestEnv::new();
    let server = RedisServer::start_tls_requiring_client_certs();
    // The test CA is in no system store.
    let stderr = refusal(&env, &["-s", &server.url(), "list"]);
    assert!(
        stderr.contains("not signed by a CA this system trusts")
            && stderr.contains("--tls-ca FILE"),
        "{stderr}"
    );
    // Trusted, but no client certificate.
    let ca = path_str(server.tls().ca());
    let stderr = refusal(&env, &["-s", &server.url(), "--tls-ca", &ca, "list"]);
    assert!(
        stderr.contains("asks for a client certificate")
            && stderr.contains("--tls-cert FILE --tls-key FILE"),
        "{stderr}"
    );
}
