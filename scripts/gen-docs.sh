#!/usr/bin/env bash
# Regenerates what is generated from the clap definitions in src/cli.rs and
# committed: the shell completion scripts in completions/ and the man pages
# in man/. The tests `completions_are_up_to_date` and
# `man_pages_are_up_to_date` (tests/integration/cli.rs) fail until this has
# been run after a change to a command's arguments or help.
#
#   scripts/gen-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
UPDATE_COMPLETIONS=1 UPDATE_MAN_PAGES=1 \
  cargo test --quiet --test integration -- cli::completions_are_up_to_date cli::man_pages_are_up_to_date
git status --short -- completions man
