#!/usr/bin/env bash
# What a newcomer's first commands cost: the README's two commands on a fresh copy of a commit
# (crates already downloaded, nothing compiled), timed as whole commands. With two or more
# commits they are measured one after another, command by command, and the ratio to the first
# commit printed. Not run by CI (each build takes minutes); the figures in BENCHMARKS.md
# ("Build cost") come from it.
#
#   bash scripts/first-run.sh [--tests] [REV ...]     # default REV: HEAD
#
# --tests also times `cargo test --workspace` (several minutes more per commit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tests=false
revs=()
for arg in "$@"; do
    case "$arg" in
        --tests) tests=true ;;
        -*) echo "first-run: unknown flag $arg (usage: first-run.sh [--tests] [REV ...])" >&2; exit 2 ;;
        *) revs+=("$arg") ;;
    esac
done
[ ${#revs[@]} -eq 0 ] && revs=(HEAD)
out="$root/target/first-run"
main_job=(cargo run --locked -p partner-center-cli -- --sandbox customers delete --all --cancel-purchases --yes)
test_job=(cargo test --workspace --locked)

# Each REV is resolved once, here: a commit made while this runs (HEAD moving) changes nothing.
declare -A commit_of
for rev in "${revs[@]}"; do
    commit=$(git -C "$root" rev-parse --verify --quiet "$rev^{commit}") \
        || { echo "first-run: $rev is not a commit" >&2; exit 2; }
    commit_of[$rev]=$commit
    rm -rf "$out/$commit"
    mkdir -p "$out/$commit"
    git -C "$root" archive "$commit" | tar -x -C "$out/$commit"
    (cd "$out/$commit" && cargo fetch --locked -q)
done

declare -A took
measure() { # label, rev, command...
    local label=$1 rev=$2; shift 2
    local dir start end
    dir="$out/${commit_of[$rev]}"
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" "$@" >"$dir/$label.log" 2>&1) \
        || { echo "first-run: $label failed at $rev (log: $dir/$label.log)" >&2; exit 1; }
    end=$(date +%s.%N)
    took[$label-$rev]=$(echo "$end - $start" | bc)
    printf '%-10s %-12s %7.1f s\n' "$label" "$rev" "${took[$label-$rev]}"
}
labels=(main-job)
$tests && labels+=(tests)
for label in "${labels[@]}"; do
    for rev in "${revs[@]}"; do
        # Each command starts from nothing compiled, as on a fresh clone.
        rm -rf "$out/${commit_of[$rev]}/target"
        if [ "$label" = main-job ]; then
            measure main-job "$rev" "${main_job[@]}"
        else
            measure tests "$rev" "${test_job[@]}"
        fi
    done
done
if [ ${#revs[@]} -gt 1 ]; then
    for label in "${labels[@]}"; do
        for rev in "${revs[@]:1}"; do
            printf '%-10s %s / %s: %.2f\n' "$label" "$rev" "${revs[0]}" \
                "$(echo "${took[$label-$rev]} / ${took[$label-${revs[0]}]}" | bc -l)"
        done
    done
fi
