#!/usr/bin/env bash
# Supply-chain checks with cargo-deny against deny.toml: licences, bans (openssl/native-tls,
# reviewed duplicate versions), sources (crates.io only), and RustSec advisories.
#
# cargo-deny is installed once under target/tools (pinned). The advisory database is fetched
# from GitHub; where that is unreachable (this project's CI and workplace reach crates.io only)
# the advisories check is reported as NOT run, loudly, and the other checks still gate.
#
#   bash scripts/deny.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.20.2
tools="$PWD/target/tools"
deny="$tools/bin/cargo-deny"
if ! "$deny" --version 2>/dev/null | grep -qF " $version"; then
    echo "installing cargo-deny $version under target/tools (once)"
    # Built without its release profile's fat LTO and single codegen unit: it checks one lock
    # file in about 2 s either way, and installs in about 3 minutes instead of 4 on 2 cores.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
        cargo install cargo-deny --locked --version "$version" --root "$tools" --quiet
fi
"$deny" --version
"$deny" check bans licenses sources
if timeout 120 "$deny" fetch db >/dev/null 2>&1; then
    "$deny" check advisories
else
    echo "cargo deny: ADVISORIES NOT CHECKED: the RustSec database (github.com/RustSec/advisory-db) cannot be fetched from this machine" >&2
fi
