#!/usr/bin/env bash
# nn against PyTorch (CPU, 1 thread) on MNIST 784-128-10, side by side, in one
# run; prints a markdown table of the figures and their ratios.
#
#   benches/compare/run.sh [--quick] [--repeats N]
#
# PyTorch: NN_COMPARE_PYTHON=/path/to/python (one that imports torch and
# numpy) uses that interpreter; otherwise a venv is created once under
# target/compare-venv (or $NN_COMPARE_VENV) and `pip install torch numpy`
# fills it (from PyPI: a large download). With NN_COMPARE_PARALLEL=0 the
# `parallel` feature's 1-thread vs 2-thread figures are skipped.
#
# Figures are medians of repeated runs, timed by the CPU time of the working
# thread on both sides (a shared machine's other load does not count); the
# multi-threaded figures use wall-clock time, their runs alternating between
# one thread and all of them in one process, and their speed-up is the
# median of the pairs' ratios. NN_COMPARE_ROUNDS (default 3) rounds
# alternate between nn and PyTorch; the table shows the median of each
# figure over the rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
args=("$@")

py="${NN_COMPARE_PYTHON:-}"
if [ -z "$py" ]; then
    venv="${NN_COMPARE_VENV:-${CARGO_TARGET_DIR:-target}/compare-venv}"
    if ! "$venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
        echo "creating $venv with torch and numpy (pip)" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet torch numpy >&2
    fi
    py="$venv/bin/python"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

rounds="${NN_COMPARE_ROUNDS:-3}"
cargo bench --quiet --bench figures --no-run >&2
if [ "${NN_COMPARE_PARALLEL:-1}" != 0 ]; then
    cargo bench --quiet --features parallel --bench figures --no-run >&2
fi
# Rounds alternate between the two, so that a change in the machine's load
# hits both; the table shows the median over the rounds.
for round in $(seq "$rounds"); do
    echo "round $round of $rounds: nn (benches/compare/figures.rs)" >&2
    cargo bench --quiet --bench figures -- "${args[@]}" >>"$out/nn.jsonl"
    if [ "${NN_COMPARE_PARALLEL:-1}" != 0 ] && [ "$(nproc)" -gt 1 ]; then
        # one thread and $(nproc) in turn, in one process (figures.rs)
        echo "round $round of $rounds: nn, feature parallel, 1 and $(nproc) threads" >&2
        RAYON_NUM_THREADS="$(nproc)" cargo bench --quiet --features parallel --bench figures -- --only parallel "${args[@]}" |
            sed 's/"impl": "nn"/"impl": "nn-parallel"/' >>"$out/nn.jsonl"
    fi
    echo "round $round of $rounds: PyTorch ($py benches/compare/torch_figures.py)" >&2
    "$py" benches/compare/torch_figures.py "${args[@]}" >>"$out/torch.jsonl"
done

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), ${cpu:-unknown CPU}, $(nproc) cores, rustc $(rustc --version | cut -d' ' -f2), median of $rounds rounds, load average at the end $load"
echo
"$py" benches/compare/table.py "$out/nn.jsonl" "$out/torch.jsonl"
