#!/usr/bin/env bash
# Instruction counts (valgrind callgrind) of predict batch 1 and train_step
# batch 64 on MNIST 784-128-10: noise-free figures for benches/BASELINE.md.
#
#   benches/callgrind.sh            # needs valgrind (apt-get install valgrind)
#
# Runs the figures bench binary with `--only callgrind` twice, collecting only
# inside `callgrind_predict_b1` (100 calls of `predict`) and then
# `callgrind_train_b64` (10 `train_step`s: Adam, CrossEntropy, batch 64), and
# prints instructions per call. NN_KERNEL=scalar|gemm|x86 forces a kernel
# (valgrind does not run AVX-512 code, and hides it from the CPU check: the
# counts are those of the AVX+FMA kernels even on an AVX-512 machine).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --quiet --bench figures --no-run 2>/dev/null
bin="$(cargo bench --bench figures --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
count() { # function name, calls
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect="*$1*" "$bin" --only callgrind \
        >"$out/stdout" 2>"$out/stderr"
    local total
    total="$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out/stderr")"
    printf '%-22s %12s instructions per call (%s calls, kernels %s)\n' "$1" "$((total / $2))" "$2" \
        "$(sed -n 's/^kernels: //p' "$out/stdout")"
}
count callgrind_predict_b1 100
count callgrind_train_b64 10
