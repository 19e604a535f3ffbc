//! Resolving which store to use (docs/stores.md): `--store`, then the server's
//! environment variables, then its `config.yaml`, then `file:./data/rooms`.
//! Flags beat env, env beats the config file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::exit::{ExitCode, fail};
use crate::store::StoreSpec;
use crate::store::uri::{DEFAULT_PREFIX, TlsOptions, with_password};

/// The server's default room directory.
pub const DEFAULT_STORE: &str = "file:./data/rooms";

/// What the command line says about one store: the store itself (`--store`
/// and the global flags beside it, or migrate-backend's `--to` and its
/// `--to-…` flags) and how the messages about it name it and its flags.
#[derive(Debug, Clone)]
pub struct StoreFlags {
    pub store: Option<String>,
    /// The flag `store` comes from: `--store`, `--from`, `--to`.
    pub store_flag: &'static str,
    /// What the store is to the command: `store`, `source store`,
    /// `target store`.
    pub role: &'static str,
    /// What the names of the flags below start with after `--`: empty for
    /// the global ones (`--key-prefix`, `--tls-ca`…), `to-` for the target
    /// of migrate-backend (`--to-key-prefix`, `--to-tls-ca`…).
    pub flag_prefix: &'static str,
    pub key_prefix: Option<String>,
    pub config: Option<PathBuf>,
    pub password_file: Option<PathBuf>,
    /// `--tls-ca`, `--tls-cert`, `--tls-key`, `--tls-insecure`.
    pub tls: TlsOptions,
}

impl Default for StoreFlags {
    fn default() -> StoreFlags {
        StoreFlags {
            store: None,
            store_flag: "--store",
            role: "store",
            flag_prefix: "",
            key_prefix: None,
            config: None,
            password_file: None,
            tls: TlsOptions::default(),
        }
    }
}

impl StoreFlags {
    /// The command-line name of one of this store's flags: `key-prefix` →
    /// `--key-prefix`, or `--to-key-prefix` for migrate-backend's target.
    pub fn flag(&self, name: &str) -> String {
        format!("--{}{name}", self.flag_prefix)
    }
}

/// The store roomctl will use, and where that choice came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub spec: StoreSpec,
    pub source: String,
}

/// The keys of the server's `config.yaml` that name its store; every other
/// key belongs to the server and is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerConfig {
    storage_type: Option<String>,
    storage_path: Option<String>,
    redis_url: Option<String>,
    redis_key_prefix: Option<String>,
}

/// Resolves the store from flags, an environment and the config file.
/// A flag that cannot apply to the store it resolves to (a key prefix, a
/// password or TLS settings for a directory) is refused as a usage error.
pub fn resolve(flags: &StoreFlags, env: &HashMap<String, String>) -> anyhow::Result<Resolved> {
    let env_get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let (config, config_path) = load_config(flags.config.as_deref())?;
    let (spec, source, from_flag) = if let Some(s) = &flags.store {
        let spec = StoreSpec::parse(s)
            .map_err(|e| fail(ExitCode::Usage, format!("{}: {e}", flags.store_flag)))?;
        (spec, flags.store_flag.to_string(), true)
    } else if let Some(kind) = env_get("STORAGE_TYPE") {
        (
            spec_for(&kind, env, &config).context("from STORAGE_TYPE")?,
            format!("STORAGE_TYPE={kind}"),
            false,
        )
    } else if let Some(kind) = &config.storage_type {
        let where_ = config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        (
            spec_for(kind, env, &config).with_context(|| format!("from {where_}"))?,
            format!("{where_} (storageType: {kind})"),
            false,
        )
    } else {
        (
            StoreSpec::parse(DEFAULT_STORE)?,
            "default".to_string(),
            false,
        )
    };
    let mut spec = spec;
    let StoreSpec::Redis(c) = &mut spec else {
        let given: Vec<String> = [
            ("key-prefix", flags.key_prefix.is_some()),
            ("password-file", flags.password_file.is_some()),
            ("tls-ca", flags.tls.ca_file.is_some()),
            ("tls-cert", flags.tls.cert_file.is_some()),
            ("tls-key", flags.tls.key_file.is_some()),
            ("tls-insecure", flags.tls.insecure),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| flags.flag(name))
        .collect();
        if given.is_empty() {
            return Ok(Resolved { spec, source });
        }
        // migrate-backend's source: the flags were likely meant for the
        // target, which has its own.
        let target_has_its_own = if flags.role == "source store" {
            " (the target store's are --to-key-prefix, --to-password-file, --to-tls-…)"
        } else {
            ""
        };
        return Err(fail(
            ExitCode::Usage,
            format!(
                "{} only appl{} to a Redis {}, and {} is not one{target_has_its_own}",
                given.join(", "),
                if given.len() == 1 { "ies" } else { "y" },
                flags.role,
                spec.redacted()
            ),
        ));
    };
    c.flag_prefix = flags.flag_prefix;
    // A store named on the command line is taken as given; one found in
    // the server's settings takes the server's prefix too.
    if !from_flag
        && c.prefix == DEFAULT_PREFIX
        && let Some(p) = &config.redis_key_prefix
    {
        c.prefix = p.clone();
    }
    if let Some(p) = &flags.key_prefix {
        if p.is_empty() {
            return Err(fail(
                ExitCode::Usage,
                format!("{} must not be empty", flags.flag("key-prefix")),
            ));
        }
        c.prefix = p.clone();
    }
    if let Some(path) = &flags.password_file {
        let secret = read_password_file(path, &flags.flag("password-file"))?;
        c.urls = c.urls.iter().map(|u| with_password(u, &secret)).collect();
    }
    let tls = &flags.tls;
    c.tls.ca_file = tls.ca_file.clone().or(c.tls.ca_file.take());
    c.tls.cert_file = tls.cert_file.clone().or(c.tls.cert_file.take());
    c.tls.key_file = tls.key_file.clone().or(c.tls.key_file.take());
    c.tls.insecure |= tls.insecure;
    Ok(Resolved { spec, source })
}

fn load_config(explicit: Option<&Path>) -> anyhow::Result<(ServerConfig, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from("config.yaml");
            if !p.is_file() {
                return Ok((ServerConfig::default(), None));
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    if text.trim().is_empty() {
        return Ok((ServerConfig::default(), Some(path)));
    }
    let config: ServerConfig = serde_yaml::from_str(&text)
        .with_context(|| format!("{}: not a valid config.yaml", path.display()))?;
    Ok((config, Some(path)))
}

fn spec_for(
    kind: &str,
    env: &HashMap<String, String>,
    config: &ServerConfig,
) -> anyhow::Result<StoreSpec> {
    let env_get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    match kind.to_ascii_lowercase().as_str() {
        "memory" => Ok(StoreSpec::Memory),
        "file" => {
            let path = env_get("STORAGE_PATH")
                .or_else(|| config.storage_path.clone())
                .unwrap_or_else(|| "./data/rooms".into());
            Ok(StoreSpec::File { path: path.into() })
        }
        "redis" | "valkey" => {
            let has_valkey = ["VALKEY_HOST", "VALKEY_PORT", "VALKEY_PASSWORD", "REDIS_DB"]
                .iter()
                .any(|k| env_get(k).is_some());
            let url = if let Some(url) = env_get("REDIS_URL") {
                url
            } else if has_valkey || config.redis_url.is_none() {
                let host = env_get("VALKEY_HOST").unwrap_or_else(|| "localhost".into());
                let port = env_get("VALKEY_PORT").unwrap_or_else(|| "6379".into());
                let db = env_get("REDIS_DB").unwrap_or_else(|| "0".into());
                let base = format!("redis://{host}:{port}/{db}");
                match env_get("VALKEY_PASSWORD") {
                    Some(pw) => with_password(&base, &pw),
                    None => base,
                }
            } else {
                config.redis_url.clone().unwrap_or_default()
            };
            Ok(StoreSpec::parse(&url)?)
        }
        other => bail!("unknown storage type {other:?} (expected memory, file or redis)"),
    }
}

/// Reads a password file (the flag named `flag`), without its line end.
pub fn read_password_file(path: &Path, flag: &str) -> anyhow::Result<String> {
    let secret = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {flag} {}", path.display()))?;
    Ok(secret.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn valkey_variables_build_a_url() {
        let e = env(&[
            ("STORAGE_TYPE", "redis"),
            ("VALKEY_HOST", "cache"),
            ("VALKEY_PASSWORD", "s3"),
        ]);
        let r = resolve(
            &StoreFlags {
                config: Some("/nonexistent-roomctl".into()),
                ..Default::default()
            },
            &e,
        );
        assert!(
            r.is_err(),
            "an explicit config file that is missing is an error"
        );
        let r = resolve(&StoreFlags::default(), &e).unwrap();
        let StoreSpec::Redis(c) = r.spec else {
            panic!()
        };
        assert_eq!(c.urls, vec!["redis://:s3@cache:6379/0"]);
        assert!(!r.source.contains("s3"));
    }
}
