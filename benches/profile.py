#!/usr/bin/env python3
"""The table of `benches/profile.sh`: CPU time per training step, by function,
on one thread and on two, from its runs' `perf report` outputs.

    profile.py [--top K] DIR

DIR holds, for each run R, `rR.jsonl` (what `figures --only steps` printed:
the batch, each side's counted steps and median wall-clock µs per step, and
the median of the pairs' ratios; all runs must be of one batch) and `rR.txt` (`perf report --no-children -F
period,sample,pid,sym --stdio -t '|'` of the same run). A sample's period
is nanoseconds of CPU time (the `cpu-clock` event), so a function's time
per step is the sum of its samples' periods over the number of steps.

The threads tell the sides apart: `nn-one-thread` (the pool of one thread)
is the one-thread side; `nn-team` (the helper of `nn::parallel::team`) and
the process's first thread (the lowest id: the calling thread) are the
two-thread side; anything else (rayon's workers, which should sleep) is
counted under "other threads". Two functions are waiting rather than work:
the helper's loop `team::serve` (spinning while it has no half to run, and
for 2 ms after each two-thread pass) and `team::join` on the calling thread
(spinning until the helper's half is done); their samples were checked to
fall in the spin loops. Every figure printed is the median over the runs.
"""

import argparse
import json
import os
import re
import sys

ONE = "nn-one-thread"
HELPER = "nn-team"
JOIN = "nn_core::parallel::team::join"
SERVE = "nn_core::parallel::team::serve"

# What the hot functions of this step are (the MNIST network on AVX-512).
WHAT = {
    "nn_kernels::x86::avx512::outer_sparse": "weight gradients δᵀ·X, zero δ skipped (first layer)",
    "nn_kernels::x86::avx512::nonzero::group_any": "first layer forward: the sums over nonzero inputs",
    "nn_kernels::x86::avx512::nonzero::forward": "first layer forward: finding each 3 samples' nonzero inputs",
    "nn_kernels::x86::avx512::nonzero::pack": "first layer forward: packing the weights transposed",
    "nn_kernels::x86::avx512::nonzero::sparse_enough": "first layer forward: are the inputs sparse enough?",
    "nn_core::optim::adam::adam_elements_avx512": "Adam's update",
    "nn_kernels::x86::mask::fill": "dropout masks",
    "nn_kernels::x86::outer_avx": "outer products, dense (the output layer's gradients)",
    "nn_kernels::x86::outer": "outer products: choosing the sparse or dense kernel",
    "nn_kernels::x86::backward_params": "weight gradients: the bias gradient, then an outer product",
    "CrossEntropy::softmax_loss_and_grad_rows": "the loss and its gradient, rows at once",
    "CrossEntropy::softmax_loss_and_grad_each": "the loss and its gradient, each row (split by rows)",
    "Dropout::forward::{closure}": "dropout forward",
    "Dropout::backward::{closure}": "dropout backward",
    "ReLU::forward": "ReLU forward",
    "ReLU::backward": "ReLU backward",
    "Softmax::forward": "softmax forward",
    "nn_kernels::x86::exp::exp_slice": "softmax's exponentials",
    "nn_kernels::x86::avx512::micro_any": "dense forward's register blocks (the output layer)",
    "__memmove_evex_unaligned_erms": "memcpy (outputs copied into place)",
    "__memset_evex_unaligned_erms": "memset (gradients zeroed)",
    SERVE: "helper: waiting for work",
    JOIN: "calling thread: waiting for the helper's half",
}


def figures(path):
    """The `--only steps` figures of one run: {(figure, threads): value}."""
    got = {}
    with open(path) as lines:
        for line in lines:
            line = line.strip()
            if line.startswith("{"):
                f = json.loads(line)
                if {"figure", "threads", "value"} <= f.keys():
                    got[(f["figure"], f["threads"])] = f["value"]
    if ("steps_count", 1) not in got:
        sys.exit(f"profile.py: {path} has no steps_count (did `--only steps` run?)")
    return got


def short(sym):
    """A symbol without perf's `[.] ` prefix and Rust's `<T as Trait>` noise."""
    sym = re.sub(r"^\[[.k]\]\s*", "", sym.strip())
    sym = re.sub(r"::\{\{closure\}\}", "::{closure}", sym)
    # `<nn_core::loss::cross_entropy::CrossEntropy as nn_core::loss::Loss>::f` → `CrossEntropy::f`
    sym = re.sub(r"^<(?:[\w:]+::)?(\w+)(?:<[^<>]*>)? as [\w:]+(?:<[^<>]*>)?>", r"\1", sym)
    # `team::join::Reclaim::finish` is the same wait as `team::join`
    if sym.startswith(JOIN):
        sym = JOIN
    return sym


def report(path, steps1, steps2):
    """µs per step by (side, function) from one `perf report`; side is
    "one", "calling", "helper" or "other"."""
    rows = []
    with open(path) as lines:
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("|", 3)
            if len(parts) != 4:
                continue
            period, _samples, thread, sym = parts
            tid, _, comm = thread.strip().partition(":")
            rows.append((float(period), int(tid), comm, short(sym)))
    if not rows:
        sys.exit(f"profile.py: no samples in {path}")
    first = min(tid for _, tid, _, _ in rows)
    by = {}
    for period, tid, comm, sym in rows:
        if comm == ONE:
            side, steps = "one", steps1
        elif comm == HELPER:
            side, steps = "helper", steps2
        elif tid == first:
            side, steps = "calling", steps2
        else:
            side, steps = "other", steps2
        by[(side, sym)] = by.get((side, sym), 0.0) + period / 1e3 / steps
    return by


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=24)
    ap.add_argument("dir")
    a = ap.parse_args()

    names = sorted(int(m.group(1)) for f in os.listdir(a.dir) if (m := re.fullmatch(r"r(\d+)\.jsonl", f)))
    if not names:
        sys.exit(f"profile.py: no rR.jsonl in {a.dir}")
    runs = []  # (figures, by)
    for r in names:
        got = figures(os.path.join(a.dir, f"r{r}.jsonl"))
        steps1, steps2 = got[("steps_count", 1)], got[("steps_count", 2)]
        runs.append((got, report(os.path.join(a.dir, f"r{r}.txt"), steps1, steps2)))

    def total(by, *sides):
        return sum(v for (t, _), v in by.items() if t in sides)

    def of(by, sym, *sides):
        return sum(v for (t, s), v in by.items() if s == sym and t in sides)

    def med(f):
        """The median over the runs of f(by)."""
        return median([f(by) for _, by in runs])

    def fig(name, threads):
        return median([got[(name, threads)] for got, _ in runs])

    two = ("calling", "helper")
    steps = int(runs[0][0][("steps_count", 1)])
    batches = sorted({int(got.get(("steps_batch", 1), 256)) for got, _ in runs})
    if len(batches) > 1:
        sys.exit(f"profile.py: the runs in {a.dir} have different batches: {batches}")
    over = f"medians of {len(runs)} runs" if len(runs) > 1 else "one run"
    print(f"`train_step`, batch {batches[0]:,}, MNIST 784-128-10, {steps} steps on each side of a run, {over}:")
    print(f"- wall clock: {fig('steps_us', 1):.0f} µs a step on 1 thread, {fig('steps_us', 2):.0f} on 2 "
          f"(speed-up {fig('speedup_steps', 2):.2f}×, the median of the pairs' ratios; the runs': "
          + ", ".join(f"{got[('speedup_steps', 2)]:.2f}×" for got, _ in runs) + ")")
    cpu1 = med(lambda by: total(by, "one"))
    cpu2 = med(lambda by: total(by, *two))
    print(f"- CPU time (perf `cpu-clock` samples): {cpu1:.0f} µs a step on 1 thread; on 2, {cpu2:.0f} "
          f"(calling thread {med(lambda by: total(by, 'calling')):.0f}, "
          f"helper {med(lambda by: total(by, 'helper')):.0f}; "
          f"other threads {med(lambda by: total(by, 'other')):.0f})")
    wait_c = med(lambda by: of(by, JOIN, "calling"))
    wait_h = med(lambda by: of(by, SERVE, "helper"))
    work = med(lambda by: (total(by, *two) - of(by, JOIN, "calling") - of(by, SERVE, "helper")) / total(by, "one"))
    print(f"- waiting on 2 threads: the calling thread {wait_c:.0f} µs a step, the helper {wait_h:.0f}; "
          f"the rest, the work, is {work:.2f}× the 1-thread step's CPU time")
    print()

    syms = {s for _, by in runs for _, s in by}
    syms = sorted(syms, key=lambda s: -med(lambda by: of(by, s, "one", *two)))
    print("| function | what | 1 thread | 2: calling | 2: helper | 2: both | both − 1 thread |")
    print("|---|---|---:|---:|---:|---:|---:|")
    shown = syms[: a.top]
    for s in shown:
        cells = [
            med(lambda by: of(by, s, "one")),
            med(lambda by: of(by, s, "calling")),
            med(lambda by: of(by, s, "helper")),
            med(lambda by: of(by, s, *two)),
        ]
        d = med(lambda by: of(by, s, *two) - of(by, s, "one"))
        print(f"| `{s}` | {WHAT.get(s, '')} | " + " | ".join(f"{c:.1f}" for c in cells) + f" | {d:+.1f} |")
    rest1 = med(lambda by: total(by, "one") - sum(of(by, s, "one") for s in shown))
    rest2 = med(lambda by: total(by, *two) - sum(of(by, s, *two) for s in shown))
    print(f"| the other {len(syms) - len(shown)} functions | | {rest1:.1f} | | | {rest2:.1f} | |")
    print(f"| all | | {cpu1:.1f} | {med(lambda by: total(by, 'calling')):.1f} | "
          f"{med(lambda by: total(by, 'helper')):.1f} | {cpu2:.1f} | "
          f"{med(lambda by: total(by, *two) - total(by, 'one')):+.1f} |")
    print()
    print("µs of CPU time per step, medians over the runs (so a column need not add up to its total).")


if __name__ == "__main__":
    main()
