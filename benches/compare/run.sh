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
# multi-threaded figures use wall-clock time.
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

echo "nn: building and running benches/compare/figures.rs" >&2
cargo bench --quiet --bench figures -- "${args[@]}" >"$out/nn.jsonl"
if [ "${NN_COMPARE_PARALLEL:-1}" != 0 ]; then
    threads="$(nproc)"
    for t in 1 "$threads"; do
        echo "nn: feature parallel, $t thread(s)" >&2
        RAYON_NUM_THREADS="$t" cargo bench --quiet --features parallel --bench figures -- --only parallel "${args[@]}" |
            sed 's/"impl": "nn"/"impl": "nn-parallel"/' >>"$out/nn.jsonl"
        [ "$threads" -gt 1 ] || break
    done
fi
echo "PyTorch: $py benches/compare/torch_figures.py" >&2
"$py" benches/compare/torch_figures.py "${args[@]}" >"$out/torch.jsonl"

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), ${cpu:-unknown CPU}, $(nproc) cores, rustc $(rustc --version | cut -d' ' -f2)"
echo
"$py" benches/compare/table.py "$out/nn.jsonl" "$out/torch.jsonl"
