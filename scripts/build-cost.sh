#!/usr/bin/env bash
# What a dependent of partner-center-client pays to build, against the floor: a crate that
# depends on reqwest (the client's features) + serde alone. Clean debug and release builds of a
# one-line binary, each in its own target dir, plus package counts. Not run by CI (minutes of
# compiling); the figures in BENCHMARKS.md ("Build cost") come from it.
#
#   bash scripts/build-cost.sh [OUT_DIR]     # default: target/build-cost
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/build-cost}"
mkdir -p "$out/base/src" "$out/ours/src"
cat > "$out/base/Cargo.toml" <<TOML
[package]
name = "dep-base"
version = "0.0.0"
edition = "2024"
[dependencies]
reqwest = { version = "0.13.4", default-features = false, features = ["json", "rustls", "http2"] }
serde = { version = "1", features = ["derive"] }
[workspace]
TOML
echo 'fn main() { let _ = reqwest::Client::new(); }' > "$out/base/src/main.rs"
cat > "$out/ours/Cargo.toml" <<TOML
[package]
name = "dep-ours"
version = "0.0.0"
edition = "2024"
[dependencies]
partner-center-client = { path = "$root/client" }
[workspace]
TOML
echo 'fn main() { let _ = partner_center_client::PartnerCenter::builder(); }' > "$out/ours/src/main.rs"
cp "$root/Cargo.lock" "$out/ours/Cargo.lock"
for c in base ours; do
  (cd "$out/$c" && cargo fetch -q)
  n=$(cd "$out/$c" && cargo tree --prefix none -e normal,build | sed 's/ (.*//' | sort -u | wc -l)
  echo "$c: $((n - 1)) packages"
done
for profile in debug release; do
  for c in base ours; do
    rm -rf "$out/target-$c-$profile"
    flag=""; [ "$profile" = release ] && flag="--release"
    start=$(date +%s.%N)
    (cd "$out/$c" && CARGO_TARGET_DIR="$out/target-$c-$profile" cargo build -q $flag)
    end=$(date +%s.%N)
    printf '%s %s: %.1f s\n' "$profile" "$c" "$(echo "$end - $start" | bc)"
  done
done
