#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 60): installs cargo-fuzz when
# missing, starts from the committed seeds in fuzz/corpus/<target>/ and keeps
# what it learns in fuzz/target/corpus/<target>/ (not committed). A crash
# stops the run and is saved under fuzz/artifacts/<target>/: minimise it
# (`cargo fuzz tmin`), fix the bug, and commit the input to the seed corpus
# so that `cargo test --test integration fuzz_corpus::` keeps checking it.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(room_document archive)

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# cargo-fuzz needs a nightly compiler for its sanitizer flags. Use an
# installed nightly; else the stable compiler, told to allow the nightly
# flags, without a sanitizer (libFuzzer's coverage guidance still works).
if rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
  sanitizer=(--sanitizer address)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
  sanitizer=(--sanitizer none)
fi

for target in "${targets[@]}"; do
  work="target/corpus/$target"
  mkdir -p "$work"
  echo "== $target: ${seconds}s" >&2
  # The first corpus directory receives new inputs; the seeds stay as they are.
  "${fuzz[@]}" run "${sanitizer[@]}" "$target" "$work" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
