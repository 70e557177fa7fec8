"""Reads the JSON lines of figures.rs (nn) and torch_figures.py (torch), one
set per round, and prints the markdown table of benches/compare/run.sh with
the median of each figure over the rounds. PyTorch's figures are taken with
subnormals flushed to zero, as nn's optimizers do on x86-64; one more row
gives the training figure against PyTorch's default, which keeps them."""

import json
import statistics
import sys

ROWS = [
    # figure, label, higher is better, goal of issue 6 (nn / torch)
    ("train_samples_per_s_b64", "training, Adam, batch 64 (samples/s)", True, 2.5),
    ("predict_b1_us", "inference, batch 1 (µs per sample)", False, 8.0),
    ("predict_b64_samples_per_s", "inference, batch 64 (samples/s)", True, 1.5),
    ("predict_b10000_samples_per_s", "inference, batch 10,000 (samples/s)", True, 1.5),
]


def fmt(v, unit):
    if unit == "µs":
        return f"{v:.1f} µs"
    return f"{v / 1000:.1f}k"


def main():
    runs = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    d = json.loads(line)
                    runs.setdefault((d["impl"], d["figure"], d.get("threads", 1)), []).append(d)
    # the median over the rounds
    figs = {}
    for key, ds in runs.items():
        figs[key] = dict(ds[0], value=statistics.median(d["value"] for d in ds))
    version = next((d.get("version") for (i, _, _), d in figs.items() if i == "torch"), "?")
    print(f"| 1 thread, MNIST 784-128-10 | nn | PyTorch {version} | nn vs PyTorch | goal |")
    print("|---|---:|---:|---:|---:|")
    for fig, label, higher, goal in ROWS:
        a, b = figs.get(("nn", fig, 1)), figs.get(("torch", fig, 1))
        if not a or not b:
            continue
        ratio = a["value"] / b["value"] if higher else b["value"] / a["value"]
        met = "met" if ratio >= goal else f"missed ({ratio / goal:.0%} of it)"
        print(f"| {label} | {fmt(a['value'], a['unit'])} | {fmt(b['value'], b['unit'])} | "
              f"{ratio:.2f}× {'faster' if ratio >= 1 else 'as fast'} | ≥ {goal}×: {met} |")
    a, b = figs.get(("nn", "train_samples_per_s_b64", 1)), figs.get(("torch", "train_samples_per_s_b64_subnormals", 1))
    if a and b:
        ratio = a["value"] / b["value"]
        print(f"| training, against PyTorch's default (subnormals kept) | {fmt(a['value'], a['unit'])} | "
              f"{fmt(b['value'], b['unit'])} | {ratio:.2f}× {'faster' if ratio >= 1 else 'as fast'} | |")
    cnn = [("cnn_train_samples_per_s_b64", "training, Adam, batch 64 (samples/s)", True),
           ("cnn_predict_b1_us", "inference, batch 1 (µs per sample)", False),
           ("cnn_predict_b10000_samples_per_s", "inference, batch 10,000 (samples/s)", True)]
    if any(figs.get(("nn", fig, 1)) for fig, _, _ in cnn):
        print()
        print(f"| 1 thread, LeNet-5 (examples/cnn.rs) | nn | PyTorch {version} | nn vs PyTorch |")
        print("|---|---:|---:|---:|")
        for fig, label, higher in cnn:
            a, b = figs.get(("nn", fig, 1)), figs.get(("torch", fig, 1))
            if a and b:
                ratio = a["value"] / b["value"] if higher else b["value"] / a["value"]
                print(f"| {label} | {fmt(a['value'], a['unit'])} | {fmt(b['value'], b['unit'])} | "
                      f"{ratio:.2f}× {'faster' if ratio >= 1 else 'as fast'} |")
    par = [(fig, label) for fig, label in [
        ("train_samples_per_s_b256", "training with `fit`, Adam, batch 256 (samples/s)"),
        ("train_step_samples_per_s_b256", "`train_step` alone, Adam, batch 256 (samples/s)"),
        ("train_step_samples_per_s_b2048", "`train_step` alone, Adam, batch 2,048 (samples/s)"),
        ("predict_b10000_samples_per_s", "inference, batch 10,000 (samples/s)")]]
    threads = sorted({t for (i, f, t) in figs if i == "nn-parallel"})
    if len(threads) >= 2:
        lo, hi = threads[0], threads[-1]
        print()
        print(f"| `parallel` feature (rayon), wall clock | {lo} thread | {hi} threads | speed-up | goal "
              f"| the machine's ceiling meanwhile |")
        print("|---|---:|---:|---:|---:|---:|")
        for fig, label in par:
            a, b = figs.get(("nn-parallel", fig, lo)), figs.get(("nn-parallel", fig, hi))
            paired = figs.get(("nn-parallel", "speedup_" + fig, hi))
            # arithmetic in registers, 1 thread against halves on 2, a pair
            # of it after each pair of the workload (figures.rs)
            ceiling = figs.get(("nn-parallel", "ceiling_" + fig, hi))
            if a and b:
                # the median of the paired runs' ratios (figures.rs alternates
                # the two pools in one process), else the ratio of the medians
                r = paired["value"] if paired else b["value"] / a["value"]
                met = "met" if r >= 1.7 else f"missed ({r / 1.7:.0%} of it)"
                c = f"{ceiling['value']:.2f}× ({r / ceiling['value']:.0%} of it)" if ceiling else "?"
                print(f"| {label} | {fmt(a['value'], a['unit'])} | {fmt(b['value'], b['unit'])} | {r:.2f}× "
                      f"| ≥ 1.7×: {met} | {c} |")


if __name__ == "__main__":
    main()
