#!/usr/bin/env bash
# What a dependent of partner-center-client pays to build, against the floor. Clean debug and
# release builds of a one-line binary, each in its own target dir, plus package counts. Not run
# by CI (minutes of compiling); the figures in BENCHMARKS.md ("Build cost") come from it.
#
#   floor         reqwest with the client's features (rustls, no provider) + rustls's ring
#                 provider + serde: the least an HTTPS client of Partner Center builds
#   ours          partner-center-client with default features
#   reqwest-tls   reqwest with its own rustls TLS (aws-lc-rs) + serde: what depending on reqwest
#                 alone costs, for comparison
#
#   bash scripts/build-cost.sh [OUT_DIR]     # default: target/build-cost
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/build-cost}"

crate() { # name, dependencies (TOML lines), main.rs
    mkdir -p "$out/$1/src"
    printf '[package]\nname = "dep-%s"\nversion = "0.0.0"\nedition = "2024"\n[dependencies]\n%s\n[workspace]\n' \
        "$1" "$2" > "$out/$1/Cargo.toml"
    printf '%s\n' "$3" > "$out/$1/src/main.rs"
    cp "$root/Cargo.lock" "$out/$1/Cargo.lock"
}
crate floor 'reqwest = { version = "0.13.4", default-features = false, features = ["json", "rustls-no-provider", "http2"] }
rustls = { version = "0.23", default-features = false, features = ["std", "ring", "tls12"] }
serde = { version = "1", features = ["derive"] }' \
    'fn main() { let _ = rustls::crypto::ring::default_provider().install_default(); let _ = reqwest::Client::new(); }'
crate ours "partner-center-client = { path = \"$root/client\" }" \
    'fn main() { let _ = partner_center_client::PartnerCenter::builder(); }'
crate reqwest-tls 'reqwest = { version = "0.13.4", default-features = false, features = ["json", "rustls", "http2"] }
serde = { version = "1", features = ["derive"] }' \
    'fn main() { let _ = reqwest::Client::new(); }'

variants=(floor ours reqwest-tls)
declare -A took
for c in "${variants[@]}"; do
    (cd "$out/$c" && cargo fetch -q)
    n=$(cd "$out/$c" && cargo tree --prefix none -e normal,build | sed 's/ (.*//' | sort -u | wc -l)
    echo "$c: $((n - 1)) packages"
done
for profile in debug release; do
    for c in "${variants[@]}"; do
        rm -rf "$out/target-$c-$profile"
        flag=""; [ "$profile" = release ] && flag="--release"
        start=$(date +%s.%N)
        (cd "$out/$c" && CARGO_TARGET_DIR="$out/target-$c-$profile" cargo build -q $flag)
        end=$(date +%s.%N)
        took[$c-$profile]=$(echo "$end - $start" | bc)
        printf '%s %s: %.1f s\n' "$profile" "$c" "${took[$c-$profile]}"
    done
    # The target: a dependent with default features within +10 % of the floor.
    printf '%s ours / floor: %.2f (target <= 1.10)\n' "$profile" \
        "$(echo "${took[ours-$profile]} / ${took[floor-$profile]}" | bc -l)"
done
