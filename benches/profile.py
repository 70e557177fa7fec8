#!/usr/bin/env python3
"""The table of `benches/profile.sh`: CPU time per training step, by function,
on one thread and on two, from its rounds of `perf report` outputs.

    profile.py [--top K] DIR

DIR holds, for each round R, `t1-rR.jsonl`/`t1-rR.txt` (one thread) and
`t2-rR.jsonl`/`t2-rR.txt` (two). Each `.jsonl` is what `figures --only
steps` printed (the counted steps and their wall-clock µs per step), each
`.txt` is `perf report --no-children -F period,sample,pid,sym --stdio -t
'|'` of the same run. A sample's period is nanoseconds of CPU time (the
`cpu-clock` event), so a function's time per step is the sum of its
samples' periods over the number of steps. Every figure printed is the
median over the rounds (the speed-up: of the rounds' ratios).

Threads are told apart by name and id: `nn-team` is the helper of
`nn::parallel::team`; the process's first thread (the lowest id) is the
calling thread; anything else (rayon's workers, which should sleep) is
counted under "other threads". Two functions are waiting rather than work: the
helper's loop `team::serve` (spinning while it has no half to run) and
`team::join` on the calling thread (spinning until the helper's half is
done); their samples were checked to fall in the spin loops.
"""

import argparse
import json
import os
import re
import sys

HELPER = "nn-team"

# What the hot functions of this step are (the MNIST network on AVX-512).
WHAT = {
    "nn_kernels::x86::avx512::outer_sparse": "weight gradients δᵀ·X, zero δ skipped (first layer)",
    "nn_kernels::x86::avx512::nonzero::group_any": "first layer forward: the sums over nonzero inputs",
    "nn_kernels::x86::avx512::nonzero::forward": "first layer forward: finding each 3 samples' nonzero inputs",
    "nn_kernels::x86::avx512::nonzero::pack": "first layer forward: packing the weights transposed",
    "nn_core::optim::adam::adam_elements_avx512": "Adam's update",
    "nn_kernels::x86::mask::fill": "dropout masks",
    "nn_kernels::x86::outer_avx": "outer products, dense (the output layer's gradients)",
    "nn_kernels::x86::outer": "outer products: choosing the sparse or dense kernel",
    "nn_kernels::x86::backward_params": "weight gradients: the bias gradient, then an outer product",
    "nn_kernels::x86::avx512::nonzero::sparse_enough": "first layer forward: are the inputs sparse enough?",
    "CrossEntropy::softmax_loss_and_grad_rows": "the loss and its gradient, rows at once",
    "CrossEntropy::softmax_loss_and_grad_each": "the loss and its gradient, each row (split by rows)",
    "Dropout::forward::{closure}": "dropout forward",
    "Dropout::backward::{closure}": "dropout backward",
    "ReLU::forward": "ReLU forward",
    "ReLU::backward": "ReLU backward",
    "__memmove_evex_unaligned_erms": "memcpy (outputs copied into place)",
    "__memset_evex_unaligned_erms": "memset (gradients zeroed)",
    "nn_core::parallel::team::serve": "helper: waiting for work",
    "nn_core::parallel::team::join": "calling thread: waiting for the helper's half",
}


def figures(path):
    """The `--only steps` figures of one run: (steps, µs per step)."""
    got = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            f = json.loads(line)
            got[f["figure"]] = f["value"]
    if "steps_b256_count" not in got:
        sys.exit(f"profile.py: {path} has no steps_b256_count (did `--only steps` run?)")
    return int(got["steps_b256_count"]), got["steps_b256_us"]


def short(sym):
    """A symbol without perf's `[.] ` prefix and Rust's `<T as Trait>` noise."""
    sym = re.sub(r"^\[[.k]\]\s*", "", sym.strip())
    sym = re.sub(r"::\{\{closure\}\}", "::{closure}", sym)
    # `<nn_core::loss::cross_entropy::CrossEntropy as nn_core::loss::Loss>::f` → `CrossEntropy::f`
    sym = re.sub(r"^<(?:[\w:]+::)?(\w+)(?:<[^<>]*>)? as [\w:]+(?:<[^<>]*>)?>", r"\1", sym)
    # `team::join::Reclaim::finish` is the same wait as `team::join`
    if sym.startswith("nn_core::parallel::team::join"):
        sym = "nn_core::parallel::team::join"
    return sym


def report(path, steps):
    """µs per step by (thread, function) from one `perf report`."""
    rows = []
    for line in open(path):
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
    first = min(tid for _, tid, comm, _ in rows if comm != HELPER)
    by = {}
    for period, tid, comm, sym in rows:
        thread = "helper" if comm == HELPER else "calling" if tid == first else "other"
        by[(thread, sym)] = by.get((thread, sym), 0.0) + period / 1e3 / steps
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

    rounds = sorted(
        int(m.group(1)) for f in os.listdir(a.dir) if (m := re.fullmatch(r"t1-r(\d+)\.jsonl", f))
    )
    if not rounds:
        sys.exit(f"profile.py: no t1-rR.jsonl in {a.dir}")
    runs = []  # per round: (steps, wall, by) for one thread, then two
    for r in rounds:
        pair = []
        for t in (1, 2):
            steps, wall = figures(os.path.join(a.dir, f"t{t}-r{r}.jsonl"))
            pair.append((steps, wall, report(os.path.join(a.dir, f"t{t}-r{r}.txt"), steps)))
        runs.append(pair)

    def total(by, thread=None):
        return sum(v for (t, _), v in by.items() if thread is None or t == thread)

    def of(by, sym, thread=None):
        return sum(v for (t, s), v in by.items() if s == sym and (thread is None or t == thread))

    def med(f):
        """The median over the rounds of f(one-thread by, two-thread by)."""
        return median([f(one[2], two[2]) for one, two in runs])

    steps = runs[0][0][0]
    wall1 = median([one[1] for one, _ in runs])
    wall2 = median([two[1] for _, two in runs])
    ratio = median([one[1] / two[1] for one, two in runs])
    print(f"`train_step`, batch 256, MNIST 784-128-10, {steps} steps a run, medians of {len(runs)} rounds:")
    print(f"- wall clock: {wall1:.0f} µs a step on 1 thread, {wall2:.0f} on 2 (speed-up {ratio:.2f}×; "
          f"the rounds: {', '.join(f'{one[1] / two[1]:.2f}×' for one, two in runs)})")
    cpu1 = med(lambda o, t: total(o))
    cpu2 = med(lambda o, t: total(t))
    calling = med(lambda o, t: total(t, "calling"))
    helper = med(lambda o, t: total(t, "helper"))
    other = med(lambda o, t: total(t, "other"))
    wait_c = med(lambda o, t: of(t, "nn_core::parallel::team::join", "calling"))
    wait_h = med(lambda o, t: of(t, "nn_core::parallel::team::serve", "helper"))
    work = med(lambda o, t: (total(t) - of(t, "nn_core::parallel::team::join", "calling")
                             - of(t, "nn_core::parallel::team::serve", "helper")) / total(o))
    print(f"- CPU time (perf `cpu-clock` samples): {cpu1:.0f} µs a step on 1 thread; on 2, {cpu2:.0f} "
          f"(calling thread {calling:.0f}, helper {helper:.0f}, other threads {other:.0f})")
    print(f"- waiting on 2 threads: the calling thread {wait_c:.0f} µs a step, the helper {wait_h:.0f}; "
          f"the rest, the work, is {work:.2f}× the 1-thread step's CPU time")
    print()

    syms = {s for one, two in runs for by in (one[2], two[2]) for _, s in by}
    syms = sorted(syms, key=lambda s: -med(lambda o, t: of(o, s) + of(t, s)))
    print("| function | what | 1 thread | 2: calling | 2: helper | 2: both | both − 1 thread |")
    print("|---|---|---:|---:|---:|---:|---:|")
    shown = syms[: a.top]
    for s in shown:
        o = med(lambda o, t: of(o, s))
        c = med(lambda o, t: of(t, s, "calling"))
        h = med(lambda o, t: of(t, s, "helper"))
        b = med(lambda o, t: of(t, s))
        d = med(lambda o, t: of(t, s) - of(o, s))
        print(f"| `{s}` | {WHAT.get(s, '')} | {o:.1f} | {c:.1f} | {h:.1f} | {b:.1f} | {d:+.1f} |")
    rest1 = med(lambda o, t: total(o) - sum(of(o, s) for s in shown))
    rest2 = med(lambda o, t: total(t) - sum(of(t, s) for s in shown))
    print(f"| the other {len(syms) - len(shown)} functions | | {rest1:.1f} | | | {rest2:.1f} | |")
    print(f"| all | | {cpu1:.1f} | {calling:.1f} | {helper:.1f} | {cpu2:.1f} | {med(lambda o, t: total(t) - total(o)):+.1f} |")
    print()
    print("µs of CPU time per step (medians over the rounds, so a column need not add up to its total).")


if __name__ == "__main__":
    main()
