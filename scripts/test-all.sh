#!/usr/bin/env bash
# Runs every check archsite has: formatting, lints, the Rust test suite, the showcase build,
# and the browser tests (theme, search, live reload, accessibility, HTML validity).
# Browser tests need /usr/bin/chromium, node and java; .ci/run installs them.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets -- -D warnings

step "cargo test"
cargo test --all-targets

step "showcase site builds (root and sub-path)"
cargo build --release
./target/release/archsite build --output target/showcase
./target/release/archsite build --output target/showcase-sub --base-url https://example.github.io/archsite/

step "fuzz: a short budget (docs/fuzzing.md runs a long one)"
cargo run --release --quiet --example fuzz -- --cases "${ARCHSITE_FUZZ_CASES:-20000}" --seed 1

if [ -x /usr/bin/chromium ] && command -v node >/dev/null && [ -f tests/browser/package.json ]; then
  step "browser tests"
  (cd tests/browser && { [ -d node_modules ] || npm install --no-audit --no-fund; })
  export ARCHSITE_PUBLIC="$PWD/target/showcase"
  export ARCHSITE_BIN="$PWD/target/debug/archsite"
  cargo build
  for t in tests/browser/*.test.mjs; do
    [ -e "$t" ] || continue
    node --test "$t"
  done
  if [ -f tests/browser/vnu.sh ] && command -v java >/dev/null; then
    step "Nu Html Checker"
    bash tests/browser/vnu.sh "$ARCHSITE_PUBLIC"
  fi
else
  step "browser tests skipped: need /usr/bin/chromium, node and tests/browser/package.json"
  if [ "${ARCHSITE_REQUIRE_BROWSER:-0}" = 1 ]; then exit 1; fi
fi
step "all checks passed"
