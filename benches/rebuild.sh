#!/usr/bin/env bash
# How long a rebuild takes after changing one layer width: the hidden width
# of an example is switched between two values and
# `cargo build --release --example NAME` timed, ROUNDS times; prints each
# time and the median. The example's file is put back as it was at the end.
#
#   benches/rebuild.sh [mnist|regression] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
example="${1:-mnist}"
rounds="${2:-6}"
file="examples/$example.rs"
# width W → the sed script that gives the example's hidden layer W units
case "$example" in
    mnist) edit() { echo "s/Dense<784, [0-9]*, ReLU>/Dense<784, $1, ReLU>/; s/Dense<[0-9]*, 10, Softmax>/Dense<$1, 10, Softmax>/"; }
        widths=(96 128) ;;
    regression) edit() { echo "s/h1: Dense<1, [0-9]*, Tanh>, h2: Dense<[0-9]*, 32, Tanh>/h1: Dense<1, $1, Tanh>, h2: Dense<$1, 32, Tanh>/"; }
        widths=(24 32) ;;
    *) echo "unknown example $example (mnist or regression)" >&2; exit 2 ;;
esac
backup="$(mktemp)"
cp "$file" "$backup"
trap 'cp "$backup" "$file"; rm -f "$backup"' EXIT
cargo build --quiet --release --example "$example"
times=()
for i in $(seq "$rounds"); do
    w="${widths[$(((i - 1) % 2))]}"
    before="$(cat "$file")"
    sed -i "$(edit "$w")" "$file"
    [ "$(cat "$file")" != "$before" ] || { echo "$file: the width did not change" >&2; exit 1; }
    start=$(date +%s%N)
    cargo build --quiet --release --example "$example"
    ms=$((($(date +%s%N) - start) / 1000000))
    printf 'rebuild %d (width %d): %d.%02d s\n' "$i" "$w" $((ms / 1000)) $((ms % 1000 / 10))
    times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | awk -v ex="$example" '{v[NR] = $1}
    END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
         printf "median of %d rebuilds of examples/%s.rs after changing one width: %.2f s\n", NR, ex, m / 1000}'
