#!/usr/bin/env bash
# Runs roomctl's whole test suite on a fresh machine: installs what the tests
# need (redis-server, redis-cli) when missing, then formatting, lints, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_install=()
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need_install+=(redis-tools)
# The TLS tests make their certificates with openssl.
command -v openssl >/dev/null 2>&1 || need_install+=(openssl)
# The fault suite kills roomctl at every file-system step with strace.
command -v strace >/dev/null 2>&1 || need_install+=(strace)
if [ ${#need_install[@]} -gt 0 ]; then
  echo "installing ${need_install[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_install[@]}" >/dev/null
fi
# The packaged service is not used: tests start their own servers (one
# server, a TLS server, and 3-primary Redis Clusters; Redis 7.0 or later,
# built with TLS as Debian and Ubuntu build it).
# The fault suite (tests/faults) prints "faults survived: N/N" per test on
# stderr; run as root it also fills a small tmpfs (else a file-size limit)
# and drops to `nobody` for the permission tests.

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --all-targets "$@"
