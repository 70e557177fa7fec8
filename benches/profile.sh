#!/usr/bin/env bash
# Where a training step's time goes, on one thread and on two: a sampling
# profile (perf) of `train_step` at batch 256 (or `--batch B`) on MNIST
# 784-128-10, a `train_step` row of `benches/compare/run.sh`'s `parallel`
# table (batch 256 or 2,048).
#
#   benches/profile.sh [--rounds R] [--passes N] [--top K] [--freq HZ] [--batch B]
#
# (`benches/profile_test.py`, run by CI, checks the table on a canned report.)
#
# Runs the figures bench binary (feature `parallel`, RAYON_NUM_THREADS=2)
# with `--only steps` R times. Each run alternates N pairs of passes over
# the training set, one on a pool of one thread, one on two threads (as the
# `--only parallel` table does), so that a change in the machine's load
# hits both sides, while `perf record -e cpu-clock` samples the CPU time of
# every thread (a software clock, so it works where a virtual machine
# exposes no hardware counters) only during the counted pairs (perf's
# control FIFO; loading MNIST is left out). The threads tell the sides
# apart: `nn-one-thread` is the one-thread side, the calling thread and the
# helper `nn-team` the two-thread side. Prints, per function, the CPU time
# per step on one thread and on each of the two threads, and what the two
# threads spend waiting for each other: medians over the R runs
# (`benches/profile.py`).
#
# Sampling slows the step down: on the 2-vCPU Ice Lake of 2026-12-06, the
# one-thread step took 8% longer at the default 2,000 samples a second and
# 17% at 4,000 (runs a minute apart, on a noisy host), and at 10,000 a run
# took 1,645 µs a step, about twice the 815–838 µs of runs without sampling
# that hour. So the wall-clock figures it prints are not those of
# `benches/compare/run.sh`.
#
# Needs perf (Debian: apt-get install linux-perf) and permission to sample
# one's own process (/proc/sys/kernel/perf_event_paranoid at most 2).
# Threads are pinned as in `--only parallel` (NN_PIN=0: not pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 passes=4 top=24 freq=2000 batch=256
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --passes) passes="$2"; shift 2 ;;
        --top) top="$2"; shift 2 ;;
        --freq) freq="$2"; shift 2 ;;
        --batch) batch="$2"; shift 2 ;;
        *) echo "usage: benches/profile.sh [--rounds R] [--passes N] [--top K] [--freq HZ] [--batch B]" >&2; exit 2 ;;
    esac
done
if ! perf stat -e cpu-clock true >/dev/null 2>&1; then
    echo "benches/profile.sh: perf cannot sample here (Debian: apt-get install linux-perf;" \
        "see /proc/sys/kernel/perf_event_paranoid)" >&2
    exit 1
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "benches/profile.sh: needs 2 CPUs, this machine has $(nproc)" >&2
    exit 1
fi

cargo bench --quiet --features parallel --bench figures --no-run 2>/dev/null
bin="$(cargo bench --features parallel --bench figures --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for round in $(seq "$rounds"); do
    echo "run $round of $rounds: perf record, $passes pairs of passes of train_step at batch $batch" >&2
    mkfifo "$out/r$round.ctl" "$out/r$round.ack"
    RAYON_NUM_THREADS=2 NN_PERF_CTL="$out/r$round.ctl" NN_PERF_ACK="$out/r$round.ack" \
        perf record --quiet -e cpu-clock -F "$freq" -D -1 --control "fifo:$out/r$round.ctl,$out/r$round.ack" \
        -o "$out/r$round.data" -- "$bin" --only steps --repeats "$passes" --batch "$batch" >"$out/r$round.jsonl"
    perf report -i "$out/r$round.data" --no-children -F period,sample,pid,sym --stdio -t '|' 2>/dev/null \
        >"$out/r$round.txt"
    rm "$out/r$round.data"
done
python3 benches/profile.py --top "$top" "$out"
